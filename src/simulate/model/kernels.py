"""Compiled loops (numba) for the engine's hottest steps on the live cells.

Each kernel computes exactly what a few lines of numpy in the lever or
progression module compute (named in its docstring), in one pass over the
(draw, live cell) arrays instead of one pass per operation: the engine is
memory-bound, so fusing the passes is what brings it near the cost of its
random draws. The numpy forms stay the definition (the dense layout runs
them, and ``tests/model/test_kernels.py`` checks each kernel against them);
results agree to rounding (the order of a few additions).

Kernels are compiled on first use and cached on disk (``cache=True``, in
``__pycache__`` beside this file), so a new process pays only the load.
"""

from __future__ import annotations

import functools

import numpy as np
from numba import njit


def compiled(f):
    """``f`` compiled (``njit``, cached on disk, without the GIL), called through a thin wrapper that
    lets Ctrl-C through as what it is: a SIGINT that arrives while a kernel runs sets a
    KeyboardInterrupt the compiled function cannot raise, and numba's dispatcher then reports
    ``SystemError: ... returned a result with an exception set`` caused by it; the wrapper raises the
    KeyboardInterrupt itself, so the CLI's "interrupted; no output written" and every clean-up that
    expects a KeyboardInterrupt see one. ``.compiled`` is the numba dispatcher."""
    jitted = njit(cache=True, nogil=True)(f)

    @functools.wraps(f)
    def call(*args):
        try:
            return call.compiled(*args)
        except SystemError as exc:
            interrupt = _interrupt_in_chain(exc)
            if interrupt is not None:
                raise interrupt from None
            raise

    call.compiled = jitted
    return call


