"""Validation against evidence the model was not built from.

``validate()`` simulates every target of ``params/validation.yaml`` as its
study was designed and compares the result with the published estimate and
interval. A target is a published figure that set no parameter: the file's
``terms`` for each target must not appear in any parameter's or calibration
target's source (``figure_used_by``; ``tests/validation`` asserts it), so a
figure that is later used to set a parameter stops counting as validation.

Designs (``design.kind``):

``indicator``
    one indicator of :func:`simulate.model.outcomes.year_indicators` in one
    year of a scenario on a district (expected mode).
``cohort_dropout``
    cumulative dropout of a synthetic cohort over the listed grades,
    1 − Π (1 − dropouts_g / at risk_g), for pupils of schools in the listed
    locations, at one year's grade-by-grade rates.
``extra_teacher_trial``
    a synthetic set of small rural primary schools, half given one extra
    teacher (the support-teacher lever, named schools) for ``years`` school
    years, staff otherwise fixed and no other programme; the statistic is the
    difference in mean learning (SD) of pupils exposed in every year
    (grades 2–6 in the last year), treated minus control.

Every design runs in expected mode at central parameter values (the
``simulated`` column) and over ``draws`` sampled parameter sets (``sim_lo`` /
``sim_hi``: the model's own 90% interval from parameter uncertainty). ``inside``
says whether the central value lies in the published interval; ``overlap``
whether the two intervals overlap. Sources: docs/sources.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SimulateError
from ..inputs.district import District
from ..inputs.load import district_from_frames, load_district
from ..inputs.scenario import Scenario, load_scenario, params_dir
from ..inputs.yamlfile import read_mapping
from ..model.engine import cells_of, simulate
from ..model.outcomes import year_indicators

__all__ = ["ValidationError", "Target", "load_targets", "figure_used_by", "simulate_target", "validate",
           "score_sentence", "trial_district"]

DESIGN_KINDS = ("indicator", "cohort_dropout", "extra_teacher_trial")


class ValidationError(SimulateError):
    """A malformed validation file, or a target whose figure was used to set a parameter."""


@dataclass(frozen=True)
class Target:
    """One published figure and the design that reproduces its study."""

    id: str
    source: str
    figure: str
    terms: tuple[str, ...]
    design: dict
    value: float
    lo: float
    hi: float
    interval: str
    note: str


def default_file() -> Path:
    return params_dir() / "validation.yaml"


def load_targets(path: str | Path | None = None) -> tuple[list[Target], dict[str, str]]:
    """The targets and the not-simulable studies (id → reason) of a validation file."""
    path = Path(path) if path is not None else default_file()
    data = read_mapping(path, ValidationError)
    unknown = set(data) - {"description", "targets", "not_simulable"}
    if unknown:
        raise ValidationError(f"{path}: unknown keys {sorted(unknown)}")
    targets = []
    for tid, t in (data.get("targets") or {}).items():
        where = f"{path}: targets.{tid}"
        try:
            pub, design = t["published"], dict(t["design"])
            target = Target(id=str(tid), source=str(t["source"]), figure=str(t["figure"]),
                            terms=tuple(str(x) for x in t["terms"]), design=design,
                            value=float(pub["value"]), lo=float(pub["lo"]), hi=float(pub["hi"]),
                            interval=str(pub["interval"]), note=" ".join(str(t.get("note", "")).split()))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError(f"{where}: expected source, figure, terms, design and published "
                                  f"(value, lo, hi, interval): {exc}") from None
        if design.get("kind") not in DESIGN_KINDS:
            raise ValidationError(f"{where}.design.kind: expected one of {', '.join(DESIGN_KINDS)}, "
                                  f"got {design.get('kind')!r}")
        if not target.lo <= target.value <= target.hi:
            raise ValidationError(f"{where}.published: expected lo ≤ value ≤ hi")
        if not target.terms:
            raise ValidationError(f"{where}.terms: name at least one string that would cite the figure")
        targets.append(target)
    return targets, {str(k): " ".join(str(v).split()) for k, v in (data.get("not_simulable") or {}).items()}


def figure_used_by(target: Target, files: list[Path]) -> list[str]:
    """Lines of ``files`` (parameter and calibration-target files) whose text cites the target's figure."""
    hits = []
    for f in files:
        for n, line in enumerate(Path(f).read_text(encoding="utf-8").splitlines(), 1):
            if any(term.lower() in line.lower() for term in target.terms):
                hits.append(f"{f}:{n}: {line.strip()[:120]}")
    return hits


