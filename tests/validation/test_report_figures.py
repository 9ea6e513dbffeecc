"""The baseline's first year reproduces the Banan report's in-scope 2019 figures (within 1%).

Source: Banan district education commission report, 2020 (shared/context/banan-2019.md).
The model covers compulsory education; the report's aid figures cover every
stage, so the in-scope share is 0.6 (9 of 15 aided school years: preschool 3,
compulsory 9, senior secondary 3) — README, "Figures out of scope".
"""

import pytest

import simulate as sim

IN_SCOPE = 0.6
REPORT = {
    "aid_total_yuan": 79_909_900, "aid_total_student_times": 66_000,
    "aid_poor_yuan": 14_136_800, "aid_poor_student_times": 6_952,
    "rural_teacher_subsidy_yuan": 5_348_400, "support_teachers": 20, "post_rotation_teachers": 21,
    "paired_left_behind": 2_251, "training_person_times": 5_000,
}


@pytest.fixture(scope="module")
def first_year():
    return sim.run(None, "baseline", years=1)


def within_1pct(model, report):
    assert model == pytest.approx(report, rel=0.01), f"model {model:,.1f} vs report {report:,.1f}"


def test_schools_and_mountain_share():
    d = sim.load_district()
    assert d.n_schools >= 120
    within_1pct((d.schools["location"] == "mountain").mean(), 2 / 3)


def test_student_aid_total_and_registered_poor(first_year):
    r = first_year
    within_1pct(r.indicator("cost.aid_registered_poor") + r.indicator("cost.aid_other_needy"),
                IN_SCOPE * REPORT["aid_total_yuan"])
    within_1pct(r.indicator("count.aid_student_times"), IN_SCOPE * REPORT["aid_total_student_times"])
    within_1pct(r.indicator("cost.aid_registered_poor"), IN_SCOPE * REPORT["aid_poor_yuan"])
    within_1pct(r.indicator("count.aid_registered_poor_student_times"), IN_SCOPE * REPORT["aid_poor_student_times"])


def test_rural_teacher_subsidies(first_year):
    within_1pct(first_year.indicator("cost.rural_teacher_subsidy"), REPORT["rural_teacher_subsidy_yuan"])


def test_support_and_post_rotation_teachers(first_year):
    within_1pct(first_year.indicator("count.support_teachers"), REPORT["support_teachers"])
    within_1pct(first_year.indicator("count.post_rotation_teachers"), REPORT["post_rotation_teachers"])


def test_paired_left_behind_children_and_training(first_year):
    within_1pct(first_year.indicator("count.paired_left_behind"), REPORT["paired_left_behind"])
    within_1pct(first_year.indicator("count.training_person_times"), REPORT["training_person_times"])


def test_all_disabled_children_aged_6_to_14_enrolled(first_year):
    assert first_year.indicator("disabled_enrolment_rate") == pytest.approx(1.0, abs=0.005)


def test_no_policy_poor_rural_junior_dropout_in_the_evidence_range_and_baseline_clearly_lower():
    """evidence.md: junior dropout 7.0–7.8% overall and 13.3% among poor pupils in a poor county
    (Mo et al. 2013); the counterfactual for poor rural pupils must sit in 7%–14.5%."""
    none = sim.run(None, "no_policy", years=1).indicator("dropout_rate.junior.poor_rural")
    base = sim.run(None, "baseline", years=1).indicator("dropout_rate.junior.poor_rural")
    assert 0.07 <= none <= 0.145, none
    assert base < 0.6 * none, (base, none)
    # and without home-delivered teaching, disabled enrolment falls below 100%
    later = sim.run(None, "no_policy", years=2).indicator("disabled_enrolment_rate", 2020)
    assert later < 0.95
