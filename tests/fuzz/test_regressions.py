"""The cases of the issue's fuzz run (1,527 bad inputs: tracebacks, hangs, silent accepts, wrong results,
messages that did not name the culprit), each kept as a named test. Every refusal is a project error
(SimulateError) or an exit code with one message, never a traceback, and names the culprit."""

from __future__ import annotations

import math
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

import simulate as sim
from simulate.cli import main
from simulate.errors import SimulateError
from simulate.inputs.scenario import ScenarioError, params_dir

ROOT = Path(__file__).resolve().parents[2]
HEAD = "name: case\ntitle: case\ndescription: case\nextends: baseline\nchanges:\n"


@pytest.fixture()
def params(tmp_path, monkeypatch):
    """A private copy of params/: nothing here can touch the repository's."""
    dest = tmp_path / "params"
    shutil.copytree(params_dir(), dest)
    monkeypatch.setenv("SIMULATE_PARAMS_DIR", str(dest))
    monkeypatch.chdir(tmp_path)
    return dest


@pytest.fixture(scope="module")
def district():
    return sim.load_district()


def scenario_file(tmp_path, body: str, name: str = "case.yaml") -> Path:
    path = tmp_path / name
    path.write_text(HEAD + body, encoding="utf-8")
    return path


def refused(tmp_path, body: str, *culprits: str) -> str:
    path = scenario_file(tmp_path, body)
    with pytest.raises(ScenarioError) as info:
        sim.load_scenario(path)
    message = str(info.value)
    assert "case.yaml" in message and all(c in message for c in culprits), message
    return message


def cli(argv, capsys) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = exc.code
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


# ---------------------------------------------------------------------------- wrong results
def test_quoted_boolean_is_refused(tmp_path, params):
    """`active: "false"` passed and ran with the rule still on."""
    refused(tmp_path, '  teachers.rural_service_rule.active: "false"\n',
            "changes.teachers.rural_service_rule.active", "expected a valid boolean, got 'false'")


def test_nan_sd_is_refused(tmp_path, params):
    """`sd: .nan` made every dropout rate 0 and compare reported P(better) = 1.00."""
    refused(tmp_path, "  dropout.hazard.group_log_odds.poor: {value: 0.65, uncertainty: {distribution: normal, sd: .nan}}\n",
            "changes.dropout.hazard.group_log_odds.poor.uncertainty.sd", "finite")


def test_infinite_and_boolean_uncertainty_bounds_are_refused(tmp_path, params):
    refused(tmp_path, "  dropout.pairing.hazard_log_odds: {value: -0.2, uncertainty: {distribution: uniform, "
                      "low: -.inf, high: 0.0}}\n", "uncertainty.low")
    refused(tmp_path, "  dropout.pairing.hazard_log_odds: {value: -0.2, uncertainty: {distribution: uniform, "
                      "low: true, high: 0.0}}\n", "uncertainty.low")


def test_set_tag_is_refused(tmp_path, params):
    """`!!set {BN002: null}` as named_schools placed no teachers where [BN002] placed 20."""
    message = refused(tmp_path, "  teachers.support.named_schools: !!set {BN002: null}\n", "line 6", "!!set")
    assert "not allowed" in message


def test_unknown_named_school_is_refused(tmp_path, params, district):
    path = scenario_file(tmp_path, "  teachers.support.allocation: named\n  teachers.support.named_schools: [BN002, XX999]\n")
    scenario = sim.load_scenario(path)  # the district is known only when it runs
    with pytest.raises(ScenarioError, match=r"case.yaml: changes.teachers.support.named_schools: 'XX999' is not a school "
                                            r"of district 'banan'"):
        sim.run(district, scenario, years=1)


def test_empty_named_school_is_refused(tmp_path, params):
    refused(tmp_path, "  teachers.support.named_schools: ['']\n", "changes.teachers.support.named_schools",
            "is not a school id")
    refused(tmp_path, "  teachers.support.allocation: named\n  teachers.support.named_schools: []\n",
            "'named' needs at least one school")


# ---------------------------------------------------------------------------- silent accepts
def test_true_for_a_number_is_refused(tmp_path, params):
    refused(tmp_path, "  teachers.support.count: true\n", "changes.teachers.support.count", "got True")
    refused(tmp_path, "  dropout.monitoring.coverage: true\n", "changes.dropout.monitoring.coverage", "got True")


