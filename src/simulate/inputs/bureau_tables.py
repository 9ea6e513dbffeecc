"""A bureau's tables as Excel exports them: encoding, title rows, total rows, units, school codes.

What :mod:`simulate.inputs.bureau` reads first, before any column is interpreted:

* **Encoding.** CSV files in UTF-8 (with or without a byte-order mark) or, when
  they are not UTF-8, GB18030 — the superset of GBK that Chinese Excel's
  "CSV (逗号分隔)" writes; the notes say so. ``.xlsx`` workbooks: first sheet.
* **Title rows.** The header is the first of the first :data:`HEADER_SEARCH`
  rows in which at least two cells are column names of the table; rows above
  it (a table title such as "某某县2019年学校基本情况统计表") are skipped with a note.
* **Blank and total rows.** Rows whose cells are all blank, and rows that are
  totals — a cell of the code, name, town or grade column (or the first column)
  reading 合计, 小计, 总计, 全县合计 …, "total" or "subtotal", with no school code
  that is a number — are skipped with a note naming their rows.
* **Units in headers.** A trailing bracket in a header (``教学仪器设备资产值(万元)``,
  ``sports area (mu)``) is read as the column's unit when it is one
  (:data:`UNITS`): money 元 / 千元 / 万元 (yuan, thousand yuan, 10k yuan), area
  平方米 / 亩 / 公顷 (m², mu, hectares; 1 亩 = 10,000/15 m²), counts 人 / 个 / 名 / 间
  and degrees; values are converted to the unit the model uses (yuan, m², a
  count) and the notes say so. A unit of another kind than the column's (say
  ``专任教师数(万元)``), or any unit on a column that takes none, is refused.
  A bracket that is not a unit (``学校名称(全称)``) is left alone.
* **Columns.** :class:`Table` maps a table's headers to the columns of a spec
  (:mod:`simulate.inputs.bureau`), converts units, reads numbers and notes the
  blank cells that took a default.
* **School codes.** ``2152240001.0`` (a number read as float) and full-width
  digits (２１５…) are the code ``2152240001``; codes in scientific notation
  (``2.15224E+09``: Excel displays a long number so and a CSV saves it that
  way, losing digits) get one error per column saying so and how to keep the
  codes as text.

Row numbers in messages are rows of the file (1 = its first line), so they
match what the user sees in Excel with the title row counted.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from .bureau_text import language, say, unit_name
from .district import GRADES
from .validation import _Report

__all__ = ["HEADER_SEARCH", "UNITS", "COLUMN_KIND", "read_rows", "header_index", "norm_header", "header_unit",
           "unit_factor", "total_rows", "norm_code", "codes_with_problems", "read_table", "Table"]

HEADER_SEARCH = 10  # rows searched for the header row
TOTAL_WORDS = re.compile(r"(合计|小计|总计|共计|总数|^total$|^subtotal$|^grand ?total$|^sum$)", re.IGNORECASE)

# unit (normalised: NFKC, lower case, no spaces or commas) -> (kind, factor to the model's unit)
_MU = 10_000 / 15  # m² per 亩 (市亩)
UNITS: dict[str, tuple[str, float]] = {
    **{u: ("money", 1.0) for u in ("元", "yuan", "rmb", "cny")},
    **{u: ("money", 1e3) for u in ("千元", "thousandyuan", "kyuan", "1000yuan", "'000yuan")},
    **{u: ("money", 1e4) for u in ("万元", "10kyuan", "10000yuan", "tenthousandyuan", "wanyuan")},
    **{u: ("money", 1e6) for u in ("百万元", "millionyuan", "myuan")},
    **{u: ("area", 1.0) for u in ("平方米", "m2", "m²", "㎡", "sqm", "squaremetres", "squaremeters")},
    **{u: ("area", _MU) for u in ("亩", "mu")},
    **{u: ("area", 1e4) for u in ("公顷", "ha", "hectare", "hectares", "万平方米")},
    **{u: ("count", 1.0) for u in ("人", "个", "名", "间", "班", "所", "人次", "persons", "people", "pupils",
                                  "teachers", "rooms", "classes", "number", "count")},
    **{u: ("degree", 1.0) for u in ("度", "°", "deg", "degree", "degrees")},
}


def _nfkc(v: str) -> str:
    return unicodedata.normalize("NFKC", v)


def norm_header(h: str) -> str:
    """A header as matched against the aliases: NFKC (full-width brackets), no spaces, lower case,
    without a trailing bracket (the unit)."""
    h = _nfkc(str(h)).replace("、", "").replace(" ", "").lower()
    return re.sub(r"\(.*?\)$", "", h)


def header_unit(h: str) -> str | None:
    """The text of a header's trailing bracket (``万元`` of ``教学仪器设备资产值(万元)``), or None."""
    m = re.search(r"\(([^()]*)\)\s*$", _nfkc(str(h)))
    return m.group(1).strip() if m else None


