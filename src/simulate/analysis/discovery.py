"""Scenario discovery: under which conditions does a plan miss its target? (PRIM, ema-workbench)

Robust decision making asks not "what happens on average" but "in which
futures does this plan fail". :func:`discover` samples the uncertain
parameters (:mod:`simulate.analysis.factors`; a Latin hypercube from
``SALib.sample.latin`` on the factors' quantiles, seeded from
``simulate.randomness.stream``), runs the plan on the engine's draw axis
(``ModelEvaluator``: expected mode by default, one ``simulate`` call per chunk),
marks every sampled future where the target is missed, and hands the sample to
``ema_workbench.analysis.prim.Prim`` (the Patient Rule Induction Method,
Friedman & Fisher 1999, as implemented for scenario discovery by Kwakkel).

PRIM peels the parameter space into a *box* — a range for a few parameters —
that holds many of the misses. Each box on the peeling trajectory trades
*coverage* (the share of all misses that fall inside the box) against
*density* (the share of futures inside the box that are misses) and *mass*
(the share of all futures inside it). :func:`prim_boxes` picks, per box, the
step with the largest coverage among those whose density reaches
``density_threshold`` (0.8 by default; the densest step if none does) and
then drops, one at a time (least significant first), every restriction whose
quasi-p-value (Bryant & Lempert 2010: a one-sided binomial test of whether the
restriction gathers more misses than chance) is ≥ ``significance`` (0.05), and
reports the remaining restricted parameters with their ranges, quasi-p-values and
the box's coverage, density and mass.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..inputs.district import District
from ..inputs.load import load_district
from ..inputs.scenario import Scenario, load_scenario
from ..randomness import stream
from .factors import Factor, ModelEvaluator, Target, factors_from, label, problem, source_kind, values_at

DENSITY_THRESHOLD = 0.8
SIGNIFICANCE = 0.05


def _prim_module():
    with warnings.catch_warnings():  # optional back ends (ipyparallel, altair) announce themselves on import
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
    return prim


def _significance(qp: list[float]) -> float:
    """The smaller of a restriction's two quasi-p-values (-1: that side is not restricted)."""
    return min((q for q in qp if q >= 0), default=1.0)


def prim_boxes(x: pd.DataFrame, misses: np.ndarray, density_threshold: float = DENSITY_THRESHOLD,
               max_boxes: int = 1, peel_alpha: float = 0.05, paste_alpha: float = 0.05,
               mass_min: float = 0.05, significance: float = SIGNIFICANCE) -> tuple[pd.DataFrame, pd.DataFrame]:
    """PRIM boxes for the cases ``misses`` (bool) among the futures ``x`` (one float column per parameter).

    Returns (boxes, trajectory). ``boxes``: one row per box and restricted
    parameter — box, coverage, density, mass, n (futures inside), k (misses
    inside), parameter, lower, upper, sample_min, sample_max, qp_lower,
    qp_upper. ``trajectory``: every step of every box's peeling trajectory,
    then the steps that dropped restrictions (box, step, coverage, density,
    mass, res_dim, chosen).
    """
    prim = _prim_module()
    misses = np.asarray(misses, dtype=bool)
    if not misses.any():
        raise ValueError("no sampled future misses the target: nothing to discover")
    x = x.astype(float).reset_index(drop=True)
    with warnings.catch_warnings():  # ema-workbench 2.5 calls DataFrame.drop(inplace=True) (deprecated in pandas 3.1)
        warnings.filterwarnings("ignore", message="The inplace keyword")
        finder = prim.Prim(x, misses.astype(int), threshold=density_threshold, peel_alpha=peel_alpha,
                           paste_alpha=paste_alpha, mass_min=mass_min)
    rows, steps = [], []
    for b in range(max_boxes):
        box = finder.find_box()
        if box is None:
            break
        pt = box.peeling_trajectory.reset_index(drop=True)
        dense = pt[pt.density >= density_threshold]
        pick = int(dense.coverage.idxmax()) if len(dense) else int(pt.density.idxmax())
        while box.qp[pick]:  # drop restrictions no better than chance, least significant first
            worst, p = max(((name, _significance(q)) for name, q in box.qp[pick].items()), key=lambda kv: kv[1])
            if p < significance:
                break
            box.drop_restriction(uncertainty=worst, i=pick)
            pick = len(box.peeling_trajectory) - 1
        pt = box.peeling_trajectory.reset_index(drop=True)
        steps.append(pt.assign(box=b + 1, step=pt.index, chosen=pt.index == pick)
                     [["box", "step", "coverage", "density", "mass", "res_dim", "chosen"]])
        lims, qp = box.box_lims[pick], box.qp[pick]
        stats = pt.loc[pick]
        if not qp:  # the whole space: PRIM found no box that beats the rest (a "dump box")
            break
        for name in qp:
            rows.append({"box": b + 1, "coverage": stats.coverage, "density": stats.density, "mass": stats["mass"],
                         "n": int(stats.n), "k": int(stats.k), "parameter": name,
                         "lower": float(lims.loc[0, name]), "upper": float(lims.loc[1, name]),
                         "sample_min": float(x[name].min()), "sample_max": float(x[name].max()),
                         "qp_lower": float(qp[name][0]), "qp_upper": float(qp[name][1])})
    empty_boxes, empty_trajectory = prim_boxes_empty()
    trajectory = pd.concat(steps, ignore_index=True) if steps else empty_trajectory
    return pd.DataFrame(rows, columns=empty_boxes.columns), trajectory


