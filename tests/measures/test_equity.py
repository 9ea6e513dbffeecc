"""Tests for simulate.measures.equity: independent references, properties, closed forms, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from inequality.atkinson import atkinson as pysal_atkinson
from inequality.gini import Gini as PysalGini
from inequality.theil import Theil as PysalTheil
from inequality.theil import TheilD as PysalTheilD
from scipy.stats import rankdata

from simulate.measures import equity as eq
from simulate.measures import gaps as equity_gaps

# Any numpy RuntimeWarning (overflow, divide by zero, invalid) fails the test.
pytestmark = pytest.mark.filterwarnings("error")

HYP = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------- strategies
pos_floats = st.floats(min_value=0.01, max_value=1e6, allow_nan=False, allow_infinity=False)
# No subnormal values: the O(n²) reference below divides by W²·μ, which underflows for them
# (the measure under test handles them; the independent check cannot).
nonneg_floats = st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False, allow_subnormal=False)
# pupil-count-like float weights: 0 or at least 1e-3 (no subnormal weights)
float_weights = st.one_of(st.just(0.0), st.floats(1e-3, 50.0))
pos_lists = st.lists(pos_floats, min_size=1, max_size=30)
nonneg_lists = st.lists(nonneg_floats, min_size=1, max_size=30).filter(lambda v: sum(v) > 0)


@st.composite
def weighted_sample(draw, elements=pos_floats, min_size=1, max_size=25):
    """(values, integer weights in 0..6 with at least one positive)."""
    n = draw(st.integers(min_size, max_size))
    values = draw(st.lists(elements, min_size=n, max_size=n))
    weights = draw(st.lists(st.integers(0, 6), min_size=n, max_size=n).filter(any))
    return np.array(values), np.array(weights)


def expand(values, weights):
    return np.repeat(np.asarray(values, float), np.asarray(weights, int))


# ------------------------------------------------------- independent references
def gini_double_sum(x, w=None):
    x = np.asarray(x, float)
    w = np.ones_like(x) if w is None else np.asarray(w, float)
    w = w / w.max()  # keep w_i * w_j away from underflow
    big_w, mu = w.sum(), np.dot(w, x) / w.sum()
    return (w[:, None] * w[None, :] * np.abs(x[:, None] - x[None, :])).sum() / (2 * big_w**2 * mu)


def theil_naive(x, w):
    p = np.asarray(w, float) / np.sum(w)
    y = x / np.dot(p, x)
    return float(np.dot(p, y * np.log(y)))


def icdf_percentile_exact(values, weights, q_percent):
    """Inverted-CDF percentile on the pupil-level expansion, integer arithmetic only:
    the k-th smallest pupil value with k = ceil(q * N / 100)."""
    xs = np.sort(expand(values, weights))
    k = max(1, -(-q_percent * xs.size // 100))
    return xs[k - 1]


def mcloone_verstegen_reference(values, weights=None):
    """McLoone and Verstegen from the definition, on the pupil-level expansion.

    Independent of the module (the ``inequality`` package has neither index):
    expand integer weights to pupils with ``np.repeat``, take ``np.median`` of
    the pupils, and compare the mean of the pupils strictly below (above) it
    with it; 1.0 when nobody is strictly below (above).
    """
    pupils = np.asarray(values, float) if weights is None else expand(values, weights)
    m = np.median(pupils)
    below, above = pupils[pupils < m], pupils[pupils > m]
    mcl = below.mean() / m if below.size else 1.0
    ver = above.mean() / m if above.size else 1.0
    return float(mcl), float(ver)


def concentration_convenient_cov(outcome, rank_var, weights):
    """O'Donnell et al. (2008) convenient-covariance formula on the pupil expansion."""
    y, z = expand(outcome, weights), expand(rank_var, weights)
    r = (rankdata(z, method="average") - 0.5) / z.size
    return 2.0 * np.cov(y, r, bias=True)[0, 1] / y.mean()


# ------------------------------------------------------------ worked example
def test_china_difference_coefficient_worked_example():
    enrolment = np.array([45, 37, 89, 76, 55])
    books = np.array([279, 137, 935, 160, 402])
    cv = eq.coefficient_of_variation(books / enrolment, weights=enrolment)
    assert round(cv, 4) == 0.5153
    assert round(cv, 2) == 0.52  # as published
    assert cv == pytest.approx(0.5152566298844765, rel=1e-12)
    # the county mean per pupil is total books / total pupils (1913 / 302)
    x, share = books / enrolment, enrolment / enrolment.sum()
    assert np.dot(share, x) == pytest.approx(1913 / 302, rel=1e-14)


