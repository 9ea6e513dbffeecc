"""The yearly loop: each lever in policy order, then the pupils move.

    allocate_budget → move_teachers → apply_dropout_controls → learn → progress

State lives in arrays shaped (draw, school, grade, group) for pupils and
(draw, school) for schools; one simulated year is a handful of vectorised
operations over them (no Python loop over schools, pupils or draws).
``simulate`` yields one :class:`Year` of outcomes at a time, so callers reduce
as they go (``run`` keeps them; ``compare`` keeps only indicators).
"""

from __future__ import annotations

import ctypes
import os
import sys
from dataclasses import dataclass, replace
from types import SimpleNamespace

import numpy as np

from functools import cached_property

from . import learning as learning_model
from . import progression
from ..inputs.district import District
from ..inputs.scaling import for_district
from .layout import PRIMARY_GRADES, Cells, LiveCells, cells_of, live_cells_of  # noqa: F401 (re-exported)
from .levers import budget, dropout, reenrolment, teachers
from .steady_ledger import steady_ledger
from .levers.common import per_draw
from ..randomness import stream

MODES = ("expected", "stochastic")


@dataclass(frozen=True, eq=False)
class State:
    enrolled: np.ndarray   # (draw, school, grade, group) pupils at the start of the year
    ledger: np.ndarray     # out-of-school children of the catchment
    learning: np.ndarray   # mean achievement, SD units
    teachers: np.ndarray   # (draw, school) teacher stock (FTE)
    quality: np.ndarray    # (draw, school) base quality of the stock (experienced level), SD units
    novice: np.ndarray     # (draw, school) the stock's mean deficit from recent hires, SD (≤ 0; closes)
    hire_quality: np.ndarray  # (draw, school) base quality a hire reaches with experience (the start's base)
    boost: np.ndarray      # (draw, school) quality from recent training (decays)
    facility: np.ndarray   # (draw, school) facility index, 0..1
    out: progression.OutOfSchool  # time out of school since the first year (leavers, child-years)
    returners: np.ndarray = None   # returners enrolled (cells): they leave again at a higher hazard
    ledger_loss: np.ndarray = None  # summed learning deficit of the ledger's children (SD × children, cells)
    ptr: np.ndarray = None         # (draw, school) last year's pupils per working teacher


@dataclass(frozen=True, eq=False)
class Year:
    """Everything one simulated year produced; arrays keep the draw axis.

    The cell arrays are stored in the layout the engine ran on (``cells``: the
    live cells in ``simulate``); ``flows``, ``learning``, ``ledger_end``,
    ``child_years`` and ``never_returned`` give them as (draw, school, grade,
    group) arrays (dead cells 0), made on first use. Reductions over cells
    should use the ``cell_*`` arrays with ``cells`` (``outcomes.year_indicators``).
    """

    year: int
    cells: Cells                    # layout of the cell_* arrays
    cell_flows: progression.Flows
    cell_learning: np.ndarray       # after the year's growth
    cell_ledger_end: np.ndarray     # out-of-school children after the year
    cell_child_years: np.ndarray    # CUMULATIVE child-years out of school, summed over the years so far
    cell_never_returned: np.ndarray  # children who left school since the first year and are out at its end
    entered: np.ndarray             # (draw, school, group) new grade-1 pupils for next year
    schools: dict[str, np.ndarray]  # (draw, school) school-level measures
    costs: dict[str, np.ndarray]    # (draw, school) yuan by lever
    counts: dict[str, np.ndarray]   # (draw,) programme counts

    @cached_property
    def flows(self) -> progression.Flows:
        """The year's flows as (draw, school, grade, group) arrays."""
        f, dense = self.cell_flows, self.cells.dense
        return progression.Flows(at_risk=dense(f.at_risk), returns=dense(f.returns), dropouts=dense(f.dropouts),
                                 graduates=dense(f.graduates), aged_out=dense(f.aged_out))

    @cached_property
    def learning(self) -> np.ndarray:
        return self.cells.dense(self.cell_learning)

    @cached_property
    def ledger_end(self) -> np.ndarray:
        return self.cells.dense(self.cell_ledger_end)

    @cached_property
    def child_years(self) -> np.ndarray:
        """(draw, school, grade, group) child-years out of school **summed over every year simulated so
        far** (cumulative: the last year's array is the run's total; summing it over years counts early
        years again). This year's alone: the difference from the previous year's, or the indicator
        ``child_years_out_of_school.*`` (``.cumulative.*`` is this array's total)."""
        return self.cells.dense(self.cell_child_years)

    @cached_property
    def never_returned(self) -> np.ndarray:
        return self.cells.dense(self.cell_never_returned)

    @cached_property
    def at_risk_by_school_grade(self) -> np.ndarray:
        """(draw, school, grade) pupils enrolled during the year."""
        return self.cells.by_school_grade(self.cell_flows.at_risk)


