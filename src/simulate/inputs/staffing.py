"""The teacher staffing norm (编制标准) and the stock that hiring settles at.

One rule serves the synthesiser (how many teachers a synthetic school has in
the start year) and the engine (how many teachers a school hires towards each
year, ``model/levers/teachers.py``), so an unchanged baseline keeps its staff.
It lives in ``inputs/`` because the synthesiser may not import ``model/``.
Pure numpy functions; arrays broadcast, the last axis of a ``pupils`` array is
the grade (1–9).

What the document says (中央编办、教育部、财政部《关于统一城乡中小学教职工编制
标准的通知》, 中央编办发〔2014〕72号):
- county and rural schools get the urban staffing standard: one staff member
  per 19 pupils in primary school, per 13.5 in junior secondary;
- for village primary schools and teaching points (村小、教学点) the staff are set
  by combining the pupil–teacher ratio with a class–teacher ratio
  (按照生师比与班师比相结合的方式核定), so a small school gets enough
  teachers for its classes.

What is modelled: teachers needed =
    primary pupils / primary ratio + junior pupils / junior ratio,
except that in a village school the primary part is
    max(primary pupils / primary ratio, class–teacher ratio × primary classes),
with classes = ⌈pupils / standard class size⌉ in each primary grade taught.

Assumptions (each a leaf of ``teachers.staffing_norm`` in params/baseline.yaml):
- the document staffs all 教职工 (teachers and other staff); the model
  applies its ratios to teachers;
- the class–teacher ratio: the document names the method but leaves the
  ratio to the provinces; the value used is an assumption (see its source);
- which schools are village schools: the district data do not mark 村小 (a
  county's import marks 教学点, whose posts are their own teachers moved with
  this norm: ``model/levers/teachers.py``, ``posts``), so the primary grades of
  every school in the listed locations
  (rural and mountain by default) are staffed by the combined rule. Where a
  school is large (a town's central primary) the pupil–teacher term is the
  larger one, so the choice matters only for small schools — which is what
  the document intends;
- junior grades are staffed by the pupil–teacher ratio alone (the document's
  combined rule names village primaries and teaching points only).

The stock hiring settles at (:func:`steady_state_stock`). Each year a share
``a`` of a school's teachers leave and a share ``f`` of the gap to the norm
``N`` is filled (``teachers.turnover``). The stock after a year's hiring is
stationary when ``T = T(1 − a) + f (N − T(1 − a))``, that is

    T* = N · f / (a + f − a·f)   (= N when f = 1, below N when f < 1),

because the vacancies left by each year's leavers are never all filled: a
hard-to-staff school runs a persistent shortfall. The synthesiser starts every
school at T* under the start year's baseline policy (the district was observed
in 2019 under the 2019 policy, so its staff are taken to be that policy's
steady state; under the baseline T* is 99–100% of the norm in every location).
The alternative — an engine that always replaces every leaver so that the
stock settles at N whatever ``f`` — was not chosen: it would make the fill
rate, the rural-service rule and the rural-teacher subsidy's retention effect
irrelevant to staffing in steady state. A scenario that lowers the fill rate or
raises attrition (``no_policy``: no rural-service rule, no subsidy) therefore
moves towards its own, lower, steady state; that move is the policy's effect.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PRIMARY_GRADES", "RURAL_SERVICE_LOCATIONS", "classes_per_grade", "teachers_needed", "attrition_rate", "fill_rate",
           "steady_state_stock"]

PRIMARY_GRADES = 6  # grades 1–6 are primary, 7–9 junior secondary (compulsory education law)
RURAL_SERVICE_LOCATIONS = ("rural", "mountain")  # where new hires serve first (Banan report 2020)


def classes_per_grade(pupils, class_size) -> np.ndarray:
    """Classes a school forms in each grade: ⌈pupils / class size⌉, 0 where a grade has no pupils.

    ``pupils`` may be fractional (expected counts); a tolerance of 1e-9 keeps
    an exact multiple of the class size (90.0000000001 pupils) from opening
    another class through floating-point error.
    """
    pupils = np.asarray(pupils, dtype=float)
    return np.where(pupils > 0, np.ceil(pupils / class_size - 1e-9), 0.0)


def teachers_needed(pupils, village, primary_pupils_per_teacher, junior_pupils_per_teacher,
                    class_size, teachers_per_class) -> np.ndarray:
    """Teachers a school needs under the norm, shape ``pupils.shape[:-1]``.

    ``pupils`` (..., school, grade) with the 9 grades last; ``village`` a
    boolean broadcasting against ``pupils.shape[:-1]`` (the schools staffed by
    the combined rule). The ratios may be scalars or arrays broadcasting
    against the result (one value per draw).
    """
    pupils = np.asarray(pupils, dtype=float)
    primary = pupils[..., :PRIMARY_GRADES]
    by_ratio = primary.sum(axis=-1) / primary_pupils_per_teacher
    by_class = teachers_per_class * classes_per_grade(primary, class_size).sum(axis=-1)
    primary_need = np.where(village, np.maximum(by_ratio, by_class), by_ratio)
    return primary_need + pupils[..., PRIMARY_GRADES:].sum(axis=-1) / junior_pupils_per_teacher


def attrition_rate(base_rate, semi_elasticity_per_1000_yuan, subsidy_per_teacher) -> np.ndarray:
    """Share of teachers leaving in a year: the location's base rate, lowered
    proportionally by ``semi_elasticity`` per 1,000 yuan of rural-teacher subsidy."""
    return base_rate * np.exp(-semi_elasticity_per_1000_yuan * np.asarray(subsidy_per_teacher) / 1000.0)


def fill_rate(base_rate, rule_active, rule_fill_rate, served) -> np.ndarray:
    """Share of vacancies filled in a year; where the rural-service rule is
    active, ``served`` schools (rural and mountain) fill at least ``rule_fill_rate``."""
    if not rule_active:
        return np.asarray(base_rate, dtype=float)
    return np.where(served, np.maximum(base_rate, rule_fill_rate), base_rate)


def steady_state_stock(need, attrition, fill) -> np.ndarray:
    """The stock that a year of attrition and hiring maps to itself:
    ``need · f / (a + f − a·f)`` (after the year's hiring; see the module docstring).

    With neither attrition nor hiring (a = f = 0) every stock is stationary;
    the norm is returned then.
    """
    need, a, f = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (need, attrition, fill)))
    denom = a + f - a * f
    return np.divide(need * f, denom, out=need.copy(), where=denom > 0)
