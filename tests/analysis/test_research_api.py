"""The comparison and result as a researcher uses them: tidy draws, xarray, effects, checked lookups."""

from __future__ import annotations

import numpy as np
import pytest

import simulate as sim


@pytest.fixture(scope="module")
def district():
    return sim.load_district()


@pytest.fixture(scope="module")
def made():
    return sim.load_scenario("baseline").with_changes({"teachers.support.count": 60}, name="more_support")


@pytest.fixture(scope="module")
def cmp(district, made):
    return sim.compare(district, ["baseline", "no_policy", made], reference=sim.load_scenario("baseline"),
                       draws=6, years=2, seed=1, attribution=False, progress=False)


def test_scenario_objects_are_compared_like_names(cmp, made):
    assert cmp.scenarios == ["baseline", "no_policy", "more_support"]
    assert cmp.titles["more_support"] == made.title


def test_xarray_holds_every_draw_with_units(cmp):
    da = cmp.to_xarray(["dropout_rate.junior", "learning_gap.poor"])
    assert da.dims == ("scenario", "indicator", "draw", "year")
    assert da.shape == (3, 2, 6, 2)
    np.testing.assert_array_equal(da.sel(scenario="no_policy", indicator="learning_gap.poor").values,
                                  cmp.samples["no_policy"]["learning_gap.poor"])
    assert list(da.coords["unit"].values) == ["share (0–1)", "SD"]
    assert list(da.coords["year"].values) == cmp.years and da.attrs["reference"] == "baseline"


def test_samples_long_is_the_same_numbers(cmp):
    long = cmp.samples_long("dropouts", diff=True)
    assert list(long.columns) == ["scenario", "indicator", "unit", "draw", "year", "value", "diff"]
    assert len(long) == 3 * 6 * 2
    row = long[(long.scenario == "no_policy") & (long.draw == 4) & (long.year == cmp.years[1])].iloc[0]
    assert row["value"] == cmp.samples["no_policy"]["dropouts"][4, 1]
    assert row["diff"] == pytest.approx(cmp.diff_samples("no_policy", "dropouts")[4, 1])


def test_effects_match_the_table_and_take_alpha(cmp):
    eff = cmp.effects(["dropout_gap.poor.junior"], year="last")
    t = cmp.select(indicator="dropout_gap.poor.junior", scenario="no_policy", year="last").iloc[0]
    e = eff[eff.scenario == "no_policy"].iloc[0]
    assert (e["diff"], e["diff_lo"], e["diff_hi"]) == pytest.approx((t["diff"], t["diff_lo"], t["diff_hi"]))
    assert e["unit"] == "pp" and e["label"] == "Poor − non-poor junior dropout gap"
    wide = cmp.effects(["dropout_gap.poor.junior"], alpha=0.5)
    assert wide["interval"].iloc[0] == 0.5
    assert set(eff.scenario) == {"no_policy", "more_support"}


def test_compare_takes_alpha(district):
    c = sim.compare(district, ["baseline"], draws=2, years=1, alpha=0.2, attribution=False, progress=False)
    assert c.interval == pytest.approx(0.8)


def test_lookups_suggest_and_never_dump_an_object(cmp, district):
    cases = [
        (lambda: cmp.select(indicator="learning_gap.pooor"), "learning_gap.poor"),
        (lambda: cmp.select(scenario="no_polcy"), "no_policy"),
        (lambda: cmp.select(year=1999), "2019–2020"),
        (lambda: cmp.diff_samples("no_polcy", "dropouts"), "no_policy"),
        (lambda: cmp.diff_samples("no_policy", "dropout"), "dropouts"),
        (lambda: cmp.samples["no_policy"]["learning_gap.pooor"], "learning_gap.poor"),
        (lambda: cmp.samples["no_polcy"], "no_policy"),
        (lambda: cmp.effects("dropout_rate.junor"), "dropout_rate.junior"),
    ]
    for call, hint in cases:
        with pytest.raises(sim.NotFoundError) as info:
            call()
        assert hint in str(info.value) and not str(info.value).startswith("'")
    with pytest.raises(sim.NotFoundError) as info:  # an object where a name belongs: cut, not dumped
        cmp.diff_samples(district, "dropouts")
    assert len(str(info.value)) < 400


def test_result_lookups_and_english_names(district, made):
    r = sim.run(district, made, years=2)
    with pytest.raises(sim.NotFoundError, match="did you mean 'dropout_rate.junior'"):
        r.indicator("dropout_rate.junor")
    with pytest.raises(sim.NotFoundError, match="2019–2020"):
        r.indicator("dropout_rate.junior", year=2030)
    assert r.indicator("dropout_rate.junior", 2020) > 0
    s = r.schools
    assert {"name_en", "town_en"} <= set(s.columns)
    assert s["name_en"].str.match(r"^[A-Za-z]").all() and s["town_en"].str.match(r"^[A-Za-z]").all()
