"""Everything takes the district: notebooks' district_path, the dashboard and findings (issue 11, part 4)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import papermill
import pytest

from simulate.cli import main
from simulate.inputs.load import load_district

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "data" / "example_county"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


# the calibration report (notebook 07) is of the reference district's Bayesian calibration against the registry
# of published figures; a county's own calibration and validity statement are in notebook 01 (issue 20). Taking a
# district there is open work (issue 19), so it is named here rather than left to fail.
REFERENCE_ONLY = {"07_calibration.ipynb"}


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.name not in REFERENCE_ONLY], ids=lambda p: p.name)
def test_every_notebook_declares_and_uses_district_path(path):
    assert "district_path" in papermill.inspect_notebook(str(path))
    code = "".join("".join(c["source"]) for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
                   if c["cell_type"] == "code")
    assert "load_district(district_path)" in code or "district=district_path" in code


def test_default_district_from_the_environment(monkeypatch):
    monkeypatch.setenv("SIMULATE_DISTRICT", str(EXAMPLE))
    assert load_district().name == "example_county"
    monkeypatch.delenv("SIMULATE_DISTRICT")
    assert load_district().name == "banan"


def test_make_passes_the_district_to_dashboard_and_findings():
    def dry(*args):
        # run as a top-level make even under `make test` (a sub-make prints "Leaving directory" lines)
        env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
        return subprocess.run(["make", "--no-print-directory", "-n", "-W", "pyproject.toml", *args], cwd=ROOT,
                              env=env, capture_output=True,
                              text=True, check=True).stdout.splitlines()[-1]
    assert dry("dashboard", "DISTRICT=data/example_county").endswith("simulate dashboard --district data/example_county")
    assert "simulate findings --district data/example_county --out findings-example_county" in \
        dry("findings", "DISTRICT=data/example_county")
    assert dry("findings", "DISTRICT=data/example_county/").endswith("--out findings-example_county")
    assert dry("findings").rstrip().endswith("simulate findings")


def test_findings_check_with_a_district_is_refused(capsys):
    assert main(["findings", "--district", str(EXAMPLE), "--check"]) == 1
    assert "--district" in capsys.readouterr().err


@pytest.mark.slow
def test_notebook_01_shows_another_district_and_its_calibration_fit(tmp_path):
    out = tmp_path / "out"
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "01_district_baseline.ipynb"), str(tmp_path / "01.ipynb"), kernel_name="python3",
        cwd=str(ROOT / "notebooks"), progress_bar=False, log_output=False,
        parameters={"district_path": str(EXAMPLE), "out_dir": str(out), "years": 2, "validation_draws": 4})
    tables = {p.name for p in (out / "tables").glob("*.csv")}
    assert "baseline_vs_published" + ".csv" not in tables  # the Banan report is compared only for Banan
    assert {"district_by_location_level.csv", "calibration_fit.csv"} <= tables  # the district's own targets.yaml
    assert "district_check.csv" in tables and "validation.csv" not in tables  # never Banan's validation score
    text = (tmp_path / "01.ipynb").read_text(encoding="utf-8")
    assert "is not Banan" in text and "What can be said of the model's validity on example_county" in text
    assert "disabled_enrolment not identified by the fitted parameters" in text
    headline = json.loads((out / "headline.json").read_text(encoding="utf-8"))
    assert {"label": "pupils enrolled, 2019", "value": 7418, "unit": "pupils"} in headline  # as imported
    assert not any("independent published figures" in h["label"] for h in headline)
