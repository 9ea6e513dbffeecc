"""Faults: `simulate` killed (SIGKILL) or interrupted (SIGINT, Ctrl-C) at several moments.

Claims, each checked on a real subprocess, inside tmp_path only:
* the previous output is byte-identical afterwards (or, had the command finished, a complete new one);
* SIGINT gives exit code 130 and one line on stderr, no traceback, and leaves nothing behind;
* after a SIGKILL, the temporary folder and lock it leaves are removed by the next run;
* no process of the killed command is still alive (workers and Jupyter kernels die with it), and
  nothing is still writing into its folders;
* a second `simulate findings` into the same folder is refused while the first runs, and the first
  completes.
The findings cases run notebooks (2–3 s per kernel) and the sweep cases start a Dask cluster: slow.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pytest
import yaml

from simulate.cli import main
from simulate.inputs.synthesize import synthesize

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "notebooks"
RELEASE = "release"  # in a findings project: once it exists, the "held" notebooks end
RUN_MESSAGE = "simulate run: interrupted; no output written"
#: Deadlines, generous: CI runs on busy 2-core machines, and a wait ends as soon as its condition holds.
#: START: until a command is at the moment to interrupt it; STOP: from the signal until it has ended.
START, STOP = 300, 60


def digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(folder: Path) -> list[str]:
    """Temporary folders and lock files simulate keeps beside ``folder`` while writing it."""
    if not folder.parent.is_dir():
        return []
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}."))


def _interruptible() -> None:
    """In the child before exec: Ctrl-C's default disposition. A shell without job control (``make test &``,
    ``nohup``) starts background commands with SIGINT ignored, and Python keeps an inherited SIG_IGN, so
    without this the interrupt tests would test nothing there (the command runs to its end)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(args: list[str], cwd: Path, group: bool = False) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "simulate.cli", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=group, preexec_fn=_interruptible)


def wait_until(condition, timeout: float, what: str, proc: subprocess.Popen | None = None) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the command ended (exit {proc.returncode}) before {what}: {proc.stderr.read()[-2000:]}")
        if time.monotonic() > end:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def descendants(proc: subprocess.Popen) -> list[psutil.Process]:
    try:
        return psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error:
        return []


def watch_family(proc: subprocess.Popen) -> tuple[list[psutil.Process], set[int], threading.Thread]:
    """Every process ``proc`` starts (workers, kernels) and the pids of its Jupyter kernels, collected
    by a thread until ``proc`` ends (join it before reading them)."""
    family: list[psutil.Process] = []
    kernels: set[int] = set()

    def watch() -> None:
        seen: set[int] = set()
        while proc.poll() is None:
            for child in descendants(proc):
                if child.pid not in seen:
                    seen.add(child.pid)
                    family.append(child)
                try:
                    if "ipykernel" in " ".join(child.cmdline()):
                        kernels.add(child.pid)
                except psutil.Error:
                    pass
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    return family, kernels, watcher


def still_running(procs: list[psutil.Process], timeout: float) -> list[str]:
    """Those of ``procs`` still running after ``timeout`` seconds (a zombie has stopped)."""
    def running(p: psutil.Process) -> bool:
        try:
            return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    end = time.monotonic() + timeout
    while any(running(p) for p in procs) and time.monotonic() < end:
        time.sleep(0.05)
    return [f"{p.pid} {' '.join(p.cmdline())[-80:]}" for p in procs if running(p)]


def check_interrupted(proc: subprocess.Popen, message: str, within: float) -> None:
    try:
        _, err = proc.communicate(timeout=within)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"still running {within} s after SIGINT")
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err, err[-3000:]
    assert err.rstrip("\n").splitlines()[-1] == message and err.count("interrupted") == 1, err[-2000:]


# ----------------------------------------------------------------------------- simulate run --out X
@pytest.fixture(scope="module")
def slow_district(tmp_path_factory) -> Path:
    """2,000 schools: a stochastic run takes seconds, so kills land mid-run."""
    folder = tmp_path_factory.mktemp("district") / "big"
    synthesize(2000, seed=1).to_dir(folder)
    return folder


@pytest.fixture(scope="module")
def run_template(tmp_path_factory) -> Path:
    """A run output, made once per module (a run output does not depend on where it lies)."""
    out = tmp_path_factory.mktemp("run") / "X"
    assert main(["run", "baseline", "--years", "1", "--out", str(out)]) == 0
    return out


