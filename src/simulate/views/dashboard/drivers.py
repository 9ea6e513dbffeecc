"""What drives this difference: the planner's scenario against the reference, split among its levers.

The dashboard's adapter to :mod:`simulate.analysis.attribution`: the same Shapley decomposition
(:func:`~simulate.analysis.attribution.shapley`, coalitions built as
:func:`~simulate.analysis.attribution.attribute` builds them: the reference with a lever's leaves
taken from the scenario), over the dashboard's lever groups (base grant, capital, aid, subsidy,
rotation, training, dropout control; every changed parameter that is not on the dashboard is one
group, "other parameters", so there are at most 8 groups and the decomposition is exact, 2^k
expected-mode runs). The runs go through the explorer's cache, each coalition is run once for the
four headline indicators, and ``on_progress(done, total)`` hears each one. Both scenarios are taken
at the district's size (:func:`simulate.inputs.scaling.for_district`), as the engine runs them.

Read in the headline year (the last simulated year), as the headline table: child-years out of
school so far, the poor − non-poor junior dropout gap, the non-poor − poor learning gap and the cost
of the policy levers that year. Contributions sum to the total effect (scenario − reference).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .controls import BY_PATH, GROUPS

#: (indicator, kind for fmt) read by the panel, in its column order
DRIVER_INDICATORS = (("child_years_out_of_school.cumulative.total", "child_years"), ("dropout_gap.poor.junior", "pp"),
                     ("learning_gap.poor", "sd"), ("cost.policy_levers.all_years", "yuan"))
OTHER = "other"


@dataclass(eq=False)
class Drivers:
    """The panel's state. ``table``: one row per (group, indicator): group, paths, indicator, kind,
    contribution, total, reference_value, scenario_value; ``groups``: group → changed paths;
    ``coalitions``: expected runs made (2^k); ``scenario_hash``/``reference_hash``: what it was computed for."""

    table: pd.DataFrame
    groups: dict[str, list[str]]
    coalitions: int
    year: int
    scenario_hash: str
    reference_hash: str

    def totals(self) -> pd.Series:
        """indicator → total effect (scenario − reference)."""
        return self.table.groupby("indicator", sort=False)["total"].first()

    def contributions(self) -> pd.DataFrame:
        """group × indicator contributions (rows in group order, columns in DRIVER_INDICATORS order)."""
        t = self.table.pivot(index="group", columns="indicator", values="contribution")
        return t.loc[list(self.groups), [k for k, _ in DRIVER_INDICATORS]]


def lever_groups(paths: list[str]) -> dict[str, list[str]]:
    """The changed ``paths`` grouped by the dashboard's lever groups (GROUPS order), then ``other``."""
    out: dict[str, list[str]] = {}
    for g in (*GROUPS, OTHER):
        members = [p for p in paths if (BY_PATH[p].group if p in BY_PATH else OTHER) == g]
        if members:
            out[g] = members
    return out


def drivers(explorer, on_progress=None) -> Drivers:
    """Shapley contributions of each changed lever group to the four headline indicators, for the
    explorer's current scenario against its reference (ValueError when nothing differs)."""
    from ...analysis.attribution import leaf_change, shapley
    from .runs import expected_indicators

    scn = explorer._at_district(explorer.scenario)
    ref = explorer._at_district(explorer.reference_scenario)
    groups = lever_groups(scn.changed_paths(ref))
    if not groups:
        raise ValueError("nothing differs")
    keys = [k for k, _ in DRIVER_INDICATORS]
    total = 2 ** len(groups)
    seen: set = set()

    def value(coalition: frozenset) -> np.ndarray:
        changes = {p: leaf_change(scn.leaves[p]) for g in coalition for p in groups[g]}
        s = ref.with_changes(changes, name="+".join(sorted(coalition))) if changes else ref
        if not coalition:  # the reference: the explorer's cached run of it
            frame = explorer.reference_series
        elif coalition == frozenset(groups):  # every change: cached with the explorer's runs
            frame = explorer.expected(s)
        else:  # the coalitions in between: run once here (shapley caches them), not in the explorer's cache
            frame = expected_indicators(explorer.district, s, explorer.years, explorer._cells, explorer._ctx)
        if coalition not in seen:
            seen.add(coalition)
            if on_progress is not None:
                on_progress(len(seen), total)
        return np.array([frame[k[: -len(".all_years")]].sum() if k.endswith(".all_years")  # as the headline table
                         else frame.loc[frame.index.max(), k] for k in keys], dtype=float)

    contrib, n = shapley(value, list(groups), exact_up_to=len(groups))
    v0, v1 = value(frozenset()), value(frozenset(groups))
    year = int(explorer.reference_series.index.max())
    rows = [{"group": g, "paths": ", ".join(paths), "indicator": k, "kind": kind,
             "contribution": float(contrib[g][j]), "total": float(v1[j] - v0[j]),
             "reference_value": float(v0[j]), "scenario_value": float(v1[j])}
            for g, paths in groups.items() for j, (k, kind) in enumerate(DRIVER_INDICATORS)]
    return Drivers(table=pd.DataFrame(rows), groups=groups, coalitions=n, year=year,
                   scenario_hash=explorer.scenario.params_hash, reference_hash=explorer.reference_scenario.params_hash)


def drivers_html(d: Drivers, lang: str) -> str:
    """The panel's table: one row per lever group, one column per indicator, and the total effect."""
    import html

    from .i18n import fmt, text

    head = "".join(f"<th style='text-align:right;padding:2px 8px'>{html.escape(text(f'drivers.col.{k}', lang))}</th>"
                   for k, _ in DRIVER_INDICATORS)
    c = d.contributions()
    body = []
    for g in d.groups:
        label = text(f"group.{g}", lang)
        title = html.escape(", ".join(d.groups[g]))
        cells = "".join(f"<td class='contribution' data-indicator='{k}' style='text-align:right;padding:2px 8px'>"
                        f"{fmt(float(c.loc[g, k]), kind, lang, signed=True)}</td>" for k, kind in DRIVER_INDICATORS)
        body.append(f"<tr data-group='{g}'><td style='padding:2px 8px' title='{title}'>{html.escape(label)}</td>{cells}</tr>")
    totals = d.totals()
    cells = "".join(f"<td class='total' style='text-align:right;padding:2px 8px;border-top:1px solid #999'>"
                    f"<b>{fmt(float(totals[k]), kind, lang, signed=True)}</b></td>" for k, kind in DRIVER_INDICATORS)
    body.append(f"<tr data-group='total'><td style='padding:2px 8px;border-top:1px solid #999'>"
                f"<b>{html.escape(text('drivers.total', lang))}</b></td>{cells}</tr>")
    note = html.escape(text("drivers.note", lang, year=d.year, n=len(d.groups), runs=d.coalitions))
    return (f"<table class='explorer-drivers' style='border-collapse:collapse;font-size:92%'><thead><tr>"
            f"<th style='text-align:left;padding:2px 8px'>{html.escape(text('drivers.lever', lang))}</th>{head}"
            f"</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f"<div style='font-size:85%;color:#555'>{note}</div>")