def unit_factor(unit: str | None) -> tuple[str, float] | None:
    """(kind, factor) of a header unit (:data:`UNITS`), or None when the bracket is no unit we know."""
    if unit is None:
        return None
    return UNITS.get(_nfkc(unit).lower().replace(" ", "").replace(",", "").replace("单位:", ""))


# ----------------------------------------------------------------------------- reading
def _decode(data: bytes, label: str, report, notes: list[str]) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        row = data.count(b"\n", 0, first_bad) + 1
        report.add(label, f"{label} row {row}: not UTF-8 or GBK text (byte 0x{data[first_bad]:02x}); "
                          "save the file as UTF-8 (e.g. 'CSV UTF-8' in Excel) / 请另存为 UTF-8 编码的 CSV", row)
        return None
    notes.append(("encoding", label))  # worded once the table's language is known
    return text


def read_rows(path: Path, label: str, report, notes: list) -> tuple[list[list[str]], list[int]] | None:
    """Every row of a CSV or the first sheet of a workbook as text cells, with its row number in the file
    (1 = first line); None with the problem reported. ``notes`` gets ("encoding", label) when a CSV was
    read as GB18030."""
    if not path.is_file():
        report.add(label, f"{label}: file not found" + (" (it is a folder)" if path.is_dir() else ""))
        return None
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        try:
            df = pd.read_excel(path, dtype=str, header=None, keep_default_na=False, na_filter=False)
        except Exception as exc:  # openpyxl raises many kinds for a bad workbook
            report.add(label, f"{label}: not a readable Excel workbook ({exc})")
            return None
        rows = [["" if v is None else str(v).strip() for v in r] for r in df.itertuples(index=False)]
        return rows, list(range(1, len(rows) + 1))
    try:
        data = path.read_bytes()
    except OSError as exc:
        report.add(label, f"{label}: cannot read the file: {exc.strerror or exc}")
        return None
    if not data.strip():
        report.add(label, f"{label}: file is empty (expected a header row)")
        return None
    text = _decode(data, label, report, notes)
    if text is None:
        return None
    if "\x00" in text:
        row = text.count("\n", 0, text.index("\x00")) + 1
        report.add(label, f"{label} row {row}: contains a NUL character (is it a binary file?)", row)
        return None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows, numbers = [], []
    try:
        start = 1
        for row in reader:
            rows.append([c.strip() for c in row])
            numbers.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        report.add(label, f"{label} row {reader.line_num}: not a readable CSV row ({exc})", reader.line_num)
        return None
    return rows, numbers


def header_index(rows: list[list[str]], lookup: dict[str, str]) -> int:
    """Index of the header row: the first of the first HEADER_SEARCH rows with ≥ 2 known column names
    (0 when none has: the missing columns are then reported against the first row)."""
    for i, row in enumerate(rows[:HEADER_SEARCH]):
        if sum(norm_header(c) in lookup for c in row if c) >= 2:
            return i
    return 0