@pytest.fixture
def previous_run(run_template, tmp_path) -> Path:
    """A previous `simulate run` output of this test's own: a copy of the template."""
    out = tmp_path / "X"
    shutil.copytree(run_template, out, symlinks=True)
    return out


def slow_run(out: Path, district: Path, years: int = 8) -> list[str]:
    """About 1 s of simulation per 4 years here (more on a busy machine), then writing."""
    return ["run", "baseline", "--district", str(district), "--years", str(years), "--mode", "stochastic",
            "--out", str(out)]


def run_until(moment, out: Path, district: Path, cwd: Path) -> subprocess.Popen:
    """Start a slow run and return once ``moment`` is reached: seconds after the start, or "writing"."""
    proc = start(slow_run(out, district, years=8 if moment == "writing" else 50), cwd)
    if moment == "writing":
        wait_until(writing(out), START, "the output folder was being written", proc)
    else:
        time.sleep(moment)
    assert proc.poll() is None, "the run finished before it could be stopped; make it slower"
    return proc


def writing(out: Path):
    return lambda: any(n.startswith(f".{out.name}.tmp-") for n in leftovers(out))


MOMENTS = [0.5, 1.5, 3.0, "writing"]  # seconds after the start (start-up, imports, simulation), or once writing


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.slow
def test_kill_9_of_run_keeps_the_previous_output_and_the_next_run_cleans_up(moment, previous_run, slow_district,
                                                                             tmp_path, capsys):
    before = digest(previous_run)
    proc = run_until(moment, previous_run, slow_district, tmp_path)
    proc.kill()
    proc.communicate(timeout=STOP)
    assert digest(previous_run) == before
    if moment == "writing":  # what a kill -9 leaves: a marked temporary folder (and the lock file)
        assert any(n.startswith(".X.tmp-") for n in leftovers(previous_run))
    assert main(["run", "baseline", "--years", "1", "--out", str(previous_run)]) == 0  # the next run
    assert leftovers(previous_run) == []
    assert json.loads((previous_run / "manifest.json").read_text())["output_kind"] == "run"


@pytest.mark.parametrize("moment", MOMENTS)
def test_ctrl_c_of_run_exits_130_with_one_line_and_leaves_nothing(moment, previous_run, slow_district, tmp_path):
    before = digest(previous_run)
    proc = run_until(moment, previous_run, slow_district, tmp_path)
    proc.send_signal(signal.SIGINT)
    check_interrupted(proc, RUN_MESSAGE, within=STOP)
    assert digest(previous_run) == before
    assert leftovers(previous_run) == []  # no temporary folder, no lock: nothing for the next run to clean


def test_ctrl_c_of_a_first_run_leaves_no_folder_at_all(slow_district, tmp_path):
    out = tmp_path / "new" / "X"
    proc = run_until("writing", out, slow_district, tmp_path)
    proc.send_signal(signal.SIGINT)
    check_interrupted(proc, RUN_MESSAGE, within=STOP)
    assert not (tmp_path / "new").exists()  # not even the parent folder it created


def test_sigterm_is_handled_like_ctrl_c(previous_run, slow_district, tmp_path):
    before = digest(previous_run)
    proc = run_until("writing", previous_run, slow_district, tmp_path)
    proc.terminate()
    _, err = proc.communicate(timeout=STOP)
    assert proc.returncode == 143 and err.rstrip("\n").splitlines()[-1] == "simulate run: terminated; no output written"
    assert digest(previous_run) == before and leftovers(previous_run) == []