# ------------------------------------------------------- PySAL, unweighted
RNG = np.random.default_rng(20240601)
SAMPLES = [RNG.lognormal(3, 0.8, 500), RNG.uniform(1, 100, 37), RNG.pareto(2.5, 1000) + 1]


@pytest.mark.parametrize("x", SAMPLES)
def test_gini_matches_pysal(x):
    assert eq.gini(x) == pytest.approx(PysalGini(x).g, rel=1e-12)


@pytest.mark.parametrize("x", SAMPLES)
def test_theil_matches_pysal(x):
    assert eq.theil(x) == pytest.approx(float(PysalTheil(x).T), rel=1e-12)


@pytest.mark.parametrize("x", SAMPLES)
def test_theil_decomposition_matches_pysal(x):
    groups = np.arange(x.size) % 4
    ours = eq.theil_decomposition(x, groups)
    ref = PysalTheilD(x, groups)
    assert ours.total == pytest.approx(float(np.ravel(ref.T)[0]), rel=1e-12)
    assert ours.between == pytest.approx(float(np.ravel(ref.bg)[0]), rel=1e-10)
    assert ours.within == pytest.approx(float(np.ravel(ref.wg)[0]), rel=1e-10)


@pytest.mark.parametrize("x", SAMPLES)
@pytest.mark.parametrize("epsilon", [0, 0.5, 1, 1.5, 2, 5])
def test_atkinson_matches_pysal(x, epsilon):
    assert eq.atkinson(x, epsilon) == pytest.approx(pysal_atkinson(x, epsilon), rel=1e-10, abs=1e-15)


@HYP
@given(pos_lists)
def test_unweighted_measures_match_pysal_property(values):
    x = np.array(values)
    assert eq.gini(x) == pytest.approx(PysalGini(x).g, rel=1e-9, abs=1e-12)
    assert eq.theil(x) == pytest.approx(float(PysalTheil(x).T), rel=1e-9, abs=1e-12)
    assert eq.atkinson(x, 2) == pytest.approx(pysal_atkinson(x, 2), rel=1e-9, abs=1e-12)


@HYP
@given(pos_lists)
def test_cv_matches_numpy_population_sd(values):
    x = np.array(values)
    assert eq.coefficient_of_variation(x) == pytest.approx(np.std(x) / np.mean(x), rel=1e-9, abs=1e-12)


# --------------------------------------- weighted == pupil-level expansion
@HYP
@given(weighted_sample())
def test_weighted_equals_expansion_dispersion(sample):
    x, w = sample
    e = expand(x, w)
    close = dict(rel=1e-9, abs=1e-12)
    assert eq.coefficient_of_variation(x, w) == pytest.approx(eq.coefficient_of_variation(e), **close)
    assert eq.coefficient_of_variation(x, w) == pytest.approx(np.std(e) / np.mean(e), **close)
    assert eq.gini(x, w) == pytest.approx(eq.gini(e), **close)
    assert eq.theil(x, w) == pytest.approx(eq.theil(e), **close)
    for epsilon in (0, 0.5, 1, 2.5):
        assert eq.atkinson(x, epsilon, w) == pytest.approx(eq.atkinson(e, epsilon), **close)


@HYP
@given(weighted_sample())
def test_weighted_equals_expansion_median_and_range(sample):
    x, w = sample
    e = expand(x, w)
    assert eq.mcloone(x, w) == pytest.approx(eq.mcloone(e), rel=1e-12)
    assert eq.verstegen(x, w) == pytest.approx(eq.verstegen(e), rel=1e-12)
    ref_mcloone, ref_verstegen = mcloone_verstegen_reference(x, w)
    assert eq.mcloone(x, w) == pytest.approx(ref_mcloone, rel=1e-12)
    assert eq.verstegen(x, w) == pytest.approx(ref_verstegen, rel=1e-12)
    assert eq.value_range(x, w) == eq.value_range(e) == e.max() - e.min()


