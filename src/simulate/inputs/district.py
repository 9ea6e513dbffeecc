"""The district: its schools, and its pupils by school, grade and group.

A district is two tidy CSV files in one folder (``data/<district>/``):

``schools.csv``
    one row per school (columns: :data:`SCHOOL_COLUMNS`).
``enrolment.csv``
    one row per (school, grade, group) cell with pupils enrolled and children
    out of school at the start (columns: :data:`ENROLMENT_COLUMNS`).

This module holds the :class:`District` type, the column specs and the canonical
bytes of a district; it imports nothing of the checks. The column rules live in
:mod:`simulate.inputs.validation`, and :mod:`simulate.inputs.load` reads a folder
(:func:`~simulate.inputs.load.load_district`) or DataFrames in memory
(:func:`~simulate.inputs.load.district_from_frames`, the synthesiser's way in)
through them into a District, whose cell arrays are shaped
``(school, grade, group)`` for the engine. Every problem found is collected and
raised as ONE :class:`DistrictError` naming the file, the row (the CSV line
number, header = row 1) and the column.

Groups: every combination of four flags; group index
``k = poor*1 + left_behind*2 + disabled*4 + migrant*8`` (see :func:`group_flags`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
from dataclasses import dataclass, field as _field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SimulateError

__all__ = [
    "GRADES", "GROUP_FLAGS", "N_GROUPS", "LEVELS", "LOCATIONS", "LEVEL_GRADES", "TEACHING_POINTS",
    "SCHOOL_COLUMNS", "OPTIONAL_SCHOOL_COLUMNS", "ENROLMENT_COLUMNS", "group_flags", "District",
    "DistrictError",
]

GRADES = 9  # grade index 0..8 = grades 1..9; primary 1-6, junior secondary 7-9
GROUP_FLAGS = ("poor", "left_behind", "disabled", "migrant")
N_GROUPS = 16
#: a teaching point (教学点) teaching grades 1–k; its grade-k leavers move on to its feeder school (the
#: town's central primary), as a primary's grade-6 leavers move to their junior school
TEACHING_POINTS = {f"teaching_point_{k}": k for k in (2, 3, 4, 5)}
LEVELS = ("primary", "junior", "nine_year", *TEACHING_POINTS)
LOCATIONS = ("urban", "town", "rural", "mountain")
LEVEL_GRADES = {"primary": (1, 6), "junior": (7, 9), "nine_year": (1, 9),  # first, last grade
                **{name: (1, k) for name, k in TEACHING_POINTS.items()}}

SCHOOLS_FILE = "schools.csv"
ENROLMENT_FILE = "enrolment.csv"

MAX_TEACHERS = 100_000       # per school: far above any real school, far below int64 trouble
MAX_CELL_PUPILS = 1_000_000  # per (school, grade, group) cell

# Column specs: name -> (kind, constraint). Kinds: "id" (non-empty school id),
# "ref" (empty or a school id), "text" (constraint True = must be non-empty),
# "category" (constraint = allowed values), "int"/"float" (constraint = (lo, hi),
# None = unbounded). The order is the canonical column order of the files.
SCHOOL_COLUMNS: dict[str, tuple[str, object]] = {
    "school_id": ("id", None),
    "name": ("text", True),
    "name_en": ("text", False),
    "town": ("text", True),
    "town_en": ("text", False),
    "level": ("category", LEVELS),
    "location": ("category", LOCATIONS),
    "boarding": ("int", (0, 1)),
    "boarding_share": ("float", (0.0, 1.0)),
    "teachers": ("int", (1, None)),
    "senior_teachers": ("int", (0, None)),
    "teacher_quality": ("float", (-5.0, 5.0)),
    "facility_index": ("float", (0.0, 1.0)),
    "feeder_school_id": ("ref", None),
}
#: columns a schools table may add. ``posts``: the school's teacher posts (编制) as the bureau set them, a
#: whole number ≥ 0, or an empty cell where the school hires up to the staffing norm
#: (``model/levers/teachers.py``). The column is written only when some school has posts, so a
#: district without them keeps its bytes and hash.
OPTIONAL_SCHOOL_COLUMNS: dict[str, tuple[str, object]] = {
    "posts": ("int?", (0, None)),
}
ENROLMENT_COLUMNS: dict[str, tuple[str, object]] = {
    "school_id": ("id", None),
    "grade": ("int", (1, GRADES)),
    **{flag: ("int", (0, 1)) for flag in GROUP_FLAGS},
    "enrolled": ("int", (0, None)),
    "out_of_school": ("int", (0, None)),
}
# Sanity caps on the open-ended counts (far above any real school, far below int64 trouble): a
# larger value is a typo or a unit error, refused with its own message.
CAPS: dict[str, int] = {"teachers": MAX_TEACHERS, "senior_teachers": MAX_TEACHERS, "posts": MAX_TEACHERS,
                        "enrolled": MAX_CELL_PUPILS, "out_of_school": MAX_CELL_PUPILS}


def group_flags() -> np.ndarray:
    """(16, 4) bool matrix; row k holds the flags (poor, left_behind, disabled, migrant) of group k."""
    return ((np.arange(N_GROUPS)[:, None] >> np.arange(len(GROUP_FLAGS))) & 1).astype(bool)


_FED_CODES = [LEVELS.index(lv) for lv in ("primary", *TEACHING_POINTS)]  # levels whose leavers go on to a feeder
_LEVEL_OFFERS = np.array(
    [[LEVEL_GRADES[lv][0] <= g + 1 <= LEVEL_GRADES[lv][1] for g in range(GRADES)] for lv in LEVELS]
)


class DistrictError(SimulateError, ValueError):
    """Bad district data. ``problems`` lists every problem; str() is a summary line plus one line each."""

    def __init__(self, summary: str, problems: list[str] | None = None):
        self.summary = summary
        self.problems = list(problems or [])
        super().__init__("\n".join([summary, *("  " + p for p in self.problems)]))


# ----------------------------------------------------------------------------- the District
@dataclass(frozen=True, eq=False)
class District:
    """A school district: the schools table and the initial (school, grade, group) cell arrays.

    ``enrolled`` and ``out_of_school`` are read-only float64 arrays shaped
    ``(n_schools, GRADES, N_GROUPS)``; copy them before changing state. Rows of
    ``schools`` (RangeIndex, file order) index the first axis.

    ``calibration`` is the district's own calibration overlay
    (:class:`simulate.inputs.overlay.Overlay`, read from ``calibration.yaml`` in
    its folder by :func:`~simulate.inputs.load.load_district`), or None: then
    the intercepts calibrated to Banan in params/baseline.yaml are used.
    """

    name: str
    schools: pd.DataFrame
    enrolled: np.ndarray
    out_of_school: np.ndarray
    source: str
    data_hash: str
    calibration: object = _field(default=None, repr=False)

    def __post_init__(self) -> None:
        missing = [c for c in SCHOOL_COLUMNS if c not in self.schools.columns]
        if missing:
            raise DistrictError(f"{self.source}: schools table lacks columns {missing}")
        shape = (len(self.schools), GRADES, N_GROUPS)
        for field in ("enrolled", "out_of_school"):
            arr = np.asarray(getattr(self, field), dtype=np.float64)
            if arr.shape != shape:
                raise DistrictError(f"{self.source}: {field} has shape {arr.shape}, expected {shape}")
            if not (np.isfinite(arr).all() and (arr >= 0).all()):
                raise DistrictError(f"{self.source}: {field} must hold finite counts ≥ 0")
            if arr.flags.writeable or not arr.flags.owndata:  # keep a private, read-only copy
                arr = arr.copy()
                arr.setflags(write=False)
            object.__setattr__(self, field, arr)

    def __repr__(self) -> str:
        return (f"District(name={self.name!r}, schools={self.n_schools}, "
                f"pupils={self.enrolled.sum():,.0f}, source={self.source!r}, "
                f"data_hash={self.data_hash[:12]!r})")

    # -- derived per-school arrays (computed once, read-only) ---------------------------
    @property
    def n_schools(self) -> int:
        return len(self.schools)

    @cached_property
    def location_code(self) -> np.ndarray:
        """int64 (S,): index into LOCATIONS."""
        return _codes(self.schools["location"], LOCATIONS)

    @cached_property
    def level_code(self) -> np.ndarray:
        """int64 (S,): index into LEVELS."""
        return _codes(self.schools["level"], LEVELS)

    @cached_property
    def offers_grade(self) -> np.ndarray:
        """bool (S, GRADES): whether the school teaches grade index g."""
        return _readonly(_LEVEL_OFFERS[self.level_code])

    @cached_property
    def feeder_index(self) -> np.ndarray:
        """int64 (S,): row of the school a primary's grade-6 completers (a teaching point's last-grade
        completers) enter; -1 for others."""
        ids = pd.Index(self.schools["school_id"].astype(str))
        idx = ids.get_indexer(self.schools["feeder_school_id"].astype(str)).astype(np.int64)
        idx[~np.isin(self.level_code, _FED_CODES)] = -1
        return _readonly(idx)

    @cached_property
    def leave_grade(self) -> np.ndarray:
        """int64 (S,): grade index whose completers move to the feeder school (5 for a primary, k − 1 for a
        teaching point of grades 1–k), -1 for schools without a feeder."""
        last = np.array([LEVEL_GRADES[lv][1] - 1 for lv in LEVELS], dtype=np.int64)[self.level_code]
        return _readonly(np.where(self.feeder_index >= 0, last, -1).astype(np.int64))

    @cached_property
    def teachers(self) -> np.ndarray:
        return _float_col(self.schools, "teachers")

    @cached_property
    def posts(self) -> np.ndarray:
        """float (S,): teacher posts (编制) the data give, NaN where the school hires up to the norm."""
        if "posts" not in self.schools.columns:
            return _readonly(np.full(self.n_schools, np.nan))
        return _readonly(pd.to_numeric(self.schools["posts"], errors="coerce").to_numpy(dtype=np.float64))

    @cached_property
    def senior_teachers(self) -> np.ndarray:
        return _float_col(self.schools, "senior_teachers")

    @cached_property
    def teacher_quality(self) -> np.ndarray:
        return _float_col(self.schools, "teacher_quality")

    @cached_property
    def facility_index(self) -> np.ndarray:
        return _float_col(self.schools, "facility_index")

    @cached_property
    def boarding_share(self) -> np.ndarray:
        return _float_col(self.schools, "boarding_share")

    def posts_given(self) -> bool:
        """Whether any school has posts (编制) in the data (else the ``posts`` column is not written)."""
        return bool(np.isfinite(self.posts).any())

    # -- tidy views and output -------------------------------------------------------
    def enrolment_frame(self) -> pd.DataFrame:
        """The long enrolment table exactly as ``enrolment.csv`` holds it (non-empty cells only)."""
        s, g, k = np.nonzero((self.enrolled + self.out_of_school) > 0)
        flags = group_flags()[k].astype(np.int64)
        return pd.DataFrame({
            "school_id": self.schools["school_id"].to_numpy(dtype=object)[s],
            "grade": g + 1,
            **{f: flags[:, j] for j, f in enumerate(GROUP_FLAGS)},
            "enrolled": self.enrolled[s, g, k].astype(np.int64),
            "out_of_school": self.out_of_school[s, g, k].astype(np.int64),
        })

    def to_dir(self, path: str | os.PathLike, force: bool = False,
               extra_files: dict[str, bytes] | None = None) -> None:
        """Write schools.csv, enrolment.csv and manifest.json as the district folder ``path``.

        Bytes are canonical (schools in district order, enrolment rows sorted by
        school row, grade, group; floats rounded to 6 decimals), so the same
        district always gives the same files and ``load_district(path).data_hash``
        equals the in-memory hash. ``manifest.json`` (``"output_kind": "district"``)
        marks the folder as written here.

        ``path`` follows the output rule of
        :func:`simulate.provenance.check_output_target`: it must not exist, be
        empty, or be a district folder written here before — the last only with
        ``force``, since a district is an input to everything else; other files
        in it (e.g. ``targets.yaml``) are kept. The folder is built beside
        ``path`` and swapped in whole: a failure leaves it exactly as it was.
        ``extra_files`` (name -> bytes, e.g. an import's notes) are written with them.
        """
        from ..provenance import MANIFEST_FILE, atomic_dir, manifest

        target = Path(path)
        files = dict(zip((SCHOOLS_FILE, ENROLMENT_FILE), _canonical_bytes(self)))
        files.update({k: v for k, v in (extra_files or {}).items() if k not in files and k != MANIFEST_FILE})
        with atomic_dir(target, "district", force=force) as tmp:
            if target.is_dir():  # a previous district folder: keep what was not written here
                for entry in target.iterdir():
                    if entry.name in files or entry.name == MANIFEST_FILE or entry.name.startswith(".district-"):
                        continue
                    if entry.is_dir() and not entry.is_symlink():
                        shutil.copytree(entry, tmp / entry.name, symlinks=True)
                    else:
                        shutil.copy2(entry, tmp / entry.name, follow_symlinks=False)
            for fname, data in files.items():
                (tmp / fname).write_bytes(data)
            record = manifest({}, None, self.data_hash, output_kind="district",
                              extra={"district": self.name, "source": self.source, "schools": self.n_schools,
                                     "files": list(files)})
            (tmp / MANIFEST_FILE).write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n",
                                            encoding="utf-8")


def _codes(col: pd.Series, categories: tuple[str, ...]) -> np.ndarray:
    return _readonly(pd.Index(categories).get_indexer(col.astype(str)).astype(np.int64))


def _float_col(df: pd.DataFrame, col: str) -> np.ndarray:
    return _readonly(df[col].to_numpy(dtype=np.float64, copy=True))


def _readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


# ----------------------------------------------------------------------------- canonical bytes
def _format_floats(x: np.ndarray) -> np.ndarray:
    """Round to 6 decimals and print without trailing zeros ('0.45', '-0.3821', '1')."""
    s = np.char.mod("%.6f", np.round(np.asarray(x, dtype=np.float64), 6) + 0.0)
    return np.char.rstrip(np.char.rstrip(s, "0"), ".")


def _canonical_bytes(d: District) -> tuple[bytes, bytes]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    cols = []
    spec = dict(SCHOOL_COLUMNS)
    if "posts" in d.schools.columns and d.posts_given():
        spec["posts"] = OPTIONAL_SCHOOL_COLUMNS["posts"]
    for col, (kind, _) in spec.items():
        values = d.schools[col]
        if kind == "int?":
            x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
            cols.append(["" if np.isnan(v) else str(int(v)) for v in x])
        elif kind == "float":
            cols.append(_format_floats(values.to_numpy(dtype=np.float64)).tolist())
        elif kind == "int":
            cols.append([str(v) for v in values.to_numpy(dtype=np.int64)])
        else:
            cols.append(values.fillna("").astype(str).tolist())
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(list(spec))
    writer.writerows(zip(*cols))
    schools_bytes = buf.getvalue().encode("utf-8")

    total = d.enrolled + d.out_of_school
    s, g, k = np.nonzero(total > 0)
    counts = {}
    for field in ("enrolled", "out_of_school"):
        v = getattr(d, field)[s, g, k]
        if not np.array_equal(v, np.round(v)):
            raise DistrictError(f"{d.source}: cannot write {field}: counts must be whole numbers")
        counts[field] = v.astype(np.int64)
    flags = group_flags()[k].astype(np.int64)
    table = pa.table({
        "school_id": pa.array(d.schools["school_id"].astype(str).tolist(), pa.string()).take(pa.array(s)),
        "grade": g.astype(np.int64) + 1,
        **{f: flags[:, j] for j, f in enumerate(GROUP_FLAGS)},
        **counts,
    })
    out = io.BytesIO()
    out.write((",".join(ENROLMENT_COLUMNS) + "\n").encode())
    if len(s):
        pacsv.write_csv(table, out, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    return schools_bytes, out.getvalue()


def _hash(schools_bytes: bytes, enrolment_bytes: bytes) -> str:
    h = hashlib.sha256()
    h.update(schools_bytes)
    h.update(enrolment_bytes)
    return h.hexdigest()
