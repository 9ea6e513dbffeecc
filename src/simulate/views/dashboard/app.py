"""The planner dashboard: :class:`ScenarioExplorer`, an ipywidgets app.

A district planner moves the levers (grouped by lever, ranges from the
parameter schema, see :mod:`simulate.views.dashboard.controls`) and sees at once, in
``expected`` mode, what happens to dropout, learning and resource gaps and what
it costs, against a reference scenario (default: the policy in force,
``baseline``). "Run with uncertainty" adds 90% intervals from N stochastic
draws (common random numbers with the reference, as in
:func:`simulate.compare`); "Save as scenario" writes ``params/scenarios/NAME.yaml``.

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

Modules: this one (computing, the explorer's state and actions, the benchmark),
:mod:`simulate.views.dashboard.controls` (levers, ranges, shares, saving),
:mod:`simulate.views.dashboard.view` (widgets, table, charts),
:mod:`simulate.views.dashboard.districts` (the district dropdown and switching) and
:mod:`simulate.views.dashboard.i18n` (English/Chinese labels, number formats).
"""

from __future__ import annotations

import statistics
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pandas as pd

from ...measures.balance import THRESHOLD_2012, THRESHOLD_2017, comparison_indicators, context
from ...inputs.district import District
from ...inputs.load import load_district
from ...model.engine import cells_of, simulate
from ...model.outcomes import closer_to_zero_is_better, is_better, lower_is_better, year_indicators
from ...inputs.scenario import Scenario, ScenarioError, load_scenario
from ...errors import InputError
from .controls import check_scenario_name, save_scenario
from .runs import expected_indicators
from .i18n import fmt, shown_change, text

__all__ = ["ScenarioExplorer", "widget_latency", "headline_table", "expected_indicators", "save_scenario",
           "check_scenario_name", "write_dashboard_outputs", "uncertain_comparison"]

# (indicator, kind for fmt): the headline table, top to bottom.
HEADLINE = (
    ("child_years_out_of_school.cumulative.total", "child_years"), ("children_never_returned.total", "count"),
    ("dropout_rate.primary", "pct"), ("dropout_rate.junior", "pct"),
    ("dropout_rate.primary.poor_rural", "pct"), ("dropout_rate.junior.poor_rural", "pct"),
    ("consolidation_rate.nine_year", "pct"),
    ("dropout_gap.urban_rural.junior", "pp"), ("dropout_gap.poor.junior", "pp"),
    ("learning_gap.urban_rural", "sd"), ("learning_gap.poor", "sd"),
    ("ptr.rural", "ptr"), ("ptr.mountain", "ptr"),
    ("cv.spending_per_pupil.primary", "cv"), ("cv.spending_per_pupil.junior", "cv"),
    ("cv.ptr.primary", "cv"), ("cv.ptr.junior", "cv"),
    ("balance.composite.primary", "cv"), ("balance.composite.junior", "cv"),
    ("cost.policy_levers", "yuan"), ("cost.recurrent_base", "yuan"), ("cost.total", "yuan"),
    ("ce.extra_yuan", "yuan"), ("ce.child_years_kept", "child_years"), ("ce.yuan_per_child_year_kept", "yuan"),
    ("ce.dropouts_averted", "count"), ("ce.yuan_per_dropout_averted", "yuan"),
)
GAP_CHART = ("dropout_gap.urban_rural.junior", "dropout_gap.poor.junior")
# which way is better for the ce.* rows (the others: simulate.model.outcomes.better_direction)
CE_DIRECTION = {"ce.extra_yuan": "lower", "ce.child_years_kept": "higher", "ce.yuan_per_child_year_kept": "lower",
                "ce.dropouts_averted": "higher", "ce.yuan_per_dropout_averted": "lower"}
CACHE_SIZE = 64


