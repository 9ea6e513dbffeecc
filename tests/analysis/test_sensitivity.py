"""Claims about the sensitivity analysis (simulate.analysis.sensitivity, factors, drivers).

* The Sobol' wrapper — the code path the model uses, with a test function in
  place of the model — recovers the Ishigami function's known indices.
* Morris ranks a linear function's coefficients, and μ* equals |coefficient|
  (factors move across their whole range).
* The screening rule keeps μ* ≥ 5% of the largest, at most 10.
* Factors are the declared uncertainties (offsets as the scenario stores them)
  plus user ranges converted to offsets; counts and share members are refused.
* The model evaluator on the draw axis gives, for each parameter set, what a
  separate run of the changed scenario gives, and differences are B − A.
* drivers() names the top three by ST, the assumption share and a sentence.
* `simulate sensitivity` prints Morris and Sobol' tables with intervals and convergence.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import simulate as sim
from simulate.analysis.drivers import drivers
from simulate.analysis.factors import (Factor, ModelEvaluator, Target, factors_from, source_kind,
                                       values_at)
from simulate.analysis.sensitivity import morris, one_at_a_time, screen, sobol
from simulate.cli import main
from simulate.inputs.synthesize import synthesize
from simulate.model.engine import cells_of, simulate
from simulate.model.outcomes import year_indicators

PI = np.pi
ISHIGAMI_S1 = [0.3139, 0.4424, 0.0]
ISHIGAMI_ST = [0.5576, 0.4424, 0.2437]


def ishigami_factors():
    return [Factor(f"x{i}", "uniform", low=-PI, high=PI, source="test") for i in (1, 2, 3)]


def ishigami(x, a=7.0, b=0.1):
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_sobol_recovers_the_ishigami_indices():
    factors = ishigami_factors()
    res = sobol(factors, lambda u: ishigami(values_at(factors, u)), names=["ishigami"], n=4096, seed=1)
    full = res.table[res.table.n == 4096].set_index("path")
    assert res.parameter_sets == 4096 * 5
    np.testing.assert_allclose(full["S1"], ISHIGAMI_S1, atol=0.03)
    np.testing.assert_allclose(full["ST"], ISHIGAMI_ST, atol=0.03)
    assert (full["S1_conf"] > 0).all() and (full["ST_conf"] < 0.1).all()
    # convergence: indices at N/2 come from the first half of the same runs
    conv = res.convergence.set_index("path")
    np.testing.assert_allclose(conv["ST_diff"], conv["ST"] - conv["ST_half"])
    half = sobol(factors, lambda u: ishigami(values_at(factors, u)), names=["ishigami"], n=2048, seed=1)
    np.testing.assert_allclose(conv["ST_half"], half.table[half.table.n == 2048].set_index("path")["ST"])


def test_sobol_gives_zero_indices_for_an_output_that_does_not_vary():
    factors = ishigami_factors()
    res = sobol(factors, lambda u: np.column_stack([ishigami(values_at(factors, u)), np.ones(len(u))]),
                names=["varies", "flat"], n=64)
    flat = res.table[res.table.target == "flat"]
    assert (flat[["S1", "ST", "S1_conf", "ST_conf"]] == 0).all().all()
    assert res.table[res.table.target == "varies"]["ST"].max() > 0.3


def test_sobol_refuses_a_sample_size_that_is_not_a_power_of_two():
    with pytest.raises(ValueError, match="power of 2"):
        sobol(ishigami_factors(), lambda u: u[:, 0], n=100)


COEFFICIENTS = np.array([5.0, -3.0, 1.0, 0.2, 0.0])


def linear_factors():
    return [Factor(f"a{i}", "uniform", low=0.0, high=1.0) for i in range(len(COEFFICIENTS))]


def test_morris_ranks_a_linear_functions_coefficients():
    factors = linear_factors()
    res = morris(factors, lambda u: values_at(factors, u) @ COEFFICIENTS, names=["linear"], r=10, seed=0)
    table = res.table.set_index("path")
    assert res.parameter_sets == 10 * (len(COEFFICIENTS) + 1)
    assert list(table.sort_values("rank").index) == ["a0", "a1", "a2", "a3", "a4"]
    np.testing.assert_allclose(table["mu_star"], np.abs(COEFFICIENTS), atol=1e-9)
    np.testing.assert_allclose(table["mu"], COEFFICIENTS, atol=1e-9)
    np.testing.assert_allclose(table["sigma"], 0.0, atol=1e-9)   # linear: every elementary effect is the same


def test_screening_keeps_five_percent_of_the_largest_and_at_most_ten():
    res = morris(linear_factors(), lambda u: u @ COEFFICIENTS, names=["linear"], r=4)
    assert screen(res.table) == ["a0", "a1", "a2"]          # 0.2/5 = 4% < 5%, 0 never
    assert screen(res.table, keep_share=0.03) == ["a0", "a1", "a2", "a3"]
    assert screen(res.table, keep_share=0.03, max_factors=2) == ["a0", "a1"]
    # a factor kept for any target survives
    two = pd.concat([res.table, res.table.assign(target="other", mu_star_share=[0, 0, 0, 1.0, 0])])
    assert screen(two) == ["a0", "a3", "a1", "a2"]


def test_one_at_a_time_swings_are_the_coefficient_times_the_quantile_span():
    factors = linear_factors()
    table = one_at_a_time(factors, lambda u: values_at(factors, u) @ COEFFICIENTS, names=["linear"])
    np.testing.assert_allclose(table["swing"], 0.9 * np.abs(COEFFICIENTS))
    np.testing.assert_allclose(table["base"], 0.0)            # central values: offset 0 = low end here
    assert list(table.sort_values("rank")["path"])[:3] == ["a0", "a1", "a2"]


# ------------------------------------------------------------------ factors on the real parameter tree
@pytest.mark.parametrize("source, kind", [
    ("assumption", "assumption"),
    ("assumption: remote mountain posts lose the most", "assumption"),
    ("scenario x: assumption: a reason", "assumption"),
    ("Banan report 2020: every pupil aided; assumption: up to 4% may still be missed", "partly assumed"),
    ("calibrated 2026-11-28: targets", "calibrated"),
    ("Mo et al. 2013: 13.3% among poor-household pupils", "evidence"),
])
def test_source_kind_reads_the_source_text(source, kind):
    assert source_kind(source) == kind


@pytest.fixture(scope="module")
def baseline():
    return sim.load_scenario("baseline")


def test_factors_are_the_declared_uncertainties_with_their_offsets(baseline):
    from simulate.analysis.factors import POSTERIOR_FACTOR
    from simulate.inputs import posterior

    stored = posterior.load()
    joint = set(stored[0]) if stored is not None else set()
    factors = [f for f in factors_from(baseline) if f.path != POSTERIOR_FACTOR]
    values = baseline.values()

    def real(path):
        node = values
        for part in path.split("."):
            node = getattr(node, part)
        return isinstance(node, float)

    assert [f.path for f in factors] == [p for p in baseline.uncertain_paths() if real(p) and p not in joint]
    for f in factors:
        unc = baseline.leaves[f.path]["uncertainty"]
        assert f.distribution == unc["distribution"] and f.central == baseline.value(f.path)
        if f.distribution == "uniform":
            assert (f.offset(0.0), f.offset(1.0)) == pytest.approx((unc["low"], unc["high"]))
        # the central value's quantile maps back to it (to rounding, relative to the range: some are in yuan)
        assert f.offset(f.base_quantile) == pytest.approx(0.0, abs=1e-12 * max(1.0, f.high - f.low))
        assert f.kind == source_kind(baseline.leaves[f.path]["source"])


def test_the_calibrated_parameters_are_one_joint_factor_drawn_from_the_posterior(baseline):
    """Issue 19 item 7: a sensitivity study never moves a calibrated parameter alone."""
    from simulate.analysis.factors import POSTERIOR_FACTOR, offsets_at
    from simulate.inputs import posterior

    stored = posterior.load()
    if stored is None:
        pytest.skip("no stored posterior (params/posterior/)")
    paths, draws, header = stored
    factors = factors_from(baseline)
    (j,) = [i for i, f in enumerate(factors) if f.path == POSTERIOR_FACTOR]
    assert not set(paths) & {f.path for f in factors}
    u = np.full((3, len(factors)), 0.5)
    u[:, j] = [0.0, 0.5, 0.9999]
    off = offsets_at(factors, u)
    rows = [0, len(draws) // 2, len(draws) - 1]
    for k, p in enumerate(paths):
        np.testing.assert_allclose(off[p], draws[rows, k] - header["central"][p])


def test_a_user_range_is_given_in_values_and_stored_as_offsets(baseline):
    path = "dropout.pairing.coverage"
    (f,) = factors_from(baseline, ranges={path: [0.5, 0.9]}, only=[path])
    assert not f.declared and f.value(0.0) == pytest.approx(0.5) and f.value(1.0) == pytest.approx(0.9)
    assert f.offset(0.0) == pytest.approx(0.5 - baseline.value(path))


@pytest.mark.parametrize("path, message", [
    ("teachers.support.count", "not a real number"),
    ("teachers.training.share_by_location.urban", "share group"),
    ("dropout.pairing.coverag", "no such parameter (did you mean 'dropout.pairing.coverage'?)"),
])
def test_paths_that_cannot_vary_per_draw_are_refused(baseline, path, message):
    with pytest.raises(ValueError, match="ranges: ") as err:
        factors_from(baseline, ranges={path: [0, 1]})
    assert message in str(err.value)


def test_assumption_spread_adds_assumed_leaves_within_schema_bounds(baseline):
    factors = factors_from(baseline, assumption_spread=0.5)
    added = [f for f in factors if not f.declared]
    assert added and all(f.kind == "assumption" for f in added)
    ref = next(f for f in added if f.path == "learning.ptr_reference_pupils")   # assumed, held fixed
    assert (ref.value(0.0), ref.value(1.0)) == pytest.approx((7.5, 22.5))


@pytest.fixture(scope="module")
def district():
    return sim.load_district()


def changed_world(scenario, changes):
    """``scenario`` in a world where ``changes`` hold — for its status quo too (the policy in force when the
    data were observed, whose steady state the engine starts from), as per-draw offsets apply to both."""
    import dataclasses

    changed = scenario.with_changes(changes)
    if "baseline" not in {f.name for f in dataclasses.fields(changed)}:
        return changed
    root = scenario.status_quo
    world = dataclasses.replace(root.with_changes(changes), baseline=None)
    return world if scenario is root else dataclasses.replace(changed, baseline=world)


def test_the_evaluator_matches_separate_runs_and_differences_are_paired(district, baseline):
    path_a, path_b = "dropout.monitoring.hazard_log_odds", "dropout.pairing.coverage"
    factors = factors_from(baseline, ranges={path_b: [0.5, 1.0]}, only=[path_a, path_b])
    targets = [Target("dropout_rate.junior", year=2020), Target("dropout_rate.junior", "targeted_aid", "baseline",
                                                                year=2020),
               Target("dropouts", cumulative=True, year=2020)]
    ev = ModelEvaluator(district, targets, factors, years=2, chunk=2)
    u = np.array([[0.1, 0.2], [0.9, 0.7], [0.5, 1.0]])
    y = ev(u)
    assert ev.runs == 3 * 2                                 # 3 parameter sets × 2 scenarios
    cells = cells_of(district)
    for i, row in enumerate(u):
        changes = {f.path: float(f.value(q)) for f, q in zip(factors, row)}
        per = {}
        for name in ("baseline", "targeted_aid"):
            years = list(simulate(district, changed_world(sim.load_scenario(name), changes), years=2))
            per[name] = [year_indicators(yr, cells) for yr in years]
        assert y[i, 0] == pytest.approx(per["baseline"][-1]["dropout_rate.junior"][0], rel=1e-12)
        assert y[i, 1] == pytest.approx(per["targeted_aid"][-1]["dropout_rate.junior"][0]
                                        - per["baseline"][-1]["dropout_rate.junior"][0], rel=1e-9)
        assert y[i, 2] == pytest.approx(sum(p["dropouts"][0] for p in per["baseline"]), rel=1e-12)


def test_the_evaluator_names_an_unknown_indicator(district, baseline):
    with pytest.raises(ValueError, match="dropout_gap.poor.junio: unknown indicator .*did you mean"):
        ModelEvaluator(district, [Target("dropout_gap.poor.junio")], factors_from(baseline), years=1)


# ------------------------------------------------------------------ drivers
def _sobol_table(st, kinds, target="t", st_half=None, s1=None):
    """A Sobol' table at N = 32 and 64 (the same indices unless ``st_half`` is given: converged)."""
    def at(n, values):
        return pd.DataFrame({"target": target, "path": [f"p{i}" for i in range(len(st))],
                             "label": [f"parameter {i}" for i in range(len(st))], "kind": kinds, "n": n,
                             "S1": np.asarray(st) * 0.8 if s1 is None else s1, "S1_conf": 0.01, "ST": values,
                             "ST_conf": 0.01})
    return pd.concat([at(32, st if st_half is None else st_half), at(64, st)], ignore_index=True)


