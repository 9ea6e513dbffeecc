"""Import what a county education bureau has into a district folder.

Two tables, CSV (UTF-8) or Excel (.xlsx, first sheet), with English or Chinese
headers (:data:`SCHOOL_HEADERS`, :data:`PUPIL_HEADERS`; templates and the full
header map in ``data/templates/README.md``):

**Schools** — one row per school, from the annual education statistics
(教育事业统计, 基础教育 school forms): 学校标识码, name, town, urban/rural code
(城区 / 镇区 / 乡村, or the 3-digit 统计用城乡划分代码 111–123 / 210 / 220), level,
pupils by grade, classes, boarders, full-time teachers, and optionally teachers
above the required degree, 骨干 teachers, PE/art teachers, teaching building
and sports area, equipment value, multimedia rooms, a 山区 (mountain) flag, teacher posts (编制),
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
* ``posts`` (编制数): the bureau's posts where given, else none (NaN): the school
  hires up to the staffing norm, a teaching point up to its present teachers
  moved with its norm (``model/levers/teachers.py``, ``posts``);
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
from .bureau_feeders import FEEDER_GAP, central_schools, feeders, teaching_points
from .bureau_tables import COLUMN_KIND, Table, read_table
from .bureau_text import say
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
    "posts": (False, ("posts", "staff_posts", "编制数", "核定编制", "教职工编制", "核定编制数", "教职工编制数")),
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
def _level_word(level: str, lang: str) -> str:
    zh = {"primary": "小学", "junior": "初级中学", "nine_year": "九年一贯制学校", "teaching_point": "教学点"}
    return zh.get(level, level) if lang == "zh" else level


# ----------------------------------------------------------------------------- schools
def _schools(df, label, rep, notes):
    t = Table(df, SCHOOL_HEADERS, label, rep, notes)
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
    level = teaching_points(t, level, grades, code)
    pupils = grades.sum(axis=1)
    teachers = t.numeric("teachers", required=True)
    t.report("teachers", np.nonzero(teachers < 1)[0], lambda p: say(lang, "teachers_min"))
    t.numeric("classes", required=True)
    posts = _posts(t, teachers)
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
        quiet = Table.__new__(Table)  # the same columns read again without reporting twice
        quiet.__dict__.update(t.__dict__, rep=_Report(label), blanks={})
        indicators = pd.DataFrame({"school_id": code, **{
            c: quiet.numeric(c, integer=False) for c in given}})
    feeder = feeders(t, code, level, grades)
    feeder = central_schools(t, code, level, grades, feeder)
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
        **({"posts": posts} if np.isfinite(posts).any() else {}),
        "senior_teachers": np.nan_to_num(senior).astype(np.int64),
        "teacher_quality": quality, "facility_index": facility, "feeder_school_id": feeder,
    })
    schools.attrs["lang"] = lang
    schools.attrs["rows"] = t.rows
    schools.attrs["defaults"] = defaults
    if "longitude" in cols and "latitude" in cols:
        quiet = Table.__new__(Table)
        quiet.__dict__.update(t.__dict__, rep=_Report(label), blanks={})
        schools.attrs["locations"] = pd.DataFrame({"school_id": code, "longitude": quiet.numeric(
            "longitude", integer=False, lo=None), "latitude": quiet.numeric("latitude", integer=False, lo=None)})
    return schools, grades, indicators


def _posts(t: Table, teachers) -> np.ndarray:
    """The teacher posts (编制) column: whole numbers ≥ 0; a blank cell (or no column) is NaN, the
    staffing norm (for a teaching point its present teachers: ``model/levers/teachers.py``)."""
    lang = t.lang
    posts = t.numeric("posts", default=None,
                      default_said="the staffing norm (a teaching point: its present teachers)" if lang == "en" else
                      "按编制标准核定（教学点：按现有教师数）")
    if "posts" not in t.cols:
        t.notes.append("posts: not given; every school hires up to the staffing norm (a teaching point up to its "
                       "present teachers)" if lang == "en" else
                       "编制数：未提供，各校按编制标准补充教师（教学点按现有教师数）")
        return posts
    t.report("posts", np.nonzero(np.nan_to_num(posts) > MAX_TEACHERS)[0],
             lambda p: (f"implausibly large ({posts[p]:,.0f}): a typo or a unit error?" if lang == "en" else
                        f"数值过大（{posts[p]:,.0f}）：是否输入错误或单位有误？"))
    return posts


def facility_defaulted(facility, t: Table) -> np.ndarray:
    """Schools whose facility index is the default for want of data (set by :func:`_facility`)."""
    return getattr(t, "facility_default", np.zeros(len(facility), bool))


def _facility(t: Table, grades, level):
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
        t = Table(df, PUPIL_HEADERS, label, rep, notes)
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
            notes.append("out_of_school: not given (0 in every cell); runs start the ledger at the status quo's steady state"
                         if lang == "en" else "失学辍学人数：未提供（各格为 0）；运行时台账从现行政策的稳态开始")
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
        Table(pupils, PUPIL_HEADERS, pupils_label, rep, [])
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
