"""The dashboard's lever widgets: one control per policy parameter, ranges from the schema.

The levers themselves (``LEVERS`` in :mod:`.levers`: every parameter the planner can move, with
its label, unit and a one-line explanation in English and Chinese) are listed apart. Ranges come
from :func:`simulate.inputs.schema.field_bounds`, so an out-of-range value cannot be
entered (the widgets clamp). Where the schema's bound is only a sanity limit
(e.g. 0 … 10¹⁰ yuan), the slider stops at a planning maximum (``ui_max``,
about 3–5× the 2019 level), never beyond the schema bound; a start scenario
with a larger value widens the slider to twice that value (still within the
schema bound). On a district of another size, a lever that scales with the district
(``scale_with`` in ``params/baseline.yaml``) shows the district's value — what the engine runs
(:func:`simulate.inputs.scaling.for_district`) — with a note naming Banan's value
(:func:`scaled_from`), and its planning maximum and step are Banan's times the district's size
over Banan's (:func:`slider_range`, :func:`slider_step`).

Shares that must sum to 100% (``teachers.training.share_by_location.*``) stay
consistent: moving one rescales the others proportionally (equally when they
are all zero) in whole percentage points (:func:`rebalance_shares`).

Yuan amounts of capital are shown in 万元 (``scale`` = 10,000); shares and
coverages are shown in percent (``scale`` = 0.01).

The lever catalogue (``LEVERS``, ``BY_PATH``, ``GROUPS``) is :mod:`.levers`, re-exported here;
saving the levers as a scenario file is :mod:`.saving`.
"""

from __future__ import annotations

import math
import typing

import ipywidgets as w
import numpy as np
import traitlets

from ...inputs.scenario import Scenario
from ...inputs.schema import Parameters, field_bounds
from .i18n import text
from .levers import BY_PATH, GROUPS, LEVERS, SHARE_GROUP, Lever

__all__ = ["BY_PATH", "GROUPS", "LEVERS", "SHARE_GROUP", "Lever"]  # the catalogue, for the modules that import it here


# ------------------------------------------------------------------ ranges and choices (pure)
def choices(path: str) -> tuple[str, ...]:
    """Allowed values of a categorical parameter, from the schema's ``Literal``."""
    model = Parameters
    *heads, last = path.split(".")
    for part in heads:
        model = model.model_fields[part].annotation
    return tuple(typing.get_args(model.model_fields[last].annotation))


def slider_range(lever: Lever, current: float, factor: float = 1.0) -> tuple[float, float]:
    """(min, max) of the slider in display units: the schema bounds, the upper one
    capped at ``ui_max`` (or twice ``current`` if larger), never beyond the schema.

    ``factor``: the district's size over Banan's for a lever that scales with the district
    (:func:`district_factor`); its planning maximum ``ui_max`` is Banan's, so it is scaled too (a
    district of 8% of Banan's teachers gets 0–24 support teachers, not 0–300), but never below ten
    steps of the slider."""
    lo, hi = field_bounds(lever.path)
    lo = 0.0 if lo is None else lo
    ui_max = None if lever.ui_max is None else max(lever.ui_max * factor, 10 * slider_step(lever, factor) * lever.scale)
    top = hi if hi is not None else max(ui_max or 1.0, 2 * current)
    if ui_max is not None:
        top = min(top, max(ui_max, 2 * current))
        if factor != 1.0:  # a whole number of steps, within the schema bound
            step = slider_step(lever, factor) * lever.scale
            rounded = math.ceil(top / step - 1e-9) * step
            top = rounded if hi is None or rounded <= hi else top
    return lo / lever.scale, round(top / lever.scale, 6)


def slider_step(lever: Lever, factor: float = 1.0) -> float:
    """The slider's step in display units: ``lever.step``, times ``factor`` on a district of another size
    rounded down to 1, 2 or 5 × 10^k (whole numbers for counts, at least 1)."""
    if factor == 1.0 or lever.step * factor <= 0:
        return lever.step
    raw = lever.step * factor
    k = math.floor(math.log10(raw))
    nice = max(m * 10.0 ** k for m in (1, 2, 5) if m * 10.0 ** k <= raw * (1 + 1e-9))
    if lever.integer:
        return float(max(int(nice), 1))
    return float(f"{nice:.6g}")


