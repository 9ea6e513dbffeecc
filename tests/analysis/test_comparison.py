"""compare(): common random numbers, intervals, cost-effectiveness, outputs."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import simulate as sim
from simulate.analysis.comparison import CE_NA_RULE
from simulate.measures.catalogue import label

COLUMNS = ["scenario", "indicator", "unit", "year", "mean", "lo", "hi", "diff", "diff_lo", "diff_hi", "p_better",
           "chance_lo", "chance_hi"]
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


@pytest.mark.slow
def test_time_out_of_school_leads_the_summary_and_cost_effectiveness(cmp):
    """Child-years kept = the reference's cumulative child-years out of school − the scenario's, per draw;
    the summary reads it first and yuan per child-year kept before yuan per dropout averted."""
    t = cmp.table.set_index(["scenario", "indicator", "year"])
    last = cmp.years[-1]
    kept = cmp.samples["baseline"]["child_years_out_of_school.cumulative.total"][:, -1] - \
        cmp.samples["no_policy"]["child_years_out_of_school.cumulative.total"][:, -1]
    assert t.loc[("no_policy", "ce.child_years_kept", last), "mean"] == pytest.approx(kept.mean())
    assert kept.mean() < 0  # no policy: more time out of school
    # no policy is cheaper and worse: no "yuan saved per child-year lost", n/a by the one rule
    assert np.isnan(t.loc[("no_policy", "ce.yuan_per_child_year_kept", last), "mean"])
    section = cmp.summary().split("## no_policy")[1].splitlines()
    rows = [line for line in section if line.startswith("| ") and not line.startswith("| indicator")]
    assert rows[0].startswith(f"| {label('child_years_out_of_school.cumulative.total')} |")
    assert rows[1].startswith(f"| {label('children_never_returned.total')} |")
    ratios = [line for line in section if line.startswith((f"| {label('ce.child_years_kept')} |",
                                                           f"| {label('ce.dropouts_averted')} |"))]
    assert [r.split(" | ")[0][2:] for r in ratios] == [label("ce.child_years_kept"), label("ce.dropouts_averted")]


def test_cost_per_effect_is_one_rule():
    from simulate.analysis.comparison import cost_per_effect

    assert cost_per_effect(1e6, 100.0) == pytest.approx(1e4)
    assert cost_per_effect(1e6, 0.05, minimum=0.001, per=0.1) == pytest.approx(2e6)
    assert np.isnan(cost_per_effect(1e6, 0.5))                 # less than one child-year kept
    assert np.isnan(cost_per_effect(-1e6, -100.0))             # cheaper and worse: no "saving per unit lost"
    assert np.isnan(cost_per_effect(1e6, 100.0, effect_lo=-3))  # its interval reaches zero
    assert np.isnan(cost_per_effect(np.nan, 100.0))


@pytest.mark.slow
def test_summary_of_a_small_compare_leads_with_levels_in_one_unit_per_row(district):
    """draws=4, years=2: each row gives both levels and the difference with its interval in the row's
    unit, every column is explained above the table, and each n/a is explained."""
    small = sim.compare(district, ["targeted_aid", "no_policy"], reference="baseline", draws=4, seed=0, years=2,
                        progress=False)
    text = small.summary()
    head, _, rest = text.partition("## targeted_aid")
    for column in ("*scenario*", "*baseline*", "*difference*", "*better*", "*chance better*", "万元 (10,000 yuan)"):
        assert column in head
    assert "| indicator | better | targeted_aid | baseline | difference (90% interval) | chance better |" in rest
    rows = {line.split(" | ")[0][2:]: line.split(" | ") for line in text.splitlines()
            if line.startswith("| ") and (" | lower | " in line or " | closer to 0 | " in line)}
    rate = rows[label("dropout_rate.junior")]
    assert re.fullmatch(r"\d+\.\d%", rate[2]) and re.fullmatch(r"\d+\.\d%", rate[3])
    assert re.match(r"[+-]\d+\.\d\d pp \([+-]\d+\.\d\d pp to [+-]\d+\.\d\d pp\)$", rate[4])
    assert rows[label("dropout_gap.poor.junior")][1] == "closer to 0"
    assert re.fullmatch(r"\d+\.\d{3} SD", rows[label("learning_gap.poor")][2])
    levers = rows[label("cost.policy_levers")]
    assert re.fullmatch(r"\d{1,3}(,\d{3})*\.\d 万元", levers[2])
    assert label("cost.recurrent_base") in rows
    assert "P(better)" not in text and "yuan saved" not in text and "(yuan/year)" not in text
    assert "n/a" in text and text.count(CE_NA_RULE) == 2  # once under each scenario's cost-effectiveness


def test_p_better_of_a_gap_means_closer_to_zero():
    from simulate.model.outcomes import better_direction, is_better

    assert bool(is_better("dropout_gap.poor.junior", -0.5, 1.0))      # crossed zero, closer to parity
    assert not bool(is_better("dropout_gap.poor.junior", -2.0, 1.0))  # crossed zero and widened the other way
    assert bool(is_better("dropout_rate.junior", 0.01, 0.02))
    assert better_direction("learning_gap.poor") == "closer to 0" and better_direction("cost.total") == "lower"


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


def test_stochastic_mode_reports_chance_apart_from_parameter_uncertainty(district):
    """One number, one meaning: the summaries are over parameter draws in expected mode either way; the
    stochastic run's binomial chance is its own interval (issue 19, item 6)."""
    kw = dict(reference="baseline", draws=8, seed=5, years=1, progress=False, attribution=False)
    sto = sim.compare(district, ["baseline", "no_policy"], mode="stochastic", **kw).table
    exp = sim.compare(district, ["baseline", "no_policy"], mode="expected", **kw).table
    cols = ["mean", "lo", "hi", "diff", "diff_lo", "diff_hi", "p_better"]
    np.testing.assert_allclose(sto[cols].to_numpy(float), exp[cols].to_numpy(float), equal_nan=True)
    assert exp[["chance_lo", "chance_hi"]].isna().all().all()
    row = sto[(sto.scenario == "no_policy") & (sto.indicator == "dropouts")].iloc[0]
    assert np.isfinite(row["chance_lo"]) and row["chance_lo"] < 0 < row["chance_hi"]   # chance: both ways

