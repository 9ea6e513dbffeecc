"""A package that fits the district (simulate.inputs.scaling): scale_with leaves, Banan unchanged, warnings."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simulate as sim
from simulate.cli import main
from simulate.inputs.load import load_district
from simulate.inputs.scaling import ScaleWarning, district_size, for_district, scale_factors
from simulate.inputs.scenario import ScenarioError
from simulate.model import engine

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "data" / "example_county"
SCALED = ["budget.capital.yuan_per_year", "teachers.support.count", "teachers.post_rotation.count",
          "teachers.training.person_times_per_year"]
SCALED_LEVERS = ["capital", "support_teachers", "post_rotation", "training"]


def test_reference_is_banan_and_banan_is_its_own_scale():
    banan, base = load_district(), sim.load_scenario("baseline")
    size = district_size(banan)
    assert size == {m: float(base.value(f"district_reference.{m}")) for m in ("pupils", "schools", "teachers")}
    assert scale_factors(base, banan) == {"pupils": 1.0, "schools": 1.0, "teachers": 1.0}
    assert for_district(base, banan) is base
    for path in SCALED:
        assert base.leaves[path]["scale_with"] in ("pupils", "teachers")


def test_banan_results_unchanged_by_scaling_bit_for_bit(monkeypatch):
    banan = load_district()
    with_scaling = sim.run(banan, "targeted_aid", years=3, seed=1, mode="stochastic")
    monkeypatch.setattr(engine, "for_district", lambda scenario, district: scenario)
    without = sim.run(banan, "targeted_aid", years=3, seed=1, mode="stochastic")
    for table in ("schools", "groups", "costs", "indicators"):
        pd.testing.assert_frame_equal(getattr(with_scaling, table), getattr(without, table), check_exact=True)


def test_scaled_quantities_and_schedules():
    d, base = load_district(EXAMPLE), sim.load_scenario("baseline")
    f = scale_factors(base, d)
    s = for_district(base, d)
    assert s.value("budget.capital.yuan_per_year") == pytest.approx(40e6 * f["pupils"])
    assert s.value("budget.capital.yuan_per_year", 2023) == pytest.approx(15e6 * f["pupils"])  # by_year scaled too
    assert s.value("teachers.support.count") == int(np.floor(20 * f["teachers"] + 0.5))
    assert isinstance(s.value("teachers.training.person_times_per_year"), int)
    more = for_district(sim.load_scenario("more_rotation"), d)  # "three times as many" keeps its meaning
    assert more.value("teachers.support.count") == int(np.floor(60 * f["teachers"] + 0.5))
    assert more.status_quo.value("teachers.support.count") == s.value("teachers.support.count")
    assert for_district(s, d).value("teachers.support.count") == s.value("teachers.support.count")  # idempotent
    absolute = base.with_changes({"teachers.support.count": {"value": 5, "scale_with": "none"}})
    assert for_district(absolute, d).value("teachers.support.count") == 5


def test_scaled_baseline_per_pupil_package_within_10_percent_of_banan():
    def per_pupil(district):  # the package as budgeted: the first year (later, capital stops where no school
        r = sim.run(district, "baseline", years=1, mode="expected")  # is left below the weak-school line)
        return r.costs.groupby("lever")["yuan"].sum() / district.enrolled.sum()
    banan, county = per_pupil(load_district()), per_pupil(load_district(EXAMPLE))
    assert county[SCALED_LEVERS].sum() == pytest.approx(banan[SCALED_LEVERS].sum(), rel=0.10)
    package = [lv for lv in banan.index if lv != "teacher_salaries"]
    assert county[package].sum() == pytest.approx(banan[package].sum(), rel=0.10)
    for lever in SCALED_LEVERS:
        assert county[lever] == pytest.approx(banan[lever], rel=0.5), lever


def test_out_of_scale_scenario_warns_naming_the_leaf(tmp_path, capsys):
    d = load_district(EXAMPLE)
    big = sim.load_scenario("baseline").with_changes(
        {"teachers.support.count": {"value": 600, "scale_with": "none"},
         "budget.capital.yuan_per_year": {"value": 5e9, "scale_with": "none"}})
    with pytest.warns(ScaleWarning) as record:
        for_district(big, d)
    text = " ".join(str(w.message) for w in record)
    assert "teachers.support.count" in text and "budget.capital.yuan_per_year" in text
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScaleWarning)
        for_district(sim.load_scenario("baseline"), d)  # the scaled baseline is in scale
    (tmp_path / "big.yaml").write_text(
        "name: big\ntitle: big\ndescription: big\nextends: baseline\nchanges:\n"
        "  teachers.support.count: {value: 600, scale_with: none}\n", encoding="utf-8")
    assert main(["run", str(tmp_path / "big.yaml"), "--district", str(EXAMPLE), "--years", "1"]) == 0
    err = capsys.readouterr().err
    assert "simulate run: warning: teachers.support.count = 600" in err


def test_scale_with_is_validated(tmp_path):
    (tmp_path / "bad.yaml").write_text(
        "name: bad\ntitle: bad\ndescription: bad\nextends: baseline\nchanges:\n"
        "  teachers.support.count: {value: 5, scale_with: classes}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"changes.teachers.support.count.scale_with: expected one of pupils"):
        sim.load_scenario(tmp_path / "bad.yaml")
