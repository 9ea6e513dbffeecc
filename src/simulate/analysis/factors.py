"""The uncertain inputs of a sensitivity study, and the model as a function of them.

A *factor* is one real-valued parameter of the tree with a distribution: every
leaf that declares an ``uncertainty`` in ``params/baseline.yaml`` (or the
scenario), plus any leaf the user lists with a range. Studies work in the unit
hypercube: a sample point is a vector of quantiles u ∈ [0, 1]^k (what SALib's
samplers produce) and each factor turns its quantile into an *additive offset*
to the leaf's value — exactly what :meth:`~simulate.inputs.scenario.Scenario.sample`
draws and ``engine.simulate(offsets=)`` takes. So:

- a declared uncertainty is already stored relative to its value (scenario.py),
  and is used as it is;
- a user's range ``[low, high]`` is given in the values of the factor space's
  scenario (the reference, start year) and is converted to offsets by
  subtracting that value; a leaf with a ``by_year`` schedule is shifted as a
  whole (the same rule as declared uncertainties);
- every scenario of a study gets the *same offsets* (common random numbers, as
  in ``compare``): a scenario that changes a factor's value moves its range with it;
- the engine applies the offsets to the scenario's status quo too (the policy in
  force when the data were observed, whose steady state every run starts
  from): an uncertain parameter describes the world, before and after the policy.

The calibrated parameters (the registry of published figures' set,
``data/evidence/registry.yaml``) are not independent factors: when a posterior
is stored (params/posterior/) they form one factor, ``calibration.posterior``,
whose quantile picks a posterior draw and sets them all (:func:`offsets_at`), so
every parameter set of a study still fits the calibration figures, and its
index is the calibrated block's share.

Normal distributions are truncated to their central 99% so that Morris's grid
ends (u = 0 and 1) stay finite. Whole-number leaves (counts), flags, rules and
the members of a share group that must sum to one cannot be factors (the engine
varies real numbers along the draw axis only; a count goes to
:mod:`simulate.analysis.attribution` or a sweep).

Each factor records its ``source`` and classifies it (:func:`source_kind`):
``assumption`` (the source starts with "assumption"), ``partly assumed`` (a
report or study with an assumed step, "…; assumption: …"), ``calibrated``, or
``evidence`` (a report, study or national rule).

:class:`ModelEvaluator` is the model as such a function: quantiles (n, k) →
outputs (n, m) for a list of :class:`Target` s (an indicator in a year, of one
scenario or of a difference between two on the same parameter sets), run on
the engine's draw axis in chunks of parameter sets (one ``simulate`` call per
chunk and scenario, never a Python loop of runs). With ``client`` (a
``dask.distributed.Client``) those (chunk × scenario) batches are tasks on a
Dask cluster, sent by the code ``compare`` uses
(:func:`simulate.analysis.batches.run_batches`): the same numbers.
"""

from __future__ import annotations

import dataclasses

import difflib
import re
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from ..inputs.district import District
from ..inputs.scenario import Scenario, load_scenario
from ..inputs.schema import field_bounds
from ..measures.balance import comparison_indicators, context
from ..model.engine import cells_of, simulate
from ..model.outcomes import year_indicators

NORMAL_COVERAGE = 0.99   # normal factors are truncated to this central share
SOURCE_KINDS = ("assumption", "partly assumed", "calibrated", "evidence")


def source_kind(source: str) -> str:
    """``assumption``, ``partly assumed``, ``calibrated`` or ``evidence``, read from a leaf's source text
    (the one rule, :func:`simulate.inputs.parameters_catalogue.status_of`, shared with
    ``simulate.parameters()``)."""
    from ..inputs.parameters_catalogue import status_of

    return status_of(source)


