"""Executing findings notebooks: papermill in worker processes, fail fast, nothing left running.

Each notebook runs with papermill in its own spawned worker process (``jobs`` at a time; papermill
is not thread-safe), or in this process with one job. A kernel talks over IPC sockets, not TCP.
Errors come back as data (notebook, cell, exception name and text), never as a traceback:
what nbclient and asyncio print after a cell's timeout is dropped, as the failure message says it
better. The first failure, Ctrl-C and SIGTERM kill the workers still running and their kernels at
once (their output is thrown away), so the command ends with its one message and leaves no
process behind.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from simulate import provenance

KERNEL_NAME = "python3"
KERNEL_FILES = "simulate-kernels-"  # + pid of the command: a temporary folder


class _AfterTimeoutNoise(logging.Filter):
    """Drops what nbclient and asyncio print after a cell's timeout, which the failure message says
    better: "Timeout waiting for execute reply", and the traceback (ZMQError, AssertionError) of
    nbclient's output poller, abandoned when the kernel's channels close ("Task exception was never
    retrieved")."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        return not (text.startswith("Timeout waiting for execute reply")
                    or (text.startswith("Task exception was never retrieved") and "nbclient" in text))


@contextmanager
def _quiet_after_timeout() -> Iterator[None]:
    """The noise filter on the loggers nbclient and asyncio use, for as long as the block runs; at its
    end, garbage is collected so that abandoned tasks report (and are dropped) while it is still on.
    The block must not hold the exception that ended papermill: its traceback keeps the notebook
    client and its tasks alive, and they would report later, after the filter is gone."""
    import gc

    noise = _AfterTimeoutNoise()
    loggers = [logging.getLogger(name) for name in ("asyncio", "papermill", "traitlets")]
    for log in loggers:
        log.addFilter(noise)
    try:
        yield
    finally:
        gc.collect()
        for log in loggers:
            log.removeFilter(noise)


def _execute_one(job: dict[str, Any]) -> dict[str, Any]:
    """Run one notebook with papermill (in a worker process); errors come back as data."""
    start = time.perf_counter()
    with _quiet_after_timeout():
        error = _papermill(job)  # returns once the exception, if any, is dropped: then the filter collects
    return {"name": job["name"], "seconds": time.perf_counter() - start, "error": error}


def _papermill(job: dict[str, Any]) -> dict[str, Any] | None:
    """Execute ``job``'s notebook; None, or what failed: the cell, the exception's name and text, and
    whether the cell ran past its timeout."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        papermill.execute_notebook(
            job["input"], job["output"], parameters=job["parameters"], kernel_name=KERNEL_NAME,
            cwd=job["cwd"], execution_timeout=job["timeout"], progress_bar=False, log_output=False,
            kernel_manager_class=_ipc_kernel_manager(job.get("kernel_files")),
        )
    except PapermillExecutionError as exc:
        return {"cell": exc.cell_index, "ename": exc.ename, "evalue": exc.evalue}
    except Exception as exc:  # timeout, dead kernel: the failing cell is the last one papermill started
        error = {"cell": None, "ename": type(exc).__name__, "evalue": str(exc).strip().splitlines()[0][:300],
                 "timeout": _is_timeout(exc)}
        try:
            import nbformat

            status = [c.metadata.get("papermill", {}).get("status") for c in
                      nbformat.read(job["output"], as_version=4).cells]
            error["cell"] = max(i for i, s in enumerate(status) if s in ("running", "completed", "failed"))
        except Exception:
            pass
        return error
    return None


def _ipc_kernel_manager(folder: str | None = None) -> type:
    """A kernel manager whose kernel talks over local IPC sockets (files in ``folder``, by default the
    Jupyter runtime folder) instead of TCP: nothing listens on a port, and ipykernel does not print its
    "running over TCP without encryption" warning into the progress bar. With ``folder``, the
    connection file goes there too, so that removing the folder removes what a killed kernel leaves.
    Its shutdown does not interrupt the kernel first (jupyter_client does, in case code is running;
    every cell has finished by then, and the idle kernel would log "KeyboardInterrupt caught in
    kernel" into the progress bar)."""
    import uuid

    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.paths import jupyter_runtime_dir
    from traitlets import default

    class IPCKernelManager(AsyncKernelManager):
        transport = "ipc"

        @default("ip")
        def _ip_default(self) -> str:  # socket files: one set per kernel, not "kernel-ipc-N" in the cwd
            where = Path(folder or jupyter_runtime_dir())
            where.mkdir(parents=True, exist_ok=True)
            return str(where / f"kernel-ipc-{uuid.uuid4().hex[:16]}")

        @default("connection_file")
        def _connection_file_default(self) -> str:  # "": a temporary file of jupyter_client's choosing
            return str(Path(folder) / f"kernel-{uuid.uuid4().hex[:16]}.json") if folder else ""

        async def _async_interrupt_kernel(self) -> None:
            if not self.shutting_down:
                await super()._async_interrupt_kernel()

    return IPCKernelManager


def _is_timeout(exc: BaseException) -> bool:
    """A cell ran past ``timeout_seconds`` (nbclient's CellTimeoutError, or a TimeoutError under it)."""
    while exc is not None:
        if type(exc).__name__ == "CellTimeoutError" or isinstance(exc, TimeoutError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _execute_all(work: list[dict[str, Any]], jobs: int, progress: bool) -> dict[str, dict[str, Any]]:
    """Run the jobs, fail fast: after the first failure no further notebook starts, and those still
    running (``jobs`` > 1) are killed with their kernels; only the first failure is reported."""
    from tqdm.auto import tqdm

    results: dict[str, dict[str, Any]] = {}
    bar = tqdm(total=len(work), desc="findings", unit="notebook", disable=not progress, file=sys.stderr)

    def done(res: dict[str, Any]) -> bool:
        results[res["name"]] = res
        if progress:
            status = "FAILED" if res["error"] else "ok"
            bar.write(f"{status:>6}  {res['name']}  {res['seconds']:.1f} s", file=sys.stderr)
        bar.update()
        return res["error"] is not None

    # the kernels' socket and connection files, removed at the end even if a kernel was killed
    _remove_stale_kernel_files()
    files = tempfile.TemporaryDirectory(prefix=f"{KERNEL_FILES}{os.getpid()}-", ignore_cleanup_errors=True)
    work = [{**job, "kernel_files": files.name} for job in work]
    try:
        if jobs == 1 or len(work) == 1:
            with _kernels_killed_on_interrupt():
                for job in work:
                    if done(_execute_one(job)):
                        break
            return results
        _run_in_workers(work, jobs, done)
    finally:
        bar.close()
        files.cleanup()
    return results


def _remove_stale_kernel_files() -> None:
    """Remove the kernel files folders of ``simulate findings`` commands that were killed (kill -9):
    those of this user whose process (the pid in the name) no longer runs."""
    import shutil

    import psutil

    for folder in Path(tempfile.gettempdir()).glob(f"{KERNEL_FILES}*-*"):
        pid = folder.name[len(KERNEL_FILES):].split("-")[0]
        try:
            mine = not hasattr(os, "getuid") or folder.stat().st_uid == os.getuid()
        except OSError:
            continue
        if mine and pid.isdigit() and not psutil.pid_exists(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _run_in_workers(work: list[dict[str, Any]], jobs: int, done: Callable[[dict[str, Any]], bool]) -> None:
    """Each job in a spawned process of its own, ``jobs`` at a time; ``done`` gets each result and
    says whether to stop. On stopping (a failure), an exception (Ctrl-C, SIGTERM) or the end, the
    workers still running are killed with their kernels, at once: their output is thrown away, and a
    worker or kernel stopped gracefully could print a traceback (a cell past its timeout, a kernel
    interrupted mid-cell) besides the command's one line."""
    from multiprocessing.connection import wait

    ctx = multiprocessing.get_context("spawn")
    waiting = list(work)
    running: dict[Any, tuple[Any, str]] = {}  # result pipe -> (worker process, run name)
    try:
        while waiting or running:
            while waiting and len(running) < jobs:
                job = waiting.pop(0)
                reader, writer = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_worker, args=(job, writer), name=f"findings-{job['name']}", daemon=True)
                proc.start()
                writer.close()  # the worker holds the other end: EOF once it is gone
                running[reader] = (proc, job["name"])
            for reader in wait(list(running)):
                proc, name = running.pop(reader)
                try:
                    res = reader.recv()
                except (EOFError, OSError):  # the worker ended without a result (killed, out of memory)
                    proc.join()
                    res = {"name": name, "seconds": 0.0, "error": {"cell": None, "ename": "WorkerDied",
                                                                   "evalue": f"exit code {proc.exitcode}"}}
                reader.close()
                proc.join()
                if done(res):
                    return
    finally:
        _kill_workers([proc for proc, _ in running.values()])
        for reader in running:
            reader.close()


def _kill_workers(procs: list[Any]) -> None:
    """SIGKILL ``procs`` and their descendants (kernels), and reap them. Each worker is stopped
    (SIGSTOP) first, so that a kernel it is starting at that moment is among the descendants found,
    instead of outliving it."""
    import psutil

    frozen = []
    for proc in procs:
        try:
            frozen.append(psutil.Process(proc.pid))
            frozen[-1].suspend()
        except (psutil.Error, ValueError):
            continue
    end = time.monotonic() + 5
    while time.monotonic() < end and any(_runs(p, psutil) for p in frozen):
        time.sleep(0.01)
    provenance.stop_child_processes(timeout=0, only=[p.pid for p in frozen])
    for proc in procs:
        proc.join(timeout=30)


def _runs(proc: Any, psutil: Any) -> bool:
    """``proc`` is running (not yet stopped by SIGSTOP, nor ended)."""
    try:
        return proc.status() not in (psutil.STATUS_STOPPED, psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD)
    except psutil.Error:
        return False


def _worker(job: dict[str, Any], conn: Any) -> None:
    """A notebook worker's whole life: its result goes back through ``conn``, even an unexpected
    exception (as data: multiprocessing would print its traceback)."""
    _worker_init()
    try:
        res = _execute_one(job)
    except Exception as exc:
        res = {"name": job["name"], "seconds": 0.0,
               "error": {"cell": None, "ename": type(exc).__name__, "evalue": str(exc)[:300]}}
    conn.send(res)
    conn.close()


def _worker_init() -> None:
    """In each notebook worker: end with the parent (even if it is killed) and leave Ctrl-C to it."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the workers on Ctrl-C
    provenance.die_with_parent()


@contextmanager
def _kernels_killed_on_interrupt() -> Iterator[None]:
    """Notebooks run in this process: on Ctrl-C, kill the kernels started meanwhile *before* the
    KeyboardInterrupt reaches papermill, whose graceful kernel shutdown would otherwise make the
    kernel print a traceback (its output is thrown away anyway)."""
    import signal
    import threading

    before = _child_pids()

    def kill_kernels() -> None:
        provenance.stop_child_processes(timeout=0, only=_child_pids() - before)

    previous = signal.getsignal(signal.SIGINT) if threading.current_thread() is threading.main_thread() else None

    def on_interrupt(signum: int, frame: Any) -> None:
        kill_kernels()
        raise KeyboardInterrupt

    if previous is signal.default_int_handler:  # only where Ctrl-C would raise KeyboardInterrupt anyway
        signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    except BaseException:  # SIGTERM and the rest: same clean-up, afterwards
        kill_kernels()
        raise
    finally:
        if previous is signal.default_int_handler:
            signal.signal(signal.SIGINT, previous)


def _child_pids() -> set[int]:
    try:
        import psutil
    except ImportError:
        return set()
    return {c.pid for c in psutil.Process().children(recursive=True)}
