"""An unchanged baseline starts in equilibrium (issue 9, items 1–2).

Teachers: the synthesiser and the engine staff by one rule (simulate.inputs.staffing), and the district
starts at the stock the baseline's hiring keeps, so teachers move only with pupils or with policy.
Learning: every cell starts at the steady state of the production function at the starting resources,
so a year of growth maps it onto itself; every scenario starts from the status quo's steady state.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import simulate as sim
from simulate.inputs import staffing
from simulate.model import engine, learning, progression
from simulate.model.levers import budget, teachers
from simulate.model.levers.common import LOCATIONS

YEARS = 7


@pytest.fixture(scope="module")
def district():
    return sim.load_district()


@pytest.fixture(scope="module")
def runs(district):
    return {name: sim.run(district, sim.load_scenario(name), years=YEARS, seed=0, mode="expected")
            for name in ("baseline", "no_policy", "weak_school_capital")}


def staffing_share(scenario, district):
    """Per school: the share of the norm that the scenario's attrition and vacancy filling keep staffed."""
    p = scenario.resolve(scenario.start_year)
    loc = district.location_code
    _, subsidy = budget.rural_teacher_subsidy(district.teachers[None], loc, p.budget.rural_teacher_subsidy_yuan_per_teacher)
    rate = teachers.attrition_rate(loc, subsidy, p.teachers)
    fill = teachers.vacancy_fill_rate(loc, p.teachers)
    return staffing.steady_state_stock(1.0, rate, fill)[0]


def by_location(values, district):
    return pd.Series(values, index=district.schools["location"].to_numpy()).groupby(level=0).sum()


def teachers_per_pupil_change(result, district):
    """(teachers per pupil in the last year) ÷ (at the start), by location."""
    last = result.schools[result.schools["year"] == result.schools["year"].max()]
    now = last.groupby("location")["teacher_stock"].sum() / last.groupby("location")["pupils"].sum()
    start = by_location(district.teachers, district) / by_location(district.enrolled.sum(axis=(1, 2)), district)
    return (now / start).reindex(list(LOCATIONS))


# ------------------------------------------------------------------ teachers
def test_the_district_is_staffed_by_the_engines_rule_at_its_steady_state(district):
    baseline = sim.load_scenario("baseline")
    p = baseline.resolve(baseline.start_year)
    need = teachers.staffing_need(district.enrolled.sum(axis=2)[None], district.location_code, p.teachers.staffing_norm)
    expected = np.maximum(np.round(need[0] * staffing_share(baseline, district)), 1)
    np.testing.assert_array_equal(district.teachers, expected)


def test_the_steady_state_stock_is_a_fixed_point_of_a_year_of_turnover():
    need = np.array([[10.0, 50.0, 7.8]])
    rate, fill = np.array([[0.03, 0.09, 0.07]]), np.array([[1.0, 0.5, 0.9]])
    stock = staffing.steady_state_stock(need, rate, fill)
    after, _, leavers, hires = teachers.turnover(stock, np.zeros_like(stock), need, rate, fill, -0.3)
    np.testing.assert_allclose(after, stock)
    np.testing.assert_allclose(hires, leavers)
    assert stock[0, 0] == pytest.approx(10.0) and (stock[0, 1:] < need[0, 1:]).all()


def test_baseline_teachers_follow_pupils_in_every_location(runs, district):
    """Old code: mountain schools lost a quarter of their teachers per pupil in 7 years (2,257 → 1,716)."""
    change = teachers_per_pupil_change(runs["baseline"], district)
    assert (change - 1).abs().max() < 0.02, change.round(4).to_dict()
    stock = runs["baseline"].schools.query("year == year.max()").groupby("location")["teacher_stock"].sum()
    start = by_location(district.teachers, district)
    assert ((stock / start - 1).abs() < 0.06).all(), (stock / start).round(3).to_dict()  # pupils move ≤ 5.5%


def test_no_policy_teachers_settle_at_their_own_steady_state(runs, district):
    """Without the rural-service rule and the subsidy, rural and mountain vacancies stay open longer:
    each location settles at its own steady state (mountain about 7.5% fewer teachers per pupil) and no
    further; urban and town schools keep theirs."""
    share = lambda name: pd.Series(staffing_share(sim.load_scenario(name), district),  # noqa: E731
                                   index=district.schools["location"].to_numpy()).groupby(level=0).mean()
    expected = (share("no_policy") / share("baseline")).reindex(list(LOCATIONS))
    change = teachers_per_pupil_change(runs["no_policy"], district)
    assert ((change / expected - 1).abs() < 0.02).all(), pd.DataFrame({"change": change, "expected": expected})
    assert (expected[["urban", "town"]] > 0.99).all() and 0.9 < expected["mountain"] < 0.95


def test_resource_cvs_are_flat_in_the_baseline(runs):
    """Per-pupil spending and staffing CVs move < 0.01 in 7 years (old code: spending CV 0.18 → 0.07).
    Not tested here: the facility CV (the capital programme for the weakest schools moves it, by
    design) and the teacher-quality CV (hires arrive at the new-teacher quality everywhere, so the stock's
    quality converges to it: a drift of the model, not fixed by this test's change)."""
    ind = runs["baseline"].indicators
    names = [n for n in ind["indicator"].unique()
             if n.startswith(("cv.", "balance.cv.")) and any(r in n for r in ("spending_per_pupil", "ptr", "teachers_per_100"))]
    assert len(names) == 10, names
    wide = ind[ind["indicator"].isin(names)].pivot(index="indicator", columns="year", values="value")
    moved = (wide[wide.columns.max()] - wide[wide.columns.min()]).abs()
    assert (moved < 0.01).all(), moved.round(4).to_dict()


