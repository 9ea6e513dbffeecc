"""Seaborn figures from tidy tables only (DataFrames in, matplotlib Figures out).

Every function takes a tidy table (the ``Comparison.table``, a ``Result``
table, or a table built from them), draws one figure with a title and axis
labels that carry units, and returns the :class:`matplotlib.figure.Figure`
(nothing is shown or saved here; :func:`save` writes a PNG). Categorical
columns used for ``hue`` or ``x`` are cast to ``object`` first: with pandas 3
string dtypes seaborn 0.13 can mis-map or drop categories (seaborn#3893,
seaborn#3922). Bars and lines carry exactly the table's values (tested).

For researchers: :func:`trajectories` and :func:`facet_trajectories` take a comparison's
tables as they are (``cmp.select(indicator)``, ``cmp.breakdown(indicator, by=...)``) and label
themselves from the indicator catalogue (``simulate.indicators()``: label and unit), so a
publication figure needs no hand-written labels; pass ``title=``/``ylabel=`` to override.
"""

from __future__ import annotations

from pathlib import Path

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import FuncFormatter, MaxNLocator

__all__ = ["bars", "interval_bars", "trajectories", "facet_trajectories", "catalogue_labels", "coefficients", "tradeoff",
           "deviation_bars", "limit_bars", "validation_ranges", "plain_numbers", "save"]

FIGSIZE = (8, 4.5)
TITLE_WIDTH = 70  # characters per title line at FIGSIZE: longer titles wrap instead of being cut off


def _title(text: str, width: int = TITLE_WIDTH) -> str:
    """``text`` wrapped at word boundaries so that it fits the figure (explicit newlines kept)."""
    return "\n".join(textwrap.fill(part, width, break_long_words=False) for part in str(text).split("\n"))


def plain_numbers(ax, axis: str = "y") -> None:
    """Tick labels as plain numbers with thousands separators: no ``1e6`` offset or scientific notation."""
    fmt = FuncFormatter(lambda v, _pos: f"{v:,.{0 if abs(v) >= 10 or float(v).is_integer() else 2}f}".replace("-", "−"))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def _caption(fig, text: str | None) -> None:
    """A note under the axes (e.g. which rows are not shown, and why)."""
    if text:
        fig.supxlabel(_title(text, 100), fontsize=8, color="#444", x=0.01, ha="left")


def _categorical(df: pd.DataFrame, *columns: str | None) -> pd.DataFrame:
    """Copy of ``df`` with the named columns as plain ``object`` dtype (seaborn#3893/#3922)."""
    df = df.copy()
    for c in columns:
        if c is not None:
            df[c] = df[c].astype(object)
    return df


def _check(df: pd.DataFrame, columns, where: str) -> None:
    missing = [c for c in columns if c is not None and c not in df.columns]
    if missing:
        raise ValueError(f"{where}: the table has no column(s) {missing}; it has {list(df.columns)}")


def _figure():
    fig, ax = plt.subplots(figsize=FIGSIZE, layout="constrained")
    return fig, ax


def bars(df: pd.DataFrame, x: str, y: str, hue: str | None = None, *, title: str, ylabel: str,
         xlabel: str | None = None, order=None, hue_order=None, horizontal: bool = False):
    """One bar per row of ``df`` (one row per ``x`` × ``hue``): bar lengths are the ``y`` values, unaggregated.

    ``horizontal`` puts the categories ``x`` on the vertical axis (for long
    labels); ``ylabel`` still names the value axis.
    """
    _check(df, (x, y, hue), "bars")
    if df.duplicated([c for c in (x, hue) if c]).any():
        raise ValueError(f"bars: more than one row per ({x}, {hue}); aggregate the table first")
    data = _categorical(df, x, hue)
    if horizontal:
        fig, ax = plt.subplots(figsize=(8, 0.4 * data[x].nunique() + 1.5), layout="constrained")
        sns.barplot(data=data, x=y, y=x, hue=hue, order=order, hue_order=hue_order, errorbar=None, orient="h", ax=ax)
        ax.set(title=title, xlabel=ylabel, ylabel=xlabel if xlabel is not None else x.replace("_", " "))
        return fig
    fig, ax = _figure()
    sns.barplot(data=data, x=x, y=y, hue=hue, order=order, hue_order=hue_order, errorbar=None, ax=ax)
    ax.set(title=title, ylabel=ylabel, xlabel=xlabel if xlabel is not None else x.replace("_", " "))
    return fig