def test_drivers_name_the_top_three_and_the_assumption_share():
    table = _sobol_table([0.5, 0.3, 0.1, 0.1, -0.02], ["assumption", "evidence", "assumption", "partly assumed",
                                                       "assumption"], s1=[0.4, 0.24, 0.08, 0.08, -0.005])
    (row,) = drivers(table).to_dict("records")
    assert [row[f"driver_{i}"] for i in (1, 2, 3)] == ["p0", "p1", "p2"]
    assert row["driver_1_share"] == pytest.approx(0.5)
    assert row["assumption_share"] == pytest.approx(0.6) and row["partly_assumed_share"] == pytest.approx(0.1)
    assert row["depends_on_assumptions"]
    assert row["sentence"].startswith("This result depends mainly on assumptions: the assumed parameter 0 and "
                                      "parameter 2")
    assert "60%" in row["sentence"]


def test_drivers_below_the_threshold_name_the_drivers_and_the_share():
    table = _sobol_table([0.2, 0.7, 0.1], ["assumption", "evidence", "calibrated"])
    (row,) = drivers(table).to_dict("records")
    assert not row["depends_on_assumptions"] and row["driver_1"] == "p1"
    assert row["sentence"].startswith("This result depends mainly on parameter 1 (evidence, 70%)")
    assert "assumption carry 20%" in row["sentence"]
    assert drivers(table, threshold=0.1).iloc[0]["depends_on_assumptions"]


