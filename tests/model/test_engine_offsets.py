"""Claims about ``engine.simulate(..., offsets=)``: explicit per-draw parameter sets on the draw axis.

Draw d of one call with offsets equals a separate run of the scenario whose
leaf is changed to value + offset, in the scenario and in its status quo (the
starting steady state): offsets are additive, in every year, and a ``by_year``
schedule shifts as a whole. Paths that cannot vary per draw are refused with a
message naming the path.
"""

from __future__ import annotations

import numpy as np
import pytest

import simulate as sim
from simulate.model.engine import cells_of, simulate
from simulate.model.outcomes import year_indicators


def _last_year(district, scenario, **kw):
    cells = cells_of(district)
    years = list(simulate(district, scenario, years=3, seed=0, mode="expected", **kw))
    return year_indicators(years[-1], cells)


def changed_world(scenario, changes):
    """``scenario`` in a world where ``changes`` hold — for its status quo too (the policy in force when the
    data were observed, whose steady state the engine starts from), as per-draw offsets apply to both."""
    import dataclasses

    changed = scenario.with_changes(changes)
    if "baseline" not in {f.name for f in dataclasses.fields(changed)}:
        return changed
    root = scenario.status_quo
    world = dataclasses.replace(root.with_changes(changes), baseline=None)
    return world if scenario is root else dataclasses.replace(changed, baseline=world)


@pytest.mark.parametrize("path, offsets", [
    ("dropout.monitoring.hazard_log_odds", [-0.05, 0.0, 0.03]),       # declared uncertainty
    ("budget.student_aid.registered_poor.yuan_per_pupil", [-500.0, 0.0, 1000.0]),  # certain leaf
    ("teachers.attrition_rate.mountain", [-0.02, 0.01, 0.02]),
])
def test_each_draw_equals_a_run_with_the_changed_value(district, baseline, path, offsets):
    many = _last_year(district, baseline, draws=3, offsets={path: np.array(offsets)})
    for d, off in enumerate(offsets):
        one = _last_year(district, changed_world(baseline, {path: baseline.value(path) + off}))
        for key in ("dropout_rate.junior", "dropout_gap.poor.junior", "learning_gap.poor", "cost.total"):
            assert many[key][d] == pytest.approx(one[key][0], rel=1e-12, abs=1e-12), (path, d, key)


def test_a_schedule_is_shifted_as_a_whole(district, baseline):
    path = "budget.capital.yuan_per_year"  # 40 million, then 25 million from 2021
    shift = 5_000_000.0
    many = _last_year(district, baseline, draws=2, offsets={path: np.array([0.0, shift])})
    schedule = {y: v + shift for y, v in baseline.leaves[path]["by_year"].items()}
    shifted = changed_world(baseline, {path: {"value": baseline.value(path) + shift, "by_year": schedule}})
    one = _last_year(district, shifted)
    assert many["cost.capital"][1] == pytest.approx(one["cost.capital"][0], rel=1e-12)
    assert many["cost.capital"][0] != pytest.approx(many["cost.capital"][1])


def test_explicit_offsets_replace_sampled_ones_for_their_path(district, baseline):
    path = "dropout.aid_effect.trial_log_odds"
    sampled = baseline.sample(2, seed=0)
    mixed = _last_year(district, baseline, draws=2, sample_parameters=True, offsets={path: np.zeros(2)})
    by_hand = _last_year(district, baseline, draws=2, offsets={**sampled, path: np.zeros(2)})
    assert np.array_equal(mixed["dropout_rate.junior"], by_hand["dropout_rate.junior"])
    assert not np.array_equal(sampled[path], np.zeros(2))


@pytest.mark.parametrize("offsets, message", [
    ({"teachers.support.count": np.array([1.0, 2.0])}, "teachers.support.count: a whole number"),
    ({"teachers.support.allocation": np.array([1.0, 2.0])}, "teachers.support.allocation: not a real number"),
    ({"dropout.monitoring.coverag": np.array([1.0, 2.0])}, "dropout.monitoring.coverag: no such parameter"),
    ({"dropout.monitoring.coverage": np.array([0.1, 0.1, 0.1])}, "expected an array of shape (2,), got (3,)"),
])
def test_offsets_that_cannot_vary_per_draw_are_refused(district, baseline, offsets, message):
    with pytest.raises(ValueError, match="offsets: ") as err:
        next(simulate(district, baseline, years=1, draws=2, offsets=offsets))
    assert message in str(err.value)
