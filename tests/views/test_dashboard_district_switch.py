"""The dashboard's district dropdown (issue 11, item 5): it lists every district folder under data/ and the
district the dashboard started with; switching rebuilds the explorer for the chosen district; a folder that
does not load leaves the old district with a message beside the dropdown; lever edits follow "Start from"."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

import simulate as sim
from simulate.inputs.scaling import scale_factors
from simulate.views.dashboard.app import ScenarioExplorer
from simulate.views.dashboard.districts import district_options

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
BANAN, COUNTY = str((DATA / "banan").resolve()), str((DATA / "example_county").resolve())


@pytest.fixture(scope="module")
def banan():
    return sim.load_district("banan")


@pytest.fixture()
def explorer(banan):
    return ScenarioExplorer(district=banan)



def headline(x) -> dict:
    return x.results.set_index("indicator")["value"].to_dict()


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(a[k] == b[k] or (a[k] != a[k] and b[k] != b[k]) for k in a)  # NaN == NaN


def test_the_dropdown_lists_every_district_folder_under_data_and_selects_the_one_shown(explorer):
    options = {v: label for label, v in explorer.view.district.options}
    assert list(options) == [BANAN, COUNTY]  # data/templates: a folder of templates, not a district
    assert (DATA / "templates").is_dir()
    # display names from data/district_names.yaml, in the page's language (not folder ids)
    assert options[BANAN].startswith("Banan district") and options[COUNTY].startswith("Example county")
    assert explorer.view.district.value == BANAN
    assert [v for _, v in district_options()] == [BANAN, COUNTY]
    assert district_options(lang="zh")[0][0].startswith("重庆市巴南区")
    assert explorer.view.top_labels["district"].value == "<b>District</b>&nbsp;"
    explorer.set_language("zh")
    assert "区县" in explorer.view.top_labels["district"].value
    assert explorer.view.district.options[1][0].startswith("示例县") and explorer.view.district.value == BANAN


def test_a_district_from_outside_data_is_listed_too_and_selected(tmp_path):
    mine = tmp_path / "my_county"
    shutil.copytree(DATA / "example_county", mine)
    x = ScenarioExplorer(district=sim.load_district(mine))
    values = [v for _, v in x.view.district.options]
    assert values[:2] == [BANAN, COUNTY] and values[2] == str(mine.resolve())
    assert x.view.district.value == str(mine.resolve())
    assert x.view.district.options[2][0] == f"my_county ({mine.resolve()})"


@pytest.mark.slow
def test_switching_rebuilds_the_explorer_for_the_district(explorer):
    before = headline(explorer)
    assert explorer.controls["teachers.support.count"].max == 300
    explorer.view.district.value = COUNTY  # as the planner picks it
    assert explorer.district.name == "example_county"
    assert explorer.message_where == "district" and "Example county" in explorer.message
    # the same state as a dashboard started on the district: sliders, their maxima and the headline
    fresh = ScenarioExplorer(district=sim.load_district(DATA / "example_county"))
    for path, control in fresh.controls.items():
        assert (explorer.controls[path].value, getattr(explorer.controls[path], "max", None)) == \
            (control.value, getattr(control, "max", None)), path
    assert explorer.controls["teachers.support.count"].max < 300
    assert same(headline(explorer), headline(fresh)) and not same(headline(explorer), before)
    assert explorer.scaled == fresh.scaled and explorer.scenario.changed_paths(explorer.start_levers) == []
    assert "“Example county (synthetic, invented data)” (11 schools" in explorer.view.intro.value
    assert "from Banan's 20" in explorer.view.labels["teachers.support.count"].value
    explorer.view.district.value = BANAN  # and back: Banan as it was
    assert explorer.district.name == "banan" and same(headline(explorer), before)
    assert explorer.controls["teachers.support.count"].max == 300 and explorer.scaled == {}
    assert "Banan district, Chongqing" in explorer.view.intro.value


def _broken_data_dir(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(DATA / "example_county", data / "broken")
    enrolment = data / "broken" / "enrolment.csv"
    lines = enrolment.read_text(encoding="utf-8").splitlines()
    cells = lines[2].split(",")
    cells[6] = "lots"  # enrolled, row 3
    lines[2] = ",".join(cells)
    enrolment.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (data / "templates").mkdir()
    (data / "templates" / "bureau_schools.csv").write_text("a,b\n", encoding="utf-8")
    return data


@pytest.mark.parametrize("lang, says", [("en", "Could not open district “broken”; still showing “banan”"),
                                        ("zh", "无法打开区县“broken”，仍显示“banan”")])
@pytest.mark.slow
def test_a_district_that_does_not_load_leaves_the_old_one_with_a_message_beside_the_dropdown(tmp_path, banan,
                                                                                             lang, says):
    data = _broken_data_dir(tmp_path)
    x = ScenarioExplorer(district=banan, data_dir=data, language=lang)
    options = dict(x.view.district.options)
    broken = str((data / "broken").resolve())
    assert options["broken"] == broken and "templates" not in options
    assert x.view.district.value == BANAN and list(options.values())[-1] == BANAN  # listed: from outside data_dir
    before = headline(x)
    x.set("dropout.monitoring.coverage", 0.9)
    edited = headline(x)
    x.view.district.value = broken
    assert x.district is banan and x.view.district.value == BANAN
    assert x.message.startswith(says) and x.message_where == "district"
    assert "enrolment.csv" in x.message and "row 3" in x.message and "enrolled" in x.message  # the loader's detail
    assert says.split("“")[0] in x.view.district_msg.value and x.view.msg.value == ""
    assert same(headline(x), edited) and not same(edited, before)  # the edit is still there
    assert x.scenario.changed_paths(x.start_levers) == ["dropout.monitoring.coverage"]
    assert x.set_district(str(data / "missing")) is False and x.district is banan


@pytest.mark.slow
def test_edits_are_kept_on_the_new_district_as_start_from_keeps_them(explorer):
    explorer.set("dropout.monitoring.coverage", 0.9)
    explorer.set("teachers.support.count", 40)  # twice Banan's 20
    explorer.set_district(COUNTY)
    county = explorer.district
    f = scale_factors(sim.load_scenario("baseline"), county)["teachers"]
    assert sorted(explorer.scenario.changed_paths(explorer.start_levers)) == ["dropout.monitoring.coverage",
                                                                              "teachers.support.count"]
    assert explorer.scenario.value("dropout.monitoring.coverage") == 0.9
    assert explorer.scenario.value("teachers.support.count") == int(40 * f + 0.5) == 3  # 40 at the county's size
    assert explorer.controls["teachers.support.count"].value == 3
    assert explorer.controls["dropout.monitoring.coverage"].value == pytest.approx(90)
    assert "2 lever change(s) kept" in explorer.message
    # the numbers are those of the same edits made on a dashboard started on the county
    fresh = ScenarioExplorer(district=county)
    fresh.set("dropout.monitoring.coverage", 0.9)
    fresh.set("teachers.support.count", 3)
    assert same(headline(explorer), headline(fresh))
    # "Start from" keeps them the same way; Reset discards them
    explorer.view.start.value = "targeted_aid"
    assert "kept your 2 lever change(s)" in explorer.message
    assert explorer.scenario.value("teachers.support.count") == 3
    explorer.view.reset.click()
    assert explorer.scenario.changed_paths(explorer.start_levers) == []


@pytest.mark.slow
def test_keep_edits_false_discards_them_and_the_same_district_changes_nothing(explorer):
    explorer.set("dropout.monitoring.coverage", 0.9)
    assert explorer.set_district(BANAN) is True and explorer.scenario.value("dropout.monitoring.coverage") == 0.9
    explorer.set_district(COUNTY, keep_edits=False)
    assert explorer.scenario.changed_paths(explorer.start_levers) == []
    assert "Now on district “Example county (synthetic, invented data)”" in explorer.message


@pytest.mark.slow
def test_save_as_scenario_works_on_the_new_district(explorer, params_copy):
    explorer.set_district(DATA / "example_county")
    explorer.set("teachers.support.count", 6)
    path = explorer.save("county_plan")
    assert path is not None, explorer.message
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert doc["extends"] == "baseline"
    assert doc["changes"] == {"teachers.support.count": {"value": 6, "scale_with": "none"}}
    again = ScenarioExplorer(district=explorer.district, start="county_plan")
    assert same(headline(again), headline(explorer))


@pytest.mark.slow
def test_a_carried_edit_outside_the_new_districts_range_is_limited_and_said_so(explorer, monkeypatch):
    import simulate.views.dashboard.districts as districts

    explorer.set("teachers.support.count", 40)
    real = districts.carried
    # a carried amount beyond the county's slider (as rounding or a range rule can give): limited, with a note
    monkeypatch.setattr(districts, "carried",
                        lambda p, v, a, b: 10 ** 6 if p == "teachers.support.count" else real(p, v, a, b))
    explorer.set_district(COUNTY)
    top = explorer.controls["teachers.support.count"].max
    assert explorer.scenario.value("teachers.support.count") == top < 10 ** 6
    assert f"1,000,000 is outside its range on this district, kept {int(top):,}" in explorer.message
