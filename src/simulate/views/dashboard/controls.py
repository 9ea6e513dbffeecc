"""The dashboard's levers: one control per policy parameter, ranges from the schema.

``LEVERS`` lists, grouped by lever, every parameter the planner can move, with
its label, unit and a one-line explanation in English and Chinese. Ranges come
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

Saving (:func:`save_scenario`): ``params/scenarios/NAME.yaml`` with ``extends:``
the start scenario and only the changed paths under ``changes:``. The name
must be a lower-case identifier (not ``baseline``); an existing file is
replaced only when asked; it is written to a temporary file and renamed into
place (never half a file), checked to load back with the same ``params_hash``,
and if it does not, what was there before is put back. A scaled lever the planner
changed is written ``{value: V, scale_with: none}``: the file means what was shown.
"""

from __future__ import annotations

import math
import re
import typing
from dataclasses import dataclass
from pathlib import Path

import ipywidgets as w
import numpy as np
import traitlets
import yaml

from ...errors import InputError
from ...inputs.scenario import Scenario, ScenarioError, load_scenario, params_dir
from ...provenance import OutputError, write_file_atomically
from ...inputs.schema import Parameters, field_bounds
from .i18n import text

SHARE_GROUP = "teachers.training.share_by_location"
NAME_RULE = re.compile(r"^[a-z][a-z0-9_]{0,59}$")


@dataclass(frozen=True)
class Lever:
    """One control: parameter ``path`` shown as value / ``scale`` in steps of ``step``."""

    path: str
    group: str
    label: tuple[str, str]
    unit: str
    help: tuple[str, str]
    step: float = 1.0
    scale: float = 1.0
    ui_max: float | None = None
    integer: bool = False
    choice: bool = False

    @property
    def css_class(self) -> str:
        """CSS class on the widget (for browser tests): 'lever-' + path with dots as dashes."""
        return "lever-" + self.path.replace(".", "-")


def _L(path, group, en, zh, unit, help_en, help_zh, **kw) -> Lever:
    return Lever(path, group, (en, zh), unit, (help_en, help_zh), **kw)


