

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