def test_no_driver_is_named_from_total_indices_that_move_more_than_0_05_between_n_half_and_n():
    table = _sobol_table([0.5, 0.3, 0.1], ["assumption", "evidence", "assumption"], st_half=[0.5, 0.36, 0.1])
    (row,) = drivers(table).to_dict("records")
    assert not row["converged"] and row["max_st_change"] == pytest.approx(0.06)
    assert row["sentence"].startswith("Indices not converged, so no driver is named: a total-effect index moves "
                                      "by 0.06 between N = 32 and N = 64")
    assert row["driver_1"] == "" and np.isnan(row["assumption_share"]) and row["depends_on_assumptions"] is None
    # 0.04 is within the tolerance
    ok = drivers(_sobol_table([0.5, 0.3, 0.1], ["assumption", "evidence", "assumption"], st_half=[0.5, 0.34, 0.1]))
    assert ok.iloc[0]["converged"] and ok.iloc[0]["driver_1"] == "p0"


def test_no_driver_is_named_from_a_first_order_index_negative_beyond_its_interval():
    table = _sobol_table([0.5, 0.3], ["assumption", "evidence"], s1=[0.4, -0.05])   # S1_conf is 0.01
    (row,) = drivers(table).to_dict("records")
    assert not row["converged"] and "1 first-order index(es) outside [0, 1]" in row["sentence"]
    above = drivers(_sobol_table([0.5, 0.3], ["assumption", "evidence"], s1=[1.2, 0.1]))
    assert not above.iloc[0]["converged"]
    inside = drivers(_sobol_table([0.5, 0.3], ["assumption", "evidence"], s1=[0.4, -0.005]))
    assert inside.iloc[0]["converged"]


