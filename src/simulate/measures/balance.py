"""Resource equity across schools and China's county balance test, per year.

``resource_equity(year, district)`` returns ``{indicator: array (draw,)}`` for
one simulated :class:`~simulate.model.engine.Year`; :mod:`simulate.measures.indicators` adds
them to ``Result.indicators``. ``comparison_indicators(year, ctx)`` is the
small subset ``compare()`` carries per draw, computed over (draw, school)
arrays without a loop over draws.

Choices (documented here and in docs/model/outputs.md):

*Stages.* ``primary`` = schools offering grades 1–6 (primary and nine-year
schools), each weighted by its pupils in grades 1–6 during the year (start
enrolment + returns); ``junior`` = schools offering grades 7–9, weighted by
their grade 7–9 pupils. A nine-year school's resources are school-wide (one
budget, one staff), so it enters both stages with the same values.

*Resources* (per school): ``spending_per_pupil`` = recurrent yuan (base grant
+ teacher salaries + rural-teacher subsidy) ÷ pupils; ``ptr`` = pupils ÷
working teachers (incl. support teachers); ``teacher_quality`` on a positive
scale, the percentile 100·Φ(q) of the school's mean teacher quality q (SD
units, so 50 = the district's reference teacher) — ratio measures (CV, Theil,
McLoone…) need positive values; ``facility_index`` (0–1).

*Measures* (:mod:`simulate.measures.equity`, pupil-weighted): ``cv``, ``gini``,
``theil``, ``theil_{between,within}_urban_rural`` (urban + town schools vs
rural + mountain schools: the 城乡 divide of the report, town schools being
township seats), ``theil_{between,within}_town`` (by town/street),
``mcloone``, ``verstegen``, ``federal_range_ratio``. Names are
``{measure}.{resource}.{stage}``, e.g. ``gini.ptr.junior``.

*Balance test* (docs/sources.md [balance2012], [balance2017]). The
差异系数 of an indicator is its enrolment-weighted CV across the stage's
schools. The model carries five of the official indicators (or proxies):
``ptr``, ``teachers_per_100`` (working teachers per 100 pupils),
``senior_per_100`` (teachers of intermediate rank or higher per 100 pupils:
the district's ``senior_teachers`` scaled by the change in the school's
teacher stock since the start), ``spending_per_pupil`` (stands in for
equipment value per pupil) and ``facility_index`` (stands in for floor space,
sports ground and multimedia classrooms). Outputs per stage:
``balance.cv.{indicator}.{stage}``, ``balance.composite.{stage}`` (mean of
the five), ``balance.pass_2012.{stage}`` (1 if composite ≤ 0.65 primary /
≤ 0.55 junior — the 2012 基本均衡 thresholds are commonly quoted but
unconfirmed), ``balance.pass_2017.{stage}`` (1 if every indicator ≤ 0.50
primary / ≤ 0.45 junior, 教督〔2017〕6号) and
``balance.schools_meeting_standards.{stage}`` (share of the stage's schools
meeting all per-school standards defined here: teachers ≥ the staffing norm
need (1:19 primary, 1:13.5 junior pupils, 中央编办发〔2014〕72号; a nine-year
school needs both), facility index ≥ 0.7 (the weak-school line of
``budget.capital.weak_below_index``), and ≥ 1 senior teacher per 100 pupils
(the 2017 standard of ≥ 1 county-level key teacher per 100 pupils, quoted
from memory — unconfirmed; senior teachers are our proxy)).

*Outcome gaps* not in :mod:`simulate.model.outcomes`: ``consolidation_gap.
{urban_rural,poor,left_behind}.{nine_year,junior}`` — the official consolidation
rate's synthetic cohort (grade-to-grade continuation this year, returners
counted: ``simulate.model.outcomes.consolidation``) of the advantaged minus the disadvantaged group, in
percentage points (positive = inequality); rural = rural + mountain schools
vs urban schools, as for the dropout gaps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from . import equity
from ..inputs.district import District, group_flags
from ..model.levers.common import LOCATIONS
from ..model.outcomes import consolidation

STAGE_GRADES = {"primary": slice(0, 6), "junior": slice(6, 9)}
RESOURCES = ("spending_per_pupil", "ptr", "teacher_quality", "facility_index")
BALANCE_INDICATORS = ("ptr", "teachers_per_100", "senior_per_100", "spending_per_pupil", "facility_index")
THRESHOLD_2012 = {"primary": 0.65, "junior": 0.55}   # composite 差异系数 (commonly quoted, unconfirmed)
THRESHOLD_2017 = {"primary": 0.50, "junior": 0.45}   # each indicator, 教督〔2017〕6号
STAFFING_NORM = {"primary": 19.0, "junior": 13.5}    # pupils per teacher, 中央编办发〔2014〕72号
FACILITY_STANDARD = 0.7                              # weak-school line (budget.capital.weak_below_index)
SENIOR_PER_100_STANDARD = 1.0                        # 2017 standard (unconfirmed), senior teachers as proxy


@dataclass(frozen=True, eq=False)
class Context:
    """District constants the balance indicators need (computed once per district)."""

    in_stage: dict            # stage -> (school,) bool: school offers the stage's grades
    rural: np.ndarray         # (school,) bool: rural or mountain (urban/rural split of Theil)
    urban_only: np.ndarray    # (school,) bool: urban (for outcome gaps, as in outcomes.py)
    town: np.ndarray          # (school,) int: town code
    senior0: np.ndarray       # (school,) senior teachers at the start
    teachers0: np.ndarray     # (school,) teacher stock at the start
    poor: np.ndarray          # (group,) bool
    left_behind: np.ndarray   # (group,) bool


def context(district: District) -> Context:
    offers = district.offers_grade
    loc = district.location_code
    return Context(
        in_stage={s: offers[:, g].any(axis=1) for s, g in STAGE_GRADES.items()},
        rural=np.isin(loc, (LOCATIONS.index("rural"), LOCATIONS.index("mountain"))),
        urban_only=loc == LOCATIONS.index("urban"),
        town=np.unique(district.schools["town"].to_numpy(dtype=str), return_inverse=True)[1],
        senior0=district.senior_teachers,
        teachers0=district.teachers,
        poor=group_flags()[:, 0],
        left_behind=group_flags()[:, 1],
    )


def _div(a, b) -> np.ndarray:
    a, b = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float))
    return np.divide(a, b, out=np.full(a.shape, np.nan), where=b > 0)


# ------------------------------------------------------------------ per-school values, (draw, school)
def school_resources(s: dict) -> dict[str, np.ndarray]:
    """The four resources per school; NaN where a school has no pupils."""
    has = s["pupils"] > 0
    return {
        "spending_per_pupil": _div(s["recurrent_yuan"], s["pupils"]),
        "ptr": np.where(has, _div(s["pupils"], s["teachers"]), np.nan),
        "teacher_quality": np.where(has, 100.0 * ndtr(s["teacher_quality"]), np.nan),
        "facility_index": np.where(has, s["facility_index"], np.nan),
    }


def balance_values(s: dict, ctx: Context) -> dict[str, np.ndarray]:
    """The five balance-test indicators per school; NaN where a school has no pupils."""
    senior = ctx.senior0 * _div(s["teacher_stock"], ctx.teachers0)
    senior = np.where(np.isfinite(senior), senior, 0.0)
    r = school_resources(s)
    return {
        "ptr": r["ptr"],
        "teachers_per_100": 100.0 * _div(s["teachers"], s["pupils"]),
        "senior_per_100": 100.0 * _div(senior, s["pupils"]),
        "spending_per_pupil": r["spending_per_pupil"],
        "facility_index": r["facility_index"],
    }


def stage_pupils(year, ctx: Context) -> dict[str, np.ndarray]:
    """Pupils of each stage per school during the year, (draw, school)."""
    at_risk = _at_risk_by_school_grade(year)
    return {st: at_risk[:, :, g].sum(axis=2) * ctx.in_stage[st] for st, g in STAGE_GRADES.items()}


def _at_risk_by_school_grade(year) -> np.ndarray:
    """(draw, school, grade) pupils during the year (the engine's Year sums its live cells)."""
    by = getattr(year, "at_risk_by_school_grade", None)
    return by if by is not None else year.flows.at_risk.sum(axis=3)


def meets_standards(s: dict, year, ctx: Context) -> np.ndarray:
    """(draw, school) bool: staffing, facility and senior-teacher standards all met."""
    pupils = _at_risk_by_school_grade(year)
    need = sum(pupils[:, :, g].sum(axis=2) / STAFFING_NORM[st] for st, g in STAGE_GRADES.items())
    v = balance_values(s, ctx)
    return ((s["teachers"] >= need - 1e-9) & (s["facility_index"] >= FACILITY_STANDARD)
            & (np.nan_to_num(v["senior_per_100"]) >= SENIOR_PER_100_STANDARD))


# ------------------------------------------------------------------ 1-D measures via simulate.measures.equity
def _safe(fn, *args, **kw) -> float:
    try:
        return float(fn(*args, **kw))
    except ValueError:  # empty stage, zero mean, non-positive values: undefined
        return np.nan


def _measures(x: np.ndarray, w: np.ndarray, rural: np.ndarray, town: np.ndarray) -> dict[str, float]:
    out = {"cv": _safe(equity.coefficient_of_variation, x, w), "gini": _safe(equity.gini, x, w),
           "theil": _safe(equity.theil, x, w)}
    for label, groups in (("urban_rural", rural), ("town", town)):
        try:
            t = equity.theil_decomposition(x, groups, w)
            out[f"theil_between_{label}"], out[f"theil_within_{label}"] = t.between, t.within
        except ValueError:
            out[f"theil_between_{label}"] = out[f"theil_within_{label}"] = np.nan
    out["mcloone"] = _safe(equity.mcloone, x, w)
    out["verstegen"] = _safe(equity.verstegen, x, w)
    out["federal_range_ratio"] = _safe(equity.federal_range_ratio, x, w)
    return out


def resource_equity(year, district: District, ctx: Context | None = None) -> dict[str, np.ndarray]:
    """All resource-equity, balance-test and consolidation-gap indicators of a year, each (draw,).

    Loops over draws (the measures are 1-D); ``run`` has one draw. ``compare``
    uses the vectorised subset :func:`comparison_indicators` instead.
    """
    ctx = context(district) if ctx is None else ctx
    s = year.schools
    draws = s["pupils"].shape[0]
    res, bal = school_resources(s), balance_values(s, ctx)
    weights = stage_pupils(year, ctx)
    meets = meets_standards(s, year, ctx)
    out: dict[str, list] = {}

    def put(name, d, value):
        out.setdefault(name, [np.nan] * draws)[d] = value

    for d in range(draws):
        for stage, w_all in weights.items():
            for resource in RESOURCES:
                x = res[resource][d]
                live = (w_all[d] > 0) & np.isfinite(x)
                for m, v in _measures(x[live], w_all[d][live], ctx.rural[live], ctx.town[live]).items():
                    put(f"{m}.{resource}.{stage}", d, v)
            cvs = []
            for ind in BALANCE_INDICATORS:
                x = bal[ind][d]
                live = (w_all[d] > 0) & np.isfinite(x)
                cv = _safe(equity.coefficient_of_variation, x[live], w_all[d][live]) if live.any() else np.nan
                put(f"balance.cv.{ind}.{stage}", d, cv)
                cvs.append(cv)
            for name, v in _balance_verdicts(np.array(cvs)[:, None], stage).items():
                put(f"{name}.{stage}", d, float(v[0]))
            schools = ctx.in_stage[stage] & (w_all[d] > 0)
            put(f"balance.schools_meeting_standards.{stage}", d,
                float(meets[d][schools].mean()) if schools.any() else np.nan)
    result = {k: np.asarray(v, dtype=float) for k, v in out.items()}
    result.update(consolidation_gaps(year, ctx))
    return result


def _balance_verdicts(cvs: np.ndarray, stage: str) -> dict[str, np.ndarray]:
    """Composite and pass/fail from the indicators' CVs, ``cvs`` shaped (indicator, draw)."""
    composite = cvs.mean(axis=0)
    defined = ~np.isnan(cvs).any(axis=0)
    pass_2012 = np.where(defined, (composite <= THRESHOLD_2012[stage]).astype(float), np.nan)
    pass_2017 = np.where(defined, (cvs <= THRESHOLD_2017[stage]).all(axis=0).astype(float), np.nan)
    return {"balance.composite": composite, "balance.pass_2012": pass_2012, "balance.pass_2017": pass_2017}


# ------------------------------------------------------------------ vectorised over draws
def weighted_cv(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Pupil-weighted CV (ddof 0) along the last axis; NaN values get weight 0. Shape (draw,)."""
    w = np.where(np.isfinite(x) & (w > 0), w, 0.0)
    x = np.where(w > 0, x, 0.0)
    total = w.sum(axis=-1)
    mu = _div((w * x).sum(axis=-1), total)
    var = _div((w * (x - mu[..., None]) ** 2).sum(axis=-1), total)
    return _div(np.sqrt(var), mu)


def consolidation_gaps(year, ctx: Context) -> dict[str, np.ndarray]:
    """Consolidation of advantaged minus disadvantaged pupils, percentage points, (draw,): the official
    consolidation rate's synthetic cohort (``simulate.model.outcomes.consolidation``: continuation by grade,
    returners counted) on each side."""
    flags = np.stack([~ctx.poor, ctx.poor, ~ctx.left_behind, ctx.left_behind], axis=1).astype(float)  # (group, 4)
    where = np.stack([ctx.urban_only, ctx.rural], axis=1).astype(float)  # (school, 2)
    cells = getattr(year, "cells", None)  # the engine's Year: sums over its (live) cell arrays
    f = year.cell_flows if cells is not None else year.flows

    def rates(x):  # (draw, grade, side) by location and by poverty
        if cells is None:
            return np.einsum("dsg,sj->dgj", x.sum(axis=3), where), (x @ flags).sum(axis=1)
        everyone = np.ones((where.shape[0], 1))
        return (np.einsum("dsg,sj->dgj", cells.by_school_grade(x), where),
                cells.by_school_set(x, everyone)[:, 0] @ flags)

    (dl, dg), (al, ag), (rl, rg) = rates(f.dropouts), rates(f.at_risk), rates(f.returns)
    out = {}
    for label, d_, a_, r_ in (("urban_rural", dl, al, rl), ("poor", dg[..., :2], ag[..., :2], rg[..., :2]),
                              ("left_behind", dg[..., 2:], ag[..., 2:], rg[..., 2:])):
        r = consolidation(a_ - r_, a_ - d_)  # (draw, grade, [advantaged, disadvantaged]): continuation
        for span, g in (("nine_year", slice(0, 9)), ("junior", STAGE_GRADES["junior"])):
            c = np.prod(r[:, g], axis=1)
            out[f"consolidation_gap.{label}.{span}"] = 100.0 * (c[:, 0] - c[:, 1])
    return out


def comparison_indicators(year, ctx: Context) -> dict[str, np.ndarray]:
    """The subset ``compare()`` carries per draw, without a loop over draws:
    ``cv.{spending_per_pupil,ptr}.{stage}``, ``balance.composite.{stage}``,
    ``balance.pass_2012.{stage}``, ``balance.pass_2017.{stage}`` and the
    consolidation gaps. Same definitions as :func:`resource_equity`."""
    s = year.schools
    res, bal = school_resources(s), balance_values(s, ctx)
    out = {}
    for stage, w in stage_pupils(year, ctx).items():
        for resource in ("spending_per_pupil", "ptr"):
            out[f"cv.{resource}.{stage}"] = weighted_cv(res[resource], w)
        cvs = np.stack([weighted_cv(bal[ind], w) for ind in BALANCE_INDICATORS])
        for name, v in _balance_verdicts(cvs, stage).items():
            out[f"{name}.{stage}"] = v
    out.update(consolidation_gaps(year, ctx))
    return out


# ------------------------------------------------------------------ the 2017 test on the real indicators
#: 教督〔2017〕6号 (优质均衡) resource indicators: (primary, junior) standard; "_per_100" per 100 pupils,
#: the rest per pupil (m², yuan). Columns as a bureau import writes them (inputs/bureau.py, BALANCE_FILE).
STANDARDS_2017 = {
    "teachers_above_degree": (4.2, 5.3), "key_teachers": (1.0, 1.0), "pe_art_teachers": (0.9, 0.9),
    "building_area": (4.5, 5.8), "sports_area": (7.5, 10.2), "equipment_value": (2000.0, 2500.0),
    "multimedia_rooms": (2.3, 2.4),
}
_PER_100 = {"teachers_above_degree", "key_teachers", "pe_art_teachers", "multimedia_rooms"}


def quality_balance_2017(district: District, indicators) -> tuple:
    """China's 2017 high-quality-balance test (优质均衡, 教督〔2017〕6号) on the indicators a bureau gave.

    ``indicators``: DataFrame with ``school_id`` and any of :data:`STANDARDS_2017`'s columns (totals per
    school, as in the school statistics). Per stage (primary = grades 1–6 of primary and nine-year
    schools, junior = grades 7–9 of junior and nine-year schools; a nine-year school's indicators are
    school-wide, each stage judged on its pupils of that stage and that stage's standard — an
    assumption, the standard counts the parts of such schools separately):

    * per school, value = total ÷ the school's pupils (× 100 for per-100 indicators); it *meets* the
      standard if it reaches it, and the school **passes** if it meets all but at most one of the
      indicators given and reaches 85% of the standard in the one it misses;
    * per indicator, the enrolment-weighted 差异系数 (CV, ddof 0) across the stage's schools, which must
      be ≤ 0.50 primary, ≤ 0.45 junior.

    Returns ``(schools, summary)`` DataFrames: schools = stage, school_id, indicator, value, standard,
    meets; summary = stage, indicator, cv, cv_limit, cv_ok, schools_meeting, plus one row per stage with
    indicator ``all`` whose ``passes`` says whether every school passes and every CV is within its limit.
    Indicators not given are left out (and named in no row).
    """
    import pandas as pd

    given = [c for c in STANDARDS_2017 if c in indicators.columns]
    row_of = {sid: i for i, sid in enumerate(district.schools["school_id"].astype(str))}
    ind = indicators.assign(school_id=indicators["school_id"].astype(str)).set_index("school_id")
    rows, summary = [], []
    for k, (stage, grades) in enumerate((("primary", slice(0, 6)), ("junior", slice(6, 9)))):
        pupils = district.enrolled[:, grades].sum(axis=(1, 2))
        schools = [sid for sid, i in row_of.items() if pupils[i] > 0 and sid in ind.index]
        if not schools:
            continue
        w = np.array([pupils[row_of[sid]] for sid in schools])
        ratio = {}
        for col in given:
            std = STANDARDS_2017[col][k]
            total = ind.loc[schools, col].to_numpy(dtype=float)
            whole = np.array([district.enrolled[row_of[sid]].sum() for sid in schools])  # school-wide
            value = total / whole * (100 if col in _PER_100 else 1)
            ratio[col] = value / std
            rows += [{"stage": stage, "school_id": sid, "indicator": col, "value": v, "standard": std,
                      "meets": bool(v >= std)} for sid, v in zip(schools, value)]
            cv = float(weighted_cv(value, w))
            summary.append({"stage": stage, "indicator": col, "cv": cv, "cv_limit": THRESHOLD_2017[stage],
                            "cv_ok": bool(cv <= THRESHOLD_2017[stage]),
                            "schools_meeting": int((value >= std).sum()), "schools": len(schools)})
        r = np.column_stack([ratio[c] for c in given]) if given else np.ones((len(schools), 0))
        misses = (r < 1).sum(axis=1)
        school_ok = (misses <= 1) & (r >= 0.85).all(axis=1)
        stage_rows = [x for x in summary if x["stage"] == stage]
        summary.append({"stage": stage, "indicator": "all", "schools_meeting": int(school_ok.sum()),
                        "schools": len(schools), "cv_ok": all(x["cv_ok"] for x in stage_rows),
                        "passes": bool(school_ok.all() and all(x["cv_ok"] for x in stage_rows))})
    return pd.DataFrame(rows), pd.DataFrame(summary)
