"""Claims about lever attribution (simulate.analysis.attribution).

* Shapley contributions sum to the total effect and are equal for symmetric
  players (exact and sampled), and recover additive effects exactly.
* On the real model, the budget-neutral mix's contributions per lever sum to
  its total effect on each indicator to 1e-9, and the total is the scenario's
  own effect (scenario − baseline).
"""

from __future__ import annotations

import numpy as np
import pytest

import simulate as sim
from simulate.analysis.attribution import attribute, lever_groups, shapley
from simulate.model.engine import cells_of, simulate
from simulate.model.outcomes import year_indicators


def toy(coalition: frozenset) -> np.ndarray:
    """a and b are symmetric (2 each, 3 more together); c adds 1; d nothing."""
    v = 2.0 * ("a" in coalition) + 2.0 * ("b" in coalition) + 3.0 * ({"a", "b"} <= coalition) + ("c" in coalition)
    return np.array([v, -v])


def test_shapley_sums_to_the_total_and_treats_symmetric_levers_alike():
    contrib, evaluated = shapley(toy, ["a", "b", "c", "d"])
    assert evaluated == 16
    assert contrib["a"][0] == pytest.approx(3.5) and contrib["b"][0] == pytest.approx(3.5)   # interaction split
    assert contrib["c"][0] == pytest.approx(1.0) and contrib["d"][0] == pytest.approx(0.0)
    total = toy(frozenset("abcd")) - toy(frozenset())
    np.testing.assert_allclose(sum(contrib.values()), total, atol=1e-12)


def test_sampled_permutations_also_sum_to_the_total():
    contrib, evaluated = shapley(toy, ["a", "b", "c", "d"], exact_up_to=2, permutations=50, seed=3)
    np.testing.assert_allclose(sum(contrib.values()), toy(frozenset("abcd")) - toy(frozenset()), atol=1e-12)
    assert contrib["c"][0] == pytest.approx(1.0) and contrib["d"][0] == pytest.approx(0.0)
    assert abs(contrib["a"][0] - 3.5) < 1.0 and evaluated <= 16


@pytest.fixture(scope="module")
def district():
    return sim.load_district()


def test_levers_group_paths_by_section_and_lever():
    mix, base = sim.load_scenario("budget_neutral_mix"), sim.load_scenario("baseline")
    groups = lever_groups(mix, base)
    assert sorted(groups) == ["budget.capital", "budget.student_aid", "dropout.monitoring", "teachers.support"]
    assert sorted(groups["budget.student_aid"]) == ["budget.student_aid.other_needy.coverage",
                                                    "budget.student_aid.registered_poor.yuan_per_pupil"]
    assert lever_groups(mix, base, depth=3)["budget.student_aid.other_needy"] == ["budget.student_aid.other_needy.coverage"]


INDICATORS = ["dropout_gap.poor.junior", "learning_gap.poor", "dropouts", "cost.total"]


def test_budget_neutral_mix_contributions_sum_to_its_total_effect(district):
    res = attribute(district, "budget_neutral_mix", "baseline", INDICATORS, years=3)
    assert res.exact and res.coalitions == 2 ** len(res.levers)
    cells = cells_of(district)
    own = {name: year_indicators(list(simulate(district, sim.load_scenario(name), years=3))[-1], cells)
           for name in ("baseline", "budget_neutral_mix")}
    for ind, part in res.table.groupby("indicator"):
        total = part["total"].iloc[0]
        assert part["contribution"].sum() == pytest.approx(total, rel=1e-9, abs=1e-9), ind
        assert total == pytest.approx(own["budget_neutral_mix"][ind][0] - own["baseline"][ind][0], rel=1e-12,
                                      abs=1e-12)
    assert (res.table.groupby("indicator")["contribution"].apply(lambda c: c.abs().max()) > 0).all()


def test_attribution_over_parameter_draws_and_cumulative_sums(district):
    res = attribute(district, "budget_neutral_mix", "baseline", ["dropouts"], years=2, draws=4, cumulative=True)
    assert res.table["contribution"].sum() == pytest.approx(res.table["total"].iloc[0], rel=1e-9)
    assert res.settings["draws"] == 4


def test_a_scenario_that_changes_nothing_is_refused(district):
    with pytest.raises(ValueError, match="changes nothing"):
        attribute(district, "baseline", "baseline", years=1)
