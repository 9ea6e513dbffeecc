"""Stochastic mode is unbiased: over many draws its mean is the expected mode.

500 draws of the default district's baseline, all 7 years, central parameter
values (``sample_parameters=False``), in chunks of 100 draws as ``compare``
runs them. Every indicator ``compare`` carries (outcomes and the vectorised
resource-equity subset) and the entering cohort are checked every year.
"""

import numpy as np
import pytest
from scipy.stats import norm

import simulate as sim
from simulate.measures.balance import comparison_indicators, context
from simulate.model import progression
from simulate.model.engine import cells_of, simulate
from simulate.model.outcomes import year_indicators

DRAWS, CHUNK, YEARS, SEED = 500, 100, 7, 3
ROUNDING = 1e-9  # relative: sums of the same numbers in another order (BLAS) differ in the last bits
FAMILY_FALSE_ALARM = 0.01  # chance that an unbiased model fails some check of the ~600 (Bonferroni)

# Indicators that are nonlinear functions of the random state through the policy's own rules, so their
# stochastic mean differs from the expected-mode (mean-field) value by a real Jensen gap E f(X) − f(E X),
# not by a sampling bias. Each is held to an absolute tolerance in its own unit, a few times the largest
# gap measured (Banan baseline, 500 draws), small beside what a planner reads, and tight enough to catch a
# bias like the one fixed here (returners to emptied cells at 0 SD moved learning gaps by 0.002–0.004 SD).
MEAN_FIELD = {
    # neediest-first placement of support and post-rotation teachers ranks schools by their (random)
    # pupil–teacher ratio; hiring fills max(need − remaining, 0): measured ≤ 0.03 pupils, ≤ 0.0011 SD
    "ptr.": 0.06,
    "teacher_quality.": 0.002,
    # learning grows with teacher quality and the pupil–teacher ratio: measured ≤ 0.0002 SD
    "learning": 0.001,
    # dispersion across schools of random per-pupil quantities (and the balance test's thresholds on
    # it): noise adds dispersion: measured ≤ 0.0006
    "cv.": 0.0015,
    "balance.": 0.0015,
    # staffing need counts classes, ⌈pupils / 45⌉ per grade, and takes max(pupil ratio, class ratio) in
    # village schools (simulate.inputs.staffing): the teacher stock, hence salaries, the rural-teacher
    # subsidy and spending per pupil, is a kinked function of whole children: measured ≤ 6.7e4 yuan of
    # 6.5e8 in total costs, ≤ 6.3e4 in salaries, ≤ 1.7e3 in the subsidy, ≤ 1.9 yuan per pupil
    "cost.teacher_salaries": 2e5,
    "cost.rural_teacher_subsidy": 5e3,
    "cost.total": 2.5e5,
    "cost.recurrent_base": 2.5e5,  # grant + salaries: the salaries' kink above (measured 5.1e4)
    "spending_per_pupil.": 5.0,
    # weakest-first capital ranks weak schools by facility index and funds them in that order; the
    # marginal school's partial grant raises its index by yuan ÷ (yuan per point × its random pupils), and
    # with maintenance (budget.depreciate) unfunded weak schools keep their index, so near-ties flip between
    # draws and the school funded first jumps to 1: measured ≤ 0.020 (rural, years 6–7; seeds 3–5), ≤ 0.004
    # (mountain), 0 in urban and town schools (no capital)
    "facility_index.": 0.05,
}


def mean_field_tolerance(name):
    return next((tol for prefix, tol in MEAN_FIELD.items() if name.startswith(prefix)), None)


def indicators_by_year(district, scenario, cells, ctx, mode, draws, first_draw=0):
    out = []
    for y in simulate(district, scenario, years=YEARS, seed=SEED, mode=mode, draws=draws, first_draw=first_draw,
                      sample_parameters=False):
        v = {**year_indicators(y, cells), **comparison_indicators(y, ctx)}
        v["entered"] = y.entered.sum(axis=(1, 2))
        v["entered.poor"] = y.entered[..., cells.flags[:, 0]].sum(axis=(1, 2))
        out.append(v)
    return out


@pytest.fixture(scope="module")
def runs():
    district, baseline = sim.load_district(), sim.load_scenario("baseline")
    cells, ctx = cells_of(district), context(district)
    expected = indicators_by_year(district, baseline, cells, ctx, "expected", 1)
    chunks = [indicators_by_year(district, baseline, cells, ctx, "stochastic", CHUNK, d0)
              for d0 in range(0, DRAWS, CHUNK)]
    stochastic = [{k: np.concatenate([c[t][k] for c in chunks]) for k in expected[t]} for t in range(YEARS)]
    return expected, stochastic