# ----------------------------------------------------------------------------- designs
def _district(design: dict) -> District:
    return load_district(design.get("district", "banan"))


def _last_year(district: District, scenario: Scenario, years: int, draws: int, seed: int, sample: bool):
    """The engine's Year of the last of ``years`` simulated years (expected mode)."""
    for y in simulate(district, scenario, years=years, seed=seed, draws=draws, sample_parameters=sample):
        last = y
    return last


def _design_year(design: dict, draws: int, seed: int, sample: bool):
    """(district, Year of ``design["year"]``) for the design's scenario on its district."""
    district, scenario = _district(design), load_scenario(design["scenario"])
    return district, _last_year(district, scenario, int(design["year"]) - scenario.start_year + 1, draws, seed, sample)


def _indicator(design: dict, draws: int, seed: int, sample: bool) -> np.ndarray:
    district, last = _design_year(design, draws, seed, sample)
    return np.asarray(year_indicators(last, cells_of(district))[design["indicator"]], dtype=float)


def _cohort_dropout(design: dict, draws: int, seed: int, sample: bool) -> np.ndarray:
    district, last = _design_year(design, draws, seed, sample)
    schools = district.schools["location"].isin(design["locations"]).to_numpy()
    grades = np.asarray(design["grades"]) - 1
    at_risk = last.flows.at_risk[:, schools][:, :, grades].sum(axis=(1, 3))   # (draw, grade)
    dropped = last.flows.dropouts[:, schools][:, :, grades].sum(axis=(1, 3))
    rate = np.divide(dropped, at_risk, out=np.zeros_like(dropped), where=at_risk > 0)
    return 1.0 - np.prod(1.0 - rate, axis=1)


def trial_district(schools_per_arm: int, pupils_per_grade: int, teachers: int) -> District:
    """Small rural primary schools (grades 1–6), no flagged pupils: the arms of an extra-teacher trial.

    The first ``schools_per_arm`` schools are the treated arm, the next as many
    the comparison arm; one junior school (last, outside both arms) receives
    their leavers, as every primary school needs a feeder school.
    """
    n = 2 * schools_per_arm
    ids = [f"T{i:03d}" for i in range(n)] + ["TJ"]
    schools = pd.DataFrame({
        "school_id": ids, "name": [f"村小{i}" for i in range(n)] + ["中学"], "name_en": ids,
        "town": [f"镇{i // 10}" for i in range(n)] + ["镇0"], "town_en": [f"Town {i // 10}" for i in range(n)] + ["Town 0"],
        "level": ["primary"] * n + ["junior"], "location": "rural", "boarding": 0, "boarding_share": 0.0,
        "teachers": [teachers] * n + [max(1, round(3 * pupils_per_grade * n / 13.5))], "senior_teachers": 0,
        "teacher_quality": 0.0, "facility_index": 0.5, "feeder_school_id": ["TJ"] * n + [""],
    })
    enrolment = pd.DataFrame([{"school_id": sid, "grade": g, "poor": 0, "left_behind": 0, "disabled": 0,
                               "migrant": 0, "enrolled": pupils_per_grade, "out_of_school": 0}
                              for sid in ids[:n] for g in range(1, 7)])
    return district_from_frames("extra-teacher-trial", schools, enrolment, source="synthetic trial design")


