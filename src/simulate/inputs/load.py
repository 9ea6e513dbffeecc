"""Reading a district: a folder of CSV files, or DataFrames in memory, through the checks into a District.

:func:`load_district` reads ``schools.csv`` and ``enrolment.csv`` from a folder;
:func:`district_from_frames` takes the same tables as DataFrames (the
synthesiser uses it). Both run every check of :mod:`simulate.inputs.validation`
and raise ONE :class:`~simulate.inputs.district.DistrictError` listing every
problem, naming the file, the row (CSV line number, header = row 1) and the column.

:func:`load_district` also reads the folder's calibration overlay
(``calibration.yaml``, written by ``simulate calibrate --district DIR --write``;
:mod:`simulate.inputs.overlay`) into ``District.calibration``, and tells
:mod:`simulate.provenance` whether one was used, so every manifest with this
district's data hash records it.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pandas as pd

from .district import ENROLMENT_FILE, SCHOOLS_FILE, District, DistrictError, _hash
from .folders import DISTRICT_FILES, default_data_dir, district_folders, is_district_folder
from .validation import _build, _read_csv, _Report

__all__ = ["DISTRICT_FILES", "default_data_dir", "district_folders", "district_from_frames", "is_district_folder",
           "load_district"]


def district_from_frames(name: str, schools: pd.DataFrame, enrolment: pd.DataFrame,
                         source: str = "memory") -> District:
    """Validate a schools table and a long enrolment table (columns as in the CSV files) into a District.

    Cells may be strings (as read from CSV) or numbers. Errors name
    ``schools.csv``/``enrolment.csv`` and the row each would have in the file
    (header = row 1). ``data_hash`` is the sha256 of the canonical CSV bytes.
    """
    for label, frame in ((SCHOOLS_FILE, schools), (ENROLMENT_FILE, enrolment)):
        if not isinstance(frame, pd.DataFrame):
            raise DistrictError(f"{source}: {label}: expected a pandas DataFrame, got {type(frame).__name__}")
    return _build(name, schools, enrolment, source, SCHOOLS_FILE, ENROLMENT_FILE, source, None)


def load_district(path: str | os.PathLike | None = None, calibration: bool = True) -> District:
    """Load and validate a district folder holding schools.csv and enrolment.csv.

    ``path``: a folder; or a district name under :func:`default_data_dir`
    (``"banan"``); ``None`` = the default district: the folder in the
    environment variable ``SIMULATE_DISTRICT`` when set (``make dashboard
    DISTRICT=data/x`` sets it for the dashboard's kernel), else data/banan.
    Raises one :class:`DistrictError` listing every problem found.

    With ``calibration`` (the default) the folder's ``calibration.yaml``, if
    any, is validated and carried as ``District.calibration`` (the engine
    applies it, :func:`simulate.inputs.scaling.for_district`); a bad file is
    one DistrictError naming the file and each bad key. ``calibration=False``
    ignores the file (``simulate calibrate --write`` replacing its own).
    """
    if path is None and os.environ.get("SIMULATE_DISTRICT"):
        path = os.environ["SIMULATE_DISTRICT"]
    if path is None:
        folder = default_data_dir() / "banan"
    elif not isinstance(path, (str, os.PathLike)) or isinstance(os.fspath(path), bytes) or not str(path).strip():
        raise DistrictError(f"district: expected a folder path or a district name, got {path!r:.80}")
    else:
        from .limits import path_problem

        problem = path_problem(path)
        if problem:
            raise DistrictError(f"district: {str(path)[:80]!r} {problem}")
        folder = Path(path)
        if not folder.is_dir() and folder.name == str(path) and (default_data_dir() / folder.name).is_dir():
            folder = default_data_dir() / folder.name
    if not folder.is_dir():
        raise DistrictError(f"{folder}: district folder not found",
                            [f"{folder}: expected a folder with {SCHOOLS_FILE} and {ENROLMENT_FILE}"])
    labels = [str(folder / f) for f in (SCHOOLS_FILE, ENROLMENT_FILE)]
    report = _Report(*labels)
    frames, raw = [], []
    for label in labels:
        df, data = _read_csv(Path(label), label, report)
        frames.append(df)
        raw.append(data)
    file_hash = _hash(*raw) if None not in raw else None
    district = _build(folder.name, frames[0], frames[1], str(folder), labels[0], labels[1], str(folder),
                      file_hash, report)
    if not calibration:
        return district
    from ..provenance import note_district_calibration
    from .overlay import load_overlay

    overlay = load_overlay(folder)
    note_district_calibration(district.data_hash, None if overlay is None else overlay.record())
    return district if overlay is None else dataclasses.replace(district, calibration=overlay)
