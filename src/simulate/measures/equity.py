"""Exact inequality measures on 1-D arrays (pure numpy).

Every function takes ``values`` and optional ``weights`` (pupil counts; ``None``
means equal weights).  All means are weight-weighted; a weighted call with
integer weights equals the unweighted call on the pupil-level expansion
``np.repeat(values, weights)`` (percentile measures excepted, see below).
Observations with weight 0 are dropped.  Bad input raises ``ValueError`` with
a message naming the problem; no function returns NaN or emits a numpy warning.
With p_i = w_i / sum(w) and mu = sum(p_i x_i):

``coefficient_of_variation``
    sqrt(sum p_i (x_i - mu)^2) / mu (population SD, ddof 0).  With enrolment
    weights this is China's county-level 差异系数 used in the MOE
    《县域义务教育均衡发展督导评估暂行办法》 (2012) and
    《县域义务教育优质均衡发展督导评估办法》 (2017):
    CV = sqrt(sum (P_i/P)(X_i - X)^2) / X.  The circulated worked example
    "县域义务教育校际均衡指标计算方法（以生均图书册数为例）" (five schools,
    enrolment 45/37/89/76/55, books 279/137/935/160/402) gives 0.5153,
    published rounded as 0.52.
``gini``
    Mean-difference Gini ``sum_ij p_i p_j |x_i - x_j| / (2 mu)``, no small-sample
    correction, so Gini([0]*(n-1) + [1]) = (n-1)/n.  Computed in O(n log n)
    from the sorted cumulative form (Lerman & Yitzhaki 1989, *J. Econometrics*
    43; Yitzhaki & Schechtman 2013, *The Gini Methodology*).  Values >= 0.
``theil`` / ``theil_decomposition``
    Theil T = sum p_i (x_i/mu) ln(x_i/mu) (Theil 1967, *Economics and
    Information Theory*), values > 0.  Decomposition (Bourguignon 1979,
    *Econometrica* 47; Shorrocks 1980, *Econometrica* 48): with group
    population shares s_g and means mu_g, between = sum s_g (mu_g/mu)
    ln(mu_g/mu) and within = sum s_g (mu_g/mu) T_g, total = between + within.
``atkinson``
    1 - EDE/mu with EDE = (sum p_i x_i^(1-e))^(1/(1-e)) for e != 1 and the
    geometric mean for e = 1 (Atkinson 1970, *J. Economic Theory* 2); 0 for
    e = 0.  Values >= 0; with e >= 1 any zero value gives EDE = 0, index 1.
``mcloone``, ``verstegen``, ``restricted_range``, ``federal_range_ratio``, ``value_range``, ``group_gap``, ``concentration_index``
    (``value_range`` has the aliases ``range`` / ``range_``.)  Defined and cited in :mod:`simulate.measures.gaps` and re-exported here.
    McLoone and Verstegen use the conventional pupil-level median (``np.median``
    unweighted; weighted, the mean of the two middle pupils when the cumulative
    weight hits exactly half), so ``mcloone([1, 2, 3, 4]) == 0.6`` and
    ``weights=np.ones(n)`` equals ``weights=None``; pupils exactly at the median
    count on neither side.  The percentile measures (restricted range, federal
    range ratio) use numpy's default linear method when unweighted and the
    inverted-CDF weighted percentile (Hyndman & Fan 1996, def. 1) when
    weighted, so for them ``weights=np.ones(n)`` differs from ``weights=None``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from simulate.measures.gaps import (
    GroupGap,
    _as_float_1d,
    _companion,
    _pow2_scale,
    _validate,
    concentration_index,
    federal_range_ratio,
    group_gap,
    mcloone,
    restricted_range,
    value_range,
    verstegen,
)

# "range" is deliberately left out of __all__ so that ``from simulate.measures.equity
# import *`` cannot shadow the builtin in the importer; ``equity.range`` works.
__all__ = [
    "GroupGap",
    "TheilDecomposition",
    "atkinson",
    "coefficient_of_variation",
    "concentration_index",
    "federal_range_ratio",
    "gini",
    "group_gap",
    "mcloone",
    "range_",
    "restricted_range",
    "theil",
    "theil_decomposition",
    "value_range",
    "verstegen",
]

def coefficient_of_variation(values, weights=None) -> float:
    """Population SD (ddof 0) over the mean, both weight-weighted (差异系数)."""
    c = _validate(values, weights)
    x = _pow2_scale(c.x)
    mu = np.dot(c.p, x)
    if mu == 0:
        raise ValueError("mean of values is 0: coefficient of variation is undefined")
    if x.min() == x.max():
        return 0.0
    return float(np.sqrt(np.dot(c.p, (x - mu) ** 2)) / mu)


def gini(values, weights=None) -> float:
    """Mean-difference Gini, O(n log n); values >= 0 with positive mean."""
    c = _validate(values, weights, nonnegative=True, measure="gini")
    order = np.argsort(c.x, kind="stable")
    x, w = _pow2_scale(c.x)[order], c.w[order]
    total = np.dot(w, x)
    if total == 0:
        raise ValueError("mean of values is 0: gini is undefined")
    if x[0] == x[-1]:
        return 0.0
    # sum_ij w_i w_j |x_i - x_j| / 2 = sum_i w_i x_i (C_{i-1} + C_i - W) on sorted
    # data, C the cumulative weight (exact for integer weights: no cumsum drift).
    cum = np.cumsum(w)
    g = np.dot(w * x, 2.0 * cum - w - cum[-1]) / (cum[-1] * total)
    return float(min(max(g, 0.0), 1.0))


# Taylor coefficients of phi(u) = (1+u) ln(1+u) - u = sum_{k>=2} (-1)^k u^k / (k(k-1)).
_PHI_COEFFS = tuple((-1) ** k / (k * (k - 1)) for k in range(2, 22))


def _phi(u: np.ndarray) -> np.ndarray:
    """(1+u) ln(1+u) - u >= 0, accurate also for small |u| (series below 0.1)."""
    out = (1.0 + u) * np.log1p(u) - u
    small = np.abs(u) < 0.1
    if small.any():
        us = u[small]
        acc = np.zeros_like(us)
        for coef in reversed(_PHI_COEFFS):
            acc = acc * us + coef
        out[small] = us * us * acc
    return out


def _theil_core(x: np.ndarray, p: np.ndarray, mu: float) -> float:
    # T = sum p y ln y = sum p [(y ln y - y + 1)] because sum p y = 1; the
    # right-hand terms are >= 0 and insensitive (to first order) to rounding in mu.
    return float(np.dot(p, _phi((x - mu) / mu)))


def theil(values, weights=None) -> float:
    """Theil T index; values must be > 0."""
    c = _validate(values, weights, positive=True, measure="theil")
    x = _pow2_scale(c.x)
    if x.min() == x.max():
        return 0.0
    return _theil_core(x, c.p, np.dot(c.p, x))


class TheilDecomposition(NamedTuple):
    total: float
    between: float
    within: float


def theil_decomposition(values, groups, weights=None) -> TheilDecomposition:
    """Theil T split into between-group and within-group parts.

    ``groups`` holds one label per observation (any sortable labels).
    ``total`` is computed independently of the parts; total == between + within
    up to rounding.
    """
    c = _validate(values, weights, positive=True, measure="theil")
    g = np.asarray(groups)
    if g.ndim != 1:
        raise ValueError(f"groups must be 1-D, got shape {g.shape}")
    if g.size != c.n_input:
        raise ValueError(f"groups has length {g.size} but values has length {c.n_input}")
    if g.dtype.kind == "f":
        _as_float_1d(g, "groups")  # rejects NaN / inf labels
    g = _companion(c, g)
    try:
        _, inv = np.unique(g, return_inverse=True)
    except TypeError as exc:
        raise ValueError(f"groups labels cannot be sorted: {exc}") from None
    x = _pow2_scale(c.x)
    if x.min() == x.max():
        return TheilDecomposition(0.0, 0.0, 0.0)
    mu = np.dot(c.p, x)
    total = _theil_core(x, c.p, mu)
    # Work with deviations d = x - mu so group means are known to within rounding
    # of the *deviations*, not of mu: keeps the identity tight for near-equal data.
    d = x - mu
    share = np.bincount(inv, weights=c.p)
    d_g = np.bincount(inv, weights=c.p * d) / share  # mu_g - mu
    between = float(np.dot(share, _phi(d_g / mu)))
    # within = sum_g s_g (mu_g/mu) T_g, written per observation (no loop over groups)
    mu_g = (mu + d_g)[inv]
    within = float(np.dot(c.p * (mu_g / mu), _phi((d - d_g[inv]) / mu_g)))
    return TheilDecomposition(total, between, within)


def atkinson(values, epsilon, weights=None) -> float:
    """Atkinson index with inequality aversion ``epsilon`` >= 0."""
    try:
        e = float(epsilon)
    except (TypeError, ValueError):
        raise ValueError(f"epsilon must be a number, got {epsilon!r}") from None
    if not math.isfinite(e) or e < 0:
        raise ValueError(f"epsilon must be finite and ≥ 0, got {epsilon!r}")
    c = _validate(values, weights, nonnegative=True, measure="atkinson")
    x, p = _pow2_scale(c.x), c.p
    mu = np.dot(p, x)
    if mu == 0:
        raise ValueError("mean of values is 0: atkinson is undefined")
    if e == 0 or x.min() == x.max():
        return 0.0
    if e >= 1 and x.min() == 0:
        return 1.0  # equally-distributed equivalent is 0
    pos = x > 0  # with e < 1 zero values contribute 0 to sum p x^(1-e)
    logy = np.log(x[pos] / mu)
    if e == 1:
        log_ede = np.dot(p[pos], logy)  # log(geometric mean / mu)
    else:  # log-sum-exp keeps x^(1-e) from overflowing for large e
        a = (1.0 - e) * logy
        amax = a.max()
        log_ede = (amax + np.log(np.dot(p[pos], np.exp(a - amax)))) / (1.0 - e)
    return float(min(max(-np.expm1(log_ede), 0.0), 1.0))


range_ = value_range
# Shadows the builtin ``range`` only inside this module's namespace (so that
# ``simulate.measures.equity.range`` works); nothing below this line may use the builtin.
range = value_range  # noqa: A001
