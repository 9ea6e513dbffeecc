"""The planner dashboard at Python level: levers → scenario → results, saving, notebook.

Assertions are on the explorer's own state (``scenario``, ``results``,
``message``), never on Output widgets (those are filled by a browser).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

import simulate as sim
from simulate.inputs.schema import field_bounds
from simulate.views.dashboard.app import ScenarioExplorer, check_scenario_name
from simulate.views.dashboard.outputs import widget_latency
from simulate.views.dashboard.controls import BY_PATH, LEVERS, SHARE_GROUP, rebalance_shares, slider_range
from simulate.views.dashboard.i18n import fmt

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "03_planner_dashboard.ipynb"



@pytest.fixture()
def explorer(district):
    return ScenarioExplorer(district=district)



def row(explorer, indicator):
    return explorer.results.set_index("indicator").loc[indicator]


def test_more_support_teachers_lower_rural_pupil_teacher_ratio(explorer):
    before = row(explorer, "ptr.rural")["value"]
    explorer.set("teachers.support.count", 100)
    assert explorer.scenario.value("teachers.support.count") == 100
    assert explorer.scenario.changed_paths(explorer.start_scenario) == ["teachers.support.count"]
    after = row(explorer, "ptr.rural")
    assert after["value"] < before
    assert after["change"] < 0 and after["better"] is True
    assert row(explorer, "cost.total")["change"] > 0


def test_reference_equal_to_start_gives_zero_changes(district):
    x = ScenarioExplorer(district=district, start="more_rotation", reference="more_rotation")
    changes = x.results.set_index("indicator")["change"]
    ratios = ["ce.yuan_per_child_year_kept", "ce.yuan_per_dropout_averted"]
    assert changes.drop(ratios).abs().max() == 0.0
    for ratio in ratios:
        assert np.isnan(changes[ratio])  # nothing kept or averted: n/a, not a number
        assert row(x, ratio)["value_text"] == "n/a"


def test_start_dropdown_loads_the_scenario_into_the_levers(explorer):
    explorer.view.start.value = "more_rotation"
    assert explorer.controls["teachers.support.count"].value == 60
    assert explorer.scenario.name == "more_rotation"
    assert explorer.scenario.changed_paths(sim.load_scenario("more_rotation")) == []
    ref_change = row(explorer, "ptr.rural")["change"]
    assert ref_change < 0  # more rotation than the baseline reference
    explorer.view.reference.value = "more_rotation"
    assert row(explorer, "ptr.rural")["change"] == 0.0


def test_training_shares_always_sum_to_one(explorer):
    explorer.set(f"{SHARE_GROUP}.urban", 0.5)
    shares = [explorer.scenario.value(f"{SHARE_GROUP}.{loc}") for loc in ("urban", "town", "rural", "mountain")]
    assert shares[0] == 0.5 and abs(sum(shares) - 1.0) < 1e-9
    explorer.set(f"{SHARE_GROUP}.mountain", 1.0)
    shares = [explorer.scenario.value(f"{SHARE_GROUP}.{loc}") for loc in ("urban", "town", "rural", "mountain")]
    assert shares == [0.0, 0.0, 0.0, 1.0]
    explorer.set(f"{SHARE_GROUP}.town", 0.4)  # others all zero: split equally
    assert explorer.scenario.value(f"{SHARE_GROUP}.town") == 0.4
    assert sum(explorer.scenario.value(f"{SHARE_GROUP}.{loc}") for loc in ("urban", "town", "rural", "mountain")) \
        == pytest.approx(1.0)


def test_rebalance_shares_is_exact_in_whole_points():
    out = rebalance_shares({"a": 0.25, "b": 0.2, "c": 0.2, "d": 0.35}, "a", 0.33)
    assert out["a"] == 0.33 and round(sum(out.values()) * 100) == 100
    assert all(round(v * 100) == v * 100 for v in out.values()) or abs(sum(out.values()) - 1) < 1e-12


def test_slider_ranges_come_from_the_schema(explorer):
    for lever in LEVERS:
        if lever.choice:
            continue
        lo, hi = field_bounds(lever.path)
        c = explorer.controls[lever.path]
        assert c.min * lever.scale >= (lo or 0) - 1e-9
        assert hi is None or c.max * lever.scale <= hi + 1e-9
        assert c.continuous_update is False  # drags are debounced: value sent on release
    c = explorer.controls["dropout.monitoring.coverage"]
    c.value = 250  # out of range: the widget clamps, the scenario stays valid
    assert explorer.scenario.value("dropout.monitoring.coverage") == 1.0
    assert slider_range(BY_PATH["budget.capital.yuan_per_year"], 4e7)[1] == 2e8 / 1e4  # ui cap, ≤ schema 1e10


def test_invalid_value_is_a_message_not_a_traceback(explorer):
    before = explorer.scenario
    values = explorer.view.values()
    values["dropout.pairing.coverage"] = 2.0
    assert explorer.apply_controls(values) is False
    assert "dropout.pairing.coverage" in explorer.message
    assert explorer.scenario is before


def test_language_toggle_changes_labels_not_numbers(explorer):
    values = explorer.results["value"].copy()
    explorer.view.lang.value = "zh"
    assert row(explorer, "dropout_rate.junior")["label"] == "初中辍学率（7–9年级）"
    assert row(explorer, "cost.total")["value_text"].endswith("万元")
    np.testing.assert_array_equal(explorer.results["value"].to_numpy(), values.to_numpy())
    assert "data-key='cost.total'" in explorer.view.table.value


def test_balance_verdict_and_people_formats(explorer):
    assert "balance standard" in row(explorer, "balance.composite.primary")["verdict"]
    assert fmt(0.0123, "pct") == "1.23%"
    assert fmt(12_345_678, "yuan", "zh") == "1,235 万元"
    assert fmt(12_345_678, "yuan") == "12.35 million yuan" and fmt(45_000, "yuan") == "45,000 yuan"
    assert fmt(-1e-9, "pp", signed=True) == "+0.00 pp"


def test_save_and_reload_round_trips(explorer, params_copy):
    explorer.set("teachers.support.count", 45)
    explorer.set("budget.capital.yuan_per_year", 6e7)
    explorer.set("teachers.support.allocation", "proportional")
    path = explorer.save("planner_test", title="Test plan")
    assert path == params_copy / "scenarios" / "planner_test.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert doc["extends"] == "baseline"
    assert set(doc["changes"]) == {"teachers.support.count", "budget.capital.yuan_per_year",
                                   "teachers.support.allocation"}
    again = sim.load_scenario("planner_test")
    assert again.params_hash == explorer.scenario.params_hash
    assert again.changed_paths(explorer.scenario) == []
    assert ("Test plan", "planner_test") in explorer.view.start.options  # whole titles, not file ids
    assert explorer.message_where == "save" and explorer.view.save_msg.value and not explorer.view.msg.value
    # no silent overwrite; bad names refused with a message
    assert explorer.save("planner_test") is None and "already exists" in explorer.message
    assert explorer.save("Bad Name!") is None and "lower-case" in explorer.message
    assert explorer.save("baseline") is None and "reserved" in explorer.message
    assert explorer.save("planner_test", overwrite=True) == path


def test_a_replaced_scenario_that_fails_to_load_back_is_put_back_as_it_was(explorer, params_copy, monkeypatch):
    from simulate.views.dashboard import saving

    explorer.set("teachers.support.count", 45)
    path = explorer.save("planner_test")
    before = path.read_bytes()
    explorer.set("teachers.support.count", 50)

    def broken(name):
        raise sim.ScenarioError(f"{name}: simulated failure")

    monkeypatch.setattr(saving, "load_scenario", broken)
    assert explorer.save("planner_test", overwrite=True) is None and "simulated failure" in explorer.message
    assert path.read_bytes() == before  # the previous file, not a deleted one
    # no temporary file (the dashboard's record of the files it saved is its own, and stays)
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(".")) == [".saved_by_dashboard.json"]


def test_saved_scenario_extends_its_start(district, params_copy):
    x = ScenarioExplorer(district=district, start="no_policy")
    x.set("dropout.monitoring.coverage", 0.5)
    path = x.save("from_no_policy")
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert doc["extends"] == "no_policy" and doc["changes"] == {"dropout.monitoring.coverage": 0.5}
    assert sim.load_scenario("from_no_policy").params_hash == x.scenario.params_hash
    result = sim.run(district, "from_no_policy", years=1)  # `simulate run NAME` runs it
    assert result.indicator("dropout_rate.all") > 0


def test_check_scenario_name(tmp_path):
    assert check_scenario_name("ok_1", folder=tmp_path) == tmp_path / "ok_1.yaml"
    with pytest.raises(ValueError, match="lower-case"):
        check_scenario_name("../evil", folder=tmp_path)


def test_uncertainty_run_adds_intervals(explorer):
    explorer.set("teachers.support.count", 60)
    explorer.view.draws.value = 10
    explorer.view.run.click()  # the button: progress bar to the end, then intervals
    assert explorer.view.progress.value == explorer.view.progress.max > 0
    r = row(explorer, "dropout_rate.junior")
    assert r["lo"] <= r["hi"] and np.isfinite(r["diff_lo"])
    assert explorer.uncertainty.draws == 10 and "interval" in explorer.view.table.value
    steps = []
    explorer.run_uncertainty(draws=4, on_progress=lambda done, total: steps.append((done, total)))
    assert steps[-1][0] == steps[-1][1]
    explorer.set("teachers.support.count", 61)  # any change clears stale intervals
    assert "lo" not in explorer.results


def test_uncertainty_intervals_are_the_samples_compare_summarises(district):
    """One summary on every surface (issue 19): the dashboard's draws are compare()'s parameter draws in
    expected mode, draw for draw, so its intervals are the findings' (parameter uncertainty only)."""
    from simulate.views.dashboard.headline import uncertain_comparison

    base, more = sim.load_scenario("baseline"), sim.load_scenario("more_rotation")
    dash = uncertain_comparison(district, more, base, draws=4, seed=3, years=2, chunk=3)
    cmp = sim.compare(district, [base, more], reference="baseline", draws=4, seed=3, years=2, progress=False,
                      attribution=False)
    assert dash.mode == cmp.mode == "expected"
    for ind in ("dropout_rate.junior", "child_years_out_of_school.cumulative.total"):
        np.testing.assert_array_equal(dash.samples["current"][ind], cmp.samples["more_rotation"][ind])
        np.testing.assert_array_equal(dash.samples["reference"][ind], cmp.samples["baseline"][ind])


