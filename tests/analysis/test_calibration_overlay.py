"""A district's own calibration overlay (DIR/calibration.yaml): written by `simulate calibrate --district DIR
--write`, applied to every run on that district, recorded in provenance, refused over a foreign file,
validated on load, and found stale when the data or the targets change. Every file is written under tmp_path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

import simulate as sim
from simulate.analysis.calibrate import check, load_targets
from simulate.analysis.result import run
from simulate.cli import main
from simulate.inputs.district import DistrictError
from simulate.inputs.load import load_district
from simulate.inputs.overlay import CALIBRATION_FILE, HEADER, calibration_note
from simulate.inputs.scaling import for_district

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "data" / "example_county"
FITTED = ("dropout.hazard.intercept_primary_log_odds", "dropout.hazard.intercept_junior_log_odds",
          "learning.growth_intercept_sd")


def _copy(dest: Path) -> Path:
    shutil.copytree(EXAMPLE, dest)
    (dest / CALIBRATION_FILE).unlink(missing_ok=True)
    return dest


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """A copy of the example county without its calibration.yaml, then `calibrate --write` on it."""
    county = _copy(tmp_path_factory.mktemp("overlay") / "county")
    bare = load_district(county)
    assert main(["calibrate", "--district", str(county), "--write"]) == 0
    return county, bare


def _junior_dropout(district, scenario="baseline") -> float:
    return run(district, sim.load_scenario(scenario), years=1).indicator("dropout_rate.junior", 2019)


def test_write_then_every_run_on_the_district_uses_the_fitted_intercepts(written):
    county, bare = written
    assert bare.calibration is None
    district = load_district(county)
    overlay = district.calibration
    assert set(overlay.values) == set(FITTED)
    targets = {t.id: t for t in load_targets(county / "targets.yaml")[0]}
    with_overlay, without = _junior_dropout(district), _junior_dropout(bare)
    assert abs(with_overlay - targets["junior_dropout"].value) <= targets["junior_dropout"].tolerance / 10
    assert abs(without - targets["junior_dropout"].value) > targets["junior_dropout"].tolerance / 10
    # the overlay replaces the leaves in the scenario and in its status quo; Banan's values elsewhere
    scaled = for_district(sim.load_scenario("targeted_aid"), district, warn=False)
    for path in FITTED:
        assert scaled.value(path) == overlay.values[path] == scaled.status_quo.value(path)
        assert scaled.leaves[path]["source"].startswith("calibrated for this district")
    # a scenario that sets a fitted leaf itself keeps its own value
    own = sim.load_scenario("baseline").with_changes({FITTED[1]: -3.0})
    assert for_district(own, district, warn=False).value(FITTED[1]) == -3.0
    # the written values are the optimum and meet the targets
    report = check(district, county / "targets.yaml")
    assert report.all_met and not report.stale


def test_rerun_writes_the_same_bytes_with_hashes_and_residuals(written, capsys):
    county, _ = written
    text = (county / CALIBRATION_FILE).read_bytes()
    assert main(["calibrate", "--district", str(county), "--write"]) == 0
    assert (county / CALIBRATION_FILE).read_bytes() == text
    doc = yaml.safe_load(text)
    assert text.decode().splitlines()[0] == HEADER
    assert doc["data_sha256"] == load_district(county).data_hash
    for path in FITTED:
        leaf = doc["parameters"][path]
        assert set(leaf) == {"value", "source", "targets_sha256"} and leaf["source"].startswith("calibration")
        assert leaf["targets_sha256"] == doc["targets_sha256"]
    assert set(doc["residuals"]) == {t.id for t in load_targets(county / "targets.yaml")[0]}
    assert all(r["met"] for r in doc["residuals"].values())


def test_provenance_records_the_overlay(written, tmp_path):
    county, _ = written
    district = load_district(county)
    record = run(district, sim.load_scenario("baseline"), years=1).manifest()
    assert record["district_calibration"] == {"file": str(county / CALIBRATION_FILE),
                                              "sha256": district.calibration.sha256}
    out = tmp_path / "out"
    assert main(["run", "baseline", "--district", str(county), "--years", "1", "--out", str(out)]) == 0
    import json

    assert json.loads((out / "manifest.json").read_text())["district_calibration"]["sha256"] == \
        district.calibration.sha256
    banan = load_district()
    assert run(banan, sim.load_scenario("baseline"), years=1).manifest()["district_calibration"] is None


def test_banan_is_unchanged(written):
    banan = load_district()
    assert banan.calibration is None and calibration_note(banan) is None
    base = sim.load_scenario("baseline")
    assert for_district(base, banan) is base
    header = yaml.safe_load((ROOT / "params" / "posterior" / "posterior.yaml").read_text(encoding="utf-8"))
    assert base.value(FITTED[0]) == header["central"][FITTED[0]]  # Banan's posterior mean, not the county's


def test_without_a_calibration_file_runs_say_banan_intercepts_are_used(tmp_path, capsys):
    county = _copy(tmp_path / "county")
    assert main(["run", "baseline", "--district", str(county), "--years", "1"]) == 0
    err = capsys.readouterr().err
    assert err.count("note:") == 1
    assert f"has no {CALIBRATION_FILE}" in err and "calibrated to Banan" in err and "--write" in err
    assert main(["calibrate", "--district", str(county)]) == 0  # without --write: only a report
    assert "not written (only reported)" in capsys.readouterr().out
    assert not (county / CALIBRATION_FILE).exists()
    assert main(["calibrate", "--check", "--district", str(county)]) == 1  # targets, but not applied


def test_write_refuses_to_replace_a_file_it_did_not_write(tmp_path, capsys):
    county = _copy(tmp_path / "county")
    mine = "# my own notes\nparameters:\n  learning.growth_intercept_sd: {value: -0.08}\n"
    (county / CALIBRATION_FILE).write_text(mine, encoding="utf-8")
    assert main(["calibrate", "--district", str(county), "--write"]) == 1
    err = capsys.readouterr().err
    assert str(county / CALIBRATION_FILE) in err and "simulate did not write it" in err
    assert (county / CALIBRATION_FILE).read_text(encoding="utf-8") == mine


@pytest.mark.parametrize("leaf, key, words", [
    ("dropout.hazard.intercept_middle_log_odds: {value: -3.5}", "parameters.dropout.hazard.intercept_middle_log_odds",
     "not a parameter"),
    ("dropout.hazard.intercept_junior_log_odds: {value: minus three}",
     "parameters.dropout.hazard.intercept_junior_log_odds.value", "expected a finite number"),
    ("dropout.hazard.intercept_junior_log_odds: {value: true}",
     "parameters.dropout.hazard.intercept_junior_log_odds.value", "expected a finite number"),
])
def test_a_bad_calibration_file_is_one_error_naming_file_and_key(tmp_path, leaf, key, words):
    county = _copy(tmp_path / "county")
    (county / CALIBRATION_FILE).write_text(f"{HEADER}\nparameters:\n  {leaf}\n", encoding="utf-8")
    with pytest.raises(DistrictError) as exc:
        load_district(county)
    message = str(exc.value)
    assert f"{county / CALIBRATION_FILE}: {key}: {words}" in message
    assert message.count(str(county / CALIBRATION_FILE)) == 2  # the summary and the one problem


@pytest.mark.slow
def test_a_bad_calibration_file_lists_every_problem_and_fails_the_cli(tmp_path, capsys):
    county = _copy(tmp_path / "county")
    (county / CALIBRATION_FILE).write_text(
        f"{HEADER}\ncolour: blue\nparameters:\n  learning.nope: {{value: 1}}\n"
        "  learning.growth_intercept_sd: {value: .nan}\n", encoding="utf-8")
    with pytest.raises(DistrictError) as exc:
        load_district(county)
    assert [p.split(": ")[1] for p in exc.value.problems] == [
        "colour", "parameters.learning.nope", "parameters.learning.growth_intercept_sd.value"]
    assert main(["run", "baseline", "--district", str(county), "--years", "1"]) == 1
    assert "parameters.learning.nope" in capsys.readouterr().err
    assert main(["calibrate", "--district", str(county), "--write"]) == 0  # its own file: rewritten
    assert load_district(county).calibration is not None


@pytest.mark.slow
def test_check_finds_a_stale_overlay_after_the_targets_or_the_data_change(tmp_path, capsys):
    county = _copy(tmp_path / "county")
    assert main(["calibrate", "--district", str(county), "--write"]) == 0
    assert main(["calibrate", "--check", "--district", str(county)]) == 0
    capsys.readouterr()

    targets = county / "targets.yaml"
    original = targets.read_text(encoding="utf-8")
    targets.write_text(original.replace("value: 0.016 ", "value: 0.020 "), encoding="utf-8")
    assert main(["calibrate", "--check", "--district", str(county)]) == 1
    out = capsys.readouterr().out
    assert "stale:" in out and "targets.yaml changed since it was written" in out
    assert "STALE" in calibration_note(load_district(county))
    targets.write_text(original, encoding="utf-8")
    assert main(["calibrate", "--check", "--district", str(county)]) == 0

    schools = county / "schools.csv"
    lines = schools.read_text(encoding="utf-8").splitlines(keepends=True)
    cols = lines[0].rstrip("\n").split(",")
    row = lines[1].rstrip("\n").split(",")
    row[cols.index("teacher_quality")] = "0.5"
    schools.write_text("".join([lines[0], ",".join(row) + "\n", *lines[2:]]), encoding="utf-8")
    capsys.readouterr()
    assert main(["calibrate", "--check", "--district", str(county)]) == 1
    assert "the district's data changed since it was written" in capsys.readouterr().out