def district_factor(path: str, factors: dict[str, float], baseline: Scenario) -> float:
    """The district's size over Banan's on the measure the baseline's leaf ``path`` scales with
    (``scale_with`` in ``params/baseline.yaml``); 1 for a leaf that does not scale."""
    measure = baseline.leaves.get(path, {}).get("scale_with")
    return float(factors.get(measure, 1.0))


def scaled_from(start: Scenario, shown: Scenario, factors: dict[str, float]) -> dict[str, tuple]:
    """Leaves ``for_district`` scaled: path → (Banan's value, the value shown, factor, measure), the
    values at the start year, for the levers on the dashboard; ``factors`` as from
    :func:`simulate.inputs.scaling.scale_factors`."""
    out = {}
    for path in BY_PATH:
        leaf = start.leaves.get(path, {})
        measure = leaf.get("scale_with")
        if measure in (None, "none") or shown.leaves[path] == leaf:
            continue
        v0, v1 = start.value(path), shown.value(path)
        out[path] = (v0, v1, float(factors.get(measure, float("nan"))), measure)
    return out


def to_display(lever: Lever, value):
    """``value`` (parameter units) in the slider's units; anything that is not a finite number is
    returned as it is (the slider then keeps a valid value and says why, see :func:`coerce_number`)."""
    if lever.choice or not _is_real(value) or not math.isfinite(value):
        return value
    v = value / lever.scale
    return int(round(v)) if lever.integer else round(v, 6)


def to_param(lever: Lever, shown):
    if lever.choice:
        return shown
    v = shown * lever.scale
    if lever.integer:
        return int(round(v))
    return round(v, 10)