@HYP
@given(weighted_sample(), st.data())
def test_weighted_equals_expansion_groups(sample, data):
    x, w = sample
    labels = np.array(data.draw(st.lists(st.sampled_from("abc"), min_size=x.size, max_size=x.size)))
    rank_var = np.array(data.draw(st.lists(st.integers(0, 5), min_size=x.size, max_size=x.size)))
    close = dict(rel=1e-9, abs=1e-12)
    ours = eq.theil_decomposition(x, labels, w)
    ref = eq.theil_decomposition(expand(x, w), np.repeat(labels, w))
    for a, b in zip(ours, ref):
        assert a == pytest.approx(b, **close)
    ci = eq.concentration_index(x, rank_var, w)
    assert ci == pytest.approx(eq.concentration_index(expand(x, w), expand(rank_var, w)), **close)
    assert ci == pytest.approx(concentration_convenient_cov(x, rank_var, w), **close)
    in_group = labels == "a"
    keep_w = w > 0
    if in_group[keep_w].any() and not in_group[keep_w].all():
        gap = eq.group_gap(x, in_group, w)
        ref_gap = eq.group_gap(expand(x, w), np.repeat(in_group, w))
        for a, b in zip(gap, ref_gap):
            assert a == pytest.approx(b, rel=1e-9, abs=1e-12 * max(1.0, np.abs(x).max()))


@HYP
@given(weighted_sample(max_size=40))
def test_weighted_percentiles_equal_pupil_level_inverted_cdf(sample):
    x, w = sample
    p5, p95 = (icdf_percentile_exact(x, w, q) for q in (5, 95))
    assert eq.restricted_range(x, w) == p95 - p5
    assert eq.federal_range_ratio(x, w) == (p95 - p5) / p5
    # the hand-written fallback used on numpy < 2 gives the same answer
    q = np.array([0.05, 0.5, 0.95])
    fallback = equity_gaps._quantile_icdf(x[w > 0], w[w > 0].astype(float), q)
    assert list(fallback) == [icdf_percentile_exact(x, w, k) for k in (5, 50, 95)]


@HYP
@given(st.lists(st.tuples(pos_floats, st.floats(0.001, 100)), min_size=1, max_size=40))
def test_quantile_fallback_matches_numpy_with_float_weights(pairs):
    x, w = map(np.array, zip(*pairs))
    q = np.array([0.05, 0.5, 0.95])
    ours = equity_gaps._quantile_icdf(x, w, q)
    ref = np.quantile(x, q, method="inverted_cdf", weights=w)
    assert np.array_equal(ours, ref)


def test_unweighted_percentiles_use_numpy_default_method():
    x = np.arange(1.0, 21.0)
    p5, p95 = np.percentile(x, [5, 95])
    assert eq.restricted_range(x) == p95 - p5 == pytest.approx(17.1)
    assert eq.federal_range_ratio(x) == pytest.approx((p95 - p5) / p5)
    # weights switch to inverted_cdf, so unit weights differ from weights=None
    assert eq.restricted_range(x, np.ones(20)) == 19.0 - 1.0


def test_zero_weight_observations_are_ignored():
    x = np.array([-5.0, 2.0, 4.0, 0.0])
    w = np.array([0, 3, 1, 0])
    e = expand(x, w)
    assert eq.theil(x, w) == pytest.approx(eq.theil(e), rel=1e-12)
    assert eq.gini(x, w) == pytest.approx(eq.gini(e), rel=1e-12)
    assert eq.value_range(x, w) == 2.0


# ------------------------------------------------------------ hand-checked values
def test_gini_against_double_sum_fixed():
    x = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0])
    w = np.array([2.0, 0.5, 1.0, 3.0, 1.0, 0.25, 4.0, 1.5])
    assert eq.gini(x) == pytest.approx(gini_double_sum(x), rel=1e-13)
    assert eq.gini(x, w) == pytest.approx(gini_double_sum(x, w), rel=1e-13)


@HYP
@given(st.lists(st.tuples(nonneg_floats, float_weights), min_size=1, max_size=30))
def test_gini_against_double_sum_property(pairs):
    x, w = map(np.array, zip(*pairs))
    assume(np.dot(w / w.max(), x) > 0 if w.max() > 0 else False)
    assert eq.gini(x, w) == pytest.approx(gini_double_sum(x, w), rel=1e-9, abs=1e-12)


@HYP
@given(st.lists(st.tuples(pos_floats, st.floats(0.01, 50.0)), min_size=1, max_size=30))
def test_theil_against_naive_formula(pairs):
    x, w = map(np.array, zip(*pairs))
    assert eq.theil(x, w) == pytest.approx(theil_naive(x, w), rel=1e-8, abs=1e-12)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 1000])
