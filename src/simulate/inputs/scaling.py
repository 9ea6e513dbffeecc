"""A package that fits the district: absolute quantities scaled to the district's size.

Banan's 2019 package has absolute quantities — 40 million yuan of capital a
year, 20 support and 21 post-rotation teachers, 5,000 training person-times.
On a district of another size they mean something else. A leaf of the
parameter tree with ``scale_with: pupils | schools | teachers`` is multiplied,
in every year of its ``by_year`` schedule, by the district's size on that
measure over the reference size ``district_reference.*`` (Banan's, in
``params/baseline.yaml``); whole-number leaves (counts) are rounded half up.
``scale_with: none`` (or no ``scale_with``) keeps a quantity absolute. A
scenario written for a district (``district:`` key, or a file inside the
district's folder; :mod:`simulate.inputs.scenario`) has its own changes set
``scale_with: none``: a number a person writes for a district runs as written.
:func:`scaled_quantities` lists, for a run, every quantity scaled (written and
used value) and every one run as written; runs print and record it. So
``baseline`` on another district means "Banan's 2019 policy at this district's
size", and a scenario written for Banan ("three times as many support
teachers") keeps its meaning; a planner who means an absolute number writes
``{value: 5, scale_with: none}``.

:func:`for_district` is the one place this happens; the engine calls it where
it resolves a scenario for a district. On a district of exactly the reference
size (Banan) it returns the scenario itself, so Banan's results are unchanged
bit for bit. Scaled leaves become ``scale_with: none``, so scaling a scaled scenario
again changes nothing. It also applies the district's own calibration overlay
(``District.calibration``, from ``DIR/calibration.yaml``; :mod:`simulate.inputs.overlay`):
its fitted intercepts replace Banan's in the scenario and its status quo, except
where the scenario sets the leaf itself. After scaling it warns (:class:`ScaleWarning`, naming the leaf)
when a quantity is far out of scale for the district.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np

__all__ = ["ScaleWarning", "district_size", "scale_factors", "for_district", "scale_problems",
           "scaled_quantities", "scaled_lines"]

MAX_TRAINING_PER_TEACHER = 5.0  # person-times per teacher per year beyond which training is out of scale


class ScaleWarning(UserWarning):
    """A scenario quantity far out of scale for the district (the message names the leaf)."""


def district_size(district) -> dict[str, float]:
    """pupils (enrolled at the start), schools and teachers of ``district``."""
    return {"pupils": float(np.asarray(district.enrolled).sum()), "schools": float(district.n_schools),
            "teachers": float(np.asarray(district.teachers).sum())}


def scale_factors(scenario, district) -> dict[str, float]:
    """{measure: district size / reference size} for pupils, schools and teachers."""
    size = district_size(district)
    return {m: size[m] / float(scenario.value(f"district_reference.{m}")) for m in size}


def _scaled(value, factor: float):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if isinstance(value, int):
        return int(math.floor(value * factor + 0.5))
    return float(value * factor)


def _scale_tree(scenario, factors: dict[str, float]):
    if scenario is None:
        return None
    leaves = {}
    for path, leaf in scenario.leaves.items():
        measure = leaf.get("scale_with")
        if measure in factors and factors[measure] != 1.0:
            f = factors[measure]
            leaf = dict(leaf, value=_scaled(leaf["value"], f), scale_with="none",  # now absolute: scaled once
                        source=f"{leaf.get('source', '')} (× {f:.4g}, the district's {measure} over the reference)")
            if leaf.get("by_year"):
                leaf["by_year"] = {y: _scaled(v, f) for y, v in leaf["by_year"].items()}
        leaves[path] = leaf
    base = scenario.baseline
    return dataclasses.replace(scenario, leaves=leaves,
                               baseline=None if base is None or base is scenario else _scale_tree(base, factors))


def for_district(scenario, district, warn: bool = True):
    """The scenario at ``district``'s size (itself when the district has the reference size
    and no calibration overlay), with the district's calibrated intercepts when it has them.

    With ``warn``, a :class:`ScaleWarning` for each problem of :func:`scale_problems`.
    """
    factors = scale_factors(scenario, district)
    out = scenario if all(f == 1.0 for f in factors.values()) else _scale_tree(scenario, factors)
    overlay = getattr(district, "calibration", None)
    if overlay is not None:  # the district's own intercepts (calibration.yaml) instead of Banan's
        out = overlay.apply(out)
    if warn:
        for problem in scale_problems(out, district):
            warnings.warn(problem, ScaleWarning, stacklevel=3)
    return out


def scale_problems(scenario, district) -> list[str]:
    """Quantities of the (scaled) scenario far out of scale for ``district``, one line each naming the leaf."""
    from .district import LOCATIONS

    loc = np.asarray(district.location_code)
    teachers = np.asarray(district.teachers, dtype=float)
    rural = float(teachers[np.isin(loc, [LOCATIONS.index("rural"), LOCATIONS.index("mountain")])].sum())
    years = sorted({scenario.start_year, *(y for leaf in scenario.leaves.values() for y in (leaf.get("by_year") or {}))})
    out = []

    def peak(path):
        return max(scenario.value(path, y) for y in years)

    for path, what in (("teachers.support.count", "support teachers"),
                       ("teachers.post_rotation.count", "post-rotation teachers")):
        if path in scenario.leaves and peak(path) > rural:
            out.append(f"{path} = {peak(path):,} {what}: more than the district's {rural:,.0f} rural and "
                       f"mountain teaching posts (district {district.name!r})")
    path = "teachers.training.person_times_per_year"
    if path in scenario.leaves and peak(path) > MAX_TRAINING_PER_TEACHER * teachers.sum():
        out.append(f"{path} = {peak(path):,}: more than {MAX_TRAINING_PER_TEACHER:g} person-times per teacher "
                   f"a year ({teachers.sum():,.0f} teachers in district {district.name!r})")
    path = "budget.capital.yuan_per_year"
    if path in scenario.leaves:
        unit = scenario.value("budget.capital.yuan_per_pupil_per_index_point")
        pupils = np.asarray(district.enrolled).sum(axis=(1, 2))
        need = float((pupils * np.clip(1.0 - np.asarray(district.facility_index), 0, None)).sum() * unit)
        if peak(path) > need:
            out.append(f"{path} = {peak(path):,.0f} yuan a year: above the district's whole facility need "
                       f"({need:,.0f} yuan to bring every school to the full standard; district {district.name!r})")
    return out


def scaled_quantities(scenario, district) -> list[dict]:
    """Every quantity of ``scenario`` that Banan's package scales, as this run on ``district`` uses it.

    One dict per leaf whose baseline leaf has ``scale_with`` pupils/schools/teachers: ``path``,
    ``measure``, ``how`` ("scaled": Banan-relative, multiplied by ``factor``; "as written": the
    scenario gives it an absolute value), ``written`` and ``used`` (start-year values; ``by_year``
    schedules in ``written_by_year``/``used_by_year`` when present) and ``changed`` (whether the
    scenario itself, rather than the baseline, set it). Empty on a district of the reference size.
    """
    factors = scale_factors(scenario, district)
    if all(f == 1.0 for f in factors.values()):
        return []
    base = scenario.status_quo
    out = []
    for path, leaf in scenario.leaves.items():
        measure = base.leaves.get(path, {}).get("scale_with")
        if measure not in factors:
            continue
        own = leaf.get("scale_with")
        scaled = own in factors
        f = factors[own] if scaled else 1.0
        rec = {"path": path, "measure": own if scaled else measure, "how": "scaled" if scaled else "as written",
               "written": leaf["value"], "used": _scaled(leaf["value"], f) if scaled else leaf["value"],
               "factor": round(f, 6), "changed": scenario is not base and path in scenario.changed_paths(base)}
        if leaf.get("by_year"):
            rec["written_by_year"] = {int(y): v for y, v in leaf["by_year"].items()}
            rec["used_by_year"] = {int(y): (_scaled(v, f) if scaled else v) for y, v in leaf["by_year"].items()}
        out.append(rec)
    return out


def _num(v) -> str:
    return f"{v:,}" if isinstance(v, int) else f"{v:,.4g}" if abs(v) < 1000 else f"{v:,.0f}"


def scaled_lines(name: str, records: list[dict], district_name: str) -> list[str]:
    """Human-readable lines for :func:`scaled_quantities` (what ``simulate run``/``compare`` print)."""
    out = []
    for r in records:
        if r["how"] == "scaled":
            line = (f"{name}: {r['path']} = {_num(r['used'])} used ({_num(r['written'])} written for Banan "
                    f"× {r['factor']:.4g}, the district's {r['measure']} over Banan's)")
            if r["changed"]:
                line += (f"; to run the scenario's number as written, put `district: {district_name}` in the "
                         "scenario file (or keep the file in the district's folder)")
        else:
            line = f"{name}: {r['path']} = {_num(r['used'])} used, as written (not scaled)"
        if "used_by_year" in r:
            line += "; by year " + ", ".join(f"{y}: {_num(v)}" for y, v in sorted(r["used_by_year"].items()))
        out.append(line)
    return out
