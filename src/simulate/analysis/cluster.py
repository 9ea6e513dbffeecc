"""Dask clusters for sweeps and studies: started, connected to and closed — silently on Ctrl-C.

``simulate sweep`` starts an embedded ``LocalCluster`` (:func:`client_for`);
``--scheduler ADDRESS`` (sweep, compare, sensitivity) connects to an existing
one. Either way the command closes what it opened (:func:`closing`).

A Ctrl-C must end in one line, never in Dask's logs. Two sources printed
them: the workers of the embedded cluster (a heartbeat to the scheduler that
had just closed logged ``CommClosedError`` with its traceback; tasks being
cancelled logged warnings), and this process's nanny, scheduler and client
while closing ("Worker process still alive after 4.0 seconds, killing"). So:

* the embedded cluster's workers run with their logs off (:func:`dask_setup`,
  their preload): they are this process's helpers, a task's error reaches the
  caller through its future, and the nanny here reports a worker that dies;
* after an interrupt, what this process closes is closed with Dask's, asyncio's
  and tornado's logs off (:func:`quiet_dask_logs`); the command line leaves
  them off for the rest of the process (:func:`silence_dask_logs`), which is
  ending.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

#: A scheduler address with a port (tcp://host:8786, host:8786, ...).
ADDRESS = re.compile(r"((tcp|tls|ucx|ws|wss|inproc)://)?[\w.\-\[\]:]+:\d{1,5}")
#: Loggers that print on their own handlers (distributed's configuration gives them one each) or,
#: for asyncio, on logging's last-resort handler.
DASK_LOGGERS = ("distributed", "tornado", "bokeh", "asyncio")


class _DropAll(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


_DROP = _DropAll()


def _handlers() -> list[logging.Handler]:
    return [h for name in DASK_LOGGERS for h in logging.getLogger(name).handlers]


@contextmanager
def quiet_dask_logs() -> Iterator[None]:
    """Nothing from Dask's, tornado's or asyncio's logging reaches stderr inside the block."""
    handlers = _handlers()
    last_resort = logging.lastResort
    asyncio_log = logging.getLogger("asyncio")
    was_disabled = asyncio_log.disabled
    for h in handlers:
        h.addFilter(_DROP)
    logging.lastResort = logging.NullHandler()
    asyncio_log.disabled = True
    try:
        yield
    finally:
        for h in handlers:
            h.removeFilter(_DROP)
        logging.lastResort = last_resort
        asyncio_log.disabled = was_disabled


def silence_dask_logs() -> None:
    """For a process that is ending after Ctrl-C: Dask's, tornado's and asyncio's logs off for good
    (a connection closing late, or a task destroyed at exit, would otherwise print)."""
    for h in _handlers():
        h.addFilter(_DROP)
    logging.lastResort = logging.NullHandler()
    logging.getLogger("asyncio").disabled = True


def dask_setup(worker: Any) -> None:
    """Preload of the embedded LocalCluster's worker processes.

    Ctrl-C in a terminal reaches every process of the group, but only the
    command's own process handles it (it closes the cluster); a worker that also
    did would print a KeyboardInterrupt traceback. The worker's logs are off (see
    the module's docstring): closing it after Ctrl-C printed its heartbeat's
    ``CommClosedError`` traceback and warnings about cancelled tasks.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    silence_dask_logs()
    logging.getLogger().addHandler(logging.NullHandler())  # nothing else falls back to stderr either


def client_for(client: Any) -> tuple[Any, list[Any]]:
    """(client, things to close afterwards) for ``client`` = None | "serial" | address | Client.

    None: an embedded ``LocalCluster`` of 2 worker processes (1 thread each) whose
    workers leave Ctrl-C to this process (:func:`dask_setup`); an address: a
    connection to an existing cluster, used unchanged (only the connection is
    closed afterwards); a Client: used as it is; "serial": None (this process)."""
    if client == "serial":
        return None, []
    from dask.distributed import Client, LocalCluster

    if client is None:
        cluster = LocalCluster(processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None,
                               preload=[__name__])
        try:
            c = Client(cluster)
        except BaseException:
            close_all([cluster], interrupted=True)
            raise
        return c, [c, cluster]
    if isinstance(client, str):
        c = Client(client)
        return c, [c]
    return client, []


@contextmanager
def closing(owned: list[Any]) -> Iterator[None]:
    """Close ``owned`` (from :func:`client_for`) when the block ends: quietly if it ends by Ctrl-C or
    SIGTERM (a ``BaseException`` that is not an ``Exception``), normally otherwise."""
    try:
        yield
    except Exception:
        close_all(owned)
        raise
    except BaseException:
        close_all(owned, interrupted=True)
        raise
    close_all(owned)


def close_all(owned: Iterable[Any], interrupted: bool = False) -> None:
    """Close the clients and clusters a command opened, in order. ``interrupted`` (Ctrl-C, SIGTERM):
    with Dask's logs off, and without waiting long for workers whose work is thrown away (whatever is
    still running afterwards is stopped by the command line's :func:`~simulate.provenance.stop_child_processes`)."""
    with quiet_dask_logs() if interrupted else nullcontext():
        for thing in owned:
            try:
                if interrupted and hasattr(thing, "scheduler_info"):  # a Client
                    thing.close(timeout=2)
                else:
                    thing.close(**({"timeout": 5} if interrupted else {}))
            except Exception:
                if not interrupted:
                    raise
