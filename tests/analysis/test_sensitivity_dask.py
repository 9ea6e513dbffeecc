"""Claims about running a sensitivity study on a Dask cluster (simulate.analysis.sensitivity).

* ``sensitivity(..., client=ADDRESS)`` sends the ModelEvaluator's chunks of parameter sets to the
  cluster and gives tables identical to the same study in this process; a ``Client`` passed to
  the evaluator does too, in stochastic mode as well (common random numbers survive the cluster).
* ``simulate sensitivity --scheduler ADDRESS`` writes the same tables as without it; a malformed
  address is refused by the flag, an unreachable one is one error line, no traceback.
"""

from __future__ import annotations

import dask
import numpy as np
import pandas as pd
import pytest

import simulate as sim
from simulate.analysis.factors import ModelEvaluator, Target, factors_from
from simulate.analysis.sensitivity import sensitivity
from simulate.cli import main
from simulate.inputs.synthesize import synthesize


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small")
    synthesize(20, 0).to_dir(folder)
    return folder, sim.load_district(folder)


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(processes=True, n_workers=1, threads_per_worker=2,
                                  dashboard_address=None) as cl:
        yield cl


FACTORS = ["dropout.aid_effect.ceiling_over_trial", "dropout.reenrolment.return_rate_per_case",
           "dropout.pairing.hazard_log_odds"]


def _study(district, **kw):
    factors = factors_from("baseline", only=FACTORS)
    return sensitivity(district, [Target("dropout_rate.junior"), Target("dropout_gap.poor.junior")], factors=factors,
                       morris_r=2, sobol_n=8, years=1, chunk=7, progress=False, verbose=False, **kw)


@pytest.mark.slow
def test_the_same_study_on_a_cluster_gives_identical_tables(small, cluster):
    _, district = small
    here, there = _study(district), _study(district, client=cluster.scheduler_address)
    for name, table in here.tables().items():
        pd.testing.assert_frame_equal(table, there.tables()[name], check_exact=True, obj=name)
    assert here.runs == there.runs and here.kept == there.kept
    assert (here.morris.table.groupby("target")["mu_star"].max() > 0).all()   # the factors move both targets


def test_the_evaluator_on_a_client_matches_this_process_in_stochastic_mode_too(small, cluster):
    from distributed import Client, get_task_stream

    _, district = small
    factors = factors_from("baseline", only=FACTORS)
    targets = [Target("dropout_gap.poor.junior", scenario="targeted_aid", versus="baseline")]
    u = np.random.default_rng(1).random((11, len(factors)))
    with Client(cluster) as client:
        for mode in ("expected", "stochastic"):
            local = ModelEvaluator(district, targets, factors, years=2, mode=mode, chunk=4)
            remote = ModelEvaluator(district, targets, factors, years=2, mode=mode, chunk=4, client=client)
            with get_task_stream(client) as tasks:
                on_cluster = remote(u)
            np.testing.assert_array_equal(local(u), on_cluster)
            assert remote.runs == local.runs == 22
            assert sum(t["key"].startswith("_chunk_values") for t in tasks.data) == 3 * 2   # chunks × scenarios


def test_cli_scheduler_writes_the_same_tables(small, cluster, tmp_path, capsys):
    folder, _ = small
    args = ["sensitivity", "dropout_rate.junior", "--district", str(folder), "--morris-r", "2", "--sobol-n", "8",
            "--years", "1", "--range", "dropout.pairing.coverage=0.5:1"]
    assert main([*args, "--out", str(tmp_path / "here")]) == 0
    assert "run in this process" in capsys.readouterr().out
    assert main([*args, "--scheduler", cluster.scheduler_address, "--out", str(tmp_path / "there")]) == 0
    assert f"run in the Dask cluster at {cluster.scheduler_address}" in capsys.readouterr().out
    for name in ("factors", "morris", "sobol", "sobol_convergence", "tornado", "drivers"):
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "here" / f"{name}.csv"),
                                      pd.read_csv(tmp_path / "there" / f"{name}.csv"), check_exact=True, obj=name)


def test_cli_refuses_a_malformed_scheduler_address(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["sensitivity", "dropout_rate.junior", "--scheduler", "seril"])
    assert exc.value.code == 2
    assert "--scheduler: expected 'serial' or a scheduler address with a port" in capsys.readouterr().err


def test_cli_reports_an_unreachable_scheduler_in_one_line(small, capsys):
    folder, _ = small
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code = main(["sensitivity", "dropout_rate.junior", "--district", str(folder), "--morris-r", "2",
                     "--sobol-n", "8", "--years", "1", "--scheduler", "tcp://127.0.0.1:1"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert err.startswith("simulate sensitivity: error: scheduler tcp://127.0.0.1:1: cannot connect") and \
        err.count("\n") == 1


def test_a_client_that_is_not_one_is_refused_before_any_run(small):
    _, district = small
    with pytest.raises(ValueError, match="client: expected a dask.distributed.Client"):
        _study(district, client=42)
