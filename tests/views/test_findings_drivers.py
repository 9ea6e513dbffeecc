"""Claim: the findings index says what each finding rests on when a run wrote tables/drivers.csv."""

from __future__ import annotations

import pandas as pd

from simulate.provenance import write_csv
from simulate.views.findings.report import _write_index


def record():
    return {"config": "params/findings.yaml", "git_commit": "abc", "created_utc": "2026-01-01T00:00:00Z",
            "runs": {"sensitivity": {"notebook": "notebooks/06_sensitivity.ipynb", "seconds": 1.0},
                     "other": {"notebook": "notebooks/02.ipynb", "seconds": 1.0}},
            "seeds": {}, "params_sha256": "p", "data_sha256": "d", "python": "3.11", "platform": "linux",
            "packages": {}}


def test_index_lists_each_findings_drivers_sentence(tmp_path):
    (tmp_path / "other").mkdir()
    write_csv(pd.DataFrame({"target": ["targeted_aid − baseline: dropout_gap.poor.junior"],
                            "sentence": ["This result depends mainly on assumptions: the assumed x; "
                                         "parameters whose source is an assumption carry 70% of its variance."]}),
              tmp_path / "sensitivity" / "tables" / "drivers.csv")
    _write_index(tmp_path, record(), ["sensitivity", "other"])
    text = (tmp_path / "index.md").read_text(encoding="utf-8")
    section = text.split("## sensitivity")[1].split("## other")[0]
    assert "**What these findings rest on**" in section
    assert "- targeted_aid − baseline: dropout_gap.poor.junior: This result depends mainly on assumptions" in section
    assert "What these findings rest on" not in text.split("## other")[1]   # no drivers.csv, no section
    assert "carry 70% of its variance" in (tmp_path / "index.html").read_text(encoding="utf-8")


def test_index_flags_findings_that_rest_on_assumptions_and_indices_that_did_not_converge(tmp_path):
    write_csv(pd.DataFrame({
        "target": ["a − baseline: x", "b − baseline: x", "c − baseline: x"],
        "converged": [True, False, True], "depends_on_assumptions": [True, None, False],
        "sentence": ["This result depends mainly on assumptions: the assumed y; …",
                     "Indices not converged, so no driver is named: a total-effect index moves by 0.2 …",
                     "This result depends mainly on z (evidence, 80%); …"]}),
        tmp_path / "sensitivity" / "tables" / "drivers.csv")
    _write_index(tmp_path, record(), ["sensitivity"])
    text = (tmp_path / "index.md").read_text(encoding="utf-8")
    assert "1 of 3 depend mainly on assumptions; 1 of 3 have indices that did not converge (no driver named)." in text
    assert "- a − baseline: x: **Depends mainly on assumptions.** This result" in text
    assert "- b − baseline: x: **Not converged.** Indices not converged" in text
    assert "- c − baseline: x: This result depends mainly on z" in text
