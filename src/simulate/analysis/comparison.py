"""``compare()``: scenarios on common random numbers, with intervals and costs.

Every draw samples the uncertain parameters: the calibrated ones jointly from
their posterior (params/posterior/, :mod:`simulate.inputs.posterior`), the rest
from their priors (``uncertainty`` in the parameter tree). **One number, one
meaning**: every summary is over parameter draws in expected mode — ``mean`` is
the mean over draws (for the calibrated parameters, the posterior mean),
intervals and ``p_better`` are parameter uncertainty. ``mode="expected"`` is the
default, as for every entry point that takes a mode (``run``, ``sensitivity``,
``attribute``). With ``mode="stochastic"`` the same draws also run with binomial
pupil flows, and the chance they add to a difference is reported apart
(``chance_lo``, ``chance_hi``), never mixed into the parameter interval. All
scenarios share each draw's random
numbers: parameter quantiles are keyed by (seed, parameter path) and flows by
(seed, purpose, year, chunk), never by scenario. So a scenario compared with
itself differs by exactly 0, and differences between scenarios are much
tighter than the scenarios' own intervals.

Draws run as an array axis in fixed chunks of ``chunk`` draws (default: 100,
fewer for districts so large that 100 draws would not fit in
``CHUNK_MEMORY_BYTES``, see :func:`simulate.analysis.batches.default_chunk`): the same (seed, draws,
chunk) gives identical numbers on any machine.

``Comparison.table`` columns: scenario, indicator, unit (from the indicator catalogue,
``simulate.indicators()``), year, mean, lo, hi (central ``interval``, 90% by default; or
``alpha`` = 1 − interval), diff, diff_lo, diff_hi (vs the reference, paired
by draw), p_better (share of draws in which the scenario beats the reference,
by the indicator's direction, over parameter draws), chance_lo, chance_hi
(stochastic mode: the central interval of binomial chance in the difference).
Besides the outcome indicators of
:mod:`simulate.model.outcomes`, each draw carries a vectorised subset of resource
equity (:func:`simulate.measures.balance.comparison_indicators`: CV of per-pupil
spending and of the pupil–teacher ratio per stage, the balance-test
composite and pass/fail, consolidation gaps). Cost-effectiveness rows (``ce.*``, with
:func:`cost_per_effect`'s one rule for every ratio): :mod:`simulate.analysis.comparison_table`.

**Lever attribution** (``compare(..., attribution=True)``, the default; off with
``attribution=False`` or ``simulate compare --no-attribution``): for every
scenario other than the reference, ``Comparison.attribution`` splits its
difference from the reference on the headline indicators
(:data:`ATTRIBUTION_ROWS`: child-years out of school, children never returned,
the poor–non-poor junior dropout gap, the poor–non-poor and urban–rural
learning gaps, the cost of the policy levers; all in the last year, as in the
summary) among the *lever groups* it changes (changed paths grouped by section
+ lever, :func:`simulate.analysis.attribution.lever_groups`) by Shapley values
(:func:`simulate.analysis.attribution.attribute`): expected mode at the
parameters' central values on the compare's seed and years, exact (2^n
combinations of groups) up to 8 groups, 50 sampled orders beyond
(:data:`ATTRIBUTION_PERMUTATIONS`; for ``no_policy``'s 10 groups every contribution
is within 0.5% of the total of its exact value).
Contributions add up exactly to the total, which is the expected-mode
difference (close to, but not, the mean difference over the draws). A
scenario changing one lever group gets one row per indicator with share 1
(two runs); one changing nothing gets none. It is computed when first asked
for (``cmp.attribution``, ``summary()``, ``to_dir()``, which writes
``attribution.csv``), so ``compare()`` itself costs the same either way; it
costs 2^n expected-mode runs (≈ 30 ms each for the default district and 7
years: half a second for 4 groups, ~12 s for ``no_policy``'s 10 sampled groups).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..measures.balance import comparison_indicators, context
from ..inputs.district import District
from ..inputs.load import load_district
from ..model.engine import cells_of, simulate
from ..model.outcomes import year_indicators
from ..inputs.scenario import Scenario, load_scenario
from .batches import (ARRAYS_ALIVE, CHUNK_MEMORY_BYTES, DEFAULT_CHUNK, check_chunk,  # noqa: F401 (public)
                      default_chunk, run_batches)
from .comparison_summary import ATTRIBUTION_ROWS, CE_ROWS, SUMMARY_ROWS, fmt_value, summary  # noqa: F401 (public)
from .comparison_table import (CE_MINIMUM, CE_NA_RULE, CHANCE_PREFIX, TABLE_COLUMNS,  # noqa: F401 (public)
                               cost_per_effect, table_of)

# One number, one meaning (issue 19): the labels every surface uses for its headline figures.
CENTRAL_LABEL = ("central values: every parameter at its central value, the calibrated ones at their posterior "
                 "means; not the mean over parameter draws, which `simulate compare` reports")


def summary_label(draws: int) -> str:
    """What a headline figure with uncertainty is: the mean over ``draws`` parameter draws, expected mode."""
    return (f"mean over {draws} parameter draws in expected mode (calibrated parameters drawn jointly from their "
            f"posterior, the rest from their priors); intervals: parameter uncertainty")


@dataclass(eq=False)
class Comparison:
    """Result of :func:`compare`. ``samples[scenario][indicator]`` is (draws, years); ``table`` the
    tidy summary over draws; ``attribution`` the lever attribution (None when switched off; see the
    module docstring); ``summary()`` the markdown ``simulate compare`` prints.

    For analysis: ``select`` (rows of the table, names checked), ``effects`` (differences with
    labels, units and intervals), ``samples_long`` and ``to_xarray`` (every draw), ``breakdown``
    (by town, location or school on the same draws); guide: ``docs/guide/researchers.md``."""

    scenarios: list[str]
    reference: str
    years: list[int]
    draws: int
    seed: int
    interval: float
    samples: dict = field(repr=False)
    titles: dict = field(default_factory=dict, repr=False)
    attribution_settings: dict | None = field(default=None, repr=False)
    _inputs: tuple = field(default=(), repr=False)   # (district, {name: Scenario}) for the attribution

    @property
    def table(self) -> pd.DataFrame:
        if not hasattr(self, "_table"):
            self._table = table_of(self)
        return self._table

    def diff_samples(self, scenario: str, indicator: str) -> np.ndarray:
        """Per-draw differences scenario − reference, shape (draws, years); an unknown scenario or
        indicator raises :class:`~simulate.errors.NotFoundError` with the closest names."""
        from .tidy import diff_samples

        return diff_samples(self, scenario, indicator)

    @property
    def attribution(self) -> pd.DataFrame | None:
        """Lever attribution of each scenario's difference on the headline indicators (None when
        ``compare(attribution=False)``): scenario, indicator, lever, paths, contribution, share,
        total, reference_value, scenario_value, exact, coalitions. Computed on first use."""
        return self.attribute()

    def attribute(self, progress: bool = False) -> pd.DataFrame | None:
        """:attr:`attribution`, computed now (``progress``: a bar per scenario). See the module docstring."""
        if self.attribution_settings is None:
            return None
        if not hasattr(self, "_attribution"):
            self._attribution, self.attribution_notes = _attribution(self, progress)
        return self._attribution

    def attribution_plan(self) -> dict[str, tuple[int, bool]]:
        """{scenario: (lever groups changed, exact?)} for the scenarios the attribution covers."""
        from .attribution import lever_groups

        if self.attribution_settings is None:
            return {}
        _, loaded = self._inputs
        ref, exact_up_to = loaded[self.reference], self.attribution_settings["exact_up_to"]
        groups = {s: len(lever_groups(loaded[s], ref, self.attribution_settings["depth"]))
                  for s in self.scenarios if s != self.reference}
        return {s: (n, n <= exact_up_to) for s, n in groups.items() if n}

    def what_drives(self, scenario: str) -> str:
        """The summary's "what drives the difference" block for ``scenario`` (markdown; "" when the
        attribution is off or ``scenario`` is the reference)."""
        from .tidy import check_scenario

        scenario = check_scenario(self, scenario)
        if scenario == self.reference:
            return ""
        from .comparison_summary import attribution_block

        return "\n".join(attribution_block(self, scenario)).strip()

    def scaled_quantities(self) -> dict[str, list[dict]]:
        """{scenario: :func:`simulate.inputs.scaling.scaled_quantities`}: each quantity Banan's package
        scales, with the value this comparison used on its district (empty scenarios left out; {} on Banan)."""
        from ..inputs.scaling import scaled_quantities

        if not self._inputs:
            return {}
        district, loaded = self._inputs
        out = {n: scaled_quantities(s, district) for n, s in loaded.items()}
        return {n: r for n, r in out.items() if r}

    def summary(self) -> str:
        """A short human-readable summary of the headline differences (and what drives them)."""
        return summary(self)

    def to_dir(self, path: str | Path, force: bool = False, inputs=()) -> Path:
        """Write table.csv, summary.md and manifest.json atomically, under the output rule of
        :func:`simulate.provenance.check_output_target` (``force``: replace a previous simulate
        output of another kind; ``inputs``: files the target may not be or hold)."""
        import json

        from ..provenance import atomic_dir, manifest, write_csv

        path = Path(path)
        with atomic_dir(path, "compare", force=force, inputs=inputs) as tmp:
            write_csv(self.table, tmp / "table.csv")
            if self.attribution is not None:
                write_csv(self.attribution, tmp / "attribution.csv")
            (tmp / "summary.md").write_text(self.summary() + "\n", encoding="utf-8")
            meta = manifest(seeds={"compare": self.seed}, params_hash=self.params_hash, data_hash=self.data_hash,
                            output_kind="compare",
                            extra={"district": self._inputs[0].name if self._inputs else None,
                                   "scenarios": self.scenarios, "reference": self.reference, "draws": self.draws,
                                   "interval": self.interval, "mode": getattr(self, "mode", "expected"),
                                   "chunk": getattr(self, "chunk", DEFAULT_CHUNK),
                                   "attribution": self.attribution_settings or False,
                                   "scaled_quantities": self.scaled_quantities()})
            (tmp / "manifest.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
        return path

    # ---- tidy views of the draws (simulate.analysis.tidy, simulate.analysis.breakdown)
    def select(self, indicator=None, scenario=None, year=None) -> pd.DataFrame:
        """Rows of :attr:`table` for indicator(s), scenario(s), year(s); a misspelt name raises
        :class:`~simulate.errors.NotFoundError` ("did you mean …") instead of giving 0 rows."""
        from .tidy import select

        return select(self, indicator, scenario, year)

    def effects(self, indicators=None, year=None, interval: float | None = None, alpha: float | None = None,
                scenarios=None) -> pd.DataFrame:
        """Each scenario's paired difference from the reference on ``indicators`` in ``year``, with its
        label, unit, interval and chance of being better (:func:`simulate.analysis.tidy.effects`)."""
        from .tidy import effects

        return effects(self, indicators, year, interval, alpha, scenarios)

    def samples_long(self, indicators=None, scenarios=None, diff: bool = False) -> pd.DataFrame:
        """Every draw, long format: scenario, indicator, unit, draw, year, value (+ ``diff``)."""
        from .tidy import samples_long

        return samples_long(self, indicators, scenarios, diff)

    def to_xarray(self, indicators=None, scenarios=None):
        """The draws as an ``xarray.DataArray`` (scenario × indicator × draw × year) with units."""
        from .tidy import to_xarray

        return to_xarray(self, indicators, scenarios)

    def breakdown(self, indicator: str = "child_years_out_of_school.total", by: str = "town", year=None,
                  interval: float | None = None, alpha: float | None = None) -> pd.DataFrame:
        """The indicator by town, location or school on this comparison's own draws, with intervals
        and paired differences (:func:`simulate.analysis.breakdown.breakdown`; the first call re-runs
        the scenarios once, about the time ``compare`` took)."""
        from .breakdown import breakdown

        return breakdown(self, indicator, by, year=year, interval=interval, alpha=alpha)


def compare(district: District | None = None, scenarios=("baseline", "no_policy"), reference: str | Scenario = "baseline",
            draws: int = 200, seed: int = 0, years: int = 7, interval: float | None = None, mode: str = "expected",
            chunk: int | None = None, progress: bool | None = None, client=None,
            attribution: bool = True, alpha: float | None = None) -> Comparison:
    """Run every scenario on the same ``draws`` and tabulate differences vs ``reference``.

    ``client`` (a ``dask.distributed.Client``) runs the (chunk × scenario)
    batches on its workers instead of in this process; the numbers are identical.
    ``attribution``: give ``cmp.attribution`` (Shapley contributions of each changed
    lever group, computed on first use; see the module docstring); False leaves it None.
    ``scenarios`` and ``reference``: names, paths or :class:`~simulate.Scenario` objects.
    ``interval`` (default 0.9) or ``alpha`` (= 1 − interval, as in statsmodels): the central
    share of the draws the intervals span.
    ``mode``: "expected" (the default, as for :func:`simulate.run` and :func:`simulate.sensitivity`)
    or "stochastic", which also runs every draw with binomial pupil flows and reports the chance
    they add to a difference apart (``chance_lo``, ``chance_hi``; NaN in expected mode). Every
    other column is the same in either mode: the summaries are over parameter draws in expected mode.
    Below the district: ``cmp.breakdown(indicator, by="town" | "location" | "school")``.
    """
    from tqdm.auto import tqdm

    from ..inputs import limits

    years, seed = limits.check_years(years), limits.check_seed(seed)
    from .tidy import check_alpha

    interval = check_alpha(interval, alpha, 0.9)
    limits.check_choice(mode, "mode", ("expected", "stochastic"))
    if isinstance(scenarios, (str, Scenario)) or not isinstance(scenarios, (list, tuple)) or not scenarios:
        raise InputError(f"scenarios: expected a non-empty list of scenario names or Scenarios, got {scenarios!r:.80}")
    if progress is not None and not isinstance(progress, bool):
        raise InputError(f"progress: expected True, False or None, got {progress!r:.60}")
    if not isinstance(attribution, bool):
        raise InputError(f"attribution: expected True or False, got {attribution!r:.60}")
    district = load_district() if limits.check_district(district) is None else district
    loaded = [load_scenario(s) for s in scenarios]
    ref = load_scenario(reference)
    if ref.name not in [s.name for s in loaded]:
        loaded = [ref, *loaded]
    names = [s.name for s in loaded]
    if len(set(names)) != len(names):
        raise InputError(f"scenarios: names must be unique, got {names}")
    draws = limits.check_draws(draws, "draws", years, len(loaded))
    chunk = default_chunk(district) if chunk is None else check_chunk(chunk, district)
    cells = cells_of(district)
    balance_ctx = context(district)
    chunks = [(d0, min(chunk, draws - d0)) for d0 in range(0, draws, chunk)]
    show = progress if progress is not None else draws * len(loaded) >= 400
    bar = tqdm(total=len(chunks) * len(loaded), desc="compare", disable=not show, unit="batch")
    parts: dict[str, dict[str, list]] = {s.name: {} for s in loaded}
    year_list: list[int] = []
    jobs = [(s, years, seed, mode, d0, n) for d0, n in chunks for s in loaded]
    done = run_batches(_chunk_samples, district, jobs, client, bar, cells=cells, balance_ctx=balance_ctx)
    for (s, *_), (block, block_years) in zip(jobs, done):
        year_list = year_list or block_years
        for key, v in block.items():
            parts[s.name].setdefault(key, []).append(v)
    bar.close()
    from ..errors import Lookup

    samples = Lookup("scenario", {s: Lookup("indicator", {k: np.concatenate(v, axis=0) for k, v in ind.items()})
                                  for s, ind in parts.items()})
    from .attribution import EXACT_UP_TO

    settings = {"indicators": list(ATTRIBUTION_ROWS), "year": "last", "mode": "expected",
                "parameters": "central values", "seed": seed, "years": years, "depth": 2,
                "exact_up_to": EXACT_UP_TO, "permutations": ATTRIBUTION_PERMUTATIONS} if attribution else None
    cmp = Comparison(scenarios=names, reference=ref.name, years=year_list[:years], draws=draws, seed=seed,
                     interval=interval, samples=samples, titles={s.name: s.title for s in loaded},
                     attribution_settings=settings, _inputs=(district, {s.name: s for s in loaded}))
    from ..provenance import sha256_of_obj

    cmp.params_hash = sha256_of_obj({s.name: s.params_hash for s in loaded})
    cmp.data_hash = district.data_hash
    cmp.chunk = chunk
    cmp.mode = mode
    return cmp


def _chunk_samples(district, scenario, years, seed, mode, d0, n, cells=None, balance_ctx=None):
    """One chunk of draws of one scenario: ({indicator: (draws, years)}, [years]).

    In stochastic mode the same parameter draws also run in expected mode: the samples are the
    expected-mode ones (parameter uncertainty), and ``CHANCE_PREFIX + indicator`` holds the stochastic
    run's departure from them (binomial chance alone)."""
    cells = cells_of(district) if cells is None else cells
    balance_ctx = context(district) if balance_ctx is None else balance_ctx

    def run(m):
        per_year, year_list = [], []
        for y in simulate(district, scenario, years=years, seed=seed, mode=m, draws=n, first_draw=d0,
                          sample_parameters=True):
            per_year.append({**year_indicators(y, cells), **comparison_indicators(y, balance_ctx)})
            year_list.append(y.year)
        return {key: np.stack([py[key] for py in per_year], axis=1) for key in per_year[0]}, year_list

    expected, year_list = run("expected")
    if mode == "stochastic":
        chance, _ = run("stochastic")
        expected.update({CHANCE_PREFIX + k: chance[k] - expected[k] for k in chance})
    return expected, year_list


