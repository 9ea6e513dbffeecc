"""engine.same_groups: a re-resolved parameter tree keeps the objects of unchanged groups (Cells.kept hits)."""

from types import SimpleNamespace

import numpy as np

import simulate as sim
from simulate.model import engine


def test_unchanged_groups_are_the_old_objects():
    base = sim.load_scenario("baseline")
    old, new = base.resolve(2019), base.resolve(2021)  # only budget.capital.yuan_per_year changes
    out = engine.same_groups(old, new)
    assert out.dropout is old.dropout and out.teachers is old.teachers and out.learning is old.learning
    assert out.budget is not old.budget and out.budget.capital.yuan_per_year == new.budget.capital.yuan_per_year
    assert out.budget.base_grant is old.budget.base_grant
    assert engine.same_groups(old, base.resolve(2019)) is old


def test_values_compare_by_type_and_arrays_by_elements():
    a = SimpleNamespace(g=SimpleNamespace(x=1.0, y=np.array([1.0, 2.0])), n=3)
    assert engine.same_groups(a, SimpleNamespace(g=SimpleNamespace(x=1.0, y=np.array([1.0, 2.0])), n=3)) is a
    b = engine.same_groups(a, SimpleNamespace(g=SimpleNamespace(x=1.0, y=np.array([1.0, 2.5])), n=3))
    assert b is not a and b.g.y[1] == 2.5
    c = engine.same_groups(a, SimpleNamespace(g=SimpleNamespace(x=1, y=np.array([1.0, 2.0])), n=3))
    assert type(c.g.x) is int  # 1 == 1.0, but an int count is not a float rate


def test_expected_run_makes_kept_terms_once():
    district = sim.load_district()
    base = sim.load_scenario("baseline")
    engine.live_cells_of(district).__dict__.pop("_kept", None)  # terms kept for earlier runs' trees
    years = list(engine.simulate(district, base, years=7, mode="expected"))
    kept = years[0].cells.__dict__.get("_kept", {})
    assert kept
    names = [k[0] for k in kept]
    assert len(names) == len(set(names))  # one entry per term for this run's tree