def direction(key: str) -> str:
    """'lower', 'higher' or 'closer_to_0': which way is better for a headline row (gaps: closer to 0)."""
    if key in CE_DIRECTION:
        return CE_DIRECTION[key]
    if closer_to_zero_is_better(key):
        return "closer_to_0"
    return "lower" if lower_is_better(key) else "higher"
_CACHE: OrderedDict = OrderedDict()  # (data hash, years, params hash) → expected indicators by year


# ------------------------------------------------------------------ computing (pure functions)
def cost_effectiveness(current: pd.DataFrame, reference: pd.DataFrame) -> dict[str, float]:
    """Cumulative extra yuan, child-years of schooling kept, dropouts averted and yuan per child-year
    kept and per dropout averted vs the reference; the ratios follow the rule of ``simulate compare``
    (:func:`simulate.analysis.comparison.cost_per_effect`: NaN unless at least one is kept or averted)."""
    from ...analysis.comparison import CE_MINIMUM, cost_per_effect

    extra = float((current["cost.total"] - reference["cost.total"]).sum())
    cumulative = "child_years_out_of_school.cumulative.total"
    kept = float(reference[cumulative].iloc[-1] - current[cumulative].iloc[-1])
    averted = float((reference["dropouts"] - current["dropouts"]).sum())
    return {"ce.extra_yuan": extra, "ce.child_years_kept": kept,
            "ce.yuan_per_child_year_kept": cost_per_effect(extra, kept, CE_MINIMUM["ce.child_years_kept"]),
            "ce.dropouts_averted": averted,
            "ce.yuan_per_dropout_averted": cost_per_effect(extra, averted, CE_MINIMUM["ce.dropouts_averted"])}


def balance_verdict(series: pd.Series, stage: str, lang: str) -> str:
    """China's county balance verdict for ``stage`` from one year's indicators."""
    if series.get(f"balance.pass_2017.{stage}") == 1.0:
        return text("verdict.pass_2017", lang, t=f"{THRESHOLD_2017[stage]:.2f}")
    if series.get(f"balance.pass_2012.{stage}") == 1.0:
        return text("verdict.pass_2012", lang, t=f"{THRESHOLD_2012[stage]:.2f}")
    return text("verdict.fail", lang, t=f"{THRESHOLD_2012[stage]:.2f}")


def headline_table(current: pd.DataFrame, reference: pd.DataFrame, lang: str = "en",
                   intervals: pd.DataFrame | None = None) -> pd.DataFrame:
    """The headline table: one row per indicator at the last year, with the
    reference, the change and (after an uncertainty run) 90% intervals."""
    year = int(current.index.max())
    cur, ref = current.loc[year], reference.loc[year]
    ce = cost_effectiveness(current, reference)
    rows = []
    for key, kind in HEADLINE:
        if key.startswith("ce."):
            value = ce[key]
            ref_value = np.nan if key.startswith("ce.yuan_per") else 0.0
            change = value - ref_value
        else:
            value, ref_value = float(cur.get(key, np.nan)), float(ref.get(key, np.nan))
            change = value - ref_value
        change_text = fmt(shown_change(value, ref_value, kind), kind, lang, signed=True)
        shown_zero = not any(ch in "123456789" for ch in change_text)
        better = None  # coloured better/worse only when the change shows at the displayed precision
        if not key.startswith("ce.") and np.isfinite(change) and not shown_zero and \
                not (closer_to_zero_is_better(key) and abs(value) == abs(ref_value)):
            better = bool(is_better(key, value, ref_value))  # a gap: closer to 0, even across zero
        stage = key.rsplit(".", 1)[-1]
        verdict = balance_verdict(cur, stage, lang) if key.startswith("balance.composite") else ""
        rows.append({"indicator": key, "label": text(key, lang), "kind": kind, "year": year,
                     "value": value, "reference": ref_value, "change": change, "better": better,
                     "direction": direction(key), "direction_text": text(f"better.{direction(key)}", lang),
                     "verdict": verdict, "value_text": fmt(value, kind, lang),
                     "reference_text": fmt(ref_value, kind, lang),
                     "change_text": change_text})
    table = pd.DataFrame(rows)
    if intervals is not None:
        table = table.merge(intervals, on="indicator", how="left")
        table["interval_text"] = [
            "" if pd.isna(r.lo) else f"{fmt(r.lo, r.kind, lang)} – {fmt(r.hi, r.kind, lang)}; "
            f"Δ {fmt(r.diff_lo, r.kind, lang, True)} – {fmt(r.diff_hi, r.kind, lang, True)}"
            for r in table.itertuples()]
    return table


