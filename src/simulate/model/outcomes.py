"""Outcome indicators of one simulated year, vectorised over draws.

Each function takes a :class:`~simulate.model.engine.Year` and the district cells and
returns ``{indicator name: array (draw,)}``. ``run`` turns them into the tidy
``Result.indicators`` table; ``compare`` keeps them per draw for intervals.

Definitions chosen here (also in docs/model/outputs.md):
- *dropout rate*: dropouts during the year ÷ pupils enrolled during the year
  (start enrolment + returns), by stage (primary grades 1–6, junior 7–9).
- *urban–rural gap*: rural and mountain schools minus urban schools (town
  schools sit between and are in neither side). Dropout gaps are
  disadvantaged − advantaged in percentage points; learning gaps are
  advantaged − disadvantaged in SD: a positive gap is inequality either way.
- *consolidation rate* (巩固率, ``consolidation_rate.nine_year`` / ``.junior``):
  the official figure is a cohort ratio — the pupils in the final grade of
  junior secondary (graduating) in year t over the pupils who entered grade 1
  nine years earlier (grade 7 three years earlier for ``.junior``) — in which
  returners, and pupils who arrive from elsewhere, count. A run of a few years
  cannot follow one cohort for nine, so the model computes it for a
  *synthetic cohort* of this year's grade-to-grade continuation: the product
  over grades of (pupils who finish grade g this year, returners included) ÷
  (pupils enrolled in grade g at the start of the year, before the returns),
  :func:`consolidation`. With stable flows it equals the official ratio; a
  grade whose returns exceed its dropouts continues at more than 1.
- *dropout survival* (``dropout_survival.nine_year`` / ``.junior``; the
  model's consolidation rate before 2026-12): the share of a cohort that would
  complete grades 1–9 (or 7–9) at this year's grade-specific dropout rates,
  with no returns — a synthetic period cohort of dropout events.
- *disabled enrolment rate*: disabled children enrolled ÷ disabled children of
  school age (enrolled + out of school), at the start of the year after returns.
- *per-pupil spending*: recurrent yuan (base grant + teacher salaries + rural
  subsidy) ÷ pupils, pooled by location.
- *child-years out of school* (the outcome planners mean; it leads
  comparisons): children of school age out of school after the start-of-year
  returns count the whole year, the year's dropouts half of it (they leave
  during the year, on average at mid-year); the mean of the out-of-school
  ledger after the returns and at the end of the year
  (:func:`simulate.model.progression.child_years`). ``.cumulative`` sums the
  years so far. Children past grade-9 age count no more.
- *children never returned*: children who left school during the simulated
  years and are out of school at the end of the year (still in the ledger, or
  aged past grade 9 without returning), each child once however often they
  left and returned (:func:`simulate.model.progression.tally_out_of_school`).
- *dropouts* (a secondary figure): dropout events; a child who returns and
  leaves again counts twice, so a lever that brings children back can raise it.
- Breakdowns of the last two: ``.total``, ``.primary`` / ``.junior`` (the
  stage of the children's age; aged-out children count as junior), ``.poor``,
  ``.left_behind``, ``.disabled`` (pupil groups) and ``.rural`` / ``.urban``
  (catchment school: rural and mountain / urban).
"""

from __future__ import annotations

import numpy as np

from .levers.common import LOCATIONS
from .progression import child_years

PRIMARY = slice(0, 6)
JUNIOR = slice(6, 9)
STAGES = {"all": slice(0, 9), "primary": PRIMARY, "junior": JUNIOR}
DROPOUT_INDICATORS = ("dropout_rate", "dropout_gap.urban_rural", "dropout_gap.poor", "dropout_gap.left_behind")


