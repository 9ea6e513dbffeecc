"""Claims about simulate.views.sensitivity: every figure draws exactly the table it was given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from simulate.views import sensitivity as views  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def factors(target="t"):
    return pd.DataFrame({"target": target, "path": ["a.x", "a.y", "b.z"], "label": ["x", "y", "z"],
                         "kind": ["assumption", "evidence", "partly assumed"]})


def bars(ax):
    return [p for p in ax.patches if isinstance(p, matplotlib.patches.Rectangle) and p.get_height() < 1]


def test_mu_star_sigma_puts_each_factor_at_its_mu_star_and_sigma():
    table = factors().assign(mu_star=[3.0, 1.0, 0.5], mu_star_conf=[0.2, 0.1, 0.1], sigma=[0.5, 0.8, 0.1])
    ax = views.mu_star_sigma(table).axes[0]
    points = ax.collections[-1].get_offsets()
    np.testing.assert_allclose(points, table[["mu_star", "sigma"]].to_numpy())


def test_sobol_bars_are_the_indices_largest_total_first():
    table = pd.concat([factors().assign(n=n, S1=[0.1, 0.6, 0.0], S1_conf=0.05, ST=[0.2, 0.7, 0.05], ST_conf=0.05)
                       for n in (32, 64)])
    ax = views.sobol_indices(table).axes[0]
    widths = [p.get_width() for p in bars(ax)]
    assert widths == pytest.approx([0.6, 0.1, 0.0, 0.7, 0.2, 0.05])        # S1 then ST, sorted by ST
    assert "N = 64" in ax.get_title()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["y [evidence]", "x [assumption]", "z [partly assumed]"]


def test_tornado_bars_run_from_the_central_result_to_each_end():
    table = factors().assign(base=1.0, at_low=[0.5, 0.9, 1.0], at_high=[2.0, 1.2, 1.05])
    table["swing"] = (table.at_high - table.at_low).abs()
    ax = views.tornado(table).axes[0]
    rects = bars(ax)
    assert [r.get_x() for r in rects] == pytest.approx([1.0] * 6)
    assert [r.get_width() for r in rects] == pytest.approx([-0.5, -0.1, 0.0, 1.0, 0.2, 0.05])


def test_attribution_bars_are_the_contributions_and_the_line_their_total():
    table = pd.DataFrame({"indicator": "g", "lever": ["aid", "capital", "monitoring"],
                          "contribution": [-0.5, 0.1, -0.05], "total": -0.45})
    ax = views.attribution(table).axes[0]
    assert [r.get_width() for r in bars(ax)] == pytest.approx([-0.5, 0.1, -0.05])
    assert ax.lines[0].get_xdata()[0] == pytest.approx(-0.45)


def test_prim_tradeoff_plots_the_trajectory_and_circles_the_chosen_box():
    traj = pd.DataFrame({"box": 1, "step": [0, 1, 2], "coverage": [1.0, 0.9, 0.7], "density": [0.2, 0.5, 0.85],
                         "mass": [1.0, 0.4, 0.2], "res_dim": [0, 1, 2], "chosen": [False, False, True]})
    ax = views.prim_tradeoff(traj).axes[0]
    np.testing.assert_allclose(ax.collections[0].get_offsets(), traj[["coverage", "density"]].to_numpy())
    np.testing.assert_allclose(ax.collections[1].get_offsets(), [[0.7, 0.85]])


def test_a_table_of_several_targets_needs_one_named():
    table = pd.concat([factors("t1"), factors("t2")]).assign(mu_star=1.0, mu_star_conf=0.1, sigma=0.1)
    with pytest.raises(ValueError, match="several targets"):
        views.mu_star_sigma(table)
    assert views.mu_star_sigma(table, "t2").axes[0].get_title().endswith("t2")
