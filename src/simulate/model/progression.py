"""Pupil flows of one year: returns, dropouts, progression, graduation, entry.

Arrays are (draw, school, grade, group). The out-of-school ledger holds the
children of each school's catchment who have left; it moves up a grade each
year with its cohort (children return at the grade of their age, as in the
控辍保学 practice of age-appropriate placement) and children still out after
grade 9 age out of compulsory education.

Order within a year: ledger children return → pupils drop out during the year
→ survivors move up (grade-6 leavers of a primary school enter its feeder
junior school) → grade-9 completers graduate → a new grade-1 cohort enters.
Per cell: enrolled + returns − dropouts = survivors = moved up + graduates.

``expected`` mode moves expected numbers; ``stochastic`` mode draws binomial
counts (only for non-empty cells) from generators keyed by (seed, purpose,
year, first draw).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


def draw(n, p, mode: str, rng: np.random.Generator | None) -> np.ndarray:
    """Expected (n·p) or binomial counts, drawing only where n > 0 and p > 0.

    numpy's binomial returns 0 without drawing where n = 0 or p = 0, so one call
    over every cell consumes the stream exactly as drawing only the cells with
    n > 0 and p > 0 (in cell order), without gathering them first.
    """
    if mode == "expected":
        return n * np.broadcast_to(p, n.shape)
    if np.ndim(n) == 2 and np.ndim(p) == 2:  # live cell arrays: counts and probabilities in one compiled pass
        from .kernels import binomial_inputs

        counts, probs = binomial_inputs(np.ascontiguousarray(n, dtype=float), np.ascontiguousarray(p, dtype=float))
    else:
        counts = np.rint(n).astype(np.int64)
        probs = np.clip(np.broadcast_to(p, n.shape), 0.0, 1.0)
    return rng.binomial(counts, probs).astype(float)


def whole_children(x, mode: str, rng: np.random.Generator | None) -> np.ndarray:
    """Expected numbers ``x`` as they are, or whole children with mean ``x``.

    Stochastic mode rounds each cell at random: ⌊x⌋ + Bernoulli(x − ⌊x⌋), so
    the mean over draws is exactly the expected number (rounding to nearest
    every draw biased small entering cells upwards: 22 × 0.99 = 21.78 → 22)
    and the only noise added is that of the rounding itself (variance
    f(1 − f) ≤ ¼ per cell). Cohort-size uncertainty is a parameter
    (``cohort.entrant_growth_per_year``), not this draw. One uniform is drawn
    for every cell, live or not, so the stream consumed never depends on the
    scenario (common random numbers).
    """
    x = np.asarray(x, dtype=float)
    if mode == "expected":
        return x
    base = np.floor(x)
    return base + (rng.random(x.shape) < x - base)


@dataclass(frozen=True)
class Flows:
    """One year's flows per cell (draw, school, grade, group)."""

    at_risk: np.ndarray        # enrolled during the year (start enrolment + returns)
    returns: np.ndarray
    dropouts: np.ndarray
    graduates: np.ndarray      # grade-9 completers (zero in other grades)
    aged_out: np.ndarray       # ledger children past grade-9 age (zero in other grades)


def returns_and_dropouts(enrolled, ledger, hazard, return_rate, mode, rng_returns, rng_dropouts):
    """Ledger children return, then pupils drop out: (enrolled, ledger, returns, dropouts).

    Every pupil at the cell's hazard (no returners' extra risk, no learning loss): the plain form,
    :func:`readmit_and_drop` with ``relative_hazard`` 1 and no loss."""
    returns = draw(ledger, return_rate, mode, rng_returns)
    at_risk = enrolled + returns
    dropouts = draw(at_risk, hazard, mode, rng_dropouts)
    return at_risk - dropouts, ledger - returns + dropouts, at_risk, returns, dropouts