def test_gini_single_holder_closed_form(n):
    x = np.zeros(n)
    x[-1] = 1.0
    assert eq.gini(x) == pytest.approx((n - 1) / n, rel=1e-14, abs=0)


def test_small_closed_forms():
    assert eq.coefficient_of_variation([1.0, 3.0]) == pytest.approx(0.5, rel=1e-15)
    assert eq.gini([1.0, 3.0]) == pytest.approx(0.25, rel=1e-15)
    assert eq.theil([1.0, 3.0]) == pytest.approx(0.5 * (0.5 * math.log(0.5) + 1.5 * math.log(1.5)), rel=1e-14)
    # Atkinson e=2: EDE is the harmonic mean 1.5, mean 2
    assert eq.atkinson([1.0, 3.0], 2) == pytest.approx(0.25, rel=1e-14)
    assert eq.value_range([3, 7, -2]) == 9.0
    assert eq.range_ is eq.value_range and eq.range is eq.value_range


@HYP
@given(pos_lists, st.lists(st.floats(0.01, 50.0), min_size=30, max_size=30))
def test_atkinson_epsilon_one_is_one_minus_geometric_over_arithmetic_mean(values, wl):
    x, w = np.array(values), np.array(wl[: len(values)])
    gm = math.exp(np.dot(w, np.log(x)) / w.sum())
    am = np.dot(w, x) / w.sum()
    assert eq.atkinson(x, 1, w) == pytest.approx(1 - gm / am, rel=1e-8, abs=1e-12)
    assert eq.atkinson(x, 0, w) == 0.0


def test_atkinson_zero_value():
    assert eq.atkinson([0.0, 2.0], 1) == 1.0
    assert eq.atkinson([0.0, 2.0], 3) == 1.0
    assert eq.atkinson([0.0, 2.0], 0.5) == pytest.approx(1 - (0.5 * 2**0.5) ** 2 / 1.0)


def test_atkinson_large_epsilon_does_not_overflow():
    a = eq.atkinson([1e-6, 1.0, 2.0], 60)
    assert 0.99 < a <= 1.0


def test_mcloone_verstegen_hand_examples():
    x = [1, 2, 3, 4, 5]  # median 3; the pupil AT the median counts on neither side
    assert eq.mcloone(x) == pytest.approx(1.5 / 3)  # (1 + 2) / 2 / 3, not (1 + 2 + 3) / 3 / 3
    assert eq.verstegen(x) == pytest.approx(4.5 / 3)
    # the conventional median of [1, 2, 3, 4] is 2.5 (not the lower middle value 2)
    assert eq.mcloone([1, 2, 3, 4]) == pytest.approx(0.6)
    assert eq.verstegen([1, 2, 3, 4]) == pytest.approx(3.5 / 2.5)
    assert eq.mcloone([4, 1, 3, 2], np.ones(4)) == pytest.approx(0.6)  # weights of 1 = unweighted
    # weights move the median: 10 pupils at 4 put M = 4 (13 pupils, the 7th)
    assert eq.mcloone([1, 2, 3, 4], [1, 1, 1, 10]) == pytest.approx(2 / 4)
    assert eq.verstegen([1, 2, 3, 4], [1, 1, 1, 10]) == 1.0
    # 6 pupils 1, 2, 3, 4, 4, 4: the two middle pupils are 3 and 4, M = 3.5
    assert eq.mcloone([1, 2, 3, 4], [1, 1, 1, 3]) == pytest.approx(2 / 3.5)
    assert eq.verstegen([1, 2, 3, 4], [1, 1, 1, 3]) == pytest.approx(4 / 3.5)


def test_weighted_median_midpoint_for_non_integer_weights():
    # cumulative weight hits exactly half after the first value: M = (1 + 2) / 2
    assert eq.mcloone([1.0, 2.0, 3.0], [0.5, 0.25, 0.25]) == pytest.approx(1 / 1.5)
    assert eq.verstegen([1.0, 2.0, 3.0], [0.5, 0.25, 0.25]) == pytest.approx(2.5 / 1.5)
    # the same pupils as integer counts (2, 1, 1): pupils 1, 1, 2, 3, median 1.5
    assert eq.mcloone([1.0, 2.0, 3.0], [2, 1, 1]) == pytest.approx(1 / 1.5)
    # just past half: no midpoint, M = 1
    assert eq.mcloone([1.0, 2.0, 3.0], [0.5001, 0.25, 0.25]) == 1.0
    assert eq.verstegen([1.0, 2.0, 3.0], [0.5001, 0.25, 0.25]) == pytest.approx((0.25 * 2 + 0.25 * 3) / 0.5)


