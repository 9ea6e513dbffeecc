"""Each registry figure simulated as its study was designed, on the engine's parameter axis.

:func:`simulate_figures` runs a list of :class:`~simulate.analysis.evidence.Figure`
for ``n`` parameter sets at once: draw d runs with the additive offsets
``offsets[path][d]`` (what ``engine.simulate(offsets=)`` takes), in expected
mode, so a column is the figure's value under each parameter set. Figures that
share a world (district, scenario, changes) share one engine run, and a run is
never repeated for another figure.

Design kinds (``design.kind``; every design names a ``scenario`` and the
``year`` its statistic is read in, and may add ``changes`` to the scenario):

``rate``
    annual dropout, dropouts ÷ pupils at risk, summed over the selected cells:
    ``grades`` (1–9), ``locations`` (school locations) and ``flags`` (e.g.
    ``{poor: true}``: only pupils of poor households).
``cohort``
    a synthetic cohort's cumulative dropout over ``grades`` at the year's
    grade-by-grade rates, 1 − Π (1 − rate_g), same selection.
``indicator``
    one indicator of :func:`simulate.model.outcomes.year_indicators`.
``difference``
    a trial: the ``statistic`` (a ``rate``, ``cohort``, ``indicator`` or
    ``learning`` selection) under ``treatment`` minus under ``control`` (two
    sets of changes on the scenario, the treatment's applied on top of the
    control's, on identical schools and parameter sets).
    ``learning`` is the mean achievement (SD) of the selected pupils.
``returns``
    re-enrolment casework: the share of the children out of school at the start
    of the year who are back in school by its end (``fraction_of_year``:
    1 − (1 − share)^fraction for a shorter window). ``requires`` lists the
    parameter paths of the re-enrolment lever; until they exist the figure is
    *pending* (NaN, reported so), never dropped.

A design's ``district`` is the default district (``banan``) or ``{trial:
{schools, pupils_per_grade, teachers}}``: identical small rural primary schools
(:func:`simulate.analysis.external_validation.trial_district`) for a trial whose
arms are separate runs. A change's value may be ``{param: PATH}`` (the central
value of a parameter, e.g. the trial's dose ``dropout.aid_effect.trial_yuan``,
optionally ``times: k``) or ``{trial_schools: true}`` (the trial's schools).
"""

from __future__ import annotations

import dataclasses
import json
from functools import lru_cache

import numpy as np

from ..inputs.district import District
from ..inputs.load import load_district
from ..inputs.scenario import Scenario, load_scenario
from ..model.engine import cells_of, simulate
from ..model.outcomes import year_indicators
from .evidence import Figure

__all__ = ["simulate_figures", "pending", "DesignError"]


class DesignError(ValueError):
    """A design that cannot be simulated (unknown statistic, grade, location or flag)."""


def pending(figure: Figure, baseline: Scenario | None = None) -> list[str]:
    """The parameter paths a figure's design needs that params/baseline.yaml does not have (yet)."""
    leaves = (baseline or load_scenario("baseline")).leaves
    return [p for p in figure.requires if p not in leaves]