@dataclass(frozen=True)
class Factor:
    """One uncertain parameter: a distribution of additive offsets to its value.

    ``low``/``high`` (uniform, triangular, with ``mode``) or ``sd`` (normal) are
    offsets relative to ``central``, the value in the factor space's scenario.
    """

    path: str
    distribution: str = "uniform"
    low: float = 0.0
    high: float = 0.0
    mode: float = 0.0
    sd: float = 0.0
    central: float = 0.0
    source: str = ""
    unit: str = ""
    declared: bool = True   # declared in the parameter tree (False: listed by the user)
    members: tuple = ()     # the joint posterior factor: the calibrated paths it sets together

    def offset(self, u) -> np.ndarray:
        """Offsets at quantiles ``u`` ∈ [0, 1] (inverse CDF); for the joint posterior factor, the posterior row."""
        u = np.asarray(u, dtype=float)
        if self.distribution == "posterior":
            return np.minimum(np.floor(u * self.high), self.high - 1)
        if self.distribution == "uniform":
            return self.low + u * (self.high - self.low)
        if self.distribution == "triangular":
            width = self.high - self.low
            c = (self.mode - self.low) / width if width > 0 else 0.5
            return stats.triang.ppf(u, c, loc=self.low, scale=width) if width > 0 else np.full_like(u, self.low)
        tail = (1 - NORMAL_COVERAGE) / 2
        return self.sd * stats.norm.ppf(tail + NORMAL_COVERAGE * u)

    @property
    def base_quantile(self) -> float:
        """The quantile whose offset is 0: the parameter's central value (clipped into the range)."""
        if self.distribution in ("normal", "posterior"):
            return 0.5
        width = self.high - self.low
        if width <= 0:
            return 0.5
        if self.distribution == "uniform":
            return float(np.clip(-self.low / width, 0.0, 1.0))
        return float(stats.triang.cdf(0.0, (self.mode - self.low) / width, loc=self.low, scale=width))

    def value(self, u) -> np.ndarray:
        """Parameter values (start year, before the schema's clipping) at quantiles ``u``."""
        return self.central + self.offset(u)

    @property
    def kind(self) -> str:
        return source_kind(self.source)

    @property
    def label(self) -> str:
        return label(self.path)


def label(path: str) -> str:
    """A parameter path in plain words (for tables and generated sentences)."""
    parts = path.split(".")
    words = [p.replace("_", " ") for p in parts]
    last = parts[-1]
    if len(parts) < 2:
        return words[0]
    if len(parts) >= 3 and parts[-2] == "group_log_odds":
        return f"extra dropout risk of {words[-1]} pupils"
    if len(parts) >= 3 and parts[-2] == "location_log_odds":
        return f"dropout risk in {words[-1]} schools"
    if last == "hazard_log_odds":
        return f"effect of {words[-2]} on dropout"
    if parts[-2:] == ["aid_effect", "log_odds_per_log_yuan"]:
        return "effect of student aid on dropout"
    if last == "return_rate_per_case":
        return "share of re-enrolment cases brought back within a year"
    if last == "returner_relative_hazard":
        return "extra risk of returners leaving again"
    if last == "learning_loss_sd_per_year_out":
        return "learning lost per year out of school"
    if parts[-2] == "attrition_rate":
        return f"teacher attrition in {words[-1]} schools"
    if last == "targeting_error":
        return f"targeting error of aid to {words[-2]} pupils"
    if parts[0] == "learning" and "_sd_per_" in last:
        return f"effect of {last.split('_sd_per_')[0].replace('_', ' ')} on learning"
    if last.endswith("_sd_per_person_time"):
        return "effect of teacher training on teacher quality"
    if last.startswith("attrition_subsidy"):
        return "effect of the rural-teacher subsidy on attrition"
    if parts[0] == "learning" and last == "boarding_sd_per_year":
        return "effect of boarding on learning"
    return f"{words[-2]}: {words[-1]}" if len(words) > 2 else " ".join(words)


# ------------------------------------------------------------------ building the factor space
def _real_valued(scenario: Scenario, path: str, tree=None) -> str | None:
    """None if ``path`` can vary along the draw axis, else why not (``tree``: the scenario's values)."""
    if path not in scenario.leaves:
        hint = difflib.get_close_matches(path, list(scenario.leaves), n=1)
        return "no such parameter" + (f" (did you mean '{hint[0]}'?)" if hint else "")
    node = parent = scenario.values(scenario.start_year) if tree is None else tree
    for part in path.split("."):
        parent, node = node, getattr(node, part)
    if isinstance(node, (bool, int, str, list, tuple)):
        return f"not a real number ({node!r}): counts, flags and rules cannot vary along the draw axis"
    if type(parent).__name__.startswith("Shares"):
        return "a member of a share group that must sum to one"
    return None