@pytest.fixture(scope="module")
def star98_spending():
    """statsmodels' star98: 303 California districts, spending per pupil (PERSPENK,
    thousand dollars) and the pupils tested (NABOVE + NBELOW, integers)."""
    star98 = pytest.importorskip("statsmodels.datasets.star98")
    df = star98.load_pandas().data
    return df["PERSPENK"].to_numpy(float), (df["NABOVE"] + df["NBELOW"]).to_numpy().astype(int)


def test_mcloone_verstegen_match_reference_on_star98_even_count(star98_spending):
    spending, pupils = star98_spending
    x, n = spending[1:], pupils[1:]  # drop one district: 302 (even) districts
    assert x.size % 2 == 0
    # unweighted: an even count, so M is the mean of the two middle districts
    xs = np.sort(x)
    assert xs[150] != xs[151]  # the lower-middle convention would give a different M
    ref_mcloone, ref_verstegen = mcloone_verstegen_reference(x)
    assert eq.mcloone(x) == pytest.approx(ref_mcloone, rel=1e-12)
    assert eq.verstegen(x) == pytest.approx(ref_verstegen, rel=1e-12)
    m = (xs[150] + xs[151]) / 2
    assert eq.mcloone(x) == pytest.approx(xs[xs < m].mean() / m, rel=1e-12)
    assert eq.mcloone(x) != pytest.approx(xs[xs < xs[150]].mean() / xs[150], rel=1e-6)
    # every district weighted by 2: 604 pupils, the two middle pupils are in different
    # districts, so the weighted median is their midpoint
    ref2 = mcloone_verstegen_reference(x, np.full(x.size, 2))
    assert (eq.mcloone(x, np.full(x.size, 2)), eq.verstegen(x, np.full(x.size, 2))) == pytest.approx(ref2, rel=1e-12)
    assert ref2 == pytest.approx((ref_mcloone, ref_verstegen), rel=1e-12)
    # weighted by pupils tested (266,804 pupils: even)
    assert n.sum() % 2 == 0
    ref_w = mcloone_verstegen_reference(x, n)
    assert eq.mcloone(x, n) == pytest.approx(ref_w[0], rel=1e-12)
    assert eq.verstegen(x, n) == pytest.approx(ref_w[1], rel=1e-12)
    # non-integer weights on the same scale (pupils in thousands) give the same median
    assert eq.mcloone(x, n / 1000.0) == pytest.approx(ref_w[0], rel=1e-12)
    assert eq.verstegen(x, n / 1000.0) == pytest.approx(ref_w[1], rel=1e-12)


def test_mcloone_verstegen_nobody_below_or_above_median_is_one():
    assert eq.mcloone([5, 5, 5, 9]) == 1.0
    assert eq.verstegen([1, 5, 5, 5]) == 1.0


def test_group_gap_hand_example():
    gap = eq.group_gap([10.0, 20.0, 30.0, 40.0], [True, True, False, False], weights=[1, 3, 1, 1])
    assert gap.mean_in == pytest.approx(17.5)
    assert gap.mean_out == pytest.approx(35.0)
    assert gap.difference == pytest.approx(-17.5)
    assert gap.ratio == pytest.approx(0.5)
    assert eq.group_gap([1.0, 3.0], [1, 0]) == (-2.0, 1 / 3, 1.0, 3.0)


def test_concentration_index_sign_convention_and_gini_identity():
    income = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    assert eq.concentration_index([5.0, 4.0, 3.0, 2.0, 1.0], income) < 0  # pro-poor
    assert eq.concentration_index([1.0, 2.0, 3.0, 4.0, 5.0], income) > 0  # pro-rich
    assert eq.concentration_index([1.0, 2.0, 3.0, 4.0, 5.0], -income) == pytest.approx(
        -eq.concentration_index([1.0, 2.0, 3.0, 4.0, 5.0], income)
    )


@HYP
@given(weighted_sample(elements=nonneg_floats))
def test_concentration_index_of_outcome_ranked_by_itself_is_gini(sample):
    x, w = sample
    assume(np.dot(x, w) > 0)
    assert eq.concentration_index(x, x, w) == pytest.approx(eq.gini(x, w), rel=1e-9, abs=1e-12)