def frame(path: Path, label: str, report, notes: list, lookup: dict[str, str]) -> pd.DataFrame | None:
    """The table under its header row as text cells; ``attrs``: ``rows`` (file row of each row),
    ``skipped`` (title rows above the header, as row numbers), ``header_row`` and ``encoding_note``."""
    read = read_rows(path, label, report, notes)
    if read is None:
        return None
    rows, numbers = read
    h = header_index(rows, lookup)
    header = [c.strip() for c in rows[h]] if rows else []
    while header and not header[-1]:  # trailing empty header cells of an Excel export
        header.pop()
    seen: dict[str, int] = {}
    ok = True
    for i, name in enumerate(header, 1):
        if not name:
            report.add(label, f"{label} row {numbers[h]}: column {i} of the header has no name", numbers[h])
            ok = False
        elif name in seen:
            report.add(label, f"{label} row {numbers[h]}: column '{name}' appears twice (columns {seen[name]} "
                              f"and {i})", numbers[h])
            ok = False
        seen.setdefault(name, i)
    body, body_rows, bad = [], [], []
    for r, n in zip(rows[h + 1:], numbers[h + 1:]):
        if not any(c for c in r):
            continue  # blank row
        if len(r) > len(header) and not any(r[len(header):]):
            r = r[: len(header)]
        if len(r) < len(header):
            r = r + [""] * (len(header) - len(r)) if path.suffix.lower() in (".xlsx", ".xlsm", ".xls") else r
        if len(r) != len(header):
            bad.append((n, len(r)))
            continue
        body.append(r)
        body_rows.append(n)
    for n, k in bad[:20]:
        report.add(label, f"{label} row {n}: {k} cell{'s' if k != 1 else ''}, but the header has "
                          f"{len(header)} columns", n)
    if not ok or bad or not header:
        if not header:
            report.add(label, f"{label}: file is empty (expected a header row)")
        return None
    df = pd.DataFrame(body, columns=header, dtype=object) if body else pd.DataFrame(columns=header, dtype=object)
    df.attrs.update(rows=np.asarray(body_rows, dtype=np.int64), title_rows=numbers[:h], header_row=numbers[h],
                    encoding=("encoding", label) in notes)
    return df


def total_rows(df: pd.DataFrame, cols: dict[str, str]) -> np.ndarray:
    """Positions of total rows (合计/小计/总计, total): a total word in the code, name, town or grade cell
    or the first column, and no numeric school code."""
    if df.empty:
        return np.zeros(0, dtype=np.int64)
    where = [cols[c] for c in ("school_code", "name", "town", "grade") if c in cols] + [df.columns[0]]
    hit = np.zeros(len(df), dtype=bool)
    for c in dict.fromkeys(where):
        hit |= df[c].astype(str).map(lambda v: bool(TOTAL_WORDS.search(_nfkc(v).strip()))).to_numpy()
    if "school_code" in cols:
        code = df[cols["school_code"]].astype(str).map(lambda v: norm_code(v)[0])
        hit &= ~code.str.fullmatch(r"\d+").to_numpy()
    return np.nonzero(hit)[0]


# ----------------------------------------------------------------------------- school codes
_SCI = re.compile(r"[+-]?\d+(\.\d+)?[eE][+]?\d+")


def norm_code(v: str) -> tuple[str, bool]:
    """(the code, whether it is in scientific notation): NFKC (full-width digits), spaces removed,
    a float's trailing ``.0`` dropped."""
    v = _nfkc(str(v)).strip().replace(" ", "")
    if _SCI.fullmatch(v):
        return v, True
    m = re.fullmatch(r"(\d+)\.0*", v)
    return (m.group(1) if m else v), False


def codes_with_problems(series: pd.Series, label: str, column: str, report, rows: np.ndarray,
                        lang: str) -> pd.Series:
    """The column's codes normalised (:func:`norm_code`); codes in scientific notation reported once
    for the column (an error: their digits are lost)."""
    pairs = series.astype(str).map(norm_code)
    codes = pairs.map(lambda t: t[0])
    sci = np.nonzero(pairs.map(lambda t: t[1]).to_numpy())[0]
    if len(sci):
        first = int(rows[sci[0]])
        report.add(label, f"{label} row {first}, column '{column}': "
                   + say(lang, "sci_codes", n=len(sci), example=series.iloc[sci[0]],
                         rows=", ".join(str(int(rows[p])) for p in sci[:5]) + (" …" if len(sci) > 5 else "")),
                   first, len(sci))
    return codes