@dataclass(frozen=True)
class Readmitted:
    """One year's returns and dropouts with the returners tracked (:func:`readmit_and_drop`); cell arrays."""

    enrolled: np.ndarray      # survivors at the year's end (moved up next)
    ledger: np.ndarray        # out-of-school children at the year's end
    at_risk: np.ndarray       # enrolled during the year: start enrolment + returns
    returns: np.ndarray
    dropouts: np.ndarray
    returners: np.ndarray     # returners among the survivors (carry the relative hazard on)
    ledger_loss: np.ndarray   # summed learning deficit (SD × children) of the ledger at the year's end
    learning_shift: np.ndarray  # change of the cell's mean learning as the returners rejoin (≤ 0)


def readmit_and_drop(enrolled, ledger, hazard, return_rate, mode, rng_returns, rng_dropouts, returners,
                     ledger_loss, relative_hazard, loss_per_year) -> Readmitted:
    """Ledger children return, then pupils drop out, returners at a higher hazard (the re-enrolment
    lever, ``levers/reenrolment.py``). Per cell:

        returns  R = draw(ledger, return rate)
        at risk  A = enrolled + R;  returners enrolled  B = returners + R
        hazard   h_B = min(1, relative_hazard · h)  for returners, h for the others
        dropouts D = draw(A, h + (h_B − h)·B/A)        (one draw with the mixture hazard)
        returners who leave again: D · h_B·B / (h·A + (h_B − h)·B)   (their expected share of D)

    The ledger carries the children's summed learning deficit ``ledger_loss``
    (SD × children): returners take the ledger's mean deficit back to school,
    lowering the cell's mean learning by (deficit returning) / A; the children
    still out add ``loss_per_year`` for the whole year, the year's dropouts half
    of it (they leave, on average, at mid-year). In stochastic mode the counts R
    and D are drawn; the splits (returners among the dropouts, the returners'
    deficit) are expectations given them, as in :func:`tally_out_of_school`.
    """
    returns = draw(ledger, return_rate, mode, rng_returns)
    if np.ndim(enrolled) == 2:  # live cell arrays: the same lines in two compiled passes around the draw
        return _readmit_live(enrolled, ledger, hazard, returns, mode, rng_dropouts, returners, ledger_loss,
                             relative_hazard, loss_per_year)
    at_risk = enrolled + returns
    back = returners + returns
    share_back = np.divide(back, at_risk, out=np.zeros_like(back), where=at_risk > 0)
    rh = relative_hazard if np.ndim(relative_hazard) == 0 else np.reshape(relative_hazard, (-1,) + (1,) * (np.ndim(hazard) - 1))
    h_back = np.minimum(1.0, rh * hazard)
    mixed = hazard + (h_back - hazard) * share_back
    dropouts = draw(at_risk, mixed, mode, rng_dropouts)
    back_share_of_dropouts = np.divide(h_back * share_back, mixed, out=np.zeros_like(mixed), where=mixed > 0)
    survivors = at_risk - dropouts
    returners_end = np.clip(back - dropouts * back_share_of_dropouts, 0.0, survivors)
    loss_back = ledger_loss * np.divide(returns, ledger, out=np.zeros_like(returns), where=ledger > 0)
    lam = loss_per_year if np.ndim(loss_per_year) == 0 else np.reshape(loss_per_year, (-1,) + (1,) * (np.ndim(hazard) - 1))
    ledger_loss_end = ledger_loss - loss_back + lam * (ledger - returns + 0.5 * dropouts)
    shift = -np.divide(loss_back, at_risk, out=np.zeros_like(loss_back), where=at_risk > 0)
    return Readmitted(enrolled=survivors, ledger=ledger - returns + dropouts, at_risk=at_risk,
                      returns=returns, dropouts=dropouts, returners=returners_end, ledger_loss=ledger_loss_end,
                      learning_shift=shift)


