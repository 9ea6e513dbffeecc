"""The out-of-school ledger at the status quo's steady state: where an unchanged district starts.

Teachers, training, the novice deficit and learning start at the status quo's
steady state (``engine.initial_state``); so do the children out of school.
A district observed under a policy that has run for years holds, in each
cell, the out-of-school children that policy's dropouts and returns leave
there. With the pupils enrolled fixed at the data's, the flows of one year are
(per cell; :func:`simulate.model.progression.readmit_and_drop`):

    returns R = ρ·L,   dropouts D = h_mix·(E + R),   L_end = L − R + D,

and the cohort carries L_end one grade up (``move_up``: the same move as the
year step, primary leavers into their feeder junior school). In a steady state
the ledger a cohort brings to grade g + 1 is the one it leaves grade g with:

    L_{g+1} = M[L_g − ρ·L_g + h_mix,g·(E_g + ρ·L_g)],   L_1 = entrants who cannot attend,

and the same recursion carries the returners enrolled (their extra hazard),
the ledger's learning deficit and the returners' deficit among the enrolled.
A cohort's ledger depends only on the grades below it, so a pass of the
recursion per grade (and two more for the deficits, which lag the ledger by
a pass) from an empty ledger gives the steady state exactly (to rounding).

Approximations: the hazard is the status quo's in the start year, the
enrolment the data's (a steady state would also bend the grade profile by
the same flows: the data's grades are taken as observed), and the returners'
learning deficit feeds back into the hazard through a second pass only
(``engine.initial_state``: one year of flows then reproduces the ledger to
0.011 of a child per cell, 0.05% of a grade).
The tallies of time out of school (``progression.OutOfSchool``) count from
the first simulated year, so they start at zero by definition: the children
in the starting ledger left before it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import progression
from .levers.common import per_draw


@dataclass(frozen=True, eq=False)
class SteadyLedger:
    """The out-of-school state of a steady status quo, cell arrays (draw, cell…)."""

    ledger: np.ndarray         # out-of-school children at the start of the year
    returners: np.ndarray      # returners enrolled (they carry the relative hazard)
    ledger_loss: np.ndarray    # summed learning deficit of the ledger (SD × children)
    learning_deficit: np.ndarray  # mean deficit of the enrolled from returners who came back behind (SD, ≥ 0)


def steady_ledger(cells, enrolled, hazard, return_rate, not_attending_entrants, reenrolment) -> SteadyLedger:
    """The steady state described in the module docstring.

    ``enrolled`` (cell arrays) the data's pupils; ``hazard`` and ``return_rate``
    the status quo's on the cells (as ``engine.apply_dropout_controls`` gives);
    ``not_attending_entrants`` (draw|1, school, group) the grade-1 children who
    go straight to the ledger; ``reenrolment`` the status quo's
    ``dropout.reenrolment`` parameters (relative hazard, learning loss).
    """
    zeros = np.zeros(np.broadcast_shapes(enrolled.shape, np.shape(hazard)))
    enrolled = enrolled + zeros
    if cells.live:  # the passes below in one compiled call (kernels.steady_ledger)
        return _on_live_cells(cells, enrolled, hazard, return_rate, not_attending_entrants, reenrolment)
    ledger, returners, loss, deficit = zeros.copy(), zeros.copy(), zeros.copy(), zeros.copy()
    rh = per_draw(reenrolment.returner_relative_hazard, 1)
    lam = per_draw(reenrolment.learning_loss_sd_per_year_out, 1)
    for _ in range(cells.shape[1] + 2):  # a pass per grade, two more for the deficits (see the module docstring)
        cells.set_first_grade(ledger, not_attending_entrants)
        y = progression.readmit_and_drop(enrolled, ledger, hazard, return_rate, "expected", None, None,
                                         returners, loss, rh, lam)
        # the enrolled's mean deficit after the returners rejoin, carried by the survivors
        # as the year step: returners join at the cell's mean (its pupils' deficit included; a cell without
        # pupils is at its cohort's level) less their own time out, and dropouts leave the mean as it is
        carried = (np.where(enrolled > 0, deficit, 0.0) - y.learning_shift) * y.enrolled
        moved = cells.move_up(y.enrolled)
        deficit = np.divide(cells.move_up(carried), moved, out=np.zeros_like(moved), where=moved > 0)
        ledger, returners, loss = cells.move_up(y.ledger), cells.move_up(y.returners), cells.move_up(y.ledger_loss)
    cells.set_first_grade(ledger, not_attending_entrants)
    return SteadyLedger(ledger=ledger, returners=np.minimum(returners, enrolled), ledger_loss=loss,
                        learning_deficit=deficit)


def _on_live_cells(cells, enrolled, hazard, return_rate, not_attending_entrants, reenrolment) -> SteadyLedger:
    """:func:`steady_ledger` on the live layout through ``kernels.steady_ledger`` (the loop above is the
    definition; ``tests/model/test_kernels.py`` checks one against the other)."""
    from . import kernels

    first_ledger = np.zeros(enrolled.shape)
    cells.set_first_grade(first_ledger, not_attending_entrants)
    first = np.zeros(cells.n_cells, bool)
    first[cells.first] = True
    per = lambda x: np.atleast_1d(np.asarray(x, dtype=float)).reshape(-1)  # noqa: E731
    c = np.ascontiguousarray
    ledger, returners, loss, deficit = kernels.steady_ledger(
        c(enrolled, dtype=float), c(np.atleast_2d(hazard), dtype=float), c(np.atleast_2d(return_rate), dtype=float),
        first_ledger, first, per(per_draw(reenrolment.returner_relative_hazard, 1)),
        per(per_draw(reenrolment.learning_loss_sd_per_year_out, 1)), *cells.moves, cells.shape[1] + 2)
    return SteadyLedger(ledger=ledger, returners=returners, ledger_loss=loss, learning_deficit=deficit)