@dataclass(frozen=True, eq=False)
class Money:
    """What :func:`allocate_budget` decided this year; arrays (draw, school) unless noted."""

    pupils_by_grade: np.ndarray      # (draw, school, grade) enrolled pupils
    pupils_by_group: np.ndarray      # (draw, school, group) enrolled pupils
    pupils: np.ndarray               # enrolled pupils, grades 1–9
    pupils_primary: np.ndarray
    pupils_junior: np.ndarray
    grant: np.ndarray                # base grant with its weights, yuan
    capital: np.ndarray              # capital for weak schools, yuan
    capital_budget: np.ndarray       # (draw,) the capital lever's yearly budget, yuan
    facility: np.ndarray             # facility index after depreciation and capital, 0..1
    aid_poor: np.ndarray             # aid to registered-poor pupils, yuan
    aid_other: np.ndarray            # aid to other needy pupils, yuan
    poor_aided: np.ndarray           # registered-poor pupils aided
    other_aided: np.ndarray          # other needy pupils aided
    aid_share: np.ndarray            # (draw|1, 1, 1, group) share of a cell's pupils effectively aided
    aid_yuan: np.ndarray             # (draw|1, 1, 1, group) yuan per effective receiver
    subsidy: np.ndarray              # rural-teacher subsidy, yuan
    subsidy_per_teacher: np.ndarray  # yuan per teacher
    salaries: np.ndarray             # teacher salaries, yuan


@dataclass(frozen=True, eq=False)
class Staff:
    """Where :func:`move_teachers` left the teachers; arrays (draw, school)."""

    stock: np.ndarray          # teachers on the school's own books (FTE) after turnover
    stock_quality: np.ndarray  # base quality of that stock, SD units, carried to next year
    novice: np.ndarray         # the stock's novice deficit after the year's hires (carried)
    boost: np.ndarray          # quality from recent training (decays)
    working: np.ndarray        # teachers in front of pupils: stock + support in − support out
    quality: np.ndarray        # effective mean quality of the working teachers: base + novice deficit,
                               # with support teachers, rotation cover and the training boost
    ptr: np.ndarray            # pupils per working teacher
    support_in: np.ndarray     # support teachers (支教) received
    support_out: np.ndarray    # support teachers sent
    rotated: np.ndarray        # post-rotation teachers (顶岗) placed
    person_times: np.ndarray   # training person-times
    leavers: np.ndarray
    hires: np.ndarray
    costs: dict[str, np.ndarray]  # yuan by teacher lever


@dataclass(frozen=True, eq=False)
class Controls:
    """What :func:`apply_dropout_controls` set for this year's pupils."""

    hazard: np.ndarray         # (draw, cell) probability of leaving this year
    return_rate: np.ndarray    # share of out-of-school children found and re-enrolled (on the cells)
    costs: dict[str, np.ndarray]  # yuan by control lever, (draw, school)
    cases: np.ndarray          # (draw, school) re-enrolment cases worked
    paired: np.ndarray         # (draw, school) left-behind children paired
    home_taught: np.ndarray    # (draw, school) disabled children taught at home
    not_attending: np.ndarray  # (draw, school, 1, group) share of entrants who cannot attend and are not taught


@dataclass(frozen=True, eq=False)
class Progressed:
    """What :func:`progress` moved: the year's pupil flows and the state they leave behind."""

    flows: progression.Flows
    learning: np.ndarray    # learning after the year's growth
    ledger_end: np.ndarray  # out-of-school children after returns and dropouts
    child_years: np.ndarray     # child-years out of school so far
    never_returned: np.ndarray  # leavers since the first year out of school at the end of this one
    entered: np.ndarray     # (draw, school, group) new grade-1 pupils


