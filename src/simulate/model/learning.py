"""Achievement growth: a value-added education production function.

Learning is the mean achievement of a cell in SD units, relative to urban
non-poor pupils. Each year a cell gains

    intercept + b_tq·teacher quality + b_ptr·(PTR − reference)
    + (b_first − b_ptr)·(PTR − last year's PTR)          (a first year in a changed class size)
    − relief·multigrade share + b_fac·facility
    + b_spend·(non-salary yuan per pupil / 1000) + b_board·boarding share
    + Σ group effects + location effect
    + aid share · b_aid · ln(1 + yuan per receiver / trial yuan)/ln 2
    + pairing coverage · b_pair (left-behind pupils)

Programmes that reach a share of pupils enter as the mixture over receivers
and non-receivers: the cell's mean gain is the receivers' share times the
gain at the receiver's dose (exact for a mean, since growth is additive),
never the gain at the average dose. The aid gain is b_aid for a receiver of
the dropout trial's dose (``dropout.aid_effect.trial_yuan``), with
diminishing returns in yuan (an assumption: the log form is not bounded,
but grows slowly — 2.8 × b_aid at six times the trial's dose).

and grade-1 pupils (their first year in a class of this size) gain
(b_first − b_ptr)·(last year's PTR − reference) more (:func:`first_year_extra`),
so that their class-size effect is b_first·(PTR − reference) in a steady state.

**Class size** (Krueger 1999, Project STAR): the gain from a smaller class is
large in a pupil's first year in it (b_first: +4 percentile points) and small
in each later year (b_ptr: +1). A pupil's first year in a class of a given
size is grade 1 for the cohorts that enter, and the year of the change for
pupils already in school when the pupil–teacher ratio changes: the change term
gives them the first-year jump on the change. **Multigrade classes**: in
village schools (``teachers.staffing_norm.village_locations``) with fewer
class teachers than classes, grades are combined; the share of classes
combined is ``multigrade_share``; relief from it (``multigrade_relief_sd_per_year``)
is centred on Veenman's (1995, 1996) null.

Sources (``params/baseline.yaml``, ``learning.*``): teacher quality from
Rivkin, Hanushek & Kain (2005); class size from Krueger (1999); left-behind
gap from Zhang et al. (2014); boarding from Wang et al. (2016); aid from
Behrman, Parker & Todd (PROSPERA); the rest assumptions.

The start (:func:`steady_state`, called by ``engine.initial_state``): pupils
enrolled at the start have the learning this function implies for a district
that has always had its starting resources — entry level plus the gains of
the grades completed — so an unchanged district keeps each cell's level and
only a change in resources or policy moves it.
"""

from __future__ import annotations

import numpy as np

from . import progression
from .levers.common import by_group, by_location, per_draw


def school_value_added(quality, ptr, facility, grant_per_pupil, boarding_share, l, ptr_before=None,
                       multigrade=0.0) -> np.ndarray:
    """The school's part of a year's growth, shape (draw, school).

    ``ptr_before``: last year's pupil–teacher ratio (None: as this year's, no change);
    ``multigrade``: share of the school's classes combined with another grade (:func:`multigrade_share`).
    """
    change = 0.0 if ptr_before is None else ptr - ptr_before
    return (
        per_draw(l.growth_intercept_sd, 2)
        + per_draw(l.teacher_quality_sd_per_sd, 2) * quality
        + per_draw(l.ptr_sd_per_pupil, 2) * (ptr - per_draw(l.ptr_reference_pupils, 2))
        + (per_draw(l.ptr_first_year_sd_per_pupil, 2) - per_draw(l.ptr_sd_per_pupil, 2)) * change
        - per_draw(l.multigrade_relief_sd_per_year, 2) * multigrade
        + per_draw(l.facility_sd_per_index_point, 2) * facility
        + per_draw(l.spending_sd_per_1000_yuan, 2) * grant_per_pupil / 1000.0
        + per_draw(l.boarding_sd_per_year, 2) * boarding_share
    )


