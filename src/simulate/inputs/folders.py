"""Where district folders are, and what makes a folder one (no reading: :mod:`simulate.inputs.load` reads them)."""

from __future__ import annotations

import os
from pathlib import Path

from .district import ENROLMENT_FILE, SCHOOLS_FILE

__all__ = ["DISTRICT_FILES", "default_data_dir", "is_district_folder", "district_folders"]

DISTRICT_FILES = (SCHOOLS_FILE, ENROLMENT_FILE)


def default_data_dir() -> Path:
    """The folder holding district folders: $SIMULATE_DATA_DIR, else the repo's data/ (found from this file)."""
    env = os.environ.get("SIMULATE_DATA_DIR")
    if env:
        return Path(env)
    for parent in Path(__file__).resolve().parents:
        if (parent / "data" / "banan").is_dir():
            return parent / "data"
    return Path.cwd() / "data"


def is_district_folder(folder: str | os.PathLike) -> bool:
    """Whether ``folder`` is meant as a district: it holds schools.csv or enrolment.csv (how ``simulate
    validate`` and the dashboard's district dropdown recognise one; whether it loads is another matter)."""
    folder = Path(folder)
    return any((folder / f).is_file() for f in DISTRICT_FILES)


def district_folders(data_dir: str | os.PathLike | None = None) -> list[Path]:
    """The district folders directly under ``data_dir`` (default :func:`default_data_dir`), sorted by
    name; folders such as data/templates that hold neither file are not districts."""
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    if not root.is_dir():
        return []
    return [d for d in sorted(root.iterdir()) if d.is_dir() and is_district_folder(d)]