def initial_state(district: District, cells: Cells, p, draws: int, status_quo=None,
                  rng: np.random.Generator | None = None) -> State:
    """The district at the start of the first year, in the steady state of the status-quo policy
    (:func:`_steady_start`). Computed once and copied to every draw when no parameter varies by draw."""
    sq = p if status_quo is None else status_quo
    n = draws if _by_draw(p) or _by_draw(sq) else 1
    start = _steady_start(district, cells, p, n, status_quo)
    if n < draws:
        start = State(**{k: _to_draws(v, draws) for k, v in vars(start).items() if k != "out"},
                      out=progression.OutOfSchool(**{k: _to_draws(v, draws) for k, v in vars(start.out).items()}))
    if rng is not None and not district.out_of_school.any():  # whole children, the steady state as their mean
        # drawn over every (school, grade, group) cell, live or not, so the stream is the layout's in neither
        whole = cells.cells(progression.whole_children(cells.dense(start.ledger), "stochastic", rng))
        loss = whole * np.divide(start.ledger_loss, start.ledger, out=np.zeros_like(whole), where=start.ledger > 0)
        start = replace(start, ledger=whole, ledger_loss=loss)
    return start


def _by_draw(tree) -> bool:
    """Whether any leaf of a resolved parameter tree holds one value per draw (an array)."""
    if isinstance(tree, SimpleNamespace):
        return any(_by_draw(v) for v in vars(tree).values())
    return isinstance(tree, np.ndarray) and tree.ndim > 0 and tree.dtype.kind == "f"


def _to_draws(x, draws: int):
    """An array of one draw (leading axis 1) as ``draws`` copies; anything else as it is."""
    if isinstance(x, np.ndarray) and x.ndim and x.shape[0] == 1:
        return np.broadcast_to(x, (draws,) + x.shape[1:]).copy()
    return x


