"""Resource equity and China's county balance test (simulate.measures.balance)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

import simulate as sim
from simulate.measures import equity
from simulate.measures.balance import (BALANCE_INDICATORS, RESOURCES, comparison_indicators, context, resource_equity,
                              weighted_cv)
from simulate.inputs.district import District, group_flags
from simulate.inputs.load import district_from_frames

MEASURES = ("cv", "gini", "theil", "theil_between_urban_rural", "theil_within_urban_rural", "theil_between_town",
            "theil_within_town", "mcloone", "verstegen", "federal_range_ratio")


@pytest.fixture(scope="module")
def result():
    return sim.run(sim.load_district(), "baseline", years=2, mode="expected")


def test_indicator_table_has_the_new_names(result):
    names = set(result.indicators["indicator"])
    for stage in ("primary", "junior"):
        for r in RESOURCES:
            for m in MEASURES:
                assert f"{m}.{r}.{stage}" in names
        for ind in BALANCE_INDICATORS:
            assert f"balance.cv.{ind}.{stage}" in names
        for v in ("composite", "pass_2012", "pass_2017", "schools_meeting_standards"):
            assert f"balance.{v}.{stage}" in names
    for gap in ("urban_rural", "poor", "left_behind"):
        for span in ("nine_year", "junior"):
            assert f"consolidation_gap.{gap}.{span}" in names
    table = result.indicators
    assert table.loc[table.indicator.str.startswith(("cv.", "gini.", "balance.")), "value"].notna().all()


def test_resource_equity_equals_equity_on_the_schools_table(result):
    """Recompute a few indicators from result.schools with simulate.measures.equity directly."""
    year = result.years[0]
    s = result.schools[result.schools.year == year.year].reset_index(drop=True)
    at_risk = year.flows.at_risk[0]
    got = result.indicators[result.indicators.year == year.year].set_index("indicator")["value"]
    for stage, grades in (("primary", slice(0, 6)), ("junior", slice(6, 9))):
        w = at_risk[:, grades].sum(axis=(1, 2))
        live = w > 0
        x = {"spending_per_pupil": s["spending_per_pupil"].to_numpy(), "ptr": s["ptr"].to_numpy(),
             "teacher_quality": 100 * norm.cdf(s["teacher_quality"].to_numpy()),
             "facility_index": s["facility_index"].to_numpy()}
        rural = s["location"].isin(["rural", "mountain"]).to_numpy()
        for r, v in x.items():
            assert got[f"cv.{r}.{stage}"] == pytest.approx(equity.coefficient_of_variation(v[live], w[live]), rel=1e-12)
            assert got[f"gini.{r}.{stage}"] == pytest.approx(equity.gini(v[live], w[live]), rel=1e-12)
            assert got[f"mcloone.{r}.{stage}"] == pytest.approx(equity.mcloone(v[live], w[live]), rel=1e-12)
            assert got[f"federal_range_ratio.{r}.{stage}"] == pytest.approx(
                equity.federal_range_ratio(v[live], w[live]), rel=1e-12)
            t = equity.theil_decomposition(v[live], rural[live], w[live])
            assert got[f"theil.{r}.{stage}"] == pytest.approx(t.total, rel=1e-12)
            assert got[f"theil_between_urban_rural.{r}.{stage}"] == pytest.approx(t.between, rel=1e-12, abs=1e-15)
            t = equity.theil_decomposition(v[live], s["town"].to_numpy()[live], w[live])
            assert got[f"theil_between_town.{r}.{stage}"] == pytest.approx(t.between, rel=1e-12, abs=1e-15)
        teachers_per_100 = 100 * s["teachers"].to_numpy() / s["pupils"].to_numpy()
        assert got[f"balance.cv.teachers_per_100.{stage}"] == pytest.approx(
            equity.coefficient_of_variation(teachers_per_100[live], w[live]), rel=1e-12)


def test_vectorised_subset_matches_the_loop(result):
    """compare()'s vectorised indicators equal resource_equity's on every draw."""
    ctx = context(result.district)
    for y in result.years:
        full = resource_equity(y, result.district, ctx)
        fast = comparison_indicators(y, ctx)
        for name, v in fast.items():
            np.testing.assert_allclose(v, full[name], rtol=1e-10, err_msg=name)


def test_weighted_cv_is_the_published_worked_example():
    books = np.array([279, 137, 935, 160, 402.0])
    pupils = np.array([45, 37, 89, 76, 55.0])
    assert weighted_cv((books / pupils)[None], pupils[None])[0] == pytest.approx(0.5153, abs=5e-5)


def _district(enrolled: list[int], teachers: list[int], senior: list[int], facility: list[float]) -> District:
    """Nine-year schools in one town, pupils spread evenly over grades 1–9, no disadvantaged groups."""
    n = len(enrolled)
    ids = [f"S{i:02d}" for i in range(n)]
    schools = pd.DataFrame({
        "school_id": ids, "name": [f"学校{i}" for i in range(n)], "name_en": ids, "town": "镇", "town_en": "Town",
        "level": "nine_year", "location": "rural", "boarding": 0, "boarding_share": 0.0, "teachers": teachers,
        "senior_teachers": senior, "teacher_quality": 0.0, "facility_index": facility, "feeder_school_id": "",
    })
    rows = [{"school_id": sid, "grade": g, "poor": 0, "left_behind": 0, "disabled": 0, "migrant": 0,
             "enrolled": e // 9, "out_of_school": 0} for sid, e in zip(ids, enrolled) for g in range(1, 10)]
    return district_from_frames("balance-test", schools, pd.DataFrame(rows))


def _balance(district) -> pd.Series:
    r = sim.run(district, "no_policy", years=1, mode="expected")
    t = r.indicators
    return t[t.indicator.str.startswith("balance.")].set_index("indicator")["value"]


def test_balance_test_passes_for_equal_schools_and_fails_for_unequal_ones():
    equal = _balance(_district([900] * 4, [60] * 4, [12] * 4, [0.8] * 4))
    unequal = _balance(_district([90, 1800, 90, 1800], [30, 60, 30, 60], [0, 30, 0, 30], [1.0, 0.05, 1.0, 0.05]))
    for stage in ("primary", "junior"):
        assert equal[f"balance.composite.{stage}"] < 0.05
        assert equal[f"balance.pass_2012.{stage}"] == 1 and equal[f"balance.pass_2017.{stage}"] == 1
        assert equal[f"balance.schools_meeting_standards.{stage}"] == 1
        assert unequal[f"balance.cv.facility_index.{stage}"] > 0.5
        assert unequal[f"balance.pass_2017.{stage}"] == 0
        assert unequal[f"balance.composite.{stage}"] > 0.65
        assert unequal[f"balance.pass_2012.{stage}"] == 0
        assert unequal[f"balance.schools_meeting_standards.{stage}"] < 1


def test_consolidation_gaps_match_a_direct_computation(result):
    y = result.years[0]
    f = y.flows
    loc = result.district.schools["location"].to_numpy()
    poor = group_flags()[:, 0]

    def consolidation(school, group, grades):
        """The official ratio's synthetic cohort: Π over grades of (start − dropouts + returns) / start."""
        d = f.dropouts[0][school][:, :, group].sum(axis=(0, 2))
        a = f.at_risk[0][school][:, :, group].sum(axis=(0, 2))
        back = f.returns[0][school][:, :, group].sum(axis=(0, 2))
        start = a - back
        c = np.where(start > 0, (a - d) / np.where(start > 0, start, 1), 1.0)
        return np.prod(c[grades])

    every = np.ones(len(loc), bool)
    got = result.indicators[result.indicators.year == y.year].set_index("indicator")["value"]
    for span, grades in (("nine_year", slice(0, 9)), ("junior", slice(6, 9))):
        urban = consolidation(loc == "urban", np.ones(16, bool), grades)
        rural = consolidation(np.isin(loc, ["rural", "mountain"]), np.ones(16, bool), grades)
        assert got[f"consolidation_gap.urban_rural.{span}"] == pytest.approx(100 * (urban - rural), rel=1e-9)
        gap = consolidation(every, ~poor, grades) - consolidation(every, poor, grades)
        assert got[f"consolidation_gap.poor.{span}"] == pytest.approx(100 * gap, rel=1e-9, abs=1e-12)
