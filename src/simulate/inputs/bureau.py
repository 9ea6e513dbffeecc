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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .district import GRADES, GROUP_FLAGS, LEVEL_GRADES, N_GROUPS, District, DistrictError, group_flags
from .ipf import default_seed, fit_groups, margin_masks, round_groups
from .load import district_from_frames
from .validation import _read_csv, _Report

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
    "feeder_school_code": (False, ("feeder_school_code", "对口初中学校标识码")),
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
_LOCATION = {"城区": "urban", "镇区": "town", "乡村": "rural", "urban": "urban", "town": "town", "rural": "rural"}
_LEVEL = {"小学": "primary", "初级中学": "junior", "初中": "junior", "九年一贯制学校": "nine_year",
          "九年一贯制": "nine_year", "primary": "primary", "junior": "junior", "nine_year": "nine_year"}
_YES = {"1": 1, "0": 0, "是": 1, "否": 0, "yes": 1, "no": 0, "": 0}


@dataclass
class ImportResult:
    """The imported district and what was assumed (one line per default used or column ignored)."""

    district: District
    notes: list[str] = field(default_factory=list)
    indicators: pd.DataFrame | None = None  # the 2017 balance indicators given, per school (BALANCE_FILE)

    def notes_markdown(self) -> str:
        return "# Import notes\n\n" + "".join(f"- {n}\n" for n in self.notes)

    def extra_files(self) -> dict[str, bytes]:
        """Files written beside schools.csv and enrolment.csv: the notes, and the balance indicators."""
        files = {"import_notes.md": self.notes_markdown().encode("utf-8")}
        if self.indicators is not None:
            text = self.indicators.to_csv(index=False, lineterminator="\n", float_format="%.10g")
            files[BALANCE_FILE] = text.encode("utf-8")
        return files


# ----------------------------------------------------------------------------- reading
def read_table(path: str | Path, report: _Report) -> pd.DataFrame | None:
    """A CSV (UTF-8, checked like district files) or .xlsx/.xls table (first sheet) as text cells."""
    path = Path(path)
    label = str(path)
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        if not path.is_file():
            report.add(label, f"{label}: file not found")
            return None
        try:
            df = pd.read_excel(path, dtype=str, keep_default_na=False, na_filter=False)
        except Exception as exc:  # openpyxl raises many kinds for a bad workbook
            report.add(label, f"{label}: not a readable Excel workbook ({exc})")
            return None
        df.columns = [str(c).strip() for c in df.columns]
        return df.map(lambda v: "" if v is None else str(v).strip())
    df, _ = _read_csv(path, label, report)
    return df


def _norm(h: str) -> str:
    h = h.replace("（", "(").replace("）", ")").replace("、", "").replace(" ", "").lower()
    return re.sub(r"\(.*?\)$", "", h)  # a trailing unit in brackets: 体育运动场馆面积(平方米)


def _map_headers(df: pd.DataFrame, spec: dict, label: str, rep: _Report) -> dict[str, str]:
    """canonical name -> the header as given; reports missing required and doubly mapped columns."""
    lookup = {_norm(a): canon for canon, (_, aliases) in spec.items() for a in aliases}
    found: dict[str, str] = {}
    for col in df.columns:
        canon = lookup.get(_norm(col))
        if canon is None:
            continue
        if canon in found:
            rep.add(label, f"{label} row 1: columns '{found[canon]}' and '{col}' both give {canon}", 1)
        else:
            found[canon] = col
    missing = [c for c, (req, al) in spec.items() if req and c not in found]
    if missing:
        rep.add(label, f"{label} row 1: missing column{'s' * (len(missing) > 1)} "
                       + ", ".join(f"'{c}' ({spec[c][1][1]})" for c in missing), 1)
    return found


def _numeric(df, cols, canon, label, rep, *, integer=True, lo=0.0, default=None, required=False):
    """Column ``canon`` as float array (NaN = empty and no default); bad (and, if required, empty) cells reported."""
    if canon not in cols:
        return np.full(len(df), np.nan if default is None else default)
    raw = df[cols[canon]].astype(str).str.strip()
    if required:
        rep.rows(label, cols[canon], np.nonzero((raw == "").to_numpy())[0], lambda p: "empty cell")
    val = pd.to_numeric(raw.str.replace(",", "", regex=False), errors="coerce").to_numpy(dtype=np.float64, copy=True)
    empty = (raw == "").to_numpy()
    bad = ~empty & (~np.isfinite(val) | (val < lo if lo is not None else False)
                    | ((val != np.round(val)) if integer else False))
    what = "a whole number" if integer else "a number"
    rep.rows(label, cols[canon], np.nonzero(bad)[0],
             lambda p: f"expected {what}{f' ≥ {lo:g}' if lo is not None else ''}, got '{raw.iloc[p]}'")
    val[empty | bad] = np.nan if default is None else default
    if default is None:
        val[bad] = 0.0
    return val


