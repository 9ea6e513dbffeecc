"""Validation of district data: the checks behind :func:`~simulate.inputs.district.load_district`.

Checks ``schools.csv`` and ``enrolment.csv`` (or DataFrames holding the same
columns) against the column specs :data:`~simulate.inputs.district.SCHOOL_COLUMNS` and
:data:`~simulate.inputs.district.ENROLMENT_COLUMNS`: every column present and no unknown
ones; ids well formed; categories known; numbers whole / in range. Across rows
of schools: unique school ids, senior teachers ≤ teachers, boarding share 0 for
non-boarding schools, every primary school feeding an existing junior or
nine_year school (and no other school having a feeder). Across tables: every
enrolment row names a known school and a grade that school offers, with no
duplicate (school, grade, group) cells. Every problem found is collected by
_Report and raised as ONE :class:`~simulate.inputs.district.DistrictError` naming the
file, the row (CSV line number, header = row 1) and the column. :func:`_build`
turns valid tables into a :class:`~simulate.inputs.district.District`.
"""

from __future__ import annotations

import csv
import difflib
import io
from functools import cached_property
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from .district import (
    _LEVEL_OFFERS, CAPS, ENROLMENT_COLUMNS, GRADES, GROUP_FLAGS, LEVEL_GRADES, LEVELS, N_GROUPS,
    OPTIONAL_SCHOOL_COLUMNS, SCHOOL_COLUMNS, TEACHING_POINTS, District, DistrictError, _canonical_bytes, _hash,
)

_ID_PATTERN = r"[\w.\-]+"  # letters (any script), digits, '_', '.', '-': never needs CSV quoting
_MAX_SHOWN = 20  # rows listed per (file, column, problem); the rest are counted


# ----------------------------------------------------------------------------- reading
def _read_csv(path: Path, label: str, report: "_Report") -> tuple[pd.DataFrame | None, bytes | None]:
    """The table in ``path`` as text cells, or None with the problem reported: missing or unreadable
    file, empty file, bytes that are not UTF-8 (the row of the first bad byte), NUL characters,
    unbalanced quotes, a header with empty or repeated column names, or a row whose number of
    cells differs from the header's (its row number: the CSV line, header = row 1)."""
    if not path.is_file():  # (load_district has checked the folder's path: not too long, no NUL)
        report.add(label, f"{label}: file not found" + (" (it is a folder)" if path.is_dir() else ""))
        return None, None
    try:
        data = path.read_bytes()
    except OSError as exc:
        report.add(label, f"{label}: cannot read the file: {exc.strerror or exc}")
        return None, None
    if not data.strip():
        report.add(label, f"{label}: file is empty (expected a header row)")
        return None, data
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        report.add(label, f"{label} row {row}: not UTF-8 text (byte 0x{data[exc.start]:02x}); "
                          "save the file as UTF-8 (e.g. 'CSV UTF-8' in Excel)", row)
        return None, data
    if "\x00" in text:
        row = text.count("\n", 0, text.index("\x00")) + 1
        report.add(label, f"{label} row {row}: contains a NUL character (is it a binary file?)", row)
        return None, data
    if not _check_shape(text, label, report):
        return None, data
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:  # what the shape check missed
        report.add(label, f"{label}: not a readable CSV file: {str(exc).strip().splitlines()[-1]}")
        return None, data
    df.columns = [str(c).strip() for c in df.columns]
    return df, data


