"""The table of a :class:`~simulate.analysis.comparison.Comparison`: mean, interval, paired difference
and chance of being better per scenario × indicator × year, and the cost-effectiveness rows (``ce.*``).

One number, one meaning: every column but ``chance_lo``/``chance_hi`` is over the parameter draws in
expected mode, whatever the comparison's mode; ``chance_*`` is the binomial chance a stochastic
comparison adds to a difference (NaN in expected mode). Units come from the indicator catalogue.

Cost-effectiveness rows (indicator names ``ce.*``) are cumulative over all simulated years and carry
the final year. They lead with the outcome planners mean, time out of school: child-years of
schooling kept (the reference's cumulative child-years out of school minus the scenario's) and yuan
per child-year kept; then children kept from never returning (children who left and are out at the
end, reference − scenario) and yuan per child; then, secondary, dropouts averted and yuan per dropout
averted (dropout events count a child who returns and leaves again twice, so a lever that brings
children back can look worse by them); then the poor–non-poor learning gap closed (SD) and yuan per
0.1 SD closed. Every ratio, here and in the dashboard, follows one rule, :func:`cost_per_effect`: NaN
("n/a", explained by :data:`CE_NA_RULE`) unless the scenario clearly does better than the reference
on that outcome — at least the smallest unit shown (:data:`CE_MINIMUM`) and, with draws, an interval
above zero.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..model.outcomes import CHILD_YEARS_CUMULATIVE, NEVER_RETURNED, is_better

CHANCE_PREFIX = "chance:"   # samples key of the binomial-chance part (stochastic − expected, same parameter draw)

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


def _quantiles(x: np.ndarray, interval: float):
    """Mean and central interval over draws; NaN (quietly) where every draw is NaN."""
    import warnings

    a = (1 - interval) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: undefined indicator
        return np.nanmean(x, axis=0), np.nanquantile(x, a, axis=0), np.nanquantile(x, 1 - a, axis=0)


def table_of(cmp) -> pd.DataFrame:
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


def _cost_effectiveness(cmp, s: str) -> list[tuple]:
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