def _steady_start(district: District, cells: Cells, p, draws: int, status_quo=None) -> State:
    """The district at the start of the first year, in the steady state of the status-quo policy.

    ``status_quo`` (resolved parameters; ``p`` when None) is the policy in
    force when the data were observed — ``simulate`` passes the baseline tree
    the scenario extends, so every scenario of a comparison starts from the
    same state and differs only from the first simulated year. The learning
    coefficients (``learning.*``) and the dropout hazard (``dropout.hazard.*``)
    are the scenario's own (a scenario or a calibration that changes them
    describes a different world, whose past differed too).

    Pupils, teachers, their quality and facilities are the data's (the
    synthesiser staffs schools at the stock the status quo's hiring keeps,
    ``simulate.inputs.staffing``). Routine maintenance keeps each school's
    facilities at the data's index (``Cells.maintained_facility``,
    ``budget.depreciate``). Three things are derived so that an unchanged
    baseline is flat:
    - the novice deficit is the status quo's steady state
      (``teachers.steady_novice_deficit`` at its attrition rates: the hire
      rate of a steady stock), and the base quality is the data's
      ``teacher_quality`` minus it — the data column is the stock's observed
      mean quality, novices included (before the training boost, as before) —
      so base + novice deficit starts exactly at the data; hires reach that
      base (``State.hire_quality``);
    - the training boost is the status quo's steady state
      (``teachers.steady_training_boost``: training has run at this level
      for years), not zero;
    - learning is the steady state of the production function: entry level
      plus the yearly gains of the grades completed, where the gain is what
      the year step (``allocate_budget → move_teachers → learn``) gives at
      the starting resources under the status quo (``learning.steady_state``;
      junior pupils bring their feeder primaries' learning).
    - the out-of-school ledger, the returners enrolled and the learning
      deficits of both are the status quo's steady state (``steady_ledger``)
      unless the data record a ledger (any ``out_of_school`` > 0: the
      district's own 台账 is the number that runs); with ``rng`` (stochastic
      mode) the ledger is whole children, drawn with the steady state as
      their mean (``progression.whole_children``);
    - the first-year class-size gain of grade 1 (``learning.first_year_extra``)
      is part of every later grade's level.
    Learning stays relative to urban pupils with no disadvantage flag: their
    gain at the starting resources is what the calibrated growth intercept
    pins to zero (``data/<district>/targets.yaml``: learning.urban_reference),
    and in the steady state their level stays where it starts.
    """
    def per_school(x):
        return np.broadcast_to(np.asarray(x, dtype=float), (draws, district.n_schools)).copy()

    def on_cells(x):  # a (school, grade, group) array of the district on every draw's cells
        return np.broadcast_to(cells.cells(np.asarray(x)[None]), cells.cell_shape(draws)).copy()

    sq = p if status_quo is None else replace_group(status_quo, learning=p.learning, dropout=(
        status_quo.dropout if same_groups(status_quo.dropout.hazard, p.dropout.hazard) is status_quo.dropout.hazard
        else replace_group(status_quo.dropout, hazard=p.dropout.hazard)))  # the same objects: terms kept once
    teachers0 = per_school(district.teachers)
    observed = per_school(district.teacher_quality)
    start = State(
        enrolled=on_cells(district.enrolled),
        ledger=on_cells(district.out_of_school),
        learning=np.zeros(cells.cell_shape(draws)),
        teachers=teachers0,
        quality=observed,
        novice=np.zeros_like(observed),
        hire_quality=observed,
        boost=teachers.steady_training_boost(
            teachers.training_person_times(teachers0, cells.location_code, sq.teachers.training),
            teachers0, sq.teachers.training),
        facility=per_school(district.facility_index),
        out=progression.OutOfSchool.none(cells.cell_shape(draws), (draws, cells.shape[0], cells.shape[2])),
    )
    money = allocate_budget(start, cells, sq)  # does not depend on teacher quality
    novice0 = np.broadcast_to(teachers.steady_novice_deficit(
        teachers.attrition_rate(cells.location_code, money.subsidy_per_teacher, sq.teachers),
        sq.teachers.new_teacher_quality_sd, sq.teachers.novice_gap_closes_per_year), observed.shape).copy()
    base0 = observed - novice0
    start = replace(start, quality=base0, novice=novice0, hire_quality=base0)
    staff0 = move_teachers(start, cells, sq, money)
    start = replace(start, ptr=staff0.ptr)
    gain = learning_gain(start, cells, sq, money, staff0)  # (draw, school, 1, group)
    # grade-1 pupils' first-year class-size gain is a level every later grade keeps: fold it into the entry
    # level of grades 2–9 (learning_model.first_year_extra), grade 1 itself starts at the entry level
    extra = learning_model.first_year_extra(staff0.ptr, sq.learning)[:, :, None, None]
    learning0 = learning_model.steady_state_on_cells(cells, learning_model.entry_level(cells, sq.learning) + extra,
                                                     gain, district.enrolled, everywhere=True)
    learning0 = np.broadcast_to(learning0, cells.cell_shape(draws)).copy()
    cells.add_to_first_grade(learning0, -np.broadcast_to(extra[:, :, 0, 0], (draws, cells.shape[0])))
    start = replace(start, learning=learning0)
    out = _steady_out_of_school(district, cells, sq, start, money, draws)
    # cells with pupils, or with out-of-school children who return to their cohort's level, keep it
    out["learning"] = out["learning"] * ((cells.cells(district.enrolled[None]) > 0) | (out["ledger"] > 0))
    return replace(start, **out)


def _steady_out_of_school(district: District, cells: Cells, sq, start: State, money: Money, draws: int) -> dict:
    """The ledger, the returners and the learning deficits at the status quo's steady state
    (``steady_ledger``); a district whose data record out-of-school children (its own ledger, 台账) keeps
    them, with the steady state's mean deficit per child and its returners."""
    entrants = np.broadcast_to(cells.entrants[None], (draws,) + cells.entrants.shape)
    enrolled = start.enrolled > 0
    learning = start.learning
    for _ in range(2):  # the second pass with the hazard at the learning the returners' deficit leaves
        controls = apply_dropout_controls(replace(start, learning=learning), cells, sq, money)
        s = steady_ledger(cells, start.enrolled, controls.hazard, controls.return_rate,
                          entrants * controls.not_attending[:, :, 0, :], sq.dropout.reenrolment)
        # the enrolled carry the returners' deficit; a cell without pupils keeps its cohort's level, to
        # which returners come back with their own deficit (the ledger's)
        learning = start.learning - s.learning_deficit * enrolled
    ledger, loss = s.ledger, s.ledger_loss
    if district.out_of_school.any():  # the data's ledger is the number that runs
        recorded = np.broadcast_to(cells.cells(district.out_of_school[None]), ledger.shape).copy()
        loss = recorded * np.divide(loss, ledger, out=np.zeros_like(loss), where=ledger > 0)
        ledger = recorded
    return dict(ledger=ledger, ledger_loss=loss, returners=s.returners, learning=learning)


