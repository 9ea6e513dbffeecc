"""Teachers lever: attrition, hiring, support and post-rotation teachers, training.

Arrays are (draw, school). Teacher counts are expected full-time equivalents in
both modes (only pupil flows are drawn at random). Teacher quality is the mean
of a school's teachers in SD units of the district's teacher-quality
distribution.

What is modelled, with sources in ``params/baseline.yaml`` (``teachers.*``):
- attrition by location, lowered by the rural-teacher subsidy;
- hiring towards the staffing norm (中央编办发〔2014〕72号: 1:19 primary,
  1:13.5 junior; village primaries by pupil–teacher and class–teacher ratio
  combined — the rule is ``simulate.inputs.staffing``, shared with the
  synthesiser), filling a location-specific share of vacancies; the
  rural-service rule (new hires teach first in rural schools) raises that share
  for rural and mountain schools. With a fill rate below one the stock settles
  below the norm (``staffing.steady_state_stock``), where the synthetic
  district starts. Hires in a year are capped by the county's recruitment
  capacity (``recruitment_capacity``: a share of the school's posts, 编制, and
  never fewer than ``MIN_HIRES_PER_YEAR``), so a shortage in the data is filled
  over years, not at once. A school's posts (:func:`posts`) are the staffing
  norm, unless the data give them (a county's ``posts``/编制数 column: then the
  school hires up to those posts, fixed over the run — the bureau's 核定编制 of
  the start year; re-set posts are not modelled) or the school is a teaching
  point (教学点) without posts in the data: its posts are its teachers at the
  start, moved with its own norm as its pupils change (teachers at the start ×
  norm now ÷ norm at the start). A teaching point teaches in a few multi-grade
  classes (复式班) with fewer teachers than the combined rule's one class per
  grade would give, so staffing it by the rule would grow a stable point's
  teachers as if it were a full school; with its pupils stable it keeps its
  teachers, and they follow its grades and pupils when those change;
- support teachers (支教), who leave urban sending schools for a year and join
  receiving rural/mountain schools — capacity and quality move both ways;
- post-rotation teachers (顶岗): a cover takes a rural post while its holder
  trains for a year and returns better;
- training person-times, raising quality with yearly decay;
- novices: a hire starts ``new_teacher_quality_sd`` below the experienced
  teacher they become (Rivkin, Hanushek & Kain 2005: effectiveness rises in
  the first years of teaching). A school's stock carries the mean deficit of
  its recent hires (``novice``, SD ≤ 0 by default), which closes a share
  ``novice_gap_closes_per_year`` a year as they gain experience
  (:func:`novice_after_turnover`). Hires reach the school's base quality
  (``State.hire_quality``, the base at the start), so turnover alone does not
  move the base; a gain some teachers made (post-rotation holders' training)
  leaves with them rather than passing to their replacements;
  effective quality = base + novice deficit + training boost. A school that
  loses fewer teachers hires fewer novices: lower attrition (the rural-teacher
  subsidy) raises quality through a smaller deficit
  (:func:`steady_novice_deficit`).
"""

from __future__ import annotations

import numpy as np

from ...inputs import staffing
from .common import LOCATIONS, by_location, in_locations, location_members, per_draw, per_location

URBAN = LOCATIONS.index("urban")
# assumption: whatever its size, a school can receive this many hires in a year (a county recruits for the
# whole district; a three-teacher village school that needs one more gets a whole teacher, not a share)
MIN_HIRES_PER_YEAR = 2.0
RURAL_OR_MOUNTAIN = tuple(LOCATIONS.index(loc) for loc in staffing.RURAL_SERVICE_LOCATIONS)


def staffing_need(pupils_by_grade, location_code, norm) -> np.ndarray:
    """Teachers a school should have under the staffing norm, shape (draw, school).

    ``pupils_by_grade`` is (draw, school, grade); classes are formed per grade
    (:func:`simulate.inputs.staffing.teachers_needed`, the synthesiser's rule).
    """
    village = in_locations(location_code, norm.village_locations)[None, :]
    return staffing.teachers_needed(pupils_by_grade, village, per_draw(norm.primary_pupils_per_teacher, 2),
                                    per_draw(norm.junior_pupils_per_teacher, 2),
                                    per_draw(norm.class_size_pupils, 3),
                                    per_draw(norm.village_teachers_per_class, 2))


