"""Locks and process control: one writer per output, workers that die with their parent, Ctrl-C.

:func:`lock_beside` takes the exclusive lock that keeps a second simulate
process off an output being written; :func:`signals_deferred` holds Ctrl-C
and SIGTERM over a few renames. Worker processes call
:func:`die_with_parent`; the command line calls :func:`stop_child_processes`
on Ctrl-C.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .rule import OutputError


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM while a few renames run; deliver them afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    for s in old:
        signal.signal(s, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)
        if caught:
            handler = old[caught[0]]
            if callable(handler):
                handler(caught[0], None)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), caught[0])


def lock_beside(target: Path, label: str) -> tuple[int, Path] | None:
    """An exclusive lock on ``.<name>.lock`` beside ``target`` (OutputError if another process holds it)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        return None
    path = target.parent / f".{target.name}.lock"
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            raise OutputError(f"{label}: is being written by another simulate process"
                              f"{f' (pid {holder})' if holder.isdigit() else ''}; wait for it to finish "
                              "or choose another path") from None
        except BaseException:
            os.close(fd)
            raise
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:  # else the previous holder removed the file between our open and flock: retry
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
            return fd, path
        os.close(fd)


def unlock(lock: tuple[int, Path] | None) -> None:
    if lock is None:
        return
    fd, path = lock
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    os.close(fd)


def die_with_parent(poll_seconds: float = 0.5) -> None:
    """Make this (worker) process end when the process that started it ends, even by kill -9.

    Linux: ``prctl(PR_SET_PDEATHSIG, SIGKILL)``; everywhere: a daemon thread
    that exits the process once ``os.getppid()`` changes. Jupyter kernels
    started from here watch their own parent the same way (ipykernel's parent
    poller), so a killed command leaves nothing running that could still write.
    Call it first thing in a worker (e.g. as a ProcessPoolExecutor initializer).
    """
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # died before the prctl took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(poll_seconds)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


def stop_child_processes(timeout: float = 1.0, only: Iterable[int] | None = None) -> int:
    """Terminate this process's descendants (or ``only`` these pids and their descendants), killing
    any still running after ``timeout`` seconds (``timeout=0``: kill at once, for processes whose
    work is being thrown away); returns how many there were. A zombie counts as
    stopped. multiprocessing's resource tracker is left alone: it ignores SIGTERM by design and exits
    by itself once this process is gone. Needs psutil; without it, does nothing."""
    try:
        import psutil
    except ImportError:
        return 0
    procs: dict[int, Any] = {}
    roots = [psutil.Process()] if only is None else []
    for pid in only or ():
        try:
            procs[pid] = psutil.Process(pid)
            roots.append(procs[pid])
        except psutil.Error:
            continue
    for root in roots:
        try:
            procs.update((c.pid, c) for c in root.children(recursive=True))
        except psutil.Error:
            pass
    procs.pop(os.getpid(), None)

    def running(p: Any) -> bool:
        try:
            return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    def skip(p: Any) -> bool:
        try:
            return "multiprocessing.resource_tracker" in " ".join(p.cmdline())
        except psutil.Error:
            return True

    targets = [p for p in procs.values() if not skip(p)]
    for action in ("terminate", "kill") if timeout > 0 else ("kill",):
        for p in targets:
            try:
                getattr(p, action)()
            except psutil.Error:
                pass
        deadline = time.monotonic() + (timeout if action == "terminate" else 1.0)
        while (targets := [p for p in targets if running(p)]) and time.monotonic() < deadline:
            time.sleep(0.02)
        if not targets:
            break
    return len(procs)
