"""The dashboard's parts that leave the page or serve it, in Python (the browser test drives them in
Chromium): the link (lever values in the address), downloads, the report, deleting only the
scenarios the dashboard saved, typed values, keyboard-openable lever groups, Chinese titles, and
the service's page template (no request off the machine)."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from simulate.views.dashboard.app import ScenarioExplorer
from simulate.views.dashboard.links import apply_query, share_query
from simulate.views.dashboard.outside import deletable, delete_saved, headline_csv, report_html

TEMPLATE = Path(__file__).resolve().parents[2] / "src/simulate/views/dashboard/jupyter/voila/templates/planner"


@pytest.fixture()
def explorer(district):
    return ScenarioExplorer(district=district)


@pytest.mark.slow
def test_a_link_reopens_the_levers_and_explains_what_it_cannot_take(explorer, district):
    explorer.set("teachers.support.count", 40)
    explorer.set("dropout.monitoring.coverage", 0.9)
    explorer.set_language("zh")
    query = share_query(explorer)
    assert "teachers.support.count=40" in query and "dropout.monitoring.coverage=0.9" in query and "lang=zh" in query
    other = ScenarioExplorer(district=district)
    assert apply_query(other, query) == []
    assert other.language == "zh" and other.view.lang.value == "zh"
    assert other.scenario.params_hash == explorer.scenario.params_hash
    assert "2 项杠杆" in other.message
    problems = apply_query(other, "teachers.support.count=99999&nonsense=1&start=no_such_thing")
    assert len(problems) == 2 and "nonsense" in problems[1] and "no_such_thing" in problems[0]
    assert "99,999" in other.notes["teachers.support.count"]  # the lever's own note, beside it
    assert other.controls["teachers.support.count"].value == other.controls["teachers.support.count"].max
    assert apply_query(other, "x=" + "1" * 5000)[0].startswith("链接中的设置长度")


def test_typed_values_go_through_the_levers_check(explorer):
    box = explorer.view.levers.typed["budget.capital.yuan_per_year"]
    box.value = -20.0  # 万元: below the minimum
    assert "below the minimum" in explorer.notes["budget.capital.yuan_per_year"]
    assert box.value == explorer.controls["budget.capital.yuan_per_year"].value == 0
    box.value = 5000.0
    assert "budget.capital.yuan_per_year" not in explorer.notes
    assert explorer.scenario.value("budget.capital.yuan_per_year") == 5e7


def test_lever_groups_open_by_their_header_and_count_changed_levers(explorer):
    levers = explorer.view.levers
    header = levers.headers["control"]
    assert header.description.startswith("▸") and levers.bodies["control"].layout.display == "none"
    header.click()  # a button: Tab reaches it, Enter and Space press it
    assert header.description.startswith("▾") and levers.bodies["control"].layout.display == "flex"
    explorer.set("dropout.monitoring.coverage", 0.5)
    assert header.description.endswith("· 1 changed")
    assert "explorer-group-changed" in header._dom_classes


def test_chinese_mode_shows_chinese_titles_and_no_developer_commands(explorer):
    explorer.set_language("zh")
    titles = [t for t, _ in explorer.view.start.options]
    assert "2019年政策组合（现行政策）" in titles and all(not re.search("[A-Za-z]{4,}", t) for t in titles)
    assert "simulate" not in explorer.view.intro.value and "baseline" not in explorer.view.intro.value
    assert "baseline" not in explorer.view.table.value.split("<table")[0]
    assert "万" in explorer.view.table.value and "万元 / 元" not in explorer.view.table.value


def test_downloads_and_the_report(explorer):
    explorer.set("teachers.support.count", 40)
    data = headline_csv(explorer).decode("utf-8-sig")
    assert data.splitlines()[0] == "indicator,label,year,value,reference,change"
    assert len(data.splitlines()) == len(explorer.results) + 1
    page = report_html(explorer)
    assert "Support teachers" in page and "<table" in page and page.count("data:image/png;base64,") == 3
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page  # self-contained
    links = explorer.view.outside.chart_downloads.value
    assert links.count("download=") == 3
    first = re.search(r"href='data:image/png;base64,([^']+)'", links).group(1)
    assert base64.b64decode(first)[:4] == b"\x89PNG"


def test_only_scenarios_the_dashboard_saved_and_nobody_changed_can_be_deleted(params_copy, district):
    x = ScenarioExplorer(district=district)
    x.set("teachers.support.count", 40)
    path = x.save("mine", "Mine")
    folder = path.parent
    assert deletable(folder) == ["mine"] and x.view.outside.delete_choice.options == ("mine",)
    with pytest.raises(ValueError, match="not a scenario this dashboard saved"):
        delete_saved("more_rotation", folder)  # a file it did not write
    assert (folder / "more_rotation.yaml").is_file()
    x.set("teachers.support.count", 41)
    x.save("edited", "Edited")
    (folder / "edited.yaml").write_text((folder / "edited.yaml").read_text() + "\n# a person's note\n")
    assert deletable(folder) == ["mine"]  # changed since: not the dashboard's any more
    x.view.outside.delete_choice.value = "mine"
    x.view.outside.delete.click()
    assert not path.exists() and (folder / "edited.yaml").is_file()
    assert "mine" not in [v for _, v in x.view.start.options]


def test_the_page_template_loads_nothing_from_another_machine():
    for f in TEMPLATE.iterdir():
        body = f.read_text(encoding="utf-8")
        assert not re.search(r"(src|href)=[\"']https?://", body), f
        assert not any(host in body for host in ("jsdelivr", "cdnjs", "unpkg", "googleapis")), f
