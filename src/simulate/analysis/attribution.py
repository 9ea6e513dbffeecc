"""Lever attribution: how much of a scenario's effect each of its levers brings (Shapley values).

A scenario that changes several parameter paths against a reference (its
:meth:`~simulate.inputs.scenario.Scenario.changed_paths`) is split into
*levers*: paths grouped by their first ``depth`` parts (default 2: section +
lever, so ``dropout.monitoring.*`` is one lever and
``budget.student_aid.registered_poor.yuan_per_pupil`` and
``budget.student_aid.other_needy.coverage`` are both ``budget.student_aid``;
``groups`` gives any other grouping). A *coalition* of levers is the reference
with those levers' leaves taken from the scenario (value, ``by_year``
schedule and uncertainty), built with ``Scenario.with_changes``. The value of
a coalition is an indicator's mean over ``draws`` parameter draws (or at the
central values when ``draws`` is None), in expected mode by default; every
coalition shares the same draws (common random numbers: parameter quantiles
are keyed by seed and path, never by scenario), so differences are the levers' alone.

The Shapley contribution of lever i is the average, over every order in
which the levers could be switched on, of what switching i on adds:
contributions sum exactly to the scenario's total effect (scenario −
reference), and an interaction between two levers is split equally between
them. Exact (2^n coalitions) for up to ``exact_up_to`` (8) levers; beyond,
the mean over ``permutations`` random orders (generator from
``simulate.randomness.stream(seed, "shapley")``), which still sums exactly to the total.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from ..inputs.district import District
from ..inputs.load import load_district
from ..inputs.scenario import Scenario, load_scenario
from ..measures.balance import comparison_indicators, context
from ..model.engine import cells_of, simulate
from ..model.outcomes import year_indicators
from ..randomness import stream

EXACT_UP_TO = 8
PERMUTATIONS = 200


def shapley(value: Callable[[frozenset], np.ndarray], players: list[str], exact_up_to: int = EXACT_UP_TO,
            permutations: int = PERMUTATIONS, seed: int = 0) -> tuple[dict[str, np.ndarray], int]:
    """Shapley values of ``players`` for the coalition function ``value`` (frozenset → array).

    Returns ({player: contribution array}, number of distinct coalitions
    evaluated). Exact for up to ``exact_up_to`` players, else averaged over
    ``permutations`` random orders; either way contributions sum to
    value(all) − value(none).
    """
    if len(set(players)) != len(players):
        raise ValueError(f"shapley: players must be distinct, got {players}")
    cache: dict[frozenset, np.ndarray] = {}

    def v(s: frozenset) -> np.ndarray:
        if s not in cache:
            cache[s] = np.asarray(value(s), dtype=float)
        return cache[s]

    n = len(players)
    out = {p: np.zeros_like(v(frozenset())) for p in players}
    if n <= exact_up_to:
        for p in players:
            others = [q for q in players if q != p]
            for size in range(n):
                weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
                for s in combinations(others, size):
                    s = frozenset(s)
                    out[p] = out[p] + weight * (v(s | {p}) - v(s))
    else:
        rng = stream(seed, "shapley")
        for _ in range(permutations):
            order = [players[i] for i in rng.permutation(n)]
            s = frozenset()
            for p in order:
                out[p] = out[p] + (v(s | {p}) - v(s)) / permutations
                s = s | {p}
    return out, len(cache)


def lever_groups(scenario: Scenario, reference: Scenario, depth: int = 2) -> dict[str, list[str]]:
    """The scenario's changed paths against ``reference``, grouped into levers by their first ``depth`` parts."""
    groups: dict[str, list[str]] = {}
    for path in scenario.changed_paths(reference):
        groups.setdefault(".".join(path.split(".")[:depth]), []).append(path)
    return groups


def leaf_change(leaf: dict) -> dict:
    """A with_changes entry reproducing ``leaf`` (its uncertainty back in absolute terms)."""
    change = {"value": leaf["value"]}
    if leaf.get("by_year"):
        change["by_year"] = dict(leaf["by_year"])
    unc = leaf.get("uncertainty")
    if unc:
        v = float(leaf["value"])
        change["uncertainty"] = {k: (x if k in ("distribution", "sd", "reason") else x + v) for k, x in unc.items()}
    else:
        change["uncertainty"] = None
    return change


@dataclass(eq=False)
class Attribution:
    """Result of :func:`attribute`. ``table``: indicator, lever, paths, contribution, share, total,
    reference_value, scenario_value (one row per indicator and lever)."""

    scenario: str
    reference: str
    table: pd.DataFrame
    levers: dict
    coalitions: int
    exact: bool
    settings: dict


