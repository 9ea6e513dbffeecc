"""compare(): common random numbers, intervals, cost-effectiveness, outputs."""

from __future__ import annotations

import json

import numpy as np
import pytest

import simulate as sim

COLUMNS = ["scenario", "indicator", "year", "mean", "lo", "hi", "diff", "diff_lo", "diff_hi", "p_better"]
CE = ["ce.extra_yuan", "ce.child_years_kept", "ce.children_never_returned_averted", "ce.dropouts_averted",
      "ce.poor_learning_gap_closed_sd", "ce.yuan_per_child_year_kept", "ce.yuan_per_child_never_returned_averted",
      "ce.yuan_per_dropout_averted", "ce.yuan_per_0.1sd_gap_closed"]


@pytest.fixture(scope="module")
def district():
    return sim.load_district()


@pytest.fixture(scope="module")
def cmp(district):
    return sim.compare(district, ["baseline", "no_policy"], reference="baseline", draws=40, seed=3, years=2,
                       progress=False)


def test_table_columns_exactly_as_documented(cmp):
    assert list(cmp.table.columns) == COLUMNS
    assert set(cmp.table.scenario) == {"baseline", "no_policy"}
    assert cmp.samples["no_policy"]["dropout_rate.junior"].shape == (40, 2)


def test_self_comparison_differences_are_exactly_zero(cmp):
    ref = cmp.table[cmp.table.scenario == "baseline"]
    ref = ref[~ref.indicator.str.startswith("ce.yuan_per")]
    assert (ref[["diff", "diff_lo", "diff_hi"]].to_numpy() == 0).all()
    for ind in ("dropout_rate.junior", "cost.total", "cv.ptr.junior", "balance.composite.primary"):
        assert (cmp.diff_samples("baseline", ind) == 0).all()


def test_table_carries_the_vectorised_equity_indicators(cmp):
    names = set(cmp.table.indicator)
    for stage in ("primary", "junior"):
        for name in (f"cv.spending_per_pupil.{stage}", f"cv.ptr.{stage}", f"balance.composite.{stage}",
                     f"balance.pass_2012.{stage}", f"balance.pass_2017.{stage}"):
            assert name in names
    assert "consolidation_gap.urban_rural.nine_year" in names


def test_cost_effectiveness_rows(cmp):
    t = cmp.table[cmp.table.indicator.str.startswith("ce.")]
    for s in ("baseline", "no_policy"):
        assert set(t[t.scenario == s].indicator) == set(CE)
        assert (t[t.scenario == s].year == cmp.years[-1]).all()
    ref = t[(t.scenario == "baseline") & t.indicator.str.startswith("ce.yuan_per")]
    assert ref[["mean", "lo", "hi", "diff", "diff_lo", "diff_hi"]].isna().all().all()
    extra = t[(t.scenario == "no_policy") & (t.indicator == "ce.extra_yuan")].iloc[0]
    assert extra["mean"] < 0  # no policy costs less than the package


def test_time_out_of_school_leads_the_summary_and_cost_effectiveness(cmp):
    """Child-years kept = the reference's cumulative child-years out of school − the scenario's, per draw;
    the summary reads it first and yuan per child-year kept before yuan per dropout averted."""
    t = cmp.table.set_index(["scenario", "indicator", "year"])
    last = cmp.years[-1]
    kept = cmp.samples["baseline"]["child_years_out_of_school.cumulative.total"][:, -1] - \
        cmp.samples["no_policy"]["child_years_out_of_school.cumulative.total"][:, -1]
    assert t.loc[("no_policy", "ce.child_years_kept", last), "mean"] == pytest.approx(kept.mean())
    assert kept.mean() < 0  # no policy: more time out of school
    extra = t.loc[("no_policy", "ce.extra_yuan", last), "mean"]
    assert t.loc[("no_policy", "ce.yuan_per_child_year_kept", last), "mean"] == pytest.approx(extra / kept.mean())
    section = cmp.summary().split("## no_policy")[1].splitlines()
    assert section[1].startswith("- child-years out of school")
    assert section[2].startswith("- children who left school and had not returned")
    ratios = [line for line in section if "per child-year" in line or "dropout (events" in line]
    assert "child-year" in ratios[0] and "dropout" in ratios[-1]


def test_same_seed_gives_an_identical_table(district, cmp):
    again = sim.compare(district, ["baseline", "no_policy"], reference="baseline", draws=40, seed=3, years=2,
                        progress=False)
    assert again.table.equals(cmp.table)


def test_common_random_numbers_narrow_the_interval_of_a_difference(district, cmp):
    ind = "dropout_rate.junior"
    crn = cmp.diff_samples("no_policy", ind)[:, 0]
    a = sim.compare(district, ["baseline"], reference="baseline", draws=40, seed=11, years=2, progress=False)
    b = sim.compare(district, ["no_policy"], reference="no_policy", draws=40, seed=12, years=2, progress=False)
    independent = b.samples["no_policy"][ind][:, 0] - a.samples["baseline"][ind][:, 0]

    def width(x):
        lo, hi = np.quantile(x, [0.05, 0.95])
        return hi - lo

    print(f"90% interval width of the junior dropout difference: CRN {width(crn):.5f}, "
          f"independent seeds {width(independent):.5f}")
    assert width(crn) < 0.5 * width(independent)


def test_to_dir_writes_table_summary_and_manifest(cmp, tmp_path):
    out = cmp.to_dir(tmp_path / "cmp")
    assert {p.name for p in out.iterdir()} >= {"table.csv", "summary.md", "manifest.json"}
    meta = json.loads((out / "manifest.json").read_text())
    assert meta  # provenance recorded
    assert "no_policy" in (out / "summary.md").read_text()