def _readmit_live(enrolled, ledger, hazard, returns, mode, rng_dropouts, returners, ledger_loss, relative_hazard,
                  loss_per_year) -> Readmitted:
    """:func:`readmit_and_drop` after the returns, on live cell arrays (``kernels.readmit_mix`` and
    ``kernels.readmit_after``; the numpy lines there are the definition)."""
    from . import kernels

    c = np.ascontiguousarray
    per = lambda x: np.atleast_1d(np.asarray(x, dtype=float)).reshape(-1)  # noqa: E731
    hazard = np.atleast_2d(np.asarray(hazard, dtype=float))
    at_risk, mixed, split = kernels.readmit_mix(c(enrolled, dtype=float), c(returns, dtype=float),
                                                c(returners, dtype=float), c(hazard), per(relative_hazard))
    dropouts = draw(at_risk, mixed, mode, rng_dropouts)
    survivors, ledger_end, returners_end, loss_end, shift = kernels.readmit_after(
        c(ledger, dtype=float), c(returns, dtype=float), c(dropouts, dtype=float), at_risk, c(returners, dtype=float),
        split, c(ledger_loss, dtype=float), per(loss_per_year))
    return Readmitted(enrolled=survivors, ledger=ledger_end, at_risk=at_risk, returns=returns, dropouts=dropouts,
                      returners=returners_end, ledger_loss=loss_end, learning_shift=shift)


def feeder_matrix(feeder_index: np.ndarray) -> sp.csr_matrix:
    """(school × school) matrix moving a primary's grade-6 leavers to its feeder."""
    n = feeder_index.size
    src = np.flatnonzero(feeder_index >= 0)
    return sp.csr_matrix((np.ones(src.size), (feeder_index[src], src)), shape=(n, n))


def move_up(x, stays, feeder: sp.csr_matrix, feeder_grade: int, points=None) -> np.ndarray:
    """Shift every cohort one grade up; grade ``feeder_grade`` of primary schools
    moves to grade ``feeder_grade + 1`` of the feeder school. Grade 9 leaves.

    ``points``: (source schools, feeder schools, grade index) of teaching points (教学点, grades 1–k):
    their grade-k leavers move to grade k + 1 of their feeder (the central primary)."""
    out = np.empty_like(x)
    out[:, :, 0, :] = 0.0
    # the mask materialised over groups: numpy then runs long inner loops (2× faster than broadcasting it)
    mask = np.repeat(stays[:, :, None], x.shape[-1], axis=2).astype(float)
    np.multiply(x[:, :, :-1, :], mask[None], out=out[:, :, 1:, :])
    leavers = x[:, :, feeder_grade, :]                      # (draw, school, group)
    if feeder.nnz:
        d, s, k = leavers.shape
        moved = feeder @ leavers.transpose(1, 0, 2).reshape(s, d * k)
        out[:, :, feeder_grade + 1, :] += np.asarray(moved).reshape(s, d, k).transpose(1, 0, 2)
    if points is not None and len(points[0]):
        src, dest, grade = points
        np.add.at(out, (slice(None), dest, grade + 1), x[:, src, grade, :])
    return out


def teaching_point_moves(feeder_index: np.ndarray, leave_grade: np.ndarray, fed_by_matrix: np.ndarray):
    """(source schools, feeder schools, grade index) of the schools whose leavers move at another grade
    than the feeder matrix's (teaching points); ``fed_by_matrix``: (S,) bool, moved by the matrix."""
    src = np.flatnonzero((feeder_index >= 0) & ~fed_by_matrix)
    return src, feeder_index[src], leave_grade[src]


