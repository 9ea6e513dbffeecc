"""Claims about simulate.analysis.estimate: microdata carry the engine's hazard, the logit recovers it, star98 matches."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import logit

import simulate as sim
from simulate.analysis import estimate
from simulate.inputs.synthesize import synthesize

POOLED = ("baseline", "no_policy", "targeted_aid", "intensive_control")


@pytest.fixture(scope="module")
def district():
    return synthesize(60, 3)


def runs(district, scenarios=POOLED, years=4, mode="stochastic"):
    return [{"district": district, "scenario": s, "years": years, "seed": 5, "mode": mode} for s in scenarios]


def test_true_coefficients_are_the_parameter_values():
    base = sim.load_scenario("baseline")
    truth = estimate.true_coefficients(base)
    assert list(truth.index) == ["Intercept", *estimate.COVARIATES]
    assert truth["poor"] == base.value("dropout.hazard.group_log_odds.poor")
    assert truth["aid_exposure"] == -base.value("dropout.aid_effect.trial_log_odds")
    assert truth["monitored"] == base.value("dropout.monitoring.hazard_log_odds")
    assert truth["paired"] == base.value("dropout.pairing.hazard_log_odds")
    assert truth["junior"] == pytest.approx(base.value("dropout.hazard.intercept_junior_log_odds")
                                            - base.value("dropout.hazard.intercept_primary_log_odds"))
    assert truth["location_urban"] == pytest.approx(base.value("dropout.hazard.location_log_odds.urban")
                                                    - base.value("dropout.hazard.location_log_odds.town"))


@pytest.mark.parametrize("mode", ["expected", "stochastic"])
def test_cells_replay_the_engine(district, mode):
    """The replayed cells hold the engine's pupils at risk, and the hazard with the returners' extra risk ×
    at risk gives its dropouts (returners are a few percent of a cell; without them the hazard is lower)."""
    result = sim.run(district, "no_policy", years=3, seed=2, mode=mode)
    cells = estimate._cell_frame(district, result.scenario, 3, 2, mode)
    assert (cells.hazard_with_returners >= cells.hazard - 1e-15).all() and cells.returner_share.max() > 0
    by_year = cells.groupby("year").apply(lambda c: pd.Series({
        "at_risk": c.at_risk.sum(), "expected": (c.at_risk * c.hazard_with_returners).sum()}))
    engine = result.schools.groupby("year")[["enrolled", "dropouts"]].sum()
    np.testing.assert_allclose(by_year["at_risk"], engine["enrolled"], rtol=1e-12)
    if mode == "expected":
        np.testing.assert_allclose(by_year["expected"], engine["dropouts"], rtol=1e-10)


def test_receiver_classes_mix_to_the_engine_hazard_and_pupils_are_drawn_into_them(district):
    """Σ P(class) × class hazard = the engine's cell hazard; pupils' drawn classes have those probabilities."""
    cells = estimate._cell_frame(district, sim.load_scenario("baseline"), 2, 3, "expected")
    m = cells.monitoring_coverage.to_numpy()
    mix = sum(np.where(a, cells.aid_share, 1 - cells.aid_share) * np.where(mo, m, 1 - m)
              * np.where(q, cells.pairing_share, 1 - cells.pairing_share) * cells[f"hazard_a{a}m{mo}p{q}"]
              for a in (0, 1) for mo in (0, 1) for q in (0, 1))
    np.testing.assert_allclose(mix, cells.hazard, rtol=1e-12)
    # aid lowers and monitoring lowers the class hazard; non-poor receivers get less than poor ones
    assert (cells.hazard_a1m0p0 < cells.hazard_a0m0p0).all() and (cells.hazard_a0m1p0 < cells.hazard_a0m0p0).all()
    df = estimate.microdata(runs(district, ("baseline",), years=2), n_pupils=40_000, seed=3)
    for flag, share in (("aided", "aid_share"), ("paired", "pairing_share")):
        for poor in (0, 1):
            rows = df[df.poor == poor]
            n, expected = len(rows), rows[share].mean()
            assert abs(rows[flag].mean() - expected) < 4 * np.sqrt(expected * (1 - expected) / n) + 1e-12, (flag, poor)
    assert abs(df.monitored.mean() - 0.8) < 4 * np.sqrt(0.16 / len(df))
    assert (df.aid_yuan[df.aided == 0] == 0).all() and (df.paired[df.left_behind == 0] == 0).all()
    # the pupils' hazard averages to their cells' hazard (to Monte Carlo error)
    se = np.sqrt((df.hazard.var()) / len(df))
    assert abs(df.hazard.mean() - df.cell_hazard.mean()) < 4 * se


def test_linear_predictor_from_true_coefficients_equals_engine_hazard(district):
    """X·β with the true coefficients reproduces logit(engine hazard) for every logistic row, any scenario."""
    df = estimate.microdata(runs(district, years=2), n_pupils=5_000, seed=1)
    truth = estimate.true_coefficients("baseline")
    rows = df[df.logistic_hazard]
    eta = truth["Intercept"] + rows[list(estimate.COVARIATES)].to_numpy(float) @ truth[list(estimate.COVARIATES)].to_numpy()
    np.testing.assert_allclose(eta, logit(rows.hazard.to_numpy()), atol=1e-9)
    # no_policy does not teach disabled children at home: their hazard is a mixture, flagged as such
    assert not df[(df.scenario == "no_policy") & (df.disabled == 1)].logistic_hazard.any()
    assert df[(df.scenario == "baseline") & (df.disabled == 1)].logistic_hazard.all()


def test_microdata_is_reproducible_and_tidy(district):
    a = estimate.microdata(runs(district, ("baseline",), years=2), n_pupils=3_000, seed=4)
    b = estimate.microdata(runs(district, ("baseline",), years=2), n_pupils=3_000, seed=4)
    c = estimate.microdata(runs(district, ("baseline",), years=2), n_pupils=3_000, seed=5)
    pd.testing.assert_frame_equal(a, b)
    assert not a["dropped"].equals(c["dropped"])
    assert len(a) == 3_000 and set(a.dropped.unique()) <= {0, 1}
    assert {"scenario", "year", "school_id", "grade", "hazard", "dropped", *estimate.COVARIATES} <= set(a.columns)
    result = sim.run(district, "baseline", years=2)
    everyone = estimate.microdata(result, n_pupils=None)
    assert len(everyone) == pytest.approx(result.schools.enrolled.sum(), rel=0.01)


def test_bad_arguments_get_one_clear_message(district):
    with pytest.raises(ValueError, match="n_pupils must be a positive integer"):
        estimate.microdata({"district": district}, n_pupils=0)
    with pytest.raises(ValueError, match=r"unknown run argument\(s\) \['draws'\]"):
        estimate.microdata({"district": district, "draws": 3})
    with pytest.raises(ValueError, match=r"column\(s\) \['dropped'\] missing"):
        estimate.fit_dropout_logit(pd.DataFrame({t: [0.0] for t in estimate.COVARIATES}))


@pytest.mark.slow
def test_logit_recovers_the_engine_coefficients(district):
    """Pooled scenarios identify every coefficient; all true values lie in simultaneous 95% intervals."""
    df = estimate.microdata(runs(district, years=5), n_pupils=60_000, seed=11)
    fit = estimate.fit_dropout_logit(df)
    assert fit.dropped_terms == []
    table = estimate.recovery_table(fit, estimate.true_coefficients("baseline"), df, level=0.95)
    assert table.covered.all(), table[~table.covered]
    assert estimate.joint_wald_pvalue(fit, table) > 0.01
    # the well-measured effects are also close in absolute terms
    close = table.set_index("term").loc[["junior", "grade_in_stage", "location_urban"]]
    assert (abs(close.estimate - close.true) < 0.25).all()


def test_one_scenario_folds_policy_terms_into_the_intercept_and_flags(district):
    """Within one scenario a programme that reaches everyone has no own variation: it is dropped and folded.

    Aid (every registered-poor pupil, 31% of the others effectively) and
    monitoring (80%) reach a share of pupils, so receivers and non-receivers
    identify them even in one scenario; pairing reaches every left-behind
    pupil, so ``paired`` equals ``left_behind`` and folds into it.
    """
    df = estimate.microdata(runs(district, ("baseline",), years=3), n_pupils=40_000, seed=2)
    fit = estimate.fit_dropout_logit(df)
    base = sim.load_scenario("baseline")
    assert base.value("dropout.pairing.coverage") == 1.0
    assert fit.dropped_terms == ["paired"]
    truth = estimate.true_coefficients(base)
    table = estimate.recovery_table(fit, truth, df).set_index("term")
    assert table.loc["left_behind", "true"] == pytest.approx(truth["left_behind"] + truth["paired"])
    assert table.covered.all(), table[~table.covered]


def test_star98_reproduces_the_statsmodels_example():
    fit = estimate.star98_glm()
    for term, published in estimate.STAR98_PUBLISHED.items():
        assert fit.params[term] == pytest.approx(published, abs=1e-5), term
    assert len(fit.params) == 21 and fit.params.index[-1] == "const"


def test_star98_elasticities_at_the_means():
    fit = estimate.star98_glm()
    e = estimate.star98_elasticities(fit).set_index("variable")
    assert list(e.index) == ["PERSPENK", "PTRATIO", "LOWINC"]
    # LOWINC has no interaction: its log-odds slope is its coefficient
    assert e.loc["LOWINC", "semi_elasticity"] == pytest.approx(fit.params["LOWINC"], rel=1e-6)
    # spending's slope at the means includes its interactions with PTRATIO and PCTAF
    import statsmodels.api as sm
    m = sm.datasets.star98.load_pandas().exog.mean()
    b = fit.params
    slope = (b["PERSPENK"] + b["PERSPEN_PTRATIO"] * m["PTRATIO"] + b["PERSPEN_PCTAF"] * m["PCTAF"]
             + b["PERSPEN_PTRATIO_PCTAF"] * m["PTRATIO"] * m["PCTAF"])
    assert e.loc["PERSPENK", "semi_elasticity"] == pytest.approx(slope, rel=1e-5)
    assert (e.se > 0).all() and (e.lo < e.elasticity).all() and (e.elasticity < e.hi).all()


def test_star98_elasticity_standard_errors_match_a_finite_difference_delta_method():
    """The closed-form gradient agrees with a central difference in the coefficients (coarse step, no nesting)."""
    import statsmodels.api as sm
    fit = estimate.star98_glm()
    e = estimate.star98_elasticities(fit).set_index("variable")
    exog = sm.datasets.star98.load_pandas().exog
    means = exog[[c for c in exog.columns if c not in estimate.STAR98_INTERACTIONS]].mean()
    columns, beta, cov = list(fit.params.index), fit.params.to_numpy(), fit.cov_params().to_numpy()

    def elasticity(var, b, step=1e-4):
        up, down = means.copy(), means.copy()
        up[var] *= np.exp(step)
        down[var] *= np.exp(-step)
        return (np.log(estimate._star98_share_at(up, b, columns))
                - np.log(estimate._star98_share_at(down, b, columns))) / (2 * step)

    for var in e.index:
        assert e.loc[var, "elasticity"] == pytest.approx(elasticity(var, beta), rel=1e-6)
        h = 1e-4 * np.maximum(np.abs(beta), 1e-3)
        grad = np.array([(elasticity(var, beta + d) - elasticity(var, beta - d)) / (2 * d[i])
                         for i, d in enumerate(np.diag(h))])
        assert e.loc[var, "se"] == pytest.approx(float(np.sqrt(grad @ cov @ grad)), rel=1e-3)


def test_summary_text_drops_the_wall_clock_and_keeps_the_rest():
    fit = estimate.star98_glm()
    text = estimate.summary_text(fit)
    assert "Date:" in text and "Time:" in text and "(not recorded)" in text
    import re
    assert not re.search(r"\d{2}:\d{2}:\d{2}", text)
    assert not re.search(r"\d{2} \w{3} \d{4}", text)
    assert "No. Observations" in text and "PERSPENK" in text