def posts(need, given_posts, teaching_point, start_teachers, start_need) -> np.ndarray:
    """Posts (编制) each school hires up to, shape (draw, school).

    ``need``: the staffing norm now (draw, school); ``given_posts`` (school,): the data's posts, NaN where
    none are given; ``teaching_point`` (school,) bool; ``start_teachers`` (school,) and ``start_need``
    (draw, school): a school's teachers and norm at the start. Given posts hold as given; a teaching
    point without them has ``start_teachers × need / start_need`` (its teachers while its norm is
    unchanged; ``need`` itself where its start norm is 0); every other school has the norm.
    """
    out = need
    if teaching_point.any():
        scaled = np.divide(start_teachers[None, :] * need, start_need, out=np.array(need, dtype=float, copy=True),
                           where=start_need > 0)
        out = np.where(teaching_point[None, :], scaled, out)
    given = np.isfinite(given_posts)
    if given.any():
        out = np.where(given[None, :], np.nan_to_num(given_posts)[None, :], out)
    return out


def attrition_rate(location_code, subsidy_per_teacher, t) -> np.ndarray:
    """Share of teachers leaving this year, lower where the subsidy is higher."""
    return staffing.attrition_rate(by_location(t.attrition_rate, location_code, 2),
                                   per_draw(t.attrition_subsidy_semi_elasticity_per_1000_yuan, 2),
                                   subsidy_per_teacher)


def vacancy_fill_rate(location_code, t) -> np.ndarray:
    """Share of vacancies filled, with the rural-service rule applied."""
    return staffing.fill_rate(by_location(t.vacancy_fill_rate, location_code, 2), t.rural_service_rule.active,
                              per_draw(t.rural_service_rule.fill_rate, 2),
                              in_locations(location_code, staffing.RURAL_SERVICE_LOCATIONS)[None, :])


def turnover(teachers, quality, need, rate, fill, new_quality, max_hires=None):
    """A year of leaving and hiring: (teachers, quality, leavers, hires).

    Leavers are of average quality; hires fill ``fill`` of the gap to the norm
    and arrive at ``new_quality`` (a number, one per draw, or (draw, school)); at most ``max_hires``
    a year (the county's recruitment capacity, ``teachers.recruitment_capacity`` × the school's posts,
    :func:`posts`), so a shortage in the data persists as far as hiring cannot fill it. ``need`` is the
    school's posts: hires never take the stock above them.
    The engine passes the stock's *base* quality and the school's hire quality
    (what a hire becomes with experience, ``State.hire_quality``); the novice
    deficit is carried separately (:func:`novice_after_turnover`).
    """
    leavers = teachers * rate
    remaining = teachers - leavers
    hires = np.maximum(need - remaining, 0.0) * fill
    if max_hires is not None:
        hires = np.minimum(hires, max_hires)
    total = remaining + hires
    hired = new_quality if np.ndim(new_quality) == 2 else per_draw(new_quality, 2)  # (draw, school) or per draw
    q_new = np.divide(quality * remaining + hired * hires, total,
                      out=np.array(quality, dtype=float, copy=True), where=total > 0)
    return total, q_new, leavers, hires


def novice_after_turnover(novice, teachers, leavers, hires, new_quality, closes_per_year) -> np.ndarray:
    """The stock's mean novice deficit after a year of turnover (SD, ≤ 0 when novices are weaker).

    ``novice`` is the deficit of the stock ``teachers`` at the start of the
    year. The stayers' deficit closes ``closes_per_year`` of itself as they gain
    experience; leavers (of average deficit) take their share with them; each
    hire arrives ``new_quality`` below its experienced level:

        novice' = [novice · (1 − closes) · (teachers − leavers) + new_quality · hires] / (teachers − leavers + hires)

    A school with no teachers after the year keeps its deficit (it has no stock).
    """
    remaining = teachers - leavers
    total = remaining + hires
    num = novice * (1.0 - per_draw(closes_per_year, 2)) * remaining + per_draw(new_quality, 2) * hires
    return np.divide(num, total, out=np.array(novice, dtype=float, copy=True), where=total > 0)


def steady_novice_deficit(attrition, new_quality, closes_per_year) -> np.ndarray:
    """The deficit that :func:`novice_after_turnover` maps to itself at a steady stock.

    At the stock hiring keeps (``staffing.steady_state_stock``) hires replace
    leavers, so a share ``a`` (the attrition rate) of the stock is hired each
    year and ``1 − a`` stays: the fixed point of
    ``n = n·(1 − c)·(1 − a) + q·a`` is

        n* = q · a / (a + c − a·c)

    (q = ``new_quality``, c = ``closes_per_year``): q when novices never catch
    up (c = 0), 0 with no hiring (a = 0, also when nothing moves at all).
    """
    a, q, c = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in
                                    (attrition, per_draw(new_quality, 2), per_draw(closes_per_year, 2))))
    denom = a + c - a * c
    return np.divide(q * a, denom, out=np.zeros(a.shape), where=denom > 0)


