"""The parameter schema: every policy and behaviour parameter, its type and its range.

The parameter *values* and their provenance live in ``params/baseline.yaml`` (data);
what a value may be lives here (code), so no scenario file can widen a range.
Scenario loading (``scenario.py``) validates the resolved values against
:class:`Parameters`; the planner dashboard reads its slider ranges from the same
fields (:func:`field_bounds`).

Units are in the field names where they help (``yuan_``, ``_share``, ``_sd``,
``log_odds``). Log-odds effects are signed as they enter the dropout hazard:
a negative number lowers dropout.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Share = Annotated[float, Field(ge=0.0, le=1.0)]
Yuan = Annotated[float, Field(ge=0.0, le=1e10)]
Count = Annotated[int, Field(ge=0, le=100_000)]
LogOdds = Annotated[float, Field(ge=-10.0, le=10.0)]
SdPerYear = Annotated[float, Field(ge=-1.0, le=1.0)]
Allocation = Literal["neediest_first", "proportional", "named"]


class _Strict(BaseModel):
    """Base of every parameter model: unknown keys refused, and strict types — a boolean is not a
    number (``true`` for a count), text is not a number or a boolean (``"1.0"``, ``"false"``), a
    float is not a count (``20.0``), a set or tuple is not a list (``!!set``), and NaN/±inf are
    refused everywhere (no parameter is meaningful at NaN)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class ByLocation(_Strict):
    urban: float
    town: float
    rural: float
    mountain: float


class SharesByLocation(_Strict):
    """Shares over the four locations; they must sum to one."""

    urban: Share
    town: Share
    rural: Share
    mountain: Share

    @model_validator(mode="after")
    def _sums_to_one(self):
        total = self.urban + self.town + self.rural + self.mountain
        if abs(total - 1.0) > 1e-6:
            raise ValueError(
                f"shares must sum to 1, got {total:.6g} (urban {self.urban:g} + town {self.town:g}"
                f" + rural {self.rural:g} + mountain {self.mountain:g})"
            )
        return self


class RatesByLocation(_Strict):
    urban: Share
    town: Share
    rural: Share
    mountain: Share


class YuanByLocation(_Strict):
    urban: Yuan
    town: Yuan
    rural: Yuan
    mountain: Yuan


class LogOddsByLocation(_Strict):
    urban: LogOdds
    town: LogOdds
    rural: LogOdds
    mountain: LogOdds


class SdByLocation(_Strict):
    urban: SdPerYear
    town: SdPerYear
    rural: SdPerYear
    mountain: SdPerYear


class WeightsByLocation(_Strict):
    urban: Annotated[float, Field(ge=0.0, le=5.0)]
    town: Annotated[float, Field(ge=0.0, le=5.0)]
    rural: Annotated[float, Field(ge=0.0, le=5.0)]
    mountain: Annotated[float, Field(ge=0.0, le=5.0)]


class ByGroup(_Strict):
    poor: float
    left_behind: float
    disabled: float
    migrant: float


class LogOddsByGroup(_Strict):
    poor: LogOdds
    left_behind: LogOdds
    disabled: LogOdds
    migrant: LogOdds


class SdByGroup(_Strict):
    poor: SdPerYear
    left_behind: SdPerYear
    disabled: SdPerYear
    migrant: SdPerYear


# ---------------------------------------------------------------- budget
class BaseGrant(_Strict):
    primary_yuan_per_pupil: Yuan
    junior_yuan_per_pupil: Yuan
    location_weight: WeightsByLocation
    small_school_floor_pupils: Count
    boarding_yuan_per_boarder: Yuan
    poor_pupil_weight: Annotated[float, Field(ge=0.0, le=5.0)]


class Capital(_Strict):
    yuan_per_year: Yuan
    targeting: Literal["weakest_first", "proportional_to_deficit", "equal_per_school"]
    weak_below_index: Share
    yuan_per_pupil_per_index_point: Annotated[float, Field(gt=0.0, le=1e7)]
    depreciation_per_year: Share


class AidCategory(_Strict):
    yuan_per_pupil: Annotated[float, Field(ge=0.0, le=20_000.0)]
    coverage: Share
    targeting_error: Share


class StudentAid(_Strict):
    registered_poor: AidCategory
    other_needy: AidCategory


class Budget(_Strict):
    base_grant: BaseGrant
    teacher_salary_yuan_per_year: Yuan
    capital: Capital
    student_aid: StudentAid
    rural_teacher_subsidy_yuan_per_teacher: YuanByLocation