def uncertain_comparison(district: District, scenario: Scenario, reference: Scenario, draws: int = 50,
                         seed: int = 0, years: int = 7, chunk: int = 10, on_progress=None):
    """:class:`simulate.analysis.comparison.Comparison` of ``scenario`` ("current") vs ``reference``
    over ``draws`` stochastic draws with sampled parameters and common random
    numbers; ``on_progress(done, total)`` is called after each chunk."""
    from ...analysis.comparison import Comparison

    cells, ctx = cells_of(district), context(district)
    pairs = (("reference", reference), ("current", scenario))
    parts: dict[str, dict[str, list]] = {"reference": {}, "current": {}}
    chunks = [(d0, min(chunk, draws - d0)) for d0 in range(0, draws, chunk)]
    year_list: list[int] = []
    done = 0
    for d0, n in chunks:
        for key, s in pairs:
            per_year = []
            for y in simulate(district, s, years=years, seed=seed, mode="stochastic", draws=n, first_draw=d0,
                              sample_parameters=True):
                per_year.append({**year_indicators(y, cells), **comparison_indicators(y, ctx)})
                if len(year_list) < years:
                    year_list.append(y.year)
            for k in per_year[0]:
                parts[key].setdefault(k, []).append(np.stack([py[k] for py in per_year], axis=1))
            done += 1
            if on_progress is not None:
                on_progress(done, 2 * len(chunks))
    samples = {s: {k: np.concatenate(v, axis=0) for k, v in ind.items()} for s, ind in parts.items()}
    return Comparison(scenarios=["reference", "current"], reference="reference", years=year_list, draws=draws,
                      seed=seed, interval=0.9, samples=samples,
                      titles={"reference": reference.title, "current": scenario.title})


