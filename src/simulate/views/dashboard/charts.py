"""The planner dashboard's charts (matplotlib, drawn to PNG so they render the same in JupyterLab,
Voilà and papermill).

Labels are Chinese only when a CJK font is installed (:func:`simulate.views.dashboard.fonts.cjk_family`,
which also adds a system CJK font that matplotlib's cache does not know), English otherwise (no
missing-glyph boxes). The cost chart numbers its points and places the labels where they overlap
no other label or point (:func:`place_labels`); the key with the titles sits under the axes.
"""

from __future__ import annotations

import io

from ...inputs.scenario import available_scenarios, load_scenario
from .i18n import text


def _chart_lang(lang: str) -> str:
    """'zh' only when matplotlib can draw CJK (:func:`simulate.views.dashboard.fonts.cjk_family`), else 'en'."""
    from .fonts import cjk_family

    return "zh" if lang == "zh" and cjk_family() is not None else "en"


def _figure(width=7.2, height=2.8):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=90)
    FigureCanvasAgg(fig)  # a renderer, to measure labels before saving
    return fig


def png(fig) -> bytes:
    """The figure as PNG bytes."""
    return _png(fig)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


def _font_kw(lang: str) -> dict:
    if lang != "zh":
        return {}
    from .fonts import cjk_family

    return {"fontfamily": cjk_family()}


def gap_chart_png(x) -> bytes:
    """Rural–urban and poor–non-poor junior dropout gaps (pp) and the learning gaps (SD) by year."""
    return _png(gap_chart_figure(x))


def gap_chart_figure(x):
    lang = _chart_lang(x.language)
    kw = _font_kw(lang)
    cur, ref = x.series, x.reference_series
    fig = _figure()
    ax1, ax2 = fig.subplots(1, 2)
    colors = ("#1f77b4", "#d62728")
    for ax, keys in ((ax1, ("dropout_gap.urban_rural.junior", "dropout_gap.poor.junior")),
                     (ax2, ("learning_gap.urban_rural", "learning_gap.poor"))):
        for key, c in zip(keys, colors):
            ax.plot(cur.index, cur[key], color=c, label=text(key, lang))
            ax.plot(ref.index, ref[key], color=c, ls="--", alpha=0.7)
            _band(ax, x, key, c)
    ax1.set_ylabel(text("axis_gap_pp", lang), **kw)
    ax2.set_ylabel(text("axis_sd", lang), **kw)
    for ax in (ax1, ax2):
        ax.set_xlabel(text("axis_year", lang), **kw)
        ax.legend(prop={"size": 7, **({"family": kw["fontfamily"]} if kw else {})})
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def cost_chart_png(x) -> bytes:
    """Extra cost per year against the reduction of the poor–non-poor junior dropout gap: see
    :func:`cost_chart_figure`."""
    return _png(cost_chart_figure(x))


def scenario_title(scenario, lang: str = "en") -> str:
    """The scenario's whole title in ``lang`` (Chinese: ``title_zh`` where the file has one), else its name."""
    if lang == "zh" and getattr(scenario, "title_zh", ""):
        return scenario.title_zh
    return scenario.title or scenario.name


def cost_points(x, lang: str) -> list[dict]:
    """The cost chart's points: every named scenario but the reference (at (0, 0) by definition), then
    this one. Each: label (the number drawn beside it, or "this scenario"), title, extra cost a year
    (mean over the years, in the chart's unit: million yuan in English, 万元 in Chinese) and the
    reduction of the poor–non-poor junior dropout gap in the last year (pp)."""
    ref = x.reference_series
    last = ref.index.max()
    unit = 1e6 if lang == "en" else 1e4
    named = []
    for name in available_scenarios():
        if name == x.reference_scenario.name:
            continue
        try:
            scenario = load_scenario(name)
            s = x.expected(scenario)
        except Exception:  # a broken file elsewhere must not break the dashboard
            continue
        named.append((name, scenario_title(scenario, lang), s))
    rows = [(str(i), title, s) for i, (name, title, s) in enumerate(named, start=1)]
    rows.append((text("this_scenario", lang), text("this_scenario", lang), x.series))
    return [{"label": label, "title": title, "mine": i == len(rows) - 1,
             "extra": float((s["cost.total"] - ref["cost.total"]).mean()) / unit,
             "gain": float(ref.loc[last, "dropout_gap.poor.junior"] - s.loc[last, "dropout_gap.poor.junior"])}
            for i, (label, title, s) in enumerate(rows)]