# ------------------------------------------------------------ properties
DISPERSION = {
    "cv": eq.coefficient_of_variation,
    "gini": eq.gini,
    "theil": eq.theil,
    "atkinson0.5": lambda v, w=None: eq.atkinson(v, 0.5, w),
    "atkinson1": lambda v, w=None: eq.atkinson(v, 1, w),
    "atkinson2": lambda v, w=None: eq.atkinson(v, 2, w),
}
ALL_SCALAR = {
    **DISPERSION,
    "mcloone": eq.mcloone,
    "verstegen": eq.verstegen,
    "restricted_range": eq.restricted_range,
    "federal_range_ratio": eq.federal_range_ratio,
    "range": eq.range,
    "concentration_index": lambda v, w=None: eq.concentration_index(v, np.arange(len(v))[::-1], w),
}


@HYP
@given(weighted_sample(), st.floats(1e-3, 1e3), st.sampled_from(sorted(DISPERSION)))
def test_scale_invariance(sample, c, name):
    x, w = sample
    f = DISPERSION[name]
    assert f(c * x, w) == pytest.approx(f(x, w), rel=1e-9, abs=1e-12)


@HYP
@given(weighted_sample(elements=nonneg_floats))
def test_gini_in_unit_interval(sample):
    x, w = sample
    assume(np.dot(x, w) > 0)
    assert 0.0 <= eq.gini(x, w) < 1.0


@HYP
@given(pos_floats, st.lists(st.integers(1, 9), min_size=1, max_size=20), st.sampled_from(sorted(ALL_SCALAR)))
def test_equal_values_give_perfect_equality(value, weights, name):
    x = np.full(len(weights), value)
    expected = 1.0 if name in ("mcloone", "verstegen") else 0.0
    assert ALL_SCALAR[name](x, weights) == expected
    assert ALL_SCALAR[name](x) == expected


@HYP
@given(st.floats(0.01, 1e6), st.integers(1, 20))
def test_equal_values_theil_decomposition_is_zero(value, n):
    assert eq.theil_decomposition(np.full(n, value), np.arange(n) % 3) == (0.0, 0.0, 0.0)


@HYP
@given(st.lists(st.tuples(pos_floats, st.sampled_from("abcd"), float_weights), min_size=1, max_size=40))
def test_theil_decomposition_identity(rows):
    x, g, w = (np.array(col) for col in zip(*rows))
    assume(w.sum() > 0)
    d = eq.theil_decomposition(x, g, w)
    assert d.total == pytest.approx(eq.theil(x, w), rel=1e-12, abs=0)
    np.testing.assert_allclose(d.between + d.within, d.total, rtol=1e-12, atol=0)
    assert d.between >= 0 and d.within >= 0


@HYP
@given(
    st.floats(0.01, 1e6),
    st.lists(st.tuples(st.integers(0, 1000), st.sampled_from("abc"), st.integers(0, 5)), min_size=1, max_size=40),
)
def test_theil_decomposition_identity_near_equal_values(base, rows):
    """Values equal to ~7 significant digits: T is tiny, the identity must still hold."""
    k, g, w = (np.array(col) for col in zip(*rows))
    assume(w.sum() > 0)
    x = base * (1.0 + k * 1e-10)
    d = eq.theil_decomposition(x, g, w)
    np.testing.assert_allclose(d.between + d.within, d.total, rtol=1e-12, atol=0)


@pytest.mark.parametrize(
    "x",
    [
        [1.0, np.nextafter(1.0, 2.0), 1.0],
        [1.0, 1.0 + 1e-8, 1.0 + 2e-8, 1.0],
        [1.0, 1.0, 1.0, 1.0 + 1e-4],
        np.random.default_rng(3).normal(100.0, 0.01, 1000),
        np.random.default_rng(4).lognormal(0.0, 5.0, 1000),
    ],
)
def test_theil_decomposition_identity_hard_cases(x):
    x = np.asarray(x, float)
    d = eq.theil_decomposition(x, np.arange(x.size) % 2)
    assert d.total == eq.theil(x)
    np.testing.assert_allclose(d.between + d.within, d.total, rtol=1e-12, atol=0)