def same_groups(old, new):
    """``new`` (a resolved parameter tree) with every group whose values equal ``old``'s replaced by
    ``old``'s object: terms kept for a group (``Cells.kept``, by identity) are then not made again in a
    year whose ``by_year`` change is in another group (the baseline changes only ``budget.capital``)."""
    if not (isinstance(old, SimpleNamespace) and isinstance(new, SimpleNamespace)):
        return new
    groups = {k: same_groups(getattr(old, k, None), v) for k, v in vars(new).items()}
    if vars(old).keys() == groups.keys() and all(
            v is getattr(old, k) or _same_value(v, getattr(old, k)) for k, v in groups.items()):
        return old
    return SimpleNamespace(**groups)


def _same_value(a, b) -> bool:
    """Two leaf values are the same: the same type and equal (arrays: the same shape and elements)."""
    if type(a) is not type(b) or isinstance(a, SimpleNamespace):
        return False
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b))
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def replace_group(tree, **groups):
    """A copy of a resolved parameter tree (attribute namespace) with top-level groups replaced."""
    return SimpleNamespace(**{**vars(tree), **groups})


# ------------------------------------------------------------------ the year
def year_step(state: State, cells: Cells, p, year: int, t: int, mode: str,
              seed: int, first_draw: int) -> tuple[State, Year]:
    money = allocate_budget(state, cells, p)
    staff = move_teachers(state, cells, p, money)
    controls = apply_dropout_controls(state, cells, p, money)
    grown = learn(state, cells, p, money, staff)
    rngs = {k: stream(seed, k, year, first_draw) if mode == "stochastic" else None
            for k in ("returns", "dropouts", "entrants", "entry")}
    new_state, outcome = progress(state, cells, p, controls, grown, mode, rngs, t)
    return replace(new_state, teachers=staff.stock, quality=staff.stock_quality, novice=staff.novice,
                   boost=staff.boost, facility=money.facility, ptr=staff.ptr), _year(year, cells, outcome, money,
                                                                                      staff, controls)


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


def _year(year: int, cells: Cells, outcome: Progressed, money: Money, staff: Staff, controls: Controls) -> Year:
    costs = {
        "base_grant": money.grant, "capital": money.capital, "aid_registered_poor": money.aid_poor,
        "aid_other_needy": money.aid_other, "rural_teacher_subsidy": money.subsidy,
        "teacher_salaries": money.salaries, **staff.costs, **controls.costs,
    }
    schools = {
        "pupils": money.pupils, "teachers": staff.working, "teacher_stock": staff.stock, "ptr": staff.ptr,
        "teacher_quality": staff.quality, "facility_index": money.facility, "support_in": staff.support_in,
        "support_out": staff.support_out, "post_rotation": staff.rotated, "training_person_times": staff.person_times,
        "teacher_leavers": staff.leavers, "teacher_hires": staff.hires,
        "recurrent_yuan": money.grant + money.salaries + money.subsidy, "capital_yuan": money.capital,
        "aid_yuan": money.aid_poor + money.aid_other, "poor_aided": money.poor_aided,
        "other_aided": money.other_aided, "paired": controls.paired, "home_taught": controls.home_taught,
        "reenrolment_cases": controls.cases,
    }
    counts = {"capital_budget_yuan": money.capital_budget}
    return Year(year=year, cells=cells, cell_flows=outcome.flows, cell_learning=outcome.learning,
                cell_ledger_end=outcome.ledger_end, cell_child_years=outcome.child_years,
                cell_never_returned=outcome.never_returned,
                entered=outcome.entered, schools=schools, costs=costs, counts=counts)


