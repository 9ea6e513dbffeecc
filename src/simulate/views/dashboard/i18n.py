"""Labels in English and Chinese, and numbers formatted for people, for the planner dashboard.

Everything a planner reads on :class:`simulate.views.dashboard.app.ScenarioExplorer` comes
from here: ``text(key, lang)`` looks up a label, ``fmt(value, kind, lang)``
formats a number. Indicator labels (:data:`INDICATOR_TEXT`) are read from the indicator catalogue
(:mod:`simulate.measures.catalogue`), never written here a second time. Conventions:

- one unit style per language: Chinese shows yuan amounts of 10,000 or more
  in 万元 (the unit Chinese budget documents use), English in yuan and, from
  one million, million yuan ("685.15 million yuan"); smaller amounts in yuan;
- a change is the difference of the values as shown (:func:`shown_change`), so
  3.75% against 3.76% is "−0.01 pp", never "+0.00 pp";
- shares and rates are shown as percentages, differences of rates as
  percentage points (pp / 个百分点);
- learning is in standard deviations (SD / 个标准差).
"""

from __future__ import annotations

import math

LANGUAGES = ("en", "zh")

TEXT: dict[str, tuple[str, str]] = {
    # ---- page
    "title": ("Scenario explorer: what the levers do to dropout, learning, resource gaps and cost",
              "情景推演：各项政策杠杆对辍学、学业、资源差距和成本的影响"),
    "intro": ("Move the policy levers on the left (grouped by policy; each says its unit and what it does) and the "
              "headline table shows at once what happens to dropout, learning and resource gaps, and what it costs, "
              "against the scenario under “Compare with”. {where} Numbers are at central values (one run with every "
              "parameter at its central value, the calibrated ones at their posterior means, and every flow at its "
              "expected value); the findings report the mean over parameter draws, which can differ — for more "
              "aid, whose effect is close to saturation at the central values, by a factor of ten or more; “Run "
              "with uncertainty” adds 90% intervals over those draws, “What drives this difference?” "
              "splits the difference among the levers you changed, and “Save as scenario” keeps your levers "
              "as a scenario. A value a control cannot take is explained beside it.",
              "拖动左侧的政策杠杆（按政策分组，每项注明单位和作用），主要结果表即刻显示辍学、学业和资源差距"
              "及成本相对“对照方案”的变化。{where}表中数值为中心值（各参数取中心值、校准参数取后验均值、各流量取期望值的单次运行）；"
              "研究结论报告的是参数多次抽样的平均值，两者可能不同——增加助学金时差别尤大：其效果在中心值处已接近饱和，两者可相差十倍以上；"
              "“运行不确定性分析”给出这些抽样的90%区间，"
              "“分析差异来源”把差异分解到您调整过的各项杠杆，“另存为方案”把当前杠杆保存为方案。"
              "控件无法接受的数值会在其旁边说明原因。"),
    "intro_banan": ("The district is synthetic, calibrated to Banan district, Chongqing, in 2019 "
                    "({schools} schools, {pupils} pupils).",
                    "本区县为合成数据，按2019年重庆市巴南区校准（{schools} 所学校，{pupils} 名学生）。"),
    "intro_district": ("District “{district}” ({schools} schools, {pupils} pupils); Banan's 2019 package is "
                       "scaled to its size where a lever says so.",
                       "区县“{district}”（{schools} 所学校，{pupils} 名学生）；巴南区2019年政策中的绝对数量"
                       "已按本区县规模折算（见相应杠杆的说明）。"),
    "district": ("District", "区县"),
    "district.failed": ("Could not open district “{district}”; still showing “{current}”. The problems:",
                        "无法打开区县“{district}”，仍显示“{current}”。问题如下："),
    "district.switched": ("Now on district “{district}”: the levers start at its size.",
                          "已切换到区县“{district}”：各项杠杆按本区县规模重新起算。"),
    "district.edits_kept": ("Now on district “{district}”, with your {n} lever change(s) kept on top of its start "
                            "(levers that scale with the district's size keep the same amount per pupil, school or "
                            "teacher; Reset discards them).",
                            "已切换到区县“{district}”，并保留您修改的 {n} 个政策杠杆（随区县规模折算的杠杆保持"
                            "相同的生均、校均或师均数量；“重置”可放弃修改）。"),
    "district.clipped": ("{lever}: {value} is outside its range on this district, kept {kept}.",
                         "{lever}：{value} 超出本区县的取值范围，已保留 {kept}。"),
    "start": ("Start from", "起点方案"),
    "reference": ("Compare with", "对照方案"),
    "language": ("Language", "语言"),
    "reset": ("Reset to start", "恢复起点方案"),
    "levers": ("Policy levers", "政策杠杆"),
    "headline": ("Headline results", "主要结果"),
    "headline_note": ("Expected values in {year} (year {n} of the simulation); change = this scenario − “{ref}”, "
                      "of the values as shown. Cost per child-year kept or per dropout averted is n/a when this "
                      "scenario keeps or averts fewer than one against the reference: there is no cost per unit "
                      "to report (the same rule as the findings' comparisons).",
                      "{year}年（模拟第{n}年）的期望值；变化 = 本方案 − “{ref}”（按显示的数值计算）。"
                      "若本方案相对对照减少的失学人年或辍学人次不足1，则“每减少一个的成本”为“不适用”："
                      "没有可报告的单位成本（与研究结论中比较分析的规则相同）。"),
    "indicator": ("Indicator", "指标"),
    "this": ("This scenario", "本方案"),
    "ref_col": ("Reference", "对照"),
    "change": ("Change", "变化"),
    "interval": ("90% interval", "90%区间"),
    "better": ("better", "改善"),
    "worse": ("worse", "变差"),
    "changed_levers": ("Levers changed from “{start}”: {n}", "相对“{start}”已调整的杠杆：{n} 项"),
    "charts": ("Charts", "图表"),
    "chart_gaps": ("Gaps over the years (solid: this scenario, dashed: reference)",
                   "差距的逐年变化（实线：本方案；虚线：对照）"),
    "chart_cost": ("Extra cost vs reduction of the poor–non-poor junior dropout gap, against the reference",
                   "相对对照方案的新增成本与贫困—非贫困初中辍学差距的缩小"),
    "chart_child_years": ("Child-years out of school so far (solid: this scenario, dashed: reference)",
                          "累计失学人年（实线：本方案；虚线：对照）"),
    "axis_child_years": ("child-years out of school, cumulative", "累计失学人年"),
    "alt.summary": ("The chart in words", "图表的文字说明"),
    "alt.child_years": ("Child-years out of school, added up from {first}: by {last}, {this} in this scenario against "
                        "{ref} in the reference.", "自{first}年起累计的失学人年：至{last}年本方案为 {this}，对照为 {ref}。"),
    "alt.gaps": ("The poor–non-poor junior dropout gap goes from {a} in {first} to {b} in {last} in this scenario "
                 "(reference: {ref} in {last}); the non-poor − poor learning gap is {sd} in {last}.",
                 "本方案贫困与非贫困初中辍学率差距由{first}年的 {a} 变为{last}年的 {b}（对照{last}年为 {ref}）；"
                 "{last}年非贫困与贫困学生学业差距为 {sd}。"),
    "alt.cost": ("Each scenario's extra cost a year against the reference and the junior dropout gap it closes by "
                 "the last year:", "各方案相对对照的每年新增成本及至末年缩小的初中辍学率差距："),
    "alt.band": ("Shaded: the 90% interval of this scenario from the uncertainty run.",
                 "阴影：不确定性分析得到的本方案90%区间。"),
    "unit.million_yuan": ("million yuan a year", "百万元/年"),
    "unit.wan": ("10,000 yuan a year", "万元/年"),
    "group_changed": ("{n} changed", "已调整 {n} 项"),
    "group_toggle": ("Open or close this group of levers", "展开或收起这一组政策杠杆"),
    "typed": ("type a value", "输入数值"),
    "axis_year": ("year", "年份"),
    "axis_gap_pp": ("gap, percentage points", "差距（百分点）"),
    "axis_extra_cost": ("extra cost per year vs the reference, million yuan (mean of the years)",
                        "相对对照方案的每年新增成本（万元，各年平均）"),
    "axis_gap_reduction": ("gap reduction in {year}, pp", "{year}年差距缩小（百分点）"),
    "axis_sd": ("gap, SD", "差距（标准差）"),
    "chart_cost_title": ("Extra cost and poor–non-poor junior dropout gap closed, against “{ref}”",
                         "相对“{ref}”的新增成本与贫困—非贫困初中辍学差距的缩小"),
    "this_scenario": ("this scenario", "本方案"),
    "uncertainty": ("Uncertainty", "不确定性"),
    "draws": ("Draws", "抽样次数"),
    "run_uncertainty": ("Run with uncertainty", "运行不确定性分析"),
    "uncertainty_note": ("{draws} draws of the uncertain parameters (the calibrated ones from their posterior), "
                         "the same draws for the reference; expected pupil flows, so the 90% intervals are "
                         "parameter uncertainty only, as in the findings.",
                         "对不确定参数抽样 {draws} 次（校准参数取自后验分布），对照方案用同一组抽样；学生流动取期望值，"
                         "因此90%区间只反映参数不确定性，与研究结果一致。"),
    "uncertainty_stale": ("Intervals are shown for the scenario they were computed for; any lever change clears them.",
                          "区间对应计算时的方案；调整任何杠杆后区间将被清除。"),
    "save": ("Save as scenario", "另存为方案"),
    "save_name": ("Name", "名称"),
    "save_title": ("Title", "标题"),
    "overwrite": ("Replace an existing file", "覆盖同名文件"),
    "save_button": ("Save", "保存"),
    "saved": ("Saved {path} (extends “{extends}”, {n} changes); it is now in the scenario lists.",
              "已保存 {path}（基于“{extends}”，{n} 处修改）；已加入方案列表。"),
    "error": ("Not applied", "未应用"),
    "save.bad_name": ("scenario name {name}: use 1–60 lower-case letters, digits and _, starting with a letter",
                      "方案名称 {name}：请使用1–60个小写字母、数字或下划线，并以字母开头"),
    "save.reserved": ("scenario name 'baseline' is reserved for params/baseline.yaml",
                      "方案名称“baseline”已保留给 params/baseline.yaml"),
    "save.exists": ("{path} already exists: choose another name or tick 'replace an existing file'",
                    "{path} 已存在：请换一个名称，或勾选“覆盖同名文件”"),
    "save.bad_title": ("scenario title {title}: use one line of at most 200 characters",
                       "方案标题 {title}：请使用不超过200个字符的单行文字"),
    "save.not_identical": ("{path}: did not load back identically; not saved", "{path}：重新读取后与原方案不一致，未保存"),
    "save.overwrite_flag": ("overwrite: expected True or False, got {value}", "覆盖选项应为 True 或 False，收到 {value}"),
    "save.failed": ("Not saved", "未保存"),
    "uncertainty_failed": ("The uncertainty run failed", "不确定性分析运行失败"),
    "charts_failed": ("The charts could not be drawn", "图表无法绘制"),
    "busy": ("Computing…", "计算中…"),
    # ---- what drives this difference (simulate.views.dashboard.drivers)
    "drivers": ("What drives this difference", "差异从何而来"),
    "drivers_button": ("What drives this difference?", "分析差异来源"),
    "drivers_intro": ("Splits the difference between this scenario and “{ref}” among the levers you changed "
                      "(Shapley values: each lever's average contribution over every order of switching the levers "
                      "on; the contributions add up to the total). It runs the model once for every combination "
                      "of changed lever groups, so it is computed when you press the button, not on every move.",
                      "把本方案与“{ref}”之间的差异分解到您调整过的各项政策杠杆上（沙普利值：在所有开启顺序下"
                      "各杠杆的平均贡献，各项贡献之和等于总差异）。需对每一种已调整杠杆组合各运行一次模型，"
                      "因此在按下按钮时才计算，不随每次拖动重新计算。"),
    "drivers_none": ("This scenario does not differ from “{ref}”: there is nothing to split.",
                     "本方案与“{ref}”没有差异，无需分解。"),
    "drivers_stale": ("The levers or the reference changed since the last split: press the button again.",
                      "上次分解后政策杠杆或对照方案已改变：请再次按下按钮。"),
    "drivers_computing": ("Computing: {done} of {total} runs…", "计算中：已完成 {done}/{total} 次运行…"),
    "drivers.lever": ("Lever group", "政策杠杆组"),
    "drivers.total": ("Total difference (this scenario − reference)", "总差异（本方案 − 对照）"),
    "drivers.note": ("Contributions in {year}, the headline year ({n} lever group(s), {runs} expected-mode runs). "
                     "Hover over a lever group to see its parameters.",
                     "{year}年（主要结果年份）的贡献（{n} 个杠杆组，{runs} 次期望值运行）。鼠标悬停在杠杆组上可查看其参数。"),
    "drivers.col.child_years_out_of_school.cumulative.total": ("Child-years out of school so far", "累计失学人年"),
    "drivers.col.dropout_gap.poor.junior": ("Poor − non-poor junior dropout gap", "贫困与非贫困初中辍学率差距"),
    "drivers.col.learning_gap.poor": ("Non-poor − poor learning gap", "非贫困与贫困学生学业差距"),
    "drivers.col.cost.policy_levers.all_years": ("Cost of the policy levers, all years", "政策措施成本（各年合计）"),
    # ---- the capital lever is a ceiling (simulate.views.dashboard.headline.capital_note)
    "capital.none": ("no capital budget", "无改造资金"),
    "capital.all_spent": ("the whole ceiling ({ceiling}) is spent", "上限（{ceiling}）已全部支出"),
    "capital.ceiling_not_reached": ("ceiling not reached: {spent} of {ceiling} allowed ({share}%) is spent; in {years} "
                                    "the weak schools could absorb no more (a school gets only what it needs to "
                                    "reach the facility standard)",
                                    "未达上限：允许的 {ceiling} 中实际支出 {spent}（{share}%）；{years}年薄弱学校已无更多"
                                    "改造需求（每所学校只获得达到设施标准所需的资金）"),
    # ---- work that leaves the page (simulate.views.dashboard.outside)
    "outside": ("Share, download, report", "分享、下载与报告"),
    "share_link": ("Link to this scenario", "本方案的链接"),
    "share_note": ("(the lever values are in the address: copy it to share; opening it sets the levers again)",
                   "（杠杆数值保存在链接地址中：复制即可分享，打开后按链接重新设置杠杆）"),
    "download_csv": ("Download the headline table (CSV)", "下载主要结果表（CSV）"),
    "download_png": ("Download the chart “{chart}” (PNG)", "下载图表“{chart}”（PNG）"),
    "export_report": ("Export report", "导出报告"),
    "report.html": ("Report (HTML, printable)", "报告（HTML，可打印）"),
    "report.pdf": ("Report (PDF)", "报告（PDF）"),
    "report.no_pdf": ("no PDF: no Chromium on this server to print it", "无PDF：服务器上没有可用于打印的 Chromium"),
    "report.title": ("Scenario report: levers from “{start}”, district {district}", "方案报告：起点方案“{start}”，区县 {district}"),
    "report.against": ("Compared with “{ref}”.", "对照方案：“{ref}”。"),
    "report.levers": ("Levers changed", "已调整的政策杠杆"),
    "report.lever": ("Lever (parameter units)", "杠杆（参数单位）"),
    "report.start": ("Start scenario", "起点方案"),
    "report.none_changed": ("none: the start scenario as it is", "无：即起点方案本身"),
    "report.no_drivers": ("Not computed (press “What drives this difference?” before exporting).",
                          "未计算（导出前请先点击“分析差异来源”）。"),
    "delete_choice": ("Delete a scenario you saved", "删除您保存的方案"),
    "delete_button": ("Delete", "删除"),
    "deleted": ("Deleted {path}.", "已删除 {path}。"),
    "delete.in_use": ("“{name}” is the start or the reference now: choose another first", "“{name}”正被用作起点或对照方案：请先选择其他方案"),
    # ---- a shared link (simulate.views.dashboard.links)
    "link.too_long": ("The link's settings are {n} characters long (at most {max}): not applied",
                      "链接中的设置长度为 {n} 个字符（上限 {max}）：未应用"),
    "link.no_scenario": ("the link names a scenario “{name}” that is not on this server",
                         "链接中的方案“{name}”不在本服务器上"),
    "link.unknown": ("the link has settings this dashboard does not know: {keys}", "链接中有本页面不认识的设置：{keys}"),
    "link.opened": ("Opened a shared scenario: {n} lever(s) set from the link.", "已打开分享的方案：按链接设置了 {n} 项杠杆。"),
    # ---- lever groups
    "group.base_grant": ("Per-pupil base grant", "生均公用经费"),
    "group.capital": ("Capital for weak schools", "薄弱学校改造资金"),
    "group.aid": ("Student aid", "学生资助"),
    "group.subsidy": ("Rural-teacher subsidy", "乡村教师生活补助"),
    "group.rotation": ("Support and post-rotation teachers", "支教与顶岗教师"),
    "group.training": ("Teacher training", "教师培训"),
    "group.control": ("Dropout control", "控辍保学"),
    "group.other": ("Other parameters (not on the dashboard)", "其他参数（不在本页面上）"),
    # ---- units
    "unit.yuan_pupil": ("yuan per pupil per year", "元/生·年"),
    "unit.multiplier": ("× the benchmark", "× 基准"),
    "unit.share_benchmark": ("extra share of the benchmark per poor pupil", "每名建档立卡学生加拨基准的比例"),
    "unit.wan_year": ("10,000 yuan per year", "万元/年"),
    "unit.share": ("% of those eligible", "占符合条件者的百分比"),
    "unit.yuan_teacher": ("yuan per teacher per year", "元/人·年"),
    "unit.teachers": ("teachers per year", "人/年"),
    "unit.posts": ("posts per year", "岗/年"),
    "unit.rule": ("rule", "规则"),
    "unit.person_times": ("person-times per year", "人次/年"),
    "unit.pct_person_times": ("% of person-times", "占培训人次的百分比"),
    "unit.pct_pupils": ("% of pupils", "占学生的百分比"),
    "unit.pct_left_behind": ("% of left-behind pupils", "占留守儿童的百分比"),
    "unit.pct_out_of_school": ("% of out-of-school children known", "占已掌握失学儿童的百分比"),
    "unit.pct_disabled_home": ("% of disabled children who cannot attend", "占无法到校残疾儿童的百分比"),
    # ---- allocation rules
    "rule.neediest_first": ("neediest schools first (highest pupils per teacher)", "最需要的学校优先（生师比最高）"),
    "rule.proportional": ("in proportion to need", "按需求比例分配"),
    "rule.named": ("named schools", "指定学校"),
    # ---- capital targeting rules
    "rule.weakest_first": ("weakest schools first", "最薄弱学校优先"),
    "rule.proportional_to_deficit": ("in proportion to the facility deficit", "按设施缺口比例"),
    "rule.equal_per_school": ("equal amount per weak school", "每所薄弱学校等额"),
    # ---- verdicts
    "verdict.pass_2017": ("meets the 2017 high-quality balance standard (every indicator ≤ {t})",
                          "达到2017年优质均衡标准（各项差异系数 ≤ {t}）"),
    "verdict.pass_2012": ("meets the basic balance standard (composite ≤ {t}), not the 2017 one",
                          "达到基本均衡（综合差异系数 ≤ {t}），未达优质均衡"),
    "verdict.fail": ("fails the basic balance standard (composite > {t})", "未达基本均衡（综合差异系数 > {t}）"),
    "n/a": ("n/a", "不适用"),
    # ---- a value a control cannot hold: what it kept and why (shown next to the control)
    "note.above_max": ("{value} is above the maximum {max}: kept {kept}", "{value} 超过上限 {max}：已保留 {kept}"),
    "note.below_min": ("{value} is below the minimum {min}: kept {kept}", "{value} 低于下限 {min}：已保留 {kept}"),
    "note.not_number": ("{value} is not a number: kept {kept}", "{value} 不是数字：保留 {kept}"),
    "note.not_finite": ("{value} is not a finite number: kept {kept}", "{value} 不是有限的数：保留 {kept}"),
    "note.not_whole": ("{value} is not a whole number: kept {kept}", "{value} 不是整数：取 {kept}"),
    "note.not_choice": ("{value} is not one of the rules ({options}): kept {kept}",
                        "{value} 不是可选规则（{options}）之一：保留 {kept}"),
    "note.language": ("{value} is not a language of the dashboard ({options}): kept {kept}",
                      "{value} 不是可用语言（{options}）：保留 {kept}"),
    "none_averted": ("n/a (no dropouts averted)", "不适用（未减少辍学）"),
    # ---- scenarios written for a district (simulate.views.dashboard.written)
    "written.elsewhere": ("“{scenario}” is written for the district in {folder}: its numbers run as written there, "
                          "not on “{district}”. Kept “{kept}”; switch to that district to use it.",
                          "“{scenario}”是为 {folder} 的区县编写的：其数值只在该区县按原值运行，不适用于“{district}”。"
                          "仍使用“{kept}”；请先切换到该区县。"),
    "written.dropped": ("“{scenario}” ({what}) is written for the district left, so “{kept}” is used on "
                        "“{district}”.",
                        "“{scenario}”（{what}）是为原区县编写的，在“{district}”改用“{kept}”。"),
    "edits_kept": ("Started from “{start}” and kept your {n} lever change(s) on top of it (Reset discards them).",
                   "已切换到“{start}”，并保留您修改的 {n} 个政策杠杆（“重置”可放弃修改）。"),
    # ---- a lever scaled to the district's size (simulate.inputs.scaling.for_district)
    "scaled_from": ("Scaled to this district's size from Banan's {value} ({unit}), × {factor} by {measure}; "
                    "the slider shows what runs here",
                    "已按本区县规模折算：巴南区为 {value}（{unit}），× {factor}（按{measure}）；滑块显示的是在本区县实际运行的数值"),
    "measure.pupils": ("pupils", "学生数"),
    "measure.schools": ("schools", "学校数"),
    "measure.teachers": ("teachers", "教师数"),
    # ---- which way is better, per headline row
    "better_col": ("better", "更好的方向"),
    "better.lower": ("lower is better", "越低越好"),
    "better.higher": ("higher is better", "越高越好"),
    "better.closer_to_0": ("closer to 0 is better", "越接近0越好"),
}