def safe_ratio(num, den):
    """num ÷ den elementwise, NaN where den ≤ 0 (no warnings)."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    return np.divide(num, den, out=np.full(np.broadcast(num, den).shape, np.nan), where=den > 0)


def _sum(x):
    """Sum of a cell array over its cells → (draw,)."""
    return x.reshape(x.shape[0], -1).sum(axis=1)


def masks(cells) -> dict[str, np.ndarray]:
    loc = cells.location_code
    flags = cells.flags
    return {
        "urban": loc == LOCATIONS.index("urban"),
        "rural": np.isin(loc, (LOCATIONS.index("rural"), LOCATIONS.index("mountain"))),
        "poor": flags[:, 0], "non_poor": ~flags[:, 0],
        "left_behind": flags[:, 1], "not_left_behind": ~flags[:, 1],
        "disabled": flags[:, 2],
    }


SCHOOL_SETS = ("all", "urban", "rural")
GROUP_SETS = ("all", "poor", "non_poor", "left_behind", "not_left_behind", "disabled")
_SCHOOL_SET_INDEX = {name: i for i, name in enumerate(SCHOOL_SETS)}
_GROUP_SET_INDEX = {name: i for i, name in enumerate(GROUP_SETS)}


class _Totals:
    """Sums of one (draw, school, grade, group) array over every selection the
    indicators use, from one pass over the array.

    Performance: one matrix product (BLAS) sums the array over each set of
    schools, leaving a small (draw, school set, grade, group) array from which
    every stage, group and grade total follows, instead of copying a
    boolean-masked sub-array for every indicator (which was 40% of
    ``compare``'s time). Sums agree with the masked sums to rounding (~1e-15).
    """

    def __init__(self, x, layout, school_sets: np.ndarray, group_sets: np.ndarray):
        self.by_set = layout.by_school_set(x, school_sets)   # (draw, school set, grade, group)
        self.stage = {stage: self.by_set[:, :, STAGES[stage], :].sum(axis=2) @ group_sets   # (draw, set, group set)
                      for stage in ("primary", "junior")}
        self.stage["all"] = self.stage["primary"] + self.stage["junior"]

    def by_grade(self) -> np.ndarray:
        """(draw, grade) totals over all schools and groups."""
        return self.by_set[:, 0].sum(axis=-1)

    def __call__(self, stage="all", school="all", group="all") -> np.ndarray:
        return self.stage[stage][:, _SCHOOL_SET_INDEX[school], _GROUP_SET_INDEX[group]]


def _selection_matrices(cells, m):
    school_sets = np.stack([np.ones_like(m["urban"]), m["urban"], m["rural"]], axis=1).astype(float)
    group_sets = np.stack([np.ones_like(m["poor"])] + [m[g] for g in GROUP_SETS[1:]], axis=1).astype(float)
    return school_sets, group_sets


def year_indicators(y, cells) -> dict[str, np.ndarray]:
    """The outcome, gap, resource and cost indicators of one year, each (draw,)."""
    f = y.cell_flows
    m = masks(cells)
    out: dict[str, np.ndarray] = {}
    sets = (y.cells,) + _selection_matrices(cells, m)
    dropouts, at_risk = _Totals(f.dropouts, *sets), _Totals(f.at_risk, *sets)
    ledger = _Totals(y.cell_ledger_end, *sets)
    learning_sum = _Totals(y.cell_learning * f.at_risk, *sets)

    def rate(stage, school="all", group="all"):
        return safe_ratio(dropouts(stage, school, group), at_risk(stage, school, group))

    def mean_learning(school="all", group="all"):
        return safe_ratio(learning_sum("all", school, group), at_risk("all", school, group))

    for stage in STAGES:
        out[f"dropout_rate.{stage}"] = rate(stage)
        if stage == "all":
            continue
        out[f"dropout_gap.urban_rural.{stage}"] = 100 * (rate(stage, "rural") - rate(stage, "urban"))
        out[f"dropout_gap.poor.{stage}"] = 100 * (rate(stage, "all", "poor") - rate(stage, "all", "non_poor"))
        out[f"dropout_gap.left_behind.{stage}"] = 100 * (
            rate(stage, "all", "left_behind") - rate(stage, "all", "not_left_behind"))
        out[f"dropout_rate.{stage}.poor_rural"] = rate(stage, "rural", "poor")
    by_grade = safe_ratio(dropouts.by_grade(), at_risk.by_grade())  # (draw, grade)
    by_grade = np.nan_to_num(by_grade, nan=0.0)
    out["dropout_survival.nine_year"] = np.prod(1.0 - by_grade, axis=1)
    out["dropout_survival.junior"] = np.prod(1.0 - by_grade[:, JUNIOR], axis=1)
    returns_by_grade = y.cells.by_school_grade(f.returns).sum(axis=1)   # (draw, grade)
    continuing = consolidation(at_risk.by_grade() - returns_by_grade, at_risk.by_grade() - dropouts.by_grade())
    out["consolidation_rate.nine_year"] = np.prod(continuing, axis=1)
    out["consolidation_rate.junior"] = np.prod(continuing[:, JUNIOR], axis=1)

    out["learning.mean"] = mean_learning()
    out["learning_gap.urban_rural"] = mean_learning("urban") - mean_learning("rural")
    out["learning_gap.poor"] = mean_learning("all", "non_poor") - mean_learning("all", "poor")
    out["learning_gap.left_behind"] = mean_learning("all", "not_left_behind") - mean_learning("all", "left_behind")

    disabled_in = at_risk("all", "all", "disabled")
    ledger_by_group = ledger.by_set[:, 0].sum(axis=1)  # (draw, group)
    disabled_out = ledger_by_group[:, m["disabled"]].sum(axis=1) - dropouts("all", "all", "disabled")  # after returns
    out["disabled_enrolment_rate"] = safe_ratio(disabled_in, disabled_in + np.maximum(disabled_out, 0.0))

    out["pupils"] = at_risk()
    out["dropouts"] = dropouts()
    out["dropouts.poor"] = dropouts("all", "all", "poor")
    out["returns"] = _sum(f.returns)
    out["out_of_school"] = ledger_by_group.sum(axis=1)
    out.update(out_of_school_indicators(child_years(y.cell_ledger_end, f.dropouts), y.cell_child_years,
                                        y.cell_never_returned, sets))

    s = y.schools
    for k, name in enumerate(LOCATIONS):
        at = cells.location_code == k
        if not at.any():
            continue
        pupils = s["pupils"][:, at].sum(axis=1)
        out[f"ptr.{name}"] = safe_ratio(pupils, s["teachers"][:, at].sum(axis=1))
        out[f"spending_per_pupil.{name}"] = safe_ratio(s["recurrent_yuan"][:, at].sum(axis=1), pupils)
        out[f"facility_index.{name}"] = safe_ratio((s["facility_index"] * s["pupils"])[:, at].sum(axis=1), pupils)
        out[f"teacher_quality.{name}"] = safe_ratio((s["teacher_quality"] * s["teachers"])[:, at].sum(axis=1),
                                                s["teachers"][:, at].sum(axis=1))

    total = 0.0
    for lever, yuan in y.costs.items():
        out[f"cost.{lever}"] = yuan.sum(axis=1)
        total = total + out[f"cost.{lever}"]
    out["cost.total"] = total
    # what the policy levers cost, apart from the recurrent base every scenario pays (grant, salaries)
    base = sum((out[k] for k in RECURRENT_BASE_COSTS if k in out), 0.0)
    out["cost.recurrent_base"] = base + np.zeros_like(total)
    out["cost.policy_levers"] = total - base

    out["count.aid_registered_poor_student_times"] = s["poor_aided"].sum(axis=1)
    out["count.aid_student_times"] = s["poor_aided"].sum(axis=1) + s["other_aided"].sum(axis=1)
    out["count.support_teachers"] = s["support_in"].sum(axis=1)
    out["count.post_rotation_teachers"] = s["post_rotation"].sum(axis=1)
    out["count.training_person_times"] = s["training_person_times"].sum(axis=1)
    out["count.paired_left_behind"] = s["paired"].sum(axis=1)
    out["count.home_taught"] = s["home_taught"].sum(axis=1)
    out["count.reenrolment_cases"] = s["reenrolment_cases"].sum(axis=1)
    return out


def consolidation(start, finished) -> np.ndarray:
    """Grade-to-grade continuation of the official consolidation rate's synthetic cohort, elementwise:
    pupils who finish a grade this year (start − dropouts + returns) ÷ pupils enrolled in it at the start of
    the year (before the returns); 1 where a grade has no pupils. The product over grades 1–9 (7–9) is
    ``consolidation_rate.nine_year`` (``.junior``)."""
    start, finished = np.asarray(start, dtype=float), np.asarray(finished, dtype=float)
    return np.divide(finished, start, out=np.ones(np.broadcast(start, finished).shape), where=start > 0)


OUT_OF_SCHOOL_BREAKDOWNS = {  # name: (stage, school set, group set)
    "total": ("all", "all", "all"), "primary": ("primary", "all", "all"), "junior": ("junior", "all", "all"),
    "poor": ("all", "all", "poor"), "left_behind": ("all", "all", "left_behind"),
    "disabled": ("all", "all", "disabled"), "rural": ("all", "rural", "all"), "urban": ("all", "urban", "all"),
}
CHILD_YEARS = "child_years_out_of_school"
CHILD_YEARS_CUMULATIVE = "child_years_out_of_school.cumulative"
NEVER_RETURNED = "children_never_returned"


def out_of_school_indicators(this_year, so_far, never_returned, sets) -> dict[str, np.ndarray]:
    """Child-years out of school (this year and cumulative) and children never returned, each (draw,),
    from cell arrays (``sets``: their layout and the selection matrices), by :data:`OUT_OF_SCHOOL_BREAKDOWNS`."""
    out = {}
    for prefix, x in ((CHILD_YEARS, this_year), (CHILD_YEARS_CUMULATIVE, so_far), (NEVER_RETURNED, never_returned)):
        totals = _Totals(x, *sets)
        for name, selection in OUT_OF_SCHOOL_BREAKDOWNS.items():
            out[f"{prefix}.{name}"] = totals(*selection)
    return out


# Which direction is better, for "probability that the scenario is better" in compare().
LOWER_IS_BETTER_PREFIXES = ("dropout", "out_of_school", "child_years_out_of_school", "children_never_returned", "ptr.", "cost.", "learning_gap", "cv.", "gini.",
                            "theil", "federal_range_ratio", "balance.composite", "balance.cv.",
                            "verstegen", "consolidation_gap")


def lower_is_better(indicator: str) -> bool:
    return indicator.startswith(LOWER_IS_BETTER_PREFIXES)


# The recurrent base of cost.total: the per-pupil grant and every teacher's salary; the rest is cost.policy_levers.
RECURRENT_BASE_COSTS = ("cost.base_grant", "cost.teacher_salaries")

# Gaps between groups: parity (0) is the goal, so a gap that crosses zero and widens the other way is worse.
GAP_PREFIXES = ("dropout_gap", "learning_gap", "consolidation_gap")


def closer_to_zero_is_better(indicator: str) -> bool:
    return indicator.startswith(GAP_PREFIXES)


def is_better(indicator: str, value, reference):
    """Whether ``value`` beats ``reference`` (arrays element-wise): closer to 0 for gaps, lower or
    higher by :func:`lower_is_better` otherwise. Ties are not better."""
    if closer_to_zero_is_better(indicator):
        return np.abs(value) < np.abs(reference)
    return (value < reference) if lower_is_better(indicator) else (value > reference)


def better_direction(indicator: str) -> str:
    """'closer to 0', 'lower' or 'higher': which way is better, for labels."""
    if closer_to_zero_is_better(indicator):
        return "closer to 0"
    return "lower" if lower_is_better(indicator) else "higher"