def _range_factor(scenario: Scenario, path: str, spec) -> Factor:
    leaf = scenario.leaves[path]
    central = float(scenario.value(path))
    if isinstance(spec, (list, tuple)):
        if len(spec) != 2:
            raise ValueError(f"ranges: {path}: expected [low, high], got {spec!r:.80}")
        spec = {"distribution": "uniform", "low": spec[0], "high": spec[1]}
    if not isinstance(spec, dict):
        raise ValueError(f"ranges: {path}: expected [low, high] or a distribution mapping, got {spec!r:.80}")
    kind = spec.get("distribution", "uniform")
    try:
        if kind == "normal":
            sd = float(spec["sd"])
            if sd <= 0:
                raise ValueError(f"ranges: {path}: sd must be > 0, got {sd:g}")
            return Factor(path, "normal", sd=sd, central=central, source=leaf.get("source", ""),
                          unit=leaf.get("unit", ""), declared=False)
        lo, hi = float(spec["low"]), float(spec["high"])
        mode = float(spec.get("mode", lo))
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ValueError) and str(exc).startswith("ranges:"):
            raise
        raise ValueError(f"ranges: {path}: expected numbers low and high (or sd for a normal), got {spec!r:.80}") from None
    if kind not in ("uniform", "triangular") or not lo < hi or not lo <= mode <= hi:
        raise ValueError(f"ranges: {path}: expected a uniform or triangular range with low < high "
                         f"(and low ≤ mode ≤ high), got {spec!r:.80}")
    return Factor(path, kind, low=lo - central, high=hi - central, mode=mode - central, central=central,
                  source=leaf.get("source", ""), unit=leaf.get("unit", ""), declared=False)


def factors_from(scenario: Scenario | str = "baseline", ranges: dict | None = None,
                 assumption_spread: float | None = None, only: list[str] | None = None) -> list[Factor]:
    """The factor space of a study on ``scenario``.

    Every real-valued leaf that declares an ``uncertainty``, then each path in
    ``ranges`` (``{path: [low, high]}`` or ``{path: {distribution, low, high | sd}}``
    in the scenario's values; it replaces a declared uncertainty of the same
    path). ``assumption_spread`` (e.g. 0.5) adds every real-valued leaf whose
    source is an assumption and that has no declared uncertainty, uniform over
    value × (1 ± spread) clipped to its schema range (leaves whose value is 0
    are skipped: a relative spread of 0 is no range). ``only`` keeps the listed paths.
    """
    scenario = load_scenario(scenario) if isinstance(scenario, str) else scenario
    ranges = dict(ranges or {})
    tree = scenario.values(scenario.start_year)
    problems = [f"ranges: {p}: {why}" for p in ranges if (why := _real_valued(scenario, p, tree))]
    if problems:
        raise ValueError("\n".join(problems))
    out: dict[str, Factor] = {}
    for path in scenario.uncertain_paths():
        leaf, unc = scenario.leaves[path], scenario.leaves[path]["uncertainty"]
        if path in ranges or _real_valued(scenario, path, tree):
            continue
        out[path] = Factor(path, unc["distribution"], low=unc.get("low", 0.0), high=unc.get("high", 0.0),
                           mode=unc.get("mode", 0.0), sd=unc.get("sd", 0.0), central=float(scenario.value(path)),
                           source=leaf.get("source", ""), unit=leaf.get("unit", ""))
    for path, spec in ranges.items():
        out[path] = _range_factor(scenario, path, spec)
    joint = _posterior_factor(scenario, set(ranges))
    if joint is not None:   # the calibrated parameters: one factor, their joint posterior (each draw fits its figures)
        out = {p: f for p, f in out.items() if p not in joint[1]}
        out[POSTERIOR_FACTOR] = joint[0]
    if assumption_spread is not None:
        if not 0 < assumption_spread:
            raise ValueError(f"assumption_spread must be > 0, got {assumption_spread!r:.60}")
        for path, leaf in scenario.leaves.items():
            if path in out or (joint is not None and path in joint[1]) or \
                    source_kind(leaf.get("source", "")) != "assumption" or _real_valued(scenario, path, tree):
                continue
            v = float(scenario.value(path))
            if v == 0:
                continue
            lo, hi = sorted((v * (1 - assumption_spread), v * (1 + assumption_spread)))
            b_lo, b_hi = field_bounds(path)
            lo, hi = max(lo, b_lo) if b_lo is not None else lo, min(hi, b_hi) if b_hi is not None else hi
            if lo < hi:
                out[path] = _range_factor(scenario, path, [lo, hi])
    factors = list(out.values())
    if only is not None:
        missing = [p for p in only if p not in out]
        if missing:
            raise ValueError(f"only: not factors of this study: {missing} (factors: {sorted(out)})")
        factors = [out[p] for p in only]
    if not factors:
        raise ValueError(f"{scenario.name}: no uncertain parameters (declare an uncertainty or give ranges)")
    return factors