# Indicator labels (also the row labels of ``explorer.results``): every indicator of the catalogue
# (simulate.measures.catalogue, ``simulate.indicators()``) in both languages, word for word, plus the
# dashboard's own rows, which are sums over every simulated year and not indicators of the catalogue.
DASHBOARD_ROWS: dict[str, tuple[str, str]] = {
    "cost.policy_levers.all_years": ("Cost of the policy levers, all years (what is spent)",
                                     "政策措施成本（各年合计，实际支出）"),
    "cost.capital.all_years": ("Capital spent on weak schools, all years", "薄弱学校改造资金实际支出（各年合计）"),
}


def _indicator_text() -> dict[str, tuple[str, str]]:
    from ...measures.catalogue import catalogue

    table = catalogue()
    return {**dict(zip(table["name"], zip(table["label_en"], table["label_zh"]))), **DASHBOARD_ROWS}


INDICATOR_TEXT: dict[str, tuple[str, str]] = _indicator_text()


def text(key: str, lang: str = "en", **fields) -> str:
    """The label ``key`` in ``lang`` ('en' or 'zh'), with ``{fields}`` filled in."""
    pair = TEXT.get(key) or INDICATOR_TEXT.get(key)
    if pair is None:
        return key
    s = pair[LANGUAGES.index(lang) if lang in LANGUAGES else 0]
    return s.format(**fields) if fields else s


