"""One year's levers in policy order, as pure functions of the state and the parameters.

    allocate_budget → move_teachers → apply_dropout_controls → learn → progress

Each reads the year's :class:`~simulate.model.state.State` and resolved parameters and returns
what it decided (money, staff, controls) or, for :func:`progress`, the pupils' moves and the next
state; ``simulate.model.engine.year_step`` calls them in this order. The levers' own arithmetic
is in ``simulate.model.levers``.
"""

from __future__ import annotations

import numpy as np

from . import learning as learning_model
from . import progression
from .layout import PRIMARY_GRADES, Cells
from .levers import budget, dropout, reenrolment, teachers
from .levers.common import per_draw
from .state import Controls, Money, Progressed, Staff, State


def allocate_budget(state: State, cells: Cells, p) -> Money:
    b = p.budget
    by_grade, by_group = cells.by_school_grade_and_group(state.enrolled)  # (draw, school, grade|group)
    pupils_primary = by_grade[:, :, :PRIMARY_GRADES].sum(axis=2)
    pupils_junior = by_grade[:, :, PRIMARY_GRADES:].sum(axis=2)
    pupils = pupils_primary + pupils_junior
    poor_pupils = by_group[..., cells.flags[:, 0]].sum(axis=2)
    grant = budget.base_grant(pupils_primary, pupils_junior, pupils * cells.boarding_share, poor_pupils,
                              cells.location_code, b.base_grant)
    worn = budget.depreciate(state.facility, b.capital.depreciation_per_year, cells.maintained_facility[None, :])
    capital = budget.capital_allocation(worn, pupils, b.capital)
    aid_poor, aid_other, poor_aided, other_aided, aid_share, aid_yuan = budget.student_aid(
        by_group[:, :, None, :], cells.poor, b.student_aid)
    subsidy, subsidy_per_teacher = budget.rural_teacher_subsidy(state.teachers, cells.location_code,
                                                                b.rural_teacher_subsidy_yuan_per_teacher)
    return Money(
        pupils_by_grade=by_grade, pupils_by_group=by_group, pupils=pupils, pupils_primary=pupils_primary, pupils_junior=pupils_junior, grant=grant, capital=capital,
        capital_budget=np.broadcast_to(per_draw(b.capital.yuan_per_year, 1), pupils.shape[:1]).astype(float),
        facility=budget.facility_after_capital(worn, capital, pupils, b.capital),
        aid_poor=aid_poor, aid_other=aid_other, poor_aided=poor_aided, other_aided=other_aided,
        aid_share=aid_share, aid_yuan=aid_yuan, subsidy=subsidy, subsidy_per_teacher=subsidy_per_teacher,
        salaries=state.teachers * per_draw(b.teacher_salary_yuan_per_year, 2),
    )


