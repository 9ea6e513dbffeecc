"""A number a person writes for a district runs as written (issue 20, item 1).

A scenario written for a district (``district:`` key, or a file inside the district's folder) has its own
changes run unscaled; Banan's package, and scenarios written relative to it, still scale; every run
prints and records the value each scaled quantity had.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import simulate as sim
from simulate.cli import main
from simulate.inputs.load import load_district
from simulate.inputs.scaling import ScaleWarning, for_district, scale_factors, scaled_quantities
from simulate.inputs.scenario import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "data" / "example_county"
CHANGES = "changes:\n  budget.capital.yuan_per_year: 2000000\n  teachers.support.count: 2\n"


def _write(path: Path, extra: str = "") -> Path:
    path.write_text(f"name: own\ntitle: own\ndescription: the county's own package\nextends: baseline\n{extra}"
                    + CHANGES, encoding="utf-8")
    return path


def test_district_key_runs_the_numbers_as_written(tmp_path):
    d = load_district(EXAMPLE)
    own = load_scenario(_write(tmp_path / "own.yaml", "district: example_county\n"))
    used = for_district(own, d, warn=False)
    assert used.value("budget.capital.yuan_per_year") == 2_000_000
    assert used.value("teachers.support.count") == 2
    f = scale_factors(own, d)["teachers"]  # Banan's leaves the scenario did not touch still scale
    assert used.value("teachers.post_rotation.count") == int(np.floor(21 * f + 0.5))
    recs = {r["path"]: r for r in scaled_quantities(own, d)}
    assert recs["teachers.support.count"]["how"] == "as written" and recs["teachers.support.count"]["used"] == 2
    assert recs["teachers.post_rotation.count"]["how"] == "scaled"
    assert recs["teachers.post_rotation.count"]["used"] == used.value("teachers.post_rotation.count")


def test_without_the_key_numbers_are_banan_relative_and_the_record_says_so(tmp_path):
    d = load_district(EXAMPLE)
    rel = load_scenario(_write(tmp_path / "rel.yaml"))
    f = scale_factors(rel, d)["pupils"]
    assert for_district(rel, d, warn=False).value("budget.capital.yuan_per_year") == int(np.floor(2e6 * f + 0.5))
    rec = {r["path"]: r for r in scaled_quantities(rel, d)}["budget.capital.yuan_per_year"]
    assert rec["how"] == "scaled" and rec["changed"] and rec["written"] == 2_000_000
    assert rec["used"] == int(np.floor(2e6 * f + 0.5))


def test_a_file_inside_the_district_folder_is_written_for_it(tmp_path):
    county = tmp_path / "my_county"
    shutil.copytree(EXAMPLE, county)
    (county / "scenarios").mkdir()
    own = load_scenario(_write(county / "scenarios" / "own.yaml"))
    assert own.written_for == str(county.resolve())
    d = load_district(county)
    assert for_district(own, d, warn=False).value("teachers.support.count") == 2
    child = load_scenario(_write(tmp_path / "child.yaml"))  # elsewhere: Banan-relative
    assert child.written_for is None
    assert main(["validate", str(county)]) == 0  # the district and the scenarios written for it


def test_written_for_one_district_refused_on_another(tmp_path):
    own = load_scenario(_write(tmp_path / "own.yaml", "district: example_county\n"))
    with pytest.raises(ScenarioError, match="written for the district in .*example_county.*this run is on"):
        sim.run(load_district(), own, years=1)


def test_district_key_naming_no_district_is_one_error(tmp_path):
    with pytest.raises(ScenarioError, match=r"own.yaml: district: 'nowhere' is not a district folder"):
        load_scenario(_write(tmp_path / "own.yaml", "district: nowhere\n"))


def test_run_prints_and_records_the_values_used(tmp_path, capsys):
    path = _write(tmp_path / "own.yaml", "district: example_county\n")
    out = tmp_path / "out"
    assert main(["run", str(path), "--district", str(EXAMPLE), "--years", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "teachers.support.count = 2 used, as written" in printed
    assert "teachers.post_rotation.count = 2 used (21 written for Banan" in printed
    record = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert record["district"] == "example_county"
    used = {r["path"]: r["used"] for r in record["scaled_quantities"]["own"]}
    assert used["budget.capital.yuan_per_year"] == 2_000_000 and used["teachers.support.count"] == 2


def test_banan_records_nothing_scaled():
    assert scaled_quantities(load_scenario("more_rotation"), load_district()) == []


def test_compare_summary_and_manifest_name_the_district_and_the_values_used(tmp_path):
    from simulate.analysis.comparison import compare

    own = load_scenario(_write(tmp_path / "own.yaml", "district: example_county\n"))
    d = load_district(EXAMPLE)
    cmp = compare(d, [own], reference="baseline", draws=2, years=2, attribution=False, progress=False)
    text = cmp.summary()
    assert "## Quantities used on district 'example_county'" in text
    assert "own: teachers.support.count = 2 used, as written (not scaled)" in text
    assert "baseline: teachers.support.count = 2 used (20 written for Banan" in text
    cmp.to_dir(tmp_path / "cmp")
    record = json.loads((tmp_path / "cmp" / "manifest.json").read_text(encoding="utf-8"))
    assert record["district"] == "example_county"
    assert {r["path"]: r["used"] for r in record["scaled_quantities"]["own"]}["budget.capital.yuan_per_year"] == 2e6


def test_capital_the_district_cannot_spend_is_said(tmp_path):
    big = _write(tmp_path / "big.yaml", "district: example_county\n")
    big.write_text(big.read_text(encoding="utf-8").replace("2000000", "50000000"), encoding="utf-8")
    with pytest.warns(ScaleWarning, match="above the district's whole facility need"):
        r = sim.run(load_district(EXAMPLE), load_scenario(big), years=3)
    use = r.capital_use
    assert (use["budget_yuan"] == 5e7).all() and (use["spent_yuan"] + use["unspent_yuan"] == 5e7).all()
    assert use["unspent_yuan"].iloc[-1] > 0
    assert r.capital_note().startswith("own: capital the district cannot spend")
    assert sim.run(load_district(EXAMPLE), "baseline", years=3).capital_note() == ""
