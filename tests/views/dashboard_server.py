"""Helpers of the dashboard's service tests: a ``simulate dashboard`` child process and its kernels
(:mod:`simulate.views.dashboard.serve`), and a bounded wait on a condition (never a fixed sleep)."""

from __future__ import annotations

import time

from simulate.views.dashboard.serve import kernels_of, spawn, stop


def start_server(log_path, pool: int = 1, extra: tuple[str, ...] = ()):
    return spawn(log_path, pool=pool, extra=extra)


def stop_server(proc) -> None:
    stop(proc)


def wait_until(condition, seconds: float, what: str, every: float = 0.5):
    """Poll ``condition()`` until it is true; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds:.0f} s: {what}")
        time.sleep(every)


__all__ = ["kernels_of", "start_server", "stop_server", "wait_until"]
