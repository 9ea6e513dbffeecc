"""The dashboard and scenarios written for a district (``district:``, or a file in the district's folder):
their numbers show and run as written on it, saving from one writes ``district:``, and another district
refuses them with a message (simulate.views.dashboard.written)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

import simulate as sim
from simulate.inputs.scaling import for_district
from simulate.views.dashboard.app import ScenarioExplorer
from simulate.views.dashboard.controls import BY_PATH, to_display

ROOT = Path(__file__).resolve().parents[2]
COUNTY = ROOT / "data" / "example_county"
OWN = """name: county_own
title: The county's own package
description: two million yuan of capital and five support teachers, written for the example county
extends: baseline
district: example_county
changes:
  budget.capital.yuan_per_year: 2000000
  teachers.support.count: 5
"""


@pytest.fixture(scope="module")
def county():
    return sim.load_district(COUNTY)


@pytest.fixture()
def own(params_copy):
    (params_copy / "scenarios" / "county_own.yaml").write_text(OWN, encoding="utf-8")
    return "county_own"


def _shown(x, path):
    return x.controls[path].value


def test_a_scenario_written_for_the_county_shows_its_numbers_as_written(county, own):
    x = ScenarioExplorer(district=county, start=own)
    assert _shown(x, "teachers.support.count") == 5                      # not 5 × the county's size
    assert _shown(x, "budget.capital.yuan_per_year") == pytest.approx(
        to_display(BY_PATH["budget.capital.yuan_per_year"], 2_000_000))   # 200 万元
    assert "teachers.support.count" not in x.scaled and "budget.capital.yuan_per_year" not in x.scaled
    assert "teachers.post_rotation.count" in x.scaled                    # a leaf it leaves alone: Banan's, scaled
    runs = for_district(sim.load_scenario(own), county, warn=False)
    assert runs.value("teachers.support.count") == 5 and x.scenario.params_hash == runs.params_hash
    # starting from it in the dropdown does the same
    y = ScenarioExplorer(district=county)
    assert _shown(y, "teachers.support.count") == 2                      # baseline: Banan's 20, scaled
    y.view.start.value = own
    assert _shown(y, "teachers.support.count") == 5 and y.start_scenario.name == own


def test_saving_from_it_writes_district_and_plain_values(county, own):
    x = ScenarioExplorer(district=county, start=own)
    x.set("teachers.training.person_times_per_year", 300)
    path = x.save("county_saved")
    assert path is not None, x.message
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert doc["extends"] == own and doc["district"] == "example_county"
    assert doc["changes"] == {"teachers.training.person_times_per_year": 300}  # runs as written: no scale_with
    saved = sim.load_scenario("county_saved")
    assert saved.written_for == str(COUNTY.resolve())
    again = ScenarioExplorer(district=county, start="county_saved")
    assert _shown(again, "teachers.training.person_times_per_year") == 300
    assert _shown(again, "teachers.support.count") == 5
    a, b = (e.results.set_index("indicator")["value"] for e in (x, again))
    assert (a - b).abs().max() == 0.0


def test_another_district_refuses_it_with_a_message(district, own):
    x = ScenarioExplorer(district=district)  # Banan
    before = x.results.copy()
    x.set_start(own)
    assert "is written for the district in" in x.message and str(COUNTY.resolve()) in x.message
    assert x.start_scenario.name == "baseline" and x.view.start.value == "baseline"
    x.view.reference.value = own
    assert "is written for the district in" in x.message
    assert x.reference_scenario.name == "baseline" and x.view.reference.value == "baseline"
    assert x.results.equals(before)


def test_the_district_folders_scenarios_are_listed_run_as_written_and_saved_by_path(tmp_path, params_copy):
    folder = tmp_path / "my_county"
    shutil.copytree(COUNTY, folder)
    (folder / "scenarios").mkdir()
    mine = folder / "scenarios" / "own.yaml"
    mine.write_text(OWN.replace("district: example_county\n", "").replace("county_own", "own"), encoding="utf-8")
    d = sim.load_district(folder)
    x = ScenarioExplorer(district=d)
    keys = [v for _, v in x.view.start.options]
    assert str(mine.resolve()) in keys  # listed by path, after params/scenarios
    assert not [k for k in keys if k.endswith(("targets.yaml", "calibration.yaml"))]  # the county's, not scenarios
    assert keys.index("baseline") < keys.index(str(mine.resolve()))
    x.view.start.value = str(mine.resolve())
    assert _shown(x, "teachers.support.count") == 5 and x.start_scenario.written_for == str(folder.resolve())
    x.set("dropout.monitoring.coverage", 0.9)
    path = x.save("from_my_county")
    assert path is not None, x.message
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert doc["extends"] == str(mine.resolve()) and doc["district"] == str(folder.resolve())
    assert sim.load_scenario("from_my_county").written_for == str(folder.resolve())
    # moving to another district: the start written for this one gives way to baseline, and the message says so
    x.set_district(COUNTY)
    assert x.start_scenario.name == "baseline" and x.view.start.value == "baseline"
    assert "is written for the district left" in x.message
    assert str(mine.resolve()) not in [v for _, v in x.view.start.options]
