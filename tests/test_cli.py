"""The `simulate` command: help, run, validate, synthesize, compare, and clean errors."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from simulate.cli import main

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


def cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "simulate.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


@pytest.mark.parametrize("command", ["run", "validate", "synthesize", "compare"])
def test_help_on_each_command(command):
    out = cli(command, "--help")
    assert out.returncode == 0 and "usage: simulate" in out.stdout


def test_run_prints_the_comparison_and_writes_tidy_tables(tmp_path, capsys):
    assert main(["run", "baseline", "--versus", "no_policy", "--years", "2", "--out", str(tmp_path / "o")]) == 0
    text = capsys.readouterr().out
    assert "Junior dropout, poor rural pupils" in text and "no_policy" in text
    for name in ("schools", "groups", "costs", "indicators"):
        csv = pd.read_csv(tmp_path / "o" / "baseline" / f"{name}.csv")
        parquet = pd.read_parquet(tmp_path / "o" / "baseline" / f"{name}.parquet")
        assert len(csv) == len(parquet) > 0
    assert (tmp_path / "o" / "no_policy" / "manifest.json").exists()


def test_validate_is_clean_on_the_repository():
    out = cli("validate")
    assert out.returncode == 0, out.stderr
    assert "valid" in out.stdout


def test_validate_lists_every_error_and_exits_1(tmp_path):
    params = tmp_path / "params"
    (params / "scenarios").mkdir(parents=True)
    (params / "baseline.yaml").write_text((ROOT / "params" / "baseline.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    for f in ("negative_count", "unknown_path"):
        (params / "scenarios" / f"{f}.yaml").write_text((FIXTURES / "scenarios" / f"{f}.yaml").read_text())
    env = {**__import__("os").environ, "SIMULATE_PARAMS_DIR": str(params)}
    out = subprocess.run([sys.executable, "-m", "simulate.cli", "validate", "--data", str(tmp_path / "none")],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 1
    assert "negative_count.yaml: changes.teachers.support.count: expected a value ≥ 0, got -3" in out.stderr
    assert "unknown_path.yaml: changes.teachers.suport.count: no such parameter" in out.stderr
    assert "Traceback" not in out.stderr


def test_user_errors_go_to_stderr_without_traceback():
    out = cli("run", "no_such_scenario", "--years", "1")
    assert out.returncode == 1
    assert "no scenario named 'no_such_scenario'" in out.stderr and "Traceback" not in out.stderr
    out = cli("run", str(FIXTURES / "scenarios" / "out_of_range.yaml"))
    assert out.returncode == 1 and "expected a value ≤ 1, got 1.5" in out.stderr


def test_synthesize_writes_a_valid_district(tmp_path):
    out = cli("synthesize", "--schools", "300", "--seed", "7", "--out", str(tmp_path / "d"))
    assert out.returncode == 0, out.stderr
    from simulate import load_district
    assert load_district(tmp_path / "d").n_schools == 300


def test_compare_writes_table_and_summary(tmp_path):
    assert main(["compare", "baseline", "no_policy", "--draws", "10", "--years", "2",
                 "--out", str(tmp_path / "c")]) == 0
    table = pd.read_csv(tmp_path / "c" / "table.csv")
    assert {"scenario", "indicator", "year", "mean", "lo", "hi", "diff", "diff_lo", "diff_hi"} <= set(table.columns)
    assert (tmp_path / "c" / "summary.md").read_text().startswith("# Comparison against 'baseline'")