@pytest.mark.slow
def test_ctrl_c_of_compare_closes_its_progress_bar_before_the_one_line(tmp_path):
    out = tmp_path / "C"
    proc = start(["compare", "baseline", "no_policy", "--draws", "400", "--out", str(out)], tmp_path)
    time.sleep(4)  # simulating, progress bar on stderr
    assert proc.poll() is None
    proc.send_signal(signal.SIGINT)
    check_interrupted(proc, "simulate compare: interrupted; no output written", within=STOP)
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- simulate findings
def write_yaml(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def findings_template(tmp_path_factory) -> Path:
    """A findings project and its findings/ (the "quick" config, one job), made once per module."""
    root = make_project(tmp_path_factory.mktemp("findings") / "project")
    assert main(["findings", "--config", str(root / "params" / "quick.yaml"), "--out", str(root / "findings"),
                 "--jobs", "1"]) == 0
    return root


@pytest.fixture
def project(findings_template, tmp_path) -> Path:
    """This test's own copy of the findings project, with previous findings/ in it."""
    root = tmp_path / "project"
    shutil.copytree(findings_template, root, symlinks=True)
    return root


@pytest.fixture
def previous_findings(project) -> Path:
    out = project / "findings"
    assert json.loads((out / "manifest.json").read_text())["output_kind"] == "findings"
    return out


def make_project(root: Path) -> Path:
    """A throw-away findings project: two runs of a notebook that rewrites tables/tick.csv every 50 ms."""
    (root / "notebooks").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'fixture'\n")
    shutil.copy(FIXTURES / "ticking.ipynb", root / "notebooks" / "ticking.ipynb")
    for name, values in (("quick", {"seconds": 0.2}), ("long", {"seconds": 120}),
                         ("held", {"seconds": START, "until": f"../{RELEASE}"})):  # held: until the test releases it
        write_yaml(root / "params" / "findings" / f"{name}.yaml", values)
        write_yaml(root / "params" / f"{name}.yaml", {"runs": [
            {"name": run, "notebook": "notebooks/ticking.ipynb", "parameters": f"params/findings/{name}.yaml"}
            for run in ("a", "b")], "timeout_seconds": 300})
    return root


def findings(project: Path, config: str, jobs: int = 2) -> list[str]:
    return ["findings", "--config", str(project / "params" / f"{config}.yaml"), "--out", "findings",
            "--jobs", str(jobs)]


def ticking(out: Path, runs: int = 2):
    """True once ``runs`` notebooks are writing into a temporary folder beside ``out``."""
    return lambda: sum(1 for p in out.parent.glob(f".{out.name}.tmp-*/*/tables/tick.csv")) >= runs


def tick_files(out: Path) -> dict[Path, float]:
    return {p: p.stat().st_mtime_ns for p in out.parent.glob(f".{out.name}.tmp-*/*/tables/tick.csv")}


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [2, 1])
def test_kill_9_of_findings_leaves_no_process_writing_and_the_next_run_cleans_up(jobs, project, previous_findings):
    before = digest(previous_findings)
    proc = start(findings(project, "long", jobs), project)
    time.sleep(0.5)  # first moment: starting up
    assert proc.poll() is None
    proc.kill()
    proc.communicate(timeout=STOP)
    assert digest(previous_findings) == before
    proc = start(findings(project, "long", jobs), project)  # second moment: notebooks running
    wait_until(ticking(previous_findings, runs=jobs), START, "the notebooks were writing", proc)
    family = descendants(proc)  # worker processes and Jupyter kernels
    assert any("ipykernel" in " ".join(p.cmdline()) for p in family), [p.cmdline() for p in family]
    proc.kill()
    proc.communicate(timeout=STOP)
    assert still_running(family, timeout=STOP) == []
    ticks = tick_files(previous_findings)
    assert ticks  # the killed run's temporary folder is still there
    time.sleep(0.5)
    assert tick_files(previous_findings) == ticks  # nothing is writing into it any more
    assert digest(previous_findings) == before
    kernel_files = list(Path(tempfile.gettempdir()).glob(f"simulate-kernels-{proc.pid}-*"))
    assert kernel_files  # the killed kernels' socket and connection files
    assert main(["findings", "--config", str(project / "params" / "quick.yaml"), "--out", str(previous_findings),
                 "--jobs", "1"]) == 0
    assert leftovers(previous_findings) == []
    assert not any(folder.exists() for folder in kernel_files)  # removed by the next run
    assert set(json.loads((previous_findings / "manifest.json").read_text())["runs"]) == {"a", "b"}


@pytest.mark.slow
def test_ctrl_c_of_findings_stops_workers_and_kernels_at_once(project, previous_findings):
    before = digest(previous_findings)
    proc = start(findings(project, "long"), project, group=True)
    time.sleep(0.5)  # first moment: starting up (Ctrl-C reaches the whole process group, as in a terminal)
    os.killpg(proc.pid, signal.SIGINT)
    check_interrupted(proc, "simulate findings: interrupted; no output written", within=STOP)
    proc = start(findings(project, "long"), project, group=True)
    wait_until(ticking(previous_findings), START, "the notebooks were writing", proc)
    family = descendants(proc)
    os.killpg(proc.pid, signal.SIGINT)
    start_time = time.monotonic()
    check_interrupted(proc, "simulate findings: interrupted; no output written", within=STOP)
    assert time.monotonic() - start_time < STOP  # not the 120 s the notebooks would take
    assert still_running(family, timeout=STOP) == []
    assert digest(previous_findings) == before and leftovers(previous_findings) == []


