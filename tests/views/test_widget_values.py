"""Values a dashboard control cannot hold: it keeps a valid value and says which and why, in English and
Chinese, and nothing raises. Assertions are on the explorer's own state (``scenario``, ``notes``,
``message``, the widgets' values), never on rendered output."""

from __future__ import annotations

import math

import pytest

import simulate as sim
from simulate.views.dashboard.app import ScenarioExplorer
from simulate.views.dashboard.controls import coerce_number


@pytest.fixture(scope="module")
def explorer():
    x = ScenarioExplorer(district=sim.load_district())
    x.view.show_charts = lambda: None  # charts are not under test here (and cost ~0.2 s a redraw)
    return x


def test_above_the_maximum_keeps_the_maximum_and_says_so(explorer):
    explorer.set("dropout.monitoring.coverage", 2.5)  # parameter units: 250 %
    assert explorer.scenario.value("dropout.monitoring.coverage") == 1.0
    assert explorer.controls["dropout.monitoring.coverage"].value == 100
    assert explorer.notes["dropout.monitoring.coverage"] == "250 is above the maximum 100: kept 100"
    explorer.set_language("zh")
    try:
        assert explorer.notes["dropout.monitoring.coverage"] == "250 超过上限 100：已保留 100"
    finally:
        explorer.set_language("en")


@pytest.mark.parametrize("value, why", [(None, "None is not a number"), (math.nan, "nan is not a finite number"),
                                        (math.inf, "inf is not a finite number"), ("30", "'30' is not a number"),
                                        (True, "True is not a number"), ([1], "[1] is not a number")])
def test_a_value_that_is_not_a_number_keeps_the_last_valid_one(explorer, value, why):
    explorer.set("teachers.support.count", 33)
    before = explorer.scenario
    explorer.set("teachers.support.count", value)
    assert explorer.controls["teachers.support.count"].value == 33
    assert explorer.scenario is before  # nothing recomputed
    assert explorer.notes["teachers.support.count"] == f"{why}: kept 33"


def test_a_fraction_of_a_teacher_is_rounded_and_a_valid_value_clears_the_note(explorer):
    explorer.set("teachers.support.count", 40.6)
    assert explorer.scenario.value("teachers.support.count") == 41
    assert explorer.notes["teachers.support.count"] == "40.6 is not a whole number: kept 41"
    explorer.set("teachers.support.count", 42)
    assert "teachers.support.count" not in explorer.notes
    assert explorer.scenario.value("teachers.support.count") == 42


def test_an_unknown_rule_keeps_the_rule(explorer):
    rule = explorer.scenario.value("teachers.support.allocation")
    explorer.set("teachers.support.allocation", "randomly")
    assert explorer.scenario.value("teachers.support.allocation") == rule
    assert explorer.notes["teachers.support.allocation"].startswith("'randomly' is not one of the rules")


def test_the_widget_itself_takes_any_value_without_raising(explorer):
    slider = explorer.controls["dropout.pairing.coverage"]
    for value in (None, "abc", math.nan, -5, 1e300):
        slider.value = value
        assert isinstance(slider.value, float) and slider.min <= slider.value <= slider.max
    assert explorer.notes["dropout.pairing.coverage"] == "1e+300 is above the maximum 100: kept 100"
    assert 0.0 <= explorer.scenario.value("dropout.pairing.coverage") <= 1.0


def test_other_values_become_messages(explorer):
    assert explorer.run_uncertainty(draws=10**9) is None and "draws: expected an integer from 1 to 500" in explorer.message
    explorer.set_language("fr")
    assert explorer.language == "en" and "'fr' is not a language" in explorer.message
    assert explorer.save("name\n") is None and "lower-case" in explorer.message
    assert explorer.save("fine_name", title="two\nlines") is None and "one line" in explorer.message
    assert explorer.apply_controls({"no.such.path": 1}) is False and "no.such.path" in explorer.message
    with pytest.raises(sim.ScenarioError.__mro__[1], match="path: no lever 'nope'"):  # SimulateError
        explorer.set("nope", 1)


def test_coerce_number_is_total():
    assert coerce_number(5, 1, 0, 10) == (5.0, None)
    assert coerce_number(11, 1, 0, 10)[0] == 10.0
    assert coerce_number("x", None, 0, 10, integer=True)[0] == 0  # no valid current value: the minimum
