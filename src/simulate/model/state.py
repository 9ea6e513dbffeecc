"""The engine's state and what one year produces: plain frozen containers of arrays.

:class:`State` is the district at the start of a year; :class:`Money`, :class:`Staff` and
:class:`Controls` are what the year's levers decide (``simulate.model.step``); :class:`Progressed`
is what the pupils' moves leave; :class:`Year` is the year's outcome as callers see it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from functools import cached_property

from . import progression
from .layout import Cells


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
