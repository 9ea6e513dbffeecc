"""Dropout lever: the yearly dropout hazard and the controls that lower it.

The hazard of leaving school during a year is logistic in the pupil's group,
the school's location and resources, the pupil's learning, and the exposure to
aid and to dropout controls:

    logit h = intercept(stage) + slope·(grade within stage) + Σ group effects
              + location + learning·b + facility·b + boarding share·b
              − b_aid · ln(1 + aid / reference)            (Mo et al. 2013)
              + monitoring coverage · b_monitoring           (World Bank WP 9685)
              + pairing coverage · b_pairing (left-behind pupils)

Coverage enters as exposure (coverage × effect on the log-odds): exact when
coverage is 0 or 1, a first-order approximation between.

Disabled children who cannot attend (``cannot_attend_share``) are enrolled
only when taught at home (送教上门); without it they leave (hazard 1) and can
return only with it. Out-of-school children in the ledger are found and
re-enrolled at a rate that grows with monitoring coverage (控辍保学).
Sources of defaults: ``params/baseline.yaml`` (``dropout.*``).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from .common import by_group, by_location, per_draw


def hazard(cells, learning, facility, boarding_share, aid_per_pupil, d) -> np.ndarray:
    """Annual dropout probability per cell, shape (draw, school, grade, group)."""
    h = d.hazard
    stage_intercept = np.where(cells.junior_grade, per_draw(h.intercept_junior_log_odds, 4),
                               per_draw(h.intercept_primary_log_odds, 4))
    logit = (
        stage_intercept
        + per_draw(h.grade_slope_log_odds, 4) * cells.grade_in_stage
        + by_group(h.group_log_odds, cells.flags)
        + by_location(h.location_log_odds, cells.location_code, 4)
        + per_draw(h.learning_log_odds_per_sd, 4) * learning
        + (per_draw(h.facility_log_odds_per_index_point, 2) * facility
           + per_draw(h.boarding_log_odds, 2) * boarding_share)[:, :, None, None]
        - aid_log_odds(aid_per_pupil, d.aid_effect)
        + per_draw(d.monitoring.coverage, 4) * per_draw(d.monitoring.hazard_log_odds, 4)
        + cells.left_behind * (per_draw(d.pairing.coverage, 4) * per_draw(d.pairing.hazard_log_odds, 4))
    )
    return _home_teaching_in_place(expit(logit, out=logit), cells.disabled, d.home_teaching)


def aid_log_odds(aid_per_pupil, a) -> np.ndarray:
    """Fall in dropout log-odds from aid, with diminishing returns in yuan."""
    return per_draw(a.log_odds_per_log_yuan, 4) * np.log1p(aid_per_pupil / per_draw(a.reference_yuan, 4))


def with_home_teaching(h, disabled, home) -> np.ndarray:
    """Disabled cells: those unable to attend stay enrolled only if taught at home."""
    return _home_teaching_in_place(np.array(h, copy=True), disabled, home)  # pure: the caller's h is untouched


def _home_teaching_in_place(h, disabled, home) -> np.ndarray:
    """:func:`with_home_teaching` written into ``h`` (a fresh array the caller owns)."""
    cannot = per_draw(home.cannot_attend_share, 4)
    covered = per_draw(home.coverage, 4)
    group = np.broadcast_to(disabled, (1, 1, 1, h.shape[-1])).reshape(-1)
    for run in _runs(group):  # the disabled groups (4–7, 12–15) as slices: strided views, no gather
        hd = h[..., run]
        h[..., run] = (1.0 - cannot) * hd + cannot * (covered * hd + (1.0 - covered))
    return h


def _runs(mask: np.ndarray) -> list[slice]:
    """Slices covering the runs of True in a 1-d mask."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return [slice(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]


def return_rate(disabled, d) -> np.ndarray:
    """Share of the out-of-school ledger re-enrolled this year, shape (draw|1, 1, 1, group)."""
    m = d.monitoring
    cov = per_draw(m.coverage, 4)
    base = per_draw(m.background_return_rate, 4)
    rate = base + cov * (per_draw(m.return_rate_full_coverage, 4) - base)
    home = d.home_teaching
    can_return = (1.0 - per_draw(home.cannot_attend_share, 4)) + per_draw(home.cannot_attend_share, 4) * per_draw(home.coverage, 4)
    return np.where(disabled, rate * can_return, rate + 0.0 * can_return)


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
