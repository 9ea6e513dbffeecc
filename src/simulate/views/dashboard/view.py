"""The widgets of :class:`simulate.views.dashboard.app.ScenarioExplorer`: layout, event wiring, table and charts.

Layout: the title and an introduction (what the page shows, for which district, how to use
it), the district dropdown (:mod:`simulate.views.dashboard.districts`) with its message beside
it, a top bar (start-from and reference dropdowns, language toggle, reset), the levers grouped
by lever in an accordion on the left, and on the right the headline table, the charts (PNG
images, so they render the same in JupyterLab, Voilà and papermill), "what drives this difference" (computed on
its button, with a progress bar), the uncertainty run with its progress bar
and "save as scenario". The headline table is an HTML widget whose cells carry
``data-key`` (indicator) and classes ``value`` / ``change`` for browser tests.

Charts use matplotlib directly (fast enough to redraw on each change); their
labels are Chinese only when a CJK font is installed (:func:`simulate.views.dashboard.fonts.cjk_family`,
which also adds a system CJK font that matplotlib's cache does not know), English otherwise (no
missing-glyph boxes). The cost chart numbers its points and places the labels where they overlap
no other label or point (:func:`place_labels`); the key with the titles sits under the axes.
"""

from __future__ import annotations

import html
import io
import math

import ipywidgets as w

from ...inputs.scenario import ScenarioError, available_scenarios, load_scenario
from ...errors import InputError
from .controls import BY_PATH, GROUPS, LEVERS, SHARE_GROUP, CheckedIntSlider, _is_real, coerce_choice, \
    label_html, make_widget, rebalance_shares, set_range, to_display, to_param
from .i18n import text

CHART_DELAY = 0.3  # seconds of quiet before the charts are redrawn (debounce)
LANG_OPTIONS = (("English", "en"), ("中文", "zh"))


def scenario_options() -> list[tuple[str, str]]:
    """(title, name) of every scenario for the dropdowns: planners read titles, not file ids."""
    out = []
    for name in available_scenarios():
        try:
            title = load_scenario(name).title or name
        except ScenarioError:
            title = name
        out.append((title if title == name else f"{title} ({name})", name))
    return out