def fmt(value: float, kind: str, lang: str = "en", signed: bool = False) -> str:
    """A number for people. ``kind``: pct (share → %), pp (percentage points),
    sd, ptr, cv, yuan (adaptive yuan / 万元), count, child_years, plain. A signed value that
    rounds to zero is shown as +0 (never −0.00)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return text("n/a", lang)
    out = _fmt(value, kind, lang, signed)
    if out.startswith("-") and not any(ch in "123456789" for ch in out.split(" ")[0].split("个")[0]):
        out = "+" + out[1:]
    return out


def _fmt(value: float, kind: str, lang: str, signed: bool) -> str:
    sign = "+" if signed else ""
    if kind == "pct":
        return f"{100 * value:{sign},.2f}" + (" pp" if signed and lang == "en" else "个百分点" if signed else "%")
    if kind == "pp":
        return f"{value:{sign},.2f}" + (" pp" if lang == "en" else "个百分点")
    if kind == "sd":
        return f"{value:{sign}.3f}" + (" SD" if lang == "en" else "个标准差")
    if kind == "ptr":
        return f"{value:{sign},.2f}"
    if kind == "cv":
        return f"{value:{sign}.3f}"
    if kind == "count":
        return f"{value:{sign},.0f}" + ("" if lang == "en" else "人")
    if kind == "child_years":
        return f"{value:{sign},.0f}" + ("" if lang == "en" else "人年")
    if kind == "yuan":
        return yuan(value, lang, signed)
    return f"{value:{sign},.3g}"


# kind: (scale to the unit shown, decimals shown), for the kinds shown at a fixed precision
SHOWN = {"pct": (100.0, 2), "pp": (1.0, 2), "sd": (1.0, 3), "ptr": (1.0, 2), "cv": (1.0, 3), "count": (1.0, 0),
         "child_years": (1.0, 0)}


def shown_change(value: float, reference: float, kind: str) -> float:
    """value − reference as the table shows them: both rounded to the displayed precision first, so the
    change never contradicts the two numbers beside it (yuan and other kinds: the exact difference)."""
    if kind not in SHOWN or not (math.isfinite(value) and math.isfinite(reference)):
        return value - reference
    scale, digits = SHOWN[kind]
    return (round(value * scale, digits) - round(reference * scale, digits)) / scale


def yuan(value: float, lang: str = "en", signed: bool = False) -> str:
    """Yuan for people: below 10,000 in yuan; from there Chinese in 万元, English in yuan and from one
    million in million yuan."""
    sign = "+" if signed else ""
    if abs(value) < 1e4 or (lang == "en" and abs(value) < 1e6):
        return f"{value:{sign},.0f}" + (" yuan" if lang == "en" else " 元")
    if lang == "en":
        return f"{value / 1e6:{sign},.2f} million yuan"
    wan = value / 1e4
    digits = 0 if abs(wan) >= 100 else 1
    return f"{wan:{sign},.{digits}f} 万元"
