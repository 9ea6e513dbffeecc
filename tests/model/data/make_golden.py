"""Generate the engine's golden values (tests/model/test_engine_golden.py compares against them).

    .venv/bin/python tests/model/data/make_golden.py

Generated once from the engine *before* the live-cell rewrite of issue 14 (commit e0fe57c), so the
test checks that the rewritten engine gives the old engine's numbers. Do not regenerate unless the
model itself changes on purpose (then say so in the commit).

golden_expected.npz — expected mode, all indicators ``compare`` carries (``year_indicators`` +
``comparison_indicators``), 7 years:
  ``central/<scenario>/<indicator>``  (years,)          one draw at central values
  ``sampled/<scenario>/<indicator>``  (draws, years)    6 draws of sampled parameters (seed 11)
  ``entered/<scenario>``              (years, school, group) the entering cohort (central)
golden_stochastic.npz — stochastic mode, baseline, central values, 300 draws (3 chunks of 100, seed 5):
  ``mean/<indicator>``, ``var/<indicator>`` (years,) over the draws, and
  ``draws/<indicator>`` (20, years), the first 20 draws exactly.
golden_tables.npz — ``run(baseline, mode=expected)`` and ``run(targeted_aid, mode=stochastic, seed=2)``:
  ``<mode>/schools/<column>`` and ``<mode>/groups/<column>``, the numeric columns of ``Result.schools``
  and ``Result.groups`` (tables built from the year's dense cell arrays).
"""

from pathlib import Path

import numpy as np

import simulate as sim
from simulate.measures.balance import comparison_indicators, context
from simulate.model.engine import cells_of, simulate
from simulate.model.outcomes import year_indicators

HERE = Path(__file__).resolve().parent
SCENARIOS = ("baseline", "no_policy", "targeted_aid", "weak_school_capital", "more_rotation")
YEARS = 7


def per_year(district, scenario, cells, ctx, **kw):
    rows = []
    entered = []
    for y in simulate(district, scenario, years=YEARS, **kw):
        rows.append({**year_indicators(y, cells), **comparison_indicators(y, ctx)})
        entered.append(np.asarray(y.entered, dtype=float))
    names = rows[0].keys()
    return {k: np.stack([np.asarray(r[k], dtype=float) for r in rows], axis=-1) for k in names}, np.stack(entered)


def main():
    district = sim.load_district()
    cells, ctx = cells_of(district), context(district)
    out = {}
    for name in SCENARIOS:
        s = sim.load_scenario(name)
        central, entered = per_year(district, s, cells, ctx, seed=0, mode="expected", draws=1)
        for k, v in central.items():
            out[f"central/{name}/{k}"] = v[0]
        out[f"entered/{name}"] = entered[:, 0]
        sampled, _ = per_year(district, s, cells, ctx, seed=11, mode="expected", draws=6, sample_parameters=True)
        for k, v in sampled.items():
            out[f"sampled/{name}/{k}"] = v
    np.savez_compressed(HERE / "golden_expected.npz", **out)

    base = sim.load_scenario("baseline")
    chunks = [per_year(district, base, cells, ctx, seed=5, mode="stochastic", draws=100, first_draw=d0)[0]
              for d0 in (0, 100, 200)]
    st = {}
    for k in chunks[0]:
        x = np.concatenate([c[k] for c in chunks])  # (300, years)
        st[f"mean/{k}"] = np.nanmean(x, axis=0)
        st[f"var/{k}"] = np.nanvar(x, axis=0, ddof=1)
        st[f"draws/{k}"] = x[:20]
    np.savez_compressed(HERE / "golden_stochastic.npz", **st)

    tables = {}
    for mode, name, seed in (("expected", "baseline", 0), ("stochastic", "targeted_aid", 2)):
        r = sim.run(district, name, years=YEARS, seed=seed, mode=mode)
        for table in ("schools", "groups"):
            df = getattr(r, table)
            for col in df.columns:
                if df[col].dtype.kind in "fiub":
                    tables[f"{mode}/{table}/{col}"] = df[col].to_numpy(dtype=float)
    np.savez_compressed(HERE / "golden_tables.npz", **tables)


if __name__ == "__main__":
    main()