def interval_bars(df: pd.DataFrame, x: str, y: str = "mean", lo: str = "lo", hi: str = "hi", *, title: str,
                  ylabel: str, xlabel: str | None = None, highlight: str | None = None, caption: str | None = None):
    """Bars of ``y`` per ``x`` (one row each) with interval whiskers from ``lo`` to ``hi``; value ticks as
    plain numbers; ``caption``: a note under the figure (e.g. the rows left out and why)."""
    _check(df, (x, y, lo, hi), "interval_bars")
    data = _categorical(df, x).reset_index(drop=True)
    fig, ax = _figure()
    palette = {v: ("tab:gray" if v == highlight else "tab:blue") for v in data[x]}
    sns.barplot(data=data, x=x, y=y, hue=x, palette=palette, order=list(data[x]), errorbar=None,
                legend=False, ax=ax)
    # whiskers drawn from lo to hi as they are: a summary of a ratio (a cost per effect) can lie outside
    # the interval of its draws, which matplotlib's errorbar (lengths from the bar) refuses
    pos = np.arange(len(data))
    ax.hlines(np.concatenate([data[lo], data[hi]]), np.tile(pos, 2) - 0.08, np.tile(pos, 2) + 0.08,
              color="black", lw=1)  # caps
    ax.vlines(pos, data[lo], data[hi], color="black", lw=1)  # the whiskers (the last collection)
    ax.axhline(0, color="black", lw=0.6)
    ax.set(title=_title(title), ylabel=ylabel, xlabel=xlabel if xlabel is not None else x.replace("_", " "))
    ax.tick_params(axis="x", rotation=20)
    plain_numbers(ax)
    _caption(fig, caption)
    return fig


def catalogue_labels(df: pd.DataFrame, title: str | None, ylabel: str | None, y: str = "mean",
                     lang: str = "en") -> tuple[str, str]:
    """(title, value-axis label) for a table of one indicator, from the indicator catalogue
    (:func:`simulate.indicators`): the indicator's label, and its label with its unit — a
    difference column (``diff``) says "difference vs reference". A ``title`` or ``ylabel`` given
    is kept; without an ``indicator`` column (or with several indicators) both must be given."""
    if title is not None and ylabel is not None:
        return title, ylabel
    names = list(dict.fromkeys(df["indicator"])) if "indicator" in df.columns else []
    if len(names) != 1:
        raise ValueError("title and ylabel: give them, or pass a table of exactly one indicator (an 'indicator' "
                         f"column) to take them from the catalogue; this table has {len(names)} indicators")
    from ..measures.catalogue import describe

    row = describe(names[0])
    label = row["label_zh" if lang == "zh" else "label_en"]
    what = label if not y.startswith("diff") else (f"{label}：与对照之差" if lang == "zh"
                                                  else f"{label}, difference vs reference")
    return (title if title is not None else label), (ylabel if ylabel is not None else f"{what} ({row['unit']})")


def trajectories(df: pd.DataFrame, x: str = "year", y: str = "mean", hue: str = "scenario",
                 lo: str | None = "lo", hi: str | None = "hi", *, title: str | None = None,
                 ylabel: str | None = None, xlabel: str = "year", lang: str = "en"):
    """A line of ``y`` over ``x`` per ``hue`` level, with a shaded ``lo``–``hi`` band when given.

    Takes ``cmp.select("learning_gap.poor")`` (or any tidy table of one indicator with ``year``,
    ``mean``, ``lo``, ``hi`` and ``scenario`` columns) as it is; ``title`` and ``ylabel`` default to
    the indicator's catalogue label and unit (``lang="zh"``: Chinese labels; needs a CJK font).
    For differences from the reference pass ``y="diff", lo="diff_lo", hi="diff_hi"``. Returns the
    matplotlib Figure (nothing shown or saved; :func:`save` writes a PNG)::

        fig = plots.trajectories(cmp.select("dropout_gap.poor.junior"))
    """
    _check(df, (x, y, hue, lo, hi), "trajectories")
    title, ylabel = catalogue_labels(df, title, ylabel, y, lang)
    data = _categorical(df, hue).sort_values([hue, x])
    fig, ax = _figure()
    levels = list(dict.fromkeys(data[hue]))
    colours = dict(zip(levels, sns.color_palette(n_colors=len(levels))))
    sns.lineplot(data=data, x=x, y=y, hue=hue, hue_order=levels, palette=colours, marker="o",
                 errorbar=None, estimator=None, ax=ax)
    if lo and hi:
        for level, part in data.groupby(hue, sort=False):
            ax.fill_between(part[x], part[lo], part[hi], color=colours[level], alpha=0.15, lw=0)
    ax.set(title=title, ylabel=ylabel, xlabel=xlabel)
    if np.issubdtype(np.asarray(data[x]).dtype, np.integer):  # years: whole ticks, no offset
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.ticklabel_format(axis="x", useOffset=False, style="plain")
    return fig