def problem(factors: list[Factor]) -> dict:
    """The SALib problem: one unit-interval variable per factor (quantiles)."""
    return {"num_vars": len(factors), "names": [f.path for f in factors], "bounds": [[0.0, 1.0]] * len(factors)}


def offsets_at(factors: list[Factor], u: np.ndarray) -> dict[str, np.ndarray]:
    """Per-draw offsets (what ``engine.simulate(offsets=)`` takes) at quantiles ``u`` (n, k); the joint
    posterior factor expands to every calibrated parameter's offset at its posterior row."""
    u = np.atleast_2d(np.asarray(u, dtype=float))
    out = {f.path: f.offset(u[:, j]) for j, f in enumerate(factors) if f.distribution != "posterior"}
    for j, f in enumerate(factors):
        if f.distribution == "posterior":
            out.update({p: v for p, v in _posterior_offsets(f.offset(u[:, j]).astype(int)).items()
                        if p not in out and p in f.members})
    return out


POSTERIOR_FACTOR = "calibration.posterior"


def _posterior_factor(scenario: Scenario, user: set[str]) -> tuple[Factor, set[str]] | None:
    """(the joint posterior factor, the calibrated paths it stands for), or None without a posterior.

    The calibrated parameters (the registry of published figures' set) vary together along the
    posterior's draws; one factor whose quantile picks a draw keeps them joint, and its Sobol' index is
    the calibrated block's share. Its ``value`` is the draw's row number. A path the user gives a range
    for is left out of it (the user's range is used alone, and the rest of the block stays joint)."""
    from ..inputs import posterior

    got = posterior.load()
    if got is None:
        return None
    paths, values, header = got
    paths = {p for p in paths if p in scenario.leaves and p not in user
             and posterior._unchanged(scenario.leaves[p], header["central"][p])}   # a scenario's own value stands
    if not paths:
        return None
    return Factor(POSTERIOR_FACTOR, "posterior", low=0.0, high=float(len(values)), central=0.0,
                  source=f"calibrated: the joint posterior of {', '.join(sorted(paths))} "
                         "(data/evidence/registry.yaml; params/posterior/)",
                  unit="posterior draw", members=tuple(sorted(paths))), paths


def _posterior_offsets(rows: np.ndarray) -> dict[str, np.ndarray]:
    from ..inputs import posterior

    paths, values, header = posterior.load()
    return {p: values[rows, j] - float(header["central"][p]) for j, p in enumerate(paths)}


def values_at(factors: list[Factor], u: np.ndarray) -> np.ndarray:
    """Parameter values (n, k) at quantiles ``u`` (n, k): for tables, PRIM boxes and test functions."""
    u = np.atleast_2d(np.asarray(u, dtype=float))
    return np.column_stack([f.value(u[:, j]) for j, f in enumerate(factors)])


