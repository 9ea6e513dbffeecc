"""Scenarios made in Python: derived titles, marked sources, no-op warnings, pins, safe saving,
the parameter catalogue and Scenario objects accepted by sensitivity targets."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

import simulate as sim
from simulate.inputs.scenario import ScenarioWarning

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def base():
    return sim.load_scenario("baseline")


@pytest.fixture
def params(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "params", tmp_path / "params")
    monkeypatch.setenv("SIMULATE_PARAMS_DIR", str(tmp_path / "params"))
    return tmp_path / "params"


def test_repr_is_short(base):
    assert repr(base) == "<Scenario 'baseline': '2019 policy package (baseline)', 0 changes>"
    s = base.with_changes({"teachers.support.count": 60}, name="x")
    assert len(repr(s)) < 140 and "'x'" in repr(s) and "1 change" in repr(s)


def test_with_changes_derives_title_and_description_and_marks_sources(base):
    s = base.with_changes({"teachers.support.count": 60})
    assert s.title != base.title and "teachers.support.count 20 → 60" in s.title
    assert "from scenario 'baseline'" in s.description and "20 → 60" in s.description
    src = s.leaves["teachers.support.count"]["source"]
    assert src.startswith("scenario baseline+changes: changed from 20 (was: ")
    assert base.leaves["teachers.support.count"]["source"] in src
    assert s.leaves["dropout.monitoring.coverage"] == base.leaves["dropout.monitoring.coverage"]
    given = base.with_changes({"teachers.support.count": {"value": 61, "source": "my survey"}})
    assert given.leaves["teachers.support.count"]["source"] == "my survey"


def test_a_no_op_warns_is_dropped_and_a_pin_keeps_it(base):
    same = base.value("dropout.monitoring.coverage")
    with pytest.warns(ScenarioWarning, match="equals its value in 'baseline'"):
        s = base.with_changes({"dropout.monitoring.coverage": same, "teachers.support.count": 60})
    assert s.changes == {"teachers.support.count": 60}
    assert "dropout.monitoring.coverage" not in s.to_yaml()
    assert s.leaves["dropout.monitoring.coverage"]["source"] == base.leaves["dropout.monitoring.coverage"]["source"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pinned = base.with_changes({"dropout.monitoring.coverage": same}, name="held",
                                   pin=["dropout.monitoring.coverage"])
    assert "dropout.monitoring.coverage: 0.8" in pinned.to_yaml()
    assert "holding dropout.monitoring.coverage at 0.8" in pinned.title
    with pytest.raises(sim.ScenarioError, match="pin"):
        base.with_changes({"teachers.support.count": 60}, pin=["teachers.support.cont"])


def test_to_yaml_never_replaces_without_force_and_keeps_schedules(base, tmp_path, params):
    s = base.with_changes({"teachers.support.count": {"value": 30, "by_year": {2021: 50}},
                           "dropout.monitoring.coverage": 0.9}, name="sched", title="A schedule")
    path = tmp_path / "sched.yaml"
    s.to_yaml(path)
    first = path.read_text(encoding="utf-8")
    with pytest.raises(sim.InputError, match="already exists; pass force=True"):
        s.with_changes({"teachers.training.person_times_per_year": 9}, name="sched").to_yaml(path)
    assert path.read_text(encoding="utf-8") == first  # nothing written
    s.with_changes({"teachers.training.person_times_per_year": 9}, name="sched").to_yaml(path, force=True)
    assert "person_times_per_year: 9" in path.read_text(encoding="utf-8")
    s.to_yaml(path, force=True)
    back = sim.load_scenario(path)
    assert back.params_hash == s.params_hash  # the by_year schedule survived the round trip
    assert back.value("teachers.support.count", 2022) == 50


def test_a_relative_path_into_a_missing_folder_is_an_error(base, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = base.with_changes({"teachers.support.count": 60}, name="x")
    with pytest.raises(sim.InputError, match="relative to the working folder.*save_scenario"):
        s.to_yaml("params/scenarios/x.yaml")
    assert list(tmp_path.iterdir()) == []


def test_save_scenario_writes_into_the_parameter_folder_once(base, params):
    parent = base.with_changes({"teachers.support.count": 60}, name="parent_unsaved")
    child = parent.with_changes({"dropout.monitoring.coverage": 0.9}, name="child", title="Child")
    path = sim.save_scenario(child)
    assert path == params / "scenarios" / "child.yaml"
    loaded = sim.load_scenario("child")  # loads on its own: written against the saved baseline
    assert loaded.params_hash == child.params_hash and loaded.extends == "baseline"
    with pytest.raises(sim.InputError, match="already exists"):
        sim.save_scenario(child)
    sim.save_scenario(child, force=True)
    with pytest.raises(sim.ScenarioError, match="not a scenario name"):
        sim.save_scenario(child, name="../escape")


def test_value_of_an_unknown_path_suggests(base):
    with pytest.raises(sim.NotFoundError, match="did you mean 'teachers.support.count'"):
        base.value("teachers.suport.count")


def test_parameter_catalogue(base):
    p = sim.parameters()
    assert list(p.columns) == ["path", "value", "unit", "range", "low", "high", "uncertainty", "source", "status",
                               "description", "by_year", "changed"]
    assert len(p) == len(base.leaves) and p["unit"].str.len().gt(0).all()
    assert set(p["status"]) <= {"assumption", "partly assumed", "calibrated", "evidence"}
    row = p.set_index("path").loc["dropout.monitoring.coverage"]
    assert row["range"] == "[0, 1]" and row["value"] == base.value("dropout.monitoring.coverage")
    changed = sim.parameters("targeted_aid")
    assert changed.loc[changed.changed, "path"].tolist()
    assert "budget.student_aid.registered_poor.yuan_per_pupil" in set(changed.loc[changed.changed, "path"])
    assert changed.set_index("path").loc["budget.student_aid.registered_poor.yuan_per_pupil", "status"] == "evidence"
    with pytest.raises(sim.NotFoundError, match="did you mean"):
        sim.parameters(prefix="dropout.monitorin")


def test_status_rule():
    from simulate.inputs.parameters_catalogue import status_of

    assert status_of("assumption: x") == "assumption"
    assert status_of("scenario s: changed from 3 (was: assumption)") == "assumption"
    assert status_of("scenario s: changed from 3 (was: report; assumption: step)") == "partly assumed"
    assert status_of("scenario s: calibrated 2026") == "calibrated"
    assert status_of("Banan report 2020") == "evidence"


def test_a_sensitivity_target_takes_a_scenario_object(base):
    import numpy as np

    from simulate.analysis.factors import ModelEvaluator, Target, factors_from

    made = base.with_changes({"teachers.support.count": 60}, name="made")
    ev = ModelEvaluator(sim.load_district(), [Target("dropouts", scenario=made, versus="baseline")],
                        factors_from(base)[:1], years=1)
    assert ev.names == ["made − baseline: dropouts"]
    assert np.isfinite(ev(np.array([[0.5]]))).all()


def test_romanised_names():
    from simulate.inputs.names import romanise

    assert romanise("鱼洞中学") == "Yudong Middle School"
    assert romanise("李家沱第二小学") == "Lijiatuo No. 2 Primary School"
    assert romanise("西安镇") == "Xi'an Town"
    assert romanise("Already English") == "Already English"
