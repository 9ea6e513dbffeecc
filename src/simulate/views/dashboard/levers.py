"""The dashboard's lever catalogue: every policy parameter the planner can move.

``LEVERS`` lists, grouped by lever (``GROUPS``), each parameter with its label, unit and a one-line
explanation in English and Chinese, its display ``scale`` (yuan of capital in 万元, ``scale`` =
10,000; shares and coverages in percent, ``scale`` = 0.01), its ``step`` and, where the schema's
bound is only a sanity limit, a planning maximum ``ui_max``. ``BY_PATH`` finds a lever by its dotted
parameter path. The widgets built from it are in :mod:`.controls`.
"""

from __future__ import annotations

from dataclasses import dataclass

SHARE_GROUP = "teachers.training.share_by_location"


@dataclass(frozen=True)
class Lever:
    """One control: parameter ``path`` shown as value / ``scale`` in steps of ``step``."""

    path: str
    group: str
    label: tuple[str, str]
    unit: str
    help: tuple[str, str]
    step: float = 1.0
    scale: float = 1.0
    ui_max: float | None = None
    integer: bool = False
    choice: bool = False

    @property
    def css_class(self) -> str:
        """CSS class on the widget (for browser tests): 'lever-' + path with dots as dashes."""
        return "lever-" + self.path.replace(".", "-")


def _L(path, group, en, zh, unit, help_en, help_zh, **kw) -> Lever:
    return Lever(path, group, (en, zh), unit, (help_en, help_zh), **kw)