def test_an_undefined_output_gets_no_drivers():
    table = _sobol_table([0.5, 0.3], ["assumption", "evidence"])
    table.loc[table.n == 64, ["S1", "ST"]] = np.nan
    (row,) = drivers(table).to_dict("records")
    assert not row["converged"] and "undefined in some parameter sets" in row["sentence"]


def test_the_convergence_rule_passes_ishigami_at_n_1024_and_fails_it_at_n_16():
    """The rule on a function with known indices: at N = 1024 the estimates are near the truth and the
    rule accepts them; at N = 16 they are not, and the rule refuses them (it is not vacuous)."""
    from simulate.analysis.drivers import convergence_check

    factors = ishigami_factors()
    f = lambda u: ishigami(values_at(factors, u))   # noqa: E731
    big = sobol(factors, f, names=["ishigami"], n=1024, seed=1)
    (check,) = convergence_check(big.table).to_dict("records")
    assert check["converged"] and check["max_st_change"] <= 0.05
    full = big.table[big.table.n == 1024].set_index("path")
    np.testing.assert_allclose(full["ST"], ISHIGAMI_ST, atol=0.06)
    small = [convergence_check(sobol(factors, f, names=["ishigami"], n=16, seed=s).table).iloc[0]
             for s in range(5)]
    assert not any(c["converged"] for c in small)


