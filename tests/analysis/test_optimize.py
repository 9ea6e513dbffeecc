"""Budget optimiser: respects the budget, beats every hand-written scenario it can afford."""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import pytest

import simulate as sim
from simulate.analysis.optimize import (Evaluator, add_cli, frontier, objective_value, optimize, parse_objective,
                               plot_frontier)

BUDGET = 5e6  # yuan per year
FAST = {"maxiter": 8, "popsize": 2}


@pytest.fixture(scope="module")
def district():
    return sim.load_district()  # the default district, where the hand-written scenarios were designed


@pytest.fixture(scope="module")
def opt(district):
    return optimize(district, budget=BUDGET, objective="learning_gap.urban_rural", confirm_draws=10, **FAST)


@pytest.mark.slow
def test_respects_budget_and_beats_every_affordable_handwritten_scenario(district, opt):
    assert opt.extra_cost <= BUDGET
    affordable = opt.candidates[opt.candidates.extra_cost <= BUDGET]
    assert {"baseline", "no_policy"} <= set(affordable.scenario)  # the comparison is not empty
    for _, row in affordable.iterrows():
        assert opt.value < row["objective"], row["scenario"]
    # the saved scenario is what was evaluated: an independent expected run gives the same cost
    runs = {n: sim.run(district, s, years=7) for n, s in (("opt", opt.scenario), ("base", opt.base))}
    extra = np.mean(runs["opt"].costs.groupby("year").yuan.sum() - runs["base"].costs.groupby("year").yuan.sum())
    assert extra == pytest.approx(opt.extra_cost, rel=1e-9)
    assert extra <= BUDGET


def test_confirmed_with_draws(opt):
    c = opt.confirm.set_index("scenario")
    assert opt.scenario.name in c.index and "baseline" in c.index
    assert c.loc[opt.scenario.name, "objective_mean"] < c.loc["baseline", "objective_mean"]


def test_saved_scenario_yaml_loads(opt, tmp_path, district):
    out = opt.to_dir(tmp_path / "opt")
    again = sim.load_scenario(out / f"{opt.scenario.name}.yaml")
    assert again.params_hash == opt.scenario.params_hash
    assert {"levers.csv", "candidates.csv", "confirm.csv", "manifest.json"} <= {p.name for p in out.iterdir()}


def test_objective_terms():
    assert parse_objective("a=2, b") == {"a": 2.0, "b": 1.0}
    gaps = {"dropout_gap.poor.junior": np.array([[-1.0, -3.0]]), "learning.mean": np.array([[0.5, 0.7]])}
    assert objective_value({"dropout_gap.poor.junior": 1.0}, gaps)[0] == pytest.approx(2.0)  # |gap|
    assert objective_value({"learning.mean": 1.0}, gaps)[0] == pytest.approx(-0.6)  # higher is better
    with pytest.raises(ValueError, match="weight"):
        parse_objective("a=x")


def test_unknown_objective_is_a_clear_error(district):
    with pytest.raises(ValueError, match="unknown indicator 'learning_gap.rural'"):
        Evaluator(district, sim.load_scenario("baseline"), {"learning_gap.rural": 1.0}, (), 2)


def test_frontier_is_monotone(district, tmp_path):
    table = frontier(district, budgets=(0, 2e6), objective="learning_gap.urban_rural", years=3, maxiter=3, popsize=2)
    assert list(table.budget) == [0, 2e6]
    assert (table.extra_cost <= table.budget + 1e-6).all()
    assert table.objective.iloc[1] <= table.objective.iloc[0]  # more money never hurts (warm start)
    assert plot_frontier(table, tmp_path / "f.png").stat().st_size > 0


def test_cli_error_is_one_line(capsys):
    parser = argparse.ArgumentParser()
    add_cli(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["optimize", "--budget", "1e6", "--district", "/nonexistent/district"])
    assert args.func(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("simulate optimize: error:") and "Traceback" not in err


@pytest.mark.slow
def test_by_default_no_lever_is_cut_below_the_policy_in_force(district):
    o = optimize(district, budget=2e6, objective="dropout_gap.poor.junior=1,learning_gap.urban_rural=10",
                 maxiter=3, popsize=2)
    assert (o.levers.low >= o.levers.base - 1e-9).all()  # each lever's lower bound is its base value
    assert (o.levers.optimised >= o.levers.base - 1e-9).all() and o.extra_cost <= 2e6
    assert "budget.capital.yuan_per_year" not in o.scenario.changed_paths(o.base) or \
        o.scenario.value("budget.capital.yuan_per_year") > 4e7  # the base's capital schedule is kept unless raised
    with pytest.raises(ValueError, match="no lever mix tried fits"):
        optimize(district, budget=-1e6, maxiter=1, popsize=2)
    cuts = optimize(district, budget=-1e6, allow_cuts=True, maxiter=2, popsize=2)  # cuts fund a saving
    assert (cuts.levers.low < cuts.levers.base).any() and cuts.extra_cost <= -1e6


def _cli(argv):
    parser = argparse.ArgumentParser()
    add_cli(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args, args.func(args)


def test_cli_allow_cuts_replaces_no_cuts_and_shows_progress(tmp_path, capsys):
    args, code = _cli(["optimize", "--budget", "1e6", "--maxiter", "2", "--draws", "0", "--years", "2",
                       "--out", str(tmp_path / "o")])
    assert code == 0 and args.allow_cuts is False
    out, err = capsys.readouterr()
    assert "generation" in err  # the tqdm bar, one step per generation
    levers = pd.read_csv(tmp_path / "o" / "levers.csv")
    assert (levers.low >= levers.base - 1e-9).all()
    assert "to open it in the dashboard" in out and "params/scenarios/" in out  # says exactly how
    args, _ = _cli(["optimize", "--budget", "1e6", "--allow-cuts", "--maxiter", "1", "--draws", "0", "--years", "1",
                    "--out", str(tmp_path / "o2")])
    assert args.allow_cuts is True
    assert (pd.read_csv(tmp_path / "o2" / "levers.csv").low == 0).any()
    with pytest.raises(SystemExit):
        _cli(["optimize", "--budget", "1e6", "--no-cuts"])  # the old flag: no cuts is the default now


def test_cli_save_scenario_writes_where_the_dashboard_finds_it(tmp_path, capsys, monkeypatch):
    import shutil

    from simulate.inputs.scenario import params_dir

    params = tmp_path / "params"
    shutil.copytree(params_dir(), params)
    monkeypatch.setenv("SIMULATE_PARAMS_DIR", str(params))
    target = params / "scenarios" / "winner.yaml"
    _, code = _cli(["optimize", "--budget", "1e6", "--maxiter", "1", "--draws", "0", "--years", "1",
                    "--out", str(tmp_path / "o"), "--save-scenario", str(target)])
    assert code == 0 and target.exists()
    assert "the dashboard lists it" in capsys.readouterr().out
    assert sim.load_scenario("winner").params_hash == sim.load_scenario(target).params_hash