# ----------------------------------------------------------------------------- schools
def _schools(df, label, rep, notes):
    cols = _map_headers(df, SCHOOL_HEADERS, label, rep)
    if any(SCHOOL_HEADERS[c][0] and c not in cols for c in SCHOOL_HEADERS):
        return None, None, None
    ignored = [c for c in df.columns if c not in cols.values()]
    if ignored:
        notes.append(f"{label}: columns not used: {', '.join(ignored)}")
    n = len(df)
    text = {c: df[cols[c]].astype(str).str.strip() if c in cols else pd.Series([""] * n) for c in SCHOOL_HEADERS}
    code = text["school_code"]
    rep.rows(label, cols["school_code"], np.nonzero((code == "").to_numpy())[0], lambda p: "empty school code")
    dup = code.duplicated(keep=False) & (code != "")
    rep.rows(label, cols["school_code"], np.nonzero(dup.to_numpy())[0],
             lambda p: f"school code '{code.iloc[p]}' appears more than once")
    for c in ("name", "town"):
        rep.rows(label, cols[c], np.nonzero((text[c] == "").to_numpy())[0], lambda p: "empty cell")
    ur = text["urban_rural"]
    loc = ur.map(lambda v: _LOCATION.get(v.lower() if v.isascii() else v)
                 or ({"11": "urban", "12": "town", "21": "rural", "22": "rural"}.get(v[:2]) if
                     re.fullmatch(r"\d{3}", v) else None))
    rep.rows(label, cols["urban_rural"], np.nonzero(loc.isna().to_numpy())[0],
             lambda p: f"expected 城区, 镇区 or 乡村 (urban, town, rural) or a code 111–220, got '{ur.iloc[p]}'")
    mtn = text["mountain"].map(lambda v: _YES.get(v.lower()))
    if "mountain" in cols:
        rep.rows(label, cols["mountain"], np.nonzero(mtn.isna().to_numpy())[0],
                 lambda p: f"expected 1/0 (是/否), got '{text['mountain'].iloc[p]}'")
    location = np.where(mtn.fillna(0).to_numpy() == 1, "mountain", loc.fillna("rural").to_numpy())
    lv = text["level"].map(lambda v: _LEVEL.get(v.lower() if v.isascii() else v))
    rep.rows(label, cols["level"], np.nonzero(lv.isna().to_numpy())[0],
             lambda p: f"expected 小学, 初级中学 or 九年一贯制学校 (primary, junior, nine_year), got "
                       f"'{text['level'].iloc[p]}'")
    level = lv.fillna("nine_year").to_numpy()
    grades = np.column_stack([_numeric(df, cols, f"grade_{g}", label, rep, default=0.0)
                              for g in range(1, GRADES + 1)])
    for g in range(GRADES):
        lo, hi = (np.array([LEVEL_GRADES[v][i] for v in level]) for i in (0, 1))
        wrong = (grades[:, g] > 0) & ((g + 1 < lo) | (g + 1 > hi))
        col = cols.get(f"grade_{g + 1}", f"grade_{g + 1}")
        rep.rows(label, col, np.nonzero(wrong)[0], lambda p: f"pupils in grade {g + 1}, which a "
                 f"{level[p]} school does not teach")
    pupils = grades.sum(axis=1)
    teachers = _numeric(df, cols, "teachers", label, rep, required=True)
    rep.rows(label, cols["teachers"], np.nonzero(teachers < 1)[0], lambda p: "expected at least 1 teacher")
    _numeric(df, cols, "classes", label, rep, required=True)
    boarders = _numeric(df, cols, "boarders", label, rep, default=0.0)
    rep.rows(label, cols["boarders"], np.nonzero(boarders > pupils)[0],
             lambda p: f"{boarders[p]:g} boarders but {pupils[p]:g} pupils")
    senior = _numeric(df, cols, "senior_teachers", label, rep, default=0.0)
    rep.rows(label, cols.get("senior_teachers", ""), np.nonzero(senior > teachers)[0],
             lambda p: f"{senior[p]:g} senior teachers but {teachers[p]:g} teachers")
    if "senior_teachers" not in cols:
        notes.append("senior_teachers: not given; 0 for every school")
    for c in ("teachers_above_degree", "key_teachers", "pe_art_teachers"):
        _numeric(df, cols, c, label, rep)
    quality = _numeric(df, cols, "teacher_quality", label, rep, integer=False, lo=None, default=0.0)
    if "teacher_quality" not in cols:
        notes.append("teacher_quality: not given; 0 (the district's mean teacher) for every school")
    facility = _facility(df, cols, label, rep, notes, grades, level, location)
    given = [c for c in BALANCE_COLUMNS if c in cols]
    indicators = pd.DataFrame({"school_id": code, **{
        c: _numeric(df, cols, c, label, _Report(label), integer=False) for c in given}}) if given else None
    feeder = _feeders(df, cols, text, label, rep, notes, level, grades, code)
    share = np.divide(boarders, pupils, out=np.zeros(n), where=pupils > 0)
    schools = pd.DataFrame({
        "school_id": code, "name": text["name"], "name_en": text["name_en"], "town": text["town"],
        "town_en": text["town_en"], "level": level, "location": location,
        "boarding": (boarders > 0).astype(np.int64), "boarding_share": np.round(share, 6),
        "teachers": np.nan_to_num(teachers, nan=1).astype(np.int64),
        "senior_teachers": np.nan_to_num(senior).astype(np.int64),
        "teacher_quality": quality, "facility_index": facility, "feeder_school_id": feeder,
    })
    return schools, grades, indicators