# ---------------------------------------------------------------- teachers
class StaffingNorm(_Strict):
    """The staffing norm (中央编办发〔2014〕72号); the rule is in ``inputs/staffing.py``."""

    primary_pupils_per_teacher: Annotated[float, Field(gt=1.0, le=60.0)]
    junior_pupils_per_teacher: Annotated[float, Field(gt=1.0, le=60.0)]
    class_size_pupils: Annotated[float, Field(ge=1.0, le=100.0)]
    village_teachers_per_class: Annotated[float, Field(ge=0.0, le=5.0)]
    village_locations: list[Literal["urban", "town", "rural", "mountain"]]


class RuralServiceRule(_Strict):
    active: bool
    fill_rate: Share


class SupportTeachers(_Strict):
    count: Count
    allocation: Allocation
    named_schools: list[str]
    quality_sd: Annotated[float, Field(ge=-3.0, le=3.0)]
    allowance_yuan_per_year: Yuan


class PostRotation(_Strict):
    count: Count
    allocation: Allocation
    named_schools: list[str]
    cover_quality_sd: Annotated[float, Field(ge=-3.0, le=3.0)]
    holder_training_gain_sd: Annotated[float, Field(ge=0.0, le=3.0)]
    yuan_per_post_year: Yuan


class Training(_Strict):
    person_times_per_year: Annotated[int, Field(ge=0, le=1_000_000)]
    share_by_location: SharesByLocation
    yuan_per_person_time: Yuan
    quality_gain_sd_per_person_time: Annotated[float, Field(ge=-1.0, le=1.0)]
    decay_per_year: Share


class Teachers(_Strict):
    attrition_rate: RatesByLocation
    attrition_subsidy_semi_elasticity_per_1000_yuan: Annotated[float, Field(ge=0.0, le=5.0)]
    staffing_norm: StaffingNorm
    vacancy_fill_rate: RatesByLocation
    recruitment_capacity: RatesByLocation
    rural_service_rule: RuralServiceRule
    new_teacher_quality_sd: Annotated[float, Field(ge=-3.0, le=3.0)]
    novice_gap_closes_per_year: Share
    support: SupportTeachers
    post_rotation: PostRotation
    training: Training


# ---------------------------------------------------------------- dropout
class Hazard(_Strict):
    intercept_primary_log_odds: LogOdds
    intercept_junior_log_odds: LogOdds
    grade_slope_log_odds: LogOdds
    group_log_odds: LogOddsByGroup
    location_log_odds: LogOddsByLocation
    learning_log_odds_per_sd: LogOdds
    facility_log_odds_per_index_point: LogOdds
    boarding_log_odds: LogOdds


class AidEffect(_Strict):
    """Saturating dose–response of dropout to aid (``model/levers/dropout.py``, ``aid_log_odds``).

    The fall in log-odds for a receiver of A yuan a year is
    M·(1 − (1 − T/M)^(A/A_T)) × multipliers, with T = ``trial_log_odds`` at
    A_T = ``trial_yuan`` (the trial's dose and population: poor junior pupils),
    M = R·T the ceiling at any dose (R = ``ceiling_over_trial`` > 1: the
    ceiling is stated relative to the trial's effect, so a calibrated trial effect
    always lies below it and the curve rises through it), and multipliers for
    the groups and stages the trial did not study (at most 1: the trial's
    population is taken as the most responsive).
    """

    trial_log_odds: Annotated[float, Field(ge=0.0, le=10.0)]
    trial_yuan: Annotated[float, Field(gt=0.0, le=1e5)]
    ceiling_over_trial: Annotated[float, Field(gt=1.0, le=10.0)]
    non_poor_multiplier: Share
    primary_multiplier: Share


class Monitoring(_Strict):
    """Grid monitoring (网格化): early warning that lowers the hazard of the monitored pupils, and finding
    out-of-school children for re-enrolment casework (``Reenrolment.found_share_without_monitoring``)."""

    coverage: Share
    hazard_log_odds: Annotated[float, Field(ge=-5.0, le=0.0)]
    yuan_per_pupil_covered: Yuan


class Reenrolment(_Strict):
    """Re-enrolment casework (控辍保学 劝返: finding, visiting, persuading, placing;
    ``model/levers/reenrolment.py``)."""

    coverage: Share
    found_share_without_monitoring: Share
    return_rate_per_case: Share
    background_return_rate: Share
    yuan_per_case: Yuan
    returner_relative_hazard: Annotated[float, Field(ge=1.0, le=20.0)]
    learning_loss_sd_per_year_out: Annotated[float, Field(ge=0.0, le=2.0)]


class Pairing(_Strict):
    coverage: Share
    hazard_log_odds: Annotated[float, Field(ge=-5.0, le=0.0)]
    learning_sd_per_year: Annotated[float, Field(ge=0.0, le=1.0)]
    yuan_per_pair_year: Yuan