# ------------------------------------------------------------------ values a control cannot hold
def _is_real(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _number_text(v, integer: bool) -> str:
    return f"{int(v):,}" if integer else f"{float(v):,.6g}"


def _value_text(value) -> str:
    if _is_real(value):
        return f"{value:,.6g}" if math.isfinite(value) else str(value)
    text = repr(value)
    return text if len(text) <= 40 else text[:36] + " …"


def coerce_number(value, current, lo: float, hi: float, integer: bool = False):
    """(the value a slider keeps, why) for ``value`` proposed to a slider over [lo, hi] whose valid
    value is ``current``. ``why`` is None for a valid value, else (i18n key, fields): not a number
    (None, text, a boolean), not finite (NaN, ±inf), above the maximum or below the minimum (kept at
    the bound), not a whole number for a count (rounded)."""
    if current is None or not _is_real(current) or not math.isfinite(current) or not lo <= current <= hi:
        current = lo
    kept_current = int(round(current)) if integer else float(current)
    if not _is_real(value):
        return kept_current, ("note.not_number", {"value": _value_text(value), "kept": _number_text(kept_current, integer)})
    if not math.isfinite(value):
        return kept_current, ("note.not_finite", {"value": _value_text(value), "kept": _number_text(kept_current, integer)})
    v = float(value)
    if v > hi:
        kept = int(hi) if integer else float(hi)
        return kept, ("note.above_max", {"value": _value_text(value), "max": _number_text(hi, integer),
                                         "kept": _number_text(kept, integer)})
    if v < lo:
        kept = int(lo) if integer else float(lo)
        return kept, ("note.below_min", {"value": _value_text(value), "min": _number_text(lo, integer),
                                         "kept": _number_text(kept, integer)})
    if integer and v != round(v):
        kept = int(round(v))
        return kept, ("note.not_whole", {"value": _value_text(value), "kept": _number_text(kept, integer)})
    return (int(v) if integer else v), None


def coerce_choice(value, current, options):
    """(the rule a dropdown keeps, why): ``value`` if it is one of ``options``, else ``current``."""
    if isinstance(value, str) and value in options:
        return value, None
    return current, ("note.not_choice", {"value": _value_text(value), "options": ", ".join(options),
                                         "kept": current})


class _AnyValue(traitlets.Any):
    """Any value, None included, goes to the slider's own check (plain Any lets None through unchecked)."""

    allow_none = False


class _Checked:
    """A slider whose ``value`` takes anything without raising: :func:`coerce_number` decides what it
    keeps, and ``on_note(why)`` (set by the view) hears why (None when the value was valid)."""

    on_note = None

    @traitlets.validate("value")
    def _validate_value(self, proposal):
        old = self._trait_values.get("value")
        kept, why = coerce_number(proposal["value"], old, self.min, self.max, isinstance(self, w.IntSlider))
        if self.on_note is not None:
            self.on_note(why)
        return kept


class CheckedIntSlider(_Checked, w.IntSlider):
    value = _AnyValue(0, help="Int value").tag(sync=True)


class CheckedFloatSlider(_Checked, w.FloatSlider):
    value = _AnyValue(0.0, help="Float value").tag(sync=True)


def rebalance_shares(shares: dict[str, float], moved: str, new_value: float, resolution: int = 100) -> dict[str, float]:
    """Shares summing to 1 after ``moved`` is set to ``new_value``: the others are
    rescaled proportionally (equally if all zero), in steps of 1/``resolution``,
    by the largest-remainder method so the total is exactly 1."""
    units = int(round(min(max(new_value, 0.0), 1.0) * resolution))
    others = [k for k in shares if k != moved]
    rest = resolution - units
    weights = [max(shares[k], 0.0) for k in others]
    total = sum(weights)
    if total <= 0:
        weights, total = [1.0] * len(others), float(len(others))
    exact = [rest * wt / total for wt in weights]
    floors = [int(x) for x in exact]
    order = sorted(range(len(others)), key=lambda i: exact[i] - floors[i], reverse=True)
    for i in order[: rest - sum(floors)]:
        floors[i] += 1
    out = {moved: units / resolution}
    out.update({k: n / resolution for k, n in zip(others, floors)})
    return {k: out[k] for k in shares}


# ------------------------------------------------------------------ widgets
def make_widget(lever: Lever, value, lang: str, extra_choices: tuple = (), factor: float = 1.0) -> w.Widget:
    """The ipywidget for one lever (slider or dropdown), with its CSS class; ``factor`` as in
    :func:`slider_range`."""
    if lever.choice:
        options = [c for c in choices(lever.path) if c != "named" or c in extra_choices]
        widget = w.Dropdown(options=[(text(f"rule.{c}", lang), c) for c in options], value=value,
                            layout=w.Layout(width="320px"))
    else:
        shown = to_display(lever, value)
        lo, hi = slider_range(lever, value, factor)
        cls = CheckedIntSlider if lever.integer else CheckedFloatSlider
        step = slider_step(lever, factor)
        step = max(int(step), 1) if lever.integer else step
        kw = {} if lever.integer else {"readout_format": _readout(step)}
        widget = cls(min=int(lo) if lever.integer else lo, max=int(hi) if lever.integer else hi, step=step,
                     value=shown, continuous_update=False, layout=w.Layout(width="320px"), **kw)
    widget.add_class(lever.css_class)
    return widget


def _readout(step: float) -> str:
    return ".0f" if step >= 1 else ".2f" if step >= 0.01 else ".3f"


def set_range(widget: w.Widget, lever: Lever, value, factor: float = 1.0) -> None:
    """Set a slider's range and value for a new start scenario (range first, so nothing clamps)."""
    if lever.choice:
        widget.value = value
        return
    lo, hi = slider_range(lever, value, factor)
    if lever.integer:
        lo, hi = int(lo), int(hi)
    if hi >= widget.min:
        widget.max = hi
        widget.min = lo
    else:
        widget.min = lo
        widget.max = hi
    widget.value = to_display(lever, value)


def label_html(lever: Lever, lang: str, scaled: tuple | None = None) -> str:
    """The lever's label, unit and help; ``scaled`` (an entry of :func:`scaled_from`) adds the note that the
    value shown is scaled to this district's size from Banan's."""
    i = 0 if lang == "en" else 1
    note = "" if scaled is None else f"<br><span class='explorer-scaled' style='color:#1a4f8b;font-size:85%'>" \
                                     f"{scale_note(lever, scaled, lang)}</span>"
    return (f"<div style='line-height:1.2'><b>{lever.label[i]}</b> <span style='color:#555'>"
            f"({text(lever.unit, lang)})</span><br><span style='color:#555;font-size:85%'>{lever.help[i]}</span>"
            f"{note}</div>")


def scale_note(lever: Lever, scaled: tuple, lang: str) -> str:
    """"Scaled to this district's size from Banan's 20 (× 0.079, by teachers)", in ``lang``."""
    v0, _, factor, measure = scaled
    shown = to_display(lever, v0)
    value = f"{shown:,}" if lever.integer else f"{shown:,.6g}"
    return text("scaled_from", lang, value=value, unit=text(lever.unit, lang), factor=f"{factor:.3g}",
                measure=text(f"measure.{measure}", lang))