def place(count: float, rule: str, need_score, eligible, named_mask, pupils) -> np.ndarray:
    """Spread ``count`` teachers over eligible schools, shape (draw, school).

    ``neediest_first``: whole teachers, one each to the schools with the highest
    need score first (going round again when there are more teachers than
    schools); ``proportional``: shares by pupils; ``named``: equal shares among
    the named schools. The placements always sum to ``count`` when any school
    is eligible, and adding a teacher never takes one from a school.
    """
    draws, schools = need_score.shape
    out = np.zeros((draws, schools))
    if count <= 0:
        return out
    if rule == "named":
        n = named_mask.sum()
        return np.broadcast_to(np.where(named_mask, count / n, 0.0), out.shape).copy() if n else out
    n_eligible = int(eligible.sum())
    if n_eligible == 0:
        return out
    if rule == "proportional":
        w = np.where(eligible[None, :], pupils, 0.0)
        total = w.sum(axis=1, keepdims=True)
        return np.divide(w, total, out=np.zeros_like(w), where=total > 0) * count
    whole, extra = divmod(int(round(count)), n_eligible)
    score = np.where(eligible[None, :], need_score, -np.inf)
    rank = np.argsort(np.argsort(-score, axis=1, kind="stable"), axis=1, kind="stable")
    return np.where(eligible[None, :], whole + (rank < extra), 0.0).astype(float)


def send(count_by_draw, teachers, sending) -> np.ndarray:
    """Teachers leaving the sending schools, in proportion to their staff."""
    w = np.where(sending[None, :], teachers, 0.0)
    total = w.sum(axis=1, keepdims=True)
    return np.divide(w, total, out=np.zeros_like(w), where=total > 0) * count_by_draw[:, None]


def mix_quality(quality, teachers, arriving, arriving_quality, leaving, leaving_quality):
    """Mean quality after some teachers arrive and others leave."""
    stay = teachers - leaving
    total = stay + arriving
    num = quality * teachers - leaving_quality * leaving + per_draw(arriving_quality, 2) * arriving
    return np.divide(num, total, out=np.array(quality, dtype=float, copy=True), where=total > 0)


def training_person_times(teachers, location_code, tr) -> np.ndarray:
    """Person-times of training per school: shares by location, then by staff.

    A location's share is re-spread over the other locations when the
    district has no teachers there, so every person-time is delivered.
    """
    # (draw, location) teachers by location (plain sums, not BLAS: the same rounding in every process)
    staff_at = np.stack([teachers[:, at].sum(axis=1) for at in location_members(location_code)], axis=1)
    shares = per_location(tr.share_by_location) * (staff_at > 0)  # (draw, location)
    total_share = shares.sum(axis=1, keepdims=True)
    shares = np.divide(shares, total_share, out=np.zeros_like(shares), where=total_share > 0)
    total = staff_at[:, location_code]                             # (draw, school): the school's location's staff
    out = np.divide(teachers, total, out=np.zeros_like(teachers), where=total > 0) * shares[:, location_code]
    return out * per_draw(tr.person_times_per_year, 2)


def training_boost(boost, person_times, teachers, tr) -> np.ndarray:
    """Quality gained from training, decaying each year."""
    gain = np.divide(person_times, teachers, out=np.zeros_like(person_times), where=teachers > 0)
    return boost * (1.0 - per_draw(tr.decay_per_year, 2)) + per_draw(tr.quality_gain_sd_per_person_time, 2) * gain


def steady_training_boost(person_times, teachers, tr) -> np.ndarray:
    """The boost that :func:`training_boost` maps to itself at this year's
    person-times: a year's gain ÷ the decay rate (what a school has after
    training has run at this level for many years). Zero when nothing decays
    (no steady state: the boost would grow without bound)."""
    gain = training_boost(np.zeros_like(person_times), person_times, teachers, tr)
    decay = np.broadcast_to(per_draw(tr.decay_per_year, 2), gain.shape)
    return np.divide(gain, decay, out=np.zeros_like(gain), where=decay > 0)