# what each numeric column of the bureau's tables measures: the units its header may carry (UNITS)
COLUMN_KIND: dict[str, str] = {
    **{f"grade_{g}": "count" for g in range(1, GRADES + 1)},
    **dict.fromkeys(("classes", "boarders", "teachers", "posts", "senior_teachers", "teachers_above_degree", "key_teachers",
                     "pe_art_teachers", "multimedia_rooms", "poor", "left_behind", "disabled", "migrant",
                     "poor_left_behind", "out_of_school"), "count"),
    "building_area": "area", "sports_area": "area", "equipment_value": "money",
    "longitude": "degree", "latitude": "degree", "teacher_quality": "none", "facility_index": "none",
}


def _lookup(spec: dict) -> dict[str, str]:
    return {norm_header(a): canon for canon, (_, aliases) in spec.items() for a in aliases}


def read_table(path: str | Path, report: _Report, spec: dict | None = None,
               notes: list | None = None) -> pd.DataFrame | None:
    """A CSV (UTF-8 or GB18030/GBK) or .xlsx/.xls table (first sheet) as text cells, under its header row
    (found among the first rows by the names of ``spec``; see :mod:`simulate.inputs.bureau_tables`)."""
    return frame(Path(path), str(path), report, notes if notes is not None else [],
                 _lookup(spec) if spec else {})


