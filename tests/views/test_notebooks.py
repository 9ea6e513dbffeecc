"""Claims about notebooks/: stored clean, parameterised, and every research notebook runs.

* Every notebook is stored without outputs, with a ``python3`` kernelspec and
  exactly one ``parameters`` cell, and passes nbformat validation.
* Every key of every parameters file named in ``params/findings.yaml`` is a
  parameter its notebook declares (``papermill.inspect_notebook``).
* The research notebooks (01, 02, 04, 05, 06) execute with papermill and tiny
  parameters on a small synthetic district, writing tables, figures and a
  headline (marked slow: a kernel start costs a few seconds).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import papermill
import pytest
import yaml

from simulate.inputs.synthesize import synthesize

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
FINDINGS_CONFIG = ROOT / "params" / "findings.yaml"
ALL_NOTEBOOKS = sorted(NOTEBOOKS.glob("*.ipynb"))

#: Tiny parameters per research notebook (``district_path`` and ``out_dir`` are added by the test).
TINY = {
    "01_district_baseline.ipynb": {"years": 2, "validation_draws": 4},
    "02_scenario_comparison.ipynb": {"scenarios": ["baseline", "no_policy", "targeted_aid"], "draws": 4, "years": 2},
    "04_dropout_determinants.ipynb": {"scenarios": ["baseline", "no_policy"], "years": 2, "n_pupils": 20000},
    "05_budget_tradeoffs.ipynb": {
        "levers": {"support teachers": {"path": "teachers.support.count", "values": [60, 120]},
                   "student aid, registered poor": {"path": "budget.student_aid.registered_poor.yuan_per_pupil",
                                                    "values": [3000, 4000]}},
        "extra_budget_yuan_per_year": 1000000, "curve_draws": 2,
        "scenarios": ["baseline", "targeted_aid"], "draws": 4, "years": 2,
    },
    "06_sensitivity.ipynb": {"scenarios": ["targeted_aid"], "years": 2, "morris_r": 2, "sobol_n": 8,
                             "discovery_n": 40},
}


def parameter_cells(nb) -> list:
    return [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]


def unknown_parameter_messages(config_path: Path) -> list[str]:
    """One message per parameters-file key its notebook does not declare (naming notebook, file and key)."""
    root = config_path.parent.parent
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    messages = []
    for run in config["runs"]:
        if not run.get("parameters"):
            continue
        notebook, params_file = root / run["notebook"], root / run["parameters"]
        declared = papermill.inspect_notebook(str(notebook))
        values = yaml.safe_load(params_file.read_text(encoding="utf-8")) or {}
        messages += [f"{run['parameters']}: key '{key}' is not a parameter of {run['notebook']} "
                     f"(it declares: {', '.join(declared)})" for key in values if key not in declared]
    return messages


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_clean_and_parameterised(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", f"{path.name}: kernelspec must be python3"
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{path.name}: cells {dirty} are stored with outputs (strip them, e.g. nbstripout)"
    params = parameter_cells(nb)
    assert len(params) == 1, f"{path.name}: expected exactly one cell tagged 'parameters', found {len(params)}"
    assert "out_dir" in papermill.inspect_notebook(str(path)), f"{path.name}: the parameters cell must declare out_dir"


def test_every_findings_parameter_is_declared_by_its_notebook():
    messages = unknown_parameter_messages(FINDINGS_CONFIG)
    assert not messages, "\n".join(messages)


def test_an_unknown_parameter_is_reported_with_notebook_and_key(tmp_path):
    (tmp_path / "notebooks").mkdir()
    notebook = next(p for p in ALL_NOTEBOOKS if p.name.startswith("02_"))
    (tmp_path / "notebooks" / notebook.name).write_bytes(notebook.read_bytes())
    (tmp_path / "params" / "findings").mkdir(parents=True)
    (tmp_path / "params" / "findings" / "bad.yaml").write_text("draws: 3\ndraw_count: 5\n")
    config = tmp_path / "params" / "findings.yaml"
    config.write_text(yaml.safe_dump({"runs": [{"name": "bad", "notebook": f"notebooks/{notebook.name}",
                                                "parameters": "params/findings/bad.yaml"}]}))
    (message,) = unknown_parameter_messages(config)
    assert message.startswith(f"params/findings/bad.yaml: key 'draw_count' is not a parameter of notebooks/{notebook.name}")


@pytest.fixture(scope="module")
def small_district(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("district")
    synthesize(30, 0).to_dir(folder)
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(TINY))
def test_research_notebook_runs_with_tiny_parameters(name, small_district, tmp_path):
    out = tmp_path / "out"
    papermill.execute_notebook(
        str(NOTEBOOKS / name), str(tmp_path / name), kernel_name="python3", cwd=str(NOTEBOOKS),
        parameters={**TINY[name], "district_path": str(small_district), "out_dir": str(out)},
        progress_bar=False, log_output=False,
    )
    tables, figures = sorted((out / "tables").glob("*.csv")), sorted((out / "figures").glob("*.png"))
    assert tables and all(t.stat().st_size > 0 for t in tables), f"{name}: no tables written"
    assert figures, f"{name}: no figures written"
    headline = json.loads((out / "headline.json").read_text(encoding="utf-8"))
    assert headline and all(set(h) == {"label", "value", "unit"} for h in headline)
    executed = nbformat.read(tmp_path / name, as_version=4)
    for i, cell in enumerate(executed.cells):  # what a reader sees: tables for people, prose, no stray values
        for output in cell.get("outputs", []):
            for kind in ("text/html", "text/markdown"):
                shown = output.get("data", {}).get(kind, "")
                assert not re.search(r"\d\.\d+e[+-]\d\d", shown), f"{name}: cell {i} shows scientific notation"
            plain = output.get("data", {}).get("text/plain", "")
            assert not re.fullmatch(r"\d+|PosixPath\(.*\)", plain), f"{name}: cell {i} echoes a stray value {plain!r}"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.name)
def test_out_dir_defaults_to_the_repository_not_the_callers_folder(path):
    """Run by hand (papermill from any folder, or Jupyter) a notebook writes under the repository's outputs/."""
    declared = papermill.inspect_notebook(str(path))
    assert declared["out_dir"]["default"] == "None", f"{path.name}: out_dir should default to None"
    nb = nbformat.read(path, as_version=4)
    setup = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "Path(out_dir)" not in setup, f"{path.name}: resolve out_dir with notebook_out_dir (or skip writing)"
