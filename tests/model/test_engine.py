"""The engine: conservation, monotonicity, reproducibility, expected vs stochastic."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import simulate as sim
from simulate.inputs.scaling import ScaleWarning
from simulate.model.engine import cells_of, simulate
from simulate.model.progression import move_up

FAST = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

def years_of(district, scenario, **kw):
    return list(simulate(district, scenario, **kw))


policy_changes = st.fixed_dictionaries({
    "budget.student_aid.registered_poor.yuan_per_pupil": st.floats(0, 6000),
    "budget.student_aid.other_needy.coverage": st.floats(0, 1),
    "budget.capital.yuan_per_year": st.floats(0, 2e8),
    "teachers.support.count": st.integers(0, 200),
    "teachers.post_rotation.count": st.integers(0, 100),
    "dropout.monitoring.coverage": st.floats(0, 1),
    "dropout.reenrolment.coverage": st.floats(0, 1),
    "dropout.pairing.coverage": st.floats(0, 1),
    "dropout.home_teaching.coverage": st.floats(0, 1),
})


@FAST
@given(changes=policy_changes, mode=st.sampled_from(["expected", "stochastic"]), seed=st.integers(0, 10))
def test_pupils_are_conserved_every_year_in_every_cell(district, baseline, changes, mode, seed):
    """enrolled in = enrolled out + dropouts + graduates − returns + entrants, per cell and in total."""
    scenario = baseline.with_changes(changes)
    cells = cells_of(district)
    ys = years_of(district, scenario, years=4, mode=mode, seed=seed)
    first = ys[0].flows
    np.testing.assert_allclose(first.at_risk - first.returns, np.broadcast_to(district.enrolled, first.at_risk.shape))
    for y, nxt in zip(ys, ys[1:]):
        f, g = y.flows, nxt.flows
        start = f.at_risk - f.returns
        next_start = g.at_risk - g.returns
        assert (f.dropouts >= 0).all() and (f.dropouts <= f.at_risk + 1e-9).all()
        carried = move_up(f.at_risk - f.dropouts, cells.stays, cells.feeder, 5)
        carried[:, :, 0, :] = y.entered
        np.testing.assert_allclose(next_start, carried, atol=1e-9)
        assert next_start.sum() == pytest.approx(
            start.sum() + f.returns.sum() - f.dropouts.sum() - f.graduates.sum() + y.entered.sum())
        # the ledger: dropouts in, returns out, carried up a grade; grade-9 children age out
        ledger_start = y.ledger_end - f.dropouts + f.returns
        assert (ledger_start >= -1e-9).all()
        next_ledger_start = nxt.ledger_end - g.dropouts + g.returns
        carried_ledger = move_up(y.ledger_end, cells.stays, cells.feeder, 5)
        np.testing.assert_allclose(next_ledger_start[:, :, 1:], carried_ledger[:, :, 1:], atol=1e-9)
        np.testing.assert_allclose(f.graduates[:, :, :8], 0.0)


@FAST
@given(changes=policy_changes)
def test_money_allocated_equals_money_spent(district, baseline, changes):
    scenario = baseline.with_changes(changes)
    for y in years_of(district, scenario, years=3):
        p = scenario.resolve(y.year)
        capital = y.costs["capital"].sum()
        assert capital <= p.budget.capital.yuan_per_year + 1e-6
        assert y.schools["support_in"].sum() == pytest.approx(p.teachers.support.count)
        assert y.schools["support_out"].sum() == pytest.approx(p.teachers.support.count)
        assert y.schools["training_person_times"].sum() == pytest.approx(p.teachers.training.person_times_per_year)
        aid = p.budget.student_aid
        assert y.costs["aid_registered_poor"].sum() == pytest.approx(
            y.schools["poor_aided"].sum() * aid.registered_poor.yuan_per_pupil)
        assert y.costs["support_teachers"].sum() == pytest.approx(
            p.teachers.support.count * p.teachers.support.allowance_yuan_per_year)


def test_capital_spends_the_whole_budget_when_needs_exceed_it(district, baseline):
    y = years_of(district, baseline, years=1)[0]
    assert y.costs["capital"].sum() == pytest.approx(40_000_000)
    # and stops at total need when the budget is larger than every weak school's need
    with pytest.warns(ScaleWarning, match="budget.capital.yuan_per_year"):  # far above the district's need
        big = years_of(district, baseline.with_changes({"budget.capital.yuan_per_year": 1e10}), years=1)[0]
    assert 0 < big.costs["capital"].sum() < 1e10
    weak = district.facility_index < 0.7
    assert (big.schools["facility_index"][0, weak] == pytest.approx(1.0))


@FAST
@given(low=st.floats(0, 4000), extra=st.floats(1, 4000), cov=st.floats(0, 1))
def test_more_aid_or_monitoring_never_raises_expected_dropout(district, baseline, low, extra, cov):
    def first_year(changes):
        y = years_of(district, baseline.with_changes(changes), years=1)[0]
        return y.flows.dropouts
    aid_path = "budget.student_aid.registered_poor.yuan_per_pupil"
    less, more = first_year({aid_path: low}), first_year({aid_path: low + extra})
    assert (more <= less + 1e-9).all()
    assert more.sum() < less.sum()
    # monitoring's early warning lowers the hazard; with casework off it brings no one back (it only finds
    # cases for the re-enrolment lever), so it never adds dropout events in a cell either
    m, off = "dropout.monitoring.coverage", {"dropout.reenrolment.coverage": 0.0}
    lo_m, hi_m = first_year({m: cov * 0.5, **off}), first_year({m: cov, **off})
    assert (hi_m <= lo_m + 1e-9).all()


@FAST
@given(n=st.integers(0, 150), extra=st.integers(1, 50))
def test_more_support_teachers_never_raise_a_receiving_schools_ptr(district, baseline, n, extra):
    def ptr(count):
        return years_of(district, baseline.with_changes({"teachers.support.count": count}), years=1)[0].schools["ptr"][0]
    receiving = cells_of(district).rural_or_mountain
    a, b = ptr(n), ptr(n + extra)
    assert (b[receiving] <= a[receiving] + 1e-9).all()
    assert b[receiving].sum() < a[receiving].sum()


def test_rotation_moves_teachers_out_of_sending_schools(district, baseline):
    y = years_of(district, baseline.with_changes({"teachers.support.count": 50}), years=1)[0]
    cells = cells_of(district)
    out = y.schools["support_out"][0]
    assert out[cells.urban].sum() == pytest.approx(50) and out[~cells.urban].sum() == 0
    assert (y.schools["teachers"][0][cells.urban] < y.schools["teacher_stock"][0][cells.urban]).all()


def test_out_of_school_children_stay_in_the_ledger_and_return(district, baseline):
    ys = years_of(district, baseline, years=3)
    assert ys[0].ledger_end.sum() > 0
    assert ys[0].flows.returns.sum() > 0  # the ledger starts at the status quo's steady state, not empty
    none = years_of(district, baseline.with_changes({"dropout.reenrolment.coverage": 0.0,
                                                     "dropout.reenrolment.background_return_rate": 0.0}), years=3)
    assert none[0].ledger_end.sum() > 0 and all(y.flows.returns.sum() == 0 for y in none)


def test_same_seed_identical_different_seed_different(district, baseline):
    a = sim.run(district, baseline, seed=5, mode="stochastic").indicators
    b = sim.run(district, baseline, seed=5, mode="stochastic").indicators
    c = sim.run(district, baseline, seed=6, mode="stochastic").indicators
    assert a.equals(b)
    assert not a["value"].equals(c["value"])


def test_expected_mode_is_the_mean_of_stochastic_draws(district, baseline):
    exp = years_of(district, baseline, years=2)[1].flows.dropouts.sum()
    draws = years_of(district, baseline, years=2, mode="stochastic", draws=300, seed=1)[1].flows.dropouts.sum(axis=(1, 2, 3))
    se = draws.std(ddof=1) / np.sqrt(draws.size)
    assert abs(draws.mean() - exp) < 4 * se + 1e-9, (draws.mean(), exp, se)


def test_stochastic_counts_are_whole_pupils(district, baseline):
    y = years_of(district, baseline, years=2, mode="stochastic", seed=2)[1]
    for arr in (y.flows.dropouts, y.flows.returns, y.flows.at_risk):
        np.testing.assert_array_equal(arr, np.rint(arr))


def test_bad_mode_and_years_are_clear_errors(district):
    with pytest.raises(ValueError, match="mode: expected one of expected, stochastic, got 'fast'"):
        sim.run(district, "baseline", mode="fast")
    with pytest.raises(ValueError, match="years: expected an integer from 1 to 50, got 0"):
        sim.run(district, "baseline", years=0)
