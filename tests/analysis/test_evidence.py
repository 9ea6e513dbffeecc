"""The registry of published figures, the designs that simulate them, and the Bayesian calibration.

Fast tests use the registry as committed and a tiny fit; the full fit's determinism is ``slow``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from simulate.analysis import designs, evidence, evidence_checks, posterior
from simulate.analysis.evidence import RegistryError, load_registry

REPO = Path(__file__).resolve().parents[2]
REGISTRY = REPO / "data" / "evidence" / "registry.yaml"


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def _write(tmp_path, mutate) -> Path:
    doc = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))
    mutate(doc)
    path = tmp_path / "registry.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_registry_is_over_identified_and_holds_out_at_least_five_figures_by_its_rule(registry):
    assert len(registry.figures) >= 15
    assert len(registry.calibration) > len(registry.parameters)
    assert len(registry.held_out) >= 5
    simulable = [f for f in registry.held_out if not designs.pending(f)]
    assert len(simulable) >= 5
    groups = set(registry.heldout_rule.calibration_groups)
    for f in registry.figures.values():   # the rule, not the figure, decides the role
        assert (f.role == "calibration") == (registry.studies[f.study].group in groups), f.id
    held = {registry.studies[f.study].dataset for f in registry.held_out}
    assert not held & {registry.studies[f.study].dataset for f in registry.calibration}


def test_every_figure_has_a_source_entry_and_says_how_its_interval_was_got(registry):
    sources = (REPO / "docs" / "sources.md").read_text(encoding="utf-8")
    for f in registry.figures.values():
        assert f"### [{registry.studies[f.study].source}]" in sources, f.id
        assert f.interval.how.strip() and f.sd > 0
        if not f.interval.published:
            assert f.interval.how.startswith(("derived", "assumption")), f.id


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["figures"]["yi2012_grade7"].update(role="held_out"), "figures.yi2012_grade7.role"),
    (lambda d: d["figures"]["yi2012_grade7"].update(estimate=0.5), "figures.yi2012_grade7"),
    (lambda d: d["figures"]["yi2012_grade7"].update(colour="red"), "figures.yi2012_grade7.colour"),
    (lambda d: d["figures"]["yi2012_grade7"]["design"].update(kind="guess"), "design.kind"),
    (lambda d: d["figures"]["yi2012_grade7"].update(study="nobody"), "figures.yi2012_grade7.study"),
    (lambda d: d["parameters"].update({"dropout.hazard.no_such": {"prior": {"distribution": "uniform", "low": 0,
                                                                            "high": 1}, "why": "x"}}),
     "parameters.dropout.hazard.no_such"),
    (lambda d: d["parameters"]["dropout.hazard.grade_slope_log_odds"]["prior"].update(low=2.0),
     "parameters.dropout.hazard.grade_slope_log_odds.prior"),
    (lambda d: d["studies"]["yi2012"].update(source="nowhere2020"), "studies.yi2012.source"),
    (lambda d: d["parameters"]["dropout.aid_effect.trial_log_odds"].update(at_most="dropout.hazard.no_such"),
     "parameters.dropout.aid_effect.trial_log_odds.at_most"),
])
def test_a_bad_registry_gets_one_clear_error_naming_the_key(tmp_path, mutate, message):
    with pytest.raises(RegistryError, match=message.replace(".", r"\.")):
        load_registry(_write(tmp_path, mutate))


def test_the_trial_effect_is_at_most_the_poverty_term_in_the_prior_and_every_stored_draw(registry):
    """A poor pupil's aid effect is capped at the poverty term, so the trial's effect above it is not
    identified: the joint prior is zero there, and no stored posterior draw lies there."""
    import pandas as pd

    trial, poor = "dropout.aid_effect.trial_log_odds", "dropout.hazard.group_log_odds.poor"
    assert registry.parameters[trial].at_most == poor
    paths = registry.parameter_paths
    theta = np.array([[float(np.mean(registry.parameters[p].prior.support())) for p in paths]] * 2)
    theta[:, paths.index(poor)] = 1.0
    theta[:, paths.index(trial)] = [0.9, 1.1]
    lp = posterior.log_prior(registry, paths, theta)
    assert np.isfinite(lp[0]) and lp[1] == -np.inf
    draws = pd.read_csv(REPO / "params" / "posterior" / "draws.csv")
    assert (draws[trial] <= draws[poor]).all()


def test_designs_follow_the_study_and_run_many_parameter_sets_at_once(registry):
    figs = [registry.figures[k] for k in ("yi2012_grade7", "yi2012_grade8", "mo2013_control_poor",
                                          "mo2013_cct_effect", "caer2020_rural_junior")]
    n = 5
    off = {"dropout.hazard.intercept_junior_log_odds": np.linspace(-1.0, 1.0, n)}
    v = designs.simulate_figures(figs, off, n)
    assert v.shape == (n, len(figs))
    assert (np.diff(v[:, 0]) > 0).all() and (np.diff(v[:, 2]) > 0).all()   # a higher intercept, more dropout
    assert (v[:, 4] > v[:, 0]).all()    # three grades' cohort above one grade's rate
    assert (v[:, 3] < 0).all()          # the transfer cuts dropout
    one = designs.simulate_figures(figs[:1], {k: o[2:3] for k, o in off.items()}, 1)
    assert one[0, 0] == pytest.approx(v[2, 0], rel=1e-12)   # a parameter set's value does not depend on the others
    slope = designs.simulate_figures(figs[:2], {"dropout.hazard.grade_slope_log_odds": np.array([0.0, 0.5])}, 2)
    assert slope[1, 1] - slope[1, 0] > slope[0, 1] - slope[0, 0]   # the grade slope widens grade 8 over grade 7


def test_a_figure_whose_lever_is_missing_is_pending_not_dropped(registry):
    f = registry.figures["moe2020_ledger_national"]
    assert designs.pending(f) == ["dropout.reenrolment.coverage"] or not designs.pending(f)
    if designs.pending(f):
        assert np.isnan(designs.simulate_figures([f])).all()


@pytest.mark.slow
def test_tiny_calibration_is_seeded_and_scores_every_figure(registry):
    a = posterior.fit(registry, posterior.Settings.tiny())
    b = posterior.fit(registry, posterior.Settings.tiny())
    np.testing.assert_array_equal(a.draws, b.draws)
    lows, highs = np.array([registry.parameters[p].prior.support() for p in a.paths]).T
    assert ((a.draws >= lows) & (a.draws <= highs)).all()
    values = posterior.run_engine(list(registry.figures.values()), a.draws[:4], a.paths,
                                  posterior.central_values(a.paths))
    table = evidence_checks.score(registry, list(registry.figures.values()), values, None, 0)
    assert list(table["figure"]) == list(registry.figures)    # every figure has a row, misses included
    assert set(table["status"]) <= {"scored"} | {s for s in table["status"] if s.startswith("pending")}
    score = evidence_checks.held_out_score(table)
    assert set(score["role"]) == {f.role for f in registry.figures.values()}


def test_the_check_names_what_is_stale(tmp_path, monkeypatch, registry):
    monkeypatch.setenv("SIMULATE_POSTERIOR", "off")
    assert any("no posterior" in p for p in evidence_checks.check(registry=registry))


def test_stored_posterior_is_fresh():
    assert evidence_checks.check() == []


@pytest.mark.slow
def test_a_rerun_writes_the_same_bytes():
    texts = evidence_checks.run()
    folder = REPO / "params" / "posterior"
    for name in ("draws.csv", "figures.csv", "loso.csv"):   # the header's fingerprint is refreshed after the write
        assert texts[name] == (folder / name).read_text(encoding="utf-8"), name


def test_no_figure_of_the_old_validation_file_is_a_calibration_figure(registry):
    from simulate.analysis import external_validation as ev

    calibration_sources = {registry.studies[f.study].source for f in registry.calibration}
    targets, _ = ev.load_targets()
    assert not {t.source for t in targets} & calibration_sources


def _copy_params(tmp_path, monkeypatch) -> Path:
    import shutil

    shutil.copytree(REPO / "params", tmp_path / "params")
    monkeypatch.setenv("SIMULATE_PARAMS_DIR", str(tmp_path / "params"))
    return tmp_path / "params"


@pytest.mark.parametrize("edit, message", [
    (lambda p: (p / "posterior" / "draws.csv").write_text(
        (p / "posterior" / "draws.csv").read_text().replace("\n0,-", "\n0,-1", 1)), "edited after the fit"),
    (lambda p: (p / "baseline.yaml").write_text((p / "baseline.yaml").read_text().replace(
        "rural: {value: 0.25, unit: log-odds", "rural: {value: 0.3, unit: log-odds", 1)),
     "a parameter the designs read changed"),
    (lambda p: (p / "baseline.yaml").write_text(re.sub(
        r"(grade_slope_log_odds: \{value: )[-0-9.]+", r"\g<1>0.111", (p / "baseline.yaml").read_text(), count=1)),
     "is not the posterior mean"),
])
def test_the_check_names_what_made_the_posterior_stale(tmp_path, monkeypatch, registry, edit, message):
    if not (REPO / "params" / "posterior" / "draws.csv").is_file():
        pytest.skip("no stored posterior")
    params = _copy_params(tmp_path, monkeypatch)
    edit(params)
    problems = evidence_checks.check(registry=registry)
    assert any(message in p for p in problems), problems


def test_no_held_out_figure_is_cited_by_a_parameter_source(registry):
    """A held-out figure that set a parameter would not be out of sample: it must be an ``input`` figure."""
    files = [REPO / "params" / "baseline.yaml", REPO / "data" / "banan" / "targets.yaml",
             *sorted((REPO / "params" / "scenarios").glob("*.yaml"))]
    text = "\n".join(f.read_text(encoding="utf-8") for f in files)
    for f in registry.held_out:
        key = registry.studies[f.study].source
        if key == "lu2016":   # the official 0.2% is quoted in Lu et al.'s abstract; the study itself calibrates
            continue
        assert f"[{key}]" not in text, f.id
    for f in registry.figures.values():
        assert (f.role == "input") == bool(f.sets), f.id
