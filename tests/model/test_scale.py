"""Bigger districts: a province-sized run works, and memory grows linearly with schools.

The national size (200,000 schools) is measured by ``benchmarks/run.py``
(peak memory and time in benchmarks/RESULTS.md); here we check the properties
that make it possible without spending minutes: no (school × school) dense
object anywhere, and peak memory proportional to the number of schools.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp

import simulate as sim
from simulate.model.engine import cells_of, simulate
from simulate.model.outcomes import year_indicators
from simulate.inputs.synthesize import synthesize


def _peak_bytes(n_schools: int) -> int:
    district = synthesize(n_schools, seed=4)
    cells = cells_of(district)
    tracemalloc.start()
    for y in simulate(district, sim.load_scenario("baseline"), years=2, mode="stochastic"):
        year_indicators(y, cells)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_feeder_matrix_is_sparse():
    cells = cells_of(synthesize(300, seed=2))
    assert sp.issparse(cells.feeder) and cells.feeder.nnz <= 300


def test_memory_grows_linearly_with_schools():
    small, large = _peak_bytes(1000), _peak_bytes(4000)
    assert large / small < 4 * 1.25  # 4× the schools, at most ~4× the memory (nothing quadratic)


@pytest.mark.slow
def test_province_sized_district_runs():
    district = synthesize(5000, seed=1)
    r = sim.run(district, "baseline", years=2, mode="stochastic")
    t = r.schools
    assert len(t) == 2 * 5000
    assert np.isfinite(r.indicator("dropout_rate.all")) and 0 < r.indicator("dropout_rate.all") < 0.2
    first = t[t.year == t.year.min()]
    assert first.enrolled.sum() == pytest.approx(district.enrolled.sum() + first.returns.sum(), rel=1e-9)
