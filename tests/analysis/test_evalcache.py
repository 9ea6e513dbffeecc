"""The evaluation cache gives back exactly what the model gives, and only for the same inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import simulate as sim
from simulate.analysis.evalcache import cached_evaluate, key
from simulate.analysis.factors import ModelEvaluator, Target, factors_from
from simulate.inputs.synthesize import synthesize


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small_cache")
    synthesize(20, 0).to_dir(folder)
    return sim.load_district(folder)


def test_a_cached_evaluation_is_the_models_and_is_keyed_by_its_inputs(small, tmp_path):
    factors = factors_from("baseline", only=["dropout.reenrolment.return_rate_per_case",
                                             "dropout.pairing.hazard_log_odds"])
    ev = ModelEvaluator(small, [Target("dropouts", cumulative=True)], factors, years=2, chunk=4)
    u = np.array([[0.1, 0.2], [0.8, 0.5]])
    stats = {}
    f = cached_evaluate(ev, tmp_path / "cache", stats)
    first = f(u)
    assert stats == {"misses": 1} and len(list((tmp_path / "cache").glob("*.npy"))) == 1
    again = f(u)
    assert stats == {"misses": 1, "hits": 1}
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first, ev(u))            # what the model gives
    # another sample, another year count or another seed is another key
    other = ModelEvaluator(small, [Target("dropouts", cumulative=True)], factors, years=1, chunk=4)
    assert len({key(ev, u), key(ev, u[::-1]), key(other, u),
                key(ModelEvaluator(small, ev.targets, factors, years=2, seed=1), u)}) == 4


def test_a_study_rerun_from_the_cache_gives_identical_tables(small, tmp_path):
    from simulate.analysis.sensitivity import sensitivity

    def study():
        return sensitivity(small, [Target("dropout_rate.junior")], morris_r=2, sobol_n=8, years=1, groups="default",
                           max_factors=2, progress=False, verbose=False, cache_dir=tmp_path / "c")

    a, b = study(), study()
    assert a.settings["cache"]["misses"] == 3 and b.settings["cache"] == {"dir": str(tmp_path / "c"), "hits": 3}
    for name, table in a.tables().items():
        pd.testing.assert_frame_equal(table, b.tables()[name], check_exact=True, obj=name)
