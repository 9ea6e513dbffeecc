"""Reading the project's YAML files (scenarios, calibration targets, sweep grids).

One place that turns a missing file, a YAML syntax error or a top level that is
not a mapping into the caller's own error type, with the file named first.
"""

from __future__ import annotations

from pathlib import Path

import yaml


def read_mapping(path: str | Path, error: type[Exception], expected: str = "a mapping at the top level",
                 missing: str = "no such file") -> dict:
    """The YAML mapping in ``path``; otherwise raise ``error("<path>: ...")``."""
    path = Path(path)
    if not path.is_file():
        raise error(f"{path}: {missing}")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise error(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise error(f"{path}: expected {expected}")
    return doc