def _interrupt_in_chain(exc: BaseException) -> KeyboardInterrupt | None:
    """The KeyboardInterrupt among ``exc``'s causes and contexts (any depth), or None."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ if exc.__cause__ is not None else exc.__context__
    return None


@compiled
def advance(enrolled, ledger, learning, indptr, sources):  # pragma: no cover - compiled
    """Survivors, ledger and learning moved up a grade: (enrolled, ledger, learning).

    ``progression.advance`` on the live cells (its four ``move_up`` and the
    learning division) in one pass: cell c receives the cells
    ``sources[indptr[c]:indptr[c + 1]]`` (the same school's grade below, or
    the feeder primaries' last grade). A cell's learning is its pupils' mean;
    a cell left with no pupils but with out-of-school children takes the
    mean level of the cohorts those children left (ledger-weighted), else 0.
    """
    n_draws, n_cells = enrolled.shape
    new_e = np.empty((n_draws, n_cells))
    new_l = np.empty((n_draws, n_cells))
    new_learning = np.empty((n_draws, n_cells))
    for i in range(n_draws):
        for c in range(n_cells):
            se = 0.0
            sl = 0.0
            sum_e = 0.0
            sum_l = 0.0
            for j in range(indptr[c], indptr[c + 1]):
                s = sources[j]
                e = enrolled[i, s]
                led = ledger[i, s]
                g = learning[i, s]
                se += e
                sl += led
                sum_e += e * g
                sum_l += g * led
            new_e[i, c] = se
            new_l[i, c] = sl
            if se > 0:
                new_learning[i, c] = sum_e / se
            elif sl > 0:
                new_learning[i, c] = sum_l / sl
            else:
                new_learning[i, c] = 0.0
    return new_e, new_l, new_learning


@compiled
def move_up(x, indptr, sources):  # pragma: no cover - compiled
    """``progression.move_up`` on the live cells: cell c gets the sum of ``x`` over its sources."""
    n_draws, n_cells = x.shape
    out = np.empty((n_draws, n_cells))
    for i in range(n_draws):
        for c in range(n_cells):
            s = 0.0
            for j in range(indptr[c], indptr[c + 1]):
                s += x[i, sources[j]]
            out[i, c] = s
    return out


@compiled
def out_of_school(left, ledger, ledger_end, returns, dropouts, child_years):  # pragma: no cover - compiled
    """The per-cell part of ``progression.tally_out_of_school`` in one pass: (leavers at the year's end,
    child-years so far). Returners take the leavers' share of the ledger with them; the year's child-years
    are ``progression.child_years`` (ledger after the year − half the year's dropouts)."""
    n_draws, n_cells = left.shape
    left_end = np.empty((n_draws, n_cells))
    so_far = np.empty((n_draws, n_cells))
    for i in range(n_draws):
        for c in range(n_cells):
            share = left[i, c] / ledger[i, c] if ledger[i, c] > 0 else 0.0
            left_end[i, c] = left[i, c] - returns[i, c] * share + dropouts[i, c]
            so_far[i, c] = child_years[i, c] + (ledger_end[i, c] - 0.5 * dropouts[i, c])
    return left_end, so_far


@compiled
def sums_by_set(x, weight, table, n_table):  # pragma: no cover - compiled
    """(draw, set, table) sums of ``x`` (draw, cell) over the cells of each set, by table entry:
    ``np.matmul(school_sets.T, x)`` of the dense layout (``Cells.by_school_set``) in one pass.
    ``weight`` (cell, set) the cell's school's membership; ``table`` (cell,) its (grade, group) entry."""
    n_draws, n_cells = x.shape
    n_sets = weight.shape[1]
    out = np.zeros((n_draws, n_sets, n_table))
    for i in range(n_draws):
        for c in range(n_cells):
            v = x[i, c]
            t = table[c]
            for j in range(n_sets):
                w = weight[c, j]
                if w != 0.0:
                    out[i, j, t] += w * v
    return out


@compiled
def hazard(by_grade_group, by_school, learning_coef, learning, school, table, weo, eo, disabled,
           gap):  # pragma: no cover - compiled
    """``dropout.base_log_odds``, ``dropout._mixture_in_place`` and ``dropout._home_teaching_in_place`` in
    one pass. The log-odds L of a cell is its (grade, group) term ``by_grade_group`` (draw|1, table) + its
    school's term ``by_school`` (draw|1, school) + ``learning_coef`` (draw|1,) × its learning (draw, cell);
    the hazard is Σ_k w_k·expit(L + o_k) = Σ_k w_k·e^o_k / (e^o_k + e^−L) over the receiver classes, from
    ``weo`` and ``eo`` (class, draw|1, table) by the cell's (grade, group) entry ``table`` (cell,); in the
    disabled groups' cells (``disabled`` (cell,) bool), home teaching: h + gap·(1 − h) =
    (1 − c)·h + c·(cov·h + 1 − cov) with ``gap`` (draw|1,) = c·(1 − cov)."""  # pragma: no cover - compiled
    n_draws, n_cells = learning.shape
    n_classes = weo.shape[0]
    out = np.empty((n_draws, n_cells))
    for i in range(n_draws):
        di = i if weo.shape[1] > 1 else 0
        gi = i if gap.shape[0] > 1 else 0
        bi = i if by_grade_group.shape[0] > 1 else 0
        si = i if by_school.shape[0] > 1 else 0
        li = i if learning_coef.shape[0] > 1 else 0
        g = gap[gi]
        b = learning_coef[li]
        for c in range(n_cells):
            t = table[c]
            logit = by_grade_group[bi, t] + by_school[si, school[c]] + b * learning[i, c]
            e = np.exp(-logit)
            h = 0.0
            for k in range(n_classes):
                h += weo[k, di, t] / (e + eo[k, di, t])
            if disabled[c]:
                h = (1.0 - g) * h + g
            out[i, c] = h
    return out


@compiled
def school_sums(x, school, grade, group, n_schools, n_grades, n_groups):  # pragma: no cover - compiled
    """(draw, school, grade) and (draw, school, group) sums of a live cell array in one pass
    (``Cells.by_school_grade`` and ``Cells.by_school_group``)."""
    n_draws, n_cells = x.shape
    by_grade = np.zeros((n_draws, n_schools, n_grades))
    by_group = np.zeros((n_draws, n_schools, n_groups))
    for i in range(n_draws):
        for c in range(n_cells):
            v = x[i, c]
            by_grade[i, school[c], grade[c]] += v
            by_group[i, school[c], group[c]] += v
    return by_grade, by_group


@compiled
def binomial_inputs(n, p):  # pragma: no cover - compiled
    """Whole counts rint(n) and probabilities clipped to [0, 1] for numpy's binomial, in one pass
    (``progression.draw``); ``p`` (draw|1, cell|1) broadcasts against ``n`` (draw, cell)."""
    n_draws, n_cells = n.shape
    counts = np.empty((n_draws, n_cells), np.int64)
    probs = np.empty((n_draws, n_cells))
    for i in range(n_draws):
        pi = i if p.shape[0] > 1 else 0
        for c in range(n_cells):
            counts[i, c] = np.int64(np.rint(n[i, c]))
            q = p[pi, c if p.shape[1] > 1 else 0]
            probs[i, c] = 0.0 if q < 0.0 else (1.0 if q > 1.0 else q)
    return counts, probs


@compiled
def readmit_mix(enrolled, returns, returners, hazard, relative_hazard):  # pragma: no cover - compiled
    """The first half of ``progression.readmit_and_drop`` in one pass: (at risk, mixture hazard, the
    returners' share of a dropout). At risk A = enrolled + returns; returners enrolled B = returners +
    returns; h_B = min(1, relative hazard · h); mixture h + (h_B − h)·B/A; share h_B·(B/A) / mixture.
    ``relative_hazard`` (draw|1,)."""
    n_draws, n_cells = enrolled.shape
    at_risk = np.empty((n_draws, n_cells))
    mixed = np.empty((n_draws, n_cells))
    split = np.empty((n_draws, n_cells))
    for i in range(n_draws):
        rh = relative_hazard[i if relative_hazard.shape[0] > 1 else 0]
        hi = i if hazard.shape[0] > 1 else 0
        for c in range(n_cells):
            a = enrolled[i, c] + returns[i, c]
            share = (returners[i, c] + returns[i, c]) / a if a > 0 else 0.0
            h = hazard[hi, c]
            hb = min(1.0, rh * h)
            m = h + (hb - h) * share
            at_risk[i, c] = a
            mixed[i, c] = m
            split[i, c] = hb * share / m if m > 0 else 0.0
    return at_risk, mixed, split


@compiled
def readmit_after(ledger, returns, dropouts, at_risk, returners, split, ledger_loss,
                  loss_per_year):  # pragma: no cover - compiled
    """The second half of ``progression.readmit_and_drop`` in one pass: (survivors, ledger at the year's
    end, returners among the survivors, the ledger's learning deficit at the year's end, the shift of the
    cell's mean learning). ``loss_per_year`` (draw|1,)."""
    n_draws, n_cells = ledger.shape
    survivors = np.empty((n_draws, n_cells))
    ledger_end = np.empty((n_draws, n_cells))
    returners_end = np.empty((n_draws, n_cells))
    loss_end = np.empty((n_draws, n_cells))
    shift = np.empty((n_draws, n_cells))
    for i in range(n_draws):
        lam = loss_per_year[i if loss_per_year.shape[0] > 1 else 0]
        for c in range(n_cells):
            r = returns[i, c]
            d = dropouts[i, c]
            led = ledger[i, c]
            a = at_risk[i, c]
            s = a - d
            back = returners[i, c] + r
            kept = back - d * split[i, c]
            returners_end[i, c] = 0.0 if kept < 0.0 else (s if kept > s else kept)
            loss_back = ledger_loss[i, c] * r / led if led > 0 else 0.0
            loss_end[i, c] = ledger_loss[i, c] - loss_back + lam * (led - r + 0.5 * d)
            shift[i, c] = -loss_back / a if a > 0 else 0.0
            survivors[i, c] = s
            ledger_end[i, c] = led - r + d
    return survivors, ledger_end, returners_end, loss_end, shift


@compiled
def steady_ledger(enrolled, hazard, return_rate, first_ledger, first, relative_hazard, loss_per_year, indptr,
                  sources, passes):  # pragma: no cover - compiled
    """``steady_ledger.steady_ledger`` on the live cells: ``passes`` passes of one year's expected flows
    with the enrolment held at the data's, each moved up a grade (CSR rows ``indptr``, ``sources`` as in
    :func:`move_up`), the grade-1 cells (``first`` (cell,) bool) set to ``first_ledger`` before each pass
    and at the end. Returns (ledger, returners, ledger deficit, enrolled pupils' mean deficit)."""
    n_draws, n_cells = enrolled.shape
    ledger = np.zeros((n_draws, n_cells))
    returners = np.zeros((n_draws, n_cells))
    loss = np.zeros((n_draws, n_cells))
    deficit = np.zeros((n_draws, n_cells))
    led_end = np.empty((n_draws, n_cells))
    ret_end = np.empty((n_draws, n_cells))
    loss_end = np.empty((n_draws, n_cells))
    carried = np.empty((n_draws, n_cells))
    surv = np.empty((n_draws, n_cells))
    for _ in range(passes + 1):
        for i in range(n_draws):
            fi = i if first_ledger.shape[0] > 1 else 0
            for c in range(n_cells):
                if first[c]:
                    ledger[i, c] = first_ledger[fi, c]
        if _ == passes:
            break
        for i in range(n_draws):
            rh = relative_hazard[i if relative_hazard.shape[0] > 1 else 0]
            lam = loss_per_year[i if loss_per_year.shape[0] > 1 else 0]
            hi = i if hazard.shape[0] > 1 else 0
            ri = i if return_rate.shape[0] > 1 else 0
            for c in range(n_cells):
                e = enrolled[i, c]
                led = ledger[i, c]
                r = led * return_rate[ri, c]
                a = e + r
                share = (returners[i, c] + r) / a if a > 0 else 0.0
                h = hazard[hi, c]
                hb = min(1.0, rh * h)
                m = h + (hb - h) * share
                d = a * m
                split = hb * share / m if m > 0 else 0.0
                s = a - d
                kept = returners[i, c] + r - d * split
                ret_end[i, c] = 0.0 if kept < 0.0 else (s if kept > s else kept)
                loss_back = loss[i, c] * r / led if led > 0 else 0.0
                loss_end[i, c] = loss[i, c] - loss_back + lam * (led - r + 0.5 * d)
                shift = -loss_back / a if a > 0 else 0.0
                led_end[i, c] = led - r + d
                carried[i, c] = ((deficit[i, c] if e > 0 else 0.0) - shift) * s
                surv[i, c] = s
        for i in range(n_draws):
            for c in range(n_cells):
                sl = 0.0
                sr = 0.0
                sloss = 0.0
                scar = 0.0
                ssurv = 0.0
                for j in range(indptr[c], indptr[c + 1]):
                    k = sources[j]
                    sl += led_end[i, k]
                    sr += ret_end[i, k]
                    sloss += loss_end[i, k]
                    scar += carried[i, k]
                    ssurv += surv[i, k]
                ledger[i, c] = sl
                returners[i, c] = sr
                loss[i, c] = sloss
                deficit[i, c] = scar / ssurv if ssurv > 0 else 0.0
    for i in range(n_draws):
        for c in range(n_cells):
            if returners[i, c] > enrolled[i, c]:
                returners[i, c] = enrolled[i, c]
    return ledger, returners, loss, deficit