class DenseMoves:
    """The moves of :func:`move_up` on (draw, school, grade, group) arrays, with the cell layout's interface
    that :func:`advance`, :func:`enter` and :func:`tally_out_of_school` use. Needs ``stays``, ``feeder`` and
    ``feeder_grade`` attributes; the dense layout (``simulate.model.layout.Cells``) is one."""

    def move_up(self, x):
        return move_up(x, self.stays, self.feeder, self.feeder_grade, getattr(self, "points", None))

    def last_grade(self, x) -> np.ndarray:
        """(draw, school, group): the grade-9 cells (a copy)."""
        return x[:, :, -1, :].copy()

    def only_last_grade(self, x) -> np.ndarray:
        """A cell array that is ``x`` in grade 9 and 0 elsewhere."""
        out = np.zeros(x.shape)  # calloc: only the grade-9 slice is touched
        out[:, :, -1, :] = x[:, :, -1, :]
        return out

    def add_to_last_grade(self, x, by_school_group) -> None:
        """``x`` += a (draw, school, group) array in grade 9, in place."""
        x[:, :, -1, :] += by_school_group

    def set_first_grade(self, x, by_school_group) -> None:
        """Grade 1 of ``x`` := a (draw|1, school|1, group) array, in place."""
        x[:, :, 0, :] = np.broadcast_to(by_school_group, x[:, :, 0, :].shape)


class _StaysAndFeeder(DenseMoves):
    """The dense moves of bare ``stays`` and ``feeder`` arrays (callers without a cell layout)."""

    def __init__(self, stays, feeder, feeder_grade):
        self.stays, self.feeder, self.feeder_grade = stays, feeder, feeder_grade


def _moves(stays, feeder, feeder_grade):
    """A cell layout (has ``move_up``) as given, or the dense moves of ``stays`` and ``feeder``."""
    return stays if hasattr(stays, "move_up") else _StaysAndFeeder(stays, feeder, feeder_grade)


def advance(enrolled, ledger, learning_sum, stays, feeder=None, feeder_grade=5, learning=None):
    """Move survivors, ledger and learning up a grade: (enrolled, ledger, learning, graduates, aged_out).

    ``stays`` and ``feeder`` are as in :func:`move_up`, or ``stays`` is the
    cell layout the arrays are in (``simulate.model.layout.Cells``: its
    ``move_up``; the live layout's ``advance`` does the four moves and the
    division in one pass) and ``feeder`` is not given. ``learning_sum`` None:
    ``enrolled * learning``.

    A cell's learning is its pupils' mean (``learning_sum`` ÷ pupils). When
    ``learning`` (the cells' levels before moving) is given, a cell left with
    no pupils but with out-of-school children keeps the level of the cohorts
    those children left (their mean weighted by the ledger moving in), so
    children who return to it later join at the level their cohort reached,
    not at 0. Otherwise the learning of an empty cell is 0. Expected mode
    never empties a cell children can return to; stochastic mode often
    empties cells of one or two pupils (returners there were counted at 0 SD
    and learning gaps ran ~1% low by year 7).
    """
    moves = _moves(stays, feeder, feeder_grade)
    graduates = moves.only_last_grade(enrolled)
    aged_out = moves.only_last_grade(ledger)
    if learning is not None and hasattr(moves, "advance"):  # the live layout: the same moves in one pass
        return moves.advance(enrolled, ledger, learning) + (graduates, aged_out)
    if learning_sum is None:
        learning_sum = enrolled * learning
    new_enrolled = moves.move_up(enrolled)
    new_ledger = moves.move_up(ledger)
    new_sum = moves.move_up(learning_sum)
    empty = np.zeros_like(new_sum)
    if learning is not None:
        np.divide(moves.move_up(learning * ledger), new_ledger, out=empty, where=new_ledger > 0)
    learning = np.divide(new_sum, new_enrolled, out=empty, where=new_enrolled > 0)
    return new_enrolled, new_ledger, learning, graduates, aged_out


