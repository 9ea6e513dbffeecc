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
