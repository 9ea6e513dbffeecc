"""Budget optimiser: the lever mix that minimises an equity objective for an extra budget.

``optimize(district, budget, objective)`` searches the levers a planner controls
(aid per registered-poor pupil, other-needy aid coverage, capital for weak
schools, support and post-rotation teachers, monitoring, re-enrolment casework, pairing and
home-teaching coverage) within their ranges, in ``expected`` mode, for the mix
that minimises a declared equity objective subject to the extra budget; then
confirms the winner against the base and every hand-written scenario of no
greater cost with ``compare(draws=...)`` (common random numbers). ``frontier``
repeats it for several budgets (the cost–equity frontier).

Definitions chosen here (also in docs/manual/python-and-cli.md):
- **Extra cost** = mean over the simulated years of (``cost.total`` of the
  candidate − ``cost.total`` of the base), yuan per year. ``budget`` bounds it.
  By default no lever goes below the policy in force (each lever's lower bound
  is its value in the base scenario), so the extra budget is never paid for by
  cutting aid, home teaching or pairing; ``allow_cuts=True`` (``--allow-cuts``)
  lets savings from cutting one lever fund another.
- **Objective** = Σ weight × (mean over the simulated years of the indicator),
  each term oriented so that lower is better. Default:
  ``child_years_out_of_school.total`` (children out of school per year,
  averaged over the years: the cumulative child-years ÷ years). Gap indicators
  (``dropout_gap.*``, ``learning_gap.*``) enter as absolute values: a gap of
  either sign is inequality, and the optimiser should close it, not reverse it.
  Spec: an indicator name (``learning_gap.urban_rural``), or weighted terms
  ``"dropout_gap.poor.junior=0.1,learning_gap.urban_rural=1"``, or a dict.
- A changed lever holds in every year (a ``by_year`` schedule of the base is
  replaced by the constant value, as in every scenario file); a lever left at
  its base value is not changed and keeps its schedule. Values are rounded to
  a planner's precision (aid to 1 yuan, capital to 10,000 yuan, coverages to
  0.001, teachers to whole posts) before they are evaluated, so the saved
  scenario is exactly the one that was scored.

Search: ``scipy.optimize.differential_evolution`` with the budget as a
``NonlinearConstraint`` (feasibility rules), integer teacher counts
(``integrality``), a seeded generator from :mod:`simulate.randomness`, and an
initial population that contains the base and every hand-written scenario's
lever values — so the winner is never worse than any of them that fits the
budget. Each candidate is one expected run (~20 ms for the default district);
results are cached so the objective and the constraint share a run.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..inputs.district import District
from ..inputs.load import load_district
from ..inputs.scenario import Scenario, ScenarioError, available_scenarios, load_scenario, params_dir
from ..inputs.schema import field_bounds


@dataclass(frozen=True)
class Lever:
    """A decision variable: a dotted parameter path and the range searched."""

    path: str
    low: float
    high: float
    integer: bool = False
    step: float = 0.001   # values are rounded to this (a plain number in the saved scenario)


DEFAULT_LEVERS = (
    Lever("budget.student_aid.registered_poor.yuan_per_pupil", 0.0, 6000.0, step=1.0),
    Lever("budget.student_aid.other_needy.coverage", 0.0, 1.0),
    Lever("budget.capital.yuan_per_year", 0.0, 2.0e8, step=10_000.0),
    Lever("teachers.support.count", 0, 300, integer=True),
    Lever("teachers.post_rotation.count", 0, 300, integer=True),
    Lever("dropout.monitoring.coverage", 0.0, 1.0),
    Lever("dropout.reenrolment.coverage", 0.0, 1.0),
    Lever("dropout.pairing.coverage", 0.0, 1.0),
    Lever("dropout.home_teaching.coverage", 0.0, 1.0),
)
GAP_PREFIXES = ("dropout_gap.", "learning_gap.")
# the outcome planners mean: mean over the years of the child-years out of school (∝ the cumulative total);
# dropout events count a returner twice, so minimising them can penalise bringing children back
DEFAULT_OBJECTIVE = "child_years_out_of_school.total"
MAX_BUDGET = 1e10   # yuan per year, as the schema's yuan bound
MAX_MAXITER = 1000  # generations: ~0.6 s each for the default district


def parse_objective(spec) -> dict[str, float]:
    """``"a"`` | ``"a=1,b=0.5"`` | ``{"a": 1}`` → {indicator: weight}."""
    if isinstance(spec, dict):
        bad = [k for k, v in spec.items() if isinstance(v, bool) or not isinstance(v, (int, float))]
        if bad:
            raise InputError(f"objective: weight of {bad[0]!r} must be a number, got {spec[bad[0]]!r:.60}")
        terms = {str(k): float(v) for k, v in spec.items()}
    else:
        terms = {}
        for part in str(spec).split(","):
            name, _, weight = part.strip().partition("=")
            try:
                terms[name.strip()] = float(weight) if weight else 1.0
            except ValueError:
                raise InputError(f"objective: weight of {name!r} must be a number, got {weight!r}") from None
    if not terms or any(not k for k in terms):
        raise InputError(f"objective: expected indicator names with optional weights, got {spec!r:.80}")
    bad = [k for k, w in terms.items() if not math.isfinite(w)]
    if bad:
        raise InputError(f"objective: weight of {bad[0]!r} must be a finite number, got {terms[bad[0]]}")
    return terms


def objective_value(terms: dict[str, float], series: dict[str, np.ndarray]) -> np.ndarray:
    """Objective from per-indicator arrays (..., years): mean over years, |gap|, oriented, weighted."""
    from ..model.outcomes import lower_is_better

    total = 0.0
    for name, w in terms.items():
        v = np.mean(series[name], axis=-1)
        if name.startswith(GAP_PREFIXES):
            v = np.abs(v)
        elif not lower_is_better(name):
            v = -v
        total = total + w * v
    return total


class Evaluator:
    """Expected-mode runs of base + lever values, cached: (objective, extra cost)."""

    def __init__(self, district: District, base: Scenario, terms: dict[str, float], levers, years: int):
        from ..model.engine import cells_of

        self.district, self.base, self.terms, self.levers, self.years = district, base, terms, levers, years
        self.cells = cells_of(district)
        self.base_position = self.position(base)
        self.cache: dict[tuple, tuple[float, float]] = {}
        self.base_cost = self._series(base)["cost.total"]
        missing = [t for t in terms if t not in self._last]
        if missing:
            raise InputError(f"objective: unknown indicator {missing[0]!r} (e.g. dropout_gap.poor.junior, "
                             "learning_gap.urban_rural, dropout_rate.junior.poor_rural)")

    def _series(self, scenario: Scenario) -> dict[str, np.ndarray]:
        from ..model.engine import simulate
        from ..model.outcomes import year_indicators

        per_year = [year_indicators(y, self.cells) for y in simulate(self.district, scenario, years=self.years)]
        self._last = per_year[0]
        return {k: np.array([py[k][0] for py in per_year]) for k in per_year[0]}

    def changes(self, x) -> dict:
        """Changes for lever values ``x``; a lever left at its base value is not changed, so it
        keeps the base's ``by_year`` schedule (the base point is the base scenario exactly)."""
        out = {}
        for lv, v, b in zip(self.levers, x, self.base_position):
            v = int(round(v)) if lv.integer else float(round(round(v / lv.step) * lv.step, 10))
            if abs(v - b) > lv.step / 2:
                out[lv.path] = v
        return out

    def scenario(self, x, name: str = "optimised", title: str | None = None, description: str | None = None):
        return self.base.with_changes(self.changes(x), name=name, title=title or name,
                                      description=description or name)

    def of_scenario(self, scenario: Scenario) -> tuple[float, float]:
        s = self._series(scenario)
        return float(objective_value(self.terms, s)), float(np.mean(s["cost.total"] - self.base_cost))

    def __call__(self, x) -> tuple[float, float]:
        key = tuple(sorted(self.changes(x).items()))
        if key not in self.cache:
            self.cache[key] = self.of_scenario(self.scenario(x))
        return self.cache[key]

    def position(self, scenario: Scenario) -> np.ndarray:  # noqa: D102
        """A scenario's lever values (its central values in the start year)."""
        return np.array([float(scenario.value(lv.path, scenario.start_year)) for lv in self.levers])