def first_year_extra(ptr_before, l) -> np.ndarray:
    """Extra gain of grade-1 pupils, (draw|1, school): (b_first − b_ptr)·(last year's PTR − reference)."""
    return (per_draw(l.ptr_first_year_sd_per_pupil, 2) - per_draw(l.ptr_sd_per_pupil, 2)) * (
        ptr_before - per_draw(l.ptr_reference_pupils, 2))


def multigrade_share(pupils_by_grade, working, village, class_size, teachers_per_class) -> np.ndarray:
    """Share of a village school's primary classes combined with another grade, (draw, school), 0..1.

    Classes = ⌈pupils / class size⌉ per primary grade (``inputs.staffing``); the
    primary grades' share of the working teachers (by pupils), at
    ``teachers_per_class`` teachers a class, can take that many classes; the
    rest are combined: 1 − classes taught / classes, at least 0. Schools
    outside the village locations (``village`` False) form full classes: 0.
    """
    from ..inputs.staffing import PRIMARY_GRADES, classes_per_grade

    primary = pupils_by_grade[..., :PRIMARY_GRADES]
    classes = classes_per_grade(primary, per_draw(class_size, 3)).sum(axis=-1)
    pupils = pupils_by_grade.sum(axis=-1)
    primary_teachers = working * np.divide(primary.sum(axis=-1), pupils, out=np.zeros_like(working),
                                           where=pupils > 0)
    taught = primary_teachers / per_draw(teachers_per_class, 2)
    short = 1.0 - np.divide(taught, classes, out=np.ones_like(taught), where=classes > 0)
    return np.where(village, np.clip(short, 0.0, 1.0), 0.0)


def pupil_gaps_per_year(cells, l) -> np.ndarray:
    """Yearly growth differences by group and location, shape (draw|1, school, 1, group)."""
    return by_group(l.group_sd_per_year, cells.flags) + by_location(l.location_sd_per_year, cells.location_code, 4)


def growth(school_part, cells, aid_share, aid_yuan, aid_effect, pairing, l) -> np.ndarray:
    """A year's learning gain per cell, shape (draw, school, grade, group).

    ``aid_share`` and ``aid_yuan`` (draw|1, 1, 1, group) are the share of
    pupils effectively aided and the yuan each receives
    (``budget.student_aid``); ``aid_effect`` is the ``dropout.aid_effect``
    parameter group (its ``trial_yuan`` is the dose at which an aided pupil
    gains ``aid_sd_per_year``); ``pairing`` the ``dropout.pairing`` group
    (coverage and its learning effect for left-behind pupils).
    """
    per_receiver = per_draw(l.aid_sd_per_year, 4) * np.log1p(aid_yuan / per_draw(aid_effect.trial_yuan, 4)) / np.log(2.0)
    aid = aid_share * per_receiver
    paired = cells.left_behind * (per_draw(pairing.coverage, 4) * per_draw(pairing.learning_sd_per_year, 4))
    return school_part[:, :, None, None] + pupil_gaps_per_year(cells, l) + aid + paired


def entry_level(cells, l) -> np.ndarray:
    """Learning of a new grade-1 entrant, shape (draw|1, school, 1, group)."""
    return by_group(l.entry_gap_group_sd, cells.flags) + by_location(l.entry_gap_location_sd, cells.location_code, 4)


def steady_state(entry, gain, enrolled, stays, feeder, feeder_grade: int) -> np.ndarray:
    """Learning per cell of a district that has always grown by ``gain``: shape (draw, school, grade, group).

    A pupil in grade g has the entry level plus the yearly gains of the g
    grades already completed (grade 1: the entry level). Pupils who began
    junior secondary in a junior school came from its feeder primaries
    (``progression.move_up``, the same move the year step makes): they arrive
    with the mean learning of the feeders' grade-``feeder_grade + 1`` pupils
    after that grade's gain (weighted by those pupils, per group), then
    gain at their junior school. A junior school whose feeders have no such
    pupils in a group takes its own entry level and gains instead.

    Approximations: the gain is this year's at every grade and in every past
    year (a steady state: resources, policy and grade mixes as now), and
    primary leavers' learning is their feeders' today.

    ``entry`` (draw|1, school, 1, group); ``gain`` and ``enrolled`` (draw,
    school, grade, group); ``stays``, ``feeder`` as in ``progression.move_up``.
    """
    before = np.cumsum(gain, axis=2) - gain   # gains of the grades completed here, by grade reached
    own = entry + before                      # pupils who began grade 1 at this school
    j = feeder_grade + 1                      # first junior grade
    moved = progression.move_up(enrolled, stays, feeder, feeder_grade)[:, :, j]
    moved_sum = progression.move_up(enrolled * (own + gain), stays, feeder, feeder_grade)[:, :, j]
    arrival = np.divide(moved_sum, moved, out=np.array(own[:, :, j], dtype=float, copy=True), where=moved > 0)
    junior = arrival[:, :, None, :] + before[:, :, j:] - before[:, :, j:j + 1]
    return np.concatenate([own[:, :, :j], junior], axis=2)