# ------------------------------------------------------------------ learning
def test_the_learning_steady_state_is_a_fixed_point_of_a_year():
    """A primary school feeding a junior school, and a nine-year school: with the same gains every year,
    one year of growth, moving up (primary leavers to their feeder) and a new cohort at the entry level
    give back every cell's learning."""
    rng = np.random.default_rng(1)
    offers = np.array([[True] * 6 + [False] * 3, [False] * 6 + [True] * 3, [True] * 9])
    feeder = progression.feeder_matrix(np.array([1, -1, -1]))
    stays = offers[:, 1:] & offers[:, :-1]
    enrolled = (rng.integers(1, 30, (1, 3, 9, 2)) * offers[None, :, :, None]).astype(float)
    gain = rng.normal(0.0, 0.1, (1, 3, 9, 2))
    entry = rng.normal(0.0, 0.2, (1, 3, 1, 2))
    steady = learning.steady_state(entry, gain, enrolled, stays, feeder, 5)
    moved, _, after, _, _ = progression.advance(enrolled, np.zeros(enrolled.shape), enrolled * (steady + gain),
                                                stays, feeder)
    after[:, :, 0] = entry[:, :, 0]
    live = moved > 0
    np.testing.assert_allclose(after[live], steady[live], atol=1e-12)
    # the junior school's pupils carry their primary years from the feeder
    np.testing.assert_allclose(steady[0, 1, 6], entry[0, 0, 0] + gain[0, 0, :6].sum(axis=0))


def test_a_first_year_of_the_baseline_keeps_every_cells_learning(district):
    """Old code: the start lacked the schools' own value added, so cells moved by up to ~0.1 SD in a year.
    Cells that move up within a school keep their level exactly; the first junior grade mixes feeders
    whose pupils left at different rates, so it moves by a little."""
    s = sim.load_scenario("baseline")
    cells = engine.cells_of(district)
    p = s.resolve(s.start_year)
    before = engine.initial_state(district, cells, p, 1, status_quo=s.status_quo.resolve(s.start_year))
    after, _ = engine.year_step(before, cells, p, s.start_year, 0, "expected", 0, 0)
    live = (before.enrolled > 0) & (after.enrolled > 0)
    live[:, :, 0] = False
    diff = np.abs(after.learning - before.learning)
    arrival = np.zeros(live.shape, bool)
    arrival[:, :, engine.PRIMARY_GRADES] = True
    assert diff[live & ~arrival].max() < 1e-9
    assert diff[live & arrival].max() < 0.005


def test_every_scenario_starts_from_the_status_quo(district):
    """no_policy and a reform start with the baseline's learning; a change to the production function
    (a calibration, a sensitivity run) does change the start."""
    cells = engine.cells_of(district)

    def start(scenario):
        p = scenario.resolve(scenario.start_year)
        return engine.initial_state(district, cells, p, 1, status_quo=scenario.status_quo.resolve(scenario.start_year))

    base = start(sim.load_scenario("baseline"))
    for name in ("no_policy", "weak_school_capital"):
        other = start(sim.load_scenario(name))
        np.testing.assert_array_equal(other.learning, base.learning)
        np.testing.assert_array_equal(other.boost, base.boost)
    steeper = start(sim.load_scenario("baseline").with_changes({"learning.teacher_quality_sd_per_sd": 0.15}))
    assert np.abs(steeper.learning - base.learning).max() > 0.01


def test_more_capital_for_weak_schools_narrows_the_gap(runs):
    """Not trivially flat: a resource lever moves the learning gap."""
    def gap(name):
        ind = runs[name].indicators
        return ind[ind["indicator"] == "learning_gap.urban_rural"].set_index("year")["value"]

    base, more = gap("baseline"), gap("weak_school_capital")
    assert abs(more.iloc[0] - base.iloc[0]) < 0.005    # the same start
    assert base.iloc[-1] - more.iloc[-1] > 0.02        # 80 million yuan a year close it faster


@pytest.mark.xfail(strict=True, reason=(
    "resources drift in the baseline with no policy change: hires arrive at the new-teacher quality "
    "(−0.3 SD) everywhere, so urban teacher quality falls 0.39 → 0.30 and mountain rises −0.21 → −0.16 in "
    "7 years; facilities depreciate 3% a year with no maintenance (urban 0.86 → 0.72); the capital "
    "programme raises mountain facilities. Urban–rural gap 0.67 → 0.60, urban reference 0.05 → 0.00. "
    "Remove the mark when teacher quality and facilities have a steady state too."))
def test_baseline_learning_is_flat_for_seven_years(district, runs):
    ind = runs["baseline"].indicators
    gaps = ind[ind["indicator"].str.startswith("learning_gap")].pivot(index="indicator", columns="year", values="value")
    assert len(gaps) == 3
    assert ((gaps[gaps.columns.max()] - gaps[gaps.columns.min()]).abs() < 0.02).all(), gaps.round(3)
    cells = engine.cells_of(district)
    reference = ~cells.flags.any(axis=1)
    levels = []
    for y in engine.simulate(district, sim.load_scenario("baseline"), years=YEARS):
        w = y.flows.at_risk[:, cells.urban][..., reference]
        levels.append(float((y.learning[:, cells.urban][..., reference] * w).sum() / w.sum()))
    assert abs(levels[-1] - levels[0]) < 0.02, np.round(levels, 3)