def _facility(df, cols, label, rep, notes, grades, level, location):
    n = len(df)
    given = _numeric(df, cols, "facility_index", label, rep, integer=False)
    if "facility_index" in cols:
        rep.rows(label, cols["facility_index"], np.nonzero(given > 1)[0], lambda p: "expected 0 to 1")
    pupils = grades.sum(axis=1)
    junior_share = np.divide(grades[:, 6:].sum(axis=1), pupils, out=np.zeros(n), where=pupils > 0)
    ratios = []
    for c, (prim, jun) in FACILITY_STANDARDS.items():
        if c not in cols:
            continue
        v = _numeric(df, cols, c, label, rep, integer=c == "multimedia_rooms")
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
        notes.append(f"facility_index: from the 2017 standard's facility indicators for {used_standard.sum()} "
                     "schools")
    default = ~np.isfinite(out)
    if default.any():
        notes.append(f"facility_index: no data for {default.sum()} schools; {DEFAULT_FACILITY_INDEX} (assumption)")
    return np.round(np.where(default, DEFAULT_FACILITY_INDEX, out), 6)


def _feeders(df, cols, text, label, rep, notes, level, grades, code):
    n = len(df)
    feeder = np.array([""] * n, dtype=object)
    secondary = np.isin(level, ("junior", "nine_year"))
    codes = code.to_numpy(dtype=object)
    given = text["feeder_school_code"].to_numpy(dtype=object)
    sec_codes = set(codes[secondary])
    for p in np.nonzero((given != "") & (level == "primary"))[0]:
        if given[p] not in sec_codes:
            rep.add(label, f"{label} row {p + 2}, column '{cols['feeder_school_code']}': '{given[p]}' is not a "
                           "junior or nine-year school of this table", p + 2)
        feeder[p] = given[p]
    lon = _numeric(df, cols, "longitude", label, rep, integer=False, lo=None)
    lat = _numeric(df, cols, "latitude", label, rep, integer=False, lo=None)
    junior_pupils = grades[:, 6:].sum(axis=1)
    town = text["town"].to_numpy(dtype=object)
    auto = 0
    for p in np.nonzero((level == "primary") & (feeder == ""))[0]:
        cand = np.nonzero(secondary & (town == town[p]))[0]
        if not len(cand):
            cand = np.nonzero(secondary)[0]
        if not len(cand):
            rep.add(label, f"{label} row {p + 2}, column '{cols['level']}': a primary school, but the table has "
                           "no junior or nine-year school for its pupils to enter after grade 6", p + 2)
            continue
        if np.isfinite(lon[p]) and np.isfinite(lat[p]) and np.isfinite(lon[cand]).all() and np.isfinite(lat[cand]).all():
            dx = (lon[cand] - lon[p]) * math.cos(math.radians(lat[p]))
            best = cand[np.argmin(dx ** 2 + (lat[cand] - lat[p]) ** 2)]
        else:
            best = cand[np.argmax(junior_pupils[cand])]
        feeder[p] = codes[best]
        auto += 1
    if auto:
        notes.append(f"feeder_school_id: {auto} primary schools feed the nearest junior or nine-year school of "
                     "their town (by coordinates where given, else the one with the most junior pupils)")
    return feeder