BG, SUB = "budget.base_grant", "budget.rural_teacher_subsidy_yuan_per_teacher"
AID = "budget.student_aid"
LEVERS: tuple[Lever, ...] = (
    _L(f"{BG}.primary_yuan_per_pupil", "base_grant", "Primary benchmark", "小学基准定额", "unit.yuan_pupil",
       "Public funding per primary pupil for running costs (国发〔2015〕67号: 600).",
       "小学生均公用经费基准（国发〔2015〕67号：600元）。", step=10, ui_max=3000),
    _L(f"{BG}.junior_yuan_per_pupil", "base_grant", "Junior benchmark", "初中基准定额", "unit.yuan_pupil",
       "Public funding per junior-secondary pupil for running costs (2019: 800).",
       "初中生均公用经费基准（2019年：800元）。", step=10, ui_max=4000),
    _L(f"{BG}.location_weight.rural", "base_grant", "Rural weight", "农村学校系数", "unit.multiplier",
       "Rural schools get this multiple of the benchmark.", "农村学校按基准的倍数拨付。", step=0.05, ui_max=3.0),
    _L(f"{BG}.location_weight.mountain", "base_grant", "Mountain weight", "山区学校系数", "unit.multiplier",
       "Remote mountain schools get this multiple of the benchmark.", "偏远山区学校按基准的倍数拨付。",
       step=0.05, ui_max=3.0),
    _L(f"{BG}.poor_pupil_weight", "base_grant", "Poverty weight", "贫困学生加权", "unit.share_benchmark",
       "Extra grant to the school per registered-poor pupil, as a share of the benchmark.",
       "学校每有一名建档立卡学生，另按基准的该比例加拨。", step=0.05, ui_max=2.0),
    _L("budget.capital.yuan_per_year", "capital", "Capital budget", "改造资金", "unit.wan_year",
       "Yearly spending upgrading weak schools (dormitories, canteens, water, ICT); raises the facility index. "
       "Moving it replaces the 2019 phase-down (40 → 15 million yuan by 2023) with a flat amount.",
       "每年用于薄弱学校改造（宿舍、食堂、饮水、信息化）的资金，提高设施指数。调整后按固定金额替代2019年起的逐年递减安排。",
       step=100, scale=1e4, ui_max=2e8),
    _L("budget.capital.targeting", "capital", "Targeting", "投向规则", "unit.rule",
       "Which weak schools get the capital first.", "资金优先投向哪些薄弱学校。", choice=True),
    _L(f"{AID}.registered_poor.yuan_per_pupil", "aid", "Aid, registered-poor pupils", "建档立卡学生资助",
       "unit.yuan_pupil", "Yearly aid to each registered-poor (建档立卡) pupil (2019: 2,034).",
       "每名建档立卡学生每年的资助金额（2019年：2034元）。", step=50, ui_max=10000),
    _L(f"{AID}.registered_poor.coverage", "aid", "Coverage, registered-poor", "建档立卡资助覆盖率", "unit.share",
       "Share of registered-poor pupils who receive the aid.", "获得资助的建档立卡学生比例。", step=1, scale=0.01),
    _L(f"{AID}.other_needy.yuan_per_pupil", "aid", "Aid, other needy pupils", "其他困难学生资助", "unit.yuan_pupil",
       "Yearly aid to each other needy pupil (2019: 1,114).", "其他家庭经济困难学生每人每年资助（2019年：1114元）。",
       step=50, ui_max=10000),
    _L(f"{AID}.other_needy.coverage", "aid", "Coverage, other needy", "其他困难学生覆盖率", "unit.share",
       "Share of non-registered-poor pupils who receive needy aid.", "获得困难资助的非建档立卡学生比例。",
       step=1, scale=0.01),
    _L(f"{SUB}.town", "subsidy", "Town schools", "乡镇学校", "unit.yuan_teacher",
       "Living subsidy per teacher in town schools; lowers teacher attrition.", "乡镇学校教师生活补助；可降低教师流失。",
       step=100, ui_max=20000),
    _L(f"{SUB}.rural", "subsidy", "Rural schools", "农村学校", "unit.yuan_teacher",
       "Living subsidy per teacher in rural schools.", "农村学校教师生活补助。", step=100, ui_max=20000),
    _L(f"{SUB}.mountain", "subsidy", "Mountain schools", "山区学校", "unit.yuan_teacher",
       "Living subsidy per teacher in remote mountain schools.", "偏远山区学校教师生活补助。", step=100, ui_max=20000),
    _L("teachers.support.count", "rotation", "Support teachers (支教)", "支教教师", "unit.teachers",
       "Urban teachers sent for a year to rural and mountain schools (their urban school loses them).",
       "城区教师到农村、山区学校支教一年（派出学校相应减少）。", integer=True, ui_max=300),
    _L("teachers.support.allocation", "rotation", "Support teachers go to", "支教教师分配", "unit.rule",
       "How support teachers are placed among rural and mountain schools.", "支教教师在农村、山区学校间的分配规则。",
       choice=True),
    _L("teachers.post_rotation.count", "rotation", "Post-rotation teachers (顶岗)", "顶岗教师", "unit.posts",
       "Rural posts covered for a year while the holder trains off-post.", "顶岗置换：代课一年，原岗教师脱产培训。",
       integer=True, ui_max=300),
    _L("teachers.post_rotation.allocation", "rotation", "Post rotation goes to", "顶岗教师分配", "unit.rule",
       "How post-rotation places are spread among rural and mountain schools.", "顶岗岗位在农村、山区学校间的分配规则。",
       choice=True),
    _L("teachers.training.person_times_per_year", "training", "Training", "培训规模", "unit.person_times",
       "Teacher and principal training each year (2019: about 5,000); small, decaying quality gains.",
       "每年教师和校长培训人次（2019年约5000）；带来小幅、逐年衰减的教学质量提升。", integer=True, step=100, ui_max=30000),
    *(_L(f"{SHARE_GROUP}.{loc}", "training", en, zh, "unit.pct_person_times",
         "Share of training places for this location; the four shares always add up to 100%.",
         "该类学校所占培训名额比例；四项合计始终为100%。", step=1, scale=0.01)
      for loc, en, zh in (("urban", "Share: urban", "比例：城区"), ("town", "Share: town", "比例：乡镇"),
                          ("rural", "Share: rural", "比例：农村"), ("mountain", "Share: mountain", "比例：山区"))),
    _L("dropout.monitoring.coverage", "control", "Grid monitoring", "网格化监测", "unit.pct_pupils",
       "Pupils under grid monitoring (early warning); lowers dropout and finds out-of-school children for casework.",
       "纳入控辍网格化监测（预警）的学生比例；降低辍学，并发现失学儿童以便劝返。", step=1, scale=0.01),
    _L("dropout.reenrolment.coverage", "control", "Re-enrolment casework", "劝返复学", "unit.pct_out_of_school",
       "Out-of-school children known to the bureau whose case is worked each year: home visits, persuasion, "
       "placement in a class.",
       "已掌握的失学儿童中每年开展劝返（家访、动员、插班安置）的比例。", step=1, scale=0.01),
    _L("dropout.pairing.coverage", "control", "Left-behind pairing", "留守儿童结对帮扶", "unit.pct_left_behind",
       "Left-behind children paired with a staff member as mentor.", "与教职工结对帮扶的留守儿童比例。",
       step=1, scale=0.01),
    _L("dropout.home_teaching.coverage", "control", "Home-delivered teaching", "送教上门", "unit.pct_disabled_home",
       "Disabled children who cannot attend school who are taught at home.", "无法到校的残疾儿童中接受送教上门的比例。",
       step=1, scale=0.01),
)
GROUPS = ("base_grant", "capital", "aid", "subsidy", "rotation", "training", "control")
BY_PATH = {lever.path: lever for lever in LEVERS}


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