@lru_cache(maxsize=8)
def _trial(schools: int, pupils_per_grade: int, teachers: int) -> District:
    from .external_validation import trial_district

    if schools < 2 or schools % 2:
        raise DesignError(f"design.district.trial.schools: an even number ≥ 2, got {schools}")
    return trial_district(schools // 2, pupils_per_grade, teachers)


def _district(spec, default: District | None) -> tuple[str, District]:
    if spec in (None, "banan"):
        return "banan", default if default is not None else load_district()
    if isinstance(spec, dict) and isinstance(spec.get("trial"), dict):
        t = spec["trial"]
        key = (int(t["schools"]), int(t["pupils_per_grade"]), int(t["teachers"]))
        return f"trial{key}", _trial(*key)
    raise DesignError(f"design.district: expected 'banan' or {{trial: {{schools, pupils_per_grade, teachers}}}}, "
                      f"got {spec!r}")


def _resolve_changes(changes: dict, district: District, baseline: Scenario) -> dict:
    out = {}
    for path, v in (changes or {}).items():
        if isinstance(v, dict) and "param" in v:
            v = float(baseline.value(v["param"])) * float(v.get("times", 1.0))
        elif isinstance(v, dict) and v.get("trial_schools"):
            v = district.schools.loc[district.schools["level"] == "primary", "school_id"].tolist()
        out[path] = v
    return out


class _Runs:
    """Engine runs keyed by world (district, scenario, changes); each run once, to the latest year asked."""

    def __init__(self, offsets: dict, n: int, district: District | None, values: dict | None = None):
        self.offsets, self.n, self.default, self.values = offsets, n, district, dict(values or {})
        self.baseline = load_scenario("baseline")
        # with ``values``, the status quo (the start's steady state) runs them too: its own status quo
        self.status_quo = dataclasses.replace(self.baseline.with_changes(
            self.values, name="baseline+reference", pin=True), baseline=None) if self.values else None
        self.years: dict[str, dict[int, object]] = {}
        self.worlds: dict[str, tuple] = {}

    def world(self, design: dict, changes: dict) -> str:
        dkey, district = _district(design.get("district"), self.default)
        resolved = _resolve_changes(changes, district, self.baseline)
        key = json.dumps([dkey, design["scenario"], resolved], sort_keys=True, default=str)
        if key not in self.worlds:
            base = load_scenario(design["scenario"])
            changes = {**self.values, **resolved}  # the design's own changes win
            scenario = base.with_changes(changes, name=f"{base.name}+design", pin=True) if changes else base
            if self.status_quo is not None:
                scenario = dataclasses.replace(scenario, baseline=self.status_quo)
            self.worlds[key] = (district, scenario)
        return key

    def year(self, key: str, year: int):
        district, scenario = self.worlds[key]
        have = self.years.setdefault(key, {})
        if year not in have:
            n_years = year - scenario.start_year + 1
            if n_years < 1:
                raise DesignError(f"design.year: {year} is before the scenario's start year {scenario.start_year}")
            offsets = {p: o for p, o in self.offsets.items() if p in scenario.leaves}
            for y in simulate(district, scenario, years=n_years, mode="expected", draws=self.n, offsets=offsets):
                have.setdefault(y.year, y)
        return district, have[year]


def _cell_masks(district: District, y, sel: dict):
    from ..inputs.district import GROUP_FLAGS

    locations = sel.get("locations")
    schools = np.ones(district.n_schools, bool) if locations is None else \
        district.schools["location"].isin(list(locations)).to_numpy()
    grades = np.asarray(sel.get("grades") or range(1, 10)) - 1
    if grades.min() < 0 or grades.max() > 8:
        raise DesignError(f"design: grades must be within 1–9, got {sel.get('grades')}")
    groups = np.ones(y.cells.flags.shape[0], bool)
    for flag, want in (sel.get("flags") or {}).items():
        if flag not in GROUP_FLAGS:
            raise DesignError(f"design.flags: unknown flag {flag!r} (expected one of {', '.join(GROUP_FLAGS)})")
        groups &= y.cells.flags[:, GROUP_FLAGS.index(flag)] == bool(want)
    return schools, grades, groups


def _take(a, schools, grades, groups):
    return a[:, schools][:, :, grades][..., groups]


def _statistic(kind: str, district: District, y, sel: dict) -> np.ndarray:
    if kind == "indicator":
        name = sel["indicator"]
        values = year_indicators(y, cells_of(district))
        if name not in values:
            raise DesignError(f"design.indicator: unknown indicator {name!r}")
        return np.asarray(values[name], dtype=float)
    schools, grades, groups = _cell_masks(district, y, sel)
    at = _take(y.flows.at_risk, schools, grades, groups)
    if kind in ("rate", "dropout_rate"):
        out = _take(y.flows.dropouts, schools, grades, groups).sum(axis=(1, 2, 3))
        return out / np.maximum(at.sum(axis=(1, 2, 3)), 1e-12)
    if kind == "cohort":
        d = _take(y.flows.dropouts, schools, grades, groups).sum(axis=(1, 3))
        r = d / np.maximum(at.sum(axis=(1, 3)), 1e-12)
        return 1.0 - np.prod(1.0 - r, axis=1)
    if kind == "learning":
        lw = _take(y.learning, schools, grades, groups) * at
        return lw.sum(axis=(1, 2, 3)) / np.maximum(at.sum(axis=(1, 2, 3)), 1e-12)
    raise DesignError(f"design.statistic.measure: unknown {kind!r} (rate, cohort, learning, indicator)")


def _returned_share(y, fraction: float) -> np.ndarray:
    f = y.flows
    returns = f.returns.sum(axis=(1, 2, 3))
    start = y.ledger_end.sum(axis=(1, 2, 3)) + returns - f.dropouts.sum(axis=(1, 2, 3))
    share = returns / np.maximum(start, 1e-12)
    return 1.0 - (1.0 - share) ** fraction


def _figure(figure: Figure, runs: _Runs) -> np.ndarray:
    d = figure.design
    kind, year = d["kind"], int(d["year"])
    if kind == "difference":
        stat = dict(d["statistic"])
        measure = stat.pop("measure")
        out = []
        control = {**(d.get("changes") or {}), **(d.get("control") or {})}
        for arm in ({**control, **(d.get("treatment") or {})}, control):   # treatment: on top of the control
            district, y = runs.year(runs.world(d, arm), year)
            out.append(_statistic(measure, district, y, stat))
        return out[0] - out[1]
    district, y = runs.year(runs.world(d, d.get("changes") or {}), year)
    if kind == "returns":
        return _returned_share(y, float(d.get("fraction_of_year", 1.0)))
    return _statistic(kind, district, y, d)


def simulate_figures(figures: list[Figure], offsets: dict[str, np.ndarray] | None = None, n: int = 1,
                     district: District | None = None, values: dict[str, float] | None = None) -> np.ndarray:
    """(n, figures): each figure's simulated value under each of ``n`` parameter sets (NaN: pending).
    ``values``: leaves set in every design's scenario before the ``offsets`` are added to them."""
    offsets = {p: np.asarray(v, dtype=float) for p, v in (offsets or {}).items()}
    runs = _Runs(offsets, n, district, values)
    out = np.full((n, len(figures)), np.nan)
    for j, f in enumerate(figures):
        if pending(f, runs.baseline):
            continue
        out[:, j] = _figure(f, runs)
    return out
