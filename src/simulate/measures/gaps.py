"""Median-, percentile- and group-based equity measures, plus shared input checks.

This module is the second half of :mod:`simulate.measures.equity` (which re-exports
everything public from here); import from :mod:`simulate.measures.equity`.  The shared
validator :func:`_validate` lives here so that the dependency runs one way
only (``equity`` imports ``gaps``, never the reverse).

Conventions shared by every measure
-----------------------------------
* ``weights`` are pupil counts (any non-negative reals); ``None`` means equal
  weights.  A weighted call with integer weights equals the unweighted call on
  the pupil-level expansion ``np.repeat(values, weights)``, except for the two
  percentile measures (see below).
* Observations with weight 0 are dropped before anything else is computed
  (they are absent from the pupil-level expansion).  Sign checks such as
  "values must be > 0" therefore apply only to positive-weight entries.
* Bad input raises :class:`ValueError` naming the problem; no NaN is returned.

Measures defined here
---------------------
McLoone index (McLoone 1965; Odden & Picus, *School Finance: A Policy
Perspective*): with M the pupil-level median,
``sum_{x<M} w x / (M * sum_{x<M} w)``: spending on pupils below the median as a
share of what raising all of them to the median would cost.  In [0, 1], 1 = equal.

Verstegen index (Verstegen 1996, *J. Education Finance* 22(2)): the mirror
image above the median, ``sum_{x>M} w x / (M * sum_{x>M} w)``; >= 1, 1 = equal.

Here M is the conventional median of the pupils (so the median of
[1, 2, 3, 4] is 2.5 and ``mcloone([1, 2, 3, 4]) = 1.5 / 2.5 = 0.6``):

* unweighted: ``np.median(values)`` (the mean of the two middle values when
  the count is even);
* weighted: sort the positive-weight values, accumulate their weights in that
  order (float64 cumulative sums C_1 <= ... <= C_n, total W = C_n) and take
  the first value x_k with C_k > W/2; if the cumulative weight hits exactly
  half at the entry before it (C_{k-1} = W/2, tested as ``2 * C_{k-1} == W``)
  M is the midpoint ``(x_{k-1} + x_k) / 2``.  For integer weights (pupil
  counts) this is exactly ``np.median(np.repeat(values, weights))``: the
  middle pupil when the number of pupils is odd, the mean of the two middle
  pupils when it is even.  For non-integer weights it is the same rule on the
  weight scale (the midpoint is taken only when the weight below is exactly
  half the total), so ``weights=np.ones(n)`` gives the unweighted result.

Pupils exactly at the median are counted on neither side (comparisons with M
are strict, as in the formulas above).  This follows the standard definition
-- the actual spending on pupils *below* the median divided by what it would
be if they were all at the median -- and not the variant of some texts that
includes pupils at the median (each of whom adds a ratio of exactly 1 and so
pulls the index towards 1 by however many pupils happen to tie with M).  The
two conventions agree whenever nobody sits exactly at M (e.g. an even number
of distinct values, where M is a midpoint).  If no pupil lies strictly below
(above) M -- e.g. more than half the pupils share the lowest value -- the index
is 1.0 (nobody is below the median, so nothing needs levelling up).

Restricted range ``P95 - P5`` and federal range ratio ``(P95 - P5) / P5``
(Berne & Stiefel 1984, *The Measurement of Equity in School Finance*; the ratio
is the disparity standard of the U.S. Impact Aid equalisation test,
34 CFR 222.162).  Unweighted calls use numpy's default (linear) percentile;
weighted calls use the inverted-CDF weighted percentile (pupil-level, as the
federal test prescribes).  Note that ``weights=np.ones(n)`` therefore does not
give the same result as ``weights=None``.

Range ``max - min`` over positive-weight observations.

Group gap: weighted mean of the group minus (and divided by) the weighted mean
of everybody else.

Concentration index (Kakwani, Wagstaff & van Doorslaer 1997, *J. Econometrics*
77; O'Donnell et al. 2008, *Analyzing Health Equity Using Household Survey
Data*, World Bank, ch. 8): ``C = 2 cov_w(y, R) / mean_w(y)`` with R the weighted
fractional rank of the ranking variable, ranked from poorest (R near 0) to
richest (R near 1); tied ranking values share the mid-point rank of their
block.  C < 0: the outcome is concentrated among the poor; C > 0: among the
rich; C = 0: no association with rank.  Ranking y by itself gives the Gini.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = [
    "GroupGap",
    "concentration_index",
    "federal_range_ratio",
    "group_gap",
    "mcloone",
    "restricted_range",
    "value_range",
    "verstegen",
]

# np.percentile gained ``weights=`` (inverted_cdf only) in numpy 2.0.
_NUMPY_WEIGHTED_PERCENTILE = int(np.__version__.split(".")[0]) >= 2


class _Checked(NamedTuple):
    x: np.ndarray  # float64 values with positive weight
    w: np.ndarray  # their weights times a power of two, max in [0.5, 1) (ones if None)
    p: np.ndarray  # the same weights normalised to sum to 1
    keep: np.ndarray | None  # mask of kept positions (None: all kept)
    n_input: int  # length of the original input
    weighted: bool  # whether weights were given


def _as_float_1d(a, name: str, length: int | None = None, ref: str = "values") -> np.ndarray:
    """Convert to a finite 1-D float64 array or raise ValueError naming ``name``."""
    arr = np.asarray(a)
    if arr.dtype.kind == "O":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must be numeric: {exc}") from None
    elif arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if length is not None and arr.size != length:
        raise ValueError(f"{name} has length {arr.size} but {ref} has length {length}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        what = "NaN" if np.isnan(arr[i]) else "an infinite value"
        raise ValueError(f"{name} contains {what} at position {i}")
    return arr


def _validate(
    values,
    weights=None,
    positive: bool = False,
    *,
    nonnegative: bool = False,
    measure: str = "this measure",
    name: str = "values",
) -> _Checked:
    """Shared input check for every measure in ``simulate.measures.equity``.

    Converts to float64, checks 1-D / non-empty / finite / equal lengths,
    weights >= 0 and not all zero, drops zero-weight observations, and (on the
    rest) enforces ``values > 0`` if ``positive`` or ``values >= 0`` if
    ``nonnegative``.  ``measure`` and ``name`` only feed error messages.
    """
    x = _as_float_1d(values, name)
    n = x.size
    if weights is None:
        w, keep = np.ones(n), None
    else:
        w = _as_float_1d(weights, "weights", length=n, ref=name)
        if (w < 0).any():
            i = int(np.flatnonzero(w < 0)[0])
            raise ValueError(f"weights must be non-negative (weights[{i}] = {w[i]:g})")
        if not (w > 0).any():
            raise ValueError("weights must not all be zero")
        # exact power-of-two rescaling (max weight in [0.5, 1)); a positive weight
        # below ~1e-308 of the largest underflows to 0 and is dropped like a 0.
        w = _pow2_scale(w)
        keep = w > 0
        if keep.all():
            keep = None
    live = np.ones(n, bool) if keep is None else keep
    if positive and ((x <= 0) & live).any():
        i = int(np.flatnonzero((x <= 0) & live)[0])
        raise ValueError(f"{measure} is undefined for {name} ≤ 0 ({name}[{i}] = {x[i]:g})")
    if nonnegative and ((x < 0) & live).any():
        i = int(np.flatnonzero((x < 0) & live)[0])
        raise ValueError(f"{measure} is undefined for {name} < 0 ({name}[{i}] = {x[i]:g})")
    if keep is not None:
        x, w = x[keep], w[keep]
    return _Checked(x, w, w / w.sum(), keep, n, weights is not None)


def _companion(c: _Checked, arr: np.ndarray) -> np.ndarray:
    """Apply the zero-weight filter of ``c`` to a parallel array."""
    return arr if c.keep is None else arr[c.keep]


def _pow2_scale(x: np.ndarray) -> np.ndarray:
    """Divide by a power of two (exact) so max|x| is in [0.5, 1): no overflow later."""
    m = np.max(np.abs(x))
    if m == 0:
        return x
    return np.ldexp(x, -int(np.frexp(m)[1]))


def _quantile_icdf(x: np.ndarray, w: np.ndarray, q):
    """Inverted-CDF weighted quantile: smallest x with cumulative weight share >= q.

    Same arithmetic as numpy>=2's ``np.quantile(x, q, method="inverted_cdf",
    weights=w)``; used as the fallback on older numpy (percentile measures).
    """
    order = np.argsort(x, kind="stable")
    cdf = np.cumsum(w[order], dtype=np.float64)
    cdf /= cdf[-1]
    idx = np.minimum(np.searchsorted(cdf, q, side="left"), x.size - 1)
    return x[order][idx]


def _p5_p95(c: _Checked) -> tuple[float, float]:
    q = np.array([5.0, 95.0])
    if not c.weighted:
        lo, hi = np.percentile(c.x, q)
    elif _NUMPY_WEIGHTED_PERCENTILE:
        lo, hi = np.percentile(c.x, q, method="inverted_cdf", weights=c.w)
    else:  # pragma: no cover - exercised directly in the tests
        lo, hi = _quantile_icdf(c.x, c.w, q / 100.0)
    return float(lo), float(hi)


def _difference(hi: float, lo: float, what: str) -> float:
    with np.errstate(over="ignore"):
        d = np.float64(hi) - np.float64(lo)
    if not np.isfinite(d):
        raise ValueError(f"{what} overflows float64")
    return float(d)


def _pupil_median(x: np.ndarray, w: np.ndarray, weighted: bool) -> float:
    """The pupil-level median defined in the module docstring.

    Unweighted: ``np.median``.  Weighted: the first sorted value whose
    cumulative weight exceeds half the total, or the midpoint of it and the
    value before when the cumulative weight up to that one is exactly half.
    """
    if not weighted:
        return float(np.median(x))
    order = np.argsort(x, kind="stable")
    xs = x[order]
    cum = np.cumsum(w[order], dtype=np.float64)
    total = cum[-1]
    k = int(np.searchsorted(2.0 * cum, total, side="right"))  # first k with 2 C_k > W
    if k > 0 and 2.0 * cum[k - 1] == total:
        return float((xs[k - 1] + xs[k]) / 2.0)
    return float(xs[k])


def _median_split(values, weights, measure: str):
    c = _validate(values, weights, nonnegative=True, measure=measure)
    # The indices are scale invariant: work on values divided by a power of two
    # (exact) so that the midpoint of two huge values cannot overflow.
    x = _pow2_scale(c.x)
    m = _pupil_median(x, c.w, c.weighted)
    if m == 0:
        raise ValueError(f"median of values is 0: {measure} is undefined")
    return c, x, m


def _side_ratio(c: _Checked, x: np.ndarray, m: float, side: np.ndarray) -> float:
    if not side.any():
        return 1.0  # nobody strictly below/above the median: documented convention
    mean_side = np.dot(c.p[side], x[side]) / c.p[side].sum()
    return float(mean_side / m)


def mcloone(values, weights=None) -> float:
    """McLoone index: mean of pupils strictly below the median, over the median.

    ``sum_{x<M} w x / (M * sum_{x<M} w)`` with M the pupil-level median
    (``np.median`` unweighted; the weighted rule of the module docstring,
    which averages the two middle pupils when the cumulative weight hits
    exactly half), so ``mcloone([1, 2, 3, 4]) == 0.6``.  Pupils exactly at M
    are excluded (the standard "below the median" definition).  1.0 when no
    pupil is strictly below the median.  Values must be >= 0 and M > 0.
    """
    c, x, m = _median_split(values, weights, "McLoone index")
    return _side_ratio(c, x, m, x < m)


def verstegen(values, weights=None) -> float:
    """Verstegen index: mean of pupils strictly above the median, over the median.

    ``sum_{x>M} w x / (M * sum_{x>M} w)``, the mirror image of :func:`mcloone`
    with the same median M and the same exclusion of pupils exactly at M, so
    ``verstegen([1, 2, 3, 4]) == 3.5 / 2.5``.  1.0 when no pupil is strictly
    above the median.  Values must be >= 0 and M > 0.
    """
    c, x, m = _median_split(values, weights, "Verstegen index")
    return _side_ratio(c, x, m, x > m)


def restricted_range(values, weights=None) -> float:
    """P95 - P5 (linear percentiles unweighted, inverted-CDF when weighted)."""
    lo, hi = _p5_p95(_validate(values, weights))
    return _difference(hi, lo, "restricted range")


def federal_range_ratio(values, weights=None) -> float:
    """(P95 - P5) / P5, the federal range ratio; requires P5 > 0."""
    lo, hi = _p5_p95(_validate(values, weights))
    if lo <= 0:
        raise ValueError(
            f"5th percentile of values is {lo:g}: federal range ratio is undefined (needs P5 > 0)"
        )
    return _difference(hi, lo, "federal range ratio") / lo


def value_range(values, weights=None) -> float:
    """max - min over observations with positive weight (weights only filter)."""
    c = _validate(values, weights)
    return _difference(c.x.max(), c.x.min(), "range")


class GroupGap(NamedTuple):
    difference: float  # mean_in - mean_out
    ratio: float  # mean_in / mean_out
    mean_in: float
    mean_out: float


def _as_bool_1d(a, name: str, length: int) -> np.ndarray:
    arr = np.asarray(a)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.size != length:
        raise ValueError(f"{name} has length {arr.size} but values has length {length}")
    if arr.dtype.kind == "b":
        return arr
    if arr.dtype.kind in "iuf" and np.isin(arr, (0, 1)).all():
        return arr.astype(bool)
    raise ValueError(f"{name} must be boolean (or 0/1), got dtype {arr.dtype}")


def group_gap(values, in_group, weights=None) -> GroupGap:
    """Weighted mean of ``values`` inside ``in_group`` versus everybody else.

    Returns ``GroupGap(difference, ratio, mean_in, mean_out)`` with
    ``difference = mean_in - mean_out`` and ``ratio = mean_in / mean_out``.
    """
    c = _validate(values, weights)
    g = _companion(c, _as_bool_1d(in_group, "in_group", c.n_input))
    if not g.any():
        raise ValueError("in_group selects no observations with positive weight")
    if g.all():
        raise ValueError("in_group selects every observation: there is no comparison group")
    mean_in = float(np.dot(c.w[g], c.x[g]) / c.w[g].sum())
    mean_out = float(np.dot(c.w[~g], c.x[~g]) / c.w[~g].sum())
    if mean_out == 0:
        raise ValueError("mean of values outside the group is 0: ratio is undefined")
    ratio = mean_in / mean_out
    if not np.isfinite(ratio):
        raise ValueError("ratio of group means overflows float64")
    return GroupGap(_difference(mean_in, mean_out, "group difference"), ratio, mean_in, mean_out)


def _centred_rank(z: np.ndarray, w: np.ndarray) -> np.ndarray:
    """2R - 1 for the weighted fractional rank R = (weight ranked below + half the
    own tie block's weight) / total weight; tied ``z`` share one mid-point rank.
    Computed as (below + below_and_own - total) / total from cumulative weights,
    which is exact for integer weights."""
    order = np.argsort(z, kind="stable")
    zs = z[order]
    cum = np.cumsum(w[order])
    new_block = np.r_[True, zs[1:] != zs[:-1]]
    upper = cum[np.r_[np.flatnonzero(new_block)[1:], zs.size] - 1]
    lower = np.r_[0.0, upper[:-1]]
    centred = np.empty_like(z)
    centred[order] = ((lower + upper - cum[-1]) / cum[-1])[np.cumsum(new_block) - 1]
    return centred


def concentration_index(outcome, poverty_rank_variable, weights=None) -> float:
    """Concentration index of ``outcome`` ranked by ``poverty_rank_variable``.

    ``C = 2 cov_w(outcome, R) / mean_w(outcome)``, R the weighted fractional
    rank from poorest (low ranking value) to richest.  Negative: the outcome is
    concentrated among the poor.  In [-1, 1] for non-negative outcomes.
    """
    c = _validate(outcome, weights, name="outcome")
    z = _companion(c, _as_float_1d(poverty_rank_variable, "poverty_rank_variable", c.n_input, "outcome"))
    y = _pow2_scale(c.x)  # C is scale invariant; avoids overflow in the products
    mu = np.dot(c.p, y)
    if mu == 0:
        raise ValueError("mean of outcome is 0: concentration index is undefined")
    if y.min() == y.max():
        return 0.0
    # mean_w(R) = 1/2 exactly, so 2 cov_w(y, R) = sum p y (2R - 1).
    return float(np.dot(c.p * y, _centred_rank(z, c.w)) / mu)