def attribute(district: District | None, scenario: Scenario | str, reference: Scenario | str = "baseline",
              indicators=("dropout_gap.poor.junior", "learning_gap.poor"), *, year: int | None = None,
              cumulative: bool = False, years: int = 7, draws: int | None = None, seed: int = 0,
              mode: str = "expected", depth: int = 2, groups: dict[str, list[str]] | None = None,
              exact_up_to: int = EXACT_UP_TO, permutations: int = PERMUTATIONS,
              progress: bool = False) -> Attribution:
    """Shapley decomposition of ``scenario − reference`` on each indicator over the scenario's levers.

    ``year``: the simulated year read (default the last); ``cumulative`` sums
    the indicator over the years up to it (e.g. dropouts, cost.total).
    ``draws``: parameter draws per coalition on the draw axis (None: central values).
    ``progress``: a progress bar (tqdm) counting the coalitions run.
    """
    district = load_district() if district is None else district
    scn = load_scenario(scenario)  # a name, a path or a Scenario
    ref = load_scenario(reference)
    indicators = [indicators] if isinstance(indicators, str) else list(indicators)
    levers = groups or lever_groups(scn, ref, depth)
    if not levers:
        raise ValueError(f"{scn.name} changes nothing against {ref.name}: no levers to attribute")
    changed = set(scn.changed_paths(ref))
    listed = [p for paths in levers.values() for p in paths]
    if set(listed) != changed or len(listed) != len(changed):
        raise ValueError(f"groups must list every changed path once: changed {sorted(changed)}, listed {sorted(listed)}")
    full = ref.with_changes({p: leaf_change(scn.leaves[p]) for p in listed})
    if full.changed_paths(scn):
        raise ValueError(f"{scn.name}: rebuilding it from {ref.name} leaves {full.changed_paths(scn)} different")
    cells, ctx = cells_of(district), context(district)
    start = ref.start_year
    upto = (year if year is not None else start + years - 1) - start
    if not 0 <= upto < years:
        raise ValueError(f"year {year} is outside the simulated years {start}–{start + years - 1}")

    from tqdm.auto import tqdm

    names = list(levers)
    bar = tqdm(total=2 ** len(names) if len(names) <= exact_up_to else None, desc=f"attribution {scn.name}",
               unit="run", disable=not progress, leave=False)
    cache: dict[frozenset, np.ndarray] = {}

    def value(coalition: frozenset) -> np.ndarray:
        if coalition not in cache:
            cache[coalition] = _value(coalition)
            bar.update(1)
        return cache[coalition]

    def _value(coalition: frozenset) -> np.ndarray:
        changes = {p: leaf_change(scn.leaves[p]) for lever in coalition for p in levers[lever]}
        s = ref.with_changes(changes, name="+".join(sorted(coalition))) if changes else ref
        per_year = []
        for y in simulate(district, s, years=upto + 1, seed=seed, mode=mode, draws=draws or 1,
                          sample_parameters=draws is not None):
            ind = year_indicators(y, cells)
            if set(indicators) - set(ind):
                ind = {**ind, **comparison_indicators(y, ctx)}
            missing = [i for i in indicators if i not in ind]
            if missing:
                raise ValueError(f"unknown indicator(s): {missing}")
            per_year.append([ind[i] for i in indicators])
        arr = np.array(per_year)            # (year, indicator, draw)
        series = arr.sum(axis=0) if cumulative else arr[-1]
        return series.mean(axis=1)

    try:
        contrib, n_coalitions = shapley(value, names, exact_up_to, permutations, seed)
        v0, v1 = value(frozenset()), value(frozenset(names))
    finally:
        bar.close()
    total = v1 - v0
    rows = []
    for j, ind in enumerate(indicators):
        for lever in names:
            c = float(contrib[lever][j])
            rows.append({"indicator": ind, "lever": lever, "paths": ", ".join(levers[lever]), "contribution": c,
                         "share": c / total[j] if total[j] != 0 else np.nan, "total": float(total[j]),
                         "reference_value": float(v0[j]), "scenario_value": float(v1[j])})
    settings = {"year": start + upto, "cumulative": cumulative, "years": years, "draws": draws, "seed": seed,
                "mode": mode, "depth": depth, "exact_up_to": exact_up_to, "permutations": permutations}
    return Attribution(scenario=scn.name, reference=ref.name, table=pd.DataFrame(rows), levers=levers,
                       coalitions=n_coalitions, exact=len(names) <= exact_up_to, settings=settings)
