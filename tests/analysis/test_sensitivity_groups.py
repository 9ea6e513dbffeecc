"""Grouped Sobol' indices, the groups file, and cost-effectiveness ratios as sensitivity targets.

* Every uncertain parameter of params/baseline.yaml is in exactly one group of
  params/sensitivity/groups.yaml (a parameter given an uncertainty later fails here, named).
* Grouped indices on the Ishigami function equal the known group values
  ({x1, x3}: S = ST = 1 − S2 = 0.558; {x2}: 0.442).
* A grouped study varies every factor (screened-out ones as one group "rest") and
  runs N(g + 2) parameter sets.
* A ratio target is the scenario's extra cost per unit avoided, from the same runs as
  the two differences, and NaN where less than the minimum is avoided.
"""

from __future__ import annotations

import fnmatch

import numpy as np
import pytest

import simulate as sim
from simulate.analysis.factors import Factor, ModelEvaluator, Target, factors_from, values_at
from simulate.analysis.groups import REST, assign, grouping, load_groups
from simulate.analysis.sensitivity import sobol
from simulate.inputs.synthesize import synthesize

PI = np.pi


def test_every_uncertain_parameter_is_in_exactly_one_group():
    factors = factors_from("baseline")
    _, unmatched, several = assign(factors, load_groups())
    assert not unmatched, f"params/sensitivity/groups.yaml: add these uncertain parameters to a group: {unmatched}"
    assert not several, f"params/sensitivity/groups.yaml: parameters in several groups: {several}"


def test_every_group_pattern_matches_a_parameter():
    factors = factors_from("baseline")
    dead = [(g.name, p) for g in load_groups() for p in g.paths
            if not any(fnmatch.fnmatchcase(f.path, p) for f in factors)]
    assert not dead, f"patterns that match no uncertain parameter (renamed or fixed?): {dead}"


def ishigami(x, a=7.0, b=0.1):
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_grouped_indices_recover_the_ishigami_group_values():
    factors = [Factor(f"x{i}", "uniform", low=-PI, high=PI, source="assumption") for i in (1, 2, 3)]
    groups = load_groups({"groups": {"a": {"label": "x1 and x3", "paths": ["x1", "x3"]},
                                     "b": {"label": "x2", "paths": ["x2"]}}})
    g = grouping(factors, groups)
    res = sobol(factors, lambda u: ishigami(values_at(factors, u)), names=["y"], n=2048, seed=2, grouping=g)
    assert res.parameter_sets == 2048 * (2 + 2)
    full = res.table[res.table.n == 2048].set_index("path")
    assert list(full.index) == ["a", "b"] and list(full["label"]) == ["x1 and x3", "x2"]
    np.testing.assert_allclose(full["S1"], [0.5576, 0.4424], atol=0.05)
    np.testing.assert_allclose(full["ST"], [0.5576, 0.4424], atol=0.05)


def test_group_kinds_read_their_members():
    from simulate.analysis.groups import group_kind

    assert group_kind(["assumption", "assumption"]) == "assumption"
    assert group_kind(["evidence", "assumption"]) == "partly assumed"
    assert group_kind(["evidence", "calibrated"]) == "evidence"


@pytest.mark.parametrize("doc, message", [
    ({"groups": {}}, "expected a mapping 'groups'"),
    ({"groups": {"a b": {"label": "x", "paths": ["x"]}}}, "a group name is letters"),
    ({"groups": {"rest": {"label": "x", "paths": ["x"]}}}, "a group name is letters"),
    ({"groups": {"a": {"label": "x"}}}, "expected exactly 'label' and 'paths'"),
    ({"groups": {"a": {"label": "x", "paths": []}}}, "non-empty list"),
])
def test_a_bad_groups_file_is_one_error_naming_the_group(doc, message):
    with pytest.raises(ValueError, match=message):
        load_groups(doc)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small_groups")
    synthesize(20, 0).to_dir(folder)
    return sim.load_district(folder)


def test_a_grouped_study_varies_every_factor_and_counts_its_runs(small):
    from simulate.analysis.sensitivity import sensitivity

    study = sensitivity(small, [Target("child_years_out_of_school.cumulative.total", "intensive_control", "baseline")],
                        groups="default", morris_r=2, sobol_n=8, max_factors=3, years=2, progress=False,
                        verbose=False)
    g = study.grouping
    assert len(study.kept) <= 3 and set(study.kept) <= set(g.order)
    assert set(g.order) - set(study.kept) <= {REST}
    assert sorted(p for ps in g.members.values() for p in ps) == sorted(f.path for f in study.factors)
    assert study.sobol.parameter_sets == 8 * (len(g.order) + 2)
    assert study.factor_table()["kept_for_sobol"].all()
    assert set(study.sobol.table["path"]) == set(g.order)
    assert list(study.tables()["convergence_check"]["target"]) == [t.name for t in study.targets]


def test_a_ratio_target_is_the_extra_cost_per_unit_avoided_from_the_same_runs(small):
    factors = factors_from("baseline", only=["dropout.reenrolment.return_rate_per_case"])
    kept = "child_years_out_of_school.cumulative.total"
    targets = [Target("cost.total", "intensive_control", "baseline", cumulative=True),
               Target(kept, "intensive_control", "baseline"),
               Target("cost.total", "intensive_control", "baseline", cumulative=True, per=kept),
               Target("cost.total", "intensive_control", "baseline", cumulative=True, per=kept, per_minimum=1e12)]
    ev = ModelEvaluator(small, targets, factors, years=2, chunk=2)
    y = ev(np.array([[0.1], [0.5], [0.9]]))
    assert (y[:, 1] < -1).all()   # the scenario keeps children in school here
    np.testing.assert_allclose(y[:, 2], y[:, 0] / -y[:, 1], rtol=1e-12)
    assert np.isnan(y[:, 3]).all()   # below the minimum: no ratio
    assert targets[2].name == ("intensive_control − baseline: cost.total (sum) per "
                               "child_years_out_of_school.cumulative.total avoided")
    with pytest.raises(ValueError, match="needs a scenario and the one it is compared with"):
        Target("cost.total", per=kept)


def test_group_screening_ranks_by_the_mean_weight_over_targets():
    """A group that matters for every target beats one that tops a single target; a group below
    keep_share everywhere is dropped; a target whose μ* is undefined is skipped."""
    import pandas as pd

    from simulate.analysis.groups import screen_groups

    factors = [Factor(p, "uniform", low=0, high=1) for p in ("a1", "a2", "b", "c", "d")]
    groups = load_groups({"groups": {"A": {"label": "A", "paths": ["a*"]}, "B": {"label": "B", "paths": ["b"]},
                                     "C": {"label": "C", "paths": ["c"]}, "D": {"label": "D", "paths": ["d"]}}})
    mu = {"t1": [0.5, 0.5, 2.0, 0.9, 0.01], "t2": [1.0, 0.0, 0.0, 1.0, 0.01], "t3": [np.nan] * 5}
    table = pd.concat([pd.DataFrame({"target": t, "path": [f.path for f in factors], "mu_star": m})
                       for t, m in mu.items()])
    # weights: t1 A 0.5 B 1 C 0.45 D 0.005; t2 A 1 B 0 C 1 D 0.01 → means A 0.75, C 0.725, B 0.5, D 0.0075
    assert screen_groups(table, grouping(factors, groups), keep_share=0.05, max_groups=5) == ["A", "C", "B"]
    assert screen_groups(table, grouping(factors, groups), keep_share=0.05, max_groups=2) == ["A", "C"]