def interval_columns(comparison) -> pd.DataFrame:
    """indicator, lo, hi, diff_lo, diff_hi of the current scenario at the last year."""
    t = comparison.table
    t = t[(t["scenario"] == "current") & (t["year"] == comparison.years[-1])]
    return t[["indicator", "lo", "hi", "diff_lo", "diff_hi"]].reset_index(drop=True)


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
        old = self.start_levers
        edits = {p: v for p, v in self.view.values().items() if v != old.value(p)} if keep_edits else {}
        self.start_scenario, self.start_levers = start, self._at_district(start)
        self.scenario = self.start_levers
        self._clear_uncertainty()
        self.view.load_levers(self.start_levers)
        edits = {p: v for p, v in edits.items() if v != self.start_levers.value(p)}
        kept = self._reapply(edits)
        if kept:
            self.show_message(text("edits_kept", self.language, n=len(edits), start=name))
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
            self.reference_scenario = load_scenario(name)
        except ScenarioError as exc:
            self.show_message(str(exc), error=True)
            return
        self._clear_uncertainty()
        self.refresh()

    def set_language(self, lang: str) -> None:
        from .i18n import LANGUAGES

        if not isinstance(lang, str) or lang not in LANGUAGES:
            self.show_message(text("note.language", self.language, value=repr(lang)[:40], options=", ".join(LANGUAGES),
                                   kept=self.language), error=True)
            return
        self.language = lang
        self.view.relabel()
        self.refresh()

    def run_uncertainty(self, draws: int = 50, on_progress=None):
        """N stochastic draws of the current scenario vs the reference; adds intervals to ``results``.
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
        self.refresh(charts=False)
        return cmp

    def save(self, name: str, title: str | None = None, overwrite: bool = False) -> Path | None:
        """Save the current scenario as ``params/scenarios/NAME.yaml``; None (and a message) on error."""
        if not isinstance(overwrite, bool):
            self.show_message(text("save.overwrite_flag", self.language, value=f"{overwrite!r:.40}"), error=True,
                              where="save")
            return None
        try:
            path = save_scenario(self.scenario, self.start_scenario, name, title, overwrite, self.start_levers)
        except (ValueError, ScenarioError) as exc:
            from .controls import SaveError

            message = exc.text(self.language) if isinstance(exc, SaveError) else \
                f"{text('save.failed', self.language)}: {exc}"
            self.show_message(message, error=True, where="save")
            return None
        self.view.refresh_scenario_lists()
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


# ------------------------------------------------------------------ findings run of notebook 03
def write_dashboard_outputs(explorer: ScenarioExplorer, out_dir: str | Path) -> Path:
    """The dashboard's state for the findings pipeline: ``tables/headline.csv`` (the
    headline table, numbers only), ``tables/gaps_by_year.csv``, two PNG charts and
    ``headline.json``. Deterministic (expected mode)."""
    import json

    from ...provenance import write_csv
    from .view import cost_chart_png, gap_chart_png

    out = Path(out_dir)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    cols = ["indicator", "label", "year", "value", "reference", "change"]
    write_csv(explorer.results[cols], out / "tables" / "headline.csv")
    keys = ["dropout_gap.urban_rural.junior", "dropout_gap.poor.junior", "learning_gap.urban_rural",
            "learning_gap.poor", "cost.total"]
    frames = []
    for who, frame in (("scenario", explorer.series), ("reference", explorer.reference_series)):
        long = frame[keys].reset_index().melt(id_vars="year", var_name="indicator", value_name="value")
        long.insert(0, "run", who)
        frames.append(long)
    write_csv(pd.concat(frames, ignore_index=True), out / "tables" / "gaps_by_year.csv")
    (out / "figures" / "gaps_by_year.png").write_bytes(gap_chart_png(explorer))
    (out / "figures" / "cost_vs_gap_reduction.png").write_bytes(cost_chart_png(explorer))
    r = explorer.results.set_index("indicator")
    headline = [{"label": r.loc[k, "label"], "value": round(float(r.loc[k, "value"]) * scale, digits), "unit": unit}
                for k, scale, digits, unit in (("dropout_rate.junior", 100, 2, "% a year"),
                                               ("dropout_gap.poor.junior", 1, 2, "percentage points"),
                                               ("cost.total", 1e-4, 0, "万元 (10,000 yuan) a year"))]
    (out / "headline.json").write_text(json.dumps(headline, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


# ------------------------------------------------------------------ benchmark
def widget_latency(repeats: int = 15, district: District | None = None) -> dict:
    """Median seconds from setting a slider value to the results table being refreshed.

    Builds a :class:`ScenarioExplorer` on the default district, then moves the
    support-teacher slider to ``repeats`` new values (no cache hits) and times
    each from ``slider.value = v`` to the refreshed headline table. Returns
    {"median_seconds", "max_seconds", "repeats"}; for ``benchmarks/run.py``.
    """
    explorer = ScenarioExplorer(district=district)
    _CACHE.clear()  # time real recomputation: keep only the reference and start runs
    explorer.expected(explorer.reference_scenario), explorer.expected(explorer.start_levers)
    slider = explorer.controls["teachers.support.count"]
    start = int(slider.value)
    times = []
    for i in range(repeats):
        t0 = time.perf_counter()
        slider.value = start + 1 + i
        times.append(explorer.last_table_time - t0)
    return {"median_seconds": statistics.median(times), "max_seconds": max(times), "repeats": repeats}
