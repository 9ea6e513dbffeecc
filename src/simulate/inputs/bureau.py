"""Import what a county education bureau has into a district folder.

Two tables, CSV (UTF-8) or Excel (.xlsx, first sheet), with English or Chinese
headers (:data:`SCHOOL_HEADERS`, :data:`PUPIL_HEADERS`; templates and the full
header map in ``data/templates/README.md``):

**Schools** — one row per school, from the annual education statistics
(教育事业统计, 基础教育 school forms): 学校标识码, name, town, urban/rural code
(城区 / 镇区 / 乡村, or the 3-digit 统计用城乡划分代码 111–123 / 210 / 220), level,
pupils by grade, classes, boarders, full-time teachers, and optionally teachers
above the required degree, 骨干 teachers, PE/art teachers, teaching building
and sports area, equipment value, multimedia rooms, a 山区 (mountain) flag,
senior teachers, teacher quality, a facility index, an explicit feeder school
and coordinates.

**Pupils** (optional) — the pupil register's counts per school and grade of
registered-poor (建档立卡), left-behind, disabled and migrant pupils, and
optionally pupils both poor and left-behind and children out of school.

What is assumed (each default is listed per school in the import notes):

* location: 城区 → urban, 镇区 → town, 乡村 → rural; ``mountain`` = 1 makes a
  school ``mountain`` whatever its code (the statistics have no mountain code);
* ``teacher_quality`` 0 (the district's mean teacher) when not given;
* ``facility_index``: given, else the mean over the 2017 standard's facility
  indicators present (教督〔2017〕6号: per pupil teaching and auxiliary floor space
  4.5 / 5.8 m², sports area 7.5 / 10.2 m², equipment 2,000 / 2,500 yuan;
  multimedia rooms 2.3 / 2.4 per 100 pupils; primary / junior, nine-year
  schools pupil-weighted) of min(value ÷ standard, 1); else
  :data:`DEFAULT_FACILITY_INDEX`;
* ``senior_teachers`` 0 when not given; ``boarding`` = boarders > 0 and
  ``boarding_share`` = boarders ÷ pupils;
* feeder school of a primary: the explicit column, else the nearest junior or
  nine-year school of the same town (by coordinates when given, else the one
  with the most junior pupils), else of the district;
* groups: the 16-group cross-table per (school, grade) by IPF to the flag
  counts (:mod:`simulate.inputs.ipf`: independence seed, left-behind ∧ migrant
  impossible, known joint counts respected), rounded with every margin and the
  cell total exact; without a pupils table every pupil is in the group with no
  flags. Out-of-school children are split over groups as the enrolled are.

Every problem in either table is collected (one :class:`DistrictError`, by the
validator's reporter, naming file, row — header = row 1 — and column as given).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .district import GRADES, GROUP_FLAGS, LEVEL_GRADES, MAX_TEACHERS, N_GROUPS, TEACHING_POINTS, District, DistrictError, group_flags
from .ipf import default_seed, fit_groups, margin_masks, round_groups
from .bureau_tables import codes_with_problems, frame, header_unit, norm_header, total_rows, unit_factor
from .bureau_text import language, say, unit_name
from .load import district_from_frames
from .validation import _Report

__all__ = ["SCHOOL_HEADERS", "PUPIL_HEADERS", "DEFAULT_FACILITY_INDEX", "FACILITY_STANDARDS", "BALANCE_FILE",
           "load_balance_indicators",
           "ImportResult", "import_tables", "import_files", "read_table"]

DEFAULT_FACILITY_INDEX = 0.75  # assumption: a school meeting three quarters of the facility standards
# 教督〔2017〕6号 resource indicators, (primary, junior) standard per pupil (rooms per 100 pupils)
FACILITY_STANDARDS = {
    "building_area": (4.5, 5.8), "sports_area": (7.5, 10.2),
    "equipment_value": (2000.0, 2500.0), "multimedia_rooms": (2.3 / 100, 2.4 / 100),
}
_GRADE_ZH = "一二三四五六七八九"
BALANCE_FILE = "balance_indicators.csv"  # the 2017 indicators per school, read by load_balance_indicators
LOCATIONS_FILE = "school_locations.csv"  # school_id, longitude, latitude: for the district check's map
BALANCE_COLUMNS = ("teachers_above_degree", "key_teachers", "pe_art_teachers", "building_area", "sports_area",
                   "equipment_value", "multimedia_rooms")

# canonical name -> (required?, aliases: English first, then Chinese)
SCHOOL_HEADERS: dict[str, tuple[bool, tuple[str, ...]]] = {
    "school_code": (True, ("school_code", "学校标识码", "学校代码")),
    "name": (True, ("name", "学校名称")),
    "name_en": (False, ("name_en", "学校英文名称")),
    "town": (True, ("town", "所在乡镇", "乡镇(街道)", "乡镇")),
    "town_en": (False, ("town_en", "乡镇英文名称")),
    "urban_rural": (True, ("urban_rural", "城乡分类", "城乡分类代码")),
    "mountain": (False, ("mountain", "山区")),
    "level": (True, ("level", "学校类型", "办学类型")),
    **{f"grade_{g}": (False, (f"grade_{g}", f"{_GRADE_ZH[g - 1]}年级", f"{_GRADE_ZH[g - 1]}年级在校生数"))
       for g in range(1, GRADES + 1)},
    "classes": (True, ("classes", "班数", "教学班数")),
    "boarders": (True, ("boarders", "寄宿生数")),
    "teachers": (True, ("teachers", "专任教师数")),
    "senior_teachers": (False, ("senior_teachers", "中级及以上职称教师数")),
    "teachers_above_degree": (False, ("teachers_above_degree", "高于规定学历教师数")),
    "key_teachers": (False, ("key_teachers", "县级以上骨干教师数", "骨干教师数")),
    "pe_art_teachers": (False, ("pe_art_teachers", "体育艺术专任教师数")),
    "building_area": (False, ("building_area", "教学及辅助用房面积")),
    "sports_area": (False, ("sports_area", "体育运动场馆面积")),
    "equipment_value": (False, ("equipment_value", "教学仪器设备资产值")),
    "multimedia_rooms": (False, ("multimedia_rooms", "网络多媒体教室数")),
    "teacher_quality": (False, ("teacher_quality", "教师质量")),
    "facility_index": (False, ("facility_index", "设施达标指数")),
    "top_grade": (False, ("top_grade", "最高年级", "开设最高年级")),
    "central_school_code": (False, ("central_school_code", "中心校学校标识码", "对口小学学校标识码", "对口中心小学学校标识码")),
    "feeder_school_code": (False, ("feeder_school_code", "对口初中学校标识码", "对口初中", "对口初中学校代码",
                                   "对口学校标识码")),
    "longitude": (False, ("longitude", "经度")),
    "latitude": (False, ("latitude", "纬度")),
}
PUPIL_HEADERS: dict[str, tuple[bool, tuple[str, ...]]] = {
    "school_code": (True, ("school_code", "学校标识码", "学校代码")),
    "grade": (True, ("grade", "年级")),
    "poor": (True, ("poor", "建档立卡学生数")),
    "left_behind": (True, ("left_behind", "留守儿童数")),
    "disabled": (True, ("disabled", "残疾学生数")),
    "migrant": (True, ("migrant", "随迁子女数")),
    "poor_left_behind": (False, ("poor_left_behind", "建档立卡留守儿童数")),
    "out_of_school": (False, ("out_of_school", "失学辍学人数")),
}
# what each numeric column measures: the units its header may carry (simulate.inputs.bureau_tables.UNITS)
COLUMN_KIND: dict[str, str] = {
    **{f"grade_{g}": "count" for g in range(1, GRADES + 1)},
    **dict.fromkeys(("classes", "boarders", "teachers", "senior_teachers", "teachers_above_degree", "key_teachers",
                     "pe_art_teachers", "multimedia_rooms", "poor", "left_behind", "disabled", "migrant",
                     "poor_left_behind", "out_of_school"), "count"),
    "building_area": "area", "sports_area": "area", "equipment_value": "money",
    "longitude": "degree", "latitude": "degree", "teacher_quality": "none", "facility_index": "none",
}
_LOCATION = {"城区": "urban", "镇区": "town", "乡村": "rural", "urban": "urban", "town": "town", "rural": "rural"}
_LEVEL = {"教学点": "teaching_point", "小学教学点": "teaching_point", "teachingpoint": "teaching_point",
          "teaching_point": "teaching_point", "小学": "primary", "初级中学": "junior", "初中": "junior", "九年一贯制学校": "nine_year",
          "九年一贯制": "nine_year", "primary": "primary", "junior": "junior", "nine_year": "nine_year"}
_YES = {"1": 1, "0": 0, "是": 1, "否": 0, "yes": 1, "no": 0, "": 0}


@dataclass
class ImportResult:
    """The imported district and what was assumed (one line per default used or column ignored)."""

    district: District
    notes: list[str] = field(default_factory=list)
    indicators: pd.DataFrame | None = None  # the 2017 balance indicators given, per school (BALANCE_FILE)
    defaults: dict[str, list[str]] = field(default_factory=dict)  # school id -> inputs that took a default
    locations: pd.DataFrame | None = None  # school_id, longitude, latitude (when the table gives them)
    lang: str = "en"  # of the schools table's headers: the notes' language

    def notes_markdown(self, check: str = "") -> str:
        title = "# 导入说明" if self.lang == "zh" else "# Import notes"
        return title + "\n\n" + "".join(f"- {n}\n" for n in self.notes) + check

    def extra_files(self, check: str = "", images: dict[str, bytes] | None = None) -> dict[str, bytes]:
        """Files written beside schools.csv and enrolment.csv: the notes (with the district check
        ``check`` when given), the balance indicators, the school locations and ``images``."""
        files = {"import_notes.md": self.notes_markdown(check).encode("utf-8"), **(images or {})}
        if self.locations is not None:
            text = self.locations.to_csv(index=False, lineterminator="\n", float_format="%.10g")
            files[LOCATIONS_FILE] = text.encode("utf-8")
        if self.indicators is not None:
            text = self.indicators.to_csv(index=False, lineterminator="\n", float_format="%.10g")
            files[BALANCE_FILE] = text.encode("utf-8")
        return files


# ----------------------------------------------------------------------------- reading
def _lookup(spec: dict) -> dict[str, str]:
    return {norm_header(a): canon for canon, (_, aliases) in spec.items() for a in aliases}


def read_table(path: str | Path, report: _Report, spec: dict | None = None,
               notes: list | None = None) -> pd.DataFrame | None:
    """A CSV (UTF-8 or GB18030/GBK) or .xlsx/.xls table (first sheet) as text cells, under its header row
    (found among the first rows by the names of ``spec``; see :mod:`simulate.inputs.bureau_tables`)."""
    return frame(Path(path), str(path), report, notes if notes is not None else [],
                 _lookup(spec) if spec else {})


class _Table:
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


def _level_word(level: str, lang: str) -> str:
    zh = {"primary": "小学", "junior": "初级中学", "nine_year": "九年一贯制学校", "teaching_point": "教学点"}
    return zh.get(level, level) if lang == "zh" else level


# ----------------------------------------------------------------------------- schools
def _schools(df, label, rep, notes):
    t = _Table(df, SCHOOL_HEADERS, label, rep, notes)
    if not t.ok():
        return None, None, None
    cols, lang = t.cols, t.lang
    ignored = [c for c in t.df.columns if c not in cols.values() and str(c).strip()]
    if ignored:
        notes.append(say(lang, "n_unused", label=label, cols=", ".join(ignored)))
    n = len(t.df)
    text = {c: t.text(c) for c in SCHOOL_HEADERS}
    code = t.codes("school_code")
    t.report("school_code", np.nonzero((code == "").to_numpy())[0], lambda p: say(lang, "empty_code"))
    dup = code.duplicated(keep=False) & (code != "") & ~t.sci  # scientific notation: reported once above
    t.report("school_code", np.nonzero(dup.to_numpy())[0], lambda p: say(lang, "dup_code", code=code.iloc[p]))
    for c in ("name", "town", "urban_rural", "level"):
        t.report(c, np.nonzero((text[c] == "").to_numpy())[0], lambda p: say(lang, "empty_required"))
    ur = text["urban_rural"].map(lambda v: unicodedata.normalize("NFKC", v))
    loc = ur.map(lambda v: _LOCATION.get(v.lower() if v.isascii() else v)
                 or ({"11": "urban", "12": "town", "21": "rural", "22": "rural"}.get(v[:2]) if
                     re.fullmatch(r"\d{3}", v) else None))
    t.report("urban_rural", np.nonzero((loc.isna() & (ur != "")).to_numpy())[0],
             lambda p: say(lang, "location", got=ur.iloc[p]))
    mtn = text["mountain"].map(lambda v: _YES.get(v.lower()))
    if "mountain" in cols:
        t.report("mountain", np.nonzero(mtn.isna().to_numpy())[0],
                 lambda p: say(lang, "yesno", got=text["mountain"].iloc[p]))
        blank_m = np.nonzero((text["mountain"] == "").to_numpy())[0]
        if len(blank_m):
            t.blanks["mountain"] = (blank_m, "否 (0)" if lang == "zh" else "0 (not mountain)")
    location = np.where(mtn.fillna(0).to_numpy() == 1, "mountain", loc.fillna("rural").to_numpy())
    lv = text["level"].map(lambda v: _LEVEL.get(v.lower() if v.isascii() else v))
    t.report("level", np.nonzero((lv.isna() & (text["level"] != "")).to_numpy())[0],
             lambda p: say(lang, "level", got=text["level"].iloc[p]))
    level = lv.fillna("nine_year").to_numpy()
    point = level == "teaching_point"
    span = {**LEVEL_GRADES, "teaching_point": (1, max(TEACHING_POINTS.values()))}
    lo_g, hi_g = (np.array([span[v][i] for v in level]) for i in (0, 1))
    grades = np.zeros((n, GRADES))
    for g in range(1, GRADES + 1):
        taught = (g >= lo_g) & (g <= hi_g)
        grades[:, g - 1] = t.numeric(f"grade_{g}", default=0.0, blank=taught & ~point)
        if f"grade_{g}" in cols:
            empty_taught = np.nonzero((t.text(f"grade_{g}") == "").to_numpy() & taught & ~point)[0]
            t.report(f"grade_{g}", empty_taught,
                     lambda p: say(lang, "empty_taught", level=_level_word(level[p], lang), grade=g))
        t.blanks.pop(f"grade_{g}", None)  # a blank grade the school does not teach is 0: nothing to say
        wrong = (grades[:, g - 1] > 0) & ~taught
        t.report(f"grade_{g}", np.nonzero(wrong)[0],
                 lambda p: say(lang, "grade_not_taught", grade=g, level=_level_word(level[p], lang)))
    level = _teaching_points(t, level, grades, code)
    pupils = grades.sum(axis=1)
    teachers = t.numeric("teachers", required=True)
    t.report("teachers", np.nonzero(teachers < 1)[0], lambda p: say(lang, "teachers_min"))
    t.numeric("classes", required=True)
    boarders = t.numeric("boarders", required=True)
    t.report("boarders", np.nonzero(boarders > pupils)[0],
             lambda p: say(lang, "boarders_gt", a=boarders[p], b=pupils[p]))
    boarders = np.nan_to_num(boarders)
    senior = t.numeric("senior_teachers", default=0.0)
    t.report("senior_teachers", np.nonzero(senior > teachers)[0],
             lambda p: say(lang, "senior_gt", a=senior[p], b=teachers[p]))
    if "senior_teachers" not in cols:
        notes.append("senior_teachers: not given; 0 for every school" if lang == "en" else
                     "中级及以上职称教师数：未提供，各校按 0 计")
    for c in ("teachers_above_degree", "key_teachers", "pe_art_teachers"):
        t.numeric(c)
    for c in ("teachers", "senior_teachers", "boarders", *(f"grade_{g}" for g in range(1, GRADES + 1))):
        if c in cols:
            big = t.numeric(c, default=0.0) if c != "teachers" else teachers
            t.report(c, np.nonzero(np.nan_to_num(big) > MAX_TEACHERS * (10 if c != "teachers" and
                                                                        c != "senior_teachers" else 1))[0],
                     lambda p: (f"implausibly large ({big[p]:,.0f}): a typo or a unit error?" if lang == "en" else
                                f"数值过大（{big[p]:,.0f}）：是否输入错误或单位有误？"))
    quality = t.numeric("teacher_quality", integer=False, lo=None, default=0.0,
                        default_said="0 (the district's mean teacher)" if lang == "en" else "0（全县教师平均水平）")
    t.report("teacher_quality", np.nonzero(np.abs(quality) > 5)[0],
             lambda p: f"expected −5 to 5 (SD units), got {quality[p]:g}" if lang == "en" else
             f"应在 −5 到 5 之间（标准差单位），实际为 {quality[p]:g}")
    if "teacher_quality" not in cols:
        notes.append("teacher_quality: not given; 0 (the district's mean teacher) for every school" if lang == "en"
                     else "教师质量：未提供，各校按 0（全县教师平均水平）计")
    facility = _facility(t, grades, level)
    given = [c for c in BALANCE_COLUMNS if c in cols]
    indicators = None
    if given:
        quiet = _Table.__new__(_Table)  # the same columns read again without reporting twice
        quiet.__dict__.update(t.__dict__, rep=_Report(label), blanks={})
        indicators = pd.DataFrame({"school_id": code, **{
            c: quiet.numeric(c, integer=False) for c in given}})
    feeder = _feeders(t, code, level, grades)
    feeder = _central_schools(t, code, level, grades, feeder)
    t.blank_notes()
    defaults: dict[str, list[str]] = {}
    for canon, (pos, _) in t.blanks.items():
        for q in pos:
            defaults.setdefault(code.iloc[q], []).append(t.head(canon))
    for q in np.nonzero(facility_defaulted(facility, t))[0]:
        defaults.setdefault(code.iloc[q], []).append(
            f"facility index {DEFAULT_FACILITY_INDEX}" if lang == "en" else f"设施指数 {DEFAULT_FACILITY_INDEX}")
    share = np.divide(boarders, pupils, out=np.zeros(n), where=pupils > 0)
    schools = pd.DataFrame({
        "school_id": code, "name": text["name"], "name_en": text["name_en"], "town": text["town"],
        "town_en": text["town_en"], "level": level, "location": location,
        "boarding": (boarders > 0).astype(np.int64), "boarding_share": np.round(share, 6),
        "teachers": np.nan_to_num(teachers, nan=1).astype(np.int64),
        "senior_teachers": np.nan_to_num(senior).astype(np.int64),
        "teacher_quality": quality, "facility_index": facility, "feeder_school_id": feeder,
    })
    schools.attrs["lang"] = lang
    schools.attrs["rows"] = t.rows
    schools.attrs["defaults"] = defaults
    if "longitude" in cols and "latitude" in cols:
        quiet = _Table.__new__(_Table)
        quiet.__dict__.update(t.__dict__, rep=_Report(label), blanks={})
        schools.attrs["locations"] = pd.DataFrame({"school_id": code, "longitude": quiet.numeric(
            "longitude", integer=False, lo=None), "latitude": quiet.numeric("latitude", integer=False, lo=None)})
    return schools, grades, indicators


def facility_defaulted(facility, t: _Table) -> np.ndarray:
    """Schools whose facility index is the default for want of data (set by :func:`_facility`)."""
    return getattr(t, "facility_default", np.zeros(len(facility), bool))


def _facility(t: _Table, grades, level):
    n, lang = len(t.df), t.lang
    given = t.numeric("facility_index", integer=False,
                      default_said="the 2017 standard's facility columns, else 0.75" if lang == "en" else
                      "按 2017 年标准的设施指标计算，无则 0.75")
    t.report("facility_index", np.nonzero(given > 1)[0], lambda p: say(lang, "facility_range"))
    pupils = grades.sum(axis=1)
    junior_share = np.divide(grades[:, 6:].sum(axis=1), pupils, out=np.zeros(n), where=pupils > 0)
    ratios = []
    for c, (prim, jun) in FACILITY_STANDARDS.items():
        if c not in t.cols:
            continue
        v = t.numeric(c, integer=c == "multimedia_rooms",
                      default_said="left out of that school's facility index" if lang == "en" else "该校设施指数不计此项")
        std = prim * (1 - junior_share) + jun * junior_share
        ratios.append(np.minimum(np.divide(v, pupils * std, out=np.full(n, np.nan), where=pupils > 0), 1.0))
    computed = np.full(n, np.nan)
    if ratios:
        with np.errstate(all="ignore"):
            computed = np.array([np.nanmean(r) if np.isfinite(r).any() else np.nan
                                 for r in np.column_stack(ratios)])
    out = np.where(np.isfinite(given), np.minimum(given, 1.0), computed)
    used_standard = ~np.isfinite(given) & np.isfinite(computed)
    if used_standard.any():
        t.notes.append(f"facility_index: from the 2017 standard's facility indicators for {used_standard.sum()} "
                       "schools" if lang == "en" else
                       f"设施达标指数：{used_standard.sum()} 所学校按 2017 年标准的设施指标计算")
    default = ~np.isfinite(out)
    t.facility_default = default
    if default.any():
        t.notes.append(f"facility_index: no data for {default.sum()} schools; {DEFAULT_FACILITY_INDEX} (assumption)"
                       if lang == "en" else
                       f"设施达标指数：{default.sum()} 所学校无数据，按 {DEFAULT_FACILITY_INDEX}（假设）计")
    return np.round(np.where(default, DEFAULT_FACILITY_INDEX, out), 6)


def _teaching_points(t: _Table, level, grades, code):
    """A teaching point (教学点) teaches grades 1–k: k from the 最高年级 column, else its highest grade with
    pupils (at least 2); its level becomes ``teaching_point_k``."""
    point = np.nonzero(level == "teaching_point")[0]
    if not len(point):
        return level
    level = level.astype(object).copy()
    top = t.numeric("top_grade", default=np.nan)
    kmax = max(TEACHING_POINTS.values())
    from_data = []
    for p in point:
        with_pupils = np.nonzero(grades[p] > 0)[0]
        k = int(top[p]) if np.isfinite(top[p]) else max(2, int(with_pupils.max()) + 1 if len(with_pupils) else 2)
        if not np.isfinite(top[p]):
            from_data.append(p)
        if not 2 <= k <= kmax or (len(with_pupils) and with_pupils.max() + 1 > k):
            t.report("top_grade" if np.isfinite(top[p]) else "level", [p], lambda q: (
                f"a teaching point teaches grades 1–2 … 1–{kmax}; this one has pupils up to grade "
                f"{with_pupils.max() + 1 if len(with_pupils) else 0} (top grade {k})" if t.lang == "en" else
                f"教学点开设 1–2 至 1–{kmax} 年级；该校有学生至{with_pupils.max() + 1 if len(with_pupils) else 0}年级"))
            k = min(max(k, 2), kmax)
        level[p] = f"teaching_point_{k}"
    t.blanks.pop("top_grade", None)
    shown = ", ".join(f"{code.iloc[p]} 1–{level[p].rsplit('_', 1)[1]}" for p in point)
    t.notes.append(
        f"teaching points (教学点): {len(point)} keep their grades ({shown}); "
        + (f"{len(from_data)} from their highest grade with pupils (a '最高年级' column gives it)"
           if from_data else "grades from the 最高年级 column") if t.lang == "en" else
        f"教学点：{len(point)} 个保持其年级（{shown}）；"
        + (f"{len(from_data)} 个按有学生的最高年级确定（可用“最高年级”列给定）" if from_data else "年级按“最高年级”列"))
    return level


def _central_schools(t: _Table, code, level, grades, feeder):
    """Each teaching point's feeder: the primary (or nine-year) school its leavers enter — the
    中心校学校标识码 column, else its town's primary whose name holds 中心 (the central primary), else the
    town's primary or nine-year school with the most pupils in the grade they enter, else the district's."""
    points = np.nonzero(pd.Series(level).astype(str).str.startswith("teaching_point_").to_numpy())[0]
    if not len(points):
        return feeder
    lang, codes = t.lang, code.to_numpy(dtype=object)
    names, town = t.text("name").to_numpy(dtype=object), t.text("town").to_numpy(dtype=object)
    given = t.codes("central_school_code").to_numpy(dtype=object) if "central_school_code" in t.cols \
        else np.array([""] * len(codes), dtype=object)
    target = np.isin(level, ("primary", "nine_year"))
    ok_codes = set(codes[target])
    lines = []
    for p in points:
        k = TEACHING_POINTS[level[p]]
        if given[p]:
            if given[p] not in ok_codes:
                t.report("central_school_code", [p], lambda q: say(lang, "central_unknown", code=given[q]))
                continue
            feeder[p] = given[p]
            how = "given (中心校学校标识码 column)" if lang == "en" else "中心校列给定"
        else:
            cand = np.nonzero(target & (town == town[p]))[0]
            where = "of its town" if lang == "en" else "本乡镇"
            if not len(cand):
                cand, where = np.nonzero(target)[0], ("of the district" if lang == "en" else "全县")
            if not len(cand):
                t.report("level", [p], lambda q: "a teaching point, but the table has no primary school for its "
                         "leavers to enter" if lang == "en" else "本表没有可供该教学点学生升入的小学")
                continue
            central = [c for c in cand if "中心" in str(names[c])]
            if central and where in ("of its town", "本乡镇"):
                best = central[0]
                how = f"the central primary (中心) {where}" if lang == "en" else f"{where}中心小学"
            else:
                best = cand[np.argmax(grades[cand, k])]
                how = (f"the primary {where} with the most grade-{k + 1} pupils" if lang == "en" else
                       f"{where}{k + 1}年级学生最多的小学")
            feeder[p] = codes[best]
        row_of = {c: i for i, c in enumerate(codes)}
        lines.append(f"  - {codes[p]} {names[p]} (1–{k}) → {feeder[p]} {names[row_of[feeder[p]]]} ({how})")
    t.notes.append(("teaching points: where their leavers go on (grade k + 1 of):" if lang == "en" else
                    "教学点毕业生升入：") + "\n" + "\n".join(lines))
    return feeder


FEEDER_GAP = 0.25  # a junior school whose implied grade-7 intake differs from its grade 7 by more is warned of


def _feeders(t: _Table, code: pd.Series, level, grades):
    """Each primary's junior or nine-year school: the 对口初中 column, else the nearest of its town (by
    coordinates), else the one of its town with the most junior pupils, else of the district. The notes
    list every assignment with its rule and warn of junior schools whose implied intake is far off."""
    n, lang = len(t.df), t.lang
    feeder = np.array([""] * n, dtype=object)
    rule = np.array([""] * n, dtype=object)
    secondary = np.isin(level, ("junior", "nine_year"))
    codes = code.to_numpy(dtype=object)
    given = t.codes("feeder_school_code").to_numpy(dtype=object) if "feeder_school_code" in t.cols \
        else np.array([""] * n, dtype=object)
    sec_codes = set(codes[secondary])
    for p in np.nonzero((given != "") & (level == "primary"))[0]:
        if given[p] not in sec_codes:
            t.report("feeder_school_code", [p], lambda q: say(lang, "feeder_unknown", code=given[q]))
        feeder[p], rule[p] = given[p], ("given (对口初中 column)" if lang == "en" else "对口初中列给定")
    lon = t.numeric("longitude", integer=False, lo=None)
    lat = t.numeric("latitude", integer=False, lo=None)
    t.blanks.pop("longitude", None), t.blanks.pop("latitude", None)
    junior_pupils = grades[:, 6:].sum(axis=1)
    town = t.text("town").to_numpy(dtype=object)
    for p in np.nonzero((level == "primary") & (feeder == ""))[0]:
        cand = np.nonzero(secondary & (town == town[p]))[0]
        where = "of its town" if lang == "en" else "本乡镇"
        if not len(cand):
            cand = np.nonzero(secondary)[0]
            where = "of the district (none in its town)" if lang == "en" else "全县（本乡镇没有）"
        if not len(cand):
            t.report("level", [p], lambda q: say(lang, "feeder_none"))
            continue
        if np.isfinite(lon[p]) and np.isfinite(lat[p]) and np.isfinite(lon[cand]).all() and np.isfinite(lat[cand]).all():
            dx = (lon[cand] - lon[p]) * math.cos(math.radians(lat[p]))
            best = cand[np.argmin(dx ** 2 + (lat[cand] - lat[p]) ** 2)]
            how = f"nearest {where} by coordinates" if lang == "en" else f"{where}距离最近"
        else:
            best = cand[np.argmax(junior_pupils[cand])]
            how = f"the one {where} with the most junior pupils" if lang == "en" else f"{where}初中学生最多的学校"
        feeder[p], rule[p] = codes[best], how
    primaries = np.nonzero(level == "primary")[0]
    names = t.text("name").to_numpy(dtype=object)
    if len(primaries):
        auto = int(sum(1 for p in primaries if feeder[p] and given[p] == ""))
        head = (f"feeder_school_id: {len(primaries)} primary schools ({auto} by the default rule; a "
                f"'对口初中学校标识码' column gives them explicitly):" if lang == "en" else
                f"对口初中：{len(primaries)} 所小学（{auto} 所按默认规则；可用“对口初中学校标识码”列直接给定）：")
        row_of = {c: i for i, c in enumerate(codes)}
        lines = [f"  - {codes[p]} {names[p]} → {feeder[p]} {names[row_of[feeder[p]]] if feeder[p] in row_of else ''}"
                 f" ({rule[p]})" for p in primaries if feeder[p]]
        t.notes.append(head + "\n" + "\n".join(lines))
    # implied grade-7 intake of each junior/nine-year school against its grade 7
    row_of = {c: i for i, c in enumerate(codes)}
    intake = np.zeros(n)
    for p in primaries:
        if feeder[p] in row_of:
            intake[row_of[feeder[p]]] += grades[p, 5]
    intake += np.where(level == "nine_year", grades[:, 5], 0.0)
    for s in np.nonzero(secondary)[0]:
        g7 = grades[s, 6]
        if max(g7, intake[s]) > 0 and abs(intake[s] - g7) > FEEDER_GAP * max(g7, 1.0):
            t.notes.append(
                f"WARNING feeder: {codes[s]} {names[s]} has {g7:g} pupils in grade 7, but the grade-6 pupils "
                f"of the schools feeding it (its own included) number {intake[s]:g} ({intake[s] / max(g7, 1):.0%}): "
                "its enrolment will drift that way; check the feeder assignments above and give the "
                "'对口初中学校标识码' column" if lang == "en" else
                f"警告 对口：{codes[s]} {names[s]} 现有七年级 {g7:g} 人，但对口小学（含本校）六年级共 {intake[s]:g} 人"
                f"（{intake[s] / max(g7, 1):.0%}）：该校学生数将随之变化；请核对上列对口关系，并在"
                "“对口初中学校标识码”列中给定")
    return feeder


# ----------------------------------------------------------------------------- pupils
def _grade_number(v: str):
    v = unicodedata.normalize("NFKC", v).strip()
    if re.fullmatch(r"\d+(\.0+)?", v):
        return int(float(v))
    m = re.fullmatch(r"([一二三四五六七八九])(年级)?", v)
    return _GRADE_ZH.index(m.group(1)) + 1 if m else None


def _pupils(df, label, rep, notes, schools, grades, seed):
    """Per (school, grade) margins → (enrolled, out_of_school) arrays (S, GRADES, 16)."""
    S = len(schools)
    enrolled = np.zeros((S, GRADES, N_GROUPS))
    out = np.zeros((S, GRADES, N_GROUPS))
    margins = np.zeros((S, GRADES, 5))  # poor, left_behind, disabled, migrant, poor_left_behind
    oos = np.zeros((S, GRADES))
    joint = False
    lang = schools.attrs.get("lang", "en")
    if df is not None:
        t = _Table(df, PUPIL_HEADERS, label, rep, notes)
        if not t.ok():
            return None
        cols, lang = t.cols, t.lang
        joint = "poor_left_behind" in cols
        row_of = {c: i for i, c in enumerate(schools["school_id"])}
        code = t.codes("school_code")
        s_idx = code.map(row_of)
        t.report("school_code", np.nonzero((s_idx.isna() & (code != "")).to_numpy() & ~t.sci)[0],
                 lambda p: say(lang, "code_unknown", code=code.iloc[p]))
        t.report("school_code", np.nonzero((code == "").to_numpy())[0], lambda p: say(lang, "empty_required"))
        graw = t.text("grade")
        gnum = graw.map(_grade_number)
        bad_g = gnum.isna() | ~gnum.fillna(0).between(1, GRADES)
        t.report("grade", np.nonzero((bad_g & (graw != "")).to_numpy())[0],
                 lambda p: say(lang, "grade_bad", got=graw.iloc[p]))
        t.report("grade", np.nonzero((graw == "").to_numpy())[0], lambda p: say(lang, "empty_required"))
        vals = {c: t.numeric(c, required=PUPIL_HEADERS[c][0], default=0.0)
                for c in ("poor", "left_behind", "disabled", "migrant", "poor_left_behind", "out_of_school")}
        ok = ~(s_idx.isna() | bad_g).to_numpy()
        si = s_idx.fillna(0).to_numpy(dtype=np.int64)
        gi = gnum.where(~bad_g, 1).fillna(1).to_numpy(dtype=np.int64) - 1
        seen: dict[tuple[int, int], int] = {}
        for p in np.nonzero(ok)[0]:
            key = (si[p], gi[p])
            if key in seen:
                rep.add(label, f"{label} row {t.row(p)}, column '{t.head('grade')}': "
                        + say(lang, "grade_dup", code=code.iloc[p], grade=gi[p] + 1, other=t.row(seen[key])), t.row(p))
                continue
            seen[key] = p
            N = grades[si[p], gi[p]]
            m = [vals[c][p] for c in ("poor", "left_behind", "disabled", "migrant", "poor_left_behind")]
            zh = lang == "zh"
            problems = [(f"{t.head(c)} {v:g} 人，多于学校表中该年级学生 {N:g} 人" if zh else
                         f"{c} {v:g} > {N:g} pupils in the schools table") for c, v in
                        zip(GROUP_FLAGS, m[:4]) if v > N]
            if m[1] + m[3] > N:
                problems.append(f"留守儿童与随迁子女共 {m[1] + m[3]:g} 人，多于学生 {N:g} 人（一个孩子不会两者都是）" if zh
                                else f"left_behind + migrant = {m[1] + m[3]:g} > {N:g} pupils (a child is not both)")
            if joint and not (max(0.0, m[0] + m[1] - N) <= m[4] <= min(m[0], m[1])):
                lo_j, hi_j = max(0.0, m[0] + m[1] - N), min(m[0], m[1])
                problems.append(f"建档立卡留守儿童数 {m[4]:g} 不在 {lo_j:g}–{hi_j:g} 之间（由建档立卡、留守和学生数推出）" if zh
                                else f"poor_left_behind {m[4]:g} outside {lo_j:g}–{hi_j:g} (from poor, left_behind "
                                     "and pupils)")
            for msg in problems:
                where = f"{gi[p] + 1}年级" if zh else f"grade {gi[p] + 1}"
                rep.add(label, f"{label} row {t.row(p)}, column '{t.head('grade')}': {where}: {msg}", t.row(p))
            margins[si[p], gi[p]] = m
            oos[si[p], gi[p]] = vals["out_of_school"][p]
        pupils_of = grades.sum(axis=1)
        listed = {s for s, _ in seen}
        srows = schools.attrs.get("rows")
        for s in range(S):
            if s not in listed and pupils_of[s] > 0 and not (s_idx == s).any():
                rep.add(label, f"{label}: " + say(lang, "school_missing", code=schools["school_id"].iloc[s],
                                                  name=schools["name"].iloc[s], pupils=pupils_of[s]),
                        int(srows[s]) if srows is not None else 0)
        missing = [(s, g) for s in listed for g in range(GRADES) if grades[s, g] > 0 and (s, g) not in seen]
        if missing:
            shown = ", ".join(f"{schools['school_id'].iloc[s]} {g + 1}" for s, g in missing[:20])
            notes.append(f"{label}: {len(missing)} (school, grade) with pupils but no row: their pupils have no "
                         f"flags (not poor, left-behind, disabled or migrant): {shown}" if lang == "en" else
                         f"{label}：{len(missing)} 个（学校，年级）有学生但无行，这些学生按无标记计：{shown}")
        t.blank_notes()
        if "out_of_school" not in cols:
            notes.append("out_of_school: not given; the ledger starts empty (0 in every cell)" if lang == "en" else
                         "失学辍学人数：未提供，台账从 0 开始")
    else:
        notes.append("no pupils table: every pupil in the group with no flags (not poor, left-behind, "
                     "disabled or migrant); out_of_school 0" if lang == "en" else
                     "无学生表：所有学生按无标记计（非建档立卡、留守、残疾、随迁），失学辍学 0")
    if rep:
        return None
    masks = margin_masks((("poor", "left_behind"),) if joint else ())
    live = np.nonzero(grades.reshape(-1) + oos.reshape(-1) > 0)[0]
    total = grades.reshape(-1)[live]
    m = margins.reshape(-1, 5)[live][:, : masks.shape[0]]
    x = fit_groups(total, m, masks, seed)
    counts, exact = round_groups(x, total, m, masks)
    enrolled.reshape(-1, N_GROUPS)[live] = counts
    if (~exact).any():
        notes.append(f"{(~exact).sum()} (school, grade) cells: margins not all exact after rounding "
                     "(plain largest remainder; totals exact)" if lang == "en" else
                     f"{(~exact).sum()} 个（学校，年级）取整后各标记人数未能全部精确（总数精确）")
    # out of school: split as the enrolled are (equal shares in a cell without pupils)
    share = np.divide(x, total[:, None], out=np.full_like(x, 1.0 / N_GROUPS), where=total[:, None] > 0)
    o_tot = oos.reshape(-1)[live]
    ox = share * o_tot[:, None]
    o_counts = np.floor(ox).astype(np.int64)
    for c in np.nonzero(o_counts.sum(axis=1) < o_tot)[0]:
        k = int(o_tot[c] - o_counts[c].sum())
        o_counts[c, np.argsort(-(ox[c] - o_counts[c]), kind="stable")[:k]] += 1
    out.reshape(-1, N_GROUPS)[live] = o_counts
    if seed is not None:
        notes.append("groups: IPF from the seed table given" if lang == "en" else "分组：按给定的种子表做 IPF")
    elif lang == "en":
        notes.append("groups: IPF to the flag counts from independence (left-behind ∧ migrant impossible)"
                     + ("; poor ∧ left-behind counts respected" if joint else ""))
    else:
        notes.append("分组：由各标记人数按独立假设做 IPF（留守与随迁不可兼有）" + ("；保留建档立卡留守儿童数" if joint else ""))
    return enrolled, out


def _enrolment_frame(schools, enrolled, out):
    s, g, k = np.nonzero(enrolled + out > 0)
    flags = group_flags()[k].astype(np.int64)
    return pd.DataFrame({"school_id": schools["school_id"].to_numpy(dtype=object)[s], "grade": g + 1,
                         **{f: flags[:, j] for j, f in enumerate(GROUP_FLAGS)},
                         "enrolled": enrolled[s, g, k].astype(np.int64),
                         "out_of_school": out[s, g, k].astype(np.int64)})


def import_tables(name: str, schools: pd.DataFrame, pupils: pd.DataFrame | None = None, *,
                  seed: np.ndarray | None = None, schools_label: str = "schools table",
                  pupils_label: str = "pupils table", report: _Report | None = None) -> ImportResult:
    """Bureau tables (text cells, headers in English or Chinese) → :class:`ImportResult`.

    ``seed``: (16,) IPF seed weights by group index (default independence with left-behind ∧
    migrant impossible). Raises ONE DistrictError listing every problem in both tables.
    """
    rep = report if report is not None else _Report(schools_label, pupils_label)
    notes: list[str] = []
    s, grades, indicators = _schools(schools, schools_label, rep, notes) if schools is not None else (None,) * 3
    cells = None
    if s is not None and not rep:
        cells = _pupils(pupils, pupils_label, rep, notes, s, grades, seed)
    elif pupils is not None:  # still check the pupils table's headers, so one error lists both
        _Table(pupils, PUPIL_HEADERS, pupils_label, rep, [])
    if rep or cells is None:
        raise rep.error(f"{name}: import")
    found = dict(s.attrs)
    s.attrs.clear()  # (pandas carries attrs into derived frames; the district needs none of them)
    district = district_from_frames(name, s, _enrolment_frame(s, *cells), source=f"import of {schools_label}")
    return ImportResult(district, notes, indicators, defaults=found.get("defaults", {}),
                        locations=found.get("locations"), lang=found.get("lang", "en"))


def load_balance_indicators(folder: str | Path) -> pd.DataFrame | None:
    """The 2017 balance indicators an import wrote into a district folder (None if it has none)."""
    path = Path(folder) / BALANCE_FILE
    if not path.is_file():
        return None
    df = pd.read_csv(path, dtype={"school_id": str}, keep_default_na=True)
    return df[[c for c in ("school_id", *BALANCE_COLUMNS) if c in df.columns]]


def read_seed(path: str | Path, report: _Report) -> np.ndarray | None:
    """A seed table: 16 rows with columns poor, left_behind, disabled, migrant (0/1) and weight ≥ 0."""
    df = read_table(path, report)
    label = str(path)
    if df is None:
        return None
    need = [*GROUP_FLAGS, "weight"]
    if [c for c in need if c not in df.columns]:
        report.add(label, f"{label} row 1: expected columns {', '.join(need)}", 1)
        return None
    seed = np.full(N_GROUPS, np.nan)
    for p in range(len(df)):
        try:
            bits = [int(df[f].iloc[p]) for f in GROUP_FLAGS]
            w = float(df["weight"].iloc[p])
            assert set(bits) <= {0, 1} and w >= 0 and math.isfinite(w)
        except (ValueError, AssertionError):
            report.add(label, f"{label} row {p + 2}: expected 0/1 flags and a weight ≥ 0", p + 2)
            continue
        seed[sum(b << j for j, b in enumerate(bits))] = w
    if np.isnan(seed).any() and not report:
        report.add(label, f"{label}: needs one row for each of the 16 flag combinations "
                          f"({int(np.isnan(seed).sum())} missing)")
    return seed


def import_files(schools_path: str | Path, pupils_path: str | Path | None = None, *,
                 seed_path: str | Path | None = None, name: str | None = None) -> ImportResult:
    """Read the bureau's files (CSV or Excel) and import them (see :func:`import_tables`)."""
    labels = [str(schools_path), *([str(pupils_path)] if pupils_path else []),
              *([str(seed_path)] if seed_path else [])]
    rep = _Report(*labels)
    schools = read_table(schools_path, rep, SCHOOL_HEADERS)
    pupils = read_table(pupils_path, rep, PUPIL_HEADERS) if pupils_path else None
    seed = read_seed(seed_path, rep) if seed_path else None
    if rep and schools is None:
        raise rep.error("import")
    return import_tables(name or Path(schools_path).stem, schools, pupils, seed=seed,
                         schools_label=str(schools_path), pupils_label=str(pupils_path or "pupils table"),
                         report=rep)