class View:
    def __init__(self, explorer):
        self.x = explorer
        lang = explorer.language
        self._muted = False
        self._chart_timer = None
        names = scenario_options()
        self.start = w.Dropdown(options=names, value=explorer.start_scenario.name, layout=w.Layout(width="320px"))
        self.reference = w.Dropdown(options=names, value=explorer.reference_scenario.name,
                                    layout=w.Layout(width="320px"))
        self.lang = w.ToggleButtons(options=LANG_OPTIONS, value=lang, style={"button_width": "70px"})
        self.reset = w.Button(icon="undo")
        self.title = w.HTML()
        self.intro = w.HTML()  # what the page is and how to use it, in the chosen language
        self.intro.add_class("explorer-intro")
        from .districts import district_options

        self.district = w.Dropdown(options=district_options(explorer.data_dir, explorer._start_district),
                                   layout=w.Layout(width="320px"))
        self.district.add_class("explorer-district")
        self.show_district()
        self.district_msg = w.HTML()  # messages of the district dropdown (a folder that does not load), beside it
        self.district_msg.add_class("explorer-district-message")
        self.top_labels = {k: w.HTML() for k in ("district", "start", "reference", "language")}
        self.msg = w.HTML()  # messages of the top bar (start from, reference, reset), shown under it
        self.msg.add_class("explorer-message")
        self.save_msg = w.HTML()  # messages of "save as scenario", shown beside its button
        self.save_msg.add_class("explorer-save-message")

        self.controls, self.labels = {}, {}
        self.notes: dict[str, w.HTML] = {}     # beside each control: the value it kept and why
        self.note_state: dict[str, tuple | None] = {}  # path → (i18n key, fields) or None
        rows = {g: [] for g in GROUPS}
        for lever in LEVERS:
            start = explorer.start_levers  # at the district's size: what the engine runs
            extra = (start.value(lever.path),) if lever.choice else ()
            widget = make_widget(lever, start.value(lever.path), lang, extra, explorer.range_factor(lever.path))
            widget.observe(lambda ch, p=lever.path: self._on_lever(p, ch), names="value")
            self.controls[lever.path] = widget
            self.labels[lever.path] = w.HTML(layout=w.Layout(width="300px"))
            self._add_note(lever.path, widget)
            rows[lever.group].append(w.HBox([self.labels[lever.path], widget, self.notes[lever.path]]))
        self.accordion = w.Accordion(children=[w.VBox(rows[g]) for g in GROUPS], selected_index=0)
        self.changed = w.HTML()

        self.table = w.HTML()
        self.table.add_class("explorer-headline")
        self.gap_chart, self.cost_chart = w.Image(format="png"), w.Image(format="png")
        self.chart_titles = (w.HTML(), w.HTML())

        self.draws = CheckedIntSlider(value=50, min=10, max=500, step=10, continuous_update=False)
        self._add_note("draws", self.draws)
        self.run = w.Button(button_style="info", icon="random", layout=w.Layout(width="220px"))
        self.progress = w.IntProgress(value=0, min=0, max=1, layout=w.Layout(width="300px", visibility="hidden"))
        self.unc_note = w.HTML()

        self.drivers_intro = w.HTML()
        self.drivers_button = w.Button(button_style="info", icon="sitemap", layout=w.Layout(width="260px"))
        self.drivers_button.add_class("explorer-drivers-button")
        self.drivers_progress = w.IntProgress(value=0, min=0, max=1, layout=w.Layout(width="300px", visibility="hidden"))
        self.drivers_status = w.HTML()  # computing… / nothing to split / stale / an error, beside the button
        self.drivers_table = w.HTML()
        self.drivers_table.add_class("explorer-drivers")
        self._drivers_shown = False

        self.save_name = w.Text(placeholder="my_scenario", layout=w.Layout(width="220px"))
        self.save_title = w.Text(layout=w.Layout(width="420px"))
        self.overwrite = w.Checkbox(value=False, indent=False)
        self.save = w.Button(button_style="success", icon="save")
        self.section = {k: w.HTML() for k in ("levers", "headline", "charts", "drivers", "uncertainty", "save")}

        self.district.observe(lambda ch: self._guard(explorer.set_district, ch["new"]), names="value")
        self.start.observe(lambda ch: self._guard(explorer.set_start, ch["new"]), names="value")
        self.reference.observe(lambda ch: self._guard(explorer.set_reference, ch["new"]), names="value")
        self.lang.observe(lambda ch: explorer.set_language(ch["new"]), names="value")
        self.reset.on_click(lambda _: explorer.set_start(explorer.start_scenario.name, keep_edits=False))
        self.run.on_click(lambda _: self._run_uncertainty())
        self.drivers_button.on_click(lambda _: self._explain())
        self.save.on_click(lambda _: explorer.save(self.save_name.value.strip(), self.save_title.value.strip() or None,
                                                   self.overwrite.value))

        top = w.HBox([self.top_labels["start"], self.start, self.top_labels["reference"], self.reference,
                      self.reset, self.top_labels["language"], self.lang],
                     layout=w.Layout(align_items="center", flex_flow="row wrap"))
        left = w.VBox([self.section["levers"], self.changed, self.accordion], layout=w.Layout(width="640px"))
        right = w.VBox([self.section["headline"], self.table, self.section["charts"],
                        self.chart_titles[0], self.gap_chart, self.chart_titles[1], self.cost_chart,
                        self.section["drivers"], self.drivers_intro,
                        w.HBox([self.drivers_button, self.drivers_progress]), self.drivers_status, self.drivers_table,
                        self.section["uncertainty"], w.HBox([self.draws, self.run, self.notes["draws"]]),
                        self.progress, self.unc_note,
                        self.section["save"], w.HBox([self.save_name, self.save_title]),
                        w.HBox([self.overwrite, self.save]), self.save_msg], layout=w.Layout(width="760px"))
        where = w.HBox([self.top_labels["district"], self.district, self.district_msg],
                       layout=w.Layout(align_items="center", flex_flow="row wrap"))
        self.root = w.VBox([self.title, self.intro, where, top, self.msg, w.HBox([left, right], layout=w.Layout(flex_flow="row wrap"))])
        self.root.add_class("scenario-explorer")
        self.relabel()

    # ---------------------------------------------------------------- notes: what a control kept and why
    def _add_note(self, key: str, widget) -> None:
        self.notes[key] = w.HTML(layout=w.Layout(width="auto"))
        self.notes[key].add_class("explorer-note")
        self.note_state[key] = None
        if hasattr(widget, "on_note"):
            widget.on_note = lambda why, k=key: self.note(k, why)

    def note(self, key: str, why: tuple | None) -> None:
        """Show (or clear, with None) the note beside control ``key``: why its value was not taken.
        Values the dashboard sets itself (muted: rebalancing shares, loading a scenario) never clear one."""
        if why is None and self._muted:
            return
        self.note_state[key] = why
        self.notes[key].value = "" if why is None else (
            f"<span style='color:#a40000;font-size:85%'>{html.escape(text(why[0], self.x.language, **why[1]))}</span>")

    def note_texts(self) -> dict[str, str]:
        """Control → its note in the current language (only controls that have one)."""
        return {k: text(why[0], self.x.language, **why[1]) for k, why in self.note_state.items() if why is not None}

    # ---------------------------------------------------------------- events
    def _guard(self, fn, value):
        if not self._muted:
            fn(value)

    def _on_lever(self, path: str, change) -> None:
        if self._muted:
            return
        if path.startswith(SHARE_GROUP + "."):
            self._rebalance(path)
        self.x.apply_controls(self.values())

    def _rebalance(self, moved: str) -> None:
        paths = [p for p in self.controls if p.startswith(SHARE_GROUP + ".")]
        shares = {p: to_param(BY_PATH[p], self.controls[p].value) for p in paths}
        new = rebalance_shares(shares, moved, shares[moved])
        self._muted = True
        try:
            for p, v in new.items():
                self.controls[p].value = to_display(BY_PATH[p], v)
        finally:
            self._muted = False

    def values(self) -> dict:
        """Every lever's current value in parameter units."""
        return {p: to_param(BY_PATH[p], c.value) for p, c in self.controls.items()}

    def set_lever(self, path: str, value) -> None:
        """Move the lever at ``path`` to ``value`` (parameter units) as a planner would: a value it
        cannot hold (None, NaN, text, out of range, an unknown rule) leaves it at a valid value, with
        the note saying which and why; never an exception for the value."""
        if not isinstance(path, str) or path not in self.controls:
            raise InputError(f"path: no lever {path!r:.80} on the dashboard (levers: {', '.join(self.controls)})")
        lever, widget = BY_PATH[path], self.controls[path]
        if lever.choice:
            kept, why = coerce_choice(value, widget.value, [v for _, v in widget.options])
            self.note(path, why)
            widget.value = kept
            return
        if lever.integer and _is_real(value) and math.isfinite(value):
            widget.value = value / lever.scale  # unrounded: the slider rounds a fraction and says so
        else:
            widget.value = to_display(lever, value)  # the slider's own check keeps a valid value and notes why

    def set_levers(self, values: dict) -> None:
        """Move several levers (path → value, parameter units) and recompute once (a shared link)."""
        if not values:
            return
        self._muted = True
        try:
            for p, v in values.items():
                self.set_lever(p, v)
        finally:
            self._muted = False
        self.x.apply_controls(self.values())

    def load_levers(self, scenario) -> None:
        self._muted = True
        try:
            for p, c in self.controls.items():
                lever = BY_PATH[p]
                if lever.choice:
                    self._set_options(lever, c, scenario.value(p))
                set_range(c, lever, scenario.value(p), self.x.range_factor(p))
        finally:
            self._muted = False
        self._relabel_levers(self.x.language)
        for key in self.note_state:  # a new start scenario: the old notes no longer apply
            self.note(key, None)

    def _set_options(self, lever, widget, value) -> None:
        from .controls import choices

        opts = [c for c in choices(lever.path) if c != "named" or c == value]
        widget.options = [(text(f"rule.{c}", self.x.language), c) for c in opts]

    def refresh_scenario_lists(self) -> None:
        names = scenario_options()
        self._muted = True
        try:
            for dd in (self.start, self.reference):
                current = dd.value
                dd.options = names
                dd.value = current
        finally:
            self._muted = False

    def show_district(self) -> None:
        """The dropdown on the explorer's district (without switching; listed if it was not)."""
        from .districts import district_key, option_of

        key = district_key(self.x.district)
        self._muted = True
        try:
            if key not in [value for _, value in self.district.options]:
                self.district.options = [*self.district.options, option_of(self.x.district)]
            self.district.value = key
        finally:
            self._muted = False

    def _run_uncertainty(self) -> None:
        self.progress.layout.visibility = "visible"
        self.progress.value, self.run.disabled = 0, True

        def tick(done, total):
            self.progress.max, self.progress.value = total, done

        try:
            self.x.run_uncertainty(int(self.draws.value), on_progress=tick)
            self.unc_note.value = "<i>" + html.escape(
                text("uncertainty_note", self.x.language, draws=self.draws.value) + " "
                + text("uncertainty_stale", self.x.language)) + "</i>"
        except Exception as exc:  # shown to the planner, not as a traceback
            self.x.show_message(f"{text('uncertainty_failed', self.x.language)}: {type(exc).__name__}: {exc}", error=True)
        finally:
            self.run.disabled = False

    def _explain(self) -> None:
        """The "what drives this difference" button: compute (with progress), then show the table."""
        lang = self.x.language
        self.drivers_progress.layout.visibility = "visible"
        self.drivers_progress.value, self.drivers_button.disabled = 0, True
        self.drivers_table.value = ""
        self.drivers_status.value = f"<i>{html.escape(text('busy', lang))}</i>"

        def tick(done, total):
            self.drivers_progress.max, self.drivers_progress.value = total, done
            self.drivers_status.value = f"<i>{html.escape(text('drivers_computing', lang, done=done, total=total))}</i>"

        try:
            self.x.explain_difference(on_progress=tick)
        except Exception as exc:  # shown beside the button, not as a traceback
            self.drivers_status.value = (f"<span style='color:#a40000'>{html.escape(text('error', lang))}: "
                                         f"{html.escape(f'{type(exc).__name__}: {exc}')}</span>")
        finally:
            self.drivers_button.disabled = False
            self.drivers_progress.layout.visibility = "hidden"

    def show_drivers(self, none: bool = False) -> None:
        """The panel from ``explorer.attribution``: its table; "nothing differs" (``none``); or, once a
        split was shown and the levers or reference changed since, a note to press the button again."""
        x, lang = self.x, self.x.language
        self.drivers_intro.value = (f"<div style='font-size:90%;color:#555'>"
                                    f"{html.escape(text('drivers_intro', lang, ref=x.reference_scenario.name))}</div>")
        if none:
            self.drivers_table.value = ""
            self.drivers_status.value = f"<i>{html.escape(text('drivers_none', lang, ref=x.reference_scenario.name))}</i>"
            return
        if x.attribution is not None:
            from .drivers import drivers_html

            self._drivers_shown = True
            self.drivers_table.value = drivers_html(x.attribution, lang)
            self.drivers_status.value = ""
            return
        self.drivers_table.value = ""
        self.drivers_status.value = (f"<i>{html.escape(text('drivers_stale', lang))}</i>"
                                     if self._drivers_shown else "")

    # ---------------------------------------------------------------- rendering
    def relabel(self) -> None:
        lang = self.x.language
        self.title.value = f"<h2>{html.escape(text('title', lang))}</h2>"
        self.intro.value = f"<div style='max-width:1350px;color:#333'>{html.escape(intro_text(self.x, lang))}</div>"
        self.drivers_button.description = text("drivers_button", lang)
        for k, lab in self.top_labels.items():
            lab.value = f"<b>{text(k, lang)}</b>&nbsp;"
        self.reset.description = text("reset", lang)
        for k, why in self.note_state.items():
            self.note(k, why)
        self._relabel_levers(lang)
        for p, lab in self.labels.items():
            if BY_PATH[p].choice:
                c = self.controls[p]
                self._muted = True
                try:
                    value = c.value
                    c.options = [(text(f"rule.{v}", lang), v) for _, v in c.options]
                    c.value = value
                finally:
                    self._muted = False
        self.accordion.titles = tuple(text(f"group.{g}", lang) for g in GROUPS)
        for k, sec in self.section.items():
            sec.value = f"<h3 style='margin:8px 0 4px'>{text(k, lang)}</h3>"
        self.chart_titles[0].value = f"<b>{text('chart_gaps', lang)}</b>"
        self.chart_titles[1].value = f"<b>{text('chart_cost', lang)}</b>"
        self.draws.description = text("draws", lang)
        self.run.description = text("run_uncertainty", lang)
        self.save_name.description = text("save_name", lang)
        self.save_title.description = text("save_title", lang)
        self.overwrite.description = text("overwrite", lang)
        self.save.description = text("save_button", lang)

    def _relabel_levers(self, lang: str) -> None:
        scaled = self.x.scaled
        for p, lab in self.labels.items():
            lab.value = label_html(BY_PATH[p], lang, scaled.get(p))

    def show_message(self, message: str, error: bool = False, where: str = "top") -> None:
        """Show ``message`` next to the action it is about (``where``: "top" bar, "save" or "district");
        every other message is cleared, so no stale message lingers after the next action."""
        target = {"save": self.save_msg, "district": self.district_msg}.get(where, self.msg)
        for box in (self.msg, self.save_msg, self.district_msg):
            if box is not target:
                box.value = ""
        if not message:
            target.value = ""
            return
        color = "#a40000" if error else "#1a5e20"
        body = html.escape(message).replace("\n", "<br>")
        target.value = f"<div style='color:{color};border-left:4px solid {color};padding:4px 8px'>{body}</div>"

    def show_results(self) -> None:
        x, lang = self.x, self.x.language
        n = len(x.scenario.changed_paths(x.start_levers))
        self.changed.value = f"<i>{html.escape(text('changed_levers', lang, start=x.start_scenario.name, n=n))}</i>"
        self.table.value = results_html(x.results, lang, x.reference_scenario.name, x.scenario.start_year)

    def show_charts(self) -> None:
        """Redraw the charts: at once without an event loop (tests, scripts); in a kernel,
        CHART_DELAY seconds after the last change, so a burst of key presses or
        slider releases refreshes the numbers each time but draws the charts once."""
        loop = _running_loop()
        if loop is None:
            self._draw_charts()
            return
        if self._chart_timer is not None:
            self._chart_timer.cancel()
        self._chart_timer = loop.call_later(CHART_DELAY, self._draw_charts)

    def _draw_charts(self) -> None:
        self._chart_timer = None
        try:
            self.gap_chart.value = gap_chart_png(self.x)
            self.cost_chart.value = cost_chart_png(self.x)
        except Exception as exc:  # shown to the planner, not as a traceback
            self.x.show_message(f"{text('charts_failed', self.x.language)}: {type(exc).__name__}: {exc}", error=True)


