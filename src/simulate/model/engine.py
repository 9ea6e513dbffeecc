"""The yearly loop: each lever in policy order, then the pupils move.

    allocate_budget → move_teachers → apply_dropout_controls → learn → progress

State lives in arrays shaped (draw, school, grade, group) for pupils and
(draw, school) for schools; one simulated year is a handful of vectorised
operations over them (no Python loop over schools, pupils or draws).
``simulate`` yields one :class:`Year` of outcomes at a time, so callers reduce
as they go (``run`` keeps them; ``compare`` keeps only indicators).

Rooms: ``state`` (the containers), ``step`` (the levers of one year, in policy
order), ``start`` (the steady state the first year starts from), ``memory``
(the allocator under Dask); this module is the loop.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..inputs.district import District
from ..inputs.scaling import for_district
from ..randomness import stream
from . import memory
from .layout import PRIMARY_GRADES, Cells, LiveCells, cells_of, live_cells_of  # noqa: F401 (re-exported)
# the year's levers, the start and the containers live in their own modules; re-exported here, where
# callers have always found them
from .start import initial_state, replace_group, same_groups  # noqa: F401 (re-exported)
from .state import Controls, Money, Progressed, Staff, State, Year  # noqa: F401 (re-exported)
from .step import (allocate_budget, apply_dropout_controls, learn, learning_gain,  # noqa: F401 (re-exported)
                   move_teachers, progress)

MODES = ("expected", "stochastic")


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
    memory.restore_mmap_threshold()  # in a Dask worker: arrays from the heap, not fresh mappings (see there)
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
