"""Serving the planner dashboard as a service: ``simulate dashboard`` (and ``make dashboard``).

Voilà runs ``notebooks/03_planner_dashboard.ipynb`` with the settings in ``voila.json`` beside this
module (read by :func:`main`; the file is the service's configuration):

- **no request leaves the machine**: the ``planner`` template (``jupyter/voila/templates/planner``
  here) is Voilà's ``lab`` template without its Font Awesome links to a public CDN; the dashboard's
  buttons carry no icons, so nothing needs the font;
- **kernels of closed or reloaded pages end**: the page asks the server to shut its kernel down when
  it is closed (``POST /voila/api/shutdown/<kernel id>``); Voilà 0.5 refuses that request
  (``403 '_xsrf' argument missing``, the browser's beacon carries no XSRF token), so
  :class:`ShutdownOnUnloadHandler` takes the route without the XSRF check. The only thing the request
  can do is end the kernel whose random id it names, which is what closing that page does anyway.
  Kernels whose page vanished without a word (a crashed browser, a lost network, a tab closed before
  its beacon left) are culled once idle and unconnected for ``MappingKernelManager.cull_idle_timeout``
  seconds (180, checked every 30): ``cull_connected`` is false, so a kernel with an open page is never
  culled however long its planner stays idle, and Voilà never culls its pool's kernels; only a page
  that lost its connection for three minutes loses its kernel (a reload gives it a new one);
- **numbers at once**: ``preheat_kernel`` keeps ``default_pool_size`` kernels that have already
  built the dashboard; a page takes one and the pool is refilled in the background, 5 s later
  (``VoilaKernelManager.fill_delay``: a refilling kernel takes a core for several seconds, which on a
  2-core machine would slow the first page's widgets). A preheated kernel has drawn its charts before
  it waits for a page (:func:`~simulate.views.dashboard.links.apply_page_query`). The lever values
  of a shared link (the page's query string) are applied when the page is requested
  (:func:`simulate.views.dashboard.links.apply_page_query`);
- **a busy page, not a hang**: at most ``PlannerVoila.max_pages`` pages (12; ``--max-pages``) hold a
  kernel at once; beyond that a page request gets ``503`` and a short page in both languages asking
  to try again in a minute (``Retry-After: 60``), and no kernel is started. A kernel is about 430 MB,
  so memory is not the limit on a 24 GB machine: two cores are (10 open pages answered a slider in
  about 0.5 s at the median in ``benchmarks/dashboard_service.py``; a page's first visit with the
  pool used up waits for a kernel to build the dashboard, several seconds each);
- **the server's kernels end with it**: SIGTERM and Ctrl-C shut every kernel down (Voilà's own stop);
  after SIGKILL each kernel's parent poller (ipykernel, ``JPY_PARENT_PID``: the server's pid) sees its
  parent gone and exits within about a second. This process *is* the Voilà server (no wrapper in
  between), so that parent is the process a supervisor kills.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONFIG_DIR = HERE                      # voila.json
TEMPLATES = HERE / "jupyter"           # a Jupyter data directory holding voila/templates/planner
NOTEBOOK = "notebooks/03_planner_dashboard.ipynb"


def _repository_notebook() -> Path:
    """The dashboard notebook of the repository this package is in (else under the current folder)."""
    for parent in HERE.parents:
        if (parent / NOTEBOOK).is_file():
            return parent / NOTEBOOK
    return Path.cwd() / NOTEBOOK


MAX_PAGES = 12  # pages at once: ~430 MB of kernel each; on 2 cores, 10 planners' sliders answer in ~0.5 s
BUSY_PAGE = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Planner dashboard: busy</title></head>"
             "<body style='font-family:sans-serif;max-width:40em;margin:3em auto'>"
             "<h1>The planner dashboard is busy</h1><p>{n} planners have it open, as many as this server is set "
             "up for. Please try again in a minute (reload this page).</p>"
             "<h1 lang='zh'>规划者情景推演页面正忙</h1><p lang='zh'>当前已有 {n} 位用户在使用，达到本服务器的上限。"
             "请一分钟后刷新本页重试。</p></body></html>")


def pages_open(kernel_manager) -> int:
    """Kernels held by pages: every kernel but those waiting, preheated, in Voilà's pool.

    A pool task not yet done (waiting out ``fill_delay``, or its kernel still starting) has no kernel in
    ``list_kernel_ids`` yet: Voilà's task ends in the same step as its kernel is listed. So it is neither
    counted nor subtracted (subtracting it, as before 2026-12-08, let a page through the limit while the
    pool's refill waited)."""
    pooled = set()
    for pool in getattr(kernel_manager, "_pools", {}).values():  # Voilà 0.5's pool: tasks giving a kernel id
        for task in pool:
            if task.done() and not task.cancelled() and task.exception() is None:
                pooled.add(task.result().get("kernel_id"))
    return len([k for k in kernel_manager.list_kernel_ids() if k not in pooled])


def voila_app_class():
    """Voilà's application with the page's kernel shutdown accepted (see the module docstring)."""
    import tornado.web
    from traitlets import Integer
    from voila.app import Voila
    from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
    from voila.tornado.handler import TornadoVoilaHandler

    class ShutdownOnUnloadHandler(VoilaShutdownKernelHandler):
        """``POST /voila/api/shutdown/<kernel id>`` from the page's unload beacon, which cannot carry an
        XSRF token: ending the named kernel is all it does."""

        def check_xsrf_cookie(self):
            return None

    class BusyPageHandler(TornadoVoilaHandler):
        """The dashboard's page, or ``503`` with :data:`BUSY_PAGE` (and no kernel started) when
        ``max_pages`` pages already hold a kernel (the pool's waiting kernels not counted)."""

        max_pages = 0

        @tornado.web.authenticated  # as Voilà's own page handler: the busy page is no way around a login
        async def get(self, path=None):
            in_use = pages_open(self.kernel_manager)
            if self.max_pages and in_use >= self.max_pages:
                self.set_status(503)
                self.set_header("Retry-After", "60")
                self.set_header("Content-Type", "text/html; charset=utf-8")
                self.finish(BUSY_PAGE.format(n=in_use))
                return
            await super().get(path)

    class PlannerVoila(Voila):
        max_pages = Integer(MAX_PAGES, config=True, help="pages served at once (each holds a kernel); 0: no limit")

        def init_handlers(self):
            BusyPageHandler.max_pages = self.max_pages
            swap = {VoilaShutdownKernelHandler: ShutdownOnUnloadHandler, TornadoVoilaHandler: BusyPageHandler}
            return [(route, swap.get(handler, handler), *rest) for route, handler, *rest in super().init_handlers()]

    return PlannerVoila


def voila_argv(notebook: Path, port: int | None = None, ip: str | None = None, pool: int | None = None,
               cull_after: int | None = None, cull_every: int | None = None, max_pages: int | None = None) -> list[str]:
    """Voilà's command line for the dashboard: this module's ``voila.json``, then any override."""
    argv = [str(notebook), f"--Voila.config_file_paths={CONFIG_DIR}"]
    if port is not None:
        argv.append(f"--port={port}")
    if ip is not None:
        argv.append(f"--Voila.ip={ip}")
    if pool is not None:
        argv.append(f"--VoilaConfiguration.default_pool_size={pool}")
    if cull_after is not None:
        argv.append(f"--MappingKernelManager.cull_idle_timeout={cull_after}")
    if cull_every is not None:
        argv.append(f"--MappingKernelManager.cull_interval={cull_every}")
    if max_pages is not None:
        argv.append(f"--PlannerVoila.max_pages={max_pages}")
    return argv


def environment(district: str | None = None) -> dict[str, str]:
    """The variables the server (and so its kernels) needs: the template's folder on ``JUPYTER_PATH``,
    and ``SIMULATE_DISTRICT`` when a district folder is given."""
    env = {"JUPYTER_PATH": os.pathsep.join(p for p in (str(TEMPLATES), os.environ.get("JUPYTER_PATH", "")) if p)}
    if district:
        env["SIMULATE_DISTRICT"] = str(Path(district).resolve())
    return env


def main(argv: list[str] | None = None) -> int:
    """``python -m simulate.views.dashboard.serve [--port N] [--ip A] [--district DIR] [--pool N]``."""
    parser = argparse.ArgumentParser(prog="simulate dashboard", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ...inputs.limits import int_flag, path_flag

    parser.add_argument("--port", type=int_flag(1, 65535), default=None, help="port (default: voila.json's, 8866)")
    parser.add_argument("--ip", default=None, help="address to listen on (default: voila.json's, 127.0.0.1)")
    parser.add_argument("--district", type=path_flag, default=None, help="a district folder (default: data/banan)")
    parser.add_argument("--pool", type=int_flag(0, 20), default=None,
                        help="preheated kernels kept ready (default: voila.json's, 2)")
    parser.add_argument("--cull-after", type=int_flag(0, 86400), default=None,
                        help="seconds an unconnected idle kernel lives (default: voila.json's, 180)")
    parser.add_argument("--max-pages", type=int_flag(0, 1000), default=None,
                        help=f"pages open at once before a 'busy' page is served instead (default: {MAX_PAGES}; 0: no limit)")
    parser.add_argument("--cull-every", type=int_flag(1, 3600), default=None,
                        help="seconds between checks for such kernels (default: voila.json's, 30)")


def add_cli(sub) -> None:
    """``simulate dashboard``: this module's subcommand."""
    p = sub.add_parser("dashboard", help="serve the planner dashboard (Voilà, preheated kernels, nothing off the machine)",
                       description=__doc__.split("\n\n")[0])
    add_arguments(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ...errors import InputError

    if args.district is not None and not Path(args.district).is_dir():
        raise InputError(f"--district: {args.district}: not a folder")
    os.environ.update(environment(args.district))
    app = voila_app_class()
    app.launch_instance(argv=voila_argv(_repository_notebook(), args.port, args.ip, args.pool, args.cull_after,
                                        args.cull_every, args.max_pages))
    return 0


# ------------------------------------------------------------------ a server in a child process (tests, benchmarks)
def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def spawn(log_path: Path, pool: int | None = None, port: int | None = None, timeout: float = 180.0,
          extra: tuple[str, ...] = ()):
    """Start ``simulate dashboard`` in a child process on 127.0.0.1 (a free port unless given), wait
    (bounded) until it answers HTTP; returns (Popen, url). Its output goes to ``log_path``."""
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    port = free_port() if port is None else port
    argv = [sys.executable, "-m", "simulate.views.dashboard.serve", f"--port={port}", "--ip=127.0.0.1"]
    if pool is not None:
        argv.append(f"--pool={pool}")
    argv += list(extra)
    # the server and its kernels import this package's copy of simulate (the kernels run in the
    # notebooks' folder, where a relative PYTHONPATH or another checkout's install would lead elsewhere)
    src = str(HERE.parents[2])
    path = os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH", "")) if p)
    log = open(log_path, "w")
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": path})
    log.close()
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"simulate dashboard exited with {proc.returncode}; see {log_path}")
        try:  # any HTTP answer (even 403/404) means the server is up; "/" would take a kernel
            with urllib.request.urlopen(url + "voila/static/", timeout=2):
                break
        except urllib.error.HTTPError:
            break
        except OSError:
            if time.monotonic() > deadline:
                stop(proc)
                raise RuntimeError(f"simulate dashboard did not answer on {url} within {timeout:.0f} s; see {log_path}")
            time.sleep(0.5)
    return proc, url


def kernels_of(proc) -> list:
    """The live ipykernel processes started by the server ``proc`` (psutil.Process objects)."""
    import psutil

    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    out = []
    for child in children:
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "ipykernel" in " ".join(child.cmdline()):
                out.append(child)
        except psutil.NoSuchProcess:
            continue
    return out


def stop(proc, timeout: float = 60.0) -> None:
    """SIGTERM the server (it shuts its kernels down), SIGKILL after ``timeout`` seconds."""
    import subprocess

    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    raise SystemExit(main())