def _trial_arms(district: District, design: dict) -> tuple[Scenario, Scenario]:
    """Control: no programme, staff fixed; treatment: one extra teacher in each treated school."""
    base = load_scenario("no_policy")
    fixed = {f"teachers.{k}.{loc}": 0.0 for k in ("attrition_rate", "vacancy_fill_rate")
             for loc in ("urban", "town", "rural", "mountain")}
    control = base.with_changes({**fixed, "budget.student_aid.other_needy.coverage": 0.0,
                                 "teachers.training.person_times_per_year": 0},
                                name="trial_control", title="trial control", pin=True)
    treated = district.schools["school_id"].tolist()[: int(design["schools_per_arm"])]
    treatment = control.with_changes({
        # the trial's dose is one teacher per treated school, not Banan's package at this size
        "teachers.support.count": {"value": len(treated), "scale_with": "none"},
        "teachers.support.allocation": "named",
        "teachers.support.named_schools": treated,
        "teachers.support.quality_sd": float(design["teacher_quality_sd"]),
    }, name="trial_extra_teacher", title="trial: one extra teacher", pin=True)
    return control, treatment


def _extra_teacher_trial(design: dict, draws: int, seed: int, sample: bool) -> np.ndarray:
    district = trial_district(int(design["schools_per_arm"]), int(design["pupils_per_grade"]),
                              int(design["teachers"]))
    k = int(design["schools_per_arm"])
    treated, compared = np.arange(district.n_schools) < k, (np.arange(district.n_schools) >= k) & \
        (np.arange(district.n_schools) < 2 * k)
    years = int(design["years"])
    means = []
    for scenario in _trial_arms(district, design):
        last = _last_year(district, scenario, years, draws, seed, sample)
        w = last.flows.at_risk[:, :, 1:6]  # grades 2-6 of the last year: exposed in every year of the trial
        lw = last.learning[:, :, 1:6] * w
        means.append([(lw[:, arm].sum(axis=(1, 2, 3)) / w[:, arm].sum(axis=(1, 2, 3))) for arm in (treated, compared)])
    (control_treated, control_compared), (treatment_treated, treatment_compared) = means
    if not np.allclose(treatment_compared, control_compared, atol=1e-12):  # the comparison arm got nothing
        raise ValidationError("extra_teacher_trial: the comparison schools changed under the treatment")
    # the effect as the trial measured it: treated schools minus comparison schools under the treatment,
    # less their difference without it (zero by design: identical schools)
    return (treatment_treated - treatment_compared) - (control_treated - control_compared)


DESIGNS = {"indicator": _indicator, "cohort_dropout": _cohort_dropout, "extra_teacher_trial": _extra_teacher_trial}


def simulate_target(target: Target, draws: int = 1, seed: int = 0, sample: bool = False) -> np.ndarray:
    """The design's statistic per draw (central values when ``sample`` is false)."""
    return DESIGNS[target.design["kind"]](target.design, draws, seed, sample)


def validate(path: str | Path | None = None, draws: int = 100, seed: int = 0) -> pd.DataFrame:
    """The validation table: one row per target, simulated against published, with the model's interval."""
    targets, _ = load_targets(path)
    rows = []
    for t in targets:
        central = float(simulate_target(t)[0])
        spread = simulate_target(t, draws=draws, seed=seed, sample=True) if draws > 1 else np.array([central])
        lo, hi = (float(q) for q in np.quantile(spread, [0.05, 0.95]))
        rows.append({"target": t.id, "source": t.source, "figure": t.figure, "published": t.value,
                     "published_lo": t.lo, "published_hi": t.hi, "simulated": central, "sim_lo": lo, "sim_hi": hi,
                     "inside": bool(t.lo <= central <= t.hi), "overlap": bool(lo <= t.hi and t.lo <= hi),
                     "interval": t.interval})
    return pd.DataFrame(rows)


def score_sentence(table: pd.DataFrame, not_simulable: dict[str, str]) -> str:
    """The score in plain words."""
    n, inside, overlap = len(table), int(table["inside"].sum()), int(table["overlap"].sum())
    misses = ", ".join(table.loc[~table["inside"], "target"]) or "none"
    return (f"{inside} of {n} independent published figures lie inside their published interval "
            f"({overlap} of {n} when the model's own 90% parameter interval is allowed to overlap it); "
            f"missed: {misses}. {len(not_simulable)} further studies cannot be simulated with the model's levers. "
            f"With {n} targets this is a weak test: it shows where the model disagrees with evidence it was "
            f"not built from, not that it is right.")
