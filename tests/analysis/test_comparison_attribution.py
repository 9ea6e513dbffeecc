"""Claims about the lever attribution shown with a comparison (simulate.analysis.comparison).

* For a scenario changing several lever groups, ``cmp.attribution`` has one row per headline
  indicator and group; the contributions add up to the total (expected mode), which is the
  scenario's own expected-mode difference from the reference — exact (2^n combinations) and
  sampled (beyond ``exact_up_to`` groups) alike.
* A scenario changing one lever group gets a trivial attribution: its whole difference, share 1.
* The summary has a "what drives the difference" block; ``attribution=False`` leaves it (and
  attribution.csv) out; the CLI writes attribution.csv beside table.csv, and --no-attribution skips it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import simulate as sim
from simulate.analysis.comparison import ATTRIBUTION_COLUMNS, ATTRIBUTION_ROWS
from simulate.cli import main
from simulate.model.engine import cells_of, simulate
from simulate.model.outcomes import year_indicators

YEARS = 2
HEADLINE = list(ATTRIBUTION_ROWS)


@pytest.fixture(scope="module")
def district():
    return sim.load_district()


@pytest.fixture(scope="module")
def cmp(district):
    return sim.compare(district, ["budget_neutral_mix", "targeted_aid"], draws=4, years=YEARS, progress=False)


def _expected_last_year(district, name):
    runs = list(simulate(district, sim.load_scenario(name), years=YEARS, mode="expected"))
    return year_indicators(runs[-1], cells_of(district))


def test_multi_lever_contributions_sum_to_the_scenarios_own_expected_difference(district, cmp):
    att = cmp.attribution
    assert list(att.columns) == ATTRIBUTION_COLUMNS
    assert set(att.scenario) == {"budget_neutral_mix", "targeted_aid"}   # never the reference itself
    mix = att[att.scenario == "budget_neutral_mix"]
    assert sorted(set(mix.lever)) == ["budget.capital", "budget.student_aid", "dropout.monitoring",
                                      "teachers.support"]
    assert sorted(set(mix.indicator)) == sorted(HEADLINE) and len(mix) == 4 * len(HEADLINE)
    assert mix.exact.all() and (mix.coalitions == 16).all()
    own, base = _expected_last_year(district, "budget_neutral_mix"), _expected_last_year(district, "baseline")
    for ind, part in mix.groupby("indicator"):
        total = part["total"].iloc[0]
        assert part["contribution"].sum() == pytest.approx(total, rel=1e-9, abs=1e-9), ind
        assert total == pytest.approx(own[ind][0] - base[ind][0], rel=1e-9, abs=1e-9), ind
        assert part["share"].sum() == pytest.approx(1.0, rel=1e-9), ind
    # the split is not trivial: on the poor–non-poor dropout gap, student aid brings most of it, and another
    # lever moves it too (a share can pass 1 when another lever pulls the other way: monitoring's returners)
    gap = mix[mix.indicator == "dropout_gap.poor.junior"].set_index("lever")["share"]
    assert gap.idxmax() == "budget.student_aid"
    assert (gap.drop("budget.student_aid").abs() > 0.01).any()


def test_a_single_lever_scenario_gets_its_whole_difference(cmp):
    one = cmp.attribution[cmp.attribution.scenario == "targeted_aid"]
    assert set(one.lever) == {"budget.student_aid"} and len(one) == len(HEADLINE)
    assert (one["contribution"] == one["total"]).all()
    moved = one[one["total"] != 0]
    assert len(moved) >= 3 and (moved["share"] == 1.0).all()
    assert (one.coalitions == 2).all()


def test_sampled_attribution_beyond_exact_up_to_also_sums_to_the_total(district):
    c = sim.compare(district, ["budget_neutral_mix"], draws=2, years=1, progress=False)
    c.attribution_settings["exact_up_to"] = 2   # 4 groups: sampled orders instead of all 16 combinations
    att = c.attribution
    assert not att.exact.any()
    for ind, part in att.groupby("indicator"):
        assert part["contribution"].sum() == pytest.approx(part["total"].iloc[0], rel=1e-9, abs=1e-9), ind
    assert "sampled over 50 random orders" in c.summary()


def test_the_summary_says_what_drives_the_difference(cmp):
    text = cmp.summary()
    mix = text.split("## budget_neutral_mix")[1].split("## targeted_aid")[0]
    assert "What drives the difference: Shapley contributions of the 4 lever groups" in mix
    assert "exact over all 16 combinations" in mix
    for lever in ("budget.capital", "budget.student_aid", "dropout.monitoring", "teachers.support"):
        assert f"| `{lever}` |" in mix
    assert "| total (expected mode) |" in mix
    aid = text.split("## targeted_aid")[1]
    assert "changes one lever group against baseline, `budget.student_aid`" in aid


def test_attribution_can_be_switched_off(district, tmp_path):
    c = sim.compare(district, ["budget_neutral_mix"], draws=2, years=1, progress=False, attribution=False)
    assert c.attribution is None and c.attribution_plan() == {}
    assert "What drives the difference" not in c.summary()
    c.to_dir(tmp_path / "off")
    assert not (tmp_path / "off" / "attribution.csv").exists() and (tmp_path / "off" / "table.csv").exists()
    with pytest.raises(ValueError, match="attribution: expected True or False"):
        sim.compare(district, ["budget_neutral_mix"], draws=2, years=1, attribution="yes")


def test_a_scenario_changing_nothing_is_said_so(district):
    same = sim.load_scenario("baseline").with_changes({}, name="same_as_baseline")
    c = sim.compare(district, [same], draws=2, years=1, progress=False)
    assert c.attribution.empty and list(c.attribution.columns) == ATTRIBUTION_COLUMNS
    assert "What drives the difference: changes no parameter against baseline." in c.summary()


def test_cli_writes_the_attribution_table_beside_the_comparison(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", "budget_neutral_mix", "targeted_aid", "--draws", "2", "--years", "1",
                 "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "attribution of budget_neutral_mix: 4 lever groups, Shapley in expected mode (exact, 16 runs" in captured.err
    assert "What drives the difference" in captured.out and "attribution.csv" in captured.out
    att = pd.read_csv(out / "attribution.csv")
    assert list(att.columns) == ATTRIBUTION_COLUMNS
    sums = att.groupby(["scenario", "indicator"]).agg(c=("contribution", "sum"), t=("total", "first"))
    # the CSV holds 6 decimals (provenance.write_csv): up to 5 rounded contributions against a rounded total
    np.testing.assert_allclose(sums["c"], sums["t"], rtol=1e-9, atol=3e-6)
    assert (att[att.scenario == "targeted_aid"].dropna(subset=["share"])["share"] == 1.0).all()
    assert "What drives the difference" in (out / "summary.md").read_text(encoding="utf-8")

    off = tmp_path / "off"
    assert main(["compare", "budget_neutral_mix", "--draws", "2", "--years", "1", "--no-attribution",
                 "--out", str(off)]) == 0
    captured = capsys.readouterr()
    assert "attribution" not in captured.err and "What drives the difference" not in captured.out
    assert not (off / "attribution.csv").exists() and (off / "table.csv").exists()


def test_what_drives_is_the_summary_block_of_one_scenario(cmp):
    block = cmp.what_drives("budget_neutral_mix")
    assert block.startswith("What drives the difference: Shapley contributions of the 4 lever groups")
    assert block in cmp.summary()
    assert cmp.what_drives("baseline") == ""
    with pytest.raises(ValueError, match="this comparison: scenario 'nope' not found"):
        cmp.what_drives("nope")
