"""`simulate calibrate --district DIR`: the district's own targets.yaml, or plainly Banan's intercepts."""

from __future__ import annotations

import shutil
from pathlib import Path

from simulate.analysis.calibrate import targets_for
from simulate.cli import main
from simulate.inputs.load import load_district

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "data" / "example_county"
TEMPLATES = ROOT / "data" / "templates"


def test_default_targets_are_the_districts_own():
    assert targets_for(load_district()).resolve() == (ROOT / "data" / "banan" / "targets.yaml").resolve()
    assert targets_for(load_district(EXAMPLE)) == EXAMPLE / "targets.yaml"
    assert targets_for(load_district(EXAMPLE), "x.yaml") == Path("x.yaml")


def test_calibrate_example_county_to_its_ledgers(capsys):
    assert main(["calibrate", "--district", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert f"fitting to {EXAMPLE / 'targets.yaml'}" in out
    assert "junior_dropout" in out and "False" not in out


def test_without_targets_says_banan_intercepts_are_used(tmp_path, capsys):
    out_dir = tmp_path / "county"
    assert main(["district", "import", str(TEMPLATES / "bureau_schools.csv"), "--out", str(out_dir)]) == 0
    capsys.readouterr()
    assert main(["calibrate", "--district", str(out_dir)]) == 0
    out = capsys.readouterr().out
    assert "no targets.yaml" in out and "calibrated to Banan" in out and "data/templates/targets.yaml" in out


def test_the_example_countys_committed_calibration_is_current(capsys):
    # like `simulate calibrate --check` for Banan: after a model change, rerun
    # `simulate calibrate --district data/example_county --write` and commit calibration.yaml
    assert load_district(EXAMPLE).calibration is not None
    assert main(["calibrate", "--check", "--district", str(EXAMPLE)]) == 0, capsys.readouterr().out


def test_write_for_another_district_writes_its_folder_not_the_shared_baseline(tmp_path, capsys):
    baseline = (ROOT / "params" / "baseline.yaml").read_bytes()
    county = tmp_path / "county"
    shutil.copytree(EXAMPLE, county)
    (county / "calibration.yaml").unlink(missing_ok=True)
    assert main(["calibrate", "--district", str(county), "--write"]) == 0
    assert f"wrote the fitted values into {county / 'calibration.yaml'}" in capsys.readouterr().out
    assert (county / "calibration.yaml").is_file()
    assert (ROOT / "params" / "baseline.yaml").read_bytes() == baseline


def test_template_targets_file_loads():
    from simulate.analysis.calibrate import load_targets

    targets, params = load_targets(TEMPLATES / "targets.yaml")
    assert {t.indicator for t in targets} >= {"dropout_rate.junior", "consolidation_rate.nine_year",
                                             "disabled_enrolment_rate"}
    assert len(params) == 3
