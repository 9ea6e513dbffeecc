"""Scenario files: loading, inheritance, provenance, and one clear error per mistake."""

from pathlib import Path

import numpy as np
import pytest
import yaml

import simulate as sim
from simulate.inputs.scenario import ScenarioError, load_scenario, params_dir
from simulate.inputs.schema import field_bounds, leaf_paths

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "scenarios"


@pytest.mark.parametrize("name", sim.available_scenarios())
def test_every_shipped_scenario_loads_with_title_and_description(name):
    s = load_scenario(name)
    assert s.title and s.description
    assert set(s.leaves) == set(leaf_paths())


def test_every_baseline_leaf_has_value_unit_and_source():
    s = load_scenario("baseline")
    for path, leaf in s.leaves.items():
        assert leaf["unit"], path
        assert leaf["source"], path


def test_sources_name_report_study_rule_or_assumption():
    text = (params_dir() / "baseline.yaml").read_text(encoding="utf-8")
    doc = load_scenario("baseline")
    allowed = ("Banan report", "assumption", "calibrated", "Mo et al", "Yi et al", "Lu et al", "World Bank",
               "Rivkin", "Krueger", "Zhang", "Wang et al", "Behrman", "国发", "中央编办", "MoE", "Chongqing",
               "Banan district", "used only with", "State Council", "GB 50099", "Veenman", "Loyalka", "Duflo",
               "Berliner", "Hill, Bloom")
    for path, leaf in doc.leaves.items():
        assert any(a in leaf["source"] for a in allowed), f"{path}: source {leaf['source']!r} names no source"
    assert "Banan district education commission report, 2020" in text


def test_scenario_changes_apply_and_inherit():
    base = load_scenario("baseline")
    child = load_scenario(FIXTURES / "valid_child.yaml")
    assert child.value("teachers.support.count") == 60          # from more_rotation
    assert child.value("dropout.monitoring.coverage") == 1.0    # its own change
    assert child.value("budget.capital.yuan_per_year") == base.value("budget.capital.yuan_per_year")
    assert "scenario valid_child" in child.leaves["dropout.monitoring.coverage"]["source"]


def test_values_by_year_step():
    s = load_scenario("baseline")
    assert s.value("budget.capital.yuan_per_year", 2019) == 40_000_000
    assert s.value("budget.capital.yuan_per_year", 2022) == 25_000_000
    assert s.value("budget.capital.yuan_per_year", 2030) == 15_000_000
    # a scenario that sets a plain value replaces the schedule
    assert load_scenario("weak_school_capital").value("budget.capital.yuan_per_year", 2025) == 80_000_000


@pytest.mark.parametrize("fixture, message", [
    ("unknown_path", "unknown_path.yaml: changes.teachers.suport.count: no such parameter (did you mean 'teachers.support.count'?)"),
    ("negative_count", "negative_count.yaml: changes.teachers.support.count: expected a value ≥ 0, got -3"),
    ("wrong_type", "wrong_type.yaml: changes.dropout.monitoring.coverage: expected a valid number"),
    ("out_of_range", "out_of_range.yaml: changes.dropout.pairing.coverage: expected a value ≤ 1, got 1.5"),
    ("shares_not_one", "shares_not_one.yaml: changes.teachers.training.share_by_location: shares must sum to 1, got 1.25"),
    ("unknown_key", "unknown_key.yaml: chnages: unknown key"),
    ("cycle_a", "cycle_a.yaml: extends: cycle in extends (cycle_a → cycle_b → cycle_a)"),
    ("bad_choice", "bad_choice.yaml: changes.teachers.support.allocation: expected 'neediest_first', 'proportional' or 'named', got 'randomly'"),
    ("unknown_leaf_key", "unknown_leaf_key.yaml: changes.teachers.support.count: unknown leaf key(s) ['sauce']"),
    ("not_yaml", "not_yaml.yaml: not valid YAML"),
])
def test_invalid_fixture_gives_one_clear_message(fixture, message):
    with pytest.raises(ScenarioError) as info:
        load_scenario(FIXTURES / f"{fixture}.yaml")
    text = str(info.value)
    assert message in text
    assert "Traceback" not in text
    assert len(text.splitlines()) == 1 or fixture == "not_yaml"  # one problem, one line


def test_unknown_scenario_name_suggests_the_closest():
    with pytest.raises(ScenarioError, match="no scenario named 'no_polcy' \\(did you mean 'no_policy'\\?\\)"):
        load_scenario("no_polcy")