def test_quoted_number_is_refused(tmp_path, params):
    refused(tmp_path, '  dropout.pairing.coverage: "1.0"\n', "changes.dropout.pairing.coverage", "got '1.0'")


def test_float_for_a_count_is_refused(tmp_path, params):
    refused(tmp_path, "  teachers.support.count: 20.0\n", "changes.teachers.support.count", "valid integer")


def test_duplicate_yaml_keys_are_refused(tmp_path, params):
    refused(tmp_path, "  teachers.support.count: 20\n  teachers.support.count: 30\n", "line 7",
            "duplicate key 'teachers.support.count' (first given at line 6)")


@pytest.mark.parametrize("flag", ["--reference", "--versus"])
def test_reference_and_versus_cannot_escape_params(params, capsys, flag):
    argv = ["compare", "baseline", "--draws", "1", "--years", "1", "--reference", "../baseline"] \
        if flag == "--reference" else ["run", "baseline", "--years", "1", "--versus", "../baseline"]
    code, err = cli(argv, capsys)
    assert code == 2 and f"argument {flag}: '../baseline' is not a scenario name" in err
    with pytest.raises(ScenarioError, match="'../baseline' is not a scenario name"):
        sim.load_scenario("../baseline")


def test_extends_cannot_escape_params(tmp_path, params):
    path = tmp_path / "case.yaml"
    path.write_text(HEAD.replace("extends: baseline", "extends: ../baseline") + "  teachers.support.count: 1\n")
    with pytest.raises(ScenarioError, match=r"case.yaml: extends: '../baseline' is not a scenario name"):
        sim.load_scenario(path)


def test_saved_scenario_name_with_newline_is_refused(params, district):
    from simulate.views.dashboard.app import ScenarioExplorer

    x = ScenarioExplorer(district=district)
    assert x.save("evil\n") is None and "lower-case" in x.message
    assert not (params / "scenarios" / "evil\n.yaml").exists()
    with pytest.raises(ScenarioError, match="name: 'a\\\\nb' is not a scenario name"):
        (params / "scenarios" / "nl.yaml").write_text(HEAD.replace("name: case", 'name: "a\\nb"') + "  x: 1\n")
        sim.load_scenario(params / "scenarios" / "nl.yaml")


# ---------------------------------------------------------------------------- tracebacks
def test_widget_none_or_nan_does_not_raise(district):
    """TypeError in controls.to_display for a None or NaN value."""
    from simulate.views.dashboard.app import ScenarioExplorer
    from simulate.views.dashboard.controls import BY_PATH, to_display

    assert to_display(BY_PATH["teachers.support.count"], None) is None
    x = ScenarioExplorer(district=district)
    for value in (None, math.nan):
        x.set("teachers.support.count", value)
        assert x.scenario.value("teachers.support.count") == 20 and "kept 20" in x.notes["teachers.support.count"]


@pytest.mark.parametrize("by_year, what", [("[1, 2]", "expected a mapping of years"),
                                           ("{'2021': 3}", "'2021' is not a year"),
                                           ("{true: 3}", "True is not a year"),
                                           ("{2021: '3'}", "expected a valid number")])
def test_malformed_by_year_is_refused(tmp_path, params, by_year, what):
    """AttributeError/TypeError in scenario._validate for a malformed by_year."""
    refused(tmp_path, f"  budget.capital.yuan_per_year: {{value: 1.0e7, by_year: {by_year}}}\n",
            "changes.budget.capital.yuan_per_year", what)


def test_deep_nesting_is_refused(tmp_path, params):
    """RecursionError in yamlfile.read_mapping."""
    refused(tmp_path, "  teachers.support.count: " + "[" * 100_000 + "\n", "not valid YAML", "line 6")
    refused(tmp_path, "  teachers.support.count: " + "[" * 40 + "]" * 40 + "\n", "nested more than 32 levels")


def test_negative_years_is_refused(params, capsys, district):
    """IndexError in comparison._chunk_samples for --years -1."""
    code, err = cli(["compare", "baseline", "no_policy", "--years", "-1"], capsys)
    assert code == 2 and "argument --years: expected an integer from 1 to 50, got -1" in err
    with pytest.raises(SimulateError, match="years: expected an integer from 1 to 50, got 0"):
        sim.compare(district, ["no_policy"], years=0, draws=1)


