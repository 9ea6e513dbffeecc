"""Killing the dashboard's server leaves no kernel running (issue 22, item 5); culling ends only unconnected kernels.

``simulate dashboard`` starts preheated kernels at once (the pool), so each case has kernels to lose
without a browser. SIGTERM: the server shuts them down before it exits. SIGKILL: the server cannot
clean up, and each kernel's parent poller (ipykernel's, watching the server's pid) ends it. The waits
are bounded polls on the process table, not sleeps, so a busy machine only makes them slower.
Marked ``browser`` with the other tests that start the server (skip locally with ``-m 'not browser'``).
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import psutil
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

sys.path.insert(0, str(Path(__file__).parent))
from dashboard_server import kernels_of, start_server, stop_server, wait_until  # noqa: E402


def _alive(pids: list[int]) -> list[int]:
    out = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                out.append(pid)
        except psutil.NoSuchProcess:
            continue
    return out


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
@pytest.mark.slow
def test_killing_the_server_ends_its_kernels(tmp_path, sig):
    if not (Path(sys.executable).parent / "voila").exists():
        pytest.skip("voila not installed")
    proc, _ = start_server(tmp_path / "voila.log", pool=2)
    try:
        kernels = wait_until(lambda: len(kernels_of(proc)) == 2 and kernels_of(proc), 180, "two preheated kernels")
        # kernels running the notebook (so past ipykernel's start, where its parent poller starts): they
        # have imported simulate, pandas and matplotlib (well over 150 MB; a bare kernel is about 60 MB)
        wait_until(lambda: all(k.memory_info().rss > 150e6 for k in kernels), 300, "kernels running the notebook")
        pids = [k.pid for k in kernels]
        proc.send_signal(sig)
        proc.wait(timeout=120)
        wait_until(lambda: not _alive(pids), 60, f"kernels {pids} ended after {sig.name}")
    finally:
        stop_server(proc)


@pytest.mark.slow
def test_a_kernel_whose_page_never_connects_is_culled(tmp_path):
    """The backstop: a page that took a kernel and vanished without a word (here: the HTML fetched,
    no browser to connect) leaves a kernel that is culled once idle and unconnected."""
    import urllib.request

    if not (Path(sys.executable).parent / "voila").exists():
        pytest.skip("voila not installed")
    proc, url = start_server(tmp_path / "voila.log", pool=1, extra=("--cull-after=5", "--cull-every=2"))
    try:
        pooled = wait_until(lambda: kernels_of(proc), 180, "a preheated kernel")
        wait_until(lambda: all(k.memory_info().rss > 150e6 for k in pooled), 300, "the kernel running the notebook")
        taken = pooled[0].pid
        with urllib.request.urlopen(url, timeout=600) as answer:  # takes the pool's kernel; nobody connects
            assert answer.status == 200 and b"jupyter-config-data" in answer.read()
        wait_until(lambda: not _alive([taken]), 300, f"kernel {taken} culled")
        assert proc.poll() is None  # the server goes on (and refills its pool)
    finally:
        stop_server(proc)


def test_culling_ends_unconnected_kernels_and_spares_an_open_page(tmp_path):
    """The backstop is safe: with a 5-second cull timeout, the kernel of a page fetched without a
    browser is culled, while the kernel of a page open in Chromium (connected, idle far longer than
    the timeout) lives on and still answers a slider."""
    import shutil
    import urllib.request

    if not (Path(sys.executable).parent / "voila").exists():
        pytest.skip("voila not installed")
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("chromium not installed (apt-get install chromium; .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    headline = ".explorer-headline tr[data-key='cost.total'] td.value"
    slider = ".lever-budget-base_grant-primary_yuan_per_pupil .noUi-handle"
    proc, url = start_server(tmp_path / "voila.log", pool=1, extra=("--cull-after=5", "--cull-every=2"))
    try:
        ready = lambda k: k.memory_info().rss > 150e6  # noqa: E731  (has imported simulate: runs the notebook)
        pooled = wait_until(lambda: [k for k in kernels_of(proc) if ready(k)], 300, "a preheated kernel")
        page_kernel = pooled[0].pid
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox"])
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1600})
                page.goto(url, timeout=300_000)
                page.locator(headline).wait_for(state="visible", timeout=300_000)
                # the pool refills; that kernel is taken by a request nobody connects to
                refill = wait_until(lambda: [k for k in kernels_of(proc) if k.pid != page_kernel and ready(k)], 300,
                                    "the pool refilled")[0].pid
                with urllib.request.urlopen(url, timeout=600) as answer:
                    assert answer.status == 200
                wait_until(lambda: not _alive([refill]), 300, f"unconnected kernel {refill} culled")
                assert _alive([page_kernel]), "the open page's kernel was culled"
                before = page.locator(headline).inner_text()
                page.locator(slider).focus()
                page.locator(slider).press("ArrowRight")
                page.wait_for_function("([s, old]) => document.querySelector(s).innerText !== old",
                                       arg=[headline, before], timeout=120_000)
            finally:
                browser.close()
    finally:
        stop_server(proc)


def test_pages_open_counts_every_kernel_but_the_pools_ready_ones():
    """A page's kernel counts; a ready pool kernel does not; a pool task still waiting (its refill delay,
    or its kernel starting) has no kernel listed yet and changes nothing (it was once subtracted, which
    let a page through the limit while the refill waited)."""
    import asyncio
    from types import SimpleNamespace as NS

    from simulate.views.dashboard.serve import pages_open

    async def counts():
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        ready.set_result({"kernel_id": "pooled"})
        waiting = loop.create_future()
        manager = NS(_pools={"dashboard.ipynb": [ready, waiting]},
                     list_kernel_ids=lambda: ["page-1", "pooled"])
        first = pages_open(manager)
        manager.list_kernel_ids = lambda: ["page-1", "page-2", "pooled"]
        second = pages_open(manager)
        waiting.cancel()
        return first, second

    assert asyncio.run(counts()) == (1, 2)


def test_beyond_its_page_limit_the_server_answers_busy_at_once(tmp_path):
    """``--max-pages=1``: the first page takes the pool's kernel; the second request gets the short
    "busy" page (503, Retry-After, both languages) at once and starts no kernel."""
    import urllib.error
    import urllib.request

    if not (Path(sys.executable).parent / "voila").exists():
        pytest.skip("voila not installed")
    proc, url = start_server(tmp_path / "voila.log", pool=1, extra=("--max-pages=1",))
    try:
        wait_until(lambda: kernels_of(proc), 180, "a preheated kernel")
        with urllib.request.urlopen(url, timeout=600) as answer:
            assert answer.status == 200 and b"jupyter-config-data" in answer.read()
        before = {k.pid for k in kernels_of(proc)}
        with pytest.raises(urllib.error.HTTPError) as busy:
            urllib.request.urlopen(url, timeout=60)
        assert busy.value.code == 503 and busy.value.headers["Retry-After"] == "60"
        body = busy.value.read().decode("utf-8")
        assert "The planner dashboard is busy" in body and "1 planners" in body and "页面正忙" in body
        # no kernel for the refused page (the pool's refill, 5 s after the first page, may have come)
        assert len({k.pid for k in kernels_of(proc)} - before) <= 1
    finally:
        stop_server(proc)