def enter(enrolled, ledger, learning, entrants, entry_learning, not_attending, copy=True, cells=None):
    """A new grade-1 cohort: ``not_attending`` of the ``entrants`` (disabled
    children who cannot attend and are not taught at home) go straight to the
    ledger. Both are (draw|1, school, group) counts. Returns (enrolled, ledger,
    learning, entered); with ``copy=False`` the first three are filled in place.
    ``cells``: the layout of the cell arrays (None: (draw, school, grade, group))."""
    moves = _StaysAndFeeder(None, None, None) if cells is None else cells
    d = enrolled.shape[0]
    entered = np.broadcast_to(entrants - not_attending, (d,) + np.shape(entrants)[1:])
    if copy:
        enrolled, ledger, learning = enrolled.copy(), ledger.copy(), learning.copy()
    moves.set_first_grade(enrolled, entered)
    moves.set_first_grade(ledger, not_attending)
    moves.set_first_grade(learning, entry_learning[:, :, 0, :])
    return enrolled, ledger, learning, entered


# ------------------------------------------------------------------ time out of school
def child_years(ledger_end, dropouts) -> np.ndarray:
    """Child-years out of school in one year, per cell: the out-of-school children of school age after
    the start-of-year returns (out the whole year) plus half of the year's dropouts (who leave during the
    year, on average at mid-year) — the mean of the ledger after the returns and at the end of the year.
    Returners come back at the start of the year (the order of :func:`returns_and_dropouts`) and count 0
    for it; children past grade-9 age have left the ledger and count no more."""
    return ledger_end - 0.5 * dropouts


@dataclass(frozen=True)
class OutOfSchool:
    """Running tallies of time out of school since the first simulated year.

    ``left`` splits the out-of-school ledger at the start of a year: the children who left school during
    the simulated years (the rest of the ledger: out before the first year, or entrants who never
    attended). Returners are found in a cell's ledger whenever they left, so the leavers' part of the
    returns is their share of the cell's ledger (an expectation, also in stochastic mode; it draws no
    random numbers). A child who leaves, returns and leaves again is one child in ``left``.
    """

    left: np.ndarray          # (draw, school, grade, group) leavers in the ledger at the start of the year
    gone: np.ndarray          # (draw, school, group) leavers who aged past grade 9 without returning
    child_years: np.ndarray   # (draw, school, grade, group) child-years out of school summed over the years
    #                           so far, cell by cell in place (a stage's sum is its children's years out)

    @classmethod
    def none(cls, shape, gone_shape=None) -> "OutOfSchool":
        """No time out of school yet: the start of the first simulated year. ``shape``: the cell arrays';
        ``gone_shape`` (draw, school, group), by default from a (draw, school, grade, group) ``shape``."""
        gone_shape = shape[:2] + shape[3:] if gone_shape is None else gone_shape
        return cls(left=np.zeros(shape), gone=np.zeros(gone_shape), child_years=np.zeros(shape))


def tally_out_of_school(before: OutOfSchool, ledger, ledger_end, returns, dropouts, stays, feeder=None,
                        feeder_grade=5) -> tuple[OutOfSchool, np.ndarray, np.ndarray]:
    """One year of the tallies: (tallies for next year, never returned, child-years so far).

    ``ledger`` is the ledger at the start of the year, ``ledger_end`` after its returns and dropouts.
    *Never returned* at the end of the year: children who left school during the simulated years and are
    out of school at the year's end — in the ledger, or aged past grade 9 without returning (counted at
    grade 9) — each child once however often they left and returned. *Child-years so far*: the sum of
    :func:`child_years` over the simulated years up to this one.
    """
    moves = _moves(stays, feeder, feeder_grade)
    if hasattr(moves, "out_of_school"):  # the live layout: the per-cell lines below in one compiled pass
        left_end, so_far = moves.out_of_school(before.left, ledger, ledger_end, returns, dropouts,
                                               before.child_years)
    else:
        share = np.divide(before.left, ledger, out=np.zeros_like(before.left), where=ledger > 0)
        left_end = before.left - returns * share + dropouts
        so_far = before.child_years + child_years(ledger_end, dropouts)
    never_returned = left_end.copy()
    moves.add_to_last_grade(never_returned, before.gone)
    after = OutOfSchool(left=moves.move_up(left_end), gone=moves.last_grade(never_returned), child_years=so_far)
    return after, never_returned, so_far
