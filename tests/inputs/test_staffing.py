"""The staffing norm (simulate.inputs.staffing): hand-checkable numbers for the 2014 rule and its steady state."""

from __future__ import annotations

import numpy as np
import pytest

from simulate.inputs import staffing
from simulate.inputs.scenario import load_scenario

RULE = dict(primary_pupils_per_teacher=19.0, junior_pupils_per_teacher=13.5, class_size=45.0, teachers_per_class=1.3)


def test_classes_per_grade_open_a_class_for_every_45_pupils_started():
    pupils = np.array([0.0, 1.0, 45.0, 46.0, 90.0, 90.0 + 1e-12, 90.5])
    np.testing.assert_array_equal(staffing.classes_per_grade(pupils, 45.0), [0, 1, 1, 2, 2, 2, 3])


def test_a_small_village_school_is_staffed_by_its_classes_a_large_one_by_its_pupils():
    small = np.r_[np.full(6, 10.0), np.zeros(3)]         # 60 pupils in 6 one-class grades
    large = np.r_[np.full(6, 90.0), np.zeros(3)]         # 540 pupils in 12 classes
    junior = np.r_[np.zeros(6), np.full(3, 135.0)]       # 405 junior pupils
    pupils = np.stack([small, small, large, junior, small + junior])
    village = np.array([True, False, True, True, True])
    need = staffing.teachers_needed(pupils, village, **RULE)
    np.testing.assert_allclose(need, [1.3 * 6,            # max(60/19 = 3.16, 7.8)
                                      60 / 19,            # not a village school: the ratio alone
                                      540 / 19,           # max(28.4, 1.3 × 12 = 15.6)
                                      405 / 13.5,         # junior grades: the ratio alone, even in a village
                                      1.3 * 6 + 405 / 13.5])


def test_the_rule_takes_one_value_per_draw():
    pupils = np.broadcast_to(np.r_[np.full(6, 10.0), np.zeros(3)], (2, 1, 9))
    need = staffing.teachers_needed(pupils, np.array([True]), 19.0, 13.5, 45.0,
                                    np.array([1.0, 2.0]).reshape(2, 1))
    np.testing.assert_allclose(need, [[6.0], [12.0]])


def test_steady_state_stock_is_below_the_norm_when_vacancies_stay_open():
    need, a = 100.0, np.array([0.1, 0.1, 0.0, 0.09])
    f = np.array([1.0, 0.5, 0.0, 0.9])
    stock = staffing.steady_state_stock(need, a, f)
    np.testing.assert_allclose(stock, [100.0, 100 * 0.5 / 0.55, 100.0, 100 * 0.9 / (0.09 + 0.9 - 0.081)])
    remaining = stock * (1 - a)  # the engine's year: leavers go, a share f of the gap is filled
    np.testing.assert_allclose(remaining + f * (need - remaining), stock)


def test_attrition_and_fill_rates():
    np.testing.assert_allclose(staffing.attrition_rate(0.09, 0.08, np.array([0.0, 1000.0])),
                               [0.09, 0.09 * np.exp(-0.08)])
    served = np.array([False, True])
    np.testing.assert_allclose(staffing.fill_rate(np.array([0.9, 0.5]), True, 0.8, served), [0.9, 0.8])
    np.testing.assert_allclose(staffing.fill_rate(np.array([0.9, 0.5]), False, 0.8, served), [0.9, 0.5])


def test_baseline_states_the_rule_with_its_sources():
    leaves = load_scenario("baseline").leaves
    for name in ("primary_pupils_per_teacher", "junior_pupils_per_teacher", "class_size_pupils",
                 "village_teachers_per_class", "village_locations"):
        leaf = leaves[f"teachers.staffing_norm.{name}"]
        assert leaf["unit"] and leaf["source"], name
    assert "中央编办发〔2014〕72号" in leaves["teachers.staffing_norm.village_teachers_per_class"]["source"]
    assert "assumption" in leaves["teachers.staffing_norm.village_teachers_per_class"]["source"]
    assert leaves["teachers.staffing_norm.village_locations"]["value"] == ["rural", "mountain"]


@pytest.mark.parametrize("bad", [["village"], "mountain"])
def test_village_locations_must_be_a_list_of_locations(bad):
    from simulate.inputs.scenario import ScenarioError

    with pytest.raises(ScenarioError, match="village_locations"):
        load_scenario("baseline").with_changes({"teachers.staffing_norm.village_locations": bad})
