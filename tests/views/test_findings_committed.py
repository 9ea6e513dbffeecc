"""The committed findings/ are what the code and parameters produce.

CI regenerates every run of params/findings.yaml with its published parameters
(about two minutes on two cores, so no reduced-draws shortcut is needed) and
compares every table under findings/<run>/tables/ byte for byte with the
committed one. Tables are written by simulate.provenance.write_csv (floats
rounded to 6 decimals), all randomness comes from seeded streams, so any
difference means a change in the model, its parameters or its data that was
not followed by `make findings`.
"""

from pathlib import Path

import pytest

from simulate.views.findings.pipeline import check_against_committed, load_findings_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_committed_findings_match_a_fresh_regeneration():
    config = ROOT / "params" / "findings.yaml"
    runs = [r.name for r in load_findings_config(config).runs]
    for name in runs:
        tables = sorted((ROOT / "findings" / name / "tables").glob("*.csv"))
        assert tables, f"findings/{name}/tables/ is empty or missing: run `make findings` and commit"
    assert (ROOT / "findings" / "index.md").exists() and (ROOT / "findings" / "manifest.json").exists()
    differences = check_against_committed(config, committed=ROOT / "findings", tables_only=True, jobs=2,
                                          repo_root=ROOT, progress=False)
    assert differences == [], "committed findings differ from a fresh regeneration:\n" + "\n".join(differences[:20])