def _check_shape(text: str, label: str, report: "_Report") -> bool:
    """Header names present and distinct; every row as many cells as the header (blank lines skipped)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems = 0
    try:
        header = [h.strip() for h in next(reader)]
        seen: dict[str, int] = {}
        for i, name in enumerate(header, 1):
            if not name:
                report.add(label, f"{label} row 1: column {i} of the header has no name", 1)
                problems += 1
            elif name in seen:
                report.add(label, f"{label} row 1: column '{name}' appears twice (columns {seen[name]} and {i})", 1)
                problems += 1
            seen.setdefault(name, i)
        bad = []
        for row in reader:
            if row and len(row) != len(header):
                bad.append((reader.line_num, len(row)))
        for line, n in bad[:_MAX_SHOWN]:
            report.add(label, f"{label} row {line}: {n} cell{'s' if n != 1 else ''}, but the header has "
                              f"{len(header)} columns", line)
        if len(bad) > _MAX_SHOWN:
            report.add(label, f"{label}: ... and {len(bad) - _MAX_SHOWN} more rows with the wrong number of cells",
                       _Report._LAST, len(bad) - _MAX_SHOWN)
        problems += len(bad)
    except csv.Error as exc:
        report.add(label, f"{label} row {reader.line_num}: not a readable CSV row ({exc}; an unbalanced quote?)",
                   reader.line_num)
        return False
    return problems == 0


# ----------------------------------------------------------------------------- validation
class _Report:
    """Collects problems per file; rows are listed up to _MAX_SHOWN per (file, column, problem).

    Problems print file by file (in the order files were first named), by row.
    """

    _LAST = 1 << 62  # sorts "... and N more" lines after a file's listed rows

    def __init__(self, *labels: str) -> None:
        self.entries: list[tuple[str, int, str]] = []
        self.counts: dict[str, int] = dict.fromkeys(labels, 0)
        self.row_maps: dict[str, np.ndarray] = {}  # label -> file row of each table row (default p + 2)

    def row_of(self, label: str, p: int) -> int:
        """The file row of table row ``p`` (header = row 1 unless the table says otherwise)."""
        rows = self.row_maps.get(label)
        return int(rows[p]) if rows is not None else int(p) + 2

    def __bool__(self) -> bool:
        return bool(self.entries)

    def add(self, label: str, line: str, row: int = 0, n: int = 1) -> None:
        self.entries.append((label, row, line))
        self.counts[label] = self.counts.get(label, 0) + n

    def rows(self, label: str, column: str, positions: np.ndarray, describe: Callable[[int], str]) -> None:
        positions = np.asarray(positions)
        for p in positions[:_MAX_SHOWN]:
            row = self.row_of(label, int(p))
            self.add(label, f"{label} row {row}, column '{column}': {describe(int(p))}", row)
        if len(positions) > _MAX_SHOWN:
            self.add(label, f"{label}, column '{column}': ... and {len(positions) - _MAX_SHOWN} "
                            "more rows with the same problem", self._LAST, len(positions) - _MAX_SHOWN)

    def error(self, where: str) -> DistrictError:
        total = sum(self.counts.values())
        noun = "problem" if total == 1 else "problems"
        labels = [lab for lab, n in self.counts.items() if n]
        if len(labels) == 1:
            summary = f"{labels[0]}: {total} {noun}"
        else:
            parts = ", ".join(f"{self.counts[lab]} in {Path(lab).name}" for lab in labels)
            summary = f"{where}: {total} {noun} ({parts})"
        order = {lab: i for i, lab in enumerate(self.counts)}
        ranked = sorted(enumerate(self.entries), key=lambda e: (order[e[1][0]], e[1][1], e[0]))
        return DistrictError(summary, [line for _, (_, _, line) in ranked])


def _show(v: str) -> str:
    if v == "":
        return "an empty cell"
    try:
        float(v)
        return v
    except ValueError:
        return f"'{v}'"


def _expected(kind: str, rule: object) -> str:
    if kind == "int" and rule == (0, 1):
        return "expected 0 or 1"
    lo, hi = rule  # type: ignore[misc]
    noun = "an integer" if kind == "int" else "a number"
    if lo is not None and hi is not None:
        return f"expected {noun} from {lo:g} to {hi:g}"
    if lo is not None:
        return f"expected {noun} ≥ {lo:g}"
    return f"expected {noun}"


class _Text:
    """A text column as codes into its stripped unique values: fast for long repetitive columns."""

    def __init__(self, series: pd.Series) -> None:
        if isinstance(series.dtype, pd.CategoricalDtype):
            codes = series.cat.codes.to_numpy(dtype=np.int64)
            uniq = series.cat.categories.to_numpy(dtype=object)
        else:
            try:
                codes, uniq = pd.factorize(series, use_na_sentinel=True)
            except TypeError:  # unhashable cells (lists, dicts) from a DataFrame in memory: as their text
                codes, uniq = pd.factorize(series.map(lambda v: v if isinstance(v, str) else repr(v)))
            uniq = np.asarray(uniq, dtype=object)
        self.uniq = np.array([str(u).strip() for u in uniq] + [""], dtype=object)
        self.codes = np.where(codes < 0, len(self.uniq) - 1, codes).astype(np.int64)

    def __getitem__(self, p: int) -> str:
        return self.uniq[self.codes[p]]

    @cached_property
    def values(self) -> np.ndarray:
        return self.uniq[self.codes]

    @cached_property
    def series(self) -> pd.Series:
        return pd.Series(self.values, dtype=object)

    def check(self, test: Callable[[pd.Series], pd.Series]) -> np.ndarray:
        """Apply a vectorised test to the unique values; returns the row mask."""
        return test(pd.Series(self.uniq, dtype=object)).to_numpy(dtype=bool)[self.codes]


def _numbers(series: pd.Series, allow_bool: bool = False) -> tuple[np.ndarray, Callable[[int], str]]:
    """Cells as float64 (NaN where not a number) and a function giving a cell's text. Booleans
    count as numbers only for 0/1 columns (``allow_bool``): True is not a number of teachers."""
    is_bool = pd.api.types.is_bool_dtype(series)
    if (pd.api.types.is_numeric_dtype(series) and not is_bool) or (is_bool and allow_bool):
        x = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return x, lambda p: "" if np.isnan(x[p]) else str(series.iloc[p])
    text = _Text(series)
    xu = pd.to_numeric(pd.Series(text.uniq, dtype=object), errors="coerce").to_numpy(dtype=np.float64)
    return xu[text.codes], text.__getitem__


_TEXT_TESTS: dict[str, Callable[[pd.Series, object], pd.Series]] = {
    "category": lambda u, rule: u.isin(rule),
    "id": lambda u, rule: u.str.fullmatch(_ID_PATTERN).fillna(False),
    "ref": lambda u, rule: (u == "") | u.str.fullmatch(_ID_PATTERN).fillna(False),
    "text": lambda u, rule: (u != "") if rule else pd.Series(True, index=u.index),
}


def _check_table(df: pd.DataFrame | None, spec: dict, label: str, rep: _Report,
                 optional: dict | None = None) -> dict | None:
    """Per-column checks driven by ``spec`` (and ``optional``: columns that may be absent). Returns
    {column: (values, ok mask)} for present columns (values: int64/float64 arrays — float64 with NaN
    for an empty cell of an ``int?`` column — or a _Text for text kinds) and "_n", the number of rows."""
    if df is None:
        return None
    df = df.reset_index(drop=True)
    for col in spec:
        if col not in df.columns:
            rep.add(label, f"{label}: missing column '{col}'")
    spec = {**spec, **{c: v for c, v in (optional or {}).items() if c in df.columns}}
    for col in df.columns:
        if col not in spec:
            close = difflib.get_close_matches(str(col), list(spec), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            rep.add(label, f"{label}: unknown column '{col}'{hint}")
    out: dict = {"_n": len(df)}
    for col, (kind, rule) in spec.items():
        if col not in df.columns:
            continue
        if kind in ("int", "float", "int?"):
            x, raw = _numbers(df[col], allow_bool=rule == (0, 1))
            lo, hi = rule
            empty = np.array([raw(p).strip() == "" for p in range(len(x))], dtype=bool) if kind == "int?" else None
            ok = np.isfinite(x)
            if kind == "int?":  # an empty cell is allowed (no value)
                x = np.where(empty, 0.0, x)
                ok |= empty
            if kind != "float":
                ok &= np.floor(np.where(ok, x, 0)) == np.where(ok, x, 0)
            with np.errstate(invalid="ignore"):
                if lo is not None:
                    ok &= x >= lo
                if hi is not None:
                    ok &= x <= hi
            msg = _expected(kind.rstrip("?"), rule) + (" or an empty cell" if kind == "int?" else "")
            rep.rows(label, col, np.flatnonzero(~ok), lambda p: f"{msg}, got {_show(raw(p))}")
            cap = CAPS.get(col)
            if cap is not None:
                over = ok & (np.where(ok, x, 0) > cap)
                rep.rows(label, col, np.flatnonzero(over), lambda p, c=cap: f"{_show(raw(p))} is more than {c:,} "
                         "(a typo or a unit error?)")
                ok &= ~over
            values = np.where(ok, x, 0).astype(np.int64 if kind == "int" else np.float64)
            if kind == "int?":
                values[empty] = np.nan
        else:
            values = _Text(df[col])
            ok = values.check(lambda u, r=rule, k=kind: _TEXT_TESTS[k](u, r))
            rep.rows(label, col, np.flatnonzero(~ok),
                     lambda p, k=kind, r=rule: _text_problem(k, r, values[p]))
        out[col] = (values, ok)
    return out


def _text_problem(kind: str, rule: object, v: str) -> str:
    if kind == "category":
        options = ", ".join(rule)  # type: ignore[arg-type]
        if v == "":
            return f"expected one of {options}, got an empty cell"
        close = difflib.get_close_matches(v, list(rule), n=1)  # type: ignore[arg-type]
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"'{v}' is not one of {options}{hint}"
    if v == "":
        return "expected a non-empty value, got an empty cell"
    return f"expected a school id (letters, digits, '_', '.', '-'), got '{v}'"


def _join_rows(positions) -> str:
    rows = [str(int(p) + 2) for p in positions]
    return rows[0] if len(rows) == 1 else ", ".join(rows[:-1]) + " and " + rows[-1]


def _check_schools(t: dict | None, label: str, rep: _Report) -> None:
    """Rules across columns and rows of the schools table."""
    if t is None:
        return
    if t["_n"] == 0:
        rep.add(label, f"{label}: no schools (the file has a header but no rows)")
        return
    primary = LEVELS.index("primary")
    if "school_id" in t:
        ids, ok = t["school_id"][0].series, t["school_id"][1]
        dup = ids[ok & ids.duplicated(keep=False).to_numpy()]
        _report_groups(rep, label, dup, lambda sid, rows: (
            f"{label} rows {_join_rows(rows)}, column 'school_id': duplicate school id '{sid}'"))
    if "teachers" in t and "senior_teachers" in t:
        (tt, ok1), (st, ok2) = t["teachers"], t["senior_teachers"]
        bad = np.flatnonzero(ok1 & ok2 & (st > tt))
        rep.rows(label, "senior_teachers", bad, lambda p: f"{st[p]} is more than teachers ({tt[p]})")
    if "boarding" in t and "boarding_share" in t:
        (b, ok1), (bs, ok2) = t["boarding"], t["boarding_share"]
        bad = np.flatnonzero(ok1 & ok2 & (b == 0) & (bs > 0))
        rep.rows(label, "boarding_share", bad, lambda p: f"must be 0 when boarding is 0, got {bs[p]:g}")
    if "feeder_school_id" in t and "level" in t and "school_id" in t:
        (feed, okf), (lev, okl) = t["feeder_school_id"], t["level"]
        feed, lev, ids = feed.series, lev.values, t["school_id"][0].series
        code = pd.Index(LEVELS).get_indexer(lev)
        feeder_row = _row_of(ids, feed)
        points = [LEVELS.index(p) for p in TEACHING_POINTS]
        is_point = okl & np.isin(code, points)
        is_primary = okl & (code == primary)
        has = okf & (feed != "").to_numpy()
        rep.rows(label, "feeder_school_id", np.flatnonzero(is_primary & okf & ~has),
                 lambda p: f"primary school '{ids[p]}' has no feeder school (the cell is empty)")
        rep.rows(label, "feeder_school_id", np.flatnonzero(is_point & okf & ~has),
                 lambda p: f"teaching point '{ids[p]}' has no feeder school (the central primary its leavers "
                           "enter; the cell is empty)")
        rep.rows(label, "feeder_school_id", np.flatnonzero((is_primary | is_point) & has & (feeder_row < 0)),
                 lambda p: f"'{feed[p]}' is not a school in {Path(label).name}")
        target = code[np.maximum(feeder_row, 0)]
        target_primary = has & (feeder_row >= 0) & np.isin(target, [primary, *points])
        rep.rows(label, "feeder_school_id", np.flatnonzero(is_primary & target_primary),
                 lambda p: f"'{feed[p]}' is a primary school; a feeder must be a junior or nine_year school")
        last = np.array([LEVEL_GRADES[lv][1] for lv in LEVELS])
        bad_point = has & (feeder_row >= 0) & is_point & ~np.isin(target, [primary, LEVELS.index("nine_year")])
        rep.rows(label, "feeder_school_id", np.flatnonzero(bad_point),
                 lambda p: f"'{feed[p]}' is not a primary or nine_year school; a teaching point's leavers "
                           f"(grade {last[code[p]]}) enter a primary school's grade {last[code[p]] + 1}")
        rep.rows(label, "feeder_school_id", np.flatnonzero(okl & (code != primary) & ~is_point & has),
                 lambda p: f"must be empty for a {lev[p]} school (only primary schools and teaching points have "
                           f"a feeder), got '{feed[p]}'")


def _row_of(ids: pd.Series, wanted) -> np.ndarray:
    """Row of each wanted id in ``ids`` (its first row if repeated); -1 when absent."""
    if ids.is_unique:
        return pd.Index(ids).get_indexer(wanted).astype(np.int64)
    first = ~ids.duplicated(keep="first").to_numpy()
    pos = pd.Index(ids[first]).get_indexer(wanted)
    return np.where(pos >= 0, np.flatnonzero(first)[np.maximum(pos, 0)], -1).astype(np.int64)


def _report_groups(rep: _Report, label: str, dup: pd.Series, describe: Callable[[object, list], str]) -> None:
    """One problem per group of rows sharing a value of ``dup`` (index = row positions)."""
    groups = list(dup.groupby(dup, sort=False).groups.items())
    for value, rows in groups[:_MAX_SHOWN]:
        rep.add(label, describe(value, list(rows)), int(rows[0]) + 2)
    if len(groups) > _MAX_SHOWN:
        rep.add(label, f"{label}: ... and {len(groups) - _MAX_SHOWN} more groups of duplicate rows",
                _Report._LAST, len(groups) - _MAX_SHOWN)


def _check_enrolment(e: dict | None, s: dict | None, label: str, school_label: str, rep: _Report):
    """Rules linking enrolment rows to schools; returns (school row, grade index, group) per row or None."""
    if e is None:
        return None
    n = e["_n"]
    need = ["school_id", "grade", *GROUP_FLAGS, "enrolled", "out_of_school"]
    ok = np.ones(n, bool)
    for col in need:
        if col in e:
            ok &= e[col][1]
    sfile = Path(school_label).name
    sidx = np.full(n, -1, np.int64)
    if s is not None and "school_id" in s and "school_id" in e:
        ids = s["school_id"][0].series
        eid, eok = e["school_id"]
        sidx = _row_of(ids, eid.uniq)[eid.codes]
        rep.rows(label, "school_id", np.flatnonzero(eok & (sidx < 0)),
                 lambda p: f"unknown school '{eid[p]}' (not in {sfile})")
        if "grade" in e and "level" in s and s["_n"] > 0:  # no schools: every row is already unknown
            lev, lok = s["level"]
            code = pd.Index(LEVELS).get_indexer(lev.values).astype(np.int64)
            grade, gok = e["grade"]
            known = (sidx >= 0) & gok
            sc = code[np.maximum(sidx, 0)]
            valid_level = known & lok.astype(bool)[np.maximum(sidx, 0)] & (sc >= 0)
            offered = _LEVEL_OFFERS[np.maximum(sc, 0), np.clip(grade - 1, 0, GRADES - 1)]
            bad = np.flatnonzero(valid_level & ~offered)
            rep.rows(label, "grade", bad, lambda p: (
                f"school '{eid[p]}' is a {LEVELS[sc[p]]} school (grades "
                f"{LEVEL_GRADES[LEVELS[sc[p]]][0]}–{LEVEL_GRADES[LEVELS[sc[p]]][1]}; {sfile} row "
                f"{int(sidx[p]) + 2}, column 'level') and does not offer grade {grade[p]}"))
            ok[bad] = False
    else:
        ok &= False
    if not all(c in e for c in need):
        return None
    ok &= sidx >= 0
    grade = e["grade"][0]
    group = sum(e[f][0] << j for j, f in enumerate(GROUP_FLAGS))
    key = (sidx * GRADES + grade - 1) * N_GROUPS + group
    if np.all(np.diff(key[ok]) > 0):  # canonical files are sorted: no duplicates, no sort needed
        dup = pd.Series([], dtype=np.int64)
    else:
        keyed = pd.Series(np.where(ok, key, -1 - np.arange(n)))
        dup = keyed[keyed.duplicated(keep=False).to_numpy() & ok]
    eid = e["school_id"][0]

    def describe(_key: object, rows: list) -> str:
        p = rows[0]
        flags = ", ".join(f"{f}={e[f][0][p]}" for f in GROUP_FLAGS)
        return (f"{label} rows {_join_rows(rows)}: duplicate row for school '{eid[p]}', "
                f"grade {grade[p]}, {flags}")

    _report_groups(rep, label, dup, describe)
    if len(dup) or rep:
        return None
    return sidx, grade - 1, group


def _build(name: str, schools: pd.DataFrame | None, enrolment: pd.DataFrame | None, source: str,
           s_label: str, e_label: str, where: str, file_hash: str | None,
           rep: _Report | None = None) -> District:
    rep = rep if rep is not None else _Report(s_label, e_label)
    s = _check_table(schools, SCHOOL_COLUMNS, s_label, rep, OPTIONAL_SCHOOL_COLUMNS)
    e = _check_table(enrolment, ENROLMENT_COLUMNS, e_label, rep)
    _check_schools(s, s_label, rep)
    cells = _check_enrolment(e, s, e_label, s_label, rep)
    if rep or cells is None or s is None:
        raise rep.error(where)
    table = {}
    for col, (kind, _) in SCHOOL_COLUMNS.items():
        values = s[col][0]
        if kind == "float":
            values = np.round(values, 6) + 0.0
        elif kind != "int":
            values = values.values
        table[col] = values
    if "posts" in s:
        table["posts"] = s["posts"][0]
    schools_df = pd.DataFrame(table)
    shape = (len(schools_df), GRADES, N_GROUPS)
    arrays = []
    for field in ("enrolled", "out_of_school"):
        a = np.zeros(shape)
        a[cells] = e[field][0]
        a.setflags(write=False)
        arrays.append(a)
    district = District(name, schools_df, arrays[0], arrays[1], source, "")
    data_hash = file_hash if file_hash is not None else _hash(*_canonical_bytes(district))
    object.__setattr__(district, "data_hash", data_hash)
    return district
