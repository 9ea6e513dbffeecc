"""The 16-group cross-table of a (school, grade) cell from its per-flag counts.

A bureau's pupil register gives, per school and grade, how many pupils are
registered-poor, left-behind, disabled and migrant — one margin per flag — but
the model keeps every combination of the four flags (16 groups, group index
``poor + 2·left_behind + 4·disabled + 8·migrant``, see
:func:`simulate.inputs.district.group_flags`). :func:`fit_groups` fills the
cross-table by **iterative proportional fitting** (IPF, Deming & Stephan 1940)
to the margins, cell by cell, vectorised over cells:

* the **seed** is independence of the four flags (every group weight 1), with
  one structural zero: a child is never both left-behind (both parents
  migrated, the child stays; 2016 definition) and migrant (随迁子女, living
  with its migrant parents). A seed table (16 weights, or one row of 16 per
  cell) replaces it, e.g. from a survey's joint distribution;
* **known joint counts** are extra margins: any set of groups with its count,
  e.g. pupils both registered-poor and left-behind (``poor_left_behind``);
* IPF rescales the table to each margin in turn until every margin holds to
  1e-10 pupils (at most 2,000 sweeps).

:func:`round_groups` turns the fitted table into whole pupils. It keeps the
floors and gives the missing units to the cells with the largest remainders
(largest-remainder rounding), choosing among all ways of adding one pupil to
some groups the one that reproduces **every margin and the cell total
exactly** and has the largest sum of remainders. If no such choice exists
(rare: only when the margins cannot all be met by adding at most one pupil to
a group) the cell falls back to plain largest remainder, which keeps the cell
total exact, and the cell is reported.
"""

from __future__ import annotations

import numpy as np

from .district import GROUP_FLAGS, N_GROUPS, group_flags

__all__ = ["default_seed", "margin_masks", "fit_groups", "round_groups"]

_FLAGS = group_flags()  # (16, 4)
TOLERANCE = 1e-10
MAX_SWEEPS = 2000


def default_seed() -> np.ndarray:
    """Independence, with left-behind ∧ migrant impossible: (16,) weights of 1 or 0."""
    lb, mig = GROUP_FLAGS.index("left_behind"), GROUP_FLAGS.index("migrant")
    return np.where(_FLAGS[:, lb] & _FLAGS[:, mig], 0.0, 1.0)


def margin_masks(joint: tuple[tuple[str, ...], ...] = ()) -> np.ndarray:
    """(M, 16) 0/1 rows: the groups each margin counts — one row per flag, then one per joint set of flags."""
    rows = [_FLAGS[:, j] for j in range(len(GROUP_FLAGS))]
    for flags in joint:
        rows.append(np.logical_and.reduce([_FLAGS[:, GROUP_FLAGS.index(f)] for f in flags]))
    return np.asarray(rows, dtype=np.float64)


def fit_groups(total: np.ndarray, margins: np.ndarray, masks: np.ndarray,
               seed: np.ndarray | None = None) -> np.ndarray:
    """IPF: (C, 16) expected pupils per group, summing to ``total`` (C,) with ``margins`` (C, M) met.

    ``masks`` (M, 16) from :func:`margin_masks`; ``seed`` (16,) or (C, 16) non-negative weights
    (default :func:`default_seed`). Each margin is fitted as a 2-way split (its groups against
    the rest), so the complement is kept too. Margins must be feasible (0 ≤ margin ≤ total, and
    reachable from the seed's non-zero groups); :mod:`simulate.inputs.bureau` checks this first.
    """
    total = np.asarray(total, dtype=np.float64)
    margins = np.asarray(margins, dtype=np.float64).reshape(len(total), -1)
    seed = default_seed() if seed is None else np.asarray(seed, dtype=np.float64)
    x = np.broadcast_to(seed, (len(total), N_GROUPS)).astype(np.float64).copy()
    s = x.sum(axis=1, keepdims=True)
    x = np.divide(x * total[:, None], s, out=np.zeros_like(x), where=s > 0)
    for _ in range(MAX_SWEEPS):
        for m in range(masks.shape[0]):
            inside = masks[m]
            have_in = x @ inside
            have_out = x.sum(axis=1) - have_in
            want_in, want_out = margins[:, m], total - margins[:, m]
            f_in = np.divide(want_in, have_in, out=np.zeros_like(want_in), where=have_in > 0)
            f_out = np.divide(want_out, have_out, out=np.zeros_like(want_out), where=have_out > 0)
            x = x * np.where(inside > 0, f_in[:, None], f_out[:, None])
        err = np.abs(x @ masks.T - margins).max(initial=0.0)
        err = max(err, np.abs(x.sum(axis=1) - total).max(initial=0.0))
        if err < TOLERANCE:
            break
    return x


# every way of adding one pupil to some of the 16 groups: (65536, 16) 0/1, built once when needed
_SUBSETS: np.ndarray | None = None


def _subsets() -> np.ndarray:
    global _SUBSETS
    if _SUBSETS is None:
        _SUBSETS = ((np.arange(1 << N_GROUPS)[:, None] >> np.arange(N_GROUPS)) & 1).astype(np.int8)
    return _SUBSETS


def round_groups(x: np.ndarray, total: np.ndarray, margins: np.ndarray,
                 masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whole pupils (C, 16) int64 with every cell total exact; margins exact where possible.

    Returns ``(counts, exact)``: ``exact`` (C,) bool is False for cells where no largest-remainder
    choice meets every margin (those get plain largest remainder, total still exact).
    """
    x = np.asarray(x, dtype=np.float64)
    total = np.rint(np.asarray(total, dtype=np.float64)).astype(np.int64)
    margins = np.rint(np.asarray(margins, dtype=np.float64)).astype(np.int64).reshape(len(total), -1)
    base = np.floor(x + 1e-9).astype(np.int64)
    base = np.minimum(base, np.maximum(np.rint(x), 0).astype(np.int64))
    rem = np.clip(x - base, 0.0, None)
    need_total = total - base.sum(axis=1)
    need_m = margins - base @ masks.T.astype(np.int64)
    counts = base.copy()
    exact = np.ones(len(total), dtype=bool)
    todo = np.nonzero((need_total != 0) | (need_m != 0).any(axis=1))[0]
    if len(todo):
        sub = _subsets()
        sig_total = sub.sum(axis=1).astype(np.int64)
        sig_m = sub.astype(np.int64) @ masks.T.astype(np.int64)
        for c in todo:
            allowed = x[c] > 0
            ok = ((sig_total == need_total[c]) & (sig_m == need_m[c]).all(axis=1)
                  & ~(sub[:, ~allowed] > 0).any(axis=1))
            if ok.any():
                cand = np.nonzero(ok)[0]
                score = sub[cand].astype(np.float64) @ rem[c]
                counts[c] += sub[cand[np.argmax(score)]]
            else:
                exact[c] = False
                k = max(int(need_total[c]), 0)
                order = np.argsort(-rem[c], kind="stable")[:k]
                counts[c, order] += 1
    return counts, exact