def test_widget_latency_is_measured(district):
    out = widget_latency(repeats=3, district=district)
    assert 0 < out["median_seconds"] < 5


def test_notebook_is_stored_clean_with_parameters():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    tagged = [c for c in code if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1 and "out_dir" in "".join(tagged[0]["source"])


def test_a_gap_that_crosses_zero_is_better_only_when_closer_to_zero(explorer):
    """Gaps: closer to 0 is better, whichever side; each row says which direction is better, in both languages."""
    from simulate.views.dashboard.headline import headline_table

    current, reference = explorer.series.copy(), explorer.reference_series.copy()
    key = "dropout_gap.poor.junior"
    reference[key] = 1.0
    current[key] = -0.5  # crossed zero, closer to parity
    t = headline_table(current, reference).set_index("indicator")
    assert t.loc[key, "better"] is True and t.loc[key, "direction_text"] == "closer to 0 is better"
    current[key] = -2.0  # crossed zero and widened the other way: worse, although lower
    t = headline_table(current, reference, lang="zh").set_index("indicator")
    assert t.loc[key, "better"] is False and t.loc[key, "direction_text"] == "越接近0越好"
    assert t.loc["dropout_rate.junior", "direction_text"] == "越低越好"
    assert t.loc["consolidation_rate.nine_year", "direction"] == "higher"
    assert t.loc["ce.child_years_kept", "direction"] == "higher" and t.loc["ce.extra_yuan", "direction"] == "lower"
    assert "class='direction'" in explorer.view.table.value and "lower is better" in explorer.view.table.value


def test_policy_levers_are_costed_apart_from_the_recurrent_base(explorer, district):
    series = explorer.series
    levers = row(explorer, "cost.policy_levers.all_years")["value"]
    assert levers == pytest.approx(series["cost.policy_levers"].sum())  # what is spent, over every year
    base, total = row(explorer, "cost.recurrent_base")["value"], row(explorer, "cost.total")["value"]
    assert base + series["cost.policy_levers"].iloc[-1] == pytest.approx(total)
    assert row(explorer, "cost.policy_levers.all_years")["label"].startswith("Cost of the policy levers, all years")
    assert row(explorer, "cost.recurrent_base")["label"].startswith("Recurrent base")
    explorer.view.start.value = "no_policy"  # no policy package: its lever cost is far below the baseline's
    assert row(explorer, "cost.policy_levers.all_years")["value"] < levers
    assert row(explorer, "cost.policy_levers.all_years")["change"] < 0
    assert row(explorer, "cost.policy_levers.all_years")["better"] is True  # one rule: lower cost, green


def test_the_capital_row_shows_what_is_spent_and_when_the_ceiling_is_not_reached(explorer):
    spent = row(explorer, "cost.capital.all_years")
    assert spent["value"] == pytest.approx(explorer.series["cost.capital"].sum())
    assert spent["verdict"].startswith("the whole ceiling")  # 2019's schedule is spent in full
    explorer.set("budget.capital.yuan_per_year", 2e8)  # far more than the weak schools can absorb
    spent = row(explorer, "cost.capital.all_years")
    assert spent["value"] == pytest.approx(explorer.series["cost.capital"].sum())
    assert spent["value"] < explorer.series["capital.budget"].sum()
    assert spent["verdict"].startswith("ceiling not reached") and "2025" in spent["verdict"]
    explorer.set("budget.capital.yuan_per_year", 2e7)  # a ceiling below the need: all of it is spent, each year
    assert row(explorer, "cost.capital.all_years")["value"] == pytest.approx(7 * 2e7)
    assert row(explorer, "cost.capital.all_years")["verdict"].startswith("the whole ceiling")


def test_one_direction_rule_for_every_row_when_monitoring_is_cut(explorer):
    explorer.set("dropout.monitoring.coverage", 0.0)  # fewer children found and brought back
    t = explorer.results.set_index("indicator")
    assert t.loc["child_years_out_of_school.cumulative.total", "better"] is False  # more child-years out
    assert t.loc["ce.child_years_kept", "value"] < 0 and t.loc["ce.child_years_kept", "better"] is False
    assert t.loc["ce.children_never_returned_averted", "value"] < 0
    assert t.loc["ce.children_never_returned_averted", "better"] is False
    # dropout *events* can fall: fewer children found and brought back means fewer returners, who leave again
    # at a higher hazard (dropout.reenrolment.returner_relative_hazard); the row's direction follows its sign
    dropouts = t.loc["ce.dropouts_averted"]
    assert dropouts["value"] != 0 and dropouts["better"] is bool(dropouts["value"] > 0)
    assert t.loc["ce.extra_yuan", "value"] < 0 and t.loc["ce.extra_yuan", "better"] is True  # money saved
    assert t.loc["ce.yuan_per_child_year_kept", "value_text"] == "n/a"  # none kept: no cost per unit


def test_one_unit_style_per_language_and_changes_of_the_values_shown(explorer):
    from simulate.views.dashboard.i18n import shown_change

    english = " ".join(explorer.results["value_text"]) + " ".join(explorer.results["change_text"])
    assert "万元" not in english and "million yuan" in english
    assert "万元" not in explorer.view.labels["budget.capital.yuan_per_year"].value  # the lever's unit too
    explorer.view.lang.value = "zh"
    chinese = " ".join(explorer.results["value_text"])
    assert "万元" in chinese and "million" not in chinese
    assert fmt(shown_change(0.03754, 0.03756, "pct"), "pct", signed=True) == "-0.01 pp"  # 3.75% vs 3.76%
    assert fmt(shown_change(0.03751, 0.03754, "pct"), "pct", signed=True) == "+0.00 pp"  # both shown 3.75%
    for r in explorer.results.itertuples():  # every change is the difference of the two values beside it
        if r.kind == "pct" and np.isfinite(r.value):
            assert r.change_text.startswith(("+0.00", "-0.00")) == (r.value_text == r.reference_text)


def test_dropdowns_show_scenario_titles(explorer):
    labels = dict((name, label) for label, name in explorer.view.start.options)
    assert labels["more_rotation"] == sim.load_scenario("more_rotation").title  # the whole title, once
    assert labels["baseline"] == "2019 policy package (baseline)"  # not "(baseline) (baseline)"
    explorer.set_language("zh")
    labels = dict((name, label) for label, name in explorer.view.start.options)
    assert labels["more_rotation"] == sim.load_scenario("more_rotation").title_zh == "支教与顶岗教师增至三倍"
    assert [n for _, n in explorer.view.reference.options] == [n for _, n in explorer.view.start.options]


def test_changing_start_from_keeps_the_planners_edits_and_reset_discards_them(explorer):
    explorer.set("budget.capital.yuan_per_year", 6e7)
    explorer.view.start.value = "more_rotation"
    assert explorer.start_scenario.name == "more_rotation"
    assert explorer.scenario.value("budget.capital.yuan_per_year") == 6e7  # the edit, re-applied
    assert explorer.scenario.value("teachers.support.count") == 60        # the new start's own value
    assert explorer.scenario.changed_paths(explorer.start_scenario) == ["budget.capital.yuan_per_year"]
    assert explorer.view.values()["budget.capital.yuan_per_year"] == 6e7
    assert "kept your 1 lever change" in explorer.message
    explorer.set_language("zh")
    explorer.view.reset.click()  # reset: back to the start as it is, edits discarded
    assert explorer.scenario is explorer.start_scenario and explorer.message == ""


def test_messages_appear_next_to_their_action_and_clear_on_the_next_one(explorer, params_copy):
    assert explorer.save("Bad Name!") is None
    assert explorer.message_where == "save" and "lower-case" in explorer.view.save_msg.value
    assert explorer.view.msg.value == ""  # not at the top of the page
    explorer.set("teachers.support.count", 45)  # the next action clears the stale message
    assert explorer.message == "" and explorer.view.save_msg.value == ""