def test_empty_comparison_is_refused(district):
    """'need at least one array to stack'."""
    with pytest.raises(SimulateError, match="scenarios: expected a non-empty list"):
        sim.compare(district, [], draws=1, years=1)


def test_huge_draws_are_refused_with_what_fits(params, capsys, district):
    """MemoryError and a hang for --draws 1e9."""
    code, err = cli(["compare", "baseline", "--draws", "1e9"], capsys)
    assert code == 2 and "argument --draws: expected an integer from 1 to 1,000,000, got '1e9'" in err
    start = time.perf_counter()
    with pytest.raises(SimulateError, match=r"draws: 900,000 draws of 2 scenarios over 7 years .* at most [\d,]+ draws fit"):
        sim.compare(district, ["baseline", "no_policy"], draws=900_000)
    assert time.perf_counter() - start < 5


# ---------------------------------------------------------------------------- hangs
def test_billion_laughs_is_refused(tmp_path, params):
    bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [{', '.join(f'*a{i - 1}' for _ in range(10))}]\n" for i in range(1, 10))
    path = tmp_path / "case.yaml"
    path.write_text(bomb + HEAD + "  teachers.support.count: 1\n")
    start = time.perf_counter()
    with pytest.raises(ScenarioError, match="case.yaml: line .*billion laughs"):
        sim.load_scenario(path)
    assert time.perf_counter() - start < 1


def test_huge_scenario_file_is_refused_before_reading(tmp_path, params):
    path = scenario_file(tmp_path, "  teachers.support.count: 1\n# " + "x" * 20_000_000 + "\n")
    start = time.perf_counter()
    with pytest.raises(ScenarioError, match=r"case.yaml: file is 20,000,\d{3} bytes; at most 1,000,000"):
        sim.load_scenario(path)
    assert time.perf_counter() - start < 1


def test_years_100000_is_refused(params, capsys, district):
    code, err = cli(["run", "baseline", "--years", "100000"], capsys)
    assert code == 2 and "argument --years: expected an integer from 1 to 50, got 100000" in err
    with pytest.raises(SimulateError, match="years: expected an integer from 1 to 50"):
        sim.run(district, years=100_000)


def test_maxiter_1e9_is_refused(params, capsys):
    code, err = cli(["optimize", "--budget", "1e6", "--maxiter", "1000000000"], capsys)
    assert code == 2 and "argument --maxiter: expected an integer from 1 to 1,000" in err


def test_huge_sweep_grid_is_refused_before_building_points(tmp_path, params, capsys):
    grid = tmp_path / "grid.yaml"
    grid.write_text(yaml.safe_dump({"base": "baseline", "axes": {
        "teachers.support.count": list(range(1000)), "teachers.post_rotation.count": list(range(1000))}}))
    start = time.perf_counter()
    code, err = cli(["sweep", str(grid), "--scheduler", "serial"], capsys)
    assert code == 1 and "grid.yaml: axes: 1,000 × 1,000 = 1,000,000 grid points; at most 10,000" in err
    assert time.perf_counter() - start < 10


# ---------------------------------------------------------------------------- messages that did not name the culprit
def test_undecodable_csv_names_file_and_row(tmp_path):
    """'codec can't decode byte 0xff'."""
    folder = tmp_path / "d"
    shutil.copytree(ROOT / "data" / "banan", folder)
    data = (folder / "enrolment.csv").read_bytes()
    lines = data.split(b"\n")
    lines[5] = lines[5] + b"\xff"
    (folder / "enrolment.csv").write_bytes(b"\n".join(lines))
    with pytest.raises(sim.DistrictError, match=r"enrolment.csv row 6: not UTF-8 text \(byte 0xff\)"):
        sim.load_district(folder)


