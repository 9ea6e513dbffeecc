"""The dashboard's cost-vs-gap chart: what was drawn (labels that do not overlap, title, axis units, key)."""

from __future__ import annotations

import itertools

import pytest

import simulate as sim
from simulate.views.dashboard.app import ScenarioExplorer
from simulate.views.dashboard.charts import cost_chart_figure, cost_chart_png, cost_points, place_labels


@pytest.fixture(scope="module")
def explorer():
    return ScenarioExplorer(district=sim.load_district())


def _label_boxes(fig):
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    return ax, renderer, [(t.get_text(), t.get_window_extent(renderer)) for t in ax.texts]


def _overlap(a, b):
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.slow
def test_cost_chart_labels_do_not_overlap_and_it_says_what_and_in_which_unit(explorer, lang):
    explorer.set_language(lang)
    try:
        fig = cost_chart_figure(explorer)
        ax, renderer, boxes = _label_boxes(fig)
        points = cost_points(explorer, lang)
        assert [t for t, _ in boxes] == [p["label"] for p in points]  # one label per point, in order
        assert len(points) == len(sim.inputs.scenario.available_scenarios())  # all but the reference, + this one
        for (ta, a), (tb, b) in itertools.combinations(boxes, 2):
            assert not _overlap(a, b), f"labels {ta!r} and {tb!r} overlap"
        frame = ax.get_window_extent(renderer)
        for t, b in boxes:  # inside the axes, so the key below cannot cover them
            assert frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1, t
        # no label sits on another point's marker
        for (t, b), p in itertools.product(boxes, points):
            if t == p["label"]:
                continue
            cx, cy = ax.transData.transform((p["extra"], p["gain"]))
            assert not (b.x0 < cx < b.x1 and b.y0 < cy < b.y1), f"label {t!r} covers the point of {p['label']!r}"
        assert ax.get_title()
        unit = "million yuan" if lang == "en" else "万元"
        assert unit in ax.get_xlabel()
        assert ("pp" if lang == "en" else "百分点") in ax.get_ylabel()
        legend = ax.get_legend()
        entries = [t.get_text() for t in legend.get_texts()]
        assert len(entries) == len(points) and all(e.strip() for e in entries)
        aid = sim.load_scenario("targeted_aid")
        title = aid.title_zh if lang == "zh" else aid.title  # the whole title in the page's language, no file id
        assert any(e.endswith(title) and e.startswith(next(p["label"] for p in points if p["title"] == title))
                   for e in entries)
        lb = legend.get_window_extent(renderer)
        assert lb.y1 <= frame.y0  # the key sits below the axes, not on the data
        assert cost_chart_png(explorer).startswith(b"\x89PNG")
    finally:
        explorer.set_language("en")


def test_place_labels_repels_labels_of_points_that_coincide():
    from simulate.views.dashboard.charts import _figure

    fig = _figure(4, 3)
    ax = fig.subplots()
    pts = [(1.0, 1.0, "1"), (1.0, 1.0, "2"), (1.01, 1.0, "3"), (1.0, 1.01, "4"), (3.0, 2.0, "5")]
    ax.scatter([p[0] for p in pts], [p[1] for p in pts])
    ax.set_xlim(0, 4)
    ax.set_ylim(0, 3)
    place_labels(ax, pts)
    _, _, boxes = _label_boxes(fig)
    assert len(boxes) == 5
    for (ta, a), (tb, b) in itertools.combinations(boxes, 2):
        assert not _overlap(a, b), (ta, tb)


def test_in_a_kernel_charts_wait_for_quiet_and_a_pending_redraw_can_be_forced(monkeypatch):
    """On an event loop a change schedules the charts (debounce) instead of drawing them; a preheated
    kernel about to block its loop draws what is pending at once (``draw_pending_charts``)."""
    import asyncio

    from simulate.views.dashboard import links

    x = ScenarioExplorer()

    async def scenario():
        first = x.view.charts["gaps"].value
        x.set("teachers.support.count", 45)
        assert x.view._chart_timer is not None and x.view.charts["gaps"].value == first  # scheduled, not drawn
        monkeypatch.setenv("VOILA_PREHEAT", "True")
        monkeypatch.setattr("voila.utils.get_query_string", lambda url=None: "")  # the page's request: no query
        assert links.apply_page_query(x) == []
        assert x.view._chart_timer is None and x.view.charts["gaps"].value != first  # drawn before the wait

    asyncio.run(scenario())
