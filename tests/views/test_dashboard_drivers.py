"""The "what drives this difference" panel: computed on request, contributions add up to the total."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import simulate as sim
from simulate.views.dashboard.app import ScenarioExplorer
from simulate.views.dashboard.drivers import DRIVER_INDICATORS, lever_groups

ROOT = Path(__file__).resolve().parents[2]
KEYS = [k for k, _ in DRIVER_INDICATORS]



@pytest.fixture()
def explorer(district):
    return ScenarioExplorer(district=district)


def _edit(x):
    x.set("teachers.support.count", 80)
    x.set("dropout.monitoring.coverage", 0.95)
    x.set("budget.student_aid.registered_poor.yuan_per_pupil", 3000)
    x.set("budget.student_aid.other_needy.yuan_per_pupil", 2000)


@pytest.mark.slow
def test_contributions_sum_to_the_total_effect_shown_in_the_headline_table(explorer):
    _edit(explorer)
    assert explorer.attribution is None  # not on every slider move: only on the button
    ticks = []
    d = explorer.explain_difference(on_progress=lambda done, total: ticks.append((done, total)))
    assert d is explorer.attribution
    assert list(d.groups) == ["aid", "rotation", "control"]
    assert d.groups["aid"] == ["budget.student_aid.registered_poor.yuan_per_pupil",
                               "budget.student_aid.other_needy.yuan_per_pupil"]
    assert d.coalitions == 8 and ticks[-1] == (8, 8) and [t for t, _ in ticks] == list(range(1, 9))
    c = d.contributions()
    totals = d.totals()
    change = explorer.results.set_index("indicator")["change"]
    for k in KEYS:
        assert c[k].sum() == pytest.approx(totals[k], rel=1e-9, abs=1e-9)
        assert totals[k] == pytest.approx(change[k], rel=1e-9, abs=1e-9)  # the headline table's difference
    assert totals["child_years_out_of_school.cumulative.total"] < 0
    assert c.loc["control", "child_years_out_of_school.cumulative.total"] < 0  # monitoring keeps children in
    assert c.loc["rotation", "cost.policy_levers.all_years"] > 0
    html = explorer.view.drivers_table.value
    assert html.count("data-group=") == 4 and "Total difference" in html and "Student aid" in html


@pytest.mark.slow
def test_the_panel_matches_simulate_analysis_attribution(explorer, district):
    from simulate.analysis.attribution import attribute

    _edit(explorer)
    d = explorer.explain_difference()
    # attribute() knows the indicators of a year; the panel's cost column (summed over the years, as the
    # headline table) is checked against the headline table's change above
    yearly = [k for k in KEYS if not k.endswith(".all_years")]
    ref = attribute(district, explorer.scenario, explorer.reference_scenario, indicators=yearly, groups=d.groups)
    mine = d.table[d.table["indicator"].isin(yearly)].set_index(["indicator", "group"])["contribution"]
    theirs = ref.table.set_index(["indicator", "lever"])["contribution"]
    assert len(mine) == 3 * len(d.groups)
    for (ind, g), v in mine.items():
        assert v == pytest.approx(theirs[(ind, g)], rel=1e-9, abs=1e-6)


@pytest.mark.slow
def test_any_change_makes_the_split_stale_and_the_language_relabels_it(explorer):
    _edit(explorer)
    explorer.explain_difference()
    explorer.set_language("zh")
    assert "总差异" in explorer.view.drivers_table.value and "学生资助" in explorer.view.drivers_table.value
    explorer.set("teachers.support.count", 81)
    assert explorer.attribution is None and explorer.view.drivers_table.value == ""
    assert "再次" in explorer.view.drivers_status.value
    explorer.set_language("en")
    assert "press the button again" in explorer.view.drivers_status.value


@pytest.mark.slow
def test_nothing_to_split_says_so(explorer):
    assert explorer.explain_difference() is None
    assert "does not differ" in explorer.view.drivers_status.value


@pytest.mark.slow
def test_the_button_computes_and_shows_progress(explorer):
    _edit(explorer)
    explorer.view.drivers_button.click()
    assert explorer.attribution is not None and explorer.attribution.coalitions == 8
    assert explorer.view.drivers_progress.value == explorer.view.drivers_progress.max == 8
    assert explorer.view.drivers_progress.layout.visibility == "hidden"  # done
    assert not explorer.view.drivers_button.disabled


def test_parameters_off_the_dashboard_are_one_group():
    groups = lever_groups(["teachers.support.count", "dropout.hazard.intercept_primary", "budget.capital.targeting",
                           "learning.value_added.teacher_quality"])
    assert groups == {"capital": ["budget.capital.targeting"], "rotation": ["teachers.support.count"],
                      "other": ["dropout.hazard.intercept_primary", "learning.value_added.teacher_quality"]}


@pytest.mark.slow
def test_against_no_policy_on_another_district(district):
    county = sim.load_district(ROOT / "data" / "example_county")
    x = ScenarioExplorer(district=county, reference="no_policy")
    d = x.explain_difference()
    assert len(d.groups) <= 8 and d.coalitions == 2 ** len(d.groups)
    change = x.results.set_index("indicator")["change"]
    for k in KEYS:
        assert d.contributions()[k].sum() == pytest.approx(d.totals()[k], rel=1e-9, abs=1e-9)
        assert d.totals()[k] == pytest.approx(change[k], rel=1e-9, abs=1e-9)
    assert np.isfinite(d.table["contribution"]).all()
