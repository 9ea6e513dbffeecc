"""cmp.breakdown: indicators by town, location and school on the comparison's own draws."""

from __future__ import annotations

import numpy as np
import pytest

import simulate as sim
from simulate.analysis.breakdown import SUPPORTED, unit_samples


@pytest.fixture(scope="module")
def cmp():
    more = sim.load_scenario("baseline").with_changes({"dropout.monitoring.coverage": 0.95}, name="more_monitoring")
    # chunk 3 over 7 draws: the re-run must rebuild the same chunks (same random numbers) to agree
    return sim.compare(None, ["baseline", "no_policy", more], draws=7, years=2, seed=5, chunk=3,
                       attribution=False, progress=False)


COUNTS = [n for n in SUPPORTED if n.startswith(("child_years", "children_never")) or n in
          ("dropouts", "dropouts.poor", "pupils", "out_of_school", "cost.total")]


@pytest.mark.parametrize("by", ["town", "location", "school"])
def test_counts_add_up_to_the_district_draw_for_draw(cmp, by):
    per_unit = unit_samples(cmp, by)
    for s in cmp.scenarios:
        for name in COUNTS:
            district = cmp.samples[s][name]
            np.testing.assert_allclose(per_unit[s][name].sum(axis=2), district, rtol=1e-9, atol=1e-6,
                                       err_msg=f"{by} {s} {name}")


def test_rates_are_ratios_of_the_units_sums(cmp):
    per = unit_samples(cmp, "location")["no_policy"]
    # the district's junior dropout rate is the pupil-weighted mean of the locations' rates
    # (weights: the junior pupils, which dropout_rate.junior divides by)
    drop = cmp.samples["no_policy"]["dropout_rate.junior"]
    b = cmp.breakdown("dropout_rate.junior", by="location")
    assert set(b["location"]) == {"urban", "town", "rural", "mountain"}
    assert np.isfinite(per["dropout_rate.junior"]).all() and (per["dropout_rate.junior"] > 0).all()
    lo, hi = per["dropout_rate.junior"].min(axis=2), per["dropout_rate.junior"].max(axis=2)
    assert ((lo <= drop + 1e-12) & (drop <= hi + 1e-12)).all()


def test_reference_differs_from_itself_by_zero_and_intervals_hold_the_mean(cmp):
    b = cmp.breakdown("child_years_out_of_school.cumulative.total", by="town", year="last")
    ref = b[b.scenario == "baseline"]
    assert (ref[["diff", "diff_lo", "diff_hi"]].to_numpy() == 0).all()
    assert ((b["lo"] <= b["mean"] + 1e-9) & (b["mean"] <= b["hi"] + 1e-9)).all()
    assert set(b["year"]) == {cmp.years[-1]}
    assert b["town_en"].str.len().gt(0).all()
    assert (b["unit"] == "child-years (cumulative)").all()
    # no_policy keeps fewer children in school: more child-years out in most towns, by paired draws
    nop = b[b.scenario == "no_policy"]
    assert (nop["diff"] > 0).mean() > 0.5


def test_alpha_is_one_minus_interval(cmp):
    a = cmp.breakdown("dropouts", by="location", alpha=0.2)
    b = cmp.breakdown("dropouts", by="location", interval=0.8)
    assert a.equals(b)
    with pytest.raises(sim.InputError, match="disagree"):
        cmp.breakdown("dropouts", by="location", alpha=0.2, interval=0.9)


def test_unknown_by_indicator_and_year_suggest(cmp):
    with pytest.raises(sim.NotFoundError, match="did you mean 'town'"):
        cmp.breakdown("dropouts", by="towns")
    with pytest.raises(sim.NotFoundError, match="did you mean 'dropout_rate.junior'"):
        cmp.breakdown("dropout_rate.junor", by="town")
    with pytest.raises(sim.NotFoundError, match="not a simulated year"):
        cmp.breakdown("dropouts", by="town", year=2035)


def test_a_stochastic_comparison_breaks_down_on_the_same_expected_draws():
    """The re-run is in expected mode whatever the comparison's mode (its summaries are): a stochastic
    comparison's counts add up to its district draws just the same."""
    cmp = sim.compare(None, ["baseline", "no_policy"], draws=3, years=1, seed=2, chunk=2, mode="stochastic",
                      attribution=False, progress=False)
    per_unit = unit_samples(cmp, "location")
    for s in cmp.scenarios:
        np.testing.assert_allclose(per_unit[s]["dropouts"].sum(axis=2), cmp.samples[s]["dropouts"], rtol=1e-9,
                                   atol=1e-6)


def test_a_comparison_without_its_chunk_is_refused():
    cmp = sim.compare(None, ["baseline"], draws=2, years=1, attribution=False, progress=False)
    del cmp.chunk
    with pytest.raises(sim.InputError, match="does not record its chunk"):
        cmp.breakdown("dropouts", by="town")
