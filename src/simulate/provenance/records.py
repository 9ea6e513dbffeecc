"""CSVs and manifests: every table written the same way, every output saying where it came from.

:func:`write_csv` (same DataFrame → byte-identical file on any machine) and
:func:`manifest` (the provenance record beside every output: commit, hashes,
seeds, package versions, the district's calibration overlay).
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .hashes import DEFAULT_PACKAGES, git_commit, package_versions
from .rule import TOOL

# ------------------------------------------------------------------ district calibration overlays
#: data hash -> the calibration overlay the district with that data was loaded with
#: (``{"file": ..., "sha256": ...}``; None: none, the intercepts of params/baseline.yaml).
_DISTRICT_CALIBRATIONS: dict[str, dict[str, str] | None] = {}


def note_district_calibration(data_hash: str, record: Mapping[str, str] | None) -> None:
    """Remember (for :func:`manifest`) whether the district with ``data_hash`` carries a calibration overlay.

    :func:`simulate.inputs.load.load_district` calls it for every district it
    loads; the last load of the same data wins."""
    _DISTRICT_CALIBRATIONS[data_hash] = None if record is None else dict(record)


def _district_calibration(data_hash: Any, extra: Mapping[str, Any] | None) -> tuple[bool, Any]:
    district = (extra or {}).get("district")
    for key in (data_hash, district.get("data_hash") if isinstance(district, Mapping) else None):
        if isinstance(key, str) and key in _DISTRICT_CALIBRATIONS:
            return True, _DISTRICT_CALIBRATIONS[key]
    return False, None



def write_csv(df: Any, path: str | os.PathLike[str], float_decimals: int = 6) -> Path:
    """Write a table as CSV, deterministically. THE way every table is written.

    Same DataFrame content → byte-identical file, on any machine:

    * columns in the order given (reorder ``df`` before calling), no index;
    * float columns rounded with ``DataFrame.round(float_decimals)`` — numpy's
      rounding, half to even, to 6 decimals by default — then written with
      Python's shortest round-trip repr (``float_format=None``). Rounding hides
      the last-bit noise that summation order, BLAS builds or CPU instructions
      leave in results, which would otherwise make identical runs differ in
      their 16th digit; 6 decimals is far below any reported precision.
      Negative zero left by rounding is written as 0.0;
    * UTF-8, "\\n" line endings on every platform.

    Parent folders are created. Returns the path written.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    table = df.round(float_decimals)
    floats = table.select_dtypes(include="floating").columns
    if len(floats):
        table = table.copy()
        table[floats] = table[floats] + 0.0  # -0.0 + 0.0 == +0.0
    table.to_csv(out, index=False, lineterminator="\n", float_format=None, encoding="utf-8")
    return out


def manifest(
    seeds: Mapping[str, Any],
    params_hash: str,
    data_hash: str,
    extra: Mapping[str, Any] | None = None,
    *,
    run_seconds: float | None = None,
    repo_dir: str | os.PathLike[str] | None = None,
    packages: Iterable[str] = DEFAULT_PACKAGES,
    output_kind: str | None = None,
) -> dict[str, Any]:
    """The provenance record written beside every output (as JSON).

    Keys: ``written_by`` ("simulate": how :func:`check_output_target` knows a
    previous output), ``output_kind`` when given (the folder's kind, e.g.
    "compare"), ``git_commit`` (of ``repo_dir``, default the current folder),
    ``params_sha256``, ``data_sha256``, ``seeds``, ``packages`` (versions),
    ``python``, ``platform``, ``created_utc`` (ISO 8601, seconds), and
    ``run_seconds`` when given; ``extra`` entries are added last and may not
    overwrite these keys.

    ``district_calibration`` (after ``data_sha256``) says whether the district's
    own calibration overlay was used, for a district loaded from a folder in
    this process (:func:`note_district_calibration`; matched by ``data_hash``
    or ``extra["district"]["data_hash"]``): ``{"file": ..., "sha256": ...}`` of
    its ``calibration.yaml``, or None when the intercepts of
    params/baseline.yaml (Banan's) were used. Absent for data not loaded from
    a folder (a district built in memory).
    """
    known, calibration = _district_calibration(data_hash, extra)
    record: dict[str, Any] = {
        "written_by": TOOL,
        **({"output_kind": output_kind} if output_kind else {}),
        "git_commit": git_commit(repo_dir),
        "params_sha256": params_hash,
        "data_sha256": data_hash,
        **({"district_calibration": calibration} if known else {}),
        "seeds": dict(seeds),
        "packages": package_versions(packages),
        "python": platform.python_version(),
        "implementation": sys.implementation.name,
        "platform": platform.platform(),
        "created_utc": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
    }
    if run_seconds is not None:
        record["run_seconds"] = round(float(run_seconds), 3)
    for key, value in (extra or {}).items():
        if key in record:
            raise ValueError(f"manifest: extra key {key!r} would overwrite a provenance field")
        record[key] = value
    return record
