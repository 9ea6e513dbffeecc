"""Dropout lever: the yearly dropout hazard and the controls that lower it.

The hazard of leaving school during a year is logistic in the pupil's group,
the school's location and resources, the pupil's learning, and the programmes
the pupil receives:

    logit h = intercept(stage) + slope·(grade within stage) + Σ group effects
              + location + learning·b + facility·b + boarding share·b      (base_log_odds)
              − aid effect(yuan received, group, stage)      (aid receivers; Mo et al. 2013)
              + b_monitoring                                 (monitored pupils; World Bank WP 9685)
              + b_pairing                                    (paired left-behind pupils)

**Receivers, not averages.** A programme reaches a share of pupils; the cell's
hazard is the mixture over who receives what, never the hazard at the average
dose (DESIGN.md: "who receives a programme matters"):

    h(cell) = Σ over receiver classes k of P(k) · expit(base + offset_k)

with classes the combinations of aid (receiver at the receiver's dose / not),
monitoring (covered / not) and pairing (paired / not; left-behind groups
only). Programmes are taken as independent of each other (P(k) is a product
of shares — an assumption: no figures say whether, e.g., aided pupils are
likelier to be monitored). Aid shares are the *effective* receivers (see
``budget.student_aid``): registered-poor pupils reached (coverage × (1 −
exclusion error)), and other pupils aided who are actually needy (coverage ×
(1 − inclusion error)); aid paid to pupils who are not needy changes nothing.
Coverage is the share of each year's enrolled pupils reached; who receives
is not remembered from year to year (with persistent receipt the survivors of
a cell would hold slightly more receivers than the coverage; not modelled).
In stochastic mode the engine draws one binomial per cell with the mixture
hazard: the mean is exact, the variance slightly above a sum of per-class
binomials.

**Aid dose–response** (:func:`aid_log_odds`): the fall in log-odds for a
receiver of A yuan a year saturates,

    effect(A) = M · (1 − (1 − T/M)^(A / A_T)) · m_group · m_stage,

anchored at the one trial (T = ``trial_log_odds`` = 1.01 at A_T =
``trial_yuan``, poor junior-secondary pupils: Mo et al. 2013, evidence; the
dose itself unverified), bounded by the ceiling M = R·T at any dose, with
R = ``ceiling_over_trial`` > 1 (extrapolation, assumption; informed by García &
Saavedra 2017 and Baird et al. 2009), and multipliers ≤ 1 for the groups and
stages the trial did not study (``non_poor_multiplier``, ``primary_multiplier``;
extrapolation, assumption). Equivalently M·(1 − exp(−A/s)) with the scale
s = −A_T / ln(1 − 1/R). The ceiling is stated relative to the trial's effect so
that the calibrated effect T (a posterior draw) always lies below it: with an
absolute ceiling, a draw of T above it made the curve a step (the whole effect
at any dose above zero).

**Capped at the poverty gap** (:func:`aid_within_poverty_gap`): a
registered-poor receiver's fall is at most the poor-pupil term
``hazard.group_log_odds.poor``, so aid brings poor pupils down to, never
below, the non-poor pupils of their cell (Mo et al. 2013's treated arm reached
about the county's non-poor rate; the cap itself is an assumption).

Disabled children who cannot attend (``cannot_attend_share``) are enrolled
only when taught at home (送教上门); without it they leave (hazard 1) and can
return only with it. Out-of-school children in the ledger are brought back by
the re-enrolment lever (``reenrolment.py``, 控辍保学 casework); monitoring
raises the number of cases it finds, and brings no child back by itself.
Sources of defaults: ``params/baseline.yaml`` (``dropout.*``).
"""

from __future__ import annotations

from itertools import product

import numpy as np
from scipy.special import expit

from .common import by_group, by_location, per_draw