def coefficients(table: pd.DataFrame, *, title: str, xlabel: str = "log-odds of dropout"):
    """Coefficient plot: estimates with intervals (``term, estimate, lo, hi``) and true values marked (``true``)."""
    _check(table, ("term", "estimate", "lo", "hi"), "coefficients")
    data = _categorical(table, "term").reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(data) + 2), layout="constrained")
    pos = np.arange(len(data))
    ax.errorbar(data["estimate"], pos, xerr=[data["estimate"] - data["lo"], data["hi"] - data["estimate"]],
                fmt="o", color="tab:blue", capsize=3, label="estimate and interval")
    if "true" in data.columns:
        sns.scatterplot(x=data["true"].to_numpy(), y=pos, marker="X", s=80, color="tab:red",
                        label="engine's true value", ax=ax, zorder=3)
    ax.axvline(0, color="black", lw=0.6)
    ax.set_yticks(pos, data["term"])
    ax.invert_yaxis()
    ax.set(title=title, xlabel=xlabel, ylabel="")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False)
    return fig


def tradeoff(df: pd.DataFrame, x: str, y: str, label: str = "scenario", *, title: str, xlabel: str,
             ylabel: str, xerr: tuple[str, str] | None = None, yerr: tuple[str, str] | None = None):
    """Scatter of one point per row (e.g. scenario: cost vs equity gain) with optional intervals; points are
    named by colour in a legend outside the axes (labels next to the points overlap when points are close)."""
    _check(df, (x, y, label, *(xerr or ()), *(yerr or ())), "tradeoff")
    data = _categorical(df, label).reset_index(drop=True)
    fig, ax = _figure()
    sns.scatterplot(data=data, x=x, y=y, hue=label, s=90, ax=ax)
    if xerr or yerr:
        ax.errorbar(data[x], data[y],
                    xerr=[data[x] - data[xerr[0]], data[xerr[1]] - data[x]] if xerr else None,
                    yerr=[data[y] - data[yerr[0]], data[yerr[1]] - data[y]] if yerr else None,
                    fmt="none", ecolor="gray", lw=0.8, capsize=3)
    ax.axhline(0, color="black", lw=0.6)
    ax.axvline(0, color="black", lw=0.6)
    ax.set(title=_title(title), xlabel=xlabel, ylabel=ylabel)
    ax.legend(title=label.replace("_", " "), loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=8)
    plain_numbers(ax, "x")
    plain_numbers(ax, "y")
    return fig


def facet_trajectories(df: pd.DataFrame, facet: str = "scenario", x: str = "year", y: str = "mean",
                       lo: str | None = "lo", hi: str | None = "hi", *, title: str | None = None,
                       ylabel: str | None = None, xlabel: str = "year", reference: str | None = None,
                       ncols: int = 3, lang: str = "en"):
    """One panel per ``facet`` level (shared value axis): its line of ``y`` over ``x`` with its ``lo``–``hi``
    band; ``reference`` (a level) is drawn in every other panel as a grey dashed line for comparison.

    ``title`` and ``ylabel`` default to the catalogue's label and unit of the table's one
    indicator (see :func:`trajectories`). Works on ``cmp.select(...)`` (facet="scenario") and on
    ``cmp.breakdown(...)`` (facet="town_en" or "location")::

        fig = plots.facet_trajectories(cmp.breakdown("dropout_rate.junior", by="location"),
                                       facet="location", y="diff", lo="diff_lo", hi="diff_hi")
    """
    _check(df, (x, y, facet, lo, hi), "facet_trajectories")
    title, ylabel = catalogue_labels(df, title, ylabel, y, lang)
    data = _categorical(df, facet).sort_values([facet, x], kind="stable")
    levels = list(dict.fromkeys(df[facet].astype(object)))
    ncols = max(1, min(ncols, len(levels)))
    nrows = -(-len(levels) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.2 * ncols + 0.6, 2.6 * nrows + 1.0), sharex=True, sharey=True,
                             layout="constrained", squeeze=False)
    colours = dict(zip(levels, sns.color_palette(n_colors=len(levels))))
    ref = data[data[facet] == reference] if reference is not None else None
    for ax, level in zip(axes.flat, levels):
        part = data[data[facet] == level]
        if ref is not None and len(ref) and level != reference:
            ax.plot(ref[x], ref[y], color="gray", ls="--", lw=1, label=f"{reference} (reference)")
        ax.plot(part[x], part[y], color=colours[level], marker="o", ms=3, label=str(level))
        if lo and hi:
            ax.fill_between(part[x], part[lo], part[hi], color=colours[level], alpha=0.2, lw=0)
        ax.set_title(str(level), fontsize=9)
        ax.axhline(0, color="black", lw=0.5)
        if np.issubdtype(np.asarray(data[x]).dtype, np.integer):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
            ax.ticklabel_format(axis="x", useOffset=False, style="plain")
    for ax in axes.flat[len(levels):]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel)
    for ax in axes[-1, :]:
        ax.set_xlabel(xlabel)
    if reference is not None:
        fig.legend(handles=[plt.Line2D([], [], color="gray", ls="--", lw=1)], labels=[f"{reference} (reference)"],
                   loc="outside lower center", frameon=False, fontsize=8)
    fig.suptitle(_title(title, 25 * ncols + 10))
    return fig