# ----------------------------------------------------------------------------- pupils
def _pupils(df, label, rep, notes, schools, grades, seed):
    """Per (school, grade) margins → (enrolled, out_of_school) arrays (S, GRADES, 16)."""
    S = len(schools)
    enrolled = np.zeros((S, GRADES, N_GROUPS))
    out = np.zeros((S, GRADES, N_GROUPS))
    margins = np.zeros((S, GRADES, 5))  # poor, left_behind, disabled, migrant, poor_left_behind
    oos = np.zeros((S, GRADES))
    joint = False
    if df is not None:
        cols = _map_headers(df, PUPIL_HEADERS, label, rep)
        if any(PUPIL_HEADERS[c][0] and c not in cols for c in PUPIL_HEADERS):
            return None
        joint = "poor_left_behind" in cols
        row_of = {c: i for i, c in enumerate(schools["school_id"])}
        code = df[cols["school_code"]].astype(str).str.strip()
        s_idx = code.map(row_of)
        rep.rows(label, cols["school_code"], np.nonzero(s_idx.isna().to_numpy())[0],
                 lambda p: f"school code '{code.iloc[p]}' is not in the schools table")
        graw = df[cols["grade"]].astype(str).str.strip()
        gnum = graw.map(lambda v: int(v) if v.isdigit() else (_GRADE_ZH.index(v[0]) + 1 if v[:1] in _GRADE_ZH
                                                                    and v[1:] in ("", "年级") else None))
        bad_g = gnum.isna() | ~gnum.fillna(0).between(1, GRADES)
        rep.rows(label, cols["grade"], np.nonzero(bad_g.to_numpy())[0],
                 lambda p: f"expected a grade 1–9 (一年级…九年级), got '{graw.iloc[p]}'")
        vals = {c: _numeric(df, cols, c, label, rep, default=0.0)
                for c in ("poor", "left_behind", "disabled", "migrant", "poor_left_behind", "out_of_school")}
        ok = ~(s_idx.isna() | bad_g).to_numpy()
        si = s_idx.fillna(0).to_numpy(dtype=np.int64)
        gi = gnum.where(~bad_g, 1).fillna(1).to_numpy(dtype=np.int64) - 1
        seen: dict[tuple[int, int], int] = {}
        for p in np.nonzero(ok)[0]:
            key = (si[p], gi[p])
            if key in seen:
                rep.add(label, f"{label} row {p + 2}, column '{cols['grade']}': school '{code.iloc[p]}' grade "
                               f"{gi[p] + 1} also in row {seen[key] + 2}", p + 2)
                continue
            seen[key] = p
            N = grades[si[p], gi[p]]
            m = [vals[c][p] for c in ("poor", "left_behind", "disabled", "migrant", "poor_left_behind")]
            problems = [f"{c} {v:g} > {N:g} pupils in the schools table" for c, v in
                        zip(GROUP_FLAGS, m[:4]) if v > N]
            if m[1] + m[3] > N:
                problems.append(f"left_behind + migrant = {m[1] + m[3]:g} > {N:g} pupils (a child is not both)")
            if joint and not (max(0.0, m[0] + m[1] - N) <= m[4] <= min(m[0], m[1])):
                problems.append(f"poor_left_behind {m[4]:g} outside {max(0.0, m[0] + m[1] - N):g}–"
                                f"{min(m[0], m[1]):g} (from poor, left_behind and pupils)")
            for msg in problems:
                rep.add(label, f"{label} row {p + 2}, column '{cols['grade']}': grade {gi[p] + 1}: {msg}", p + 2)
            margins[si[p], gi[p]] = m
            oos[si[p], gi[p]] = vals["out_of_school"][p]
        if "out_of_school" not in cols:
            notes.append("out_of_school: not given (0 in every cell); runs start the ledger at the status quo's steady state")
    else:
        notes.append("no pupils table: every pupil in the group with no flags (not poor, left-behind, "
                     "disabled or migrant); out_of_school 0")
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
                     "(plain largest remainder; totals exact)")
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
        notes.append("groups: IPF from the seed table given")
    else:
        notes.append("groups: IPF to the flag counts from independence (left-behind ∧ migrant impossible)"
                     + ("; poor ∧ left-behind counts respected" if joint else ""))
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
        _map_headers(pupils, PUPIL_HEADERS, pupils_label, rep)
    if rep or cells is None:
        raise rep.error(f"{name}: import")
    district = district_from_frames(name, s, _enrolment_frame(s, *cells), source=f"import of {schools_label}")
    return ImportResult(district, notes, indicators)


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
    schools = read_table(schools_path, rep)
    pupils = read_table(pupils_path, rep) if pupils_path else None
    seed = read_seed(seed_path, rep) if seed_path else None
    if rep and schools is None:
        raise rep.error("import")
    return import_tables(name or Path(schools_path).stem, schools, pupils, seed=seed,
                         schools_label=str(schools_path), pupils_label=str(pupils_path or "pupils table"),
                         report=rep)