class HomeTeaching(_Strict):
    coverage: Share
    cannot_attend_share: Share
    yuan_per_child_year: Yuan


class Dropout(_Strict):
    hazard: Hazard
    aid_effect: AidEffect
    monitoring: Monitoring
    reenrolment: Reenrolment
    pairing: Pairing
    home_teaching: HomeTeaching


# ---------------------------------------------------------------- learning
class Learning(_Strict):
    growth_intercept_sd: SdPerYear
    teacher_quality_sd_per_sd: Annotated[float, Field(ge=0.0, le=1.0)]
    ptr_sd_per_pupil: Annotated[float, Field(ge=-0.1, le=0.0)]
    ptr_first_year_sd_per_pupil: Annotated[float, Field(ge=-0.1, le=0.0)]
    multigrade_relief_sd_per_year: Annotated[float, Field(ge=-1.0, le=1.0)]
    ptr_reference_pupils: Annotated[float, Field(gt=0.0, le=60.0)]
    facility_sd_per_index_point: Annotated[float, Field(ge=0.0, le=1.0)]
    spending_sd_per_1000_yuan: Annotated[float, Field(ge=0.0, le=1.0)]
    group_sd_per_year: SdByGroup
    location_sd_per_year: SdByLocation
    boarding_sd_per_year: SdPerYear
    aid_sd_per_year: Annotated[float, Field(ge=0.0, le=1.0)]
    entry_gap_group_sd: SdByGroup
    entry_gap_location_sd: SdByLocation


class Cohort(_Strict):
    entrant_growth_per_year: Annotated[float, Field(ge=-0.5, le=0.5)]


class DistrictReference(_Strict):
    """The size of the district the absolute quantities were set for (Banan, data/banan); a leaf's
    ``scale_with`` scales it to another district's size (``inputs/scaling.py``)."""

    pupils: Annotated[int, Field(ge=1, le=1_000_000_000)]
    schools: Annotated[int, Field(ge=1, le=10_000_000)]
    teachers: Annotated[int, Field(ge=1, le=100_000_000)]


class Parameters(_Strict):
    """The whole parameter tree, as resolved values for one year."""

    start_year: Annotated[int, Field(ge=1990, le=2100)]
    district_reference: DistrictReference
    budget: Budget
    teachers: Teachers
    dropout: Dropout
    learning: Learning
    cohort: Cohort


def field_bounds(path: str) -> tuple[float | None, float | None]:
    """(lower, upper) bounds of the numeric leaf at dotted ``path``; None where open (strict or not:
    :func:`field_limits` says which)."""
    lo, _, hi, _ = field_limits(path)
    return lo, hi


def field_limits(path: str) -> tuple[float | None, bool, float | None, bool]:
    """(lower, lower is strict, upper, upper is strict) of the numeric leaf at ``path``.

    A strict bound (``gt``/``lt``) is one a value may approach but not take: a capital price
    per index point of 0 would divide by zero, so a drawn value is kept just inside it."""
    model: type[BaseModel] = Parameters
    parts = path.split(".")
    for part in parts[:-1]:
        model = model.model_fields[part].annotation  # type: ignore[assignment]
    lo = hi = None
    lo_strict = hi_strict = False
    for meta in model.model_fields[parts[-1]].metadata:
        if getattr(meta, "ge", None) is not None:
            lo, lo_strict = meta.ge, False
        if getattr(meta, "gt", None) is not None:
            lo, lo_strict = meta.gt, True
        if getattr(meta, "le", None) is not None:
            hi, hi_strict = meta.le, False
        if getattr(meta, "lt", None) is not None:
            hi, hi_strict = meta.lt, True
    return lo, lo_strict, hi, hi_strict


def clip_to_limits(path: str, values):
    """``values`` kept inside the leaf's schema range (just inside a strict bound)."""
    import numpy as np

    lo, lo_strict, hi, hi_strict = field_limits(path)
    floor = -np.inf if lo is None else (np.nextafter(float(lo), np.inf) if lo_strict else float(lo))
    ceiling = np.inf if hi is None else (np.nextafter(float(hi), -np.inf) if hi_strict else float(hi))
    if lo_strict and lo == 0:
        floor = 1e-9  # far enough from 0 that a quotient stays finite
    return np.clip(values, floor, ceiling)


def leaf_paths(model: type[BaseModel] = Parameters, prefix: str = "") -> list[str]:
    """Every dotted leaf path the schema declares, in declaration order."""
    out: list[str] = []
    for name, info in model.model_fields.items():
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out.extend(leaf_paths(ann, f"{prefix}{name}."))
        else:
            out.append(f"{prefix}{name}")
    return out
