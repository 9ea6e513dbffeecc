"""The planner dashboard: :class:`ScenarioExplorer`, an ipywidgets app.

A district planner moves the levers (grouped by lever, ranges from the
parameter schema, see :mod:`simulate.views.dashboard.controls`) and sees at once, in
``expected`` mode, what happens to dropout, learning and resource gaps and what
it costs, against a reference scenario (default: the policy in force,
``baseline``). "Run with uncertainty" adds 90% intervals from N parameter
draws (the same draws for the reference; expected mode: parameter uncertainty
only, the samples :func:`simulate.compare` summarises); "Save as scenario" writes ``params/scenarios/NAME.yaml``.

Speed (issue 5: slider → numbers ≤ 250 ms): one expected run of 7 years plus
the outcome indicators (:func:`simulate.model.outcomes.year_indicators`) and the
vectorised resource-equity subset (:func:`simulate.measures.balance.comparison_indicators`);
the slower full ``Result.indicators`` table is not built. The reference run is
computed once per reference choice; every run is cached by the scenario's
``params_hash``, so going back to an earlier setting costs nothing; the
language toggle only re-renders. Sliders send their value on release
(``continuous_update=False``), which debounces drags. The headline table is
refreshed before the charts are redrawn, so numbers reach the browser first.
:func:`widget_latency` measures slider → refreshed results table in Python.

Headline year: the last simulated year (default 7 years, 2019 → 2025), when
the levers have had time to act. The table leads with time out of school:
child-years out of school so far and children who left and had not returned
(:mod:`simulate.model.outcomes`); cost per child-year of schooling kept and,
secondary, per dropout averted are cumulative over all years (extra yuan ÷
effect vs the reference), "n/a" when less than one is kept or averted. Moving a lever whose baseline value has a schedule by
year (capital: 4,000 万元 phased down to 1,500 万元) replaces the schedule
with a flat amount (rule of :mod:`simulate.inputs.scenario`).

Modules: this one (the explorer's state and actions), :mod:`.headline` (the headline table, pure),
:mod:`.outputs` (the findings run's files, the latency benchmark),
:mod:`simulate.views.dashboard.controls` (levers, ranges, shares), :mod:`.saving` (scenario files),
:mod:`simulate.views.dashboard.view` (widgets and events), :mod:`.table` and :mod:`.charts` (what they show),
:mod:`.links` (a scenario as a link), :mod:`.serve` (the Voilà service),
:mod:`simulate.views.dashboard.districts` (the district dropdown and switching) and
:mod:`simulate.views.dashboard.i18n` (English/Chinese labels, number formats).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from pathlib import Path

import pandas as pd

from ...measures.balance import context
from ...inputs.district import District
from ...inputs.load import load_district
from ...model.engine import cells_of
from ...inputs.scenario import Scenario, ScenarioError, load_scenario
from ...errors import InputError
from .charts import scenario_title
from .saving import check_scenario_name, save_scenario
from .headline import headline_table, interval_columns, uncertain_comparison
from .runs import expected_indicators
from .i18n import text

__all__ = ["ScenarioExplorer", "headline_table", "expected_indicators", "save_scenario", "check_scenario_name",
           "uncertain_comparison"]

CACHE_SIZE = 64
_CACHE: OrderedDict = OrderedDict()  # (data hash, years, params hash) → expected indicators by year


# ------------------------------------------------------------------ the explorer
class ScenarioExplorer:
    """Levers, a start-from and a reference dropdown, a live headline table and charts.

    State for tests and notebooks: ``scenario`` (the current :class:`Scenario`),
    ``results`` (the headline table, a DataFrame), ``series`` (indicators by
    year of the current scenario), ``reference_series``, ``message`` (the last
    message shown), ``controls`` (dotted path → widget), ``uncertainty`` (the
    last :class:`~simulate.analysis.comparison.Comparison`, or None),
    ``attribution`` (the last "what drives this difference",
    :class:`~simulate.views.dashboard.drivers.Drivers`, or None; cleared by any change),
    ``start_levers`` (the start scenario at this district's size: what the sliders show and the
    engine runs), ``scaled`` (levers scaled from Banan's values, see :attr:`scaled`).

    The district dropdown lists every district folder under ``data_dir`` (default: the repository's
    ``data/``) and the district given; :meth:`set_district` switches (:mod:`simulate.views.dashboard.districts`).
    """

    def __init__(self, district: District | str | None = None, reference: str = "baseline", start: str = "baseline",
                 years: int = 7, language: str = "en", seed: int = 0, data_dir: str | Path | None = None):
        from ...inputs import limits
        from .i18n import LANGUAGES
        from .view import build_view

        years, seed = limits.check_years(years), limits.check_seed(seed)
        limits.check_choice(language, "language", LANGUAGES)
        if district is None or isinstance(district, (str, Path)):
            district = load_district(district)
        limits.check_district(district)
        self.years, self.seed, self.language, self.data_dir = years, seed, language, data_dir
        self._start_district = district  # the district the dashboard started with (listed in the dropdown)
        self._baseline = load_scenario("baseline")
        self.start_scenario = load_scenario(start)
        self.reference_scenario = load_scenario(reference)
        self._use_district(district)
        self.message = ""
        self.results = pd.DataFrame()
        self.last_refresh_seconds = 0.0
        self.last_table_time = 0.0
        self.view = build_view(self)
        self.refresh()

    # ---------------------------------------------------------------- display
    def _repr_mimebundle_(self, **kwargs):
        return self.view.root._repr_mimebundle_(**kwargs)

    @property
    def widget(self):
        return self.view.root

    @property
    def controls(self) -> dict:
        return self.view.controls

    @property
    def notes(self) -> dict[str, str]:
        """Control (dotted path, or "draws") → why it did not take the last value it was given and
        what it kept, in the current language (e.g. "250 is above the maximum 100: kept 100")."""
        return self.view.note_texts()

    # ---------------------------------------------------------------- the district and its size
    def _use_district(self, district: District) -> None:
        """Make ``district`` the explorer's: its cells, size factors, the start scenario at its size."""
        from ...inputs.scaling import scale_factors

        self.district = district
        self._cells, self._ctx = cells_of(district), context(district)
        self.factors = scale_factors(self._baseline, district)  # district size / Banan's (pupils, schools, teachers)
        self.start_levers = self._at_district(self.start_scenario)
        self.scenario = self.start_levers
        self._clear_uncertainty()

    def set_district(self, folder, keep_edits: bool = True) -> bool:
        """Switch to the district in ``folder`` (a path, or a District), keeping the planner's lever edits as
        "Start from" does; a folder that does not load leaves this district and the message says why.
        See :func:`simulate.views.dashboard.districts.switch_district`."""
        from .districts import switch_district

        return switch_district(self, folder, keep_edits)

    def _at_district(self, scenario: Scenario) -> Scenario:
        """``scenario`` at this district's size, as the engine runs it (Banan: the scenario itself)."""
        from ...inputs.scaling import for_district

        return for_district(scenario, self.district, warn=False)

    @property
    def scaled(self) -> dict[str, tuple]:
        """Levers whose start value is scaled to this district's size: path → (Banan's value, the value
        the slider shows and the engine runs, factor, measure); empty on Banan."""
        from .controls import scaled_from

        return scaled_from(self.start_scenario, self.start_levers, self.factors)

    def range_factor(self, path: str) -> float:
        """The district's size over Banan's for a lever that scales with it (slider ranges and steps)."""
        from .controls import district_factor

        return district_factor(path, self.factors, self._baseline)

    # ---------------------------------------------------------------- computing
    def expected(self, scenario: Scenario) -> pd.DataFrame:
        """Expected-mode indicators of ``scenario``, cached (shared by every explorer in the
        process) by district data hash, years and the scenario's parameter hash."""
        key = (self.district.data_hash, self.years, scenario.params_hash)
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
        frame = expected_indicators(self.district, scenario, self.years, self._cells, self._ctx)
        _CACHE[key] = frame
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
        return frame

    @property
    def series(self) -> pd.DataFrame:
        return self.expected(self.scenario)

    @property
    def reference_series(self) -> pd.DataFrame:
        return self.expected(self.reference_scenario)

    def refresh(self, charts: bool = True) -> None:
        """Recompute (from cache where possible) and redraw the table, then the charts."""
        t0 = time.perf_counter()
        self.results = headline_table(self.series, self.reference_series, self.language, self._intervals)
        self.view.show_results()
        self.last_table_time = time.perf_counter()
        self.view.show_drivers()
        self.last_refresh_seconds = self.last_table_time - t0
        if charts:
            self.view.show_charts()

    # ---------------------------------------------------------------- actions (also used by the view)
    def apply_controls(self, values: dict) -> bool:
        """Make the current scenario the start scenario (at the district's size, ``start_levers``) with
        ``values`` (path → value; only those differing from it are kept). A ScenarioError becomes the message."""
        unknown = [p for p in values if p not in self.start_scenario.leaves] if isinstance(values, dict) else None
        if unknown is None or unknown:
            what = f"no parameter {unknown[0]!r:.80}" if unknown else f"expected a mapping of parameter paths to values, got {values!r:.60}"
            self.show_message(f"{text('error', self.language)}: {what}", error=True)
            return False
        start = self.start_levers
        changes = {p: v for p, v in values.items() if v != start.value(p)}
        try:
            scenario = start.with_changes(changes, name=f"{start.name}+dashboard") if changes else start
        except ScenarioError as exc:
            self.show_message(f"{text('error', self.language)}: {exc}", error=True)
            return False
        self.scenario = scenario
        self._clear_uncertainty()
        self.show_message("")
        self.refresh()
        return True

    def set(self, path: str, value) -> None:
        """Set the lever at dotted ``path`` to ``value`` (parameter units), as a planner would."""
        self.view.set_lever(path, value)

    def set_start(self, name: str, keep_edits: bool = True) -> None:
        """Start from scenario ``name``. The planner's edits (levers moved away from the old start) are
        kept and re-applied on top of the new start, and a message says so; ``keep_edits=False`` (the
        reset button) discards them."""
        try:
            start = load_scenario(name)
        except ScenarioError as exc:
            self.show_message(str(exc), error=True)
            return
        if self._written_elsewhere(start, self.start_scenario):
            return
        old = self.start_levers
        edits = {p: v for p, v in self.view.values().items() if v != old.value(p)} if keep_edits else {}
        self.start_scenario, self.start_levers = start, self._at_district(start)
        self.scenario = self.start_levers
        self._clear_uncertainty()
        self.view.load_levers(self.start_levers)
        edits = {p: v for p, v in edits.items() if v != self.start_levers.value(p)}
        kept = self._reapply(edits)
        if kept:
            self.show_message(text("edits_kept", self.language, n=len(edits), start=scenario_title(start, self.language)))
        elif kept is None:
            self.show_message("")
            self.refresh()

    def _reapply(self, edits: dict) -> bool | None:
        """Re-apply the planner's ``edits`` (path → value) on top of a new start (or district): None when
        there are none (nothing done), True when applied (refreshed), False when the new start cannot
        take them (refreshed; the message says why)."""
        if not edits:
            return None
        if not self.apply_controls({**self.view.values(), **edits}):
            self.refresh()
            return False
        self.view._muted = True
        try:
            for p, v in edits.items():
                self.view.set_lever(p, v)
        finally:
            self.view._muted = False
        return True

    def set_reference(self, name: str) -> None:
        try:
            reference = load_scenario(name)
        except ScenarioError as exc:
            self.show_message(str(exc), error=True)
            return
        if self._written_elsewhere(reference, self.reference_scenario):
            return
        self.reference_scenario = reference
        self._clear_uncertainty()
        self.refresh()

    def _written_elsewhere(self, scenario: Scenario, kept: Scenario) -> bool:
        """True (and a message; the dropdowns back on what is kept) when ``scenario`` is written for another
        district than this one (:mod:`simulate.views.dashboard.written`)."""
        from .written import written_elsewhere

        if not written_elsewhere(scenario, self.district):
            return False
        self.show_message(text("written.elsewhere", self.language, scenario=scenario_title(scenario, self.language),
                               folder=scenario.written_for, district=self.district.name,
                               kept=scenario_title(kept, self.language)), error=True)
        self.view.refresh_scenario_lists()
        return True

    def set_language(self, lang: str) -> None:
        from .i18n import LANGUAGES

        if not isinstance(lang, str) or lang not in LANGUAGES:
            self.show_message(text("note.language", self.language, value=repr(lang)[:40], options=", ".join(LANGUAGES),
                                   kept=self.language), error=True)
            return
        self.language = lang
        if self.view.lang.value != lang:  # set from a link or in Python: the toggle shows it too
            self.view._muted = True
            try:
                self.view.lang.value = lang
            finally:
                self.view._muted = False
        self.view.relabel()
        self.refresh()

    def run_uncertainty(self, draws: int = 50, on_progress=None):
        """N parameter draws of the current scenario vs the reference (expected mode); adds intervals to ``results``.
        ``draws`` must be an integer from 1 to the draws slider's maximum; otherwise the message says
        so and nothing runs (None is returned)."""
        from ...inputs import limits

        try:
            draws = limits.check_int(draws, "draws", 1, int(self.view.draws.max))
        except InputError as exc:
            self.show_message(f"{text('error', self.language)}: {exc}", error=True)
            return None
        cmp = uncertain_comparison(self.district, self.scenario, self.reference_scenario, draws=draws,
                                   seed=self.seed, years=self.years, on_progress=on_progress)
        self.uncertainty, self._intervals = cmp, interval_columns(cmp)
        self.refresh()  # the charts draw the intervals too
        return cmp

    def save(self, name: str, title: str | None = None, overwrite: bool = False) -> Path | None:
        """Save the current scenario as ``params/scenarios/NAME.yaml``; None (and a message) on error."""
        if not isinstance(overwrite, bool):
            self.show_message(text("save.overwrite_flag", self.language, value=f"{overwrite!r:.40}"), error=True,
                              where="save")
            return None
        try:
            from .written import district_entry, scenario_key

            path = save_scenario(self.scenario, self.start_scenario, name, title, overwrite, self.start_levers,
                                 extends=scenario_key(self.start_scenario), district=district_entry(self.start_scenario))
        except (ValueError, ScenarioError) as exc:
            from .saving import SaveError

            message = exc.text(self.language) if isinstance(exc, SaveError) else \
                f"{text('save.failed', self.language)}: {exc}"
            self.show_message(message, error=True, where="save")
            return None
        from .outside import record_saved

        record_saved(path)  # the dashboard may delete only files it wrote (and nobody changed since)
        self.view.refresh_scenario_lists()
        self.view.outside.refresh_deletable()
        n = len(self.scenario.changed_paths(self.start_levers))
        self.show_message(text("saved", self.language, path=path, extends=self.start_scenario.name, n=n, name=name),
                          where="save")
        return path

    def show_message(self, message: str, error: bool = False, where: str = "top") -> None:
        """The last message (``message``, ``message_where``: "top" or "save", next to its action);
        the next message, wherever it goes, clears it."""
        self.message, self.message_where = message, where
        self.view.show_message(message, error, where)

    def _clear_uncertainty(self) -> None:
        self.uncertainty, self._intervals = None, None
        self.attribution = None  # computed for another scenario or reference: the panel asks for a new press

    def explain_difference(self, on_progress=None):
        """What drives this difference: each changed lever group's contribution (Shapley) to the headline
        indicators of the current scenario against the reference (:func:`simulate.views.dashboard.drivers.drivers`);
        ``attribution`` holds it. None (and the panel says why) when nothing differs."""
        from .drivers import drivers

        try:
            self.attribution = drivers(self, on_progress=on_progress)
        except ValueError as exc:
            if str(exc) != "nothing differs":
                raise
            self.attribution = None
            self.view.show_drivers(none=True)
            return None
        self.view.show_drivers()
        return self.attribution
