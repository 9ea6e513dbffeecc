"""Executing findings notebooks: papermill in worker processes, fail fast, nothing left running.

Each notebook runs with papermill in its own spawned worker process (``jobs`` at a time; papermill
is not thread-safe), or in this process with one job. A kernel talks over IPC sockets, not TCP.
Errors come back as data (notebook, cell, exception name and text), never as a traceback:
what nbclient and asyncio print after a cell's timeout is dropped, as the failure message says it
better. Ctrl-C and SIGTERM kill the workers and their kernels at once (their output is thrown
away), so the command can end with its one line.
"""

from __future__ import annotations

import logging
import multiprocessing
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from simulate import provenance

KERNEL_NAME = "python3"


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
    import gc

    noise = _AfterTimeoutNoise()
    loggers = [logging.getLogger(name) for name in ("asyncio", "papermill", "traitlets")]
    for log in loggers:
        log.addFilter(noise)
    try:
        yield
    finally:
        gc.collect()  # abandoned tasks report when collected: here, while the filter is on
        for log in loggers:
            log.removeFilter(noise)


def _execute_one(job: dict[str, Any]) -> dict[str, Any]:
    """Run one notebook with papermill (in a worker process); errors come back as data."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    start, error = time.perf_counter(), None
    try:
        with _quiet_after_timeout():
            papermill.execute_notebook(
                job["input"], job["output"], parameters=job["parameters"], kernel_name=KERNEL_NAME,
                cwd=job["cwd"], execution_timeout=job["timeout"], progress_bar=False, log_output=False,
                kernel_manager_class=_ipc_kernel_manager(),
            )
    except PapermillExecutionError as exc:
        error = {"cell": exc.cell_index, "ename": exc.ename, "evalue": exc.evalue}
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
    return {"name": job["name"], "seconds": time.perf_counter() - start, "error": error}


def _ipc_kernel_manager() -> type:
    """A kernel manager whose kernel talks over local IPC sockets (files in the Jupyter runtime folder)
    instead of TCP: nothing listens on a port, and ipykernel does not print its "running over TCP
    without encryption" warning into the progress bar. Its shutdown does not interrupt the kernel
    first (jupyter_client does, in case code is running; every cell has finished by then, and the idle
    kernel would log "KeyboardInterrupt caught in kernel" into the progress bar)."""
    import uuid

    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.paths import jupyter_runtime_dir
    from traitlets import default

    class IPCKernelManager(AsyncKernelManager):
        transport = "ipc"

        @default("ip")
        def _ip_default(self) -> str:  # socket files: one set per kernel, not "kernel-ipc-N" in the cwd
            folder = Path(jupyter_runtime_dir())
            folder.mkdir(parents=True, exist_ok=True)
            return str(folder / f"kernel-ipc-{uuid.uuid4().hex[:16]}")

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
    """Run the jobs, fail fast: after the first failure, no further notebook is started."""
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

    try:
        if jobs == 1 or len(work) == 1:
            with _kernels_killed_on_interrupt():
                for job in work:
                    if done(_execute_one(job)):
                        break
            return results
        ctx = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(min(jobs, len(work)), mp_context=ctx, max_tasks_per_child=1,
                                   initializer=_worker_init)
        try:
            futures = {pool.submit(_execute_one, job): job["name"] for job in work}
            for fut in as_completed(futures):
                if fut.cancelled():
                    continue
                try:
                    res = fut.result()
                except Exception as exc:  # the worker process died (BrokenProcessPool, …)
                    res = {"name": futures[fut], "seconds": 0.0,
                           "error": {"cell": None, "ename": type(exc).__name__, "evalue": str(exc)}}
                if done(res):
                    for other in futures:
                        other.cancel()
        except BaseException:  # Ctrl-C, SIGTERM: stop the workers and their kernels instead of waiting
            workers = [p.pid for p in list(getattr(pool, "_processes", {}).values()) if p.pid]
            provenance.stop_child_processes(timeout=0, only=workers)  # and their kernels; output is thrown away
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
    finally:
        bar.close()
    return results


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
