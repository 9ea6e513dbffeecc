"""Re-enrolment lever: casework that brings out-of-school children back (控辍保学 劝返).

Each year the county works a *case* for every out-of-school child it knows of
and reaches: finding the child, home visits, persuading the family, placing
the child in a class (插班, 单独编班). Parameters ``dropout.reenrolment.*``
(sources in ``params/baseline.yaml``; the mechanism in
``docs/guide/model-reenrolment.md``):

- *found* — the share of a catchment's out-of-school children the bureau knows
  of: ``f0`` without grid monitoring (the pupil registry's checks), and grid
  monitoring finds the rest in proportion to its coverage ``m``:
  ``found = f0 + (1 − f0)·m``. Monitoring's early warning on the hazard stays
  in ``dropout.monitoring.hazard_log_odds``; monitoring brings no child back by
  itself, it raises the number of cases found.
- *worked* — the share of found children whose case is worked in the year
  (``coverage``, the lever a planner sets): cases = ledger × found × coverage.
- *returns* — a worked case returns within the year with probability ``r``
  (``return_rate_per_case``); every other child returns on its own with the
  background rate ``b``. The share of a cell's ledger returning is

      ρ = b + found·coverage·(r − b)

  (disabled children who cannot attend return only when taught at home).
- *cost* — ``yuan_per_case`` for every case worked, whether or not the child
  returns.
- *returners* leave again with ``returner_relative_hazard`` times the hazard of
  their classmates (capped at 1), for the rest of compulsory schooling, and
  come back with a learning deficit of ``learning_loss_sd_per_year_out`` SD for
  every year out (:mod:`simulate.model.progression` carries both).
"""

from __future__ import annotations

import numpy as np

from .common import per_draw


def found_share(d, ndim: int = 4):
    """Share of out-of-school children the bureau knows of: f0 + (1 − f0)·monitoring coverage (a number, or
    per draw shaped to broadcast over ``ndim`` dimensions)."""
    f0 = per_draw(d.reenrolment.found_share_without_monitoring, ndim)
    return f0 + (1.0 - f0) * per_draw(d.monitoring.coverage, ndim)


def worked_share(d, ndim: int = 4):
    """Share of out-of-school children whose case is worked this year: found × coverage."""
    return found_share(d, ndim) * per_draw(d.reenrolment.coverage, ndim)


def return_rate(disabled, d) -> np.ndarray:
    """Share of the out-of-school ledger re-enrolled this year, shape (draw|1, 1, 1, group).

    b + worked·(r − b) (see the module docstring); in disabled groups times the
    share who can return (able to attend, or taught at home).
    """
    r = d.reenrolment
    base = per_draw(r.background_return_rate, 4)
    rate = base + worked_share(d) * (per_draw(r.return_rate_per_case, 4) - base)
    home = d.home_teaching
    cannot = per_draw(home.cannot_attend_share, 4)
    can_return = (1.0 - cannot) + cannot * per_draw(home.coverage, 4)
    return np.where(disabled, rate * can_return, rate + 0.0 * can_return)


def cases(ledger_by_school, d) -> np.ndarray:
    """Cases worked per school (draw, school): the school's catchment ledger at the start of the year × worked share."""
    return ledger_by_school * worked_share(d, 2)


def cost(ledger_by_school, d) -> np.ndarray:
    """Yuan per school (draw, school): cases worked × yuan per case."""
    return cases(ledger_by_school, d) * per_draw(d.reenrolment.yuan_per_case, 2)


def returner_hazard(hazard, d) -> np.ndarray:
    """Hazard of a returner: min(1, relative hazard × the cell's hazard), shaped as ``hazard``."""
    return np.minimum(1.0, per_draw(d.reenrolment.returner_relative_hazard, np.ndim(hazard)) * hazard)
