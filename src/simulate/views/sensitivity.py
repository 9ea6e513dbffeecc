"""Figures of what drives a finding: Morris μ*–σ, Sobol' S1/ST bars, tornado, lever attribution, PRIM trade-off.

Each function takes one of the tidy tables of :mod:`simulate.analysis.sensitivity`,
:mod:`simulate.analysis.attribution` or :mod:`simulate.analysis.discovery`
(filtered to one target when the table has several), draws one matplotlib
figure with a title and axis labels that carry units, and returns it (nothing
is shown or saved here; :func:`simulate.views.plots.save` writes a PNG). Bars,
points and whiskers carry exactly the table's values (tests/views/test_sensitivity_plots.py).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

__all__ = ["mu_star_sigma", "sobol_indices", "tornado", "attribution", "prim_tradeoff"]

KIND_COLOURS = {"assumption": "tab:red", "partly assumed": "tab:orange", "calibrated": "tab:purple",
                "evidence": "tab:blue"}


def _one(df: pd.DataFrame, column: str, value, where: str) -> pd.DataFrame:
    if value is None:
        values = df[column].unique()
        if len(values) != 1:
            raise ValueError(f"{where}: the table holds several {column}s {list(values)}; name one")
        value = values[0]
    part = df[df[column] == value]
    if part.empty:
        raise ValueError(f"{where}: no rows for {column} {value!r}; it has {list(df[column].unique())}")
    return part.reset_index(drop=True)


def _tall(n: int):
    return plt.subplots(figsize=(8, 0.38 * n + 1.8), layout="constrained")


def _kind_legend(ax, kinds) -> None:
    handles = [plt.Rectangle((0, 0), 1, 1, color=KIND_COLOURS.get(k, "gray")) for k in kinds]
    ax.legend(handles, [f"source: {k}" for k in kinds], loc="lower right", fontsize=8, frameon=False)


def mu_star_sigma(morris_table: pd.DataFrame, target: str | None = None, *, unit: str = "indicator units",
                  label_top: int = 8):
    """Morris screening: μ* (x, with its confidence half-width) against σ (y), one point per factor,
    coloured by source kind; the ``label_top`` largest μ* are labelled."""
    data = _one(morris_table, "target", target, "mu_star_sigma")
    fig, ax = plt.subplots(figsize=(8, 5), layout="constrained")
    colours = [KIND_COLOURS.get(k, "gray") for k in data["kind"]]
    ax.errorbar(data["mu_star"], data["sigma"], xerr=data["mu_star_conf"], fmt="none", ecolor="lightgray", lw=1)
    ax.scatter(data["mu_star"], data["sigma"], c=colours, s=40, zorder=3)
    for _, r in data.nlargest(label_top, "mu_star").iterrows():
        ax.annotate(r["label"], (r["mu_star"], r["sigma"]), textcoords="offset points", xytext=(4, 4), fontsize=7)
    top = float(max(data["mu_star"].max(), data["sigma"].max(), 0) or 1.0)
    ax.plot([0, top], [0, top], color="gray", ls=":", lw=0.8)   # σ = μ*: strongly non-linear or interacting
    ax.set(title=f"Morris screening: {data['target'].iloc[0]}",
           xlabel=f"μ* — mean absolute effect of moving a parameter across its range ({unit})",
           ylabel=f"σ — spread of the effects ({unit})")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    _kind_legend(ax, list(dict.fromkeys(data["kind"])))
    return fig


def sobol_indices(sobol_table: pd.DataFrame, target: str | None = None, n: int | None = None):
    """Sobol' first-order (S1) and total (ST) indices per factor with their confidence half-widths,
    largest ST first (the table's largest sample size unless ``n``)."""
    data = _one(sobol_table, "target", target, "sobol_indices")
    data = _one(data, "n", n if n is not None else int(data["n"].max()), "sobol_indices")
    data = data.sort_values("ST", ascending=False, kind="stable").reset_index(drop=True)
    fig, ax = _tall(len(data))
    pos = np.arange(len(data))
    ax.barh(pos - 0.2, data["S1"], height=0.4, xerr=data["S1_conf"], color="tab:blue", label="S1 (alone)",
            capsize=3, error_kw={"lw": 1})
    ax.barh(pos + 0.2, data["ST"], height=0.4, xerr=data["ST_conf"], color="tab:orange",
            label="ST (alone and with others)", capsize=3, error_kw={"lw": 1})
    ax.set_yticks(pos, [f"{lab} [{k}]" for lab, k in zip(data["label"], data["kind"])])
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.6)
    ax.set(title=f"Sobol' indices (N = {int(data['n'].iloc[0])}, 95% intervals): {data['target'].iloc[0]}",
           xlabel="share of the result's variance (unitless)")
    ax.legend(loc="lower right", frameon=False)
    return fig


