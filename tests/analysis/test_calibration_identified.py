"""A calibration target no fitted parameter can move is reported "not identified" and does not block
--write (issue 20)."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from simulate.analysis.calibrate import calibrate, write_overlay
from simulate.inputs.load import load_district

ROOT = Path(__file__).resolve().parents[2]


def test_unmovable_target_is_reported_not_identified_and_the_rest_is_written(tmp_path):
    county = tmp_path / "county"
    shutil.copytree(ROOT / "data" / "example_county", county)
    (county / "calibration.yaml").unlink()
    spec = yaml.safe_load((county / "targets.yaml").read_text(encoding="utf-8"))
    spec["targets"]["disabled_enrolment"]["value"] = 0.95  # ≈ 0.996 whatever the intercepts
    (county / "targets.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    d = load_district(county, calibration=False)
    report = calibrate(d, county / "targets.yaml")  # no CalibrationError
    assert report.not_identified() == ["disabled_enrolment"]
    assert report.all_met and report.unmet() == []
    row = report.table.set_index("target").loc["disabled_enrolment"]
    assert not row["met"] and row["fitted_value"] > 0.99
    assert "disabled_enrolment: not identified by these parameters" in str(report)
    text = write_overlay(d, county / "targets.yaml", report).read_text(encoding="utf-8")
    assert "met: false, identified: false" in text
    assert load_district(county).calibration is not None  # the overlay it wrote loads
