"""``compare()``: scenarios on common random numbers, with intervals and costs.

Every draw samples the uncertain parameters: the calibrated ones jointly from
their posterior (params/posterior/, :mod:`simulate.inputs.posterior`), the rest
from their priors (``uncertainty`` in the parameter tree). **One number, one
meaning**: every summary is over parameter draws in expected mode — ``mean`` is
the mean over draws (for the calibrated parameters, the posterior mean),
intervals and ``p_better`` are parameter uncertainty. ``mode="expected"`` is the
default, as for every entry point that takes a mode (``run``, ``sensitivity``,
``attribute``). With ``mode="stochastic"`` the same draws also run with binomial pupil flows, and the chance they add to a
difference is reported apart (``chance_lo``, ``chance_hi``), never mixed into
the parameter interval. All scenarios share each draw's random
numbers: parameter quantiles are keyed by (seed, parameter path) and flows by
(seed, purpose, year, chunk), never by scenario. So a scenario compared with
itself differs by exactly 0, and differences between scenarios are much
tighter than the scenarios' own intervals.

Draws run as an array axis in fixed chunks of ``chunk`` draws (default: 100,
fewer for districts so large that 100 draws would not fit in
``CHUNK_MEMORY_BYTES``, see :func:`default_chunk`): the same (seed, draws,
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
composite and pass/fail, consolidation gaps). Cost-effectiveness rows (indicator names
``ce.*``) are cumulative over all simulated years and carry the final year.
They lead with the outcome planners mean, time out of school: child-years of
schooling kept (the reference's cumulative child-years out of school minus the
scenario's) and yuan per child-year kept; then children kept from never
returning (children who left and are out at the end, reference − scenario) and
yuan per child; then, secondary, dropouts averted and yuan per dropout averted
(dropout events count a child who returns and leaves again twice, so a lever
that brings children back can look worse by them); then the poor–non-poor
learning gap closed (SD) and yuan per 0.1 SD closed. Every ratio, here and in the
dashboard, follows one rule, :func:`cost_per_effect`: NaN ("n/a", explained by
:data:`CE_NA_RULE`) unless the scenario clearly does better than the reference on
that outcome — at least the smallest unit shown (:data:`CE_MINIMUM`) and, with
draws, an interval above zero.

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

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..measures.balance import comparison_indicators, context
from ..inputs.district import District
from ..inputs.load import load_district
from ..model.engine import cells_of, simulate
from ..model.outcomes import CHILD_YEARS_CUMULATIVE, NEVER_RETURNED, better_direction, is_better, year_indicators
from ..inputs.scenario import Scenario, load_scenario

DEFAULT_CHUNK = 100

# One number, one meaning (issue 19): the labels every surface uses for its headline figures.
CENTRAL_LABEL = ("central values: every parameter at its central value, the calibrated ones at their posterior "
                 "means; not the mean over parameter draws, which `simulate compare` reports")


def summary_label(draws: int) -> str:
    """What a headline figure with uncertainty is: the mean over ``draws`` parameter draws, expected mode."""
    return (f"mean over {draws} parameter draws in expected mode (calibrated parameters drawn jointly from their "
            f"posterior, the rest from their priors); intervals: parameter uncertainty")

# Cost-effectiveness: the smallest effect a cost per unit is given for (the unit shown), and what "n/a" means.
CE_MINIMUM = {"ce.child_years_kept": 1.0, "ce.children_never_returned_averted": 1.0, "ce.dropouts_averted": 1.0,
              "ce.poor_learning_gap_closed_sd": 0.001}
CE_NA_RULE = ("n/a: the scenario does not clearly do better than the reference on that outcome (less than one "
              "child-year, child or dropout, or 0.001 SD; with draws, an interval reaching zero or below), "
              "so there is no cost per unit to report.")


def cost_per_effect(extra: float, effect: float, minimum: float = 1.0, effect_lo: float | None = None,
                    per: float = 1.0) -> float:
    """Yuan per ``per`` units of ``effect`` (reference − scenario, positive = better), the one rule of
    ``simulate compare`` and the dashboard: NaN unless ``effect`` ≥ ``minimum`` and, when an interval is
    known, its lower end ``effect_lo`` > 0. A cheaper scenario that does worse gets NaN, not a
    "saving per unit lost"."""
    if not (np.isfinite(extra) and np.isfinite(effect)) or effect < minimum:
        return math.nan
    if effect_lo is not None and not effect_lo > 0:
        return math.nan
    return float(extra / effect * per)


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
            self._table = _table(self)
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
        return "\n".join(_attribution_block(self, scenario)).strip()

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
        return _summary(self)

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

    settings = {"indicators": [r[0] for r in ATTRIBUTION_ROWS], "year": "last", "mode": "expected",
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


def run_batches(fn, district, jobs: list[tuple], client=None, bar=None, **local) -> list:
    """``[fn(district, *job) for job in jobs]``, in this process (with the keyword arguments ``local``,
    e.g. precomputed cells) or, with a ``dask.distributed.Client``, as one task per job on its
    workers (the district scattered once, tasks never cached: ``pure=False``); results in job
    order, identical either way. ``bar`` (tqdm) is advanced per finished job. ``compare`` sends
    its (chunk × scenario) batches through here, and so does the sensitivity study's
    :class:`~simulate.analysis.factors.ModelEvaluator` (its chunks of parameter sets)."""
    if client is None:
        done = []
        for job in jobs:
            done.append(fn(district, *job, **local))
            if bar is not None:
                bar.update(1)
        return done
    from dask.distributed import as_completed  # the same jobs as tasks on a Dask cluster: identical numbers

    d_fut = client.scatter(district, broadcast=True)
    futures = [client.submit(fn, d_fut, *job, pure=False) for job in jobs]
    for _ in as_completed(futures):
        if bar is not None:
            bar.update(1)
    return client.gather(futures)


CHUNK_MEMORY_BYTES = 2 * 2**30   # what one chunk's arrays may take
ARRAYS_ALIVE = 40                # (draw, school, grade, group) float arrays alive at once in a year step (measured)


def check_chunk(chunk, district, name: str = "chunk") -> int:
    """``chunk`` if that many draws of ``district``'s cells fit in ``CHUNK_MEMORY_BYTES``."""
    from ..inputs import limits

    chunk = limits.check_int(chunk, name, 1, limits.MAX_DRAWS)
    per_draw = district.enrolled.size * 8 * ARRAYS_ALIVE
    fit = max(1, CHUNK_MEMORY_BYTES // per_draw)
    if chunk > fit:
        raise InputError(f"{name}: {chunk:,} draws at once of a district of {district.n_schools:,} schools need "
                         f"about {limits.gib(chunk * per_draw)} (budget {limits.gib(CHUNK_MEMORY_BYTES)}): "
                         f"at most {fit:,} fit")
    return chunk


def default_chunk(district) -> int:
    """Draws per chunk: 100, or fewer when 100 draws of this district's cells would
    exceed ``CHUNK_MEMORY_BYTES`` (a province: ~9; a nation: 1)."""
    per_draw = district.enrolled.size * 8 * ARRAYS_ALIVE
    return int(max(1, min(DEFAULT_CHUNK, CHUNK_MEMORY_BYTES // per_draw)))


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


CHANCE_PREFIX = "chance:"   # samples key of the binomial-chance part (stochastic − expected, same parameter draw)

#: Public name for surfaces that build a :class:`Comparison` chunk by chunk (the dashboard's "Run with
#: uncertainty"): the same samples ``compare`` uses, so their table reports the same summary.
draw_samples = _chunk_samples


def _quantiles(x: np.ndarray, interval: float):
    """Mean and central interval over draws; NaN (quietly) where every draw is NaN."""
    import warnings

    a = (1 - interval) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: undefined indicator
        return np.nanmean(x, axis=0), np.nanquantile(x, a, axis=0), np.nanquantile(x, 1 - a, axis=0)


def _table(cmp: Comparison) -> pd.DataFrame:
    """One number, one meaning: ``mean`` is the mean over the parameter draws in expected mode (the
    posterior mean for the calibrated parameters), ``lo``/``hi``/``diff_lo``/``diff_hi`` the central
    interval over the same draws and ``p_better`` the share of parameter draws in which the scenario is
    better — parameter uncertainty only. In stochastic mode ``chance_lo``/``chance_hi`` give the central
    interval of binomial chance in the difference (the stochastic run's difference minus the expected
    one, same draw), reported apart; NaN in expected mode."""
    rows = []
    ref = cmp.samples[cmp.reference]
    for s in cmp.scenarios:
        for ind, x in cmp.samples[s].items():
            if ind.startswith(CHANCE_PREFIX) or np.isnan(x).all():
                continue
            mean, lo, hi = _quantiles(x, cmp.interval)
            diff = x - ref[ind]
            dmean, dlo, dhi = _quantiles(diff, cmp.interval)
            p_better = is_better(ind, x, ref[ind]).mean(axis=0)  # gaps: closer to 0 is better
            chance = cmp.samples[s].get(CHANCE_PREFIX + ind)
            if chance is not None:
                _, clo, chi = _quantiles(chance - ref[CHANCE_PREFIX + ind], cmp.interval)
            else:
                clo = chi = np.full(len(cmp.years), np.nan)
            for j, year in enumerate(cmp.years):
                rows.append((s, ind, year, mean[j], lo[j], hi[j], dmean[j], dlo[j], dhi[j], p_better[j],
                             clo[j], chi[j]))
        rows.extend(_cost_effectiveness(cmp, s))
    return _with_units(pd.DataFrame(rows, columns=TABLE_COLUMNS))


TABLE_COLUMNS = ["scenario", "indicator", "year", "mean", "lo", "hi", "diff", "diff_lo", "diff_hi", "p_better",
                 "chance_lo", "chance_hi"]


def _with_units(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with a ``unit`` column after ``indicator`` (from :mod:`simulate.measures.catalogue`; a
    difference ``diff`` is in the same unit as ``mean``: a share's difference is a share, not pp)."""
    from ..measures.catalogue import units

    table.insert(2, "unit", units(table["indicator"]))
    return table


def _cost_effectiveness(cmp: Comparison, s: str) -> list[tuple]:
    """Cumulative extra cost, child-years kept, children kept from never returning, dropouts averted,
    gap closed, and the yuan per unit of each, vs the reference."""
    x, ref = cmp.samples[s], cmp.samples[cmp.reference]
    last = cmp.years[-1]
    extra = (x["cost.total"] - ref["cost.total"]).sum(axis=1)
    kept = ref[f"{CHILD_YEARS_CUMULATIVE}.total"][:, -1] - x[f"{CHILD_YEARS_CUMULATIVE}.total"][:, -1]
    returned = ref[f"{NEVER_RETURNED}.total"][:, -1] - x[f"{NEVER_RETURNED}.total"][:, -1]
    averted = (ref["dropouts"] - x["dropouts"]).sum(axis=1)
    closed = ref["learning_gap.poor"][:, -1] - x["learning_gap.poor"][:, -1]
    out = []
    for name, v in (("ce.extra_yuan", extra), ("ce.child_years_kept", kept),
                    ("ce.children_never_returned_averted", returned), ("ce.dropouts_averted", averted),
                    ("ce.poor_learning_gap_closed_sd", closed)):
        m, lo, hi = _quantiles(v[:, None], cmp.interval)
        out.append((s, name, last, m[0], lo[0], hi[0], m[0], lo[0], hi[0], float((v > 0).mean()), math.nan,
                    math.nan))
    for name, num, den, per, effect in (
            ("ce.yuan_per_child_year_kept", extra, kept, 1.0, "ce.child_years_kept"),
            ("ce.yuan_per_child_never_returned_averted", extra, returned, 1.0, "ce.children_never_returned_averted"),
            ("ce.yuan_per_dropout_averted", extra, averted, 1.0, "ce.dropouts_averted"),
            ("ce.yuan_per_0.1sd_gap_closed", extra, closed, 0.1, "ce.poor_learning_gap_closed_sd")):
        _, dlo, _ = _quantiles(den[:, None], cmp.interval)
        point = cost_per_effect(float(num.mean()), float(den.mean()), CE_MINIMUM[effect], float(dlo[0]), per)
        if s == cmp.reference or math.isnan(point):
            ratio = (math.nan, math.nan, math.nan)
        else:
            per_draw = num / den * per
            ratio = (point,
                     *(float(q[0]) for q in _quantiles(per_draw[:, None], cmp.interval)[1:]))
        out.append((s, name, last, *ratio, *ratio, math.nan, math.nan, math.nan))
    return out


# (indicator, label, unit): the summary's rows. Units and precision, one per unit: count (child-years,
# children) with thousands separators; rate (a share shown as % to 1 decimal, its difference in pp to 2);
# pp to 2 decimals; SD to 3; wan (yuan shown in 万元, 1 decimal, thousands separators).
SUMMARY_ROWS = (
    (f"{CHILD_YEARS_CUMULATIVE}.total", "child-years out of school, all years", "count"),
    (f"{NEVER_RETURNED}.total", "children who left school and had not returned", "count"),
    ("dropout_rate.junior", "junior dropout rate", "rate"),
    ("dropout_gap.poor.junior", "poor–non-poor junior dropout gap", "pp"),
    ("dropout_gap.urban_rural.junior", "rural–urban junior dropout gap", "pp"),
    ("learning_gap.poor", "poor–non-poor learning gap", "sd"),
    ("cost.policy_levers", "cost of the policy levers, per year", "wan"),
    ("cost.recurrent_base", "recurrent base (grant, salaries), per year", "wan"),
)
# (indicator, label, unit): what the lever attribution splits (last year, as in the summary's table).
ATTRIBUTION_ROWS = (
    (f"{CHILD_YEARS_CUMULATIVE}.total", "child-years out of school, all years", "count"),
    (f"{NEVER_RETURNED}.total", "children never returned", "count"),
    ("dropout_gap.poor.junior", "poor–non-poor junior dropout gap", "pp"),
    ("learning_gap.poor", "poor–non-poor learning gap", "sd"),
    ("learning_gap.urban_rural", "urban–rural learning gap", "sd"),
    ("cost.policy_levers", "cost of the policy levers, per year", "wan"),
)
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


def _attribution_block(cmp: Comparison, s: str) -> list[str]:
    """The summary's "what drives the difference" lines for scenario ``s``."""
    ref, att = cmp.reference, cmp.attribution
    if att is None:
        return []
    head = "What drives the difference"
    if s in cmp.attribution_notes:
        return [f"{head}: {cmp.attribution_notes[s]}.", ""]
    a = att[att.scenario == s]
    levers = list(dict.fromkeys(a["lever"]))
    if len(levers) == 1:
        return [f"{head}: {s} changes one lever group against {ref}, `{levers[0]}` "
                f"({a['paths'].iloc[0]}), so all of the difference comes from it.", ""]
    n, coalitions, exact = len(levers), int(a["coalitions"].iloc[0]), bool(a["exact"].iloc[0])
    how = (f"exact over all {coalitions} combinations of them" if exact else
           f"sampled over {cmp.attribution_settings['permutations']} random orders ({coalitions} combinations run)")
    rows = [r for r in ATTRIBUTION_ROWS if r[0] in set(a["indicator"])]
    lines = [f"{head}: Shapley contributions of the {n} lever groups {s} changes against {ref}, {how}; "
             f"each cell is the group's contribution to the difference in {cmp.years[-1]} and its share of it. "
             f"Expected mode, parameters at their central values: the contributions add up to the total, which "
             f"can differ a little from the mean difference over the draws above; an interaction between "
             f"groups is split equally between them.", "",
             "| lever group | " + " | ".join(label for _, label, _ in rows) + " |",
             "|---|" + "---|" * len(rows)]
    by = a.set_index(["lever", "indicator"])
    totals = a.groupby("indicator")["total"].first()
    # a share is shown where every group moves the indicator the way the total goes (shares 0–100%)
    one_way = {ind: bool((np.sign(part["contribution"]) * np.sign(part["total"]) >= 0).all() and
                         (part["total"] != 0).all()) for ind, part in a.groupby("indicator")}
    for lever in levers:
        cells = []
        for ind, _, unit in rows:
            r = by.loc[(lever, ind)]
            share = f" ({100 * r['share']:.0f}%)" if one_way[ind] else ""
            cells.append(fmt_value(r["contribution"], unit, True) + share)
        lines.append(f"| `{lever}` | " + " | ".join(cells) + " |")
    lines += ["| total (expected mode) | " + " | ".join(fmt_value(totals[ind], unit, True) for ind, _, unit in rows)
              + " |", ""]
    if not all(one_way[ind] for ind, _, _ in rows):
        lines += ["Shares (in brackets) are left out where lever groups pull in opposite directions: they would "
                  "exceed 100% or be negative (`attribution.csv` has them all).", ""]
    return lines


CE_ROWS = (  # (ratio, effect, effect label, unit of the ratio)
    ("ce.yuan_per_child_year_kept", "ce.child_years_kept", "child-years of schooling kept", "child-year kept"),
    ("ce.yuan_per_child_never_returned_averted", "ce.children_never_returned_averted",
     "children kept from never returning", "child kept from never returning"),
    ("ce.yuan_per_dropout_averted", "ce.dropouts_averted", "dropouts averted (events, secondary)",
     "dropout averted"),
    ("ce.yuan_per_0.1sd_gap_closed", "ce.poor_learning_gap_closed_sd", "poor–non-poor learning gap closed",
     "0.1 SD closed"),
)


def fmt_value(v: float, unit: str, signed: bool = False) -> str:
    """A number of the summary in its unit (see :data:`SUMMARY_ROWS`); NaN is "n/a"; a signed value that
    rounds to zero is "+0…" (never "−0")."""
    if v is None or not np.isfinite(v):
        return "n/a"
    sign = "+" if signed else ""
    if unit == "count":
        out = f"{v:{sign},.0f}"
    elif unit == "rate":
        out = f"{100 * v:{sign},.2f} pp" if signed else f"{100 * v:,.1f}%"
    elif unit == "pp":
        out = f"{v:{sign},.2f} pp"
    elif unit == "sd":
        out = f"{v:{sign},.3f} SD"
    elif unit == "wan":
        out = f"{v / 1e4:{sign},.1f} 万元"
    else:
        out = f"{v:{sign},.3g}"
    if out.startswith("-") and not any(ch in "123456789" for ch in out):
        out = "+" + out[1:]
    return out


def cmp_is_stochastic(cmp: Comparison) -> bool:
    """Whether the comparison ran stochastic flows (its samples then carry the chance part apart)."""
    return any(k.startswith(CHANCE_PREFIX) for k in cmp.samples[cmp.reference])


def _summary(cmp: Comparison) -> str:
    t = cmp.table
    first, last = cmp.years[0], cmp.years[-1]
    pct = int(round(cmp.interval * 100))
    ref = cmp.reference
    ref_rows = t[(t.scenario == ref) & (t.year == last)].set_index("indicator")
    lines = [f"# Comparison against '{ref}' ({cmp.draws} draws, seed {cmp.seed}, {pct}% intervals, "
             f"years {first}–{last})", "",
             "Columns:",
             f"- *scenario*, *{ref}*: each one's value in {last}: the mean over the {cmp.draws} parameter draws in "
             f"expected mode (calibrated parameters drawn jointly from their posterior, the rest from their "
             f"priors); child-years and children are counted over {first}–{last}. Not the value at central "
             f"parameter values (`simulate run`), which can differ where effects saturate.",
             f"- *difference*: scenario − {ref} in the same unit (a rate's difference in percentage points, pp), "
             f"with the central {pct}% interval of the draw-by-draw differences (both run on the same draws).",
             f"- *better*: which direction is better; for a gap between groups, closer to 0 (parity).",
             f"- *chance better*: the share of parameter draws in which the scenario is better than {ref} "
             f"(parameter uncertainty only)."
             + (f" Binomial chance (a stochastic run's pupil flows) is reported apart: *chance* is the central "
                f"{pct}% interval it adds to the difference." if cmp_is_stochastic(cmp) else ""),
             "- Yuan in 万元 (10,000 yuan). Cost of the policy levers: cost.total minus the recurrent base "
             "(per-pupil grant and every teacher's salary), which every scenario pays.", ""]
    for s in cmp.scenarios:
        if s == ref:
            continue
        sel = t[(t.scenario == s) & (t.year == last)].set_index("indicator")
        stoch = cmp_is_stochastic(cmp)
        lines += [f"## {s}: {cmp.titles.get(s, s)}", "",
                  f"| indicator | better | {s} | {ref} | difference ({pct}% interval) | chance better |"
                  + (" chance |" if stoch else ""),
                  "|---|---|---|---|---|---|" + ("---|" if stoch else "")]
        for ind, label, unit in SUMMARY_ROWS:
            if ind not in sel.index:
                continue
            r = sel.loc[ind]
            ref_value = ref_rows.loc[ind, "mean"] if ind in ref_rows.index else math.nan
            diff = (f"{fmt_value(r['diff'], unit, True)} ({fmt_value(r['diff_lo'], unit, True)} to "
                    f"{fmt_value(r['diff_hi'], unit, True)})")
            chance = (f" {fmt_value(r['chance_lo'], unit, True)} to {fmt_value(r['chance_hi'], unit, True)} |"
                      if stoch else "")
            lines.append(f"| {label} | {better_direction(ind)} | {fmt_value(r['mean'], unit)} | "
                         f"{fmt_value(ref_value, unit)} | {diff} | {r['p_better']:.2f} |{chance}")
        lines += ["", f"Cost-effectiveness, all years {first}–{last}: extra cost "
                      f"{fmt_value(sel.loc['ce.extra_yuan', 'mean'], 'wan', True)} "
                      f"({fmt_value(sel.loc['ce.extra_yuan', 'lo'], 'wan', True)} to "
                      f"{fmt_value(sel.loc['ce.extra_yuan', 'hi'], 'wan', True)}) against {ref}.", "",
                  f"| effect vs {ref} | effect ({pct}% interval) | cost per unit ({pct}% interval) |",
                  "|---|---|---|"]
        for ratio, effect, label, per in CE_ROWS:
            e, r = sel.loc[effect], sel.loc[ratio]
            unit = "sd" if effect.endswith("_sd") else "count"
            cost = "n/a" if np.isnan(r["mean"]) else \
                f"{fmt_value(r['mean'], 'wan')} per {per} ({fmt_value(r['lo'], 'wan')} to {fmt_value(r['hi'], 'wan')})"
            lines.append(f"| {label} | {fmt_value(e['mean'], unit, True)} ({fmt_value(e['lo'], unit, True)} to "
                         f"{fmt_value(e['hi'], unit, True)}) | {cost} |")
        lines += ["", CE_NA_RULE, ""]
        lines += _attribution_block(cmp, s)
    lines += _scaled_block(cmp)
    lines += _capital_block(cmp)
    return "\n".join(lines)


def _capital_block(cmp: Comparison) -> list[str]:
    """Capital a scenario's budget holds that the district cannot spend (expected mode, central values)."""
    from .result import run

    if not cmp._inputs:
        return []
    district, loaded = cmp._inputs
    notes = [run(district, s, years=len(cmp.years)).capital_note() for s in loaded.values()]
    notes = [n for n in notes if n]
    return ["", "## Capital not spent", "", *(f"- {n}" for n in notes)] if notes else []


def _scaled_block(cmp: Comparison) -> list[str]:
    """The summary's list of quantities scaled to the district's size (or run as written), as used."""
    from ..inputs.scaling import scaled_lines

    records = cmp.scaled_quantities()
    if not records:
        return []
    name = cmp._inputs[0].name
    return ["", f"## Quantities used on district {name!r}", "",
            "Banan's package scales with the district's size (`scale_with` in params/baseline.yaml); numbers "
            "a scenario writes for the district (`district:` in the file) run as written.", "",
            *(f"- {line}" for n, r in records.items() for line in scaled_lines(n, r, name))]