def test_drivers_of_a_flat_result_say_so():
    (row,) = drivers(_sobol_table([0.0, 0.0], ["assumption", "evidence"])).to_dict("records")
    assert row["sentence"] == "This result does not vary with any of the uncertain parameters studied."


# ------------------------------------------------------------------ command line
def test_cli_prints_morris_and_sobol_tables_with_intervals_and_convergence(tmp_path, capsys):
    folder = tmp_path / "district"
    synthesize(20, 0).to_dir(folder)
    out = tmp_path / "out"
    code = main(["sensitivity", "dropout_gap.poor.junior", "--versus", "baseline", "--scenario", "targeted_aid",
                 "--district", str(folder), "--years", "2", "--morris-r", "2", "--sobol-n", "8", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    assert "Morris: r = 2 trajectories" in text and "model runs" in text
    assert "targeted_aid − baseline: dropout_gap.poor.junior" in text
    for column in ("mu_star", "mu_star_conf", "sigma", "S1", "S1_conf", "ST", "ST_conf", "S1_half", "ST_diff"):
        assert column in text
    assert "Convergence (N = 4 vs 8" in text
    # the convergence verdict is printed, and a driver sentence only with converged indices
    verdict = pd.read_csv(out / "convergence_check.csv").iloc[0]
    if verdict["converged"]:
        assert "Converged (every |ST difference| ≤ 0.05" in text and "This result depends mainly on" in text
    else:
        assert "Indices not converged, so no driver is named" in text and "This result depends mainly on" not in text
    for name in ("factors", "morris", "sobol", "sobol_convergence", "convergence_check", "tornado", "drivers"):
        assert (out / f"{name}.csv").stat().st_size > 0
    assert (out / "manifest.json").exists()


def test_cli_reports_a_bad_range_without_a_traceback(capsys):
    assert main(["sensitivity", "dropout_rate.junior", "--range", "dropout.pairing.coverage=0.5"]) == 1
    assert "expected PATH=LOW:HIGH" in capsys.readouterr().err


# ------------------------------------------------------------------ reproducibility and chance
@pytest.fixture(scope="module")
def small_district(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small")
    synthesize(20, 0).to_dir(folder)
    return sim.load_district(folder)


def _small_study(district, **kw):
    from simulate.analysis.sensitivity import sensitivity

    return sensitivity(district, [Target("dropout_rate.junior")], morris_r=2, sobol_n=8, years=1, progress=False,
                       verbose=False, **kw)


def test_the_same_seed_gives_identical_tables_and_another_seed_does_not(small_district):
    a, b, c = (_small_study(small_district, seed=s) for s in (0, 0, 1))
    for name, table in a.tables().items():
        pd.testing.assert_frame_equal(table, b.tables()[name], check_exact=True, obj=name)
    assert not a.morris.table["mu_star"].equals(c.morris.table["mu_star"])
    assert a.noise is None   # expected mode: no chance to report


def test_stochastic_mode_reports_the_share_of_variance_that_is_chance(small_district):
    from simulate.analysis.sensitivity import noise_share

    study = _small_study(small_district, mode="stochastic", noise_draws=20)
    share = study.noise.set_index("target")["noise_share"].iloc[0]
    assert 0 < share < 10 and study.runs["noise"] == 20
    kept = [f for f in study.factors if f.path in study.kept]
    expected = ModelEvaluator(small_district, [Target("dropout_rate.junior")], kept, years=1)
    flat = noise_share(expected, study.sobol.outputs, draws=5)
    assert flat["noise_variance"].iloc[0] == 0          # the central set repeated in expected mode is identical