class Table:
    """One bureau table being read: its cells, the columns found (canonical name → header), the
    language of its headers, each column's unit factor, and the notes and problems it gives."""

    def __init__(self, df: pd.DataFrame, spec: dict, label: str, rep: _Report, notes: list[str]):
        self.label, self.rep, self.notes, self.spec = label, rep, notes, spec
        rows = df.attrs.get("rows")
        self.rows = np.asarray(rows, dtype=np.int64) if rows is not None else np.arange(len(df)) + 2
        self.factors: dict[str, float] = {}
        first = len(notes)
        self.cols = self._map_headers(df)
        self.lang = language(list(self.cols.values()) or list(df.columns))
        if df.attrs.get("title_rows"):
            notes.insert(first, say(self.lang, "n_title", label=label,
                                    rows=", ".join(map(str, df.attrs["title_rows"]))))
        if df.attrs.get("encoding"):
            notes.insert(first, say(self.lang, "n_encoding", label=label))
        totals = total_rows(df, self.cols) if self.cols else np.zeros(0, dtype=np.int64)
        if len(totals):
            notes.append(say(self.lang, "n_totals", label=label, rows=", ".join(str(self.rows[p]) for p in totals)))
            keep = np.setdiff1d(np.arange(len(df)), totals)
            df = df.iloc[keep].reset_index(drop=True)
            self.rows = self.rows[keep]
        self.df = df
        rep.row_maps[label] = self.rows
        self.blanks: dict[str, tuple[np.ndarray, str]] = {}  # canon -> (positions, default said)

    def ok(self) -> bool:
        return not any(self.spec[c][0] and c not in self.cols for c in self.spec)

    def row(self, p: int) -> int:
        return int(self.rows[p])

    def head(self, canon: str) -> str:
        """The header the user wrote for ``canon`` (else the alias of the table's language)."""
        if canon in self.cols:
            return self.cols[canon]
        aliases = self.spec[canon][1]
        return aliases[1] if self.lang == "zh" and len(aliases) > 1 else aliases[0]

    def _map_headers(self, df: pd.DataFrame) -> dict[str, str]:
        lookup = _lookup(self.spec)
        found: dict[str, str] = {}
        lang = language(df.columns)
        for col in df.columns:
            canon = lookup.get(norm_header(col))
            if canon is None:
                continue
            if canon in found:
                self.rep.add(self.label, f"{self.label} row {df.attrs.get('header_row', 1)}: "
                             + say(lang, "both_give", a=found[canon], b=col), df.attrs.get("header_row", 1))
                continue
            found[canon] = col
            self._unit(canon, col, lang, df.attrs.get("header_row", 1))
        missing = [c for c, (req, al) in self.spec.items() if req and c not in found]
        if missing:
            names = ", ".join(f"'{self.spec[c][1][1 if lang == 'zh' else 0]}'" for c in missing)
            self.rep.add(self.label, f"{self.label} row {df.attrs.get('header_row', 1)}: "
                         + say(lang, "missing_cols", s="s" * (len(missing) > 1), names=names),
                         df.attrs.get("header_row", 1))
        return found

    def _unit(self, canon: str, col: str, lang: str, header_row: int) -> None:
        kind = COLUMN_KIND.get(canon, "text")
        unit = header_unit(col)
        if kind == "text" or unit is None:
            return
        known = unit_factor(unit)
        if known is None:
            self.notes.append(say(lang, "n_unit_ignored", label=self.label, col=col, unit=unit,
                                  to=unit_name(kind, lang)))
        elif known[0] != kind:
            self.rep.add(self.label, f"{self.label} row {header_row}, column '{col}': "
                         + say(lang, "unit_wrong", unit=unit, takes=unit_name(kind, lang)), header_row)
        elif known[1] != 1.0:
            self.factors[canon] = known[1]
            self.notes.append(say(lang, "n_unit", label=self.label, col=col, unit=unit, to=unit_name(kind, lang),
                                  factor=known[1]))

    def text(self, canon: str) -> pd.Series:
        if canon not in self.cols:
            return pd.Series([""] * len(self.df), dtype=object)
        return self.df[self.cols[canon]].astype(str).str.strip()

    def report(self, canon: str, positions, describe) -> None:
        self.rep.rows(self.label, self.head(canon), np.asarray(positions), describe)

    def numeric(self, canon, *, integer=True, lo=0.0, default=None, required=False, blank=None,
                default_said=None):
        """Column ``canon`` as float array in the model's unit (a header unit converted). An empty cell is
        an error when ``required`` or where ``blank`` (bool array) is true; elsewhere it takes ``default``
        (NaN when None) and is listed in the notes (``default_said`` words it)."""
        n = len(self.df)
        if canon not in self.cols:
            return np.full(n, np.nan if default is None else default)
        raw = self.text(canon).map(lambda v: unicodedata.normalize("NFKC", v).strip())
        empty = (raw == "").to_numpy()
        must = np.ones(n, bool) if required else (np.zeros(n, bool) if blank is None else np.asarray(blank))
        if required:
            self.report(canon, np.nonzero(empty)[0], lambda p: say(self.lang, "empty_required"))
        elif blank is not None:
            pass  # the caller words the error (e.g. a taught grade)
        val = pd.to_numeric(raw.str.replace(",", "", regex=False), errors="coerce").to_numpy(dtype=np.float64,
                                                                                             copy=True)
        bad = ~empty & (~np.isfinite(val) | (val < lo if lo is not None else False)
                        | ((val != np.round(val)) if integer else False))
        what = say(self.lang, "whole" if integer else "a_number")
        self.report(canon, np.nonzero(bad)[0], lambda p: say(self.lang, "number", what=what, got=raw.iloc[p],
                                                             lo=f" ≥ {lo:g}" if lo is not None else ""))
        val = val * self.factors.get(canon, 1.0)
        defaulted = empty & ~must
        if defaulted.any() and not required:
            said = default_said if default_said is not None else (
                f"{default:g}" if default is not None else ("无数据" if self.lang == "zh" else "no value"))
            self.blanks[canon] = (np.nonzero(defaulted)[0], said)
        val[empty | bad] = np.nan if default is None else default
        if default is None:
            val[bad] = 0.0
        return val

    def blank_notes(self) -> None:
        for canon, (pos, said) in self.blanks.items():
            shown = ", ".join(str(self.row(p)) for p in pos[:20]) + (" …" if len(pos) > 20 else "")
            self.notes.append(say(self.lang, "n_blank", label=self.label, col=self.head(canon), n=len(pos),
                                  rows=shown, default=said))

    def codes(self, canon: str) -> pd.Series:
        """The column's school codes, normalised (``.0``, full-width digits); scientific notation reported."""
        raw = self.text(canon)
        codes = codes_with_problems(raw, self.label, self.head(canon), self.rep, self.rows, self.lang)
        self.sci = codes.map(lambda v: bool(re.fullmatch(r"[+-]?\d+(\.\d+)?[eE][+]?\d+", v))).to_numpy()
        changed = int(((codes != raw) & (raw != "")).sum())
        if changed and not self.sci.any():
            self.notes.append(say(self.lang, "n_codes", label=self.label, col=self.head(canon), n=changed))
        return codes
