"""Tornado and Morris ranks: factors whose effects are equal up to rounding tie, in table order.

Two parameters with the same effect (e.g. an extra log-odds for left-behind pupils and pairing's
log-odds when every left-behind pupil is paired) give swings that differ only in the last bits, in an
order that depends on how the engine sums; their ranks must not flip with it (the committed findings'
tornado table did, after the live-cell engine of issue 14).
"""

import numpy as np

from simulate.analysis.factors import Factor, values_at
from simulate.analysis.sensitivity import morris, one_at_a_time


def factors():
    return [Factor(f"a{i}", "uniform", low=0.0, high=1.0) for i in range(3)]


def test_swings_equal_up_to_rounding_keep_table_order():
    f = factors()
    for tiny in (+1e-17, -1e-17):  # the later factor's effect a hair above, then below, the earlier one's
        coef = np.array([0.3, 0.1, 0.1 + tiny])
        table = one_at_a_time(f, lambda u: values_at(f, u) @ coef, names=["y"])
        assert list(table.sort_values("rank")["path"]) == ["a0", "a1", "a2"], tiny
    clearly = np.array([0.3, 0.1, 0.1 + 1e-6])  # a real difference still orders them
    table = one_at_a_time(f, lambda u: values_at(f, u) @ clearly, names=["y"])
    assert list(table.sort_values("rank")["path"]) == ["a0", "a2", "a1"]


def test_morris_mu_star_equal_up_to_rounding_keep_table_order():
    f = factors()
    for tiny in (+1e-17, -1e-17):
        coef = np.array([0.3, 0.1, 0.1 + tiny])
        res = morris(f, lambda u: values_at(f, u) @ coef, names=["y"], r=6, seed=1)
        assert list(res.table.sort_values("rank")["path"]) == ["a0", "a1", "a2"], tiny