# ------------------------------------------------------------------ saving the levers as a scenario file
class SaveError(InputError):
    """Why a scenario could not be saved: ``key`` and ``fields`` of its message in :mod:`.i18n` (so the
    dashboard says it in the planner's language); ``str()`` is the English message."""

    def __init__(self, key: str, **fields):
        self.key, self.fields = key, fields
        super().__init__(text(key, "en", **fields))

    def text(self, lang: str) -> str:
        return text(self.key, lang, **self.fields)


def check_scenario_name(name: str, overwrite: bool = False, folder: Path | None = None) -> Path:
    """The file a new scenario ``name`` would be saved to; ValueError naming the problem if
    the name is not a lower-case identifier, is reserved, or exists (unless ``overwrite``)."""
    folder = params_dir() / "scenarios" if folder is None else folder
    if not isinstance(name, str) or not NAME_RULE.fullmatch(name):
        raise SaveError("save.bad_name", name=f"{name!r:.60}")
    if name == "baseline":
        raise SaveError("save.reserved")
    path = folder / f"{name}.yaml"
    if path.exists() and not overwrite:
        raise SaveError("save.exists", path=path)
    return path


def check_title(title) -> str | None:
    """A scenario title from the dashboard: None (a default is made) or one line of at most 200 characters."""
    if title is None:
        return None
    if not isinstance(title, str) or len(title) > 200 or any(c in title for c in "\r\n\x00"):
        raise SaveError("save.bad_title", title=f"{title!r:.60}")
    return title


def save_scenario(scenario: Scenario, start: Scenario, name: str, title: str | None = None,
                  overwrite: bool = False, shown_start: Scenario | None = None, *, extends: str | None = None,
                  district: str | None = None) -> Path:
    """Write ``scenario`` as ``params/scenarios/NAME.yaml``: ``extends:`` the start scenario,
    only the changed paths under ``changes:``; checks that it loads back identically.

    ``shown_start``: the start scenario as the levers showed it (scaled to the district's size,
    :func:`simulate.inputs.scaling.for_district`); changes are taken against it, and a changed leaf
    that scales with the district is written as an absolute value, ``{value: V, scale_with: none}``,
    so the file means what the planner saw (scaling it again would change it). Unchanged scaled
    leaves stay as the start has them (Banan's value, scaled to whichever district runs the file).

    ``extends``: how the file names the start (default its name; a path for a start that is not in
    params/scenarios). ``district``: the ``district:`` the file says (a start written for a district:
    :mod:`simulate.views.dashboard.written`); changes are then plain values, run as written there."""
    path = check_scenario_name(name, overwrite)
    title = check_title(title)
    base = start if shown_start is None else shown_start
    changed = scenario.changed_paths(base)
    absolute = {p for p in changed if start.leaves[p].get("scale_with") not in (None, "none")
                and scenario.leaves[p].get("scale_with") == "none"} if district is None else set()
    changes = {p: {"value": scenario.value(p), "scale_with": "none"} if p in absolute else scenario.value(p)
               for p in changed}
    summary = "; ".join(f"{p}: {base.value(p)!r} → {scenario.value(p)!r}" + (" (absolute)" if p in absolute else "")
                        for p in changed) or "no changes"
    named = start.with_changes(changes, name=name, title=title or f"{start.title} (edited)",
                               description=f"Saved from the planner dashboard, starting from '{start.name}': {summary}.")
    doc = {"name": named.name, "title": named.title, "description": named.description,
           "extends": extends or start.name, **({"district": district} if district else {}),
           "changes": {p: changes.get(p, named.leaves[p]["value"]) for p in named.changed_paths(start)}}
    text_ = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    previous = path.read_bytes() if overwrite and path.is_file() and not path.is_symlink() else None
    try:  # temporary file + rename; without overwrite, an existing file (even one created meanwhile) is kept
        write_file_atomically(path, text_, overwrite=overwrite)
    except OutputError:
        raise SaveError("save.exists", path=path) from None

    def undo() -> None:  # put back what was there before
        if previous is None:
            path.unlink(missing_ok=True)
        else:
            write_file_atomically(path, previous, overwrite=True)

    try:
        again = load_scenario(name)
    except ScenarioError:
        undo()
        raise
    if again.params_hash != named.params_hash:
        undo()
        raise SaveError("save.not_identical", path=path)
    return path
