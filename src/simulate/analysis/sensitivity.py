"""Global sensitivity analysis: which uncertain parameters drive a result (SALib).

A study (:func:`sensitivity`) runs, for one or more :class:`~simulate.analysis.factors.Target` s:

1. **Morris screening** (``SALib.sample.morris`` / ``SALib.analyze.morris``) over
   every factor: μ* (mean absolute elementary effect, in the target's units
   for a move across the factor's whole range — factors live on quantiles in
   [0, 1]), σ (spread of the effects: interactions or non-linearity) and μ*'s
   bootstrap confidence half-width.
2. **Screening rule** (:func:`screen`): a factor survives if, for at least one
   target, μ* ≥ ``keep_share`` (5%) of that target's largest μ*; at most
   ``max_factors`` (10) survive, ranked by their largest μ*/max μ*. Factors
   screened out are held at their central values in the next stage.
3. **Sobol' indices** (``SALib.sample.sobol``, Saltelli's scheme, scrambled;
   ``SALib.analyze.sobol``) on the survivors: first-order S1 (the share of the
   output's variance a factor explains alone) and total ST (alone and in
   interactions) with bootstrap confidence half-widths. N(k + 2) parameter sets
   for N base points and k factors. **Convergence**: the design's first N/2
   base points are themselves a Saltelli design, so indices at N/2 and N come
   from the same runs and are reported with their difference.
4. **One-at-a-time** swings for a tornado chart (:func:`one_at_a_time`): each
   factor alone at its 5th and 95th percentile, the others at their central values.

The model runs on the engine's draw axis (``ModelEvaluator``: one ``simulate``
call per chunk of parameter sets and scenario), in this process or, with
``client=`` (a ``dask.distributed.Client`` or a scheduler address; CLI
``--scheduler ADDRESS``), as tasks on a Dask cluster sent by the same code as
``compare`` (:func:`simulate.analysis.batches.run_batches`; an address is
connected to as ``simulate sweep --scheduler`` does), with identical numbers;
in ``expected`` mode by default: no pupil-level chance, so the indices measure parameters, not noise.
In ``stochastic`` mode every scenario's draw d shares its random numbers
(differences are paired), and :func:`noise_share` reports separately how much
of each target's variance is chance: the variance over ``noise_draws``
repetitions of the central parameter set divided by the variance over the
Sobol' sample.

The analysis functions take any ``evaluate(u) -> (n, m)`` on quantiles, so
the same code path runs on a test function (Ishigami, tests/analysis/test_sensitivity.py).
Seeds: SALib's samplers get generators from ``simulate.randomness.stream(seed, purpose)``
and its bootstrap a non-zero integer drawn from one (SALib's Sobol' analysis
falls back to numpy's global generator for seed 0 or None).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..inputs.district import District
from ..inputs.load import load_district
from ..inputs.scenario import Scenario, load_scenario
from ..randomness import stream
from .factors import Factor, ModelEvaluator, Target, factors_from, problem
from .groups import Grouping, grouping as make_grouping, load_groups, screen_groups

KEEP_SHARE = 0.05
MAX_FACTORS = 10
TORNADO_QUANTILES = (0.05, 0.95)


def _bootstrap_seed(seed: int, purpose: str) -> int:
    return int(stream(seed, "sensitivity", purpose).integers(1, 2**31 - 1))


def _outputs(evaluate, u: np.ndarray, names) -> tuple[np.ndarray, list[str]]:
    y = np.asarray(evaluate(u), dtype=float)
    y = y[:, None] if y.ndim == 1 else y
    names = list(names) if names is not None else (getattr(evaluate, "names", None) or
                                                   [f"y{j}" for j in range(y.shape[1])])
    if y.shape != (len(u), len(names)):
        raise ValueError(f"evaluate returned shape {y.shape}, expected ({len(u)}, {len(names)})")
    return y, names


def _describe(factors: list[Factor]) -> pd.DataFrame:
    return pd.DataFrame({"path": [f.path for f in factors], "label": [f.label for f in factors],
                         "kind": [f.kind for f in factors]})


# ------------------------------------------------------------------ Morris
@dataclass(eq=False)
class MorrisResult:
    """``table``: target, path, label, kind, mu, mu_star, mu_star_conf, sigma, mu_star_share, rank."""

    table: pd.DataFrame
    r: int
    levels: int
    parameter_sets: int
    seconds: float


def _significant(x: pd.Series, digits: int = 12) -> pd.Series:
    """``x`` rounded to ``digits`` significant digits, for ranking: values that differ only by rounding
    (the order of a sum) tie, and ties keep table order (``rank(method="first")``)."""
    return x.map(lambda v: float(f"{v:.{digits}g}") if np.isfinite(v) else v)


def morris(factors: list[Factor], evaluate, names=None, r: int = 10, levels: int = 4, seed: int = 0,
           conf_level: float = 0.95, num_resamples: int = 1000) -> MorrisResult:
    """Morris elementary effects of every factor on every output of ``evaluate`` (r trajectories)."""
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    if r < 2:
        raise ValueError(f"morris: r (trajectories) must be ≥ 2, got {r}")
    prob = problem(factors)
    t0 = time.perf_counter()
    u = sample.sample(prob, N=r, num_levels=levels, seed=stream(seed, "sensitivity", "morris"))
    y, names = _outputs(evaluate, u, names)
    rows = []
    for j, name in enumerate(names):
        res = analyze.analyze(prob, u, y[:, j], num_resamples=num_resamples, conf_level=conf_level,
                              num_levels=levels, seed=stream(seed, "sensitivity", "morris-bootstrap", j))
        part = _describe(factors).assign(target=name, mu=np.asarray(res["mu"]), mu_star=np.asarray(res["mu_star"]),
                                         mu_star_conf=np.asarray(res["mu_star_conf"]), sigma=np.asarray(res["sigma"]))
        top = part["mu_star"].max()
        part["mu_star_share"] = part["mu_star"] / top if top > 0 else 0.0
        part["rank"] = _significant(part["mu_star"]).rank(ascending=False, method="first", na_option="bottom").astype(int)
        rows.append(part)
    table = pd.concat(rows, ignore_index=True)[["target", "path", "label", "kind", "mu", "mu_star",
                                                "mu_star_conf", "sigma", "mu_star_share", "rank"]]
    return MorrisResult(table=table, r=r, levels=levels, parameter_sets=len(u), seconds=time.perf_counter() - t0)


def screen(morris_table: pd.DataFrame, keep_share: float = KEEP_SHARE, max_factors: int = MAX_FACTORS) -> list[str]:
    """Paths that survive screening: μ* ≥ ``keep_share`` × the largest μ* for some target, at most ``max_factors``."""
    best = morris_table.groupby("path", sort=False)["mu_star_share"].max()
    kept = best[best >= keep_share].sort_values(ascending=False, kind="stable")
    return list(kept.index[:max_factors])


# ------------------------------------------------------------------ Sobol'
@dataclass(eq=False)
class SobolResult:
    """``table``: target, path, label, kind, n, S1, S1_conf, ST, ST_conf (n = N/2 and N);
    ``convergence``: target, path, S1 and ST at N/2 and N and their differences."""

    table: pd.DataFrame
    convergence: pd.DataFrame
    n: int
    parameter_sets: int
    seconds: float
    outputs: np.ndarray = field(repr=False, default=None)


def sobol(factors: list[Factor], evaluate, names=None, n: int = 256, seed: int = 0, conf_level: float = 0.95,
          num_resamples: int = 1000, grouping: Grouping | None = None) -> SobolResult:
    """First-order and total Sobol' indices of every factor (or group) on every output of ``evaluate``.

    ``n`` (a power of 2, ≥ 8) base points → n(k + 2) parameter sets for k
    factors, or n(g + 2) for g groups with ``grouping`` (:mod:`simulate.analysis.groups`:
    the rows are then groups: path = group name, label and kind the group's);
    indices are reported at n/2 and n from the same runs. A target that does not
    vary gets indices 0; one that is undefined (NaN) in some parameter set gets NaN indices.
    """
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    if n < 8 or n & (n - 1):
        raise ValueError(f"sobol: n must be a power of 2 ≥ 8, got {n}")
    prob = problem(factors)
    if grouping is not None:
        prob["groups"] = list(grouping.names)
        order = grouping.order
        rows_of = pd.DataFrame({"path": order, "label": [grouping.labels[g] for g in order],
                                "kind": [grouping.kinds[g] for g in order]})
    else:
        rows_of = _describe(factors)
    k = len(rows_of)
    t0 = time.perf_counter()
    u = sample.sample(prob, n, calc_second_order=False, scramble=True, seed=stream(seed, "sensitivity", "sobol"))
    y, names = _outputs(evaluate, u, names)
    rows = []
    for j, name in enumerate(names):
        for size in (n // 2, n):
            yy = y[: size * (k + 2), j]
            if np.isnan(yy).any():
                res = {key: np.full(k, np.nan) for key in ("S1", "S1_conf", "ST", "ST_conf")}
            elif np.var(yy) == 0:
                res = {key: np.zeros(k) for key in ("S1", "S1_conf", "ST", "ST_conf")}
            else:
                res = analyze.analyze(prob, yy, calc_second_order=False, num_resamples=num_resamples,
                                      conf_level=conf_level, seed=_bootstrap_seed(seed, f"sobol-{j}-{size}"))
            rows.append(rows_of.assign(target=name, n=size, **{key: np.asarray(res[key]) for key in
                                                               ("S1", "S1_conf", "ST", "ST_conf")}))
    table = pd.concat(rows, ignore_index=True)[["target", "path", "label", "kind", "n", "S1", "S1_conf", "ST", "ST_conf"]]
    half, full = (table[table.n == size].set_index(["target", "path"]) for size in (n // 2, n))
    conv = full[["label", "kind"]].copy()
    for key in ("S1", "ST"):
        conv[f"{key}_half"], conv[key] = half[key], full[key]
        conv[f"{key}_diff"] = full[key] - half[key]
    conv = conv.reset_index()
    conv.insert(2, "n_half", n // 2)
    conv.insert(3, "n", n)
    return SobolResult(table=table, convergence=conv, n=n, parameter_sets=len(u),
                       seconds=time.perf_counter() - t0, outputs=y)


# ------------------------------------------------------------------ one at a time, noise
def one_at_a_time(factors: list[Factor], evaluate, names=None,
                  quantiles: tuple[float, float] = TORNADO_QUANTILES) -> pd.DataFrame:
    """Each factor alone at two quantiles, the others central: the swing of every output (a tornado chart).

    Columns: target, path, label, kind, value_low, value_high, base, at_low,
    at_high, swing (|at_high − at_low|), rank. One batch of 2k + 1 parameter sets.
    """
    k = len(factors)
    base = np.array([f.base_quantile for f in factors])
    u = np.tile(base, (2 * k + 1, 1))
    for j in range(k):
        u[1 + 2 * j, j], u[2 + 2 * j, j] = quantiles
    y, names = _outputs(evaluate, u, names)
    rows = []
    for i, name in enumerate(names):
        part = _describe(factors).assign(
            target=name, value_low=[f.value(quantiles[0]) for f in factors],
            value_high=[f.value(quantiles[1]) for f in factors], base=y[0, i],
            at_low=y[1::2, i][:k], at_high=y[2::2, i][:k])
        part["swing"] = (part["at_high"] - part["at_low"]).abs()
        # ties (two factors with the same effect, equal up to rounding) in table order, not by rounding noise
        part["rank"] = _significant(part["swing"]).rank(ascending=False, method="first", na_option="bottom").astype(int)
        rows.append(part)
    cols = ["target", "path", "label", "kind", "value_low", "value_high", "base", "at_low", "at_high", "swing", "rank"]
    return pd.concat(rows, ignore_index=True)[cols]


def noise_share(evaluator: ModelEvaluator, sobol_outputs: np.ndarray, draws: int = 50) -> pd.DataFrame:
    """Stochastic mode: the share of each target's variance that is chance, not parameters.

    ``draws`` repetitions of the central parameter set (different random numbers
    each) give the noise variance; the Sobol' sample's outputs give the total.
    """
    base = np.tile([f.base_quantile for f in evaluator.factors], (draws, 1))
    y = evaluator(base)
    noise, total = np.nanvar(y, axis=0, ddof=1), np.nanvar(sobol_outputs, axis=0, ddof=1)
    return pd.DataFrame({"target": evaluator.names, "noise_draws": draws, "noise_variance": noise,
                         "total_variance": total,
                         "noise_share": np.divide(noise, total, out=np.full_like(noise, np.nan), where=total > 0)})


def connect(client):
    """(client, things to close afterwards) for ``client`` = None (this process) | "serial" (the same) |
    a scheduler address | a ``dask.distributed.Client`` (used as it is). An address is connected to
    with :func:`simulate.analysis.cluster.client_for` (the code of ``simulate sweep --scheduler``); a
    scheduler that cannot be reached is one :class:`InputError` naming the address."""
    if client is None or client == "serial":
        return None, []
    if not isinstance(client, str):
        if not hasattr(client, "submit") or not hasattr(client, "scatter"):
            raise InputError(f"client: expected a dask.distributed.Client, a scheduler address or None, "
                             f"got {client!r:.80}")
        return client, []
    from .cluster import ADDRESS, client_for

    if not ADDRESS.fullmatch(client):
        raise InputError(f"scheduler: expected 'serial' or an address with a port (e.g. tcp://10.0.0.5:8786), "
                         f"got {client!r:.60}")
    try:
        return client_for(client)
    except (OSError, TimeoutError) as exc:
        raise InputError(f"scheduler {client}: cannot connect to a Dask scheduler there ({exc})") from None


# ------------------------------------------------------------------ the study
@dataclass(eq=False)
class Study:
    """Result of :func:`sensitivity`: the factors, each stage's tables, run counts and seconds."""

    targets: list[Target]
    factors: list[Factor]
    kept: list[str]
    morris: MorrisResult
    sobol: SobolResult
    tornado: pd.DataFrame
    noise: pd.DataFrame | None
    runs: dict
    seconds: dict
    settings: dict
    params_hash: str = ""
    data_hash: str = ""
    grouping: Grouping | None = None   # a grouped study: each factor's Sobol' group (kept groups + rest)

    def factor_table(self) -> pd.DataFrame:
        """One row per factor: path, label, kind, distribution, range (start-year values), source, kept
        (a grouped study: every factor varies in the Sobol' stage; ``group`` is its group there)."""
        group = dict(zip((f.path for f in self.factors), self.grouping.names)) if self.grouping else {}
        return pd.DataFrame([{"path": f.path, "label": f.label, "kind": f.kind, "distribution": f.distribution,
                              "central": f.central, "low": f.value(0.0), "high": f.value(1.0),
                              "declared": f.declared,
                              "kept_for_sobol": bool(self.grouping) or f.path in self.kept,
                              **({"group": group[f.path]} if self.grouping else {}), "unit": f.unit,
                              "source": f.source} for f in self.factors])

    def convergence_check(self) -> pd.DataFrame:
        """:func:`simulate.analysis.drivers.convergence_check` of the Sobol' table (one row per target)."""
        from .drivers import convergence_check

        return convergence_check(self.sobol.table)

    def drivers(self, **kwargs) -> pd.DataFrame:
        """:func:`simulate.analysis.drivers.drivers` of the Sobol' table."""
        from .drivers import drivers

        return drivers(self.sobol.table, **{"grouped": self.grouping is not None, **kwargs})

    def tables(self) -> dict[str, pd.DataFrame]:
        out = {"factors": self.factor_table(), "morris": self.morris.table, "sobol": self.sobol.table,
               "sobol_convergence": self.sobol.convergence, "convergence_check": self.convergence_check(),
               "tornado": self.tornado, "drivers": self.drivers()}
        if self.noise is not None:
            out["noise"] = self.noise
        return out

    def to_dir(self, path: str | Path, force: bool = False, inputs=()) -> Path:
        """Write every table (CSV, deterministic) and manifest.json atomically, under the output rule of
        :func:`simulate.provenance.check_output_target` (``force``: replace a previous simulate output of
        another kind; ``inputs``: files the target may not be or hold)."""
        import json

        from ..provenance import atomic_dir, manifest, write_csv

        with atomic_dir(Path(path), "sensitivity", force=force, inputs=inputs) as tmp:
            for name, table in self.tables().items():
                write_csv(table, tmp / f"{name}.csv")
            meta = manifest(seeds={"sensitivity": self.settings["seed"]}, params_hash=self.params_hash,
                            data_hash=self.data_hash, output_kind="sensitivity",
                            extra={"sensitivity": {**self.settings, "runs": self.runs, "seconds": self.seconds}},
                            packages=("simulate", "numpy", "pandas", "scipy", "SALib"))
            (tmp / "manifest.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False, default=str) + "\n")
        return path


def plan(n_factors: int, n_scenarios: int, morris_r: int, sobol_n: int, max_factors: int = MAX_FACTORS,
         n_groups: int | None = None) -> dict:
    """Parameter sets and model runs of each stage (Sobol' for at most ``max_factors`` survivors, or, in a
    grouped study, ``max_factors`` kept groups plus the rest of ``n_groups``)."""
    k_sobol = min(n_factors, max_factors) if n_groups is None else min(n_groups, max_factors + 1)
    sets = {"morris": morris_r * (n_factors + 1), "sobol": sobol_n * (k_sobol + 2), "tornado": 2 * n_factors + 1}
    return {stage: {"parameter_sets": s, "runs": s * n_scenarios} for stage, s in sets.items()}


def sensitivity(district: District | None, targets, *, factors: list[Factor] | None = None,
                base: Scenario | str | None = None, ranges: dict | None = None, assumption_spread: float | None = None,
                morris_r: int = 10, morris_levels: int = 4, sobol_n: int = 256, keep_share: float = KEEP_SHARE,
                max_factors: int = MAX_FACTORS, years: int = 7, mode: str = "expected", seed: int = 0,
                conf_level: float = 0.95, noise_draws: int = 50, chunk: int | None = None,
                progress: bool = True, verbose: bool = True, client=None, groups=None, cache_dir=None) -> Study:
    """Morris screening, Sobol' indices on the survivors and one-at-a-time swings for ``targets``.

    ``targets``: :class:`Target` s or indicator names (of the baseline). The
    factor space (:func:`~simulate.analysis.factors.factors_from`) is built on
    ``base`` (default: the first target's ``versus``, else its scenario) from its
    declared uncertainties, ``ranges`` and ``assumption_spread``, unless
    ``factors`` is given. Sample sizes and run counts are printed before work
    starts (``verbose``); ``progress`` shows progress bars (tqdm). ``client``: None or
    "serial" (this process), a Dask scheduler address (connected to for the study, then
    disconnected; the cluster is left as it is) or a ``dask.distributed.Client``: every
    chunk of parameter sets × scenario becomes a task on its workers; the numbers are
    identical (:func:`simulate.analysis.batches.run_batches`).

    ``mode``: "expected" (the default, as for :func:`simulate.run` and :func:`simulate.compare`: no
    pupil-level chance, the indices measure parameters) or "stochastic" (binomial pupil flows; the
    study also reports the share of each target's variance that is chance, ``noise_draws`` repetitions).

    ``groups``: None (Sobol' on the factors that survive screening, the others held at their
    values) or the groups of a grouped study — "default" (``params/sensitivity/groups.yaml``),
    a YAML path or a list of :class:`~simulate.analysis.groups.Group`. Then Morris still
    screens every factor, the ``max_factors`` groups with the largest μ* share are kept,
    every other factor joins one group ``rest``, and Sobol' runs on the groups with every
    factor varying: N(g + 2) parameter sets for g groups.
    """
    from .cluster import closing

    client, owned = connect(client)
    with closing(owned):  # after Ctrl-C: quietly (analysis.cluster)
        return _sensitivity(district, targets, factors=factors, base=base, ranges=ranges,
                            assumption_spread=assumption_spread, morris_r=morris_r, morris_levels=morris_levels,
                            sobol_n=sobol_n, keep_share=keep_share, max_factors=max_factors, years=years,
                            mode=mode, seed=seed, conf_level=conf_level, noise_draws=noise_draws, chunk=chunk,
                            progress=progress, verbose=verbose, client=client, groups=groups, cache_dir=cache_dir)


def _sensitivity(district, targets, *, factors, base, ranges, assumption_spread, morris_r, morris_levels, sobol_n,
                 keep_share, max_factors, years, mode, seed, conf_level, noise_draws, chunk, progress, verbose,
                 client, groups=None, cache_dir=None) -> Study:
    from ..provenance import sha256_of_obj
    from .batches import default_chunk

    district = load_district() if district is None else district
    targets = [t if isinstance(t, Target) else Target(str(t)) for t in targets]
    if not targets:
        raise ValueError("targets: give at least one indicator")
    base = base or targets[0].versus or targets[0].scenario
    base = load_scenario(base) if isinstance(base, str) else base
    factors = factors or factors_from(base, ranges=ranges, assumption_spread=assumption_spread)
    chunk = chunk or default_chunk(district)
    ev = ModelEvaluator(district, targets, factors, years=years, seed=seed, mode=mode, chunk=chunk, progress=progress,
                        client=client)
    if groups is not None:
        groups = load_groups(None if groups == "default" else groups) if isinstance(groups, (str, Path)) else groups
        all_groups = make_grouping(factors, groups)
    counts = plan(len(factors), len(ev.scenarios), morris_r, sobol_n, max_factors,
                  n_groups=None if groups is None else len(all_groups.order))
    if verbose:
        where = "this process" if client is None else \
            f"the Dask cluster at {getattr(getattr(client, 'scheduler', None), 'address', client)}"
        print(f"{len(targets)} target(s), {len(factors)} factors, {len(ev.scenarios)} scenario(s) per parameter set, "
              f"{mode} mode, seed {seed}; chunks of {chunk} parameter sets run in {where}")
        print(f"Morris: r = {morris_r} trajectories × ({len(factors)} + 1) = {counts['morris']['parameter_sets']:,} "
              f"parameter sets → {counts['morris']['runs']:,} model runs")
        print(f"Sobol': N = {sobol_n} × (k + 2) for k ≤ {max_factors} surviving "
              + ("factors" if groups is None else f"groups of {len(all_groups.order)} (+ 1 for the rest)")
              + " → at most "
              f"{counts['sobol']['parameter_sets']:,} parameter sets → {counts['sobol']['runs']:,} model runs "
              f"(indices at N = {sobol_n // 2} and {sobol_n} from the same runs)")
        print(f"One-at-a-time: {counts['tornado']['parameter_sets']} parameter sets → {counts['tornado']['runs']} runs"
              + (f"; noise: {noise_draws} repetitions" if mode == "stochastic" else ""))
    runs, seconds = {}, {}
    cache_stats: dict = {}

    def run(evaluator):
        if cache_dir is None:
            return evaluator
        from .evalcache import cached_evaluate

        return cached_evaluate(evaluator, cache_dir, cache_stats)

    m = morris(factors, run(ev), r=morris_r, levels=morris_levels, seed=seed, conf_level=conf_level)
    runs["morris"], seconds["morris"] = ev.runs_for(m.parameter_sets), round(m.seconds, 2)
    grouping = None
    if groups is None:
        kept = screen(m.table, keep_share, max_factors)
        if not kept:
            raise ValueError("screening: no factor moves any target (every μ* is 0)")
        kept_factors = [f for f in factors if f.path in kept]
        k_sobol, what = len(kept), f"{len(kept)} of {len(factors)} factors"
    else:
        kept = screen_groups(m.table, all_groups, keep_share, max_factors)
        if not kept:
            raise ValueError("screening: no factor moves any target (every μ* is 0)")
        grouping, kept_factors = make_grouping(factors, groups, keep=kept), factors
        k_sobol, what = len(grouping.order), f"{len(kept)} of {len(all_groups.order)} groups"
    ev_kept = ModelEvaluator(district, targets, kept_factors, years=years, seed=seed, mode=mode, chunk=chunk,
                             progress=progress, scenarios=ev.scenarios, client=client)
    if verbose:
        print(f"Screening kept {what} (μ* ≥ {keep_share:.0%} of the largest for some "
              f"target, at most {max_factors}): {', '.join(kept)}"
              + ("" if grouping is None or len(grouping.order) == len(kept) else
                 f"; the other {len(grouping.members.get('rest', []))} factors vary together as one group 'rest'"))
        print(f"Sobol': N = {sobol_n}, {'groups' if grouping else 'k'} = {k_sobol} → "
              f"{sobol_n * (k_sobol + 2):,} parameter sets → {ev.runs_for(sobol_n * (k_sobol + 2)):,} model runs")
    s = sobol(kept_factors, run(ev_kept), n=sobol_n, seed=seed, conf_level=conf_level, grouping=grouping)
    runs["sobol"], seconds["sobol"] = ev.runs_for(s.parameter_sets), round(s.seconds, 2)
    t0 = time.perf_counter()
    tornado = one_at_a_time(factors, run(ev))
    runs["tornado"], seconds["tornado"] = ev.runs_for(2 * len(factors) + 1), round(time.perf_counter() - t0, 2)
    noise = None
    if mode == "stochastic":
        t0 = time.perf_counter()
        noise = noise_share(ev_kept, s.outputs, draws=noise_draws)
        runs["noise"], seconds["noise"] = ev.runs_for(noise_draws), round(time.perf_counter() - t0, 2)
    settings = {"targets": [t.name for t in targets], "base": base.name, "factors": [f.path for f in factors],
                "kept": kept, "morris_r": morris_r, "morris_levels": morris_levels, "sobol_n": sobol_n,
                "keep_share": keep_share, "max_factors": max_factors, "years": years, "mode": mode, "seed": seed,
                "conf_level": conf_level, "chunk": chunk,
                "groups": None if grouping is None else {g: grouping.members[g] for g in grouping.order},
                "cache": None if cache_dir is None else {"dir": str(cache_dir), **cache_stats}}
    return Study(targets=targets, factors=factors, kept=kept, morris=m, sobol=s, tornado=tornado, noise=noise,
                 runs=runs, seconds=seconds, settings=settings, grouping=grouping,
                 params_hash=sha256_of_obj({n: sc.params_hash for n, sc in sorted(ev.scenarios.items())}),
                 data_hash=district.data_hash)


# ------------------------------------------------------------------ command line
def _parse_range(text: str) -> tuple[str, list[float]]:
    try:
        path, span = text.split("=", 1)
        lo, hi = (float(x) for x in span.split(":"))
    except ValueError:
        raise ValueError(f"--range {text!r}: expected PATH=LOW:HIGH, e.g. dropout.pairing.coverage=0.5:1") from None
    return path.strip(), [lo, hi]


def add_cli(subparsers) -> None:
    from ..inputs import limits
    from ..inputs.scenario import scenario_flag
    from .sweep import _scheduler_flag

    p = subparsers.add_parser("sensitivity", help="which uncertain parameters drive an indicator (Morris, then Sobol')")
    p.add_argument("indicators", nargs="+", help="indicator names (e.g. dropout_gap.poor.junior)")
    p.add_argument("--scenario", type=scenario_flag, default="baseline", help="scenario whose indicator is studied (default baseline)")
    p.add_argument("--versus", type=scenario_flag, help="study the difference scenario − VERSUS on the same parameter sets")
    p.add_argument("--year", type=limits.int_flag(1990, 2100), help="simulated year (default: the last)")
    p.add_argument("--cumulative", action="store_true", help="sum the indicator over the years up to --year")
    p.add_argument("--per", metavar="INDICATOR",
                   help="study each indicator's difference per unit of INDICATOR avoided (a cost-effectiveness "
                        "ratio, e.g. cost.total --cumulative --per child_years_out_of_school.cumulative.total); "
                        "needs --versus")
    p.add_argument("--range", action="append", default=[], metavar="PATH=LOW:HIGH",
                   help="add (or replace) a factor with a uniform range in the scenario's values; repeatable")
    p.add_argument("--assumption-spread", type=limits.real_flag(0, 10),
                   help="also vary every assumed real-valued parameter by ± this share of its value (e.g. 0.5)")
    p.add_argument("--morris-r", type=limits.int_flag(1, 1000), default=10, help="Morris trajectories (default 10)")
    p.add_argument("--sobol-n", type=limits.int_flag(8, 2**16), default=256, help="Sobol' base sample size, a power of 2 (default 256)")
    p.add_argument("--keep-share", type=limits.real_flag(0, 1), default=KEEP_SHARE, help="screening: keep μ* ≥ this share of the largest (default: %(default)s)")
    p.add_argument("--max-factors", type=limits.int_flag(1, 1000), default=MAX_FACTORS, help="screening: at most this many for Sobol' (default: %(default)s)")
    p.add_argument("--groups", nargs="?", const="default", type=limits.path_flag, metavar="YAML",
                   help="grouped Sobol' study: every factor varies, indices per group of the groups file "
                        "(default params/sensitivity/groups.yaml); --max-factors then counts groups")
    p.add_argument("--years", type=limits.int_flag(1, limits.MAX_YEARS), default=7,
                   help="simulated years (default: %(default)s)")
    p.add_argument("--mode", choices=("expected", "stochastic"), default="expected",
                   help="expected: deterministic expected flows; stochastic: binomial counts (default: %(default)s)")
    p.add_argument("--seed", type=limits.int_flag(0, limits.MAX_SEED), default=0, help="random seed (default: %(default)s)")
    p.add_argument("--district", type=limits.path_flag, help="district folder (default data/banan)")
    p.add_argument("--scheduler", type=_scheduler_flag,
                   help="run the chunks of parameter sets on the Dask cluster at this address, e.g. tcp://host:8786, "
                        "as simulate sweep does (same numbers; default: this process)")
    p.add_argument("--out", help="write the tables (CSV) and manifest.json here; a new or empty folder, "
                                 "or a previous output of simulate sensitivity")
    p.add_argument("--force", action="store_true", help="replace a previous simulate output of another kind at --out")
    p.set_defaults(func=cmd_sensitivity)


def cmd_sensitivity(args) -> int:
    ranges = dict(_parse_range(r) for r in args.range)
    if args.per and not args.versus:
        raise InputError("--per: a cost-effectiveness ratio compares two scenarios; give --versus")
    targets = [Target(ind, scenario=args.scenario, versus=args.versus, year=args.year, cumulative=args.cumulative,
                      per=args.per) for ind in args.indicators]
    district = load_district(args.district)
    names = {n for t in targets for n in (t.scenario, t.versus) if n}
    inputs = [district.source, *(s.source for s in map(load_scenario, names) if Path(s.source).is_file())]
    if args.out:  # refuse a bad output folder before the work starts
        from ..provenance import check_output_target

        check_output_target(args.out, "sensitivity", force=args.force, inputs=inputs, what="--out")
    study = sensitivity(district, targets, ranges=ranges, assumption_spread=args.assumption_spread,
                        morris_r=args.morris_r, sobol_n=args.sobol_n, keep_share=args.keep_share,
                        max_factors=args.max_factors, years=args.years, mode=args.mode, seed=args.seed,
                        client=args.scheduler, groups=args.groups)
    fmt = {"float_format": lambda v: f"{v:.4g}"}
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.max_colwidth", 48):
        for target in study.settings["targets"]:
            print(f"\n== {target}")
            m = study.morris.table[study.morris.table.target == target].sort_values("rank")
            print(f"Morris screening (r = {study.morris.r}, {study.runs['morris']:,} runs, "
                  f"{study.seconds['morris']:.1f} s; μ* ± 95% half-width):")
            print(m[["path", "kind", "mu_star", "mu_star_conf", "sigma", "mu_star_share"]].to_string(index=False, **fmt))
            s = study.sobol.table[(study.sobol.table.target == target) & (study.sobol.table.n == study.sobol.n)]
            print(f"Sobol' indices (N = {study.sobol.n}, {study.runs['sobol']:,} runs, {study.seconds['sobol']:.1f} s; "
                  f"± 95% half-width):")
            print(s.sort_values("ST", ascending=False)[["path", "kind", "S1", "S1_conf", "ST", "ST_conf"]]
                  .to_string(index=False, **fmt))
            c = study.sobol.convergence[study.sobol.convergence.target == target]
            print(f"Convergence (N = {study.sobol.n // 2} vs {study.sobol.n}; largest |difference|: "
                  f"S1 {c['S1_diff'].abs().max():.3g}, ST {c['ST_diff'].abs().max():.3g}):")
            print(c[["path", "S1_half", "S1", "S1_diff", "ST_half", "ST", "ST_diff"]].to_string(index=False, **fmt))
            verdict = study.convergence_check().set_index("target").loc[target]
            print("Converged (every |ST difference| ≤ 0.05, no S1 outside [0, 1] beyond its interval)."
                  if verdict["converged"] else verdict["warning"])
            if study.noise is not None:
                share = study.noise.set_index("target").loc[target, "noise_share"]
                print(f"Chance (stochastic mode) is {share:.1%} of this target's variance.")
        print()
        for row in study.drivers().itertuples():
            print(f"- {row.target}: {row.sentence}")
    if args.out:
        study.to_dir(args.out, force=args.force, inputs=inputs)
        print(f"\nwrote factors, morris, sobol, sobol_convergence, convergence_check, tornado and drivers tables "
              f"to {args.out}")
    return 0
