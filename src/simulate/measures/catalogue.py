"""The indicator catalogue: every indicator's name, labels (English, Chinese), unit, better direction,
population and definition — one table for ``Result.indicators``, ``Comparison.table``, the summary,
the plots and the dashboard.

``simulate.indicators()`` returns it as a DataFrame (one row per indicator name); :func:`describe`
gives one row, :func:`label` one label, :func:`unit` one unit, and every lookup of an unknown name
raises :class:`~simulate.errors.NotFoundError` with the closest names ("did you mean …").

Names are built from the same constants the model uses (stages, locations, out-of-school
breakdowns, resources and equity measures), so the table cannot silently miss a family;
``tests/measures/test_catalogue.py`` checks that every indicator ``run`` and ``compare`` produce is
in it and that every name in it is produced by one of them.

Conventions (the definitions in :mod:`simulate.model.outcomes` and :mod:`simulate.measures.balance`):

- **Shares** are fractions (0.029 = 2.9%); their differences are fractions too (×100 for pp).
- **Gaps** (``dropout_gap.*``, ``consolidation_gap.*``) are in **percentage points**, disadvantaged −
  advantaged for dropout, advantaged − disadvantaged for consolidation; ``learning_gap.*`` in SD,
  advantaged − disadvantaged. A positive gap is inequality either way; closer to 0 is better.
- **"rural"** in an indicator name means the schools located *rural or mountain* (for children out
  of school: their catchment school's location). **Town** schools (乡镇, between urban and rural) are
  on neither side of an urban–rural gap and in neither ``.rural`` nor ``.urban``; they appear in
  ``ptr.town`` etc. and in the ``location`` breakdown (:meth:`simulate.Comparison.breakdown`).
- **Cumulative** (``child_years_out_of_school.cumulative.*``) sums the years simulated so far; every
  other yearly indicator is that year's value.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from ..errors import NotFoundError
from ..model.levers.common import LOCATIONS
from ..model.outcomes import OUT_OF_SCHOOL_BREAKDOWNS, better_direction
from .balance import BALANCE_INDICATORS, RESOURCES

COLUMNS = ["name", "label_en", "label_zh", "unit", "better", "population", "definition", "family"]

STAGE = {"all": ("all grades 1–9", "1–9年级"), "primary": ("primary, grades 1–6", "小学1–6年级"),
         "junior": ("junior secondary, grades 7–9", "初中7–9年级")}
RURAL_MEANS = "rural and mountain schools (town schools are on neither side)"
LOCATION_ZH = {"urban": "城区", "town": "乡镇", "rural": "农村", "mountain": "山区"}
SIDE = {  # out-of-school breakdowns: (English, Chinese, population)
    "total": ("all", "全部", "school-age children of the district (enrolled or out of school)"),
    "primary": ("primary age", "小学年龄段", "children of primary age (grades 1–6)"),
    "junior": ("junior age", "初中年龄段", "children of junior-secondary age (grades 7–9; children aged past "
                                        "grade 9 without returning count here)"),
    "poor": ("registered poor", "建档立卡", "registered-poor (建档立卡) children"),
    "left_behind": ("left-behind", "留守", "left-behind children"),
    "disabled": ("disabled", "残疾", "disabled children"),
    "rural": ("rural + mountain catchment", "农村和山区学校学区",
              "children whose catchment school is rural or mountain (town catchments are in neither .rural "
              "nor .urban)"),
    "urban": ("urban catchment", "城区学校学区", "children whose catchment school is urban"),
}
RESOURCE = {"spending_per_pupil": ("spending per pupil", "生均经费", "yuan per pupil per year"),
            "ptr": ("pupils per teacher", "生师比", "pupils per teacher"),
            "teacher_quality": ("teacher quality", "教师质量", "teacher-quality index"),
            "facility_index": ("facility index", "办学条件指数", "index 0–1"),
            "teachers_per_100": ("teachers per 100 pupils", "每百名学生拥有教师数", "teachers per 100 pupils"),
            "senior_per_100": ("senior teachers per 100 pupils", "每百名学生拥有高级职称教师数",
                               "teachers per 100 pupils")}
MEASURE = {  # equity measure: (English, Chinese, unit, definition)
    "cv": ("coefficient of variation", "差异系数", "CV (0 = equal)",
           "pupil-weighted standard deviation ÷ mean across schools"),
    "gini": ("Gini coefficient", "基尼系数", "Gini (0–1, 0 = equal)", "pupil-weighted Gini across schools"),
    "theil": ("Theil index", "泰尔指数", "Theil T (≥ 0, 0 = equal)", "pupil-weighted Theil T across schools"),
    "theil_between_urban_rural": ("Theil, between urban and rural", "泰尔指数（城乡组间）", "Theil T (≥ 0)",
                                  "between-group part of Theil T, groups urban+town vs rural+mountain"),
    "theil_within_urban_rural": ("Theil, within urban and rural", "泰尔指数（城乡组内）", "Theil T (≥ 0)",
                                 "within-group part of Theil T, groups urban+town vs rural+mountain"),
    "theil_between_town": ("Theil, between towns", "泰尔指数（乡镇间）", "Theil T (≥ 0)",
                           "between-town part of Theil T"),
    "theil_within_town": ("Theil, within towns", "泰尔指数（乡镇内）", "Theil T (≥ 0)",
                          "within-town part of Theil T"),
    "mcloone": ("McLoone index", "McLoone指数", "ratio (1 = equal)",
                "the total for pupils below the median ÷ what they would have at the median"),
    "verstegen": ("Verstegen index", "Verstegen指数", "ratio (1 = equal)",
                  "the total for pupils above the median ÷ what they would have at the median"),
    "federal_range_ratio": ("federal range ratio", "联邦极差率", "ratio (0 = equal)",
                            "(95th − 5th percentile) ÷ 5th percentile, pupil-weighted"),
}
COST = {"base_grant": ("per-pupil base grant", "生均公用经费"),
        "teacher_salaries": ("teacher salaries", "教师工资"),
        "capital": ("capital for weak schools", "薄弱学校改造"),
        "aid_registered_poor": ("student aid, registered poor", "建档立卡学生资助"),
        "aid_other_needy": ("student aid, other needy pupils", "其他困难学生资助"),
        "rural_teacher_subsidy": ("rural teacher subsidy", "乡村教师生活补助"),
        "support_teachers": ("support teachers (支教)", "支教教师"),
        "post_rotation": ("post-rotation teachers (顶岗)", "顶岗教师"),
        "training": ("teacher training", "教师培训"),
        "monitoring": ("dropout monitoring (grid management)", "控辍保学网格化管理"),
        "pairing": ("pairing of left-behind children", "留守儿童结对帮扶"),
        "home_teaching": ("home-delivered teaching", "送教上门"),
        "reenrolment": ("re-enrolment casework (控辍保学 劝返)", "控辍保学劝返")}
COUNT = {"aid_registered_poor_student_times": ("aid to registered-poor pupils", "建档立卡学生资助人次",
                                               "pupil-times"),
         "aid_student_times": ("aid to all pupils", "学生资助人次", "pupil-times"),
         "support_teachers": ("support teachers placed", "支教教师人数", "teachers"),
         "post_rotation_teachers": ("post-rotation teachers placed", "顶岗教师人数", "teachers"),
         "training_person_times": ("teacher training", "教师培训人次", "person-times"),
         "paired_left_behind": ("left-behind children paired", "结对帮扶留守儿童数", "children"),
         "home_taught": ("disabled children taught at home", "送教上门儿童数", "children"),
         "reenrolment_cases": ("re-enrolment cases worked", "控辍保学劝返案件数", "cases")}

# Labels the dashboard and the summary show, written once: the dashboard's i18n.INDICATOR_TEXT and the
# summary of ``simulate compare`` (simulate.analysis.comparison_summary) read every label from this table.
HEADLINE = {
    "child_years_out_of_school.cumulative.total": ("Child-years out of school so far (school-age children)",
                                                   "累计失学儿童人年（适龄儿童）"),
    "children_never_returned.total": ("Children who left school and had not returned by year end",
                                      "辍学后至年末仍未返校的儿童"),
    "dropout_rate.primary": ("Dropout rate, primary (grades 1–6)", "小学辍学率（1–6年级）"),
    "dropout_rate.junior": ("Dropout rate, junior secondary (grades 7–9)", "初中辍学率（7–9年级）"),
    "dropout_rate.primary.poor_rural": ("Dropout rate, poor rural pupils, primary", "农村建档立卡学生辍学率（小学）"),
    "dropout_rate.junior.poor_rural": ("Dropout rate, poor rural pupils, junior", "农村建档立卡学生辍学率（初中）"),
    "consolidation_rate.nine_year": ("Nine-year consolidation rate", "九年义务教育巩固率"),
    "dropout_gap.urban_rural.junior": ("Rural − urban junior dropout gap", "城乡初中辍学率差距（农村−城区）"),
    "dropout_gap.poor.junior": ("Poor − non-poor junior dropout gap", "贫困与非贫困初中辍学率差距"),
    "learning_gap.urban_rural": ("Urban − rural learning gap", "城乡学业差距（城区−农村）"),
    "learning_gap.poor": ("Non-poor − poor learning gap", "非贫困与贫困学生学业差距"),
    "ptr.rural": ("Pupils per teacher, rural schools", "生师比（农村学校）"),
    "ptr.mountain": ("Pupils per teacher, mountain schools", "生师比（山区学校）"),
    "cv.spending_per_pupil.primary": ("CV of spending per pupil across primary schools", "小学生均经费差异系数"),
    "cv.spending_per_pupil.junior": ("CV of spending per pupil across junior schools", "初中生均经费差异系数"),
    "cv.ptr.primary": ("CV of pupils per teacher across primary schools", "小学生师比差异系数"),
    "cv.ptr.junior": ("CV of pupils per teacher across junior schools", "初中生师比差异系数"),
    "balance.composite.primary": ("County balance test, primary: composite CV", "县域均衡（小学）：综合差异系数"),
    "balance.composite.junior": ("County balance test, junior: composite CV", "县域均衡（初中）：综合差异系数"),
    "cost.policy_levers": ("Cost of the policy levers (this year)", "政策措施成本（当年）"),
    "cost.recurrent_base": ("Recurrent base: per-pupil grant and teacher salaries (this year)",
                            "经常性基础支出：生均公用经费和教师工资（当年）"),
    "cost.total": ("Total spending: recurrent base + policy levers (this year)", "总支出：经常性基础支出+政策措施（当年）"),
    "ce.extra_yuan": ("Extra cost vs reference, all years", "相对对照的累计新增成本"),
    "ce.child_years_kept": ("Child-years of schooling kept vs reference, all years", "相对对照累计减少失学人年"),
    "ce.yuan_per_child_year_kept": ("Cost per child-year of schooling kept", "每减少一个失学人年的成本"),
    "ce.dropouts_averted": ("Dropouts averted vs reference, all years (events)", "相对对照累计减少辍学人次"),
    "ce.yuan_per_dropout_averted": ("Cost per dropout averted", "每减少一名辍学的成本"),
}


def _row(name, en, zh, unit, population, definition, family, better=None) -> dict:
    en, zh = HEADLINE.get(name, (en, zh))
    return {"name": name, "label_en": en, "label_zh": zh, "unit": unit,
            "better": better or better_direction(name), "population": population, "definition": definition,
            "family": family}


def _outcome_rows() -> list[dict]:
    rows = []
    for stage, (en, zh) in STAGE.items():
        rows.append(_row(f"dropout_rate.{stage}", f"Dropout rate, {en}", f"辍学率（{zh}）", "share (0–1)",
                         f"pupils enrolled during the year, {en}",
                         "dropouts during the year ÷ pupils enrolled during the year (start enrolment + returns)",
                         "dropout"))
        if stage == "all":
            continue
        rows.append(_row(f"dropout_rate.{stage}.poor_rural", f"Dropout rate, poor rural pupils, {en}",
                         f"农村建档立卡学生辍学率（{zh}）", "share (0–1)",
                         f"registered-poor pupils of {RURAL_MEANS}, {en}",
                         "dropouts ÷ pupils enrolled during the year, registered-poor pupils of rural and mountain "
                         "schools", "dropout"))
        for side, en_side, zh_side, who in (
                ("urban_rural", "Rural − urban", "城乡（农村−城区）", f"{RURAL_MEANS} vs urban schools"),
                ("poor", "Poor − non-poor", "贫困与非贫困", "registered-poor vs other pupils"),
                ("left_behind", "Left-behind − other", "留守与非留守", "left-behind vs other pupils")):
            rows.append(_row(f"dropout_gap.{side}.{stage}", f"{en_side} dropout gap, {en}",
                             f"{zh_side}辍学率差距（{zh}）", "pp",
                             f"pupils enrolled during the year, {en}: {who}",
                             "dropout rate of the disadvantaged group − that of the advantaged group, in percentage "
                             "points (×100 of the difference of shares)", "dropout gap"))
    for span, en, zh in (("nine_year", "nine-year (grades 1–9)", "九年"), ("junior", "junior (grades 7–9)", "初中")):
        rows.append(_row(f"consolidation_rate.{span}", f"Consolidation rate, {en}", f"{zh}巩固率", "share (0–1)",
                         "a synthetic cohort at this year's grade-to-grade continuation",
                         "the official cohort ratio (巩固率) for a synthetic cohort: the product over the grades of "
                         "(pupils at the start − dropouts + returns) ÷ pupils at the start; returners count",
                         "consolidation"))
        rows.append(_row(f"dropout_survival.{span}", f"Dropout survival, {en}", f"{zh}辍学存续率", "share (0–1)",
                         "a synthetic cohort at this year's grade-specific dropout rates",
                         "share of a cohort that would complete the grades at this year's dropout rates, returns "
                         "ignored (the consolidation rate's former definition)", "consolidation"))
        for side, en_side, zh_side, who in (
                ("urban_rural", "Urban − rural", "城乡", f"urban and town vs {RURAL_MEANS}"),
                ("poor", "Non-poor − poor", "非贫困与贫困", "other vs registered-poor pupils"),
                ("left_behind", "Other − left-behind", "非留守与留守", "other vs left-behind pupils")):
            rows.append(_row(f"consolidation_gap.{side}.{span}", f"{en_side} consolidation gap, {en}",
                             f"{zh_side}{zh}巩固率差距", "pp", who,
                             "consolidation rate of the advantaged group − that of the disadvantaged, percentage "
                             "points", "consolidation"))
    rows.append(_row("learning.mean", "Mean learning", "平均学业水平", "SD", "pupils enrolled during the year",
                     "pupil-weighted mean learning, in standard deviations of the district's pupils", "learning"))
    for side, en_side, zh_side, who in (
            ("urban_rural", "Urban − rural", "城乡（城区−农村）", f"urban schools vs {RURAL_MEANS}"),
            ("poor", "Non-poor − poor", "非贫困与贫困学生", "other vs registered-poor pupils"),
            ("left_behind", "Other − left-behind", "非留守与留守学生", "other vs left-behind pupils")):
        rows.append(_row(f"learning_gap.{side}", f"{en_side} learning gap", f"{zh_side}学业差距", "SD", who,
                         "mean learning of the advantaged group − that of the disadvantaged, in SD", "learning gap"))
    rows.append(_row("disabled_enrolment_rate", "Disabled enrolment rate", "残疾儿童入学率", "share (0–1)",
                     "disabled children of school age",
                     "disabled children enrolled ÷ disabled children of school age (enrolled + out of school), "
                     "after the start-of-year returns", "enrolment"))
    rows += [
        _row("pupils", "Pupils enrolled during the year", "在校学生数", "pupils", "all schools",
             "start enrolment + returns", "count", better="none (a count)"),
        _row("dropouts", "Dropouts (events)", "辍学人次", "dropout events", "all schools",
             "dropout events in the year; a child who returns and leaves again counts twice (secondary to "
             "child-years out of school)", "dropout"),
        _row("dropouts.poor", "Dropouts of registered-poor pupils (events)", "建档立卡学生辍学人次", "dropout events",
             "registered-poor pupils", "dropout events of registered-poor pupils in the year", "dropout"),
        _row("returns", "Children returned to school", "返校儿童数", "children", "children out of school",
             "out-of-school children re-enrolled at the start of the year", "out of school", better="none (a count)"),
        _row("out_of_school", "Children out of school at year end", "年末失学儿童数", "children",
             "school-age children", "the out-of-school ledger after the year", "out of school"),
    ]
    for side, (en, zh, who) in OUT_OF_SCHOOL_BREAKDOWNS_TEXT().items():
        rows.append(_row(f"child_years_out_of_school.{side}", f"Child-years out of school this year, {en}",
                         f"当年失学人年（{zh}）", "child-years", who,
                         "children out of school after the start-of-year returns count the whole year, the "
                         "year's dropouts half of it (this year only)", "out of school"))
        rows.append(_row(f"child_years_out_of_school.cumulative.{side}", f"Child-years out of school so far, {en}",
                         f"累计失学人年（{zh}）", "child-years (cumulative)", who,
                         "child-years out of school summed over the simulated years up to and including this "
                         "one (cumulative: do not sum it over years)", "out of school"))
        rows.append(_row(f"children_never_returned.{side}",
                         f"Children who left school and had not returned, {en}",
                         f"辍学后未返校儿童（{zh}）", "children", who,
                         "children who left school during the simulated years and are out of school at year "
                         "end, each child once", "out of school"))
    return rows


def OUT_OF_SCHOOL_BREAKDOWNS_TEXT() -> dict:
    """{breakdown: (English, Chinese, population)} for the out-of-school families, in model order."""
    return {k: SIDE[k] for k in OUT_OF_SCHOOL_BREAKDOWNS}


def _resource_rows() -> list[dict]:
    rows = []
    for loc in LOCATIONS:
        where = f"{loc} schools" + (" (between urban and rural; in neither side of an urban–rural gap)"
                                    if loc == "town" else "")
        zh = LOCATION_ZH[loc]
        rows += [
            _row(f"ptr.{loc}", f"Pupils per teacher, {loc} schools", f"生师比（{zh}学校）", "pupils per teacher",
                 where, "pupils ÷ working teachers, pooled over the schools", "resources"),
            _row(f"spending_per_pupil.{loc}", f"Spending per pupil, {loc} schools", f"生均经费（{zh}学校）",
                 "yuan per pupil per year", where,
                 "recurrent yuan (base grant + teacher salaries + rural subsidy) ÷ pupils, pooled", "resources",
                 better="higher"),
            _row(f"facility_index.{loc}", f"Facility index, {loc} schools", f"办学条件指数（{zh}学校）",
                 "index 0–1", where, "pupil-weighted mean facility index", "resources"),
            _row(f"teacher_quality.{loc}", f"Teacher quality, {loc} schools", f"教师质量（{zh}学校）",
                 "teacher-quality index", where, "teacher-weighted mean teacher quality", "resources"),
        ]
    for stage in ("primary", "junior"):
        en_stage, zh_stage = STAGE[stage]
        for resource in RESOURCES:
            r_en, r_zh, _ = RESOURCE[resource]
            for m, (m_en, m_zh, unit, definition) in MEASURE.items():
                rows.append(_row(f"{m}.{resource}.{stage}", f"{m_en[0].upper() + m_en[1:]} of {r_en}, {en_stage}",
                                 f"{zh_stage}{r_zh}{m_zh}", unit, f"schools teaching {en_stage}",
                                 f"{definition}, of {r_en}", "resource equity"))
        for ind in BALANCE_INDICATORS:
            r_en, r_zh, _ = RESOURCE[ind]
            rows.append(_row(f"balance.cv.{ind}.{stage}", f"Balance test, {en_stage}: CV of {r_en}",
                             f"县域均衡（{zh_stage}）：{r_zh}差异系数", "CV (0 = equal)",
                             f"schools teaching {en_stage}", f"pupil-weighted CV of {r_en} across schools",
                             "balance test"))
        rows += [
            _row(f"balance.composite.{stage}", f"County balance test, {stage}: composite CV",
                 f"县域均衡（{zh_stage}）：综合差异系数", "CV (0 = equal)", f"schools teaching {en_stage}",
                 "mean of the balance indicators' CVs (教督〔2012〕)", "balance test"),
            _row(f"balance.pass_2012.{stage}", f"County balance test 2012, {stage}: passes",
                 f"县域均衡2012（{zh_stage}）：是否达标", "1 = passes, 0 = fails (mean over draws: share passing)",
                 f"schools teaching {en_stage}", "composite CV at or below the 2012 threshold", "balance test"),
            _row(f"balance.pass_2017.{stage}", f"County balance test 2017, {stage}: passes",
                 f"优质均衡2017（{zh_stage}）：是否达标", "1 = passes, 0 = fails (mean over draws: share passing)",
                 f"schools teaching {en_stage}", "every indicator's CV at or below the 2017 threshold",
                 "balance test"),
            _row(f"balance.schools_meeting_standards.{stage}", f"Schools meeting the standards, {stage}",
                 f"达标学校比例（{zh_stage}）", "share of schools (0–1)", f"schools teaching {en_stage}",
                 "share of schools meeting the staffing, facility and senior-teacher standards", "balance test"),
        ]
    return rows


def _cost_rows() -> list[dict]:
    rows = [_row(f"cost.{k}", f"Cost: {en} (this year)", f"成本：{zh}（当年）", "yuan per year", "the district",
                 f"yuan spent on {en} in the year", "cost") for k, (en, zh) in COST.items()]
    rows += [
        _row("cost.total", "", "", "yuan per year", "the district", "every lever's yuan in the year", "cost"),
        _row("cost.recurrent_base", "", "", "yuan per year", "the district",
             "per-pupil base grant + every teacher's salary, which every scenario pays", "cost"),
        _row("cost.policy_levers", "", "", "yuan per year", "the district", "cost.total − cost.recurrent_base",
             "cost"),
    ]
    rows += [_row(f"count.{k}", f"Programme count: {en}", zh, unit, "the district", f"{en} in the year",
                  "programme count", better="none (a count)") for k, (en, zh, unit) in COUNT.items()]
    ce = [("ce.extra_yuan", "yuan, all years", "scenario's cumulative cost.total − the reference's"),
          ("ce.child_years_kept", "child-years, all years",
           "reference's cumulative child-years out of school − the scenario's, in the last year"),
          ("ce.children_never_returned_averted", "children",
           "reference's children never returned − the scenario's, in the last year"),
          ("ce.dropouts_averted", "dropout events, all years", "reference's dropouts − the scenario's, summed"),
          ("ce.poor_learning_gap_closed_sd", "SD", "reference's poor–non-poor learning gap − the scenario's, last year"),
          ("ce.yuan_per_child_year_kept", "yuan per child-year", "ce.extra_yuan ÷ ce.child_years_kept"),
          ("ce.yuan_per_child_never_returned_averted", "yuan per child",
           "ce.extra_yuan ÷ ce.children_never_returned_averted"),
          ("ce.yuan_per_dropout_averted", "yuan per dropout event", "ce.extra_yuan ÷ ce.dropouts_averted"),
          ("ce.yuan_per_0.1sd_gap_closed", "yuan per 0.1 SD", "ce.extra_yuan ÷ (ce.poor_learning_gap_closed_sd × 10)")]
    en_default = {"ce.children_never_returned_averted": ("Children kept from leaving for good vs reference (left "
                                                         "and not back by the last year)",
                                                         "相对对照减少的辍学未返校儿童（至末年）"),
                  "ce.poor_learning_gap_closed_sd": ("Non-poor − poor learning gap closed vs reference",
                                                     "相对对照缩小的贫困学生学业差距"),
                  "ce.yuan_per_child_never_returned_averted": ("Cost per child kept from never returning",
                                                               "每减少一名未返校儿童的成本"),
                  "ce.yuan_per_0.1sd_gap_closed": ("Cost per 0.1 SD of the poor learning gap closed",
                                                   "每缩小0.1个标准差学业差距的成本")}
    for name, unit, definition in ce:
        en, zh = en_default.get(name, ("", ""))
        better = "lower" if "yuan" in name else "higher"
        rows.append(_row(name, en, zh, unit, "the district; compare() only (needs a reference)",
                         definition + "; NaN when the scenario does not clearly do better (ratios, see "
                                      "simulate.analysis.comparison.CE_NA_RULE)", "cost-effectiveness",
                         better=better))
    return rows


@lru_cache(maxsize=1)
def _table() -> pd.DataFrame:
    rows = _outcome_rows() + _resource_rows() + _cost_rows()
    df = pd.DataFrame(rows, columns=COLUMNS)
    if df["name"].duplicated().any():
        raise AssertionError(f"catalogue: duplicate names {sorted(df.loc[df['name'].duplicated(), 'name'])}")
    return df


def catalogue() -> pd.DataFrame:
    """Every indicator: name, label_en, label_zh, unit, better ('lower', 'higher', 'closer to 0', or
    'none (a count)'), population, definition, family. A copy: change it freely."""
    return _table().copy()


def names() -> list[str]:
    return list(_table()["name"])


def describe(name: str) -> dict:
    """The catalogue row of indicator ``name`` as a dict; NotFoundError with suggestions if unknown."""
    t = _table()
    hit = t[t["name"] == name]
    if hit.empty:
        raise NotFoundError.of("indicator", name, t["name"])
    return hit.iloc[0].to_dict()


def label(name: str, lang: str = "en") -> str:
    """The label of ``name`` in ``lang`` ('en' or 'zh')."""
    return describe(name)["label_zh" if lang == "zh" else "label_en"]


def unit(name: str) -> str:
    return describe(name)["unit"]


def units(indicator_names) -> list[str]:
    """The unit of every name ('' for a name not in the catalogue)."""
    u = dict(zip(_table()["name"], _table()["unit"]))
    return [u.get(n, "") for n in indicator_names]


def axis_label(name: str, lang: str = "en") -> str:
    """``label (unit)`` for a chart axis."""
    row = describe(name)
    return f"{row['label_zh' if lang == 'zh' else 'label_en']} ({row['unit']})"


def indicators(family: str | None = None) -> pd.DataFrame:
    """``simulate.indicators()``: the indicator catalogue as a DataFrame, one row per indicator
    (name, label_en, label_zh, unit, better, population, definition, family); ``family`` keeps one
    family (e.g. 'out of school', 'dropout gap', 'resource equity', 'cost-effectiveness').

    >>> import simulate as sim
    >>> sim.indicators().set_index("name").loc["dropout_gap.poor.junior", "unit"]
    'pp'
    """
    t = catalogue()
    if family is None:
        return t
    families = list(dict.fromkeys(t["family"]))
    if family not in families:
        raise NotFoundError.of("indicator family", family, families)
    return t[t["family"] == family].reset_index(drop=True)
