"""The words of the bureau import's errors and notes, in English and Chinese.

A table with Chinese headers gets Chinese messages (and notes), one with
English headers English ones (:func:`language`); the file, row and column in
each message are the user's own, as written in the table.
"""

from __future__ import annotations

__all__ = ["MESSAGES", "language", "say"]

MESSAGES: dict[str, tuple[str, str]] = {
    # errors
    "empty": ("empty cell", "空白单元格"),
    "empty_required": ("empty cell in a required column", "必填列的单元格为空"),
    "empty_taught": ("empty cell: a {level} school teaches grade {grade}; write 0 if it has no pupils in it",
                     "空白单元格：{level}开设{grade}年级；该年级无学生请填 0"),
    "number": ("expected {what}{lo}, got '{got}'", "应为{what}{lo}，实际为“{got}”"),
    "whole": ("a whole number", "整数"),
    "a_number": ("a number", "数字"),
    "empty_code": ("empty school code", "学校标识码为空"),
    "dup_code": ("school code '{code}' appears more than once", "学校标识码“{code}”重复出现"),
    "sci_codes": ("{n} school code(s) in scientific notation (e.g. '{example}'; rows {rows}): Excel displayed "
                  "the long numbers so and saved them that way, so their last digits are lost. In Excel, format "
                  "the code column as Text (Format Cells → Text) before pasting the codes, or import the .xlsx "
                  "workbook itself instead of a CSV saved from it",
                  "{n} 个学校标识码为科学计数法（如“{example}”；第 {rows} 行）：Excel 把长数字显示并保存为科学计数法，"
                  "末几位数字已丢失。请在 Excel 中先把该列设为文本格式（设置单元格格式 → 文本）再粘贴代码，"
                  "或直接导入 .xlsx 工作簿而不是由它另存的 CSV"),
    "location": ("expected 城区, 镇区 or 乡村 (urban, town, rural) or a code 111–220, got '{got}'",
                 "应为 城区、镇区 或 乡村（或城乡划分代码 111–220），实际为“{got}”"),
    "yesno": ("expected 1/0 (是/否), got '{got}'", "应为 是/否（1/0），实际为“{got}”"),
    "level": ("expected 小学, 初级中学, 九年一贯制学校 or 教学点 (primary, junior, nine_year, teaching point), "
              "got '{got}'", "应为 小学、初级中学、九年一贯制学校 或 教学点，实际为“{got}”"),
    "grade_not_taught": ("pupils in grade {grade}, which a {level} school does not teach",
                         "{level}不开设{grade}年级，却有学生"),
    "teachers_min": ("expected at least 1 teacher", "专任教师至少 1 人"),
    "boarders_gt": ("{a:g} boarders but {b:g} pupils", "寄宿生 {a:g} 人，多于学生 {b:g} 人"),
    "senior_gt": ("{a:g} senior teachers but {b:g} teachers", "中级及以上职称教师 {a:g} 人，多于专任教师 {b:g} 人"),
    "facility_range": ("expected 0 to 1", "应在 0 到 1 之间"),
    "feeder_unknown": ("'{code}' is not a junior or nine-year school of this table",
                       "“{code}”不是本表中的初中或九年一贯制学校"),
    "feeder_none": ("a primary school, but the table has no junior or nine-year school for its pupils to enter "
                    "after grade 6", "本表没有可供该小学毕业生升入的初中或九年一贯制学校"),
    "central_unknown": ("'{code}' is not a primary or nine-year school of this table",
                        "“{code}”不是本表中的小学或九年一贯制学校"),
    "missing_cols": ("missing column{s} {names}", "缺少列：{names}"),
    "both_give": ("columns '{a}' and '{b}' both give the same quantity", "列“{a}”和“{b}”表示同一项"),
    "unit_wrong": ("unit '{unit}' in the header: this column takes {takes}", "表头中的单位“{unit}”不适用：该列应为{takes}"),
    "code_unknown": ("school code '{code}' is not in the schools table", "学校标识码“{code}”不在学校表中"),
    "grade_bad": ("expected a grade 1–9 (一年级…九年级), got '{got}'", "应为 1–9 年级（一年级…九年级），实际为“{got}”"),
    "grade_dup": ("school '{code}' grade {grade} also in row {other}", "学校“{code}”的{grade}年级在第 {other} 行已出现"),
    "school_missing": ("school '{code}' ({name}, {pupils:g} pupils) has no rows in the pupils table; add its rows "
                       "(0 where it has no such pupils)",
                       "学校“{code}”（{name}，{pupils:g} 名学生）在学生表中没有任何行；请补上（没有的填 0）"),
    # notes
    "n_encoding": ("{label}: read as GB18030/GBK (the encoding of Chinese Excel's 'CSV'), not UTF-8",
                   "{label}：按 GB18030/GBK 编码读取（中文 Excel 另存“CSV”的编码），不是 UTF-8"),
    "n_title": ("{label}: row(s) {rows} above the header skipped (a title)", "{label}：表头上方第 {rows} 行（标题）已跳过"),
    "n_totals": ("{label}: total row(s) skipped: {rows}", "{label}：合计/小计行已跳过：第 {rows} 行"),
    "n_unit": ("{label}, column '{col}': values in {unit}, converted to {to} (× {factor:,.6g})",
               "{label}，列“{col}”：单位为{unit}，已换算为{to}（× {factor:,.6g}）"),
    "n_unit_ignored": ("{label}, column '{col}': '({unit})' is not a unit; values read as {to}",
                       "{label}，列“{col}”：“({unit})”不是单位，数值按{to}读取"),
    "n_unused": ("{label}: columns not used: {cols}", "{label}：未使用的列：{cols}"),
    "n_blank": ("{label}, column '{col}': blank in {n} row(s) ({rows}); {default} used",
                "{label}，列“{col}”：{n} 行为空（第 {rows} 行），按{default}处理"),
    "n_codes": ("{label}, column '{col}': {n} code(s) written as numbers ('2152240001.0') or in full-width digits "
                "read as the same code", "{label}，列“{col}”：{n} 个以数字（如“2152240001.0”）或全角数字书写的代码，按同一代码读取"),
}

_UNIT_NAMES = {"money": ("yuan", "元"), "area": ("m²", "平方米"), "count": ("a count", "人数/个数"),
               "degree": ("degrees", "度"), "none": ("no unit", "无单位")}


def language(headers) -> str:
    """'zh' when most of ``headers`` hold Chinese characters, else 'en'."""
    headers = [str(h) for h in headers if str(h)]
    zh = sum(any("\u4e00" <= ch <= "\u9fff" for ch in h) for h in headers)
    return "zh" if headers and zh * 2 >= len(headers) else "en"


def say(lang: str, key: str, **kw) -> str:
    """Message ``key`` in ``lang`` ('en' or 'zh') with ``kw`` filled in."""
    en, zh = MESSAGES[key]
    return (zh if lang == "zh" else en).format(**kw)


def unit_name(kind: str, lang: str) -> str:
    en, zh = _UNIT_NAMES[kind]
    return zh if lang == "zh" else en
