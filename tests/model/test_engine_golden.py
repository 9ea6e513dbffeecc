"""The engine gives the numbers of the engine before the live-cell rewrite (issue 14).

Golden values were generated once by ``tests/model/data/make_golden.py`` from the engine at commit
e0fe57c (dense (draw, school, grade, group) arrays). Expected mode must agree to 1e-9 (relative, or
absolute for values near 0: sums in another order differ in the last bits); stochastic mode must agree
in mean and variance within sampling noise, and (while the random streams are consumed in the same
order) draw by draw.
"""

from pathlib import Path

import numpy as np
import pytest
from scipy.stats import chi2, norm

import simulate as sim
from simulate.measures.balance import comparison_indicators, context
from simulate.model.engine import cells_of, simulate
from simulate.model.outcomes import year_indicators

DATA = Path(__file__).resolve().parent / "data"
SCENARIOS = ("baseline", "no_policy", "targeted_aid", "weak_school_capital", "more_rotation")
YEARS = 7
TOL = 1e-9


@pytest.fixture(scope="module")
def golden():
    with np.load(DATA / "golden_expected.npz") as f:
        return dict(f)


@pytest.fixture(scope="module")
def golden_stochastic():
    with np.load(DATA / "golden_stochastic.npz") as f:
        return dict(f)


@pytest.fixture(scope="module")
def cells_ctx(district):
    return cells_of(district), context(district)


def per_year(district, scenario, cells, ctx, **kw):
    rows, entered = [], []
    for y in simulate(district, scenario, years=YEARS, **kw):
        rows.append({**year_indicators(y, cells), **comparison_indicators(y, ctx)})
        entered.append(np.asarray(y.entered, dtype=float))
    return ({k: np.stack([np.asarray(r[k], dtype=float) for r in rows], axis=-1) for k in rows[0]},
            np.stack(entered))


# The leaves that declared an uncertainty when the goldens were made (the rest got priors in issue 19 §4):
# the sampled-parameter goldens are compared with those leaves sampled and every other leaf central.
def assert_close(name, got, want, tol=TOL):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert got.shape == want.shape, name
    assert np.array_equal(np.isnan(got), np.isnan(want)), f"{name}: NaN pattern differs"
    ok = ~np.isnan(want)
    err = np.abs(got[ok] - want[ok]) / np.maximum(1.0, np.abs(want[ok]))
    assert err.size == 0 or err.max() <= tol, f"{name}: max error {err.max():.3g} (got {got}, want {want})"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_expected_mode_matches_golden(district, cells_ctx, golden, scenario):
    cells, ctx = cells_ctx
    s = sim.load_scenario(scenario)
    central, entered = per_year(district, s, cells, ctx, seed=0, mode="expected", draws=1)
    want = {k.split("/", 2)[2]: v for k, v in golden.items() if k.startswith(f"central/{scenario}/")}
    assert set(central) == set(want)
    for k, v in want.items():
        assert_close(f"{scenario} {k}", central[k][0], v)
    assert_close(f"{scenario} entered", entered[:, 0], golden[f"entered/{scenario}"])


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_expected_mode_sampled_parameters_match_golden(district, cells_ctx, golden, scenario):
    """Per-draw parameter arrays (compare, sensitivity) take the same paths as before."""
    cells, ctx = cells_ctx
    s = sim.load_scenario(scenario)  # every uncertain leaf, the calibrated block from the posterior (as make_golden.py)
    sampled, _ = per_year(district, s, cells, ctx, seed=11, mode="expected", draws=6, sample_parameters=True)
    want = {k.split("/", 2)[2]: v for k, v in golden.items() if k.startswith(f"sampled/{scenario}/")}
    assert set(sampled) == set(want)
    for k, v in want.items():
        assert_close(f"{scenario} {k}", sampled[k], v)


def test_tables_match_golden(district):
    with np.load(DATA / "golden_tables.npz") as f:
        want = dict(f)
    for mode, name, seed in (("expected", "baseline", 0), ("stochastic", "targeted_aid", 2)):
        r = sim.run(district, name, years=YEARS, seed=seed, mode=mode)
        for table in ("schools", "groups"):
            df = getattr(r, table)
            for key, v in want.items():
                m, t, col = key.split("/", 2)
                if (m, t) == (mode, table):
                    assert_close(key, df[col].to_numpy(dtype=float), v)


@pytest.fixture(scope="module")
def stochastic_runs(district, cells_ctx):
    cells, ctx = cells_ctx
    base = sim.load_scenario("baseline")
    chunks = [per_year(district, base, cells, ctx, seed=5, mode="stochastic", draws=100, first_draw=d0)[0]
              for d0 in (0, 100, 200)]
    return {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}


def test_stochastic_first_draws_match_golden(stochastic_runs, golden_stochastic):
    """Same seed, same random streams consumed in the same order: the same draws as the old engine."""
    for key, v in golden_stochastic.items():
        if key.startswith("draws/"):
            name = key[len("draws/"):]
            assert_close(name, stochastic_runs[name][:20], v, tol=1e-9)


def test_stochastic_means_and_variances_match_golden(stochastic_runs, golden_stochastic):
    """Means within sampling noise (two-sample z) and variances within an F-like band, Bonferroni over checks."""
    names = [k[len("mean/"):] for k in golden_stochastic if k.startswith("mean/")]
    n = 300
    checks = 2 * len(names) * YEARS
    z = norm.isf(0.01 / 2 / checks)
    lo, hi = chi2.ppf(0.01 / 2 / checks, n - 1) / (n - 1), chi2.isf(0.01 / 2 / checks, n - 1) / (n - 1)
    for name in names:
        x = stochastic_runs[name]
        mean_old, var_old = golden_stochastic[f"mean/{name}"], golden_stochastic[f"var/{name}"]
        mean_new, var_new = np.nanmean(x, axis=0), np.nanvar(x, axis=0, ddof=1)
        for t in range(YEARS):
            if np.isnan(mean_old[t]):
                assert np.isnan(mean_new[t]), name
                continue
            pooled = np.sqrt((var_old[t] + var_new[t]) / n)
            scale = max(abs(mean_old[t]), 1.0) * 1e-9
            assert abs(mean_new[t] - mean_old[t]) <= z * pooled + scale, (name, t, mean_new[t], mean_old[t])
            if var_old[t] > (1e-12 * max(1.0, mean_old[t] ** 2)):
                ratio = var_new[t] / var_old[t]
                # two independent samples: the ratio of two scaled chi² variates; a generous band
                assert lo / hi <= ratio <= hi / lo, (name, t, ratio)