def lever_bounds(levers, base: Scenario, allow_cuts: bool) -> list[tuple[float, float]]:
    out = []
    for lv in levers:
        lo, hi = field_bounds(lv.path)
        low = max(lv.low, lo if lo is not None else -math.inf)
        high = min(lv.high, hi if hi is not None else math.inf)
        if not allow_cuts:
            low = max(low, float(base.value(lv.path, base.start_year)))
        if low > high:
            raise InputError(f"lever {lv.path}: empty range [{low}, {high}]")
        out.append((low, high))
    return out


def handwritten(evaluator: Evaluator, names=None) -> pd.DataFrame:
    """Objective and extra cost of every hand-written scenario (params/scenarios/)."""
    rows = []
    for n in names if names is not None else available_scenarios():
        s = load_scenario(n)
        obj, cost = evaluator.of_scenario(s)
        rows.append({"scenario": n, "objective": obj, "extra_cost": cost})
    return pd.DataFrame(rows)


@dataclass(eq=False)
class Optimum:
    """The winner of :func:`optimize` and how it was found and confirmed."""

    scenario: Scenario
    base: Scenario
    budget: float
    objective: dict
    value: float
    extra_cost: float
    levers: pd.DataFrame
    candidates: pd.DataFrame          # hand-written scenarios: objective, extra cost, within budget
    evaluations: int
    confirm: pd.DataFrame | None = None  # objective over draws per scenario, vs base
    extra: dict = field(default_factory=dict)

    def to_dir(self, path: str | Path, force: bool = False, inputs=(), frontier: pd.DataFrame | None = None,
               frontier_label: str = "") -> Path:
        """optimised.yaml (open it in the dashboard), levers.csv, candidates.csv, confirm.csv, manifest.json
        (and frontier.csv/.png when ``frontier`` is given), atomically, under the output rule of
        :func:`simulate.provenance.check_output_target` (``force``: replace a previous simulate output of
        another kind; ``inputs``: files the target may not be or hold)."""
        from ..provenance import atomic_dir, manifest, write_csv

        path = Path(path)
        with atomic_dir(path, "optimize", force=force, inputs=inputs) as tmp:
            self.scenario.to_yaml(extends=self.base, path=tmp / f"{self.scenario.name}.yaml")
            write_csv(self.levers, tmp / "levers.csv")
            write_csv(self.candidates, tmp / "candidates.csv")
            if self.confirm is not None:
                write_csv(self.confirm, tmp / "confirm.csv")
            if frontier is not None:
                write_csv(frontier, tmp / "frontier.csv")
                plot_frontier(frontier, tmp / "frontier.png", frontier_label)
            meta = manifest(seeds={"optimize": self.extra.get("seed", 0)}, params_hash=self.scenario.params_hash,
                            data_hash=self.extra.get("data_hash", ""), output_kind="optimize",
                            extra={"budget_yuan_per_year": self.budget, "objective": self.objective,
                                   "objective_value": self.value, "extra_cost_yuan_per_year": self.extra_cost,
                                   "evaluations": self.evaluations, "base": self.base.name})
            (tmp / "manifest.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
        return path


def optimize(district: District | None = None, budget: float = 5e6, objective=DEFAULT_OBJECTIVE,
             base: str | Scenario = "baseline", levers=DEFAULT_LEVERS, years: int = 7, allow_cuts: bool = False,
             maxiter: int = 25, popsize: int = 4, seed: int = 0, confirm_draws: int = 0,
             name: str | None = None, progress: bool = False, _evaluator: Evaluator | None = None,
             _start=None) -> Optimum:
    """Find the lever mix minimising ``objective`` with extra cost ≤ ``budget`` (yuan/year); no lever
    below its base value unless ``allow_cuts``; ``progress``: a tqdm bar, one step per generation."""
    from scipy.optimize import NonlinearConstraint, differential_evolution

    from ..randomness import stream

    from ..inputs import limits

    budget = limits.check_real(budget, "budget", -MAX_BUDGET, MAX_BUDGET)
    years, seed = limits.check_years(years), limits.check_seed(seed)
    maxiter = limits.check_int(maxiter, "maxiter", 1, MAX_MAXITER)
    popsize = limits.check_int(popsize, "popsize", 1, 100)
    confirm_draws = limits.check_int(confirm_draws, "confirm_draws", 0, limits.MAX_DRAWS)
    limits.check_district(district)
    district = load_district() if district is None else district
    base_s = base if isinstance(base, Scenario) else load_scenario(base)
    terms = parse_objective(objective)
    ev = _evaluator or Evaluator(district, base_s, terms, tuple(levers), years)
    bounds = lever_bounds(ev.levers, base_s, allow_cuts)
    lo, hi = np.array(bounds).T

    cands = handwritten(ev)
    cands["within_budget"] = cands["extra_cost"] <= budget
    seeds = [ev.position(base_s)] + [ev.position(load_scenario(n)) for n in cands["scenario"]]
    if _start is not None:
        seeds.append(np.asarray(_start, dtype=float))
    seeds = [np.clip(s, lo, hi) for s in seeds]
    n_pop = max(popsize * len(bounds), len(seeds) + 5)
    rng = stream(seed, "optimize", "initial population")
    random_part = lo + rng.random((n_pop - len(seeds), len(bounds))) * (hi - lo)
    init = np.vstack([np.array(seeds), random_part])
    integrality = np.array([lv.integer for lv in ev.levers])
    init[:, integrality] = np.round(init[:, integrality])

    from tqdm.auto import tqdm

    bar = tqdm(total=maxiter, desc=f"optimize {budget / 1e4:,.0f} 万元", unit="generation", disable=not progress,
               leave=False)

    def generation_done(intermediate_result):
        bar.update(1)

    try:
        result = differential_evolution(
            lambda x: ev(x)[0], bounds, constraints=NonlinearConstraint(lambda x: ev(x)[1], -np.inf, budget),
            init=init, maxiter=maxiter, integrality=integrality, polish=False, tol=1e-8, mutation=(0.5, 1.0),
            recombination=0.7, rng=stream(seed, "optimize", "evolution"), updating="deferred",
            callback=generation_done)
    finally:
        bar.close()
    feasible = [(v[0], k) for k, v in ev.cache.items() if v[1] <= budget]
    if not feasible:
        raise InputError(f"budget {budget:,.0f} yuan/year: no lever mix tried fits (not even the base: "
                         f"its extra cost is 0, so the budget must be ≥ 0 unless cuts are allowed)")
    best_value, best_key = min(feasible)  # the best feasible candidate ever run (the base always is one)
    best = dict(best_key)
    x = np.array([best.get(lv.path, b) for lv, b in zip(ev.levers, ev.base_position)], dtype=float)
    obj, cost = ev(x)
    label = name or f"optimised_{int(round(budget))}"
    scen = ev.scenario(x, name=label, title=f"Optimised lever mix for {budget / 1e4:,.0f} 万元/year extra",
                       description=(f"Found by simulate optimize: minimises {terms} (mean over {years} years, "
                                    f"expected mode) with extra cost ≤ {budget:,.0f} yuan/year over {base_s.name}; "
                                    f"extra cost {cost:,.0f} yuan/year."))
    levers_table = pd.DataFrame({"lever": [lv.path for lv in ev.levers],
                                 "base": ev.position(base_s), "optimised": x,
                                 "low": lo, "high": hi})
    out = Optimum(scenario=scen, base=base_s, budget=float(budget), objective=terms, value=obj, extra_cost=cost,
                  levers=levers_table, candidates=cands, evaluations=len(ev.cache),
                  extra={"seed": seed, "data_hash": district.data_hash, "scipy_message": str(result.message)})
    if confirm_draws:
        out.confirm = confirm(district, out, draws=confirm_draws, seed=seed, years=years)
    return out


def confirm(district: District, opt: Optimum, draws: int = 200, seed: int = 0, years: int = 7,
            interval: float = 0.9) -> pd.DataFrame:
    """The objective over ``draws`` parameter draws (expected mode, ``compare``'s default) for the
    winner, the base and every hand-written scenario within budget, on common random numbers."""
    from .comparison import compare

    within = [n for n in opt.candidates.loc[opt.candidates.within_budget, "scenario"] if n != opt.base.name]
    scenarios = [opt.base, opt.scenario, *[load_scenario(n) for n in within]]
    cmp = compare(district, scenarios, reference=opt.base, draws=draws, seed=seed, years=years, progress=False)
    a = (1 - interval) / 2
    per = {s: objective_value(opt.objective, cmp.samples[s]) for s in cmp.scenarios}
    winner = per[opt.scenario.name]
    rows = []
    for s, v in per.items():
        cost = np.mean(cmp.samples[s]["cost.total"] - cmp.samples[opt.base.name]["cost.total"], axis=1)
        rows.append({"scenario": s, "objective_mean": float(v.mean()), "objective_lo": float(np.quantile(v, a)),
                     "objective_hi": float(np.quantile(v, 1 - a)), "extra_cost_mean": float(cost.mean()),
                     "p_optimised_better": float((winner < v).mean()) if s != opt.scenario.name else math.nan})
    return pd.DataFrame(rows)


def frontier(district: District | None = None, budgets=(0, 1e6, 2.5e6, 5e6, 1e7, 2e7), objective=DEFAULT_OBJECTIVE,
             base: str | Scenario = "baseline", years: int = 7, **kwargs) -> pd.DataFrame:
    """The cost–equity frontier: the optimum for each budget (one row each, lever values as columns)."""
    district = load_district() if district is None else district
    base_s = base if isinstance(base, Scenario) else load_scenario(base)
    ev = Evaluator(district, base_s, parse_objective(objective), tuple(kwargs.pop("levers", DEFAULT_LEVERS)), years)
    rows, start = [], None
    for b in sorted(budgets):
        opt = optimize(district, budget=b, objective=objective, base=base_s, years=years, _evaluator=ev,
                       _start=start, **kwargs)
        start = opt.levers["optimised"].to_numpy()  # warm start: the previous optimum is feasible here too
        rows.append({"budget": float(b), "extra_cost": opt.extra_cost, "objective": opt.value,
                     **dict(zip(opt.levers["lever"], opt.levers["optimised"]))})
    return pd.DataFrame(rows)


def plot_frontier(table: pd.DataFrame, path: str | Path, objective: str = "") -> Path:
    """Objective against extra cost (10,000 yuan per year) along the frontier, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(table["extra_cost"] / 1e4, table["objective"], marker="o")
    ax.set_xlabel("extra cost, 10,000 yuan per year")
    ax.set_ylabel(f"objective ({objective}), lower is better" if objective else "objective (lower is better)")
    ax.set_title("Cost–equity frontier (expected mode)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return Path(path)


# ------------------------------------------------------------------ CLI
def add_cli(subparsers) -> None:
    from ..inputs import limits
    from ..inputs.scenario import scenario_flag

    p = subparsers.add_parser("optimize", help="find the lever mix that minimises an equity objective for a budget")
    p.add_argument("--budget", type=limits.real_flag(-MAX_BUDGET, MAX_BUDGET), required=True,
                   help="extra yuan per year over the base scenario")
    p.add_argument("--objective", default=DEFAULT_OBJECTIVE,
                   help="indicator or weighted terms (default: child-years out of school), "
                        "e.g. 'child_years_out_of_school.total=1,learning_gap.urban_rural=1000'")
    p.add_argument("--base", type=scenario_flag, default="baseline",
                   help="scenario the extra budget is added to (default: %(default)s)")
    p.add_argument("--years", type=limits.int_flag(1, limits.MAX_YEARS), default=7,
                   help=f"1 to {limits.MAX_YEARS} (default: %(default)s)")
    p.add_argument("--draws", type=limits.int_flag(0, limits.MAX_DRAWS), default=200,
                   help="draws to confirm the winner (0: skip; default: %(default)s)")
    p.add_argument("--maxiter", type=limits.int_flag(1, MAX_MAXITER), default=25,
                   help=f"generations of the search, 1 to {MAX_MAXITER} (default: %(default)s)")
    p.add_argument("--seed", type=limits.int_flag(0, limits.MAX_SEED), default=0,
                   help="0 to 2**32-1 (default: %(default)s)")
    p.add_argument("--allow-cuts", action="store_true",
                   help="let the search lower levers below the policy in force (--base) to fund others; "
                        "by default each lever's lower bound is its base value")
    p.add_argument("--frontier", type=limits.reals_flag(-MAX_BUDGET, MAX_BUDGET),
                   help="comma-separated budgets (yuan/year) for the cost–equity frontier")
    p.add_argument("--district", type=limits.path_flag, help="district folder (default data/banan)")
    p.add_argument("--out", default="outputs/optimize",
                   help="output folder: new, empty, or a previous optimize output (default: %(default)s)")
    p.add_argument("--save-scenario", metavar="PATH",
                   help="also write the scenario YAML here, e.g. params/scenarios/NAME.yaml (then the dashboard "
                        "lists it); an existing file is replaced only with --force")
    p.add_argument("--force", action="store_true",
                   help="replace a previous simulate output of another kind at --out and an existing "
                        "--save-scenario file (never a folder simulate did not write)")
    p.set_defaults(func=cmd_optimize)


def cmd_optimize(args) -> int:
    import sys

    from ..provenance import OutputError, check_output_target, write_file_atomically

    try:
        district = load_district(args.district)
        inputs = [district.source] + ([args.base] if Path(args.base).suffix in (".yaml", ".yml") else [])
        check_output_target(args.out, "optimize", force=args.force, inputs=inputs, what="--out")
        if args.save_scenario and Path(args.save_scenario).exists() and not args.force:
            raise OutputError(f"--save-scenario {args.save_scenario}: already exists; pass --force to replace it "
                              "or choose another name")
        opt = optimize(district, budget=args.budget, objective=args.objective, base=args.base, years=args.years,
                       allow_cuts=args.allow_cuts, maxiter=args.maxiter, seed=args.seed,
                       confirm_draws=args.draws, progress=True)
        table = None
        if args.frontier:
            budgets = args.frontier
            table = frontier(district, budgets, objective=args.objective, base=args.base, years=args.years,
                             allow_cuts=args.allow_cuts, maxiter=args.maxiter, seed=args.seed, progress=True)
        out = opt.to_dir(args.out, force=args.force, inputs=inputs, frontier=table, frontier_label=args.objective)
        if args.save_scenario:
            write_file_atomically(args.save_scenario, opt.scenario.to_yaml(extends=opt.base), overwrite=args.force,
                                  what="--save-scenario")
    except (ScenarioError, ValueError, OSError) as exc:
        print(f"simulate optimize: error: {exc}", file=sys.stderr)
        return 1
    print(f"objective {opt.objective}: {opt.value:.4f} at extra cost {opt.extra_cost:,.0f} yuan/year "
          f"(budget {opt.budget:,.0f}; {opt.evaluations} expected runs)")
    print(opt.levers.to_string(index=False))
    if opt.confirm is not None:
        print(opt.confirm.to_string(index=False))
    written = out / f"{opt.scenario.name}.yaml"
    print(f"wrote tables and the winning scenario {written} to {out}")
    if args.save_scenario:
        print(f"saved {args.save_scenario}: `simulate run {args.save_scenario}` runs it"
              + ("; the dashboard lists it under 'Start from'" if Path(args.save_scenario).resolve().parent
                 == (params_dir() / "scenarios").resolve() else ""))
    else:
        print(f"to open it in the dashboard ('Start from'), copy it to params/scenarios/: "
              f"cp {written} {params_dir() / 'scenarios' / written.name}  (or rerun with "
              f"--save-scenario params/scenarios/{written.name}); `simulate run {written}` runs it as it is")
    return 0