#: Public name for surfaces that build a :class:`Comparison` chunk by chunk (the dashboard's "Run with
#: uncertainty"): the same samples ``compare`` uses, so their table reports the same summary.
draw_samples = _chunk_samples


ATTRIBUTION_PERMUTATIONS = 50   # sampled orders beyond EXACT_UP_TO groups (no_policy's 10: within 0.5% of exact)
ATTRIBUTION_COLUMNS = ["scenario", "indicator", "lever", "paths", "contribution", "share", "total",
                       "reference_value", "scenario_value", "exact", "coalitions"]


def _attribution(cmp: Comparison, progress: bool = False) -> tuple[pd.DataFrame, dict[str, str]]:
    """(tidy attribution table, {scenario: why it has no rows}) for every scenario but the reference."""
    from .attribution import attribute, lever_groups

    district, loaded = cmp._inputs
    st, ref = cmp.attribution_settings, loaded[cmp.reference]
    parts, notes = [], {}
    for name in cmp.scenarios:
        if name == cmp.reference:
            continue
        if not lever_groups(loaded[name], ref, st["depth"]):
            notes[name] = f"changes no parameter against {cmp.reference}"
            continue
        try:
            res = attribute(district, loaded[name], ref, st["indicators"], years=st["years"], seed=st["seed"],
                            mode=st["mode"], depth=st["depth"], exact_up_to=st["exact_up_to"],
                            permutations=st["permutations"], progress=progress)
        except ValueError as exc:  # a scenario that cannot be rebuilt lever by lever from the reference
            notes[name] = f"not available: {exc}"
            continue
        parts.append(res.table.assign(scenario=name, exact=res.exact, coalitions=res.coalitions))
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=ATTRIBUTION_COLUMNS)
    return table[ATTRIBUTION_COLUMNS], notes
