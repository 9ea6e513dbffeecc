"""Where pupils go on: teaching points' leavers to their central primary, primaries' to their junior school.

Used by :mod:`simulate.inputs.bureau` on the schools table (rules in ``docs/guide/own-district.md``):

* a teaching point (教学点) teaches grades 1–k: k from 最高年级, else its highest grade with pupils (at
  least 2); its grade-k leavers enter grade k+1 of the 中心校学校标识码 school, else its town's primary
  whose name holds 中心, else the town's primary or nine-year school with the most pupils in grade k+1;
* a primary's grade-6 leavers enter the 对口初中学校标识码 school, else the nearest junior or nine-year
  school of its town by coordinates, else the one of its town with the most junior pupils, else the
  district's; every assignment is listed with its rule, and a junior school whose implied grade-7 intake
  differs from its grade 7 by more than :data:`FEEDER_GAP` is warned of.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .bureau_tables import Table
from .bureau_text import say
from .district import TEACHING_POINTS

__all__ = ["FEEDER_GAP", "teaching_points", "central_schools", "feeders"]


def teaching_points(t: Table, level, grades, code):
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


def central_schools(t: Table, code, level, grades, feeder):
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


def feeders(t: Table, code: pd.Series, level, grades):
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