def test_theil_decomposition_identity_fixed_and_extremes():
    x = SAMPLES[0]
    groups = (x > np.median(x)).astype(int)
    d = eq.theil_decomposition(x, groups)
    np.testing.assert_allclose(d.between + d.within, d.total, rtol=1e-12, atol=0)
    one_group = eq.theil_decomposition(x, np.zeros(x.size))
    assert one_group.between == pytest.approx(0.0, abs=1e-15)
    np.testing.assert_allclose(one_group.within, one_group.total, rtol=1e-12)
    singletons = eq.theil_decomposition(x, np.arange(x.size))
    assert singletons.within == pytest.approx(0.0, abs=1e-15)
    np.testing.assert_allclose(singletons.between, singletons.total, rtol=1e-12)


@HYP
@given(weighted_sample(), st.randoms(use_true_random=False), st.sampled_from(sorted(ALL_SCALAR)))
def test_permutation_invariance(sample, rnd, name):
    x, w = sample
    perm = np.arange(x.size)
    rnd.shuffle(perm)
    if name == "concentration_index":  # the ranking variable is permuted with the data
        z = np.arange(x.size)[::-1]
        expected = eq.concentration_index(x, z, w)
        assert eq.concentration_index(x[perm], z[perm], w[perm]) == pytest.approx(expected, rel=1e-9, abs=1e-12)
    else:
        f = ALL_SCALAR[name]
        assert f(x[perm], w[perm]) == pytest.approx(f(x, w), rel=1e-9, abs=1e-12)


# ------------------------------------------------------------ bad input
ONE_ARG = {
    "coefficient_of_variation": eq.coefficient_of_variation,
    "gini": eq.gini,
    "theil": eq.theil,
    "atkinson": lambda v, w=None: eq.atkinson(v, 0.5, w),
    "mcloone": eq.mcloone,
    "verstegen": eq.verstegen,
    "restricted_range": eq.restricted_range,
    "federal_range_ratio": eq.federal_range_ratio,
    "range": eq.range,
    "theil_decomposition": lambda v, w=None: eq.theil_decomposition(v, np.zeros(np.size(v)), w),
    "group_gap": lambda v, w=None: eq.group_gap(v, np.arange(np.size(v)) % 2 == 0, w),
    "concentration_index": lambda v, w=None: eq.concentration_index(v, np.arange(np.size(v)), w),
}


@pytest.fixture(params=sorted(ONE_ARG))
def measure(request):
    return ONE_ARG[request.param]


def test_empty_values(measure):
    with pytest.raises(ValueError, match=r"^(values|outcome) is empty$"):
        measure([])


def test_nan_position(measure):
    with pytest.raises(ValueError, match=r"contains NaN at position 3$"):
        measure([1.0, 2.0, 3.0, np.nan, 5.0])


def test_infinite_value(measure):
    with pytest.raises(ValueError, match=r"contains an infinite value at position 1$"):
        measure([1.0, np.inf, 3.0])


def test_weights_length(measure):
    with pytest.raises(ValueError, match=r"^weights has length 4 but (values|outcome) has length 5$"):
        measure([1.0, 2.0, 3.0, 4.0, 5.0], [1, 1, 1, 1])


def test_negative_weights(measure):
    with pytest.raises(ValueError, match=r"^weights must be non-negative \(weights\[1\] = -1\)$"):
        measure([1.0, 2.0, 3.0], [1, -1, 1])


def test_all_zero_weights(measure):
    with pytest.raises(ValueError, match=r"^weights must not all be zero$"):
        measure([1.0, 2.0, 3.0], [0, 0, 0])


def test_nan_weights(measure):
    with pytest.raises(ValueError, match=r"^weights contains NaN at position 0$"):
        measure([1.0, 2.0, 3.0], [np.nan, 1, 1])


def test_not_one_dimensional(measure):
    with pytest.raises(ValueError, match=r"must be 1-D, got shape \(2, 2\)"):
        measure([[1.0, 2.0], [3.0, 4.0]])