def steady_state_on_cells(cells, entry, gain, enrolled, everywhere: bool = False) -> np.ndarray:
    """:func:`steady_state` on the cell arrays of the layout ``cells``, for a gain that does not vary by
    grade (``gain`` and ``entry`` (draw|1, school, 1, group), as :func:`growth` and :func:`entry_level`
    give; ``enrolled`` (school, grade, group), the district's). The same numbers, without a dense
    (draw, school, grade, group) array: grade g of a school's own pupils is entry + g·gain, and the
    first junior grade's arrivals bring the feeders' grade-6 level (entry + 6·gain, weighted by the
    pupils moving) and gain at their junior school from there. Cells without pupils get 0, or with
    ``everywhere`` the level their cohort would have (children out of school return to it)."""
    j = cells.junior_grade.reshape(-1).argmax()          # first junior grade
    entry, gain = np.asarray(entry, dtype=float), np.asarray(gain, dtype=float)
    d = max(entry.shape[0], gain.shape[0])
    leaving = enrolled[None, :, j - 1, :]                 # (1, school, group) grade-6 pupils
    # the one move of progression.move_up that reaches grade j: stays within a school, or to the feeder
    stays = cells.stays[:, j - 1][None, :, None]
    level = entry[:, :, 0, :] + j * gain[:, :, 0, :]      # (draw|1, school, group) after grade 6 here
    moved = stays * leaving + _to_feeder(cells.feeder, np.broadcast_to(leaving, (1,) + leaving.shape[1:]))
    moved_sum = stays * leaving * level + _to_feeder(cells.feeder, np.broadcast_to(leaving * level,
                                                                                   (d,) + leaving.shape[1:]))
    own_j = np.broadcast_to(level, moved_sum.shape)
    arrival = np.divide(moved_sum, moved, out=np.array(own_j, dtype=float, copy=True), where=moved > 0)
    grades_here, grades_junior, in_primary = cells.kept("steady-state grades", (), (), lambda: _grades_on_cells(cells, j))
    gain_at = cells.at(gain)
    primary = cells.at(entry) + gain_at * grades_here
    junior = cells.at(arrival[:, :, None, :]) + gain_at * grades_junior
    level = np.where(in_primary, primary, junior)
    return level if everywhere else level * (cells.cells(enrolled[None]) > 0)


def _grades_on_cells(cells, j: int) -> tuple:
    """On the cells: the grades of growth before grade g at a school for its own pupils (min(g, j)) and
    at a junior school (max(g − j, 0)), and whether the cell is a primary grade (g < j); district constants."""
    grade = np.arange(cells.offers_grade.shape[1])[None, None, :, None]
    return (cells.at(np.minimum(grade, j).astype(float)), cells.at(np.maximum(grade - j, 0).astype(float)),
            cells.at(grade < j))


def _to_feeder(feeder, x) -> np.ndarray:
    """(draw, school, group) sums of ``x`` over each school's feeder primaries (``feeder`` sparse)."""
    d, s, k = x.shape
    if not feeder.nnz:
        return np.zeros(x.shape)
    return np.asarray(feeder @ x.transpose(1, 0, 2).reshape(s, d * k)).reshape(s, d, k).transpose(1, 0, 2)