def deviation_bars(df: pd.DataFrame, label: str, ratio: str, hue: str | None = None, *, title: str,
                   xlabel: str = "model ÷ published − 1 (%)", order=None):
    """How far each row's ``ratio`` (model ÷ published) is from 1: horizontal bars of (ratio − 1) in per cent,
    centred at 0, so a 2% deviation is visible where ratio bars from 0 would hide it."""
    _check(df, (label, ratio, hue), "deviation_bars")
    data = _categorical(df, label, hue).assign(_deviation=lambda d: 100 * (d[ratio].astype(float) - 1))
    labels = list(order) if order is not None else list(dict.fromkeys(data[label]))
    fig, ax = plt.subplots(figsize=(9, 0.38 * len(labels) + 2.2), layout="constrained")
    sns.barplot(data=data, x="_deviation", y=label, hue=hue, order=labels, errorbar=None, orient="h", dodge=False,
                ax=ax)
    ax.axvline(0, color="black", lw=0.8)
    largest = float(np.nanmax(np.abs(data["_deviation"]))) if len(data) else 0.0
    ax.set_xlim(-max(largest * 1.15, 1.0), max(largest * 1.15, 1.0))  # symmetric: 0 = matches, in the middle
    ax.set_yticks(range(len(labels)), [textwrap.shorten(str(t), 60, placeholder="…") for t in labels], fontsize=8)
    ax.set(title=_title(title, 80), xlabel=xlabel, ylabel="")
    if hue is not None and ax.get_legend() is not None:
        handles, names = ax.get_legend_handles_labels()
        ax.get_legend().remove()
        fig.legend(handles, names, title=hue.replace("_", " "), loc="outside lower center", ncol=3, frameon=False,
                   fontsize=8)
    return fig


def limit_bars(df: pd.DataFrame, x: str, y: str, hue: str, limit: float, *, title: str, ylabel: str,
               xlabel: str | None = None, limit_label: str = "limit", order=None, hue_order=None):
    """Grouped bars of ``y`` per ``x`` and ``hue`` (one row each) with a dashed line at ``limit``, the
    threshold each bar is held against (e.g. each balance indicator's CV against the per-indicator limit)."""
    fig = bars(df, x, y, hue=hue, title=title, ylabel=ylabel, xlabel=xlabel, order=order, hue_order=hue_order)
    ax = fig.axes[0]
    ax.set_title(_title(title))
    ax.axhline(limit, color="tab:red", ls="--", lw=1, label=f"{limit_label} {limit:g}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=8)
    ax.tick_params(axis="x", rotation=15)
    return fig


def validation_ranges(table: pd.DataFrame, *, title: str):
    """One row per validation target (units differ): the published interval as a band with its value,
    and the model's central value with its parameter interval (``published, published_lo, published_hi,
    simulated, sim_lo, sim_hi, target``; ``unit`` labels each row's axis when present)."""
    _check(table, ("target", "published", "published_lo", "published_hi", "simulated", "sim_lo", "sim_hi"),
           "validation_ranges")
    data = table.reset_index(drop=True)
    fig, axes = plt.subplots(len(data), 1, figsize=(8, 1.3 * len(data) + 1.2), layout="constrained", squeeze=False)
    for ax, (_, row) in zip(axes[:, 0], data.iterrows()):
        ax.axvspan(row["published_lo"], row["published_hi"], color="tab:green", alpha=0.25,
                   label="published interval")
        ax.plot([row["published"]], [0], marker="D", color="tab:green", ls="none", label="published")
        # with few draws the central value can fall outside its own interval: whiskers never negative
        ax.errorbar([row["simulated"]], [0], xerr=[[max(row["simulated"] - row["sim_lo"], 0.0)],
                                                   [max(row["sim_hi"] - row["simulated"], 0.0)]],
                    fmt="o", color="tab:blue", capsize=4, label="model (90% parameter interval)")
        ax.set_yticks([])
        ax.set_title(str(row["target"]), fontsize=9, loc="left")
        ax.set_xlabel(str(row.get("unit", "")), fontsize=8)
    axes[0, 0].legend(loc="lower center", bbox_to_anchor=(0.5, 1.25), ncol=3, frameon=False, fontsize=8)
    fig.suptitle(title)
    return fig


def save(fig, path: str | Path, dpi: int = 110) -> Path:
    """Write ``fig`` as PNG (no timestamps in the metadata) and close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, metadata={"Software": None})
    plt.close(fig)
    return path