def move_teachers(state: State, cells: Cells, p, money: Money) -> Staff:
    t = p.teachers
    need = teachers.staffing_need(money.pupils_by_grade, cells.location_code, t.staffing_norm)
    if cells.teaching_point.any() or np.isfinite(cells.posts).any():  # posts other than the norm
        start = cells.kept("staffing at start", (t.staffing_norm,), (), lambda: teachers.staffing_need(
            cells.start_pupils[None], cells.location_code, t.staffing_norm))
        need = teachers.posts(need, cells.posts, cells.teaching_point, cells.start_teachers, start)
    rate = cells.kept("attrition", (t,), (money.subsidy_per_teacher,),
                      lambda: teachers.attrition_rate(cells.location_code, money.subsidy_per_teacher, t))
    fill = cells.kept("vacancy fill", (t,), (), lambda: teachers.vacancy_fill_rate(cells.location_code, t))
    capacity = cells.kept("recruitment", (t,), (),
                          lambda: teachers.by_location(t.recruitment_capacity, cells.location_code, 2))
    stock, quality, leavers, hires = teachers.turnover(state.teachers, state.quality, need, rate, fill,
                                                       state.hire_quality,
                                                       np.maximum(capacity * need, teachers.MIN_HIRES_PER_YEAR))
    novice = teachers.novice_after_turnover(state.novice, state.teachers, leavers, hires, t.new_teacher_quality_sd,
                                            t.novice_gap_closes_per_year)
    own = quality + novice  # the stock's effective quality before support, cover and training
    ptr_before = np.divide(money.pupils, stock, out=np.zeros_like(stock), where=stock > 0)

    s = t.support
    support_in = teachers.place(s.count, s.allocation, ptr_before, cells.rural_or_mountain,
                                _named(cells, s.named_schools), money.pupils)
    support_out = teachers.send(support_in.sum(axis=1), stock, cells.urban)
    working = stock + support_in - support_out
    q = teachers.mix_quality(own, stock, support_in, s.quality_sd, support_out, per_draw(s.quality_sd, 2))

    r = t.post_rotation
    rotated = np.minimum(teachers.place(r.count, r.allocation, ptr_before, cells.rural_or_mountain,
                                        _named(cells, r.named_schools), money.pupils), stock)
    cover_share = np.divide(rotated, working, out=np.zeros_like(rotated), where=working > 0)
    q = q + (per_draw(r.cover_quality_sd, 2) - own) * cover_share
    holder_gain = np.divide(rotated, stock, out=np.zeros_like(rotated), where=stock > 0)

    person_times = teachers.training_person_times(stock, cells.location_code, t.training)
    boost = teachers.training_boost(state.boost, person_times, stock, t.training)
    return Staff(
        stock=stock, stock_quality=quality + per_draw(r.holder_training_gain_sd, 2) * holder_gain, novice=novice,
        boost=boost,
        working=working, quality=q + boost,
        ptr=np.divide(money.pupils, working, out=np.zeros_like(working), where=working > 0),
        support_in=support_in, support_out=support_out, rotated=rotated, person_times=person_times,
        leavers=leavers, hires=hires,
        costs={"support_teachers": support_in * per_draw(s.allowance_yuan_per_year, 2),
               "post_rotation": rotated * per_draw(r.yuan_per_post_year, 2),
               "training": person_times * per_draw(t.training.yuan_per_person_time, 2)},
    )


def _named(cells: Cells, named) -> np.ndarray:
    """(school,) bool: the schools named (by id)."""
    if not len(named):
        return np.zeros(cells.school_ids.shape, bool)
    return np.isin(cells.school_ids, named)


def apply_dropout_controls(state: State, cells: Cells, p, money: Money) -> Controls:
    d = p.dropout
    by_group = money.pupils_by_group  # (draw, school, group); these counts drive costs and programme counts only
    left_behind = by_group[..., cells.left_behind.reshape(-1)].sum(axis=-1)
    disabled = by_group[..., cells.disabled.reshape(-1)].sum(axis=-1)
    home = d.home_teaching
    ledger_by_school = cells.by_school_group(state.ledger).sum(axis=-1)  # (draw, school) catchment ledger
    return Controls(
        hazard=dropout.hazard(cells, state.learning, money.facility, cells.boarding_share, money.aid_share,
                              money.aid_yuan, d),
        return_rate=cells.at(cells.kept("return rate", (d,), (), lambda: reenrolment.return_rate(cells.disabled, d))),
        costs={**dropout.control_costs(money.pupils, left_behind, disabled, d),
               "reenrolment": reenrolment.cost(ledger_by_school, d)},
        cases=reenrolment.cases(ledger_by_school, d),
        paired=dropout.paired_children(left_behind, d.pairing),
        home_taught=disabled * per_draw(home.cannot_attend_share, 2) * per_draw(home.coverage, 2),
        not_attending=cells.disabled * (per_draw(home.cannot_attend_share, 4) * (1.0 - per_draw(home.coverage, 4))),
    )


