"""Sweeps: grid validation, tidy Parquet output, a point re-run alone, Dask equals serial."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import simulate as sim
from simulate.analysis.sweep import GridError, add_cli, load_grid, make_grid, point_scenario, rerun_point, sweep
from simulate.inputs.synthesize import synthesize

TINY = {"base": "baseline", "draws": 10, "seed": 1, "years": 2, "chunk": 5,
        "axes": {"teachers.support.count": [0, 40], "dropout.monitoring.coverage": [0.5, 1.0]}}


@pytest.fixture(scope="module")
def district():
    return synthesize(40, seed=5)


@pytest.fixture(scope="module")
def serial(district, tmp_path_factory):
    return sweep(district, TINY, client="serial", out=tmp_path_factory.mktemp("s") / "serial", progress=False)


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(["point", "draw", "year", "indicator"], ignore_index=True)


def test_tidy_rows_one_file_per_task(serial):
    df = serial.load()
    assert list(df.columns) == ["point", "teachers.support.count", "dropout.monitoring.coverage",
                                "draw", "year", "indicator", "value"]
    files = sorted((serial.path / "parts").rglob("*.parquet"))
    assert len(files) == 4 * 2  # points × chunks
    assert set(df["point"]) == {0, 1, 2, 3} and set(df["draw"]) == set(range(10))
    assert df.groupby(["point", "draw", "year", "indicator"]).size().max() == 1
    m = json.loads((serial.path / "sweep_manifest.json").read_text())
    assert m["seeds"] == {"sweep": 1} and len(m["points"]) == 4 and len(m["tasks"]) == 8
    assert m["points"][3]["changes"] == {"teachers.support.count": 40, "dropout.monitoring.coverage": 1.0}


def test_point_rerun_alone_reproduces_exactly(district, serial):
    again = rerun_point(district, serial.path, 2)
    pd.testing.assert_frame_equal(_sorted(again), _sorted(serial.load(2)), check_exact=True)


def test_points_share_draws_and_differ_by_their_changes(serial):
    s = serial.summary()
    cost = s[(s.indicator == "cost.support_teachers")].groupby("point")["mean"].sum()
    assert cost[0] == 0 and cost[2] > 0  # points 2, 3 have 40 support teachers


def test_a_combined_tidy_csv_and_a_short_summary_beside_the_parts(serial):
    table = pd.read_csv(serial.path / "table.csv")
    assert list(table.columns) == ["point", "teachers.support.count", "dropout.monitoring.coverage",
                                   "indicator", "year", "mean", "lo", "hi"]
    pd.testing.assert_frame_equal(table, serial.summary().round(6), check_dtype=False)  # write_csv: 6 decimals
    text = (serial.path / "summary.md").read_text(encoding="utf-8")
    assert "4 grid points × 10 draws" in text and "8 tasks" in text
    assert "- `teachers.support.count`: 0, 40" in text
    ranked = [line for line in text.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(ranked) == 4  # one row per point, best first
    means = [float(line.split(" | ")[-2].replace(",", "")) for line in ranked]
    assert means == sorted(means)
    assert "child_years_out_of_school.cumulative.total" in text and "table.csv" in text


def test_bad_grid_names_the_key(tmp_path):
    with pytest.raises(GridError, match="axes.teachers.support.cont: no such parameter"):
        make_grid({**TINY, "axes": {"teachers.support.cont": [1, 2]}})
    with pytest.raises(GridError, match="grid point 1"):
        make_grid({**TINY, "axes": {"dropout.monitoring.coverage": [0.5, 7.0]}})
    with pytest.raises(GridError, match="drawz: unknown key"):
        make_grid({**TINY, "drawz": 3})
    bad = tmp_path / "g.yaml"
    bad.write_text("base: baseline\naxes: [1, 2]\n")
    with pytest.raises(GridError, match=str(bad)):
        load_grid(bad)


def test_example_grid_is_valid():
    g = load_grid("params/sweeps/example.yaml")
    assert len(g.points) == 27 and g.chunks() == [(0, 100), (100, 100)]


def test_cli_serial(tmp_path, capsys, monkeypatch):
    import argparse

    grid = tmp_path / "g.yaml"
    grid.write_text("base: baseline\ndraws: 2\nyears: 1\naxes:\n  teachers.support.count: [0, 10]\n")
    parser = argparse.ArgumentParser()
    add_cli(parser.add_subparsers(dest="command"))
    monkeypatch.setattr("simulate.analysis.sweep.load_district", lambda path=None: synthesize(20, seed=1))
    args = parser.parse_args(["sweep", str(grid), "--scheduler", "serial", "--out", str(tmp_path / "o")])
    assert args.func(args) == 0
    assert (tmp_path / "o" / "sweep_manifest.json").exists()
    assert (tmp_path / "o" / "table.csv").exists() and (tmp_path / "o" / "summary.md").exists()
    assert "table.csv" in capsys.readouterr().out
    args = parser.parse_args(["sweep", str(tmp_path / "missing.yaml"), "--scheduler", "serial"])
    assert args.func(args) == 1
    assert "missing.yaml: no such grid file" in capsys.readouterr().err


@pytest.mark.slow
def test_process_cluster_equals_serial(district, serial, tmp_path):
    pytest.importorskip("distributed")
    on_dask = sweep(district, TINY, client=None, out=tmp_path / "dask", progress=False)  # embedded LocalCluster
    pd.testing.assert_frame_equal(_sorted(on_dask.load()), _sorted(serial.load()), check_exact=True)



@pytest.mark.parametrize("mode", ["expected", "stochastic"])
def test_a_point_equals_compare_of_its_scenario(district, serial, mode, tmp_path):
    """The same numbers as the ordinary API: compare() of the point's scenario, same seed, chunk and mode
    (both default to expected mode: the sweep's values are then compare's samples exactly)."""
    if mode == "expected":
        assert make_grid(TINY).mode == "expected" and "mode" not in TINY  # the default, as compare's
    done = serial if mode == "expected" else sweep(district, {**TINY, "mode": mode, "axes": {
        "teachers.support.count": [0, 40]}}, client="serial", out=tmp_path / "stochastic", progress=False)
    scenario = point_scenario(sim.load_scenario("baseline"), done.manifest["points"][1]["changes"], 1)
    cmp = sim.compare(district, [scenario], reference=scenario, draws=10, seed=1, years=2, chunk=5, progress=False,
                      attribution=False, **({} if mode == "expected" else {"mode": mode}))
    rows = done.load(1)
    # every indicator compare() carries (its "chance:" keys are binomial chance, reported apart)
    assert set(rows.indicator) == {k for k in cmp.samples[scenario.name] if not k.startswith("chance:")}
    chances = 0
    for name, block in rows.groupby("indicator"):
        got = block.sort_values(["draw", "year"])["value"].to_numpy().reshape(10, 2)
        want = cmp.samples[scenario.name][name]
        chance = cmp.samples[scenario.name].get("chance:" + name)
        if chance is not None:  # a stochastic compare keeps the expected flows and the chance it adds apart
            want, chances = want + chance, chances + 1
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=name)
    assert (chances > 0) == (mode == "stochastic")


@pytest.mark.slow
def test_scheduler_address_uses_that_cluster_unchanged(district, serial, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None) as cl:
        on_it = sweep(district, TINY, client=cl.scheduler_address, out=tmp_path / "addr", progress=False)
        assert len(cl.workers) == 2  # still running, same workers
    pd.testing.assert_frame_equal(_sorted(on_it.load()), _sorted(serial.load()), check_exact=True)