def hazard(cells, learning, facility, boarding_share, aid_share, aid_yuan, d) -> np.ndarray:
    """Annual dropout probability per cell, shaped as ``learning`` (the cell arrays): the mixture over receivers.

    ``aid_share`` and ``aid_yuan`` (draw|1, 1, 1, group) are the share of a
    cell's pupils effectively aided and the yuan each receives
    (``budget.student_aid``). ``cells`` is the cell layout
    (``simulate.model.layout``): its ``at`` brings a term that varies by
    school, grade or group only to the cells.
    """
    if cells.live:  # base_log_odds and the two steps below, fused in one compiled pass over the live cells
        from .. import kernels

        by_grade_and_group, by_school = _log_odds_terms(cells, facility, boarding_share, d)
        # the classes depend on parameters only: made once per parameter set, not every year
        weo, eo, gap = cells.kept("receiver classes", (d,), (aid_share, aid_yuan), lambda: _class_tables(
            receiver_classes(receiver_shares(cells, aid_share, d), receiver_offsets(cells, aid_yuan, d)), cells,
            d.home_teaching))
        n_grades, n_groups = cells.shape[1:]
        table = by_grade_and_group.reshape(by_grade_and_group.shape[0], n_grades * n_groups)
        coef = np.atleast_1d(np.asarray(per_draw(d.hazard.learning_log_odds_per_sd, 1), dtype=float))
        c = np.ascontiguousarray
        with np.errstate(over="ignore"):
            return kernels.hazard(c(table, dtype=float), c(by_school, dtype=float), coef, c(learning, dtype=float),
                                  cells.school, cells.grade_group, weo, eo, cells.disabled_mask, gap)
    logit = base_log_odds(cells, learning, facility, boarding_share, d)
    classes = receiver_classes(receiver_shares(cells, aid_share, d), receiver_offsets(cells, aid_yuan, d))
    return _home_teaching_in_place(_mixture_in_place(logit, classes, cells.at), cells, d.home_teaching)


def _class_tables(classes, cells, home):
    """The receiver classes' factors w·e^o and e^o as (class, draw|1, grade × group) tables, and the home
    teaching gap (draw|1,) = cannot-attend share × (1 − coverage), for ``kernels.hazard``."""
    n_grades, n_groups = cells.shape[1:]
    draws = max(max(np.shape(w)[0] for w, _ in classes), max(np.shape(o)[0] for _, o in classes))

    def table(x):
        return np.broadcast_to(x, (draws, 1, n_grades, n_groups)).reshape(draws, n_grades * n_groups)

    eo = [np.exp(o) for _, o in classes]
    weo = np.stack([table(w * e) for (w, _), e in zip(classes, eo)])
    eo = np.stack([table(e) for e in eo])
    gap = np.atleast_1d(np.asarray(per_draw(home.cannot_attend_share, 1) * (1.0 - per_draw(home.coverage, 1)),
                                   dtype=float))
    return weo, eo, gap


def base_log_odds(cells, learning, facility, boarding_share, d) -> np.ndarray:
    """Dropout log-odds of a pupil who receives no programme, shaped as ``learning`` (a fresh array).

    Terms by grade and group, and terms by school, are summed at their own
    (small) shapes and brought to the cells once each (``cells.at``).
    """
    by_grade_and_group, by_school = _log_odds_terms(cells, facility, boarding_share, d)
    return (cells.at(by_grade_and_group) + cells.at(by_school[:, :, None, None])
            + per_draw(d.hazard.learning_log_odds_per_sd, cells.ndim) * learning)


def _log_odds_terms(cells, facility, boarding_share, d):
    """The terms of :func:`base_log_odds` but learning's: by (grade, group), (draw|1, 1, grade, group), made
    once per parameter set; and by school, (draw|1, school)."""
    h = d.hazard
    by_grade_and_group = cells.kept("log-odds by grade and group", (h,), (), lambda: (
        np.where(cells.junior_grade, per_draw(h.intercept_junior_log_odds, 4),
                 per_draw(h.intercept_primary_log_odds, 4))
        + per_draw(h.grade_slope_log_odds, 4) * cells.grade_in_stage
        + by_group(h.group_log_odds, cells.flags)))
    by_school = (by_location(h.location_log_odds, cells.location_code, 2)
                 + per_draw(h.facility_log_odds_per_index_point, 2) * facility
                 + per_draw(h.boarding_log_odds, 2) * boarding_share)
    return by_grade_and_group, by_school


