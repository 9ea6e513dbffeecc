"""The district at the start of the first year: the steady state of the status-quo policy.

:func:`initial_state` (called by ``simulate.model.engine.simulate``) starts every scenario of a
comparison from the same state, so an unchanged baseline is flat (``docs/model/initialisation.md``);
:func:`same_groups` and :func:`replace_group` handle resolved parameter trees.
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np

from . import learning as learning_model
from . import progression
from ..inputs.district import District
from .layout import Cells
from .levers import teachers
from .state import Money, State
from .steady_ledger import steady_ledger
from .step import allocate_budget, apply_dropout_controls, learning_gain, move_teachers


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