def _running_loop():
    import asyncio

    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def build_view(explorer) -> View:
    return View(explorer)


def intro_text(x, lang: str) -> str:
    """The dashboard's introduction in ``lang``: what it shows, for which district, and how to use it."""
    import numpy as np

    pupils = float(np.asarray(x.district.enrolled).sum())
    banan = getattr(x, "factors", {}).get("pupils", 1.0) == 1.0
    where = text("intro_banan" if banan else "intro_district", lang, district=x.district.name,
                 schools=f"{x.district.n_schools:,}", pupils=f"{pupils:,.0f}")
    return text("intro", lang, where=where)


# ------------------------------------------------------------------ the headline table as HTML
def results_html(results, lang: str, reference_name: str, start_year: int) -> str:
    if results.empty:
        return ""
    year = int(results["year"].iloc[0])
    has_iv = "interval_text" in results
    head = "".join(f"<th style='text-align:{a};padding:2px 8px'>{text(k, lang)}</th>"
                   for k, a in (("indicator", "left"), ("this", "right"), ("ref_col", "right"), ("change", "right"),
                                ("better_col", "left")))
    head += f"<th style='padding:2px 8px'>{text('interval', lang)}</th>" if has_iv else ""
    body = []
    for r in results.itertuples():
        color = "#1a7f37" if r.better is True else "#b42318" if r.better is False else "#333"
        verdict = f"<br><span style='font-size:85%;color:#555'>{html.escape(r.verdict)}</span>" if r.verdict else ""
        cells = (f"<td style='padding:2px 8px'>{html.escape(r.label)}{verdict}</td>"
                 f"<td class='value' style='text-align:right;padding:2px 8px'>{r.value_text}</td>"
                 f"<td class='reference' style='text-align:right;padding:2px 8px'>{r.reference_text}</td>"
                 f"<td class='change' style='text-align:right;padding:2px 8px;color:{color}'>{r.change_text}</td>"
                 f"<td class='direction' style='padding:2px 8px;font-size:85%;color:#555'>"
                 f"{html.escape(r.direction_text)}</td>")
        if has_iv:
            cells += f"<td class='interval' style='padding:2px 8px;font-size:85%'>{r.interval_text}</td>"
        body.append(f"<tr data-key='{r.indicator}'>{cells}</tr>")
    note = html.escape(text("headline_note", lang, year=year, n=year - start_year + 1, ref=reference_name))
    return (f"<div style='font-size:90%;color:#555'>{note}</div>"
            f"<table style='border-collapse:collapse;font-size:92%'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


# ------------------------------------------------------------------ charts
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
    for key, c in zip(("dropout_gap.urban_rural.junior", "dropout_gap.poor.junior"), colors):
        ax1.plot(cur.index, cur[key], color=c, label=text(key, lang))
        ax1.plot(ref.index, ref[key], color=c, ls="--", alpha=0.7)
    for key, c in zip(("learning_gap.urban_rural", "learning_gap.poor"), colors):
        ax2.plot(cur.index, cur[key], color=c, label=text(key, lang))
        ax2.plot(ref.index, ref[key], color=c, ls="--", alpha=0.7)
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
        named.append((name, scenario.title or name, s))
    rows = [(str(i), f"{title} ({name})" if title != name else name, s)
            for i, (name, title, s) in enumerate(named, start=1)]
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
    ax.set_title(text("chart_cost_title", lang, year=year, ref=x.reference_scenario.name), fontsize=9, **kw)
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