def aid_log_odds(yuan, a, poor=True, junior=True) -> np.ndarray:
    """Fall in dropout log-odds for a pupil who receives ``yuan`` a year (saturating; see module docstring).

    ``poor``/``junior`` (booleans or masks broadcasting against ``yuan``):
    the trial's population (poor, junior secondary) gets the full response,
    other pupils the ``non_poor_multiplier`` and ``primary_multiplier``
    shares of it. Zero at 0 yuan, ``trial_log_odds`` at ``trial_yuan`` for the
    trial's population, increasing in yuan, below ``ceiling_over_trial`` × ``trial_log_odds``.
    """
    trial = per_draw(a.trial_log_odds, 4)
    ratio = per_draw(a.ceiling_over_trial, 4)
    ceiling = ratio * trial
    # share of the ceiling still to gain at the trial's dose: 1 − T/M = 1 − 1/R (in (0, 1): R > 1)
    remaining = 1.0 - 1.0 / ratio
    response = ceiling * (1.0 - remaining ** (np.asarray(yuan, dtype=float) / per_draw(a.trial_yuan, 4)))
    group = np.where(poor, 1.0, per_draw(a.non_poor_multiplier, 4))
    stage = np.where(junior, 1.0, per_draw(a.primary_multiplier, 4))
    return response * group * stage


def aid_within_poverty_gap(fall, poor, poor_log_odds) -> np.ndarray:
    """The aid's fall in log-odds, at most the poverty term for registered-poor pupils (``poor`` mask).

    Aid pays for what poverty costs a family (fees, food, board, forgone
    earnings); it is modelled as offsetting poverty's excess risk, at most all
    of it: an aided poor pupil never leaves less often than a non-poor pupil
    of the same cell. Evidence: Mo et al. 2013's treated poor pupils left at
    5.3% a year, about the study county's non-poor rate (≈ 5.4%, derived from
    its 7.8% overall and 13.3% among the poor); no figure in the registry
    shows aided poor pupils below non-poor ones. Assumption: the cap is hard
    (the dose–response runs unchanged up to it). Non-poor needy pupils
    (``non_poor_multiplier``) carry no poverty term and are not capped.
    """
    cap = np.where(poor, per_draw(poor_log_odds, 4), np.inf)
    return np.minimum(fall, cap)


def receiver_shares(cells, aid_share, d) -> tuple:
    """Shares of a cell's pupils receiving (aid, monitoring, pairing), each broadcasting to (draw, 1, 1, group)."""
    pairing = cells.left_behind * per_draw(d.pairing.coverage, 4)
    return np.asarray(aid_share, dtype=float), per_draw(d.monitoring.coverage, 4), pairing


def receiver_offsets(cells, aid_yuan, d) -> tuple:
    """Log-odds change for a receiver of (aid, monitoring, pairing), each broadcasting to (draw, 1, grade, group).

    A registered-poor receiver's fall is capped at the poverty term (:func:`aid_within_poverty_gap`)."""
    fall = aid_log_odds(aid_yuan, d.aid_effect, cells.poor, cells.junior_grade)
    aid = -aid_within_poverty_gap(fall, cells.poor, d.hazard.group_log_odds.poor)
    pairing = np.where(cells.left_behind, per_draw(d.pairing.hazard_log_odds, 4), 0.0)
    return aid, per_draw(d.monitoring.hazard_log_odds, 4), pairing


def receiver_classes(shares, offsets) -> list[tuple[np.ndarray, np.ndarray]]:
    """The receiver classes of a cell: [(probability, log-odds offset)], small arrays (draw|1, 1, grade|1, group).

    Every combination of receiving / not receiving each programme, with
    independent programmes (probabilities multiply, offsets add). A branch
    that no pupil is in (share 0 or 1 everywhere, or no effect) is left out,
    so a certain parameter set needs few classes (the baseline: 4; no_policy: 2).
    """
    classes = [(np.ones((1, 1, 1, 1)), np.zeros((1, 1, 1, 1)))]
    for share, offset in zip(shares, offsets):
        branches = _branches(share, offset)
        classes = [(w * wb, o + ob) for (w, o), (wb, ob) in product(classes, branches)]
    return classes


