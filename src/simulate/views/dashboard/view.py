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
import math

import ipywidgets as w

from ...errors import InputError
from .controls import BY_PATH, GROUPS, LEVERS, SHARE_GROUP, CheckedIntSlider, _is_real, coerce_choice, \
    label_html, make_widget, rebalance_shares, set_range, to_display, to_param
from .charts import CHARTS, scenario_title
from .chartdraw import ChartDrawing
from .groups import LeverPanel
from .outside import OutsidePanel
from .panels import AnalysisPanels
from .i18n import text
from .table import intro_text, results_html
from .written import scenario_key


LANG_OPTIONS = (("English", "en"), ("中文", "zh"))


def scenario_options(lang: str = "en", district=None, also=()) -> list[tuple[str, str]]:
    """(title, name or path) of every scenario for the dropdowns: planners read whole titles, not file ids.
    With ``district``, its folder's scenario files follow, and the scenarios ``also`` when not listed
    (a start given by path; :mod:`simulate.views.dashboard.written`)."""
    from .written import scenario_options as options

    return options(lang, district, scenario_title, also)


class View(AnalysisPanels, ChartDrawing):
    def __init__(self, explorer):
        self.x = explorer
        lang = explorer.language
        self._muted = False
        self._chart_timer = None
        names = scenario_options(lang, explorer.district, (explorer.start_scenario, explorer.reference_scenario))
        self.start = w.Dropdown(options=names, value=scenario_key(explorer.start_scenario), layout=w.Layout(width="auto"))
        self.reference = w.Dropdown(options=names, value=scenario_key(explorer.reference_scenario),
                                    layout=w.Layout(width="auto"))
        for dd in (self.start, self.reference):
            dd.add_class("explorer-scenario")
            dd.style.description_width = "0px"
        self.lang = w.ToggleButtons(options=LANG_OPTIONS, value=lang, style={"button_width": "70px"})
        self.lang.add_class("explorer-language")
        self.reset = w.Button()
        self.title = w.HTML()
        self.intro = w.HTML()  # what the page is and how to use it, in the chosen language
        self.intro.add_class("explorer-intro")
        from .districts import district_options

        self.district = w.Dropdown(options=district_options(explorer.data_dir, explorer._start_district, lang),
                                   layout=w.Layout(width="auto"))
        self.district.style.description_width = "0px"
        self.district.add_class("explorer-district")
        self.district.add_class("explorer-scenario")  # its label is read by screen readers, shown beside it
        self.show_district()
        self.district_msg = w.HTML()  # messages of the district dropdown (a folder that does not load), beside it
        self.district_msg.add_class("explorer-district-message")
        self.top_labels = {k: w.HTML() for k in ("district", "start", "reference", "language")}
        self.msg = w.HTML()  # messages of the top bar (start from, reference, reset), shown under it
        self.msg.add_class("explorer-message")
        self.save_msg = w.HTML()  # messages of "save as scenario", shown beside its button
        self.save_msg.add_class("explorer-save-message")

        self.notes: dict[str, w.HTML] = {}     # beside each control: the value it kept and why
        self.note_state: dict[str, tuple | None] = {}  # path → (i18n key, fields) or None
        self.levers = LeverPanel(self, explorer, lang)
        self.controls, self.labels = self.levers.controls, self.levers.labels
        self.changed = w.HTML()

        self.table = w.HTML()
        self.table.add_class("explorer-headline")
        self.charts = {k: w.Image(format="png", layout=w.Layout(max_width="100%", height="auto")) for k in CHARTS}
        for k, image in self.charts.items():
            image.add_class(f"explorer-chart-{k}")
        self.gap_chart, self.cost_chart = self.charts["gaps"], self.charts["cost"]
        self.chart_titles = {k: w.HTML() for k in CHARTS}
        self.chart_texts = {k: w.HTML() for k in CHARTS}  # the chart's text alternative, in words
        self.outside = OutsidePanel(self, explorer)  # link, downloads, report, delete

        self.draws = CheckedIntSlider(value=50, min=10, max=500, step=10, continuous_update=False)
        self.draws.add_class("explorer-draws")
        self._add_note("draws", self.draws)
        self.run = w.Button(button_style="info", layout=w.Layout(width="auto"))
        self.run.add_class("explorer-run-uncertainty")
        self.progress = w.IntProgress(value=0, min=0, max=1, layout=w.Layout(width="300px", visibility="hidden"))
        self.unc_note = w.HTML()

        self.drivers_intro = w.HTML()
        self.drivers_button = w.Button(button_style="info", layout=w.Layout(width="auto"))
        self.drivers_button.add_class("explorer-drivers-button")
        self.drivers_progress = w.IntProgress(value=0, min=0, max=1, layout=w.Layout(width="300px", visibility="hidden"))
        self.drivers_status = w.HTML()  # computing… / nothing to split / stale / an error, beside the button
        self.drivers_table = w.HTML()
        self.drivers_table.add_class("explorer-drivers")
        self._drivers_shown = False

        self.save_name = w.Text(placeholder="my_scenario", layout=w.Layout(width="auto"))
        self.save_title = w.Text(layout=w.Layout(width="auto"))
        self.overwrite = w.Checkbox(value=False, indent=False)
        self.save = w.Button(button_style="success")
        self.save.add_class("explorer-save")
        self.section = {k: w.HTML() for k in ("levers", "headline", "charts", "drivers", "uncertainty", "save",
                                              "outside")}

        self.district.observe(lambda ch: self._guard(explorer.set_district, ch["new"]), names="value")
        self.start.observe(lambda ch: self._guard(explorer.set_start, ch["new"]), names="value")
        self.reference.observe(lambda ch: self._guard(explorer.set_reference, ch["new"]), names="value")
        self.lang.observe(lambda ch: self._guard(explorer.set_language, ch["new"]), names="value")
        self.reset.on_click(lambda _: explorer.set_start(scenario_key(explorer.start_scenario), keep_edits=False))
        self.run.on_click(lambda _: self._run_uncertainty())
        self.drivers_button.on_click(lambda _: self._explain())
        self.save.on_click(lambda _: explorer.save(self.save_name.value.strip(), self.save_title.value.strip() or None,
                                                   self.overwrite.value))

        top = w.HBox([self.top_labels["start"], self.start, self.top_labels["reference"], self.reference,
                      self.reset, self.top_labels["language"], self.lang],
                     layout=w.Layout(align_items="center", flex_flow="row wrap"))
        left = w.VBox([self.section["levers"], self.changed, self.levers.box],
                      layout=w.Layout(width="560px", flex="0 1 560px"))
        left.add_class("explorer-left")
        charts = [box for k in CHARTS for box in (self.chart_titles[k], self.charts[k], self.chart_texts[k])]
        right = w.VBox([self.section["headline"], self.table, self.section["charts"], *charts,
                        self.section["outside"], self.outside.box,
                        self.section["drivers"], self.drivers_intro,
                        w.HBox([self.drivers_button, self.drivers_progress]), self.drivers_status, self.drivers_table,
                        self.section["uncertainty"], w.HBox([self.draws, self.run, self.notes["draws"]]),
                        self.progress, self.unc_note,
                        self.section["save"], w.HBox([self.save_name, self.save_title]),
                        w.HBox([self.overwrite, self.save]), self.save_msg],
                       layout=w.Layout(width="auto", flex="1 1 520px", min_width="0", padding="0 0 0 12px"))
        right.add_class("explorer-right")
        where = w.HBox([self.top_labels["district"], self.district, self.district_msg],
                       layout=w.Layout(align_items="center", flex_flow="row wrap"))
        self.root = w.VBox([self.title, self.intro, where, top, self.msg,
                            w.HBox([left, right], layout=w.Layout(flex_flow="row wrap"))])
        self.root.add_class("scenario-explorer")
        self.root.add_class(f"explorer-lang-{lang}")
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
        self._relabel_scenarios(self.x.language)

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
        self.levers.relabel(lang)
        for other in ("en", "zh"):
            self.root.remove_class(f"explorer-lang-{other}")
        self.root.add_class(f"explorer-lang-{lang}")
        self._relabel_scenarios(lang)
        self._relabel_districts(lang)
        for k, sec in self.section.items():
            sec.value = f"<h3 style='margin:8px 0 4px'>{text(k, lang)}</h3>"
        for k, title in self.chart_titles.items():
            title.value = f"<b>{text(f'chart_{k}', lang)}</b>"
        self.outside.relabel(lang)
        self.draws.description = text("draws", lang)
        self.run.description = text("run_uncertainty", lang)
        self.save_name.description = text("save_name", lang)
        self.save_title.description = text("save_title", lang)
        self.overwrite.description = text("overwrite", lang)
        self.save.description = text("save_button", lang)

    def _relabel_scenarios(self, lang: str) -> None:
        """The start and reference dropdowns' titles in ``lang`` (values kept)."""
        names = scenario_options(lang, self.x.district, (self.x.start_scenario, self.x.reference_scenario))
        self._muted = True
        try:
            for dd, now in ((self.start, self.x.start_scenario), (self.reference, self.x.reference_scenario)):
                dd.options = names
                dd.value = scenario_key(now)
                dd.description = text("start" if dd is self.start else "reference", lang)
        finally:
            self._muted = False

    def _relabel_districts(self, lang: str) -> None:
        from .districts import district_options

        self._muted = True
        try:
            current = self.district.value
            listed = district_options(self.x.data_dir, self.x._start_district, lang)
            values = {v for _, v in listed}
            self.district.options = listed + [(label, v) for label, v in self.district.options if v not in values]
            self.district.value = current
            self.district.description = text("district", lang)
        finally:
            self._muted = False

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
        start = scenario_title(x.start_scenario, lang)
        self.changed.value = f"<i>{html.escape(text('changed_levers', lang, start=start, n=n))}</i>"
        self.table.value = results_html(x.results, lang, scenario_title(x.reference_scenario, lang),
                                        x.scenario.start_year)
        self.levers.relabel(lang)
        self.outside.show_results()


def build_view(explorer) -> View:
    return View(explorer)
