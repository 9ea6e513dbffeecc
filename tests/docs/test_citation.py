"""CITATION.cff is valid Citation File Format 1.2.0 and names the package's version, as do the
README's citation, the changelog and every manifest the package writes.

The schema is the format's own JSON schema (CFF 1.2.0, CC-BY-4.0, by the citation-file-format
project), kept in tests/fixtures/citation-cff-1.2.0.schema.json as shipped inside the cffconvert 2.0.0
wheel: cffconvert itself pins jsonschema 3, which the shared environment (jsonschema 4) cannot take,
so the check runs the same schema with jsonschema directly.
"""

from __future__ import annotations

import datetime
import json
import re
import tomllib
from pathlib import Path

import jsonschema
import yaml

import simulate

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "tests" / "fixtures" / "citation-cff-1.2.0.schema.json").read_text(encoding="utf-8"))


def cff(text: str | None = None) -> dict:
    data = yaml.safe_load(text if text is not None else (ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    # YAML reads an unquoted date as a date; CFF's schema wants the string
    return {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in data.items()}


def problems(data: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    return [f"{'.'.join(map(str, e.path)) or '(top)'}: {e.message}" for e in validator.iter_errors(data)]


def test_the_schema_check_can_fail():
    good = cff()
    assert problems({**good, "cff-version": "9.9"}) != []
    assert problems({k: v for k, v in good.items() if k != "authors"}) != []
    assert problems({**good, "version": 1.0, "colour": "blue"}) != []


def test_citation_cff_is_valid_and_names_the_package_version():
    data = cff()
    assert problems(data) == []
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert data["version"] == version == simulate.__version__


def test_readme_and_changelog_cite_the_same_version():
    version = simulate.__version__
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.findall(r"\(version (\d[\w.]*)\)", readme) == [version]
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"(?m)^## {re.escape(version)} ", changelog)
    assert "## Unreleased" in changelog and "Findings moved" in changelog


def test_every_manifest_records_the_package_version(tmp_path):
    from simulate.provenance import manifest

    written = manifest({"run": 0}, "0" * 64, "0" * 64, repo_dir=tmp_path)
    assert written["packages"]["simulate"] == simulate.__version__
    committed = json.loads((ROOT / "findings" / "manifest.json").read_text(encoding="utf-8"))
    assert committed["packages"]["simulate"] == simulate.__version__