@pytest.mark.slow
def test_a_second_findings_into_the_same_folder_is_refused_and_the_first_completes(project, previous_findings):
    first = start(findings(project, "held"), project)  # its notebooks run until RELEASE exists
    try:
        wait_until(ticking(previous_findings), START, "the first run's notebooks were writing", first)
        second = subprocess.run([sys.executable, "-m", "simulate.cli", *findings(project, "quick")], cwd=project,
                                capture_output=True, text=True, timeout=START)
        assert second.returncode == 1
        assert second.stderr.rstrip("\n").splitlines()[-1] == (
            f"simulate findings: error: --out findings: is being written by another simulate process (pid "
            f"{first.pid}); wait for it to finish or choose another path")
        assert first.poll() is None  # still running: it was refused because of the first, not after it
        (project / RELEASE).touch()
        _, err = first.communicate(timeout=START)
    finally:  # a failed check leaves no held run behind
        if first.poll() is None:
            first.kill()
            first.communicate()
    assert first.returncode == 0, err[-2000:]
    record = json.loads((previous_findings / "manifest.json").read_text())
    assert set(record["runs"]) == {"a", "b"} and record["written_by"] == "simulate"
    assert all((previous_findings / run / "tables" / "tick.csv").exists() for run in ("a", "b"))
    assert leftovers(previous_findings) == []


