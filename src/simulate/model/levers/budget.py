"""Budget lever: recurrent grants, capital for weak schools, student aid, rural-teacher subsidy.

Pure functions on arrays shaped (draw, school[, grade, group]). Every function
returns the yuan it allocates per school, so the engine can check that money
allocated equals money spent, lever by lever.

Defaults and sources: ``params/baseline.yaml`` (``budget.*``): the 2015 unified
funding benchmark (国发〔2015〕67号), the Banan report's 2019 aid and subsidy
totals, and assumptions where nothing is published.
"""

from __future__ import annotations

import numpy as np

from .common import by_location, per_draw


def base_grant(pupils_primary, pupils_junior, boarders, poor_pupils, location_code, g) -> np.ndarray:
    """Recurrent public funding per school (yuan/year), shape (draw, school).

    benchmark per pupil × location weight, with small schools funded as if they
    had ``small_school_floor_pupils``; plus a boarding top-up per boarder and an
    optional extra weight per registered-poor pupil.
    """
    weight = by_location(g.location_weight, location_code, pupils_primary.ndim)
    per_stage = per_draw(g.primary_yuan_per_pupil, 2) * pupils_primary + per_draw(g.junior_yuan_per_pupil, 2) * pupils_junior
    pupils = pupils_primary + pupils_junior
    floor = float(g.small_school_floor_pupils)
    scale = np.where((pupils > 0) & (pupils < floor), floor / np.maximum(pupils, 1e-12), 1.0)
    mean_rate = np.divide(per_stage, pupils, out=np.zeros_like(per_stage), where=pupils > 0)
    poor_top_up = per_draw(g.poor_pupil_weight, 2) * mean_rate * poor_pupils
    return per_stage * scale * weight + per_draw(g.boarding_yuan_per_boarder, 2) * boarders + poor_top_up


def depreciate(facility, rate, maintained) -> np.ndarray:
    """Facility index after a year of wear: ``f_m + max(f − f_m, 0) · (1 − δ)``.

    Routine maintenance keeps each school at its maintained level ``f_m``
    (``maintained``, the school's facility index at the start, shape (school,)
    or broadcasting against ``facility``): it is paid from the recurrent grant
    — the public-funds benchmark of 国发〔2015〕67号 covers the schools' running
    costs, routine repair among them (assumption: the document is not quoted
    here, and maintenance is taken to be fully funded, so the model adds no
    maintenance cost and a grant cut does not wear buildings). What capital
    adds above ``f_m`` is not yet covered by the maintenance budget and wears
    at ``rate`` δ a year (about a 30-year life); a school below ``f_m`` is
    restored to it. So an unchanged baseline without capital keeps every
    school's facilities, and the capital lever's gains wear off at δ.
    """
    maintained = np.asarray(maintained, dtype=float)
    return maintained + np.maximum(facility - maintained, 0.0) * (1.0 - per_draw(rate, 2))


def capital_allocation(facility, pupils, c) -> np.ndarray:
    """Capital for weak schools (yuan), shape (draw, school).

    A school is weak when its facility index is below ``weak_below_index``; its
    need is the cost of raising the index to 1. Rules: ``weakest_first`` funds
    schools in order of facility index until the budget runs out;
    ``proportional_to_deficit`` shares the budget by need; ``equal_per_school``
    gives each weak school the same sum. No school receives more than its need,
    so money that cannot be used is not spent (allocated = spent).
    """
    unit = per_draw(c.yuan_per_pupil_per_index_point, 2)
    weak = facility < per_draw(c.weak_below_index, 2)
    need = np.where(weak, (1.0 - facility) * unit * np.maximum(pupils, 1.0), 0.0)
    budget = np.broadcast_to(per_draw(c.yuan_per_year, 1), need.shape[:1]).astype(float)
    if c.targeting == "weakest_first":
        order = np.argsort(np.where(weak, facility, np.inf), axis=1, kind="stable")
        rows = np.arange(need.shape[0])[:, None]
        need_sorted = need[rows, order]
        before = np.cumsum(need_sorted, axis=1) - need_sorted
        give_sorted = np.clip(budget[:, None] - before, 0.0, need_sorted)
        alloc = np.empty_like(need)
        alloc[rows, order] = give_sorted
        return alloc
    if c.targeting == "proportional_to_deficit":
        total = need.sum(axis=1, keepdims=True)
        share = np.divide(need, total, out=np.zeros_like(need), where=total > 0)
        return np.minimum(share * budget[:, None], need)
    n_weak = weak.sum(axis=1, keepdims=True)
    each = np.divide(budget[:, None], n_weak, out=np.zeros((need.shape[0], 1)), where=n_weak > 0)
    return np.minimum(np.where(weak, each, 0.0), need)


def facility_after_capital(facility, capital_yuan, pupils, c) -> np.ndarray:
    """Facility index raised by capital spending (capped at 1)."""
    unit = per_draw(c.yuan_per_pupil_per_index_point, 2)
    return np.minimum(1.0, facility + capital_yuan / (unit * np.maximum(pupils, 1.0)))


def student_aid(enrolled, is_poor, a):
    """Student aid by category.

    Returns (poor_yuan, other_yuan, poor_aided, other_aided) per school —
    yuan and pupils aided (student-times) — and, per group, ``receiver_share``
    and ``yuan_per_receiver`` (draw|1, 1, 1, group): the share of a cell's
    pupils whom aid effectively reaches and the yuan each of them receives.
    These drive the dropout and learning effects as a mixture over receivers
    and non-receivers (``dropout.hazard``, ``learning.growth``), never as an
    average dose.

    Registered-poor pupils are aided at ``coverage × (1 − targeting_error)``
    (the error is exclusion of eligible pupils). Other needy aid reaches
    ``coverage`` of the other pupils, of whom ``targeting_error`` are not needy
    (inclusion error): their aid is paid (it counts in yuan and pupils aided)
    but changes nothing, so the effective receivers are ``coverage × (1 −
    targeting_error)``.
    """
    rp, on = a.registered_poor, a.other_needy
    by_group = enrolled.sum(axis=2)  # (draw, school, group): one pass over the cells
    poor = np.broadcast_to(is_poor, (1,) * (enrolled.ndim - 1) + by_group.shape[-1:]).reshape(-1)
    poor_rate_by_school = per_draw(rp.coverage, 2) * (1.0 - per_draw(rp.targeting_error, 2))
    poor_aided = by_group[..., poor].sum(axis=-1) * poor_rate_by_school
    other_aided = by_group[..., ~poor].sum(axis=-1) * per_draw(on.coverage, 2)
    poor_yuan = poor_aided * per_draw(rp.yuan_per_pupil, 2)
    other_yuan = other_aided * per_draw(on.yuan_per_pupil, 2)
    receiver_share = np.where(is_poor, per_draw(rp.coverage, 4) * (1.0 - per_draw(rp.targeting_error, 4)),
                              per_draw(on.coverage, 4) * (1.0 - per_draw(on.targeting_error, 4)))
    yuan_per_receiver = np.where(is_poor, per_draw(rp.yuan_per_pupil, 4), per_draw(on.yuan_per_pupil, 4))
    return poor_yuan, other_yuan, poor_aided, other_aided, receiver_share, yuan_per_receiver


def rural_teacher_subsidy(teachers, location_code, yuan_by_location) -> tuple[np.ndarray, np.ndarray]:
    """Township allowance and rural-teacher living subsidy: (yuan per school, yuan per teacher)."""
    per_teacher = by_location(yuan_by_location, location_code, teachers.ndim)
    return teachers * per_teacher, np.broadcast_to(per_teacher, teachers.shape)