def test_not_numeric(measure):
    with pytest.raises(ValueError, match=r"must be numeric"):
        measure(["a", "b"])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: eq.theil([1.0, 0.0, 2.0]), r"^theil is undefined for values ≤ 0 \(values\[1\] = 0\)$"),
        (lambda: eq.theil([1.0, -2.0]), r"^theil is undefined for values ≤ 0"),
        (lambda: eq.theil_decomposition([1.0, 0.0], [0, 1]), r"^theil is undefined for values ≤ 0"),
        (lambda: eq.coefficient_of_variation([1.0, -1.0]), r"^mean of values is 0: coefficient of variation is undefined$"),
        (lambda: eq.coefficient_of_variation([0.0, 0.0], [2, 3]), r"^mean of values is 0: coefficient of variation is undefined$"),
        (lambda: eq.gini([0.0, 0.0]), r"^mean of values is 0: gini is undefined$"),
        (lambda: eq.gini([1.0, -1.0, 3.0]), r"^gini is undefined for values < 0 \(values\[1\] = -1\)$"),
        (lambda: eq.atkinson([0.0, 0.0], 2), r"^mean of values is 0: atkinson is undefined$"),
        (lambda: eq.atkinson([1.0, -1.0], 2), r"^atkinson is undefined for values < 0"),
        (lambda: eq.atkinson([1.0, 2.0], -0.5), r"^epsilon must be finite and ≥ 0, got -0.5$"),
        (lambda: eq.atkinson([1.0, 2.0], float("nan")), r"^epsilon must be finite and ≥ 0"),
        (lambda: eq.atkinson([1.0, 2.0], "high"), r"^epsilon must be a number, got 'high'$"),
        (lambda: eq.mcloone([0.0, 0.0, 0.0, 1.0]), r"^median of values is 0: McLoone index is undefined$"),
        (lambda: eq.verstegen([0.0, 0.0, 1.0]), r"^median of values is 0: Verstegen index is undefined$"),
        (lambda: eq.mcloone([1.0, -1.0, 2.0]), r"^McLoone index is undefined for values < 0"),
        (lambda: eq.federal_range_ratio([0.0, 1.0, 2.0], [5, 1, 1]), r"^5th percentile of values is 0: federal range ratio is undefined"),
        (lambda: eq.group_gap([1.0, 2.0], [False, False]), r"^in_group selects no observations with positive weight$"),
        (lambda: eq.group_gap([1.0, 2.0], [True, True]), r"^in_group selects every observation: there is no comparison group$"),
        (lambda: eq.group_gap([1.0, 2.0], [True, False], [1, 0]), r"^in_group selects every observation"),
        (lambda: eq.group_gap([1.0, 0.0], [True, False]), r"^mean of values outside the group is 0: ratio is undefined$"),
        (lambda: eq.group_gap([1.0, 2.0], [True]), r"^in_group has length 1 but values has length 2$"),
        (lambda: eq.group_gap([1.0, 2.0], [2, 0]), r"^in_group must be boolean \(or 0/1\)"),
        (lambda: eq.theil_decomposition([1.0, 2.0], ["a"]), r"^groups has length 1 but values has length 2$"),
        (lambda: eq.theil_decomposition([1.0, 2.0], [0.0, np.nan]), r"^groups contains NaN at position 1$"),
        (lambda: eq.concentration_index([1.0, -1.0], [1, 2]), r"^mean of outcome is 0: concentration index is undefined$"),
        (lambda: eq.concentration_index([1.0, 2.0], [1.0]), r"^poverty_rank_variable has length 1 but outcome has length 2$"),
        (lambda: eq.concentration_index([1.0, 2.0], [1.0, np.nan]), r"^poverty_rank_variable contains NaN at position 1$"),
        (lambda: eq.value_range([-1e308, 1e308]), r"^range overflows float64$"),
        (lambda: eq.group_gap([1e308, 1e-10], [True, False]), r"^ratio of group means overflows float64$"),
    ],
)
def test_specific_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_complex_and_object_inputs():
    with pytest.raises(ValueError, match=r"^values must be numeric, got dtype complex128$"):
        eq.gini(np.array([1 + 1j, 2]))
    with pytest.raises(ValueError, match=r"^values contains NaN at position 1$"):
        eq.gini(np.array([1.0, None], dtype=object))
    assert eq.gini(np.array([1, 3], dtype=object)) == pytest.approx(0.25)


# ------------------------------------------------------------ misc
def test_gini_runs_on_200k_values():
    x = np.random.default_rng(7).lognormal(size=200_000)
    w = np.random.default_rng(8).integers(1, 50, size=200_000)
    assert 0 < eq.gini(x) < 1
    assert 0 < eq.gini(x, w) < 1
    assert eq.concentration_index(x, x) == pytest.approx(eq.gini(x), rel=1e-12)


def test_range_alias_does_not_leak_into_star_imports():
    namespace: dict = {}
    exec("from simulate.measures.equity import *", namespace)
    assert "range" not in namespace
    assert "range_" in namespace and "value_range" in namespace
    assert eq.range([1, 5]) == 4.0


def test_public_functions_exist():
    for name in eq.__all__:
        assert hasattr(eq, name), name