# ----------------------------------------------------------------------------- simulate sweep (Dask)
@pytest.mark.slow
@pytest.mark.parametrize("sig", ["SIGINT", "SIGKILL"])
def test_ctrl_c_and_kill_9_of_sweep_stop_its_dask_workers(sig, tmp_path):
    grid = Path(__file__).resolve().parents[1] / "params" / "sweeps" / "example.yaml"
    out = tmp_path / "sw"
    proc = start(["sweep", str(grid), "--draws", "400", "--out", str(out)], tmp_path, group=True)
    wait_until(lambda: any(out.parent.glob(".sw.tmp-*/parts/*/*.parquet")), START, "the workers were writing", proc)
    family = descendants(proc)  # the LocalCluster's worker processes
    assert len(family) >= 2
    if sig == "SIGINT":
        os.killpg(proc.pid, signal.SIGINT)  # a terminal's Ctrl-C reaches the workers too
        check_interrupted(proc, "simulate sweep: interrupted; no output written", within=STOP)
        assert leftovers(out) == [] and not out.exists()
    else:
        proc.kill()
        proc.communicate(timeout=STOP)
    assert still_running(family, timeout=STOP) == []


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """An existing Dask cluster, as `--scheduler ADDRESS` meets it: a scheduler and 2 worker processes."""
    pytest.importorskip("distributed")
    from dask.distributed import Client

    where = tmp_path_factory.mktemp("cluster")
    file = where / "scheduler.json"
    bin_dir = Path(sys.executable).parent
    procs = [subprocess.Popen([str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(file)], cwd=where, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        wait_until(file.exists, START, "the scheduler was up", procs[0])
        procs.append(subprocess.Popen([str(bin_dir / "dask"), "worker", "--scheduler-file", str(file),
                                       "--nworkers", "2", "--nthreads", "1", "--no-dashboard"], cwd=where,
                                      start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        address = json.loads(file.read_text())["address"]
        with Client(address, timeout=START) as client:
            client.wait_for_workers(2, timeout=START)
            yield address, client
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=STOP)


@pytest.mark.slow
@pytest.mark.parametrize("command", [
    ["compare", "baseline", "no_policy", "--draws", "400", "--out", "C"],
    ["sensitivity", "dropout_gap.poor.junior", "--sobol-n", "512", "--out", "S"],
], ids=["compare", "sensitivity"])
def test_ctrl_c_with_a_scheduler_prints_one_line_and_leaves_the_cluster_as_it_was(command, dask_cluster, tmp_path):
    """The draws run as tasks on an existing cluster; Ctrl-C closes only this command's connection, silently."""
    address, watcher = dask_cluster
    proc = start([*command, "--scheduler", address], tmp_path, group=True)
    wait_until(lambda: any(watcher.processing().values()), START, "the cluster was running its tasks", proc)
    os.killpg(proc.pid, signal.SIGINT)
    check_interrupted(proc, f"simulate {command[0]}: interrupted; no output written", within=STOP)
    assert list(tmp_path.iterdir()) == []
    wait_until(lambda: not any(watcher.processing().values()), START, "the cluster dropped the tasks")
    assert len(watcher.scheduler_info()["workers"]) == 2  # the cluster is left as it was


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [2, 1])
def test_a_notebook_past_its_timeout_is_one_error_naming_it_and_its_cell(jobs, project, previous_findings):
    """A cell still printing when the timeout closes the kernel's channels: no ZMQError, asyncio or
    CellTimeoutError traceback, one message naming notebook and cell, the previous findings kept.
    With two jobs the other notebook, still running (or timing out too), is killed with its kernel:
    it is neither reported nor left running."""
    before = digest(previous_findings)
    shutil.copy(FIXTURES / "endless.ipynb", project / "notebooks" / "endless.ipynb")
    write_yaml(project / "params" / "endless.yaml", {"runs": [
        {"name": run, "notebook": "notebooks/endless.ipynb"} for run in ("a", "b")], "timeout_seconds": 3})
    proc = start(findings(project, "endless", jobs), project)
    family, kernels, watcher = watch_family(proc)
    _, err = proc.communicate(timeout=START)
    watcher.join(timeout=STOP)
    assert proc.returncode == 1, err[-3000:]
    assert "Traceback" not in err and "Task exception" not in err and "Error:" not in err, err[-3000:]
    message = err[err.index("simulate findings: error:"):]
    # with two jobs either run may reach its timeout first on a busy machine: the error names the one that did
    first = "a" if jobs == 1 else message[len("simulate findings: error: notebooks/endless.ipynb (run '"):][:1]
    assert first in ("a", "b"), message
    assert message == (f"simulate findings: error: notebooks/endless.ipynb (run '{first}') timed out in cell 2 "
                       "(0-based): `import time`\n    the cell ran longer than timeout_seconds: 3 "
                       "(params/endless.yaml); raise it there or make the cell faster\n"
                       "findings is left as it was\n"), message  # one run reported, not both
    # one kernel per notebook started (with two jobs the second may be killed before its kernel is up)
    assert 1 <= len(kernels) <= jobs, [p.pid for p in family]
    assert still_running(family, timeout=STOP) == []  # no worker or kernel left
    assert digest(previous_findings) == before and leftovers(previous_findings) == []


@pytest.mark.slow
def test_the_first_failure_kills_the_notebook_still_running_and_reports_only_itself(project, previous_findings):
    """With two jobs, a notebook failing while another (held, up to START seconds) still runs: the command
    ends at once with the one failure, and the held notebook's worker and kernel are killed."""
    before = digest(previous_findings)
    shutil.copy(FIXTURES / "fails.ipynb", project / "notebooks" / "fails.ipynb")
    write_yaml(project / "params" / "mixed.yaml", {"runs": [
        {"name": "held", "notebook": "notebooks/ticking.ipynb", "parameters": "params/findings/held.yaml"},
        {"name": "bad", "notebook": "notebooks/fails.ipynb"}], "timeout_seconds": 2 * START})
    proc = start(findings(project, "mixed"), project)
    family, kernels, watcher = watch_family(proc)
    try:
        _, err = proc.communicate(timeout=START)  # the held notebook alone would outlast this
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    watcher.join(timeout=STOP)
    assert proc.returncode == 1 and "Traceback" not in err, err[-3000:]
    assert err[err.index("simulate findings: error:"):] == (
        "simulate findings: error: notebooks/fails.ipynb (run 'bad') failed in cell 1 (0-based): "
        "`raise ValueError(\"boom\")`\n    ValueError: boom\nfindings is left as it was\n"), err[-3000:]
    assert 1 <= len(kernels) <= 2, [p.pid for p in family]
    assert still_running(family, timeout=STOP) == []
    assert digest(previous_findings) == before and leftovers(previous_findings) == []