# ------------------------------------------------------------------ targets and the model as a function
@dataclass(frozen=True)
class Target:
    """An output of the model: ``indicator`` in ``year`` (None: the last simulated year) of
    ``scenario``, minus the same in ``versus`` when given (same parameter sets and random
    numbers); ``cumulative`` sums the indicator over the years up to ``year``. ``scenario`` and
    ``versus``: scenario names, paths or :class:`~simulate.Scenario` objects (e.g. from
    ``with_changes``); a target refers to them by name."""

    indicator: str
    scenario: "str | Scenario" = "baseline"
    versus: "str | Scenario | None" = None
    year: int | None = None
    cumulative: bool = False
    per: str | None = None
    per_minimum: float = 1.0

    def __post_init__(self):
        if self.per is not None and self.versus is None:
            raise ValueError(f"{self.indicator} per {self.per}: a ratio needs a scenario and the one it is compared "
                             "with (versus)")

    @property
    def scenario_name(self) -> str:
        return getattr(self.scenario, "name", self.scenario)

    @property
    def versus_name(self) -> str | None:
        return getattr(self.versus, "name", self.versus)

    @property
    def name(self) -> str:
        what = f"{self.indicator}{' (sum)' if self.cumulative else ''}{f' {self.year}' if self.year else ''}"
        if self.per:
            what += f" per {self.per} avoided"
        s, v = self.scenario_name, self.versus_name
        return f"{s} − {v}: {what}" if v else f"{s}: {what}"

    def combine(self, mine: np.ndarray, theirs: np.ndarray | None) -> np.ndarray:
        """The target's value from this scenario's and ``versus``'s (indicator, per) values.

        A ratio (``per``) is a cost-effectiveness ratio, the rule of ``simulate compare``
        (:func:`simulate.analysis.comparison.cost_per_effect`): the difference in ``indicator``
        (scenario − versus) per unit of ``per`` avoided (versus − scenario), NaN where fewer than
        ``per_minimum`` units are avoided (a cheaper scenario that does worse has no ratio)."""
        if theirs is None:
            return mine[0]
        if self.per is None:
            return mine[0] - theirs[0]
        extra, avoided = mine[0] - theirs[0], theirs[1] - mine[1]
        return np.where(avoided >= self.per_minimum, extra / np.where(avoided == 0, 1.0, avoided), np.nan)