def test_baseline_tree_errors_name_the_file_and_path(tmp_path):
    doc = yaml.safe_load((params_dir() / "baseline.yaml").read_text(encoding="utf-8"))
    doc["teachers"]["support"]["count"]["value"] = -1
    del doc["dropout"]["pairing"]["coverage"]
    doc["teachers"]["support"]["extra"] = {"value": 1, "unit": "x", "source": "assumption"}
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "baseline.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    import os
    os.environ["SIMULATE_PARAMS_DIR"] = str(tmp_path)
    try:
        with pytest.raises(ScenarioError) as info:
            load_scenario("baseline")
    finally:
        del os.environ["SIMULATE_PARAMS_DIR"]
    text = str(info.value)
    assert "baseline.yaml: teachers.support.extra: unknown parameter" in text
    assert "baseline.yaml: dropout.pairing.coverage: missing" in text


def test_with_changes_validates_before_anything_runs():
    base = load_scenario("baseline")
    with pytest.raises(ScenarioError, match="changes.teachers.support.count: expected a value ≥ 0"):
        base.with_changes({"teachers.support.count": -1})
    s = base.with_changes({"teachers.support.count": 30}, name="thirty")
    assert s.value("teachers.support.count") == 30 and s.extends == "baseline"
    assert s.changed_paths(base) == ["teachers.support.count"]


def test_to_yaml_round_trips(tmp_path):
    base = load_scenario("baseline")
    s = base.with_changes({"teachers.support.count": 30, "dropout.monitoring.coverage": 0.95}, name="mine",
                          title="Mine", description="Test")
    path = tmp_path / "mine.yaml"
    s.to_yaml(extends=base, path=path)
    back = load_scenario(path)
    assert back.changed_paths(base) == s.changed_paths(base)
    assert back.values() == s.values()


def test_parameter_draws_are_keyed_by_seed_and_path_not_scenario():
    a, b = load_scenario("baseline"), load_scenario("targeted_aid")
    da, db = a.sample(50, seed=3), b.sample(50, seed=3)
    # targeted_aid makes one leaf certain; every leaf uncertain in both gets the same draws
    assert set(db) == set(da) - {"budget.student_aid.registered_poor.targeting_error"}
    for k in db:
        np.testing.assert_array_equal(da[k], db[k])
    # draw d does not depend on how many draws run, or on where a chunk starts
    np.testing.assert_array_equal(a.sample(10, 3, first_draw=40)["dropout.aid_effect.trial_log_odds"],
                                  da["dropout.aid_effect.trial_log_odds"][40:50])
    assert not np.array_equal(a.sample(50, seed=4)["dropout.hazard.group_log_odds.poor"],
                              da["dropout.hazard.group_log_odds.poor"])


def test_resolved_draws_stay_in_schema_range():
    s = load_scenario("baseline")
    p = s.resolve(2019, s.sample(2000, seed=1))
    lo, hi = field_bounds("dropout.aid_effect.trial_log_odds")
    v = p.dropout.aid_effect.trial_log_odds
    assert v.shape == (2000,) and v.min() >= lo and v.max() <= hi


def test_a_scenario_title_in_chinese_is_optional_text(tmp_path):
    """``title_zh:`` (the planner dashboard's Chinese mode) is read when present, checked as text, carried by
    ``with_changes`` unless a new title is given, and never changes the parameters."""
    assert load_scenario("more_rotation").title_zh == "支教与顶岗教师增至三倍"
    assert load_scenario("baseline").title_zh == "2019年政策组合（现行政策）"
    assert load_scenario("more_rotation").with_changes({}).title_zh == "支教与顶岗教师增至三倍"
    assert load_scenario("more_rotation").with_changes({}, title="Mine").title_zh == ""
    plain = tmp_path / "plain.yaml"
    plain.write_text("name: plain\ntitle: Plain\ndescription: d\nextends: more_rotation\nchanges: {}\n", encoding="utf-8")
    assert load_scenario(plain).title_zh == "" and \
        load_scenario(plain).params_hash == load_scenario("more_rotation").params_hash
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ntitle: Bad\ntitle_zh: [1, 2]\ndescription: d\nextends: baseline\nchanges: {}\n",
                   encoding="utf-8")
    with pytest.raises(ScenarioError, match="bad.yaml: title_zh: expected text"):
        load_scenario(bad)