def learn(state: State, cells: Cells, p, money: Money, staff: Staff) -> np.ndarray:
    """Learning after the year's growth, on the cells (grade 1: with its first-year class-size gain)."""
    grown = state.learning + cells.at(learning_gain(state, cells, p, money, staff))
    ptr_before = staff.ptr if state.ptr is None else state.ptr
    cells.add_to_first_grade(grown, np.broadcast_to(learning_model.first_year_extra(ptr_before, p.learning),
                                                    staff.ptr.shape))
    return grown


def learning_gain(state: State, cells: Cells, p, money: Money, staff: Staff) -> np.ndarray:
    """The year's learning gain, (draw|1, school, 1, group): it does not vary by grade."""
    grant_per_pupil = np.divide(money.grant, money.pupils, out=np.zeros_like(money.grant), where=money.pupils > 0)
    norm = p.teachers.staffing_norm
    village = cells.kept("village schools", (norm,), (), lambda: teachers.in_locations(
        cells.location_code, norm.village_locations)[None, :])
    multigrade = learning_model.multigrade_share(money.pupils_by_grade, staff.working, village,
                                                 norm.class_size_pupils, norm.village_teachers_per_class)
    school_part = learning_model.school_value_added(staff.quality, staff.ptr, money.facility, grant_per_pupil,
                                                    cells.boarding_share, p.learning, ptr_before=state.ptr,
                                                    multigrade=multigrade)
    return learning_model.growth(school_part, cells, money.aid_share, money.aid_yuan, p.dropout.aid_effect,
                                 p.dropout.pairing, p.learning)


def progress(state: State, cells: Cells, p, controls: Controls, grown: np.ndarray, mode: str, rngs: dict,
             t: int) -> tuple[State, Progressed]:
    r = p.dropout.reenrolment
    y = progression.readmit_and_drop(
        state.enrolled, state.ledger, controls.hazard, controls.return_rate, mode, rngs["returns"],
        rngs["dropouts"], _or_zeros(state.returners, state.ledger), _or_zeros(state.ledger_loss, state.ledger),
        per_draw(r.returner_relative_hazard, 1), per_draw(r.learning_loss_sd_per_year_out, 1))
    enrolled, ledger, at_risk, returns, dropouts = y.enrolled, y.ledger, y.at_risk, y.returns, y.dropouts
    grown = grown + y.learning_shift  # returners rejoin behind their classmates
    moved, ledger_next, learning_next, graduates, aged_out = progression.advance(
        enrolled, ledger, None, cells, learning=grown)
    out, never_returned, child_years = progression.tally_out_of_school(
        state.out, state.ledger, ledger, returns, dropouts, cells)
    growth = (1.0 + per_draw(p.cohort.entrant_growth_per_year, 3)) ** (t + 1)
    # whole children in stochastic mode, drawn so that their mean is the expected cohort
    entrants = progression.whole_children(
        np.broadcast_to(cells.entrants[None] * growth, (moved.shape[0],) + cells.entrants.shape), mode,
        rngs["entrants"])
    entry = learning_model.entry_level(cells, p.learning)
    # who cannot attend (and is not taught at home) is drawn too
    not_attending = progression.draw(entrants, controls.not_attending[:, :, 0, :], mode, rngs["entry"])
    enrolled_next, ledger_next, learning_next, entered = progression.enter(
        moved, ledger_next, learning_next, entrants, entry, not_attending, copy=False, cells=cells)
    flows = progression.Flows(at_risk=at_risk, returns=returns, dropouts=dropouts,
                              graduates=graduates, aged_out=aged_out)
    new_state = State(enrolled=enrolled_next, ledger=ledger_next, learning=learning_next,
                      teachers=state.teachers, quality=state.quality, novice=state.novice,
                      hire_quality=state.hire_quality, boost=state.boost, facility=state.facility, out=out,
                      returners=cells.move_up(y.returners), ledger_loss=cells.move_up(y.ledger_loss), ptr=state.ptr)
    return new_state, Progressed(flows=flows, learning=grown, ledger_end=ledger, entered=entered,
                                 child_years=child_years, never_returned=never_returned)


def _or_zeros(x, like):
    return np.zeros_like(like) if x is None else x