BG, SUB = "budget.base_grant", "budget.rural_teacher_subsidy_yuan_per_teacher"
AID = "budget.student_aid"
LEVERS: tuple[Lever, ...] = (
    _L(f"{BG}.primary_yuan_per_pupil", "base_grant", "Primary benchmark", "小学基准定额", "unit.yuan_pupil",
       "Public funding per primary pupil for running costs (国发〔2015〕67号: 600).",
       "小学生均公用经费基准（国发〔2015〕67号：600元）。", step=10, ui_max=3000),
    _L(f"{BG}.junior_yuan_per_pupil", "base_grant", "Junior benchmark", "初中基准定额", "unit.yuan_pupil",
       "Public funding per junior-secondary pupil for running costs (2019: 800).",
       "初中生均公用经费基准（2019年：800元）。", step=10, ui_max=4000),
    _L(f"{BG}.location_weight.rural", "base_grant", "Rural weight", "农村学校系数", "unit.multiplier",
       "Rural schools get this multiple of the benchmark.", "农村学校按基准的倍数拨付。", step=0.05, ui_max=3.0),
    _L(f"{BG}.location_weight.mountain", "base_grant", "Mountain weight", "山区学校系数", "unit.multiplier",
       "Remote mountain schools get this multiple of the benchmark.", "偏远山区学校按基准的倍数拨付。",
       step=0.05, ui_max=3.0),
    _L(f"{BG}.poor_pupil_weight", "base_grant", "Poverty weight", "贫困学生加权", "unit.share_benchmark",
       "Extra grant to the school per registered-poor pupil, as a share of the benchmark.",
       "学校每有一名建档立卡学生，另按基准的该比例加拨。", step=0.05, ui_max=2.0),
    _L("budget.capital.yuan_per_year", "capital", "Capital budget", "改造资金", "unit.wan_year",
       "Yearly spending upgrading weak schools (dormitories, canteens, water, ICT); raises the facility index. "
       "Moving it replaces the 2019 phase-down (40 → 15 million yuan by 2023) with a flat amount.",
       "每年用于薄弱学校改造（宿舍、食堂、饮水、信息化）的资金，提高设施指数。调整后按固定金额替代2019年起的逐年递减安排。",
       step=100, scale=1e4, ui_max=2e8),
    _L("budget.capital.targeting", "capital", "Targeting", "投向规则", "unit.rule",
       "Which weak schools get the capital first.", "资金优先投向哪些薄弱学校。", choice=True),
    _L(f"{AID}.registered_poor.yuan_per_pupil", "aid", "Aid, registered-poor pupils", "建档立卡学生资助",
       "unit.yuan_pupil", "Yearly aid to each registered-poor (建档立卡) pupil (2019: 2,034).",
       "每名建档立卡学生每年的资助金额（2019年：2034元）。", step=50, ui_max=10000),
    _L(f"{AID}.registered_poor.coverage", "aid", "Coverage, registered-poor", "建档立卡资助覆盖率", "unit.share",
       "Share of registered-poor pupils who receive the aid.", "获得资助的建档立卡学生比例。", step=1, scale=0.01),
    _L(f"{AID}.other_needy.yuan_per_pupil", "aid", "Aid, other needy pupils", "其他困难学生资助", "unit.yuan_pupil",
       "Yearly aid to each other needy pupil (2019: 1,114).", "其他家庭经济困难学生每人每年资助（2019年：1114元）。",
       step=50, ui_max=10000),
    _L(f"{AID}.other_needy.coverage", "aid", "Coverage, other needy", "其他困难学生覆盖率", "unit.share",
       "Share of non-registered-poor pupils who receive needy aid.", "获得困难资助的非建档立卡学生比例。",
       step=1, scale=0.01),
    _L(f"{SUB}.town", "subsidy", "Town schools", "乡镇学校", "unit.yuan_teacher",
       "Living subsidy per teacher in town schools; lowers teacher attrition.", "乡镇学校教师生活补助；可降低教师流失。",
       step=100, ui_max=20000),
    _L(f"{SUB}.rural", "subsidy", "Rural schools", "农村学校", "unit.yuan_teacher",
       "Living subsidy per teacher in rural schools.", "农村学校教师生活补助。", step=100, ui_max=20000),
    _L(f"{SUB}.mountain", "subsidy", "Mountain schools", "山区学校", "unit.yuan_teacher",
       "Living subsidy per teacher in remote mountain schools.", "偏远山区学校教师生活补助。", step=100, ui_max=20000),
    _L("teachers.support.count", "rotation", "Support teachers (支教)", "支教教师", "unit.teachers",
       "Urban teachers sent for a year to rural and mountain schools (their urban school loses them).",
       "城区教师到农村、山区学校支教一年（派出学校相应减少）。", integer=True, ui_max=300),
    _L("teachers.support.allocation", "rotation", "Support teachers go to", "支教教师分配", "unit.rule",
       "How support teachers are placed among rural and mountain schools.", "支教教师在农村、山区学校间的分配规则。",
       choice=True),
    _L("teachers.post_rotation.count", "rotation", "Post-rotation teachers (顶岗)", "顶岗教师", "unit.posts",
       "Rural posts covered for a year while the holder trains off-post.", "顶岗置换：代课一年，原岗教师脱产培训。",
       integer=True, ui_max=300),
    _L("teachers.post_rotation.allocation", "rotation", "Post rotation goes to", "顶岗教师分配", "unit.rule",
       "How post-rotation places are spread among rural and mountain schools.", "顶岗岗位在农村、山区学校间的分配规则。",
       choice=True),
    _L("teachers.training.person_times_per_year", "training", "Training", "培训规模", "unit.person_times",
       "Teacher and principal training each year (2019: about 5,000); small, decaying quality gains.",
       "每年教师和校长培训人次（2019年约5000）；带来小幅、逐年衰减的教学质量提升。", integer=True, step=100, ui_max=30000),
    *(_L(f"{SHARE_GROUP}.{loc}", "training", en, zh, "unit.pct_person_times",
         "Share of training places for this location; the four shares always add up to 100%.",
         "该类学校所占培训名额比例；四项合计始终为100%。", step=1, scale=0.01)
      for loc, en, zh in (("urban", "Share: urban", "比例：城区"), ("town", "Share: town", "比例：乡镇"),
                          ("rural", "Share: rural", "比例：农村"), ("mountain", "Share: mountain", "比例：山区"))),
    _L("dropout.monitoring.coverage", "control", "Grid monitoring", "网格化监测", "unit.pct_pupils",
       "Pupils under grid monitoring (early warning); lowers dropout and finds out-of-school children for casework.",
       "纳入控辍网格化监测（预警）的学生比例；降低辍学，并发现失学儿童以便劝返。", step=1, scale=0.01),
    _L("dropout.reenrolment.coverage", "control", "Re-enrolment casework", "劝返复学", "unit.pct_out_of_school",
       "Out-of-school children known to the bureau whose case is worked each year: home visits, persuasion, "
       "placement in a class.",
       "已掌握的失学儿童中每年开展劝返（家访、动员、插班安置）的比例。", step=1, scale=0.01),
    _L("dropout.pairing.coverage", "control", "Left-behind pairing", "留守儿童结对帮扶", "unit.pct_left_behind",
       "Left-behind children paired with a staff member as mentor.", "与教职工结对帮扶的留守儿童比例。",
       step=1, scale=0.01),
    _L("dropout.home_teaching.coverage", "control", "Home-delivered teaching", "送教上门", "unit.pct_disabled_home",
       "Disabled children who cannot attend school who are taught at home.", "无法到校的残疾儿童中接受送教上门的比例。",
       step=1, scale=0.01),
)
GROUPS = ("base_grant", "capital", "aid", "subsidy", "rotation", "training", "control")
BY_PATH = {lever.path: lever for lever in LEVERS}
