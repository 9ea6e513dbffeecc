"""plots.trajectories / facet_trajectories label themselves from the indicator catalogue."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from simulate.views import plots  # noqa: E402


def table(indicator: str) -> pd.DataFrame:
    return pd.DataFrame({"scenario": ["a", "a", "b", "b"], "indicator": indicator, "year": [2019, 2020] * 2,
                         "mean": [1.0, 2.0, 1.5, 2.5], "lo": [0.5, 1.5, 1.0, 2.0], "hi": [1.5, 2.5, 2.0, 3.0],
                         "diff": [0.0, 0.0, 0.5, 0.5], "diff_lo": 0.0, "diff_hi": 1.0})


def test_trajectories_take_label_and_unit_from_the_catalogue():
    fig = plots.trajectories(table("dropout_gap.poor.junior"))
    ax = fig.axes[0]
    assert ax.get_title() == "Poor − non-poor junior dropout gap"
    assert ax.get_ylabel() == "Poor − non-poor junior dropout gap (pp)"
    fig2 = plots.facet_trajectories(table("learning_gap.poor"), y="diff", lo="diff_lo", hi="diff_hi", lang="zh")
    assert fig2.axes[0].get_ylabel() == "非贫困与贫困学生学业差距：与对照之差 (SD)"
    given = plots.trajectories(table("learning_gap.poor"), title="T", ylabel="Y")
    assert (given.axes[0].get_title(), given.axes[0].get_ylabel()) == ("T", "Y")
    plt.close("all")


def test_several_indicators_need_labels_given():
    two = pd.concat([table("learning_gap.poor"), table("dropouts")])
    with pytest.raises(ValueError, match="exactly one indicator"):
        plots.trajectories(two)
