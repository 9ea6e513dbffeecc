"""The dashboard on a district other than Banan: sliders show the district's scaled values (what the
engine runs), say so, have ranges for the district's size, and "save as scenario" writes what was seen."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import simulate as sim
from simulate.inputs.scaling import for_district, scale_factors
from simulate.views.dashboard.app import ScenarioExplorer
from simulate.views.dashboard.controls import BY_PATH, slider_range, to_display

ROOT = Path(__file__).resolve().parents[2]
SCALED = ("budget.capital.yuan_per_year", "teachers.support.count", "teachers.post_rotation.count",
          "teachers.training.person_times_per_year")


@pytest.fixture(scope="module")
def county():
    return sim.load_district(ROOT / "data" / "example_county")


@pytest.fixture()
def explorer(county):
    return ScenarioExplorer(district=county)



def test_sliders_show_the_scaled_values_the_engine_runs(explorer, county):
    baseline = sim.load_scenario("baseline")
    runs = for_district(baseline, county, warn=False)
    for path in SCALED:
        lever = BY_PATH[path]
        shown = explorer.controls[path].value
        assert shown == pytest.approx(to_display(lever, runs.value(path)))
        assert shown != pytest.approx(to_display(lever, baseline.value(path)))  # not Banan's
    assert explorer.controls["teachers.support.count"].value == runs.value("teachers.support.count") == 2
    # nothing is "changed" at the start, and the headline is the scaled baseline's
    assert explorer.scenario.changed_paths(explorer.start_levers) == []
    assert explorer.results.set_index("indicator")["change"].drop(
        ["ce.yuan_per_child_year_kept", "ce.yuan_per_dropout_averted"]).abs().max() == 0.0


def test_a_note_says_each_scaled_value_comes_from_banans(explorer, county):
    f = scale_factors(sim.load_scenario("baseline"), county)
    assert set(explorer.scaled) == set(SCALED)
    v0, v1, factor, measure = explorer.scaled["teachers.support.count"]
    assert (v0, v1, measure) == (20, 2, "teachers") and factor == pytest.approx(f["teachers"])
    label = explorer.view.labels["teachers.support.count"].value
    assert "explorer-scaled" in label and "from Banan's 20" in label
    assert "from Banan's 4,000" in explorer.view.labels["budget.capital.yuan_per_year"].value  # in 万元, as shown
    assert "explorer-scaled" not in explorer.view.labels["dropout.monitoring.coverage"].value
    explorer.set_language("zh")
    assert "巴南区为 20" in explorer.view.labels["teachers.support.count"].value


def test_on_banan_nothing_is_scaled():
    x = ScenarioExplorer(district=sim.load_district())
    assert x.scaled == {} and x.start_levers is x.start_scenario
    assert all("explorer-scaled" not in lab.value for lab in x.view.labels.values())
    assert x.controls["teachers.support.count"].max == 300


def test_slider_ranges_fit_a_small_district(explorer, county):
    f = scale_factors(sim.load_scenario("baseline"), county)["teachers"]
    support = explorer.controls["teachers.support.count"]
    assert support.max == slider_range(BY_PATH["teachers.support.count"], 2, f)[1]
    assert 10 <= support.max <= 30 < 300  # 300 × 0.079: Banan's planning maximum at this size
    training = explorer.controls["teachers.training.person_times_per_year"]
    assert training.max < 30000 and training.max >= 2 * 397 and training.step < 100
    capital = explorer.controls["budget.capital.yuan_per_year"]
    assert capital.max < 2e8 / 1e4 and capital.value <= capital.max and capital.step < 100
    # a planner can still go to the district's rural posts and beyond what runs today
    assert support.max > support.value
    explorer.set("teachers.support.count", 50)
    assert explorer.notes["teachers.support.count"].startswith("50 is above the maximum")


def test_an_edit_runs_as_shown_not_scaled_again(explorer, county):
    explorer.set("teachers.support.count", 6)
    leaf = explorer.scenario.leaves["teachers.support.count"]
    assert leaf["value"] == 6 and leaf["scale_with"] == "none"
    assert for_district(explorer.scenario, county, warn=False).value("teachers.support.count") == 6
    assert explorer.scenario.changed_paths(explorer.start_levers) == ["teachers.support.count"]


@pytest.mark.slow
def test_save_writes_scaled_leaves_as_absolute_values(explorer, county, params_copy):
    explorer.set("teachers.support.count", 6)
    explorer.set("dropout.monitoring.coverage", 0.9)
    path = explorer.save("county_plan")
    assert path is not None, explorer.message
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert doc["extends"] == "baseline"
    assert doc["changes"] == {"teachers.support.count": {"value": 6, "scale_with": "none"},
                              "dropout.monitoring.coverage": 0.9}
    saved = sim.load_scenario("county_plan")
    assert saved.leaves["teachers.support.count"]["scale_with"] == "none"
    # the file means what the planner saw: on this district it runs 6 support teachers and the same results
    again = ScenarioExplorer(district=county, start="county_plan")
    assert again.controls["teachers.support.count"].value == 6
    assert "teachers.support.count" not in again.scaled  # absolute: no scaling note
    assert "teachers.post_rotation.count" in again.scaled  # unchanged: still Banan's, scaled
    a = explorer.results.set_index("indicator")["value"]
    b = again.results.set_index("indicator")["value"]
    assert (a - b).abs().max() == 0.0
    assert "2 changes" in explorer.message


def test_save_of_an_unchanged_scaled_start_writes_no_absolute_values(explorer, params_copy):
    explorer.set("dropout.monitoring.coverage", 0.9)
    doc = yaml.safe_load(explorer.save("only_monitoring").read_text(encoding="utf-8"))
    assert doc["changes"] == {"dropout.monitoring.coverage": 0.9}


@pytest.mark.slow
def test_changing_start_keeps_edits_at_the_district_size(explorer):
    explorer.set("teachers.support.count", 5)
    explorer.view.start.value = "targeted_aid"
    assert explorer.controls["teachers.support.count"].value == 5
    assert explorer.scenario.value("teachers.support.count") == 5
    assert explorer.scenario.changed_paths(explorer.start_levers) == ["teachers.support.count"]
    explorer.set_start("targeted_aid", keep_edits=False)
    assert explorer.controls["teachers.support.count"].value == explorer.start_levers.value("teachers.support.count") == 2
