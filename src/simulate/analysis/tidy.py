"""A comparison's draws in the shapes other libraries take: xarray, long format, effects tables.

The methods :meth:`Comparison.to_xarray`, :meth:`~Comparison.samples_long`,
:meth:`~Comparison.effects`, :meth:`~Comparison.select` and :meth:`~Comparison.diff_samples`
call these functions. Every name they take (scenario, indicator, year) is checked first:
an unknown one raises :class:`~simulate.errors.NotFoundError` with the closest names
("did you mean …"), instead of an empty table or a bare ``KeyError``.

Intervals: ``interval`` is the central share of the draws (0.9 → the 5th to 95th
percentile), ``alpha`` = 1 − ``interval`` as in statsmodels (``alpha=0.1`` is a 90%
interval); give one or neither (default: the comparison's own ``interval``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError, NotFoundError, short


#: the default indicators of :func:`effects` (the summary's headline rows)
HEADLINE = ("child_years_out_of_school.cumulative.total", "children_never_returned.total", "dropout_rate.junior",
            "dropout_gap.poor.junior", "dropout_gap.urban_rural.junior", "learning_gap.poor", "cost.policy_levers")


def quantiles(x: np.ndarray, interval: float):
    """Mean and central ``interval`` over draws (axis 0); NaN, quietly, where every draw is NaN."""
    import warnings

    a = (1 - interval) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(x, axis=0), np.nanquantile(x, a, axis=0), np.nanquantile(x, 1 - a, axis=0)


def check_alpha(interval: float | None, alpha: float | None, default: float) -> float:
    """The interval share from ``interval`` or ``alpha`` (= 1 − interval); ``default`` when neither."""
    from ..inputs import limits

    if interval is not None and alpha is not None:
        if not abs((1 - float(alpha)) - float(interval)) < 1e-12:
            raise InputError(f"alpha: {short(alpha)} and interval: {short(interval)} disagree "
                             "(alpha = 1 − interval); give one of them")
    if alpha is not None:
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
            raise InputError(f"alpha: expected a number between 0 and 1 (e.g. 0.1 for a 90% interval), "
                             f"got {short(alpha)}")
        return limits.check_interval(1 - float(alpha))
    return default if interval is None else limits.check_interval(interval)


def check_scenario(cmp, scenario) -> str:
    name = getattr(scenario, "name", scenario)  # a Scenario object stands for its name
    if name not in cmp.scenarios:
        raise NotFoundError.of("scenario", name, cmp.scenarios, where="this comparison")
    return name


def check_indicator(cmp, indicator: str, table: bool = False) -> str:
    known = list(cmp.samples[cmp.reference])
    if table:
        known += sorted(set(cmp.table["indicator"]) - set(known))
    if indicator not in known:
        raise NotFoundError.of("indicator", indicator, known, where="this comparison")
    return indicator


def check_year(cmp, year) -> int:
    """A simulated calendar year (``"last"``/None: the last, ``"first"``: the first)."""
    if year is None or year == "last":
        return cmp.years[-1]
    if year == "first":
        return cmp.years[0]
    if isinstance(year, bool) or not isinstance(year, (int, np.integer)) or int(year) not in cmp.years:
        raise NotFoundError(f"year: {short(year)} is not a simulated year (this comparison has "
                            f"{cmp.years[0]}–{cmp.years[-1]}; years are calendar years, or 'first'/'last')")
    return int(year)


def _names(cmp, indicators, table: bool = False) -> list[str]:
    if indicators is None:
        return list(cmp.samples[cmp.reference])
    if isinstance(indicators, str):
        indicators = [indicators]
    return [check_indicator(cmp, i, table) for i in indicators]


def diff_samples(cmp, scenario, indicator: str) -> np.ndarray:
    s, ind = check_scenario(cmp, scenario), check_indicator(cmp, indicator)
    return cmp.samples[s][ind] - cmp.samples[cmp.reference][ind]


def select(cmp, indicator=None, scenario=None, year=None) -> pd.DataFrame:
    """Rows of ``cmp.table`` for the given indicator(s), scenario(s) and year(s), each name checked."""
    t = cmp.table
    if indicator is not None:
        t = t[t["indicator"].isin(_names(cmp, indicator, table=True))]
    if scenario is not None:
        names = [scenario] if isinstance(scenario, str) or hasattr(scenario, "leaves") else list(scenario)
        t = t[t["scenario"].isin([check_scenario(cmp, s) for s in names])]
    if year is not None:
        years = [year] if isinstance(year, (str, int, np.integer)) else list(year)
        t = t[t["year"].isin([check_year(cmp, y) for y in years])]
    return t.reset_index(drop=True)


def effects(cmp, indicators=None, year=None, interval: float | None = None, alpha: float | None = None,
            scenarios=None) -> pd.DataFrame:
    """Each scenario's effect (scenario − reference, paired by draw) on ``indicators`` in ``year``.

    Columns: scenario, indicator, label, unit, better, year, reference_mean, mean, diff, diff_lo,
    diff_hi, p_better, interval. ``indicators``: a name or list (default: the headline rows of the
    summary); ``year``: a calendar year, 'first' or 'last' (default). ``interval``/``alpha``: the
    interval's level, recomputed from the draws (default: the comparison's).
    """
    from ..measures.catalogue import describe
    from ..model.outcomes import is_better

    level = check_alpha(interval, alpha, cmp.interval)
    y = check_year(cmp, year)
    j = cmp.years.index(y)
    names = _names(cmp, indicators if indicators is not None else list(HEADLINE))
    others = [check_scenario(cmp, s) for s in (scenarios or [s for s in cmp.scenarios if s != cmp.reference])]
    ref = cmp.samples[cmp.reference]
    rows = []
    for s in others:
        for ind in names:
            x, r = cmp.samples[s][ind][:, j], ref[ind][:, j]
            d = x - r
            m, lo, hi = (float(v[0]) for v in quantiles(d[:, None], level))
            row = describe(ind)
            rows.append({"scenario": s, "indicator": ind, "label": row["label_en"], "unit": row["unit"],
                         "better": row["better"], "year": y, "reference_mean": float(np.nanmean(r)),
                         "mean": float(np.nanmean(x)), "diff": m, "diff_lo": lo, "diff_hi": hi,
                         "p_better": float(is_better(ind, x, r).mean()), "interval": level})
    return pd.DataFrame(rows)


def samples_long(cmp, indicators=None, scenarios=None, diff: bool = False) -> pd.DataFrame:
    """Every draw in long format: scenario, indicator, unit, draw, year, value (and, with ``diff``, the
    paired difference from the reference, ``diff``) — for seaborn, statsmodels or a groupby."""
    from ..measures.catalogue import units

    names = _names(cmp, indicators)
    chosen = [check_scenario(cmp, s) for s in (scenarios or cmp.scenarios)]
    parts = []
    draws, years = np.arange(cmp.draws), np.asarray(cmp.years)
    unit_of = dict(zip(names, units(names)))
    for s in chosen:
        for ind in names:
            x = cmp.samples[s][ind]
            part = {"scenario": s, "indicator": ind, "unit": unit_of[ind],
                    "draw": np.repeat(draws, len(years)), "year": np.tile(years, cmp.draws), "value": x.ravel()}
            if diff:
                part["diff"] = (x - cmp.samples[cmp.reference][ind]).ravel()
            parts.append(pd.DataFrame(part))
    return pd.concat(parts, ignore_index=True)


def to_xarray(cmp, indicators=None, scenarios=None):
    """The draws as an ``xarray.DataArray`` named ``value``, dims (scenario, indicator, draw, year), with
    the indicator's ``unit`` and ``label`` as coordinates along ``indicator`` and the comparison's
    reference, seed, draws and interval in ``attrs``. ``da.sel(scenario="no_policy") -
    da.sel(scenario=da.attrs["reference"])`` gives the paired differences."""
    import xarray as xr

    from ..measures.catalogue import _table

    names = _names(cmp, indicators)
    chosen = [check_scenario(cmp, s) for s in (scenarios or cmp.scenarios)]
    data = np.stack([np.stack([cmp.samples[s][i] for i in names]) for s in chosen])  # (scen, ind, draw, year)
    cat = _table().set_index("name")
    return xr.DataArray(
        data, dims=("scenario", "indicator", "draw", "year"), name="value",
        coords={"scenario": chosen, "indicator": names, "draw": np.arange(cmp.draws), "year": list(cmp.years),
                "unit": ("indicator", [cat["unit"].get(i, "") for i in names]),
                "label": ("indicator", [cat["label_en"].get(i, i) for i in names])},
        attrs={"reference": cmp.reference, "seed": cmp.seed, "draws": cmp.draws, "interval": cmp.interval,
               "description": "simulate.compare draws; every scenario shares each draw's random numbers"})