def test_every_indicator_every_year_has_the_expected_mean(runs):
    """|mean − expected| ≤ z standard errors of the mean, every indicator, every year; an indicator with
    no spread over the draws must equal the expected value (to rounding).

    z: 3 standard errors per check would flag an unbiased model by chance in most runs — ~600 checks,
    0.27% each, and years of one indicator are correlated, so one lucky excursion shows in several (at
    seed 3 children never returned reached z 3.5 in year 6, with signs changing over seeds 4–6) — so z is
    the Bonferroni bound for a 1% chance of any false alarm over all checks (≈ 4.4). The biases fixed
    here were 18–220 standard errors (entrants, pupils, costs, learning gaps)."""
    expected, stochastic = runs
    assert len(expected) == YEARS and len(expected[0]) > 70
    checks = [(t, name) for t in range(YEARS) for name in expected[t]]
    z = norm.ppf(1 - FAMILY_FALSE_ALARM / (2 * len(checks)))
    assert 4.0 < z < 5.0
    failures = []
    for t, name in checks:
        x, e = stochastic[t][name], float(expected[t][name][0])
        assert x.shape == (DRAWS,)
        if np.isnan(e):
            assert np.isnan(x).all(), (t + 1, name)  # undefined in expectation, undefined in every draw
            continue
        assert np.isfinite(x).all(), (t + 1, name)
        se = x.std(ddof=1) / np.sqrt(DRAWS)
        allowed = z * se + ROUNDING * max(1.0, abs(e)) + (mean_field_tolerance(name) or 0.0)
        if abs(x.mean() - e) > allowed:
            failures.append(f"year {t + 1} {name}: stochastic {x.mean():.6g} vs expected {e:.6g} "
                            f"(SE {se:.2g}, z {(x.mean() - e) / se if se else np.inf:.1f})")
    assert len(checks) > 500
    assert not failures, "\n".join(failures)


def test_entrants_and_outcome_counts_are_random_whole_children(runs):
    """The entering cohort varies between draws (it was rounded the same way in every draw: zero spread,
    +0.2–0.4% above expected mode, +1–4% for poor entrants) and so do dropouts, returns and the ledger."""
    expected, stochastic = runs
    for t in range(YEARS):
        for name in ("entered", "entered.poor", "dropouts", "out_of_school"):
            x = stochastic[t][name]
            assert x.std() > 0, (t + 1, name)
            np.testing.assert_array_equal(x, np.rint(x))
        assert abs(stochastic[t]["entered.poor"].mean() / expected[t]["entered.poor"][0] - 1) < 0.005


def test_whole_children_rounds_at_random_with_the_expected_mean():
    x = np.array([0.0, 0.25, 2.5, 21.78, 7.0])
    np.testing.assert_array_equal(progression.whole_children(x, "expected", None), x)
    draws = progression.whole_children(np.broadcast_to(x, (20_000, x.size)), "stochastic", np.random.default_rng(1))
    np.testing.assert_array_equal(draws, np.rint(draws))
    assert ((draws == np.floor(x)) | (draws == np.floor(x) + 1)).all()
    np.testing.assert_array_equal(draws[:, [0, 4]], np.broadcast_to([0.0, 7.0], (20_000, 2)))  # whole: no noise
    se = np.sqrt(0.25 / 20_000)
    np.testing.assert_allclose(draws.mean(axis=0), x, atol=4 * se)


def test_whole_children_share_their_random_numbers_across_scenarios():
    """Common random numbers: the draw consumes one uniform per cell whatever the numbers are, so a
    scenario with more expected entrants never has fewer children in a cell of the same draw."""
    rng = lambda: np.random.default_rng(7)  # noqa: E731
    few = np.full((50, 40), 3.3)
    more = few + np.linspace(0.0, 0.6, 40)
    a = progression.whole_children(few, "stochastic", rng())
    b = progression.whole_children(more, "stochastic", rng())
    assert (b >= a).all() and (b > a).any()
    np.testing.assert_array_equal(progression.whole_children(few, "stochastic", rng()), a)


def test_an_emptied_cell_keeps_its_cohorts_learning_for_returners():
    """Two grades of one school; the only pupil of grade 1 drops out (ledger 1). Moving up, grade 2 has no
    pupils but one out-of-school child, and keeps the cohort's learning (−0.6), not 0."""
    stays = np.array([[True] + [False] * 7])
    feeder = progression.feeder_matrix(np.array([-1]))
    enrolled = np.zeros((1, 1, 9, 1))
    ledger = np.zeros((1, 1, 9, 1))
    ledger[0, 0, 0, 0] = 1.0
    learning = np.zeros((1, 1, 9, 1))
    learning[0, 0, 0, 0] = -0.6
    _, new_ledger, carried, _, _ = progression.advance(enrolled, ledger, enrolled * learning, stays, feeder,
                                                       learning=learning)
    assert new_ledger[0, 0, 1, 0] == 1.0
    assert carried[0, 0, 1, 0] == pytest.approx(-0.6)
    _, _, without, _, _ = progression.advance(enrolled, ledger, enrolled * learning, stays, feeder)
    assert without[0, 0, 1, 0] == 0.0
    # with pupils the mean of the pupils wins
    enrolled[0, 0, 0, 0] = 2.0
    learning[0, 0, 0, 0] = 0.3
    _, _, mean, _, _ = progression.advance(enrolled, ledger, enrolled * learning, stays, feeder, learning=learning)
    assert mean[0, 0, 1, 0] == pytest.approx(0.3)