# ------------------------------------------------------------------ driver
def simulate(district: District, scenario, years: int = 7, seed: int = 0, mode: str = "expected",
             draws: int = 1, first_draw: int = 0, sample_parameters: bool = False,
             offsets: dict[str, np.ndarray] | None = None):
    """Yield one :class:`Year` at a time for ``years`` years from the scenario's start year.

    Uncertain parameters are sampled per draw when ``sample_parameters`` is
    true (``compare``, sweeps and the dashboard's uncertainty run ask for it);
    otherwise every draw uses the central values.

    ``offsets`` gives explicit per-draw parameter sets (sensitivity analysis):
    dotted path → array (draws,) of *additive offsets* to the leaf's value in
    every year (what :meth:`Scenario.resolve` takes, and what ``sample`` draws),
    so draw d runs with value(path, year) + offsets[path][d], clipped to the
    schema range. A leaf with a ``by_year`` schedule is shifted as a whole. They
    replace sampled offsets of the same path when ``sample_parameters`` is true.
    Whole-number leaves (counts) cannot vary along the draw axis.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    restore_mmap_threshold()  # in a Dask worker: arrays from the heap, not fresh mappings (see there)
    scenario.check_district(district)  # named schools must be schools of this district (ScenarioError)
    scenario = for_district(scenario, district)  # absolute quantities at the district's size (Banan: itself)
    explicit = _checked_offsets(scenario, offsets, draws)
    offsets = scenario.sample(draws, seed, first_draw) if sample_parameters else None
    if explicit:
        offsets = {**(offsets or {}), **explicit}
    start = scenario.start_year
    cells = live_cells_of(district)
    p = scenario.resolve(start, offsets)
    # Parameters change only in years named by some leaf's ``by_year``: resolve
    # again only then (resolving the tree is ~1 ms, a third of a small run).
    change_years = {int(y) for leaf in scenario.leaves.values() for y in (leaf.get("by_year") or {})}
    status_quo = scenario.status_quo
    state = initial_state(district, cells, p, draws,
                          status_quo=p if status_quo is scenario else status_quo.resolve(start, offsets),
                          rng=stream(seed, "ledger start", start, first_draw) if mode == "stochastic" else None)
    for t in range(years):
        if t and start + t in change_years:
            p = same_groups(p, scenario.resolve(start + t, offsets))
        state, outcome = year_step(state, cells, p, start + t, t, mode, seed, first_draw)
        yield outcome


MMAP_THRESHOLD = 32 * 2**20  # glibc's own ceiling for its dynamic mmap threshold on 64-bit systems
_allocator_checked = False


def _libc():
    return ctypes.CDLL(None)


def restore_mmap_threshold(environ=os.environ) -> bool:
    """Undo a side effect of ``MALLOC_TRIM_THRESHOLD_`` on the engine's speed (once per process; True if done).

    Dask's nanny starts every worker with ``MALLOC_TRIM_THRESHOLD_=65536``
    (``distributed.nanny.pre-spawn-environ``). Setting that variable also
    switches off glibc's dynamic mmap threshold, so every array above 128 KiB
    — each (draw, cell) temporary of a chunk of 100 draws — is mapped fresh and
    page-faulted on first touch: a chunk of ``compare`` took 1.8× as long in a
    worker as in a plain process (1.19 s vs 0.65 s CPU, measured). When the
    variable is set and ``MALLOC_MMAP_THRESHOLD_`` is not, this sets the mmap
    threshold to 32 MiB (where glibc's dynamic threshold stops), so those arrays
    come from the heap again; the trim threshold stays as Dask set it. Linux
    (glibc) only; process-wide, like the variable it corrects.
    """
    global _allocator_checked
    if _allocator_checked:
        return False
    _allocator_checked = True
    if not sys.platform.startswith("linux") or "MALLOC_TRIM_THRESHOLD_" not in environ \
            or "MALLOC_MMAP_THRESHOLD_" in environ:
        return False
    try:
        return bool(_libc().mallopt(-3, MMAP_THRESHOLD))  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):  # not glibc
        return False


def _checked_offsets(scenario, offsets, draws: int) -> dict[str, np.ndarray]:
    """``offsets`` as float arrays of shape (draws,), after checking each path can vary per draw."""
    if not offsets:
        return {}
    tree = scenario.values(scenario.start_year)
    out = {}
    for path, off in offsets.items():
        if path not in scenario.leaves:
            raise ValueError(f"offsets: {path}: no such parameter")
        node = tree
        for part in path.split("."):
            node = getattr(node, part)
        if isinstance(node, (bool, int, str, list, tuple)):
            kind = "a whole number" if isinstance(node, int) and not isinstance(node, bool) else "not a real number"
            raise ValueError(f"offsets: {path}: {kind} ({node!r}); only real-valued parameters can vary "
                             "along the draw axis")
        arr = np.asarray(off, dtype=float)
        if arr.shape != (draws,):
            raise ValueError(f"offsets: {path}: expected an array of shape ({draws},), got {arr.shape}")
        out[path] = arr
    return out
