"""A teacher shortage in the data persists as far as the county's hiring can fill it (issue 20)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import simulate as sim
from simulate.inputs.load import load_district
from simulate.model.levers import teachers

ROOT = Path(__file__).resolve().parents[2]


def test_turnover_hires_at_most_the_recruitment_capacity():
    stock, quality = np.array([[10.0, 10.0]]), np.zeros((1, 2))
    need, rate, fill = np.array([[20.0, 10.5]]), np.array([[0.0, 0.0]]), np.ones((1, 2))
    total, _, _, hires = teachers.turnover(stock, quality, need, rate, fill, 0.0, 0.2 * need)
    np.testing.assert_allclose(hires, [[4.0, 0.5]])  # the first capped at 20% of 20 posts, the second not
    uncapped = teachers.turnover(stock, quality, need, rate, fill, 0.0)[3]
    np.testing.assert_allclose(uncapped, [[10.0, 0.5]])


def test_halving_every_schools_teachers_leaves_a_shortage_for_years(tmp_path):
    d = load_district(ROOT / "data" / "example_county", calibration=False)
    half = d.schools.assign(teachers=np.maximum(d.schools["teachers"] // 2, 1),
                            senior_teachers=np.minimum(d.schools["senior_teachers"], np.maximum(d.schools["teachers"] // 2, 1)))
    from simulate.inputs.load import district_from_frames
    from simulate.inputs.bureau import _enrolment_frame  # the district's own cells, written back

    short = district_from_frames("half", half, _enrolment_frame(d.schools, d.enrolled, d.out_of_school))
    full = sim.run(d, "baseline", years=4).schools.groupby("year")["teachers"].sum()
    cut = sim.run(short, "baseline", years=4).schools.groupby("year")["teachers"].sum()
    base = sim.load_scenario("baseline")
    cap = base.value("teachers.recruitment_capacity.urban")
    first = cut.iloc[0]
    assert first < 0.72 * full.iloc[0]  # year 1: half the stock plus at most 20% of the posts (715 hires before)
    assert cut.iloc[1] < 0.9 * full.iloc[1] and cut.iloc[-1] > cut.iloc[1] > cut.iloc[0]  # filled over years, not at once
    assert cap == 0.2  # the value the bounds above are written for
    assert teachers.MIN_HIRES_PER_YEAR == 2.0


def test_the_cap_does_not_bind_on_banan(monkeypatch):
    banan = load_district()
    capped = sim.run(banan, "baseline", years=7)
    turnover = teachers.turnover
    monkeypatch.setattr(teachers, "turnover", lambda *a: turnover(*a[:6]))  # without max_hires
    free = sim.run(banan, "baseline", years=7)
    for table in ("schools", "costs", "indicators"):
        assert getattr(capped, table).equals(getattr(free, table)), table