def tornado(tornado_table: pd.DataFrame, target: str | None = None, *, unit: str = "indicator units",
            top: int = 12):
    """One-at-a-time swings: for each parameter (largest swing on top), the result at its 5th and 95th
    percentile with every other parameter at its central value; the line is the central result."""
    data = _one(tornado_table, "target", target, "tornado")
    data = data.sort_values("swing", ascending=False, kind="stable").head(top).reset_index(drop=True)
    fig, ax = _tall(len(data))
    pos = np.arange(len(data))
    base = float(data["base"].iloc[0])
    ax.barh(pos, data["at_low"] - base, left=base, color="tab:blue", label="parameter at its 5th percentile")
    ax.barh(pos, data["at_high"] - base, left=base, color="tab:orange", alpha=0.8,
            label="parameter at its 95th percentile")
    ax.axvline(base, color="black", lw=0.8)
    ax.set_yticks(pos, [f"{lab} [{k}]" for lab, k in zip(data["label"], data["kind"])])
    ax.invert_yaxis()
    ax.set(title=f"What moves the result, one parameter at a time: {data['target'].iloc[0]}",
           xlabel=f"result ({unit}); line: every parameter at its central value")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    return fig


def attribution(table: pd.DataFrame, indicator: str | None = None, *, unit: str = "indicator units",
                title: str | None = None):
    """Shapley contributions of each lever to a scenario's effect on one indicator; they sum to the total
    (the dashed line)."""
    data = _one(table, "indicator", indicator, "attribution")
    fig, ax = _tall(len(data) + 1)
    pos = np.arange(len(data))
    colours = ["tab:green" if c < 0 else "tab:red" for c in data["contribution"]]
    ax.barh(pos, data["contribution"], color=colours)
    total = float(data["total"].iloc[0])
    ax.axvline(total, color="black", ls="--", lw=1, label=f"total effect {total:+.4g}")
    ax.axvline(0, color="black", lw=0.6)
    ax.set_yticks(pos, list(data["lever"]))
    ax.invert_yaxis()
    ax.set(title=title or f"Which lever brings the effect on {data['indicator'].iloc[0]} (Shapley)",
           xlabel=f"contribution to scenario − reference ({unit})")
    ax.legend(loc="lower right", frameon=False)
    return fig


def prim_tradeoff(trajectory: pd.DataFrame, box: int = 1):
    """PRIM's peeling trajectory for one box: coverage against density, the chosen box circled."""
    data = _one(trajectory, "box", box, "prim_tradeoff")
    fig, ax = plt.subplots(figsize=(7, 5), layout="constrained")
    sc = ax.scatter(data["coverage"], data["density"], c=data["res_dim"], cmap="viridis", s=25)
    chosen = data[data["chosen"].astype(bool)]
    ax.scatter(chosen["coverage"], chosen["density"], s=160, facecolors="none", edgecolors="tab:red", lw=1.5,
               label="box reported")
    fig.colorbar(sc, ax=ax, label="parameters restricted")
    ax.set(title="Where the plan misses its target: PRIM coverage–density trade-off",
           xlabel="coverage (share of all misses inside the box)", ylabel="density (share of the box that misses)",
           xlim=(0, 1.02), ylim=(0, 1.02))
    ax.legend(loc="lower left", frameon=False)
    return fig
