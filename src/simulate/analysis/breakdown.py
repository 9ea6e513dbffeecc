"""Effects below the district: a comparison's indicators by town, location or school, with intervals.

``cmp.breakdown(indicator, by="town" | "location" | "school")`` (:func:`breakdown`) re-runs the
comparison's scenarios on **the same draws** — the same seed, draws, chunks and years as
:func:`simulate.compare`, in expected mode as compare's summaries are (the mean over parameter
draws: parameter uncertainty; compare reports binomial chance apart), so every draw has the same
parameter values (common random numbers) — and sums each indicator's cells over the schools of each town, location or
school instead of over the district. Summed over the units, a count equals the district's draw
for draw (``tests/analysis/test_breakdown.py`` checks it). Differences from the reference are
paired by draw, so their intervals are as tight as the district's.

**Cost**: the first call for a ``by`` runs every scenario once more over all draws (about the
time ``compare`` took, measured in ``benchmarks/run.py``: ~1 s of CPU per 100 draws per scenario for the
default district and 7 years);
it keeps every supported indicator for that ``by`` (draws × years × units floats each; for
``by="school"`` with 200 draws, 7 years and 123 schools, ~1.4 MB per indicator and scenario),
so later calls with the same ``by`` cost only the summary.

Units: a child out of school belongs to the catchment school of the cell it left (the school
whose ledger holds it); a school's town and location come from ``district.schools``.
"location" keeps mountain apart from rural and names town schools (乡镇) as their own location,
the schools that the urban–rural indicators leave on neither side.

Indicators (names as in ``simulate.indicators()``; :data:`SUPPORTED`):
- counts, summed over the unit: ``child_years_out_of_school.{B}``,
  ``child_years_out_of_school.cumulative.{B}`` (cumulative over the years so far),
  ``children_never_returned.{B}`` for B in total, primary, junior, poor, left_behind, disabled;
  ``dropouts``, ``dropouts.poor``, ``pupils``, ``out_of_school``, ``cost.total``;
- ratios of the unit's sums: ``dropout_rate.{all,primary,junior}``, ``learning.mean`` (SD),
  ``ptr`` (pupils per teacher) and ``spending_per_pupil`` (recurrent yuan per pupil).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError, NotFoundError
from ..model.engine import simulate
from ..model.levers.common import LOCATIONS
from ..model.outcomes import STAGES, _selection_matrices, is_better, masks, safe_ratio
from ..model.progression import child_years

BY = ("town", "location", "school")
GROUPED = ("total", "primary", "junior", "poor", "left_behind", "disabled")
_SELECT = {"total": ("all", "all"), "primary": ("primary", "all"), "junior": ("junior", "all"),
           "poor": ("all", "poor"), "left_behind": ("all", "left_behind"), "disabled": ("all", "disabled")}
_GROUP_INDEX = {"all": 0, "poor": 1, "non_poor": 2, "left_behind": 3, "not_left_behind": 4, "disabled": 5}
SUPPORTED = (*(f"{fam}.{b}" for fam in ("child_years_out_of_school", "child_years_out_of_school.cumulative",
                                        "children_never_returned") for b in GROUPED),
             "dropouts", "dropouts.poor", "pupils", "out_of_school", "cost.total",
             "dropout_rate.all", "dropout_rate.primary", "dropout_rate.junior", "learning.mean",
             "ptr", "spending_per_pupil")
UNITS = {"ptr": "pupils per teacher", "spending_per_pupil": "yuan per pupil per year"}
DIRECTION_AS = {"ptr": "ptr.all", "spending_per_pupil": "spending_per_pupil.all"}  # which way is better


def units_of(district, by: str) -> tuple[pd.DataFrame, np.ndarray]:
    """(one row per unit: its columns, (school, unit) 0/1 matrix) for ``by``."""
    from ..inputs.names import english_names

    schools = english_names(district.schools)
    if by == "school":
        table = schools[["school_id", "name", "name_en", "town", "town_en", "location"]].reset_index(drop=True)
        return table, np.eye(len(schools))
    key = "town" if by == "town" else "location"
    if by == "town":
        table = schools[["town", "town_en"]].drop_duplicates("town").reset_index(drop=True)
    else:
        present = set(schools["location"])
        table = pd.DataFrame({"location": [loc for loc in LOCATIONS if loc in present]})
    matrix = (schools[key].to_numpy()[:, None] == table[key].to_numpy()[None, :]).astype(float)
    return table, matrix


def _year_values(y, cells, unit_matrix, group_sets) -> dict[str, np.ndarray]:
    """Every supported indicator of one year, (draw, unit).

    Each cell array is summed once per school by grade and by group (the layout's segment sums),
    then over the schools of each unit (one small matrix product; none for ``by="school"``)."""
    f = y.cell_flows
    per_school = unit_matrix is None

    def units(a):  # (draw, school) → (draw, unit)
        return a if per_school else a @ unit_matrix

    def sums(x):  # {(stage, group): (draw, unit)} for the selections of _SELECT and dropout rates
        by_grade, by_group = y.cells.by_school_grade_and_group(x)
        out = {(stage, "all"): units(by_grade[:, :, STAGES[stage]].sum(axis=2)) for stage in STAGES}
        picked = by_group @ group_sets[:, [_GROUP_INDEX[g] for g in ("poor", "left_behind", "disabled")]]
        for j, g in enumerate(("poor", "left_behind", "disabled")):
            out[("all", g)] = units(picked[:, :, j])
        return out

    tot = {k: sums(x) for k, x in (
        ("dropouts", f.dropouts), ("at_risk", f.at_risk), ("ledger", y.cell_ledger_end),
        ("learning", y.cell_learning * f.at_risk), ("this_year", child_years(y.cell_ledger_end, f.dropouts)),
        ("so_far", y.cell_child_years), ("never", y.cell_never_returned))}
    out = {}
    for fam, key in (("child_years_out_of_school", "this_year"), ("child_years_out_of_school.cumulative", "so_far"),
                     ("children_never_returned", "never")):
        for b, selection in _SELECT.items():
            out[f"{fam}.{b}"] = tot[key][selection]
    out["dropouts"] = tot["dropouts"][("all", "all")]
    out["dropouts.poor"] = tot["dropouts"][("all", "poor")]
    out["pupils"] = tot["at_risk"][("all", "all")]
    out["out_of_school"] = tot["ledger"][("all", "all")]
    for stage in STAGES:
        out[f"dropout_rate.{stage}"] = safe_ratio(tot["dropouts"][(stage, "all")], tot["at_risk"][(stage, "all")])
    out["learning.mean"] = safe_ratio(tot["learning"][("all", "all")], tot["at_risk"][("all", "all")])
    sch = y.schools
    out["cost.total"] = units(sum(v for v in y.costs.values()))
    pupils = units(sch["pupils"])
    out["ptr"] = safe_ratio(pupils, units(sch["teachers"]))
    out["spending_per_pupil"] = safe_ratio(units(sch["recurrent_yuan"]), pupils)
    return out


def unit_samples(cmp, by: str) -> dict[str, dict[str, np.ndarray]]:
    """{scenario: {indicator: (draws, years, units)}} on the comparison's draws (cached on ``cmp``)."""
    cache = cmp.__dict__.setdefault("_unit_samples", {})
    if by in cache:
        return cache[by]
    from ..model.engine import cells_of

    district, loaded = cmp._inputs
    if not loaded:
        raise InputError("breakdown: this comparison does not hold its district and scenarios "
                         "(made by hand, or read back from a folder); run simulate.compare again")
    cells = cells_of(district)
    _, unit_matrix = units_of(district, by)
    unit_matrix = None if by == "school" else unit_matrix  # one unit per school: no sums to take
    _, group_sets = _selection_matrices(cells, masks(cells))
    chunk = getattr(cmp, "chunk", None)  # the mode does not matter: the summaries are expected mode either way
    if chunk is None:  # without it the re-run would not draw the same random numbers
        raise InputError("breakdown: this comparison does not record its chunk; run simulate.compare again")
    years = len(cmp.years)
    out = {}
    for name in cmp.scenarios:
        parts: dict[str, list] = {}
        for d0 in range(0, cmp.draws, chunk):
            n = min(chunk, cmp.draws - d0)
            per_year = [_year_values(y, cells, unit_matrix, group_sets)
                        for y in simulate(district, loaded[name], years=years, seed=cmp.seed, mode="expected", draws=n,
                                          first_draw=d0, sample_parameters=True)]
            for k in per_year[0]:
                parts.setdefault(k, []).append(np.stack([py[k] for py in per_year], axis=1))
        out[name] = {k: np.concatenate(v, axis=0) for k, v in parts.items()}
    cache[by] = out
    return out


def breakdown(cmp, indicator: str = "child_years_out_of_school.total", by: str = "town", year=None,
              interval: float | None = None, alpha: float | None = None) -> pd.DataFrame:
    """``indicator`` of every scenario of ``cmp`` per town, location or school, with intervals.

    Returns a tidy DataFrame: scenario, the unit's columns (``town``, ``town_en``; ``location``;
    or ``school_id``, ``name``, ``name_en``, ``town``, ``town_en``, ``location``), indicator,
    unit, year, mean, lo, hi (central ``interval`` of the draws, or 1 − ``alpha``; default the
    comparison's), diff, diff_lo, diff_hi (scenario − reference, paired by draw) and p_better
    (share of draws in which the scenario does better, by the indicator's direction). ``year``:
    a calendar year, 'first' or 'last' (None: every year). See the module docstring for the
    indicators supported and the cost.
    """
    from .tidy import check_alpha, check_year, quantiles

    if by not in BY:
        raise NotFoundError.of("breakdown", by, BY, where="by")
    if indicator not in SUPPORTED:
        raise NotFoundError.of("indicator", indicator, SUPPORTED, where=f"breakdown by {by}")
    level = check_alpha(interval, alpha, cmp.interval)
    years = list(cmp.years) if year is None else [check_year(cmp, year)]
    cols = [cmp.years.index(y) for y in years]
    district, _ = cmp._inputs if cmp._inputs else (None, None)
    if district is None:
        raise InputError("breakdown: this comparison does not hold its district; run simulate.compare again")
    table, _ = units_of(district, by)
    samples = unit_samples(cmp, by)
    from ..measures.catalogue import units

    unit = UNITS.get(indicator) or units([indicator])[0]
    direction = DIRECTION_AS.get(indicator, indicator)
    ref = samples[cmp.reference][indicator][:, cols]        # (draw, year, unit)
    frames = []
    for s in cmp.scenarios:
        x = samples[s][indicator][:, cols]
        mean, lo, hi = quantiles(x, level)
        dmean, dlo, dhi = quantiles(x - ref, level)
        p = is_better(direction, x, ref).mean(axis=0)
        for j, y in enumerate(years):
            part = table.copy()
            part.insert(0, "scenario", s)
            part = part.assign(indicator=indicator, unit=unit, year=y, mean=mean[j], lo=lo[j], hi=hi[j],
                               diff=dmean[j], diff_lo=dlo[j], diff_hi=dhi[j], p_better=p[j])
            frames.append(part)
    return pd.concat(frames, ignore_index=True)