@dataclass(eq=False)
class ModelEvaluator:
    """The model as a function of the factors' quantiles: ``evaluator(u)`` → (n, len(targets)).

    Each scenario named by a target runs once per chunk of ``chunk`` parameter
    sets (draws) with ``engine.simulate(offsets=...)``; parameters that are not
    factors keep their central values. ``mode="expected"`` (default) has no
    pupil-level chance, so outputs differ only through the factors; in
    ``stochastic`` mode draw d of every scenario uses the same random numbers
    (seed, purpose, year, chunk) but the draws of a sample differ in noise.
    ``runs`` counts model runs (parameter sets × scenarios) so far. ``client``: a
    ``dask.distributed.Client`` whose workers run the batches (None: this process); the
    outputs are identical.
    """

    district: District
    targets: list[Target]
    factors: list[Factor]
    years: int = 7
    seed: int = 0
    mode: str = "expected"
    chunk: int = 100
    progress: bool = False
    runs: int = 0
    scenarios: dict = field(default_factory=dict, repr=False)
    client: object = field(default=None, repr=False)

    def __post_init__(self):
        self.targets = [t if isinstance(t, Target) else Target(str(t)) for t in self.targets]
        if not self.targets:
            raise ValueError("targets: give at least one indicator")
        loaded: dict = {}  # what a target gave (a name, a path or a Scenario) → its Scenario

        def scenario_of(given):
            key = id(given) if isinstance(given, Scenario) else given
            if key not in loaded:
                loaded[key] = given if isinstance(given, Scenario) else load_scenario(given)
                obj = loaded[key]
                if self.scenarios.setdefault(obj.name, obj) is not obj and obj.params_hash != \
                        self.scenarios[obj.name].params_hash:
                    raise ValueError(f"targets: two different scenarios are named {obj.name!r}; "
                                     "give them distinct names")
            return self.scenarios[loaded[key].name]

        self.targets = [dataclasses.replace(t, scenario=scenario_of(t.scenario).name,
                                            versus=None if t.versus is None else scenario_of(t.versus).name)
                        for t in self.targets]
        self._cells, self._ctx = cells_of(self.district), context(self.district)
        self._check_targets()

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.targets]

    def _check_targets(self) -> None:
        first = next(iter(self.scenarios.values()))
        y = next(simulate(self.district, first, years=1, draws=1))
        self._plain = set(year_indicators(y, self._cells))
        known = self._plain | set(comparison_indicators(y, self._ctx))
        start = first.start_year
        errors = []
        for t in self.targets:
            for ind in filter(None, (t.indicator, t.per)):
                if ind not in known:
                    hint = difflib.get_close_matches(ind, sorted(known), n=1)
                    errors.append(f"{ind}: unknown indicator" + (f" (did you mean '{hint[0]}'?)" if hint else ""))
            if t.year is not None and not start <= t.year < start + self.years:
                errors.append(f"{t.name}: year {t.year} is outside the simulated years {start}–{start + self.years - 1}")
        if errors:
            raise ValueError("\n".join(errors))
        self._start = start

    def runs_for(self, n: int) -> int:
        """Model runs for ``n`` parameter sets (one per set and scenario)."""
        return n * len(self.scenarios)

    def __call__(self, u: np.ndarray) -> np.ndarray:
        from tqdm.auto import tqdm

        from .batches import run_batches

        u = np.atleast_2d(np.asarray(u, dtype=float))
        n = len(u)
        chunks = [(d0, min(self.chunk, n - d0)) for d0 in range(0, n, self.chunk)]
        out = np.full((n, len(self.targets)), np.nan)
        bar = tqdm(total=len(chunks) * len(self.scenarios), desc="model runs", unit="batch",
                   disable=not self.progress, leave=False)
        jobs = [(scenario, self.targets, self.years, self.seed, self.mode, offsets_at(self.factors, u[d0:d0 + m]),
                 d0, m, self._start, self._plain) for d0, m in chunks for scenario in self.scenarios.values()]
        try:
            done = run_batches(_chunk_values, self.district, jobs, self.client, bar, cells=self._cells, ctx=self._ctx)
        finally:
            bar.close()
        per_chunk: dict[int, dict[str, list]] = {}
        for (scenario, *_, d0, m, _start, _plain), values in zip(jobs, done):
            per_chunk.setdefault(d0, {})[scenario.name] = values
        for d0, m in chunks:
            per_scenario = per_chunk[d0]
            for j, t in enumerate(self.targets):
                out[d0:d0 + m, j] = t.combine(per_scenario[t.scenario_name][j],
                                              per_scenario[t.versus_name][j] if t.versus is not None else None)
        self.runs += self.runs_for(n)
        return out


def _chunk_values(district: District, scenario: Scenario, targets: list[Target], years: int, seed: int, mode: str,
                  offsets: dict, d0: int, m: int, start: int, plain: set, cells=None, ctx=None) -> list[np.ndarray]:
    """One chunk of ``m`` parameter sets of one scenario: each target's (indicator, per) values (2, m), in
    target order (a task of :class:`ModelEvaluator`, in this process or on a Dask worker); ``per`` is the
    ratio's denominator in the year (never summed), NaN when the target has none."""
    cells = cells_of(district) if cells is None else cells
    wanted = {t.indicator for t in targets} | {t.per for t in targets if t.per}
    need_balance = bool(wanted - plain)
    ctx = context(district) if ctx is None and need_balance else ctx
    per_year = []
    for y in simulate(district, scenario, years=years, seed=seed, mode=mode, draws=m, first_draw=d0,
                      offsets=offsets):
        ind = year_indicators(y, cells)
        if need_balance:
            ind = {**ind, **comparison_indicators(y, ctx)}
        per_year.append({k: ind[k] for k in wanted})
    last = start + len(per_year) - 1
    values = []
    for t in targets:
        upto = (t.year or last) - start
        series = np.stack([py[t.indicator] for py in per_year[:upto + 1]], axis=1)
        per = np.asarray(per_year[upto][t.per], dtype=float) if t.per else np.full(m, np.nan)
        values.append(np.stack([series.sum(axis=1) if t.cumulative else series[:, -1], per]))
    return values
