"""pyproject.toml and environment.yml must declare the same dependencies."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> set[str]:
    m = re.match(r"\s*([A-Za-z0-9_.-]+)(\[([^\]]+)\])?\s*([<>=!~].*)?$", requirement)
    assert m, requirement
    name = m.group(1).lower().replace("_", "-")
    extras = {e.strip().lower() for e in (m.group(3) or "").split(",") if e.strip()}
    # conda splits dask[distributed] into dask + distributed
    return {name} | (extras if name == "dask" else set())


def _bound(requirement: str) -> str:
    m = re.search(r"(>=|==|~=)\s*([0-9][^,;\s]*)", requirement)
    return m.group(2) if m else ""


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str) and not d.startswith(("python", "pip"))]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    py_names = {n for r in project["dependencies"] for n in _name(r)}
    conda_names = {n for r in conda for n in _name(r)}
    assert py_names == conda_names, (
        f"only in pyproject.toml: {sorted(py_names - conda_names)}; only in environment.yml: {sorted(conda_names - py_names)}")
    py_bounds = {n: _bound(r) for r in project["dependencies"] for n in _name(r)}
    for r in conda:
        for n in _name(r):
            assert _bound(r) == py_bounds[n], f"{n}: environment.yml has {_bound(r)!r}, pyproject.toml {py_bounds[n]!r}"
    assert any("-e ." in p for p in pip), "environment.yml must pip-install the package itself (-e .[dev])"
    assert env["channels"] == ["conda-forge"]


def test_console_script_and_src_layout():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["simulate"] == "simulate.cli:main"
    assert (ROOT / "src" / "simulate" / "__init__.py").exists()


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text()
