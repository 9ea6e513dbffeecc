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
    """Expected (n·p) or binomial counts, drawing only where n > 0 and p > 0."""
    p = np.broadcast_to(p, n.shape)
    if mode == "expected":
        return n * p
    out = np.zeros(n.shape)
    live = (n > 0) & (p > 0)
    out[live] = rng.binomial(np.rint(n[live]).astype(np.int64), np.minimum(p[live], 1.0))
    return out


@dataclass(frozen=True)
class Flows:
    """One year's flows per cell (draw, school, grade, group)."""

    at_risk: np.ndarray        # enrolled during the year (start enrolment + returns)
    returns: np.ndarray
    dropouts: np.ndarray
    graduates: np.ndarray      # grade-9 completers (zero in other grades)
    aged_out: np.ndarray       # ledger children past grade-9 age (zero in other grades)


def returns_and_dropouts(enrolled, ledger, hazard, return_rate, mode, rng_returns, rng_dropouts):
    """Ledger children return, then pupils drop out: (enrolled, ledger, returns, dropouts)."""
    returns = draw(ledger, return_rate, mode, rng_returns)
    at_risk = enrolled + returns
    dropouts = draw(at_risk, hazard, mode, rng_dropouts)
    return at_risk - dropouts, ledger - returns + dropouts, at_risk, returns, dropouts


def feeder_matrix(feeder_index: np.ndarray) -> sp.csr_matrix:
    """(school × school) matrix moving a primary's grade-6 leavers to its feeder."""
    n = feeder_index.size
    src = np.flatnonzero(feeder_index >= 0)
    return sp.csr_matrix((np.ones(src.size), (feeder_index[src], src)), shape=(n, n))


def move_up(x, stays, feeder: sp.csr_matrix, feeder_grade: int) -> np.ndarray:
    """Shift every cohort one grade up; grade ``feeder_grade`` of primary schools
    moves to grade ``feeder_grade + 1`` of the feeder school. Grade 9 leaves."""
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
    return out


def advance(enrolled, ledger, learning_sum, stays, feeder, feeder_grade=5):
    """Move survivors, ledger and learning up a grade: (enrolled, ledger, learning, graduates, aged_out)."""
    graduates = np.zeros(enrolled.shape)  # calloc: only the grade-9 slice is touched
    graduates[:, :, -1, :] = enrolled[:, :, -1, :]
    aged_out = np.zeros(ledger.shape)
    aged_out[:, :, -1, :] = ledger[:, :, -1, :]
    new_enrolled = move_up(enrolled, stays, feeder, feeder_grade)
    new_sum = move_up(learning_sum, stays, feeder, feeder_grade)
    learning = np.divide(new_sum, new_enrolled, out=np.zeros_like(new_sum), where=new_enrolled > 0)
    return new_enrolled, move_up(ledger, stays, feeder, feeder_grade), learning, graduates, aged_out


def enter(enrolled, ledger, learning, entrants, entry_learning, not_attending, copy=True):
    """A new grade-1 cohort: ``not_attending`` of the ``entrants`` (disabled
    children who cannot attend and are not taught at home) go straight to the
    ledger. Both are (draw|1, school, group) counts. Returns (enrolled, ledger,
    learning, entered); with ``copy=False`` the first three are filled in place."""
    entered = np.broadcast_to(entrants - not_attending, enrolled[:, :, 0, :].shape)
    if copy:
        enrolled, ledger, learning = enrolled.copy(), ledger.copy(), learning.copy()
    enrolled[:, :, 0, :] = entered
    ledger[:, :, 0, :] = not_attending
    learning[:, :, 0, :] = np.broadcast_to(entry_learning[:, :, 0, :], learning[:, :, 0, :].shape)
    return enrolled, ledger, learning, entered