# label offsets tried around a point, in points, nearest first (right, above, left, below, diagonals)
_OFFSETS = tuple((r * dx, r * dy) for r in (1, 2, 3, 4) for dx, dy in
                 ((5, 3), (5, -9), (-5, 3), (-5, -9), (0, 7), (0, -13), (8, -3), (-8, -3)))


def _overlaps(a, b, pad: float = 1.0) -> bool:
    return not (a.x1 + pad <= b.x0 or b.x1 + pad <= a.x0 or a.y1 + pad <= b.y0 or b.y1 + pad <= a.y0)


def place_labels(ax, points: list[tuple[float, float, str]], fontsize: float = 7, **text_kw) -> list:
    """Label each (x, y, label) next to its point where the label overlaps no other label, no marker
    and stays inside the axes: the first free offset of :data:`_OFFSETS` (a greedy repel,
    deterministic). A label with no free place keeps the last one tried. Returns the Annotations."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    markers = []
    for px, py, _ in points:
        cx, cy = ax.transData.transform((px, py))
        r = 4.0 * fig.dpi / 72
        markers.append((cx - r, cy - r, cx + r, cy + r))
    from matplotlib.transforms import Bbox

    taken = [Bbox.from_extents(*m) for m in markers]
    out = []
    for i, (px, py, label) in enumerate(points):
        own = taken[i]
        for dx, dy in _OFFSETS:
            ha = "left" if dx > 0 else "right" if dx < 0 else "center"
            ann = ax.annotate(label, (px, py), xytext=(dx, dy), textcoords="offset points", fontsize=fontsize,
                              ha=ha, va="bottom", **text_kw)
            box = ann.get_window_extent(renderer)
            inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
            if inside and not any(_overlaps(box, t) for t in taken if t is not own):
                break
            if (dx, dy) != _OFFSETS[-1]:
                ann.remove()
        taken.append(box)
        out.append(ann)
    return out


def cost_chart_figure(x):
    """The cost chart: extra cost per year (mean over years; million yuan in English, 万元 in Chinese)
    against the reduction of the poor–non-poor junior dropout gap in the last year, for every named
    scenario (numbered; the key under the chart gives their titles) and this one (red star). Labels
    are placed so that none overlaps another or a marker (:func:`place_labels`)."""
    lang = _chart_lang(x.language)
    kw = _font_kw(lang)
    points = cost_points(x, lang)
    fig = _figure(6.4, 5.0)
    ax = fig.subplots()
    for p in points:
        ax.scatter([p["extra"]], [p["gain"]], s=110 if p["mine"] else 35, color="#d62728" if p["mine"] else "#1f77b4",
                   zorder=3 if p["mine"] else 2, marker="*" if p["mine"] else "o",
                   label=f"{p['label']}  {p['title']}" if not p["mine"] else p["title"])
    ax.axhline(0, color="#999", lw=0.8)
    ax.axvline(0, color="#999", lw=0.8)
    xs, ys = [p["extra"] for p in points] + [0.0], [p["gain"] for p in points] + [0.0]
    for lim, vals in ((ax.set_xlim, xs), (ax.set_ylim, ys)):
        lo, hi = min(vals), max(vals)
        pad = 0.18 * (hi - lo) if hi > lo else 1.0
        lim(lo - pad, hi + pad)
    year = int(x.reference_series.index.max())
    ax.set_title(text("chart_cost_title", lang, year=year, ref=scenario_title(x.reference_scenario, lang)), fontsize=9, **kw)
    ax.set_xlabel(text("axis_extra_cost", lang), **kw)
    ax.set_ylabel(text("axis_gap_reduction", lang, year=year), **kw)
    ax.grid(alpha=0.3)
    prop = {"size": 7, **({"family": kw["fontfamily"]} if kw else {})}
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.16), ncol=1, prop=prop, frameon=False,
              handletextpad=0.3, columnspacing=1.0)
    fig.tight_layout()
    place_labels(ax, [(p["extra"], p["gain"], p["label"]) for p in points],
                 **({"fontfamily": kw["fontfamily"]} if kw else {}))
    return fig


# ------------------------------------------------------------------ intervals, time out of school, text alternatives
def intervals_by_year(x, key: str, who: str = "current"):
    """(years, lo, hi) of ``key`` for ``who`` ("current" or "reference") from the explorer's last
    uncertainty run, or None when there is none (or it has no such indicator)."""
    cmp = getattr(x, "uncertainty", None)
    if cmp is None:
        return None
    t = cmp.table
    t = t[(t["scenario"] == who) & (t["indicator"] == key)].sort_values("year")
    if t.empty:
        return None
    return t["year"].to_numpy(), t["lo"].to_numpy(), t["hi"].to_numpy()


def _band(ax, x, key: str, color: str) -> None:
    """The 90% interval of this scenario's ``key`` as a shaded band (after "Run with uncertainty")."""
    band = intervals_by_year(x, key)
    if band is not None:
        ax.fill_between(band[0], band[1], band[2], color=color, alpha=0.18, lw=0)