def _branches(share, offset) -> list[tuple[np.ndarray, np.ndarray]]:
    """Receiver and non-receiver branch of one programme: [(probability, offset)], empty branches dropped.

    Where everyone or no one receives, or receiving changes nothing, the
    whole share sits in one branch (its offset the receiver's when everyone
    receives, 0 otherwise), so that branch alone describes the cell.
    """
    share, offset = np.broadcast_arrays(np.asarray(share, dtype=float), np.asarray(offset, dtype=float))
    single = (share <= 0.0) | (share >= 1.0) | (offset == 0.0)
    received = np.where(single, 1.0, share)
    branches = [(received, np.where(share <= 0.0, 0.0, offset)), (1.0 - received, np.zeros_like(offset))]
    return [(w, o) for w, o in branches if np.any(w != 0.0)]


def _mixture_in_place(logit, classes, at=lambda x: x) -> np.ndarray:
    """Σ_k w_k · expit(logit + o_k), with one exponential over the cells (``logit`` is overwritten).

    expit(L + o) = e^o / (e^o + e^−L): e^−L once for every cell, then two or
    three cheap passes per class (a divide, an add) with the small per-class
    factors e^o and w·e^o, brought to the cells by ``at``. Exact (no approximation); far tails give 0 or 1.
    """
    with np.errstate(over="ignore"):
        e = np.exp(np.negative(logit, out=logit), out=logit)  # e^−L; +inf (→ hazard 0) far in the tail
    h = tmp = None
    for w, o in classes:
        eo = np.exp(o)
        weo, eo = at(w * eo), at(eo)
        if h is None:
            h = np.add(e, eo)
            np.divide(weo, h, out=h)
        else:
            tmp = np.add(e, eo, out=tmp)
            np.divide(weo, tmp, out=tmp)
            h += tmp
    return h


def class_hazard(logit, offset, disabled, home) -> np.ndarray:
    """Hazard of the pupils of one receiver class: expit(base log-odds + the class's offset), home teaching applied.

    The plain form of one term of :func:`hazard`'s mixture (a fresh array of
    (draw, school, grade, group) cells), for pupil-level uses
    (``analysis/estimate.py``) and checks.
    """
    return with_home_teaching(expit(np.asarray(logit, dtype=float) + offset), disabled, home)


def with_home_teaching(h, disabled, home) -> np.ndarray:
    """Disabled cells: those unable to attend stay enrolled only if taught at home."""
    return _home_teaching_in_place(np.array(h, dtype=float, copy=True), disabled, home)  # pure: h is untouched


def _home_teaching_in_place(h, disabled, home) -> np.ndarray:
    """:func:`with_home_teaching` written into ``h`` (a fresh cell array the caller owns), on the
    disabled groups' cells only. ``disabled`` is the cell layout (its ``disabled_cells``: slices of
    groups in the dense layout, an index of cells in the live one) or a (…, group) mask of dense cells."""
    cannot = per_draw(home.cannot_attend_share, h.ndim)
    covered = per_draw(home.coverage, h.ndim)
    selections = disabled.disabled_cells if hasattr(disabled, "disabled_cells") else _group_runs(disabled, h)
    for sel in selections:
        hd = h[sel]
        h[sel] = (1.0 - cannot) * hd + cannot * (covered * hd + (1.0 - covered))
    return h


def _group_runs(disabled, h) -> list:
    """The runs of disabled groups of dense cells as index tuples (slices: strided views, no gather)."""
    mask = np.broadcast_to(disabled, (1,) * (h.ndim - 1) + (h.shape[-1],)).reshape(-1)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return [(Ellipsis, slice(int(a), int(b))) for a, b in zip(edges[::2], edges[1::2])]


def control_costs(pupils, left_behind_pupils, disabled_pupils, d) -> dict[str, np.ndarray]:
    """Yuan per school (draw, school) for monitoring, pairing and home teaching."""
    m, p, home = d.monitoring, d.pairing, d.home_teaching
    return {
        "monitoring": pupils * per_draw(m.coverage, 2) * per_draw(m.yuan_per_pupil_covered, 2),
        "pairing": left_behind_pupils * per_draw(p.coverage, 2) * per_draw(p.yuan_per_pair_year, 2),
        "home_teaching": disabled_pupils * per_draw(home.cannot_attend_share, 2)
        * per_draw(home.coverage, 2) * per_draw(home.yuan_per_child_year, 2),
    }


def paired_children(left_behind_pupils, p) -> np.ndarray:
    """Left-behind pupils paired with a staff member."""
    return left_behind_pupils * per_draw(p.coverage, 2)
