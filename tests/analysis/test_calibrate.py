"""Calibration: committed parameters meet the targets; failures are loud and clear."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
import yaml

import simulate as sim
from simulate.analysis.calibrate import (DEFAULT_TARGETS, CalibrationError, _find_leaf, add_cli, calibrate, check,
                                load_targets, write_parameters)

REPO = Path(__file__).resolve().parents[2]
TARGETS = REPO / DEFAULT_TARGETS


@pytest.fixture(scope="module")
def district():
    return sim.load_district()


def _targets_file(tmp_path, **changes) -> Path:
    doc = yaml.safe_load(TARGETS.read_text(encoding="utf-8"))
    for tid, spec in changes.items():
        doc["targets"][tid] = spec
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_every_target_has_a_source_and_the_fitted_leaves_are_marked_calibrated():
    targets, params = load_targets(TARGETS)
    assert targets and all(t.source.strip() for t in targets)
    base = sim.load_scenario("baseline")
    for p in params:
        assert base.leaves[p]["source"].startswith("calibrated 20"), p


def test_committed_parameters_meet_every_target(district):
    report = check(district, TARGETS)
    print("\n" + str(report))
    assert report.all_met, report.unmet()
    assert list(report.columns[:2]) == ["target", "scenario"]


def test_a_target_that_cannot_be_met_raises_naming_it(district, tmp_path):
    path = _targets_file(tmp_path, impossible={
        "scenario": "no_policy", "indicator": "dropout_rate.junior", "year": 2019, "value": 1.5,
        "tolerance": 0.001, "source": "test: a dropout rate above 100% cannot be met"})
    with pytest.raises(CalibrationError, match="impossible") as info:
        calibrate(district, path)
    assert info.value.report is not None and "impossible" in info.value.report.unmet()


def test_bad_targets_key_gives_a_clear_error(tmp_path):
    path = _targets_file(tmp_path, typo={"scenario": "baseline", "indicatr": "dropout_rate.all", "year": 2019,
                                         "value": 0.01, "tolerance": 0.01, "source": "test"})
    with pytest.raises(CalibrationError, match=r"targets\.typo\.indicatr: unknown key"):
        load_targets(path)
    path.write_text("targets: [1, 2]\nparameters: [no.such.path]\n")
    with pytest.raises(CalibrationError, match=r"no\.such\.path.*is not a parameter"):
        load_targets(path)


def test_unknown_indicator_is_named(district, tmp_path):
    path = _targets_file(tmp_path, odd={"scenario": "baseline", "indicator": "dropout_rate.nonsense", "year": 2019,
                                        "value": 0.01, "tolerance": 0.01, "source": "test"})
    with pytest.raises(CalibrationError, match=r"targets\.odd\.indicator: unknown indicator"):
        check(district, path)


def test_write_back_edits_only_the_leaf_lines(tmp_path):
    original = (REPO / "params" / "baseline.yaml").read_text(encoding="utf-8")
    copy = tmp_path / "baseline.yaml"
    copy.write_text(original, encoding="utf-8")
    write_parameters({"dropout.hazard.intercept_junior_log_odds": -3.1234, "learning.growth_intercept_sd": -0.05},
                     ["a", "b"], path=copy, date="2000-01-01")
    new = copy.read_text(encoding="utf-8")
    changed = [(a, b) for a, b in zip(original.splitlines(), new.splitlines()) if a != b]
    assert len(changed) == 2 and len(new.splitlines()) == len(original.splitlines())
    expected = (r"intercept_junior_log_odds: \{value: -3\.1234, unit: log-odds, "
                r"source: \"calibrated 2000-01-01: a; b \(data/banan/targets.yaml, sources there\)\"")
    assert any(re.search(expected, line) for _, line in changed)
    doc = yaml.safe_load(new)
    assert doc["learning"]["growth_intercept_sd"]["value"] == -0.05
    assert doc["learning"]["growth_intercept_sd"]["unit"] == "SD/year"
    with pytest.raises(CalibrationError, match="leaf not found"):
        _find_leaf(new.splitlines(True), "dropout.hazard.nope", copy)


def test_cli_registers_calibrate():
    parser = argparse.ArgumentParser()
    add_cli(parser.add_subparsers())
    args = parser.parse_args(["calibrate", "--targets", "x.yaml", "--write"])
    assert args.targets == "x.yaml" and args.write and callable(args.func)
    assert args.func(parser.parse_args(["calibrate", "--targets", "/no/such/targets.yaml"])) == 1


def test_committed_values_are_the_optimum_not_merely_within_tolerance(district):
    """`simulate calibrate --check` refits from the committed values and fails when they are stale."""
    report = check(district, TARGETS)
    assert report.optimum and not report.stale, str(report)
    assert "targets identify" in report.identification


def test_check_catches_stale_values_that_still_meet_every_tolerance(district):
    base = sim.load_scenario("baseline")
    path = "learning.growth_intercept_sd"   # the targets file's one fitted parameter since the Bayesian calibration
    nudged = base.with_changes({path: base.value(path) + 0.0009}, name="nudged")
    report = check(district, TARGETS, base=nudged)
    assert report.all_met  # a 0.0009 SD nudge stays inside the target's tolerance (0.005) ...
    assert report.stale == [path]  # ... but is not the optimum (beyond the file's optimum tolerance, 0.0008)
    assert report.optimum[path] == pytest.approx(base.value(path), abs=8e-4)


def test_cli_check_exits_non_zero_on_stale_values(monkeypatch, district, capsys):
    from simulate.analysis import calibrate as cal
    base = sim.load_scenario("baseline")
    path = "learning.growth_intercept_sd"
    nudged = base.with_changes({path: base.value(path) + 0.003}, name="nudged")
    monkeypatch.setattr(cal, "load_scenario", lambda name: nudged if name == "baseline" else sim.load_scenario(name))
    from simulate.cli import main
    assert main(["calibrate", "--check"]) == 1
    assert "STALE" in capsys.readouterr().out


def test_the_optimum_tolerance_is_read_with_its_reason_and_a_bad_one_is_refused(tmp_path):
    """Banan's targets state a wider optimum tolerance for the learning intercept (the posterior's Monte Carlo
    error moves its optimum); a file without one keeps the written precision; a bad one is one error."""
    from simulate.analysis.calibrate import STALE_TOLERANCE, optimum_tolerance

    assert optimum_tolerance(TARGETS) == 0.0008
    doc = yaml.safe_load(TARGETS.read_text(encoding="utf-8"))
    del doc["optimum_tolerance"]
    plain = tmp_path / "plain.yaml"
    plain.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    assert optimum_tolerance(plain) == STALE_TOLERANCE
    for bad in ({"value": 0.001}, {"value": "0.001", "reason": "x"}, {"value": 2.0, "reason": "x"}, 0.001,
                {"value": 0.001, "reason": "x", "extra": 1}):
        doc["optimum_tolerance"] = bad
        plain.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        with pytest.raises(CalibrationError, match=r"plain\.yaml: optimum_tolerance: expected a mapping"):
            optimum_tolerance(plain)
        with pytest.raises(CalibrationError, match=r"plain\.yaml: optimum_tolerance: expected a mapping"):
            load_targets(plain)  # refused wherever the file is read, not only by --check