CHILD_YEARS = "child_years_out_of_school.cumulative.total"


def child_years_chart_figure(x):
    """The headline outcome: child-years out of school so far, by year, this scenario (solid, with its
    90% band after an uncertainty run) against the reference (dashed)."""
    lang = _chart_lang(x.language)
    kw = _font_kw(lang)
    cur, ref = x.series, x.reference_series
    fig = _figure(6.4, 2.8)
    ax = fig.subplots()
    ax.plot(cur.index, cur[CHILD_YEARS], color="#1f77b4", label=text("this_scenario", lang))
    ax.plot(ref.index, ref[CHILD_YEARS], color="#555", ls="--", label=text("ref_col", lang))
    _band(ax, x, CHILD_YEARS, "#1f77b4")
    ax.set_xlabel(text("axis_year", lang), **kw)
    ax.set_ylabel(text("axis_child_years", lang), **kw)
    ax.legend(prop={"size": 7, **({"family": kw["fontfamily"]} if kw else {})})
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


CHARTS = {"child_years": child_years_chart_figure, "gaps": gap_chart_figure, "cost": cost_chart_figure}


def chart_text(kind: str, x) -> str:
    """A chart's text alternative (what it shows, in numbers), in the explorer's language, as HTML."""
    import html

    from .i18n import fmt

    lang = x.language
    cur, ref = x.series, x.reference_series
    first, last = int(cur.index.min()), int(cur.index.max())
    if kind == "child_years":
        body = text("alt.child_years", lang, first=first, last=last, this=fmt(cur[CHILD_YEARS].iloc[-1], "child_years", lang),
                    ref=fmt(ref[CHILD_YEARS].iloc[-1], "child_years", lang))
    elif kind == "gaps":
        key = "dropout_gap.poor.junior"
        body = text("alt.gaps", lang, first=first, last=last, a=fmt(cur[key].iloc[0], "pp", lang),
                    b=fmt(cur[key].iloc[-1], "pp", lang), ref=fmt(ref[key].iloc[-1], "pp", lang),
                    sd=fmt(cur["learning_gap.poor"].iloc[-1], "sd", lang))
    else:
        points = cost_points(x, lang if lang == "en" else "zh")
        unit = text("unit.million_yuan" if lang == "en" else "unit.wan", lang)
        pp = " pp" if lang == "en" else "个百分点"
        parts = [f"{p['title']}: {p['extra']:+,.1f} {unit}, {p['gain']:+.2f}{pp}" for p in points]
        body = text("alt.cost", lang) + " " + "; ".join(parts)
    if getattr(x, "uncertainty", None) is not None and kind != "cost":
        body += " " + text("alt.band", lang)
    return f"<details class='explorer-chart-text'><summary>{html.escape(text('alt.summary', lang))}</summary>" \
           f"<p style='font-size:90%'>{html.escape(body)}</p></details>"