def test_wrong_shaped_csv_names_the_row(tmp_path):
    folder = tmp_path / "d"
    shutil.copytree(ROOT / "data" / "banan", folder)
    text = (folder / "schools.csv").read_text(encoding="utf-8").splitlines()
    text[3] = text[3] + ",extra"
    (folder / "schools.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(sim.DistrictError, match=r"schools.csv row 4: 15 cells, but the header has 14 columns"):
        sim.load_district(folder)


def test_a_school_made_junior_in_schools_csv_names_that_row_too(tmp_path):
    """Long fuzz profile (2026-12-07): a primary school's level set to 'junior' in schools.csv was refused
    per enrolment row, naming only enrolment.csv; the message now names the schools.csv row as well."""
    import csv

    folder = tmp_path / "d"
    shutil.copytree(ROOT / "data" / "banan", folder)
    rows = list(csv.reader((folder / "schools.csv").read_text(encoding="utf-8").splitlines()))
    level = rows[0].index("level")
    r = next(i for i, row in enumerate(rows[1:], start=1) if row[level] == "primary")
    school = rows[r][rows[0].index("school_id")]
    rows[r][level] = "junior"
    (folder / "schools.csv").write_text("\n".join(",".join(row) for row in rows) + "\n", encoding="utf-8")
    with pytest.raises(sim.DistrictError) as err:
        sim.load_district(folder)
    message = str(err.value)
    assert f"school '{school}' is a junior school" in message
    assert f"schools.csv row {r + 1}, column 'level'" in message and "enrolment.csv row" in message


def test_schools_file_with_no_rows_is_one_error(tmp_path):
    folder = tmp_path / "d"
    shutil.copytree(ROOT / "data" / "banan", folder)
    header = (folder / "schools.csv").read_text(encoding="utf-8").splitlines()[0]
    (folder / "schools.csv").write_text(header + "\n", encoding="utf-8")
    with pytest.raises(sim.DistrictError, match="no schools"):
        sim.load_district(folder)


def test_misspelled_notebook_parameter_is_refused(tmp_path):
    """papermill -p drawz 20 only warns; the pipeline refuses before any kernel starts."""
    from simulate.views.findings.pipeline import FindingsConfigError, check_parameters, load_findings_config

    params = tmp_path / "p.yaml"
    params.write_text("drawz: 20\n")
    config = tmp_path / "findings.yaml"
    config.write_text(f"runs:\n  - name: x\n    notebook: {ROOT / 'notebooks/02_scenario_comparison.ipynb'}\n"
                      f"    parameters: {params}\n")
    with pytest.raises(FindingsConfigError, match="'drawz' is not a parameter of"):
        check_parameters(load_findings_config(config, repo_root=ROOT))
    params.write_text("draws: true\n")
    with pytest.raises(FindingsConfigError, match=r"p.yaml: draws: expected an integer .*got True"):
        check_parameters(load_findings_config(config, repo_root=ROOT))


def test_python_api_names_the_argument(district):
    for call, match in ((lambda: sim.run(district, years=True), "years"),
                        (lambda: sim.run(district, seed=-1), "seed"),
                        (lambda: sim.run(district, mode="exp"), "mode"),
                        (lambda: sim.run("banan"), "district"),
                        (lambda: sim.run(district, scenario=3), "scenario"),
                        (lambda: sim.compare(district, "baseline", draws=1), "scenarios"),
                        (lambda: sim.compare(district, ["no_policy"], draws=1, interval=math.nan), "interval"),
                        (lambda: sim.compare(district, ["no_policy"], draws=np.float64(2)), "draws")):
        with pytest.raises(SimulateError, match=match):
            call()


def test_an_uncertainty_range_outside_the_parameters_range_is_refused(tmp_path, district):
    """CI fuzz case: a triangular range reaching below a price that must be > 0 crashed in numpy's binomial
    (a NaN hazard) instead of being refused; a normal one, which has no end, is kept just inside the bound."""
    leaf = "  budget.capital.yuan_per_pupil_per_index_point:\n    value: 1\n"
    refused(tmp_path, leaf + "    uncertainty: {distribution: triangular, low: -1, mode: 0, high: 1}\n",
            "budget.capital.yuan_per_pupil_per_index_point", "low -1", "> 0")
    refused(tmp_path, "  dropout.monitoring.coverage:\n    value: 0.5\n"
            "    uncertainty: {distribution: uniform, low: 0.2, high: 1.4}\n", "high 1.4", "≤ 1")
    s = sim.load_scenario(scenario_file(tmp_path, leaf + "    uncertainty: {distribution: normal, sd: 5}\n"))
    c = sim.compare(district, [s], reference="baseline", draws=4, years=1, progress=False)
    assert np.isfinite(c.samples_long()["value"].to_numpy(dtype=float)).all()
