"""Fuzz: dashboard controls given any value — through ``explorer.set`` (parameter units) and straight on
the widget (as the browser would, display units). Nothing may raise; the control keeps a value within
its range; the scenario stays valid; a value it could not take leaves a note (English and Chinese)
naming what it kept; a valid value leaves none. Assertions are on the explorer's own state."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import simulate as sim
from fuzz_harness import check, long, quick, sandbox_env
from simulate.views.dashboard.controls import LEVERS, choices, to_display
from simulate.views.dashboard.i18n import LANGUAGES

VALUES = st.one_of(
    st.none(), st.booleans(), st.sampled_from([math.nan, math.inf, -math.inf, 1e300, -1e300, 0, 1, 0.5, 2.5, -1]),
    st.integers(-10**9, 10**9), st.floats(allow_nan=True, allow_infinity=True), st.floats(0, 1),
    st.integers(0, 400), st.text(max_size=8), st.lists(st.integers(), max_size=2),
    st.sampled_from(["neediest_first", "proportional", "named", "weakest_first", "randomly", "", "20"]),
)


@pytest.fixture(scope="module")
def explorer(box):
    from simulate.views.dashboard.app import ScenarioExplorer

    with sandbox_env(box):
        x = ScenarioExplorer(district=sim.load_district(box.district))
    x.view.show_charts = lambda: None  # charts are not what is fuzzed (and cost ~0.2 s a redraw)
    return x


def widget_case(data, box, explorer, test):
    lever = data.draw(st.sampled_from(LEVERS), label="lever")
    value = data.draw(VALUES, label="value")
    direct = data.draw(st.booleans(), label="on the widget")
    widget = explorer.controls[lever.path]

    def act():
        if direct and not lever.choice:
            widget.value = value
        else:
            explorer.set(lever.path, value)
        return 0

    with sandbox_env(box):
        check(test, box, act, None)
    explorer.scenario.values()  # still a valid parameter tree
    note = explorer.notes.get(lever.path)
    if lever.choice:
        assert widget.value in choices(lever.path)
        valid = isinstance(value, str) and value in [v for _, v in widget.options]
    else:
        assert isinstance(widget.value, (int, float)) and not isinstance(widget.value, bool)
        assert widget.min <= widget.value <= widget.max
        number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        # explorer.set takes parameter units, shown at the slider's precision (6 decimals)
        shown = value if direct or not number else value / lever.scale if lever.integer else to_display(lever, value)
        valid = number and widget.min <= shown <= widget.max and (not lever.integer or shown == round(shown))
    if valid:
        assert note is None, f"a valid value {value!r} left a note: {note}"
    else:
        assert note and "kept" in note, f"{lever.path}: {value!r} was not taken but no note says why"
    explorer.set_language("zh")
    assert (explorer.notes.get(lever.path) is None) == (note is None)
    explorer.set_language("en")
    box.restore()


def other_case(data, box, explorer, test):
    """The other inputs of the dashboard: language, draws, saving, start and reference scenarios, district."""
    what = data.draw(st.sampled_from(["language", "draws", "save", "start", "reference", "apply", "district"]))
    value = data.draw(st.one_of(VALUES, st.sampled_from(["en", "zh", "fr", "baseline", "no_policy", "../baseline",
                                                         "ok_name", "Bad Name", "a\nb", "x" * 70, "banan",
                                                         "templates", str(box.district), "/nonexistent"])))

    def act():
        if what == "language":
            explorer.set_language(value)
        elif what == "draws":
            explorer.view.draws.value = value
        elif what == "save":
            explorer.save(value, title=data.draw(st.one_of(st.none(), st.text(max_size=5), st.just("a\nb"))))
        elif what == "start":
            explorer.set_start(value)
        elif what == "reference":
            explorer.set_reference(value)
        elif what == "district":  # a folder that does not load: the message, and the district stays
            before = explorer.district
            if not explorer.set_district(value):
                assert explorer.district is before and explorer.message_where == "district"
        else:
            explorer.apply_controls(value if isinstance(value, dict) else {"dropout.pairing.coverage": value})
        return 0

    with sandbox_env(box):
        check(test, box, act, None, may_write=True, may_change_params=what == "save")  # the params/ copy
    assert explorer.language in LANGUAGES
    assert 10 <= explorer.view.draws.value <= 500
    explorer.scenario.values()
    explorer.set_start("baseline")
    explorer.set_district(box.district, keep_edits=False)
    box.restore()


def run_property(case, profile, box, explorer, test):
    @profile
    @given(st.data())
    def prop(data):
        case(data, box, explorer, test)
    prop()


def test_widget_values(box, explorer):
    run_property(widget_case, quick(130), box, explorer, "dashboard levers")


def test_other_dashboard_inputs(box, explorer):
    run_property(other_case, quick(50), box, explorer, "dashboard inputs")


@pytest.mark.slow
def test_widget_values_long(box, explorer):
    run_property(widget_case, long(130), box, explorer, "dashboard levers (long)")


@pytest.mark.slow
def test_other_dashboard_inputs_long(box, explorer):
    run_property(other_case, long(50), box, explorer, "dashboard inputs (long)")
