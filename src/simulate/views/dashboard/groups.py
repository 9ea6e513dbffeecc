"""The lever panel of the planner dashboard: one row per lever, grouped, each group opened by its header.

Each group has a header button (reachable by Tab, opened and closed by Enter or Space; an
``ipywidgets.Accordion``'s headers took no keyboard focus) that names the group, says how many of
its levers differ from the start scenario ("· 2 changed") and shows ▸ closed / ▾ open.

Each numeric lever has a slider (its handle named by the lever's label, for screen readers: the
label is visually hidden and the page's script copies it onto the handle) and a box to type a value
in the slider's units. The box takes any number: a value the lever cannot take (above its maximum,
below its minimum, not whole for a count) is not silently clamped by the browser but goes through
the slider's own check (:func:`simulate.views.dashboard.controls.coerce_number`), whose note beside
the control says what was kept and why.
"""

from __future__ import annotations

import ipywidgets as w

from .controls import BY_PATH, GROUPS, LEVERS, make_widget, to_param
from .i18n import text


class LeverPanel:
    """Rows (label, slider or dropdown, typed box, note) grouped under header buttons."""

    def __init__(self, view, explorer, lang: str):
        self.view = view
        self.controls: dict[str, w.Widget] = {}
        self.labels: dict[str, w.HTML] = {}
        self.typed: dict[str, w.Widget] = {}
        rows: dict[str, list] = {g: [] for g in GROUPS}
        start = explorer.start_levers  # at the district's size: what the engine runs
        for lever in LEVERS:
            extra = (start.value(lever.path),) if lever.choice else ()
            widget = make_widget(lever, start.value(lever.path), lang, extra, explorer.range_factor(lever.path))
            widget.observe(lambda ch, p=lever.path: view._on_lever(p, ch), names="value")
            widget.style.description_width = "0px"
            widget.layout.width = "340px" if not lever.choice else "auto"
            self.controls[lever.path] = widget
            self.labels[lever.path] = w.HTML(layout=w.Layout(width="100%"))
            self.labels[lever.path].add_class("explorer-lever-label")
            view._add_note(lever.path, widget)
            cells = [self.labels[lever.path], widget]
            if not lever.choice:
                widget.readout = False
                box_cls = w.IntText if lever.integer else w.FloatText
                box = box_cls(value=widget.value, layout=w.Layout(width="110px"), style={"description_width": "0px"})
                box.add_class("explorer-typed")
                box.add_class(lever.css_class + "-typed")
                box.observe(lambda ch, p=lever.path: self._on_typed(p, ch), names="value")
                widget.observe(lambda ch, p=lever.path: self.sync_typed(p), names="value")
                self.typed[lever.path] = box
                cells.append(box)
            cells.append(view.notes[lever.path])
            row = w.HBox(cells, layout=w.Layout(flex_flow="row wrap", align_items="center"))
            row.add_class("explorer-lever")
            rows[lever.group].append(row)
        self.open = {g: g == GROUPS[0] for g in GROUPS}
        self.headers = {g: w.Button(layout=w.Layout(width="100%")) for g in GROUPS}
        self.bodies = {g: w.VBox(rows[g]) for g in GROUPS}
        boxes = []
        for g in GROUPS:
            self.headers[g].add_class("explorer-group-header")
            self.headers[g].add_class(f"explorer-group-{g}")
            self.headers[g].on_click(lambda _, g=g: self.toggle(g))
            self.bodies[g].layout.display = "flex" if self.open[g] else "none"
            boxes.append(w.VBox([self.headers[g], self.bodies[g]]))
        self.box = w.VBox(boxes)
        self.box.add_class("explorer-groups")

    # ---------------------------------------------------------------- groups
    def toggle(self, group: str, open_: bool | None = None) -> None:
        self.open[group] = (not self.open[group]) if open_ is None else open_
        self.bodies[group].layout.display = "flex" if self.open[group] else "none"
        self.relabel(self.view.x.language)

    def changed_by_group(self) -> dict[str, int]:
        x = self.view.x
        changed = set(x.scenario.changed_paths(x.start_levers))
        return {g: sum(1 for lv in LEVERS if lv.group == g and lv.path in changed) for g in GROUPS}

    def relabel(self, lang: str) -> None:
        changed = self.changed_by_group()
        for g, header in self.headers.items():
            mark = "▾" if self.open[g] else "▸"
            n = changed[g]
            header.description = f"{mark} {text(f'group.{g}', lang)}" + (
                f" · {text('group_changed', lang, n=n)}" if n else "")
            header.tooltip = text("group_toggle", lang)
            if n:
                header.add_class("explorer-group-changed")
            else:
                header.remove_class("explorer-group-changed")
        for p, widget in self.controls.items():
            lever = BY_PATH[p]
            name = f"{lever.label[0 if lang == 'en' else 1]} ({text(lever.unit, lang)})"
            widget.description = name
            if p in self.typed:
                self.typed[p].description = f"{name}: {text('typed', lang)}"

    # ---------------------------------------------------------------- typed values
    def _on_typed(self, path: str, change) -> None:
        """A typed value goes through the lever's own check (a note says what was kept and why)."""
        if self.view._muted:
            return
        lever = BY_PATH[path]
        self.view.set_lever(path, to_param(lever, change["new"]) if change["new"] is not None else None)
        self.sync_typed(path)

    def sync_typed(self, path: str) -> None:
        box = self.typed.get(path)
        if box is None:
            return
        value = self.controls[path].value
        if box.value != value:
            muted, self.view._muted = self.view._muted, True
            try:
                box.value = value
            finally:
                self.view._muted = muted