def prim_boxes_empty() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The (boxes, trajectory) tables of :func:`prim_boxes` with no rows."""
    return (pd.DataFrame(columns=["box", "coverage", "density", "mass", "n", "k", "parameter", "lower", "upper",
                                  "sample_min", "sample_max", "qp_lower", "qp_upper"]),
            pd.DataFrame(columns=["box", "step", "coverage", "density", "mass", "res_dim", "chosen"]))


@dataclass(eq=False)
class Discovery:
    """Result of :func:`discover`: the sample, the boxes, the trajectory and a plain-words summary."""

    target: Target
    threshold: float
    direction: str
    sample: pd.DataFrame       # one row per sampled future: parameter values, value, misses
    boxes: pd.DataFrame
    trajectory: pd.DataFrame
    settings: dict

    @property
    def miss_share(self) -> float:
        return float(self.sample["misses"].mean())

    def summary(self) -> str:
        """One paragraph: how often the plan misses, and the first box in words."""
        sign = "≤" if self.direction == "max" else "≥"
        text = (f"{self.target.name}: the target ({sign} {self.threshold:g}) is missed in {self.miss_share:.0%} of "
                f"{len(self.sample):,} sampled futures.")
        first = self.boxes[self.boxes.box == 1]
        if self.miss_share in (0.0, 1.0):
            return text[:-1] + (": it holds in every sampled future." if self.miss_share == 0 else
                                ": it fails in every sampled future.")
        if first.empty:
            return text + " PRIM finds no range of the parameters that concentrates the misses."
        r = first.iloc[0]
        conds = []
        for c in first.itertuples():
            lo = c.lower > c.sample_min + 1e-12 * max(1.0, abs(c.sample_min))
            hi = c.upper < c.sample_max - 1e-12 * max(1.0, abs(c.sample_max))
            span = (f"between {c.lower:.3g} and {c.upper:.3g}" if lo and hi else
                    f"above {c.lower:.3g}" if lo else f"below {c.upper:.3g}")
            kind = source_kind(self.settings["sources"].get(c.parameter, ""))
            conds.append(f"{label(c.parameter)} ({kind}) is {span}")
        return (text + f" {r.coverage:.0%} of the misses (coverage) happen when " + "; and ".join(conds)
                + f" — futures in which the plan misses {r.density:.0%} of the time (density; "
                f"{r['mass']:.0%} of all futures).")


def discover(district: District | None, plan: Scenario | str, indicator: str, threshold: float, *,
             direction: str = "max", year: int | None = None, cumulative: bool = False, versus: str | None = None,
             factors: list[Factor] | None = None, ranges: dict | None = None,
             assumption_spread: float | None = None, n: int = 1000, years: int = 7, seed: int = 0,
             mode: str = "expected", density_threshold: float = DENSITY_THRESHOLD, max_boxes: int = 1,
             peel_alpha: float = 0.05, mass_min: float = 0.05, chunk: int | None = None,
             progress: bool = False) -> Discovery:
    """Where does ``plan`` miss ``indicator`` {≤ (direction "max") | ≥ ("min")} ``threshold`` in ``year``?

    E.g. ``discover(None, "targeted_aid", "dropout_gap.poor.junior", 1.0, year=2025)``:
    the poor–non-poor junior dropout gap at most 1 pp in 2025. ``versus`` makes
    the target a difference (plan − versus). Factors as in
    :func:`~simulate.analysis.factors.factors_from` on the plan.
    """
    from SALib.sample import latin

    from .batches import default_chunk

    if direction not in ("max", "min"):
        raise ValueError(f"direction must be 'max' (target: at most threshold) or 'min', got {direction!r}")
    if n < 20:
        raise ValueError(f"n must be ≥ 20 sampled futures, got {n}")
    district = load_district() if district is None else district
    plan = load_scenario(plan) if isinstance(plan, str) else plan
    factors = factors or factors_from(plan, ranges=ranges, assumption_spread=assumption_spread)
    target = Target(indicator, scenario=plan.name, versus=versus, year=year, cumulative=cumulative)
    ev = ModelEvaluator(district, [target], factors, years=years, seed=seed, mode=mode,
                        chunk=chunk or default_chunk(district), progress=progress,
                        scenarios={plan.name: plan})
    u = latin.sample(problem(factors), n, seed=stream(seed, "discovery", "latin"))
    y = ev(u)[:, 0]
    x = pd.DataFrame(values_at(factors, u), columns=[f.path for f in factors])
    misses = (y > threshold) if direction == "max" else (y < threshold)
    misses &= np.isfinite(y)
    if misses.any() and not misses.all():
        boxes, trajectory = prim_boxes(x, misses, density_threshold, max_boxes, peel_alpha=peel_alpha,
                                       mass_min=mass_min)
    else:  # never or always missed: no box to find (the summary says which)
        boxes, trajectory = prim_boxes_empty()
    settings = {"plan": plan.name, "indicator": indicator, "year": year, "cumulative": cumulative,
                "versus": versus, "n": n, "years": years, "seed": seed, "mode": mode,
                "density_threshold": density_threshold, "runs": ev.runs,
                "sources": {f.path: f.source for f in factors}}
    return Discovery(target=target, threshold=threshold, direction=direction,
                     sample=x.assign(value=y, misses=misses), boxes=boxes, trajectory=trajectory, settings=settings)
