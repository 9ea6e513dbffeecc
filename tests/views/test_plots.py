"""Claims about simulate.views.plots: each figure draws exactly the table it was given, pandas 3 strings included."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from simulate.views import plots  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def strings(values):
    """A pandas 3 string column (the dtype seaborn#3893/#3922 mishandled)."""
    return pd.array(values, dtype="string")


@pytest.fixture
def by_location():
    return pd.DataFrame({
        "location": strings(["urban", "town", "rural", "mountain"] * 2),
        "level": strings(["primary"] * 4 + ["junior"] * 4),
        "pupils_per_teacher": [18.2, 15.1, 14.0, 12.9, 14.8, 13.3, 12.1, 11.7],
    })


@pytest.fixture
def trajectories():
    years = [2019, 2020, 2021]
    rows = [(s, y, m, m - 0.5, m + 0.5) for s, base in (("baseline", 1.0), ("targeted_aid", 0.4))
            for y, m in zip(years, base + np.array([0.0, 0.2, 0.3]))]
    return pd.DataFrame(rows, columns=["scenario", "year", "mean", "lo", "hi"]).astype({"scenario": "string"})


def test_bar_heights_equal_the_table(by_location):
    order, hue_order = ["urban", "town", "rural", "mountain"], ["primary", "junior"]
    fig = plots.bars(by_location, "location", "pupils_per_teacher", hue="level", order=order, hue_order=hue_order,
                     title="Pupils per teacher", ylabel="pupils per teacher")
    ax = fig.axes[0]
    assert len(ax.containers) == 2
    expected = by_location.set_index(["level", "location"])["pupils_per_teacher"]
    for level, container in zip(hue_order, ax.containers):
        heights = [bar.get_height() for bar in container]
        assert heights == pytest.approx([expected[(level, loc)] for loc in order])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == hue_order
    assert [t.get_text() for t in ax.get_xticklabels()] == order
    assert ax.get_title() == "Pupils per teacher" and ax.get_ylabel() == "pupils per teacher"


def test_horizontal_bar_widths_equal_the_table(by_location):
    one = by_location[by_location.level == "primary"]
    fig = plots.bars(one, "location", "pupils_per_teacher", title="t", ylabel="pupils per teacher", horizontal=True)
    ax = fig.axes[0]
    assert [b.get_width() for b in ax.containers[0]] == pytest.approx(one.pupils_per_teacher.tolist())
    assert [t.get_text() for t in ax.get_yticklabels()] == one.location.tolist()
    assert ax.get_xlabel() == "pupils per teacher"


def test_bars_refuse_tables_that_would_be_averaged(by_location):
    with pytest.raises(ValueError, match=r"more than one row per \(location, None\)"):
        plots.bars(by_location, "location", "pupils_per_teacher", title="t", ylabel="y")
    with pytest.raises(ValueError, match=r"no column\(s\) \['pupils'\]"):
        plots.bars(by_location, "location", "pupils", hue="level", title="t", ylabel="y")


def test_interval_bars_draw_means_and_intervals(trajectories):
    last = trajectories[trajectories.year == 2021]
    fig = plots.interval_bars(last, "scenario", title="t", ylabel="gap (pp)", highlight="baseline")
    ax = fig.axes[0]
    assert [p.get_height() for p in ax.patches] == pytest.approx(last["mean"].tolist())
    segments = ax.collections[-1].get_segments()  # the whiskers, one segment per bar
    assert [s[:, 1].min() for s in segments] == pytest.approx(last["lo"].tolist())
    assert [s[:, 1].max() for s in segments] == pytest.approx(last["hi"].tolist())


def test_trajectory_lines_carry_the_table_values(trajectories):
    fig = plots.trajectories(trajectories, title="Gap", ylabel="gap (pp)")
    ax = fig.axes[0]
    drawn = [line for line in ax.lines if len(line.get_xdata())]
    assert len(drawn) == 2
    for line, (name, part) in zip(drawn, trajectories.groupby("scenario", sort=False)):
        assert list(line.get_xdata()) == part.year.tolist()
        assert list(line.get_ydata()) == pytest.approx(part["mean"].tolist())
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["baseline", "targeted_aid"]
    assert len(ax.collections) == 2  # one interval band per scenario
    assert all("e" not in t.get_text() for t in ax.get_xticklabels())  # whole years, no offset notation


def test_coefficient_plot_marks_estimates_and_true_values():
    table = pd.DataFrame({"term": strings(["Intercept", "poor"]), "estimate": [-4.4, 0.5], "lo": [-4.7, 0.2],
                          "hi": [-4.1, 0.8], "true": [-4.5, 0.65]})
    fig = plots.coefficients(table, title="Coefficients")
    ax = fig.axes[0]
    points = ax.lines[0]
    assert list(points.get_xdata()) == pytest.approx(table.estimate.tolist())
    true_marks = [c for c in ax.collections if c.get_offsets().shape[0] == 2 and c.get_label() == "engine's true value"]
    assert true_marks and true_marks[0].get_offsets()[:, 0].tolist() == pytest.approx(table["true"].tolist())


def test_tradeoff_points_and_save(tmp_path, trajectories):
    last = trajectories[trajectories.year == 2021]
    fig = plots.tradeoff(last, "mean", "hi", title="t", xlabel="x", ylabel="y", xerr=("lo", "hi"))
    offsets = fig.axes[0].collections[0].get_offsets()
    assert offsets[:, 0].tolist() == pytest.approx(last["mean"].tolist())
    assert offsets[:, 1].tolist() == pytest.approx(last["hi"].tolist())
    path = plots.save(fig, tmp_path / "figures" / "t.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_validation_ranges_draws_each_targets_band_value_and_model_interval():
    table = pd.DataFrame({"target": ["a", "b"], "published": [0.9, 0.15], "published_lo": [0.85, 0.1],
                          "published_hi": [0.95, 0.2], "simulated": [0.8, 0.02], "sim_lo": [0.78, 0.01],
                          "sim_hi": [0.83, 0.03], "unit": ["share", "SD"]})
    fig = plots.validation_ranges(table, title="Validation")
    axes = fig.axes
    assert len(axes) == 2
    for ax, (_, row) in zip(axes, table.iterrows()):
        (band,) = ax.patches
        xs = ([band.get_x(), band.get_x() + band.get_width()] if hasattr(band, "get_width")
              else sorted({float(x) for x in np.asarray(band.get_xy())[:, 0]}))
        assert xs == pytest.approx([row.published_lo, row.published_hi])
        points = [tuple(line.get_xdata()) for line in ax.lines if line.get_marker() in ("D", "o")]
        assert (row.published,) in points and (row.simulated,) in points
        assert ax.get_title(loc="left") == row.target and ax.get_xlabel() == row.unit
    plt.close(fig)


def test_deviation_bars_draw_model_over_published_minus_one_centred_at_zero():
    table = pd.DataFrame({"figure": strings(["aid, yuan", "support teachers", "training person-times"]),
                          "ratio": [1.02, 0.97, 1.0], "kind": strings(["input check", "input check", "emerges"])})
    fig = plots.deviation_bars(table, "figure", "ratio", hue="kind",
                               title="Baseline 2019 vs the report: how far the model is from each published figure "
                                     "(in-scope part), input checks and figures that emerge from the model")
    ax = fig.axes[0]
    widths = {round(b.get_y() + b.get_height() / 2): b.get_width() for b in ax.patches if b.get_height() > 0}
    assert [widths[i] for i in range(3)] == pytest.approx([2.0, -3.0, 0.0], abs=1e-9)
    lo, hi = ax.get_xlim()
    assert lo == pytest.approx(-hi) and hi > 3.0  # centred at 0, every bar inside
    fig.canvas.draw()
    box, page = ax.title.get_window_extent(), fig.bbox
    assert page.x0 <= box.x0 and box.x1 <= page.x1  # the title fits
    assert ax.get_xlabel().endswith("(%)") and ax.get_legend() is None and fig.legends  # legend off the data


def test_interval_bars_plain_numbers_and_a_caption_for_rows_left_out(trajectories):
    last = trajectories[trajectories.year == 2021].assign(mean=[1.5e6, 2.5e6], lo=[1e6, 2e6], hi=[2e6, 3e6])
    fig = plots.interval_bars(last, "scenario", title="Cost", ylabel="thousand yuan",
                              caption="Not shown: no_policy (saves money).")
    ax = fig.axes[0]
    fig.canvas.draw()
    assert ax.yaxis.get_offset_text().get_text() == ""
    assert all("e" not in t.get_text() for t in ax.get_yticklabels())
    assert any("," in t.get_text() for t in ax.get_yticklabels())
    assert "Not shown: no_policy (saves money)." in fig.get_supxlabel()


def test_facet_trajectories_one_panel_per_scenario_with_the_reference(trajectories):
    fig = plots.facet_trajectories(trajectories, reference="baseline", title="Gap", ylabel="gap (pp)")
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == ["baseline", "targeted_aid"]
    base = trajectories[trajectories.scenario == "baseline"]
    aid = trajectories[trajectories.scenario == "targeted_aid"]
    (own,) = [ln for ln in panels[0].lines if ln.get_label() == "baseline"]
    assert list(own.get_ydata()) == pytest.approx(base["mean"].tolist())
    lines = {ln.get_label(): ln for ln in panels[1].lines}
    assert list(lines["targeted_aid"].get_ydata()) == pytest.approx(aid["mean"].tolist())
    assert list(lines["baseline (reference)"].get_ydata()) == pytest.approx(base["mean"].tolist())
    assert len(panels[1].collections) == 1  # the scenario's own band only
    assert panels[0].get_ylabel() == "gap (pp)" and fig.legends


def test_tradeoff_names_points_in_a_legend_outside_the_axes(trajectories):
    last = trajectories[trajectories.year == 2021]
    fig = plots.tradeoff(last, "mean", "hi", title="t", xlabel="x", ylabel="y")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["baseline", "targeted_aid"]
    assert not ax.texts  # no labels next to the points to overlap
    fig.canvas.draw()
    legend_box = ax.get_legend().get_window_extent()
    assert legend_box.x0 >= ax.get_window_extent().x1  # the legend is not on the data


def test_limit_bars_draw_each_indicator_against_the_limit():
    table = pd.DataFrame({"indicator": strings(["ptr", "facility_index"] * 2),
                          "scenario": strings(["baseline"] * 2 + ["capital"] * 2), "cv": [0.3, 0.2, 0.28, 0.1]})
    fig = plots.limit_bars(table, "indicator", "cv", "scenario", 0.5, title="CV per indicator", ylabel="CV",
                           limit_label="2017 per-indicator limit", order=["ptr", "facility_index"],
                           hue_order=["baseline", "capital"])
    ax = fig.axes[0]
    heights = [[b.get_height() for b in c] for c in ax.containers]
    assert heights == [pytest.approx([0.3, 0.2]), pytest.approx([0.28, 0.1])]
    (limit,) = [ln for ln in ax.lines if ln.get_label().startswith("2017")]
    assert list(limit.get_ydata()) == [0.5, 0.5]
