"""Programmes reach receivers, not averages: the engine against an independent pupil-level calculation.

A small district of two junior-secondary schools (one rural, one mountain;
grades 7–9; poor / non-poor × left-behind / not), with every hazard term that
moves with the state switched off (learning, facilities, boarding) and no
returns, so a pupil's yearly dropout hazard depends only on grade, group,
location and the programmes the pupil receives. The pupil-level calculation
assigns each pupil explicitly to aid (registered-poor: coverage × (1 −
exclusion error); other pupils: coverage, of whom the inclusion error are not
needy and respond as unaided), monitoring and pairing (left-behind pupils),
independently and afresh each year, and gives each pupil the logistic hazard
of its own programmes, with the aid response written in the closed form
max·(1 − exp(−yuan/scale)) (not the engine's code). It is compared with the
engine's dropouts for years 1–3, in expected and stochastic mode, and the old
average-dose hazard is shown to be measurably different.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import simulate as sim
from simulate.inputs.load import district_from_frames
from simulate.model.engine import simulate

PUPILS = 300  # per school, grade and group
GROUPS = {0: (False, False), 1: (True, False), 2: (False, True), 3: (True, True)}  # group → (poor, left-behind)
SCHOOLS = {"R0": "rural", "M0": "mountain"}
YEARS = 3
CHANGES = {
    "dropout.hazard.learning_log_odds_per_sd": 0.0,
    "dropout.hazard.facility_log_odds_per_index_point": 0.0,
    "dropout.hazard.boarding_log_odds": 0.0,
    "dropout.reenrolment.background_return_rate": {"value": 0.0, "uncertainty": None},
    "dropout.reenrolment.coverage": 0.0,
    # the baseline's returners (its steady state) would leave at 3× the hazard: not a receiver question
    "dropout.reenrolment.returner_relative_hazard": {"value": 1.0, "uncertainty": None},
    "dropout.monitoring.coverage": 0.6,
    "dropout.pairing.coverage": 0.5,
    "budget.student_aid.registered_poor.coverage": 0.9,
    "budget.student_aid.registered_poor.targeting_error": {"value": 0.1, "uncertainty": None},
    "budget.student_aid.other_needy.coverage": 0.4,
    "budget.student_aid.other_needy.targeting_error": {"value": 0.25, "uncertainty": None},
}

@pytest.fixture(scope="module")
def district():
    schools = pd.DataFrame({
        "school_id": list(SCHOOLS), "name": ["初中甲", "初中乙"], "name_en": list(SCHOOLS),
        "town": ["镇0", "镇1"], "town_en": ["Town 0", "Town 1"], "level": "junior", "location": list(SCHOOLS.values()),
        "boarding": 1, "boarding_share": 0.5, "teachers": 60, "senior_teachers": 5, "teacher_quality": 0.0,
        "facility_index": 0.6, "feeder_school_id": "",
    })
    enrolment = pd.DataFrame([{"school_id": sid, "grade": g, "poor": int(poor), "left_behind": int(lb), "disabled": 0,
                               "migrant": 0, "enrolled": PUPILS, "out_of_school": 0}
                              for sid in SCHOOLS for g in (7, 8, 9) for poor, lb in GROUPS.values()])
    return district_from_frames("two-junior-schools", schools, enrolment)


@pytest.fixture(scope="module")
def scenario():
    return sim.load_scenario("baseline").with_changes(CHANGES, name="receivers", title="receivers")


def _parameters(scenario):
    v = scenario.value
    a = "dropout.aid_effect."
    trial = v(a + "trial_log_odds")
    ceiling = v(a + "ceiling_over_trial") * trial  # the ceiling M = R·T
    return {
        "junior": v("dropout.hazard.intercept_junior_log_odds"), "slope": v("dropout.hazard.grade_slope_log_odds"),
        "poor": v("dropout.hazard.group_log_odds.poor"), "left_behind": v("dropout.hazard.group_log_odds.left_behind"),
        "location": {loc: v(f"dropout.hazard.location_log_odds.{loc}") for loc in SCHOOLS.values()},
        "ceiling": ceiling, "scale": -v(a + "trial_yuan") / math.log(1 - trial / ceiling),
        "non_poor": v(a + "non_poor_multiplier"),
        "aid": {True: (v("budget.student_aid.registered_poor.coverage")
                       * (1 - v("budget.student_aid.registered_poor.targeting_error")),
                       v("budget.student_aid.registered_poor.yuan_per_pupil")),
                False: (v("budget.student_aid.other_needy.coverage"),  # paid to this share …
                        v("budget.student_aid.other_needy.yuan_per_pupil"))},
        "needy": 1 - v("budget.student_aid.other_needy.targeting_error"),  # … of whom this share is needy
        "monitoring": (v("dropout.monitoring.coverage"), v("dropout.monitoring.hazard_log_odds")),
        "pairing": (v("dropout.pairing.coverage"), v("dropout.pairing.hazard_log_odds")),
    }


def _aid_fall(yuan, poor, q):
    """Fall in log-odds for an aided pupil: ceiling·(1 − exp(−yuan/scale)), times the non-poor share."""
    return q["ceiling"] * (1 - math.exp(-yuan / q["scale"])) * (1.0 if poor else q["non_poor"])


def _pupils(replicas):
    """Every pupil of ``replicas`` copies of the district: (location, grade, poor, left-behind) arrays."""
    cells = [(loc, g, poor, lb) for loc in SCHOOLS.values() for g in (7, 8, 9) for poor, lb in GROUPS.values()]
    n = PUPILS * replicas
    loc, grade, poor, lb = (np.repeat(np.array(col), n) for col in zip(*cells))
    return loc, grade, poor.astype(bool), lb.astype(bool)


def pupil_level_dropouts(q, replicas=40, seed=0):
    """Dropouts per year (poor, non-poor), per copy of the district, from explicitly assigned pupils."""
    rng = np.random.default_rng(seed)
    loc, grade, poor, lb = _pupils(replicas)
    location = np.vectorize(q["location"].get)(loc)
    out = []
    for _ in range(YEARS):
        n = len(grade)
        share_paid = np.where(poor, q["aid"][True][0], q["aid"][False][0])
        paid = rng.random(n) < share_paid
        needy = poor | (rng.random(n) < q["needy"])  # registered-poor pupils are needy by definition
        aided = paid & needy
        yuan = np.where(poor, q["aid"][True][1], q["aid"][False][1])
        fall = np.vectorize(_aid_fall)(yuan, poor, q)
        monitored = rng.random(n) < q["monitoring"][0]
        paired = lb & (rng.random(n) < q["pairing"][0])
        logit = (q["junior"] + q["slope"] * (grade - 7) + q["poor"] * poor + q["left_behind"] * lb + location
                 - aided * fall + q["monitoring"][1] * monitored + q["pairing"][1] * paired)
        left = rng.random(n) < 1 / (1 + np.exp(-logit))
        out.append((left[poor].sum() / replicas, left[~poor].sum() / replicas))
        stay = ~left & (grade < 9)  # survivors move up; grade-9 survivors graduate; no entrants, no returns
        loc, grade, poor, lb, location = loc[stay], grade[stay] + 1, poor[stay], lb[stay], location[stay]
    return np.array(out)


def by_hand_expected_dropouts(q, average_dose=False):
    """Exact expected dropouts per year (poor, non-poor): the receiver mixture per cell, by hand.

    ``average_dose``: the old model instead — the hazard at the average yuan
    and at coverage × effect of monitoring and pairing.
    """
    sig = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    alive = {(loc, g, poor, lb): float(PUPILS) for loc in SCHOOLS.values() for g in (7, 8, 9)
             for poor, lb in GROUPS.values()}
    out = []
    for _ in range(YEARS):
        dropped = {True: 0.0, False: 0.0}
        nxt = {}
        for (loc, g, poor, lb), n in alive.items():
            base = q["junior"] + q["slope"] * (g - 7) + q["poor"] * poor + q["left_behind"] * lb + q["location"][loc]
            share, yuan = q["aid"][poor]
            share = share if poor else share * q["needy"]
            m_share, m_effect = q["monitoring"]
            p_share, p_effect = q["pairing"] if lb else (0.0, 0.0)
            if average_dose:
                fall = 1.46 * math.log1p(share * yuan / 1000.0)  # the old ln form at the mean yuan
                h = sig(base - fall + m_share * m_effect + p_share * p_effect)
            else:
                h = sum(pa * pm * pp * sig(base - a * _aid_fall(yuan, poor, q) + m * m_effect + r * p_effect)
                        for a, pa in ((1, share), (0, 1 - share)) for m, pm in ((1, m_share), (0, 1 - m_share))
                        for r, pp in ((1, p_share), (0, 1 - p_share)))
            dropped[poor] += n * h
            if g < 9:
                nxt[(loc, g + 1, poor, lb)] = n * (1 - h)
        out.append((dropped[True], dropped[False]))
        alive = nxt
    return np.array(out)


def engine_dropouts(district, scenario, mode, draws=1, seed=0):
    """(year, draw, poor/non-poor) dropouts from the engine."""
    poor = np.array([GROUPS[k][0] for k in range(4)] + [False] * 12)
    years = list(simulate(district, scenario, years=YEARS, mode=mode, draws=draws, seed=seed))
    d = np.stack([y.flows.dropouts.sum(axis=(1, 2)) for y in years])  # (year, draw, group)
    return np.stack([d[..., poor].sum(-1), d[..., ~poor].sum(-1)], axis=-1)


def test_expected_engine_equals_the_receiver_mixture_by_hand_for_three_years(district, scenario):
    q = _parameters(scenario)
    engine = engine_dropouts(district, scenario, "expected")[:, 0, :]
    np.testing.assert_allclose(engine, by_hand_expected_dropouts(q), rtol=1e-10)
    # the average-dose model gives measurably different numbers (so this test would catch it)
    old = by_hand_expected_dropouts(q, average_dose=True)
    assert (np.abs(old - engine) / engine > 0.02).any()


def test_engine_matches_pupils_assigned_to_programmes_one_by_one(district, scenario):
    """Year 1 and later years: explicit pupils (40 copies of the district) vs the engine, within 4 SE."""
    q = _parameters(scenario)
    mc = pupil_level_dropouts(q, replicas=40, seed=1)
    engine = engine_dropouts(district, scenario, "expected")[:, 0, :]
    se = np.sqrt(engine / 40)  # Poisson-binomial: variance ≤ mean, per copy of the district
    assert (np.abs(mc - engine) < 4 * se).all(), (mc, engine)


def test_stochastic_engine_has_the_mixture_mean(district, scenario):
    q = _parameters(scenario)
    draws = engine_dropouts(district, scenario, "stochastic", draws=300, seed=4)  # (year, draw, 2)
    expected = by_hand_expected_dropouts(q)
    se = draws.std(axis=1) / np.sqrt(draws.shape[1])
    assert (np.abs(draws.mean(axis=1) - expected) < 4 * se + 1e-9).all(), (draws.mean(axis=1), expected)
    assert (draws == np.rint(draws)).all()
