"""The dashboard served by Voilà, driven in headless Chromium (Debian's package, never a download).

Starts Voilà on a free 127.0.0.1 port (as ``make dashboard`` does), waits for
it with a bounded HTTP poll, loads the page, moves a slider with the keyboard
(focus the handle, press ArrowRight) and checks that a headline number
changes, then presses "What drives this difference?" and waits for its table (one row per
changed lever group and the total); then picks another district in the district dropdown and checks
that the headline and the introduction follow. A screenshot goes to ``tests/artifacts/dashboard.png``. Marked
``browser``: skip locally with ``-m 'not browser'``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]
HEADLINE = ".explorer-headline tr[data-key='cost.total'] td.value"
SLIDER = ".lever-budget-base_grant-primary_yuan_per_pupil .noUi-handle"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def voila_url(tmp_path_factory):
    voila = Path(sys.executable).parent / "voila"
    if not voila.exists():
        pytest.skip(f"{voila} not installed")
    port = _free_port()
    log = (tmp_path_factory.mktemp("voila") / "voila.log").open("w")
    proc = subprocess.Popen(
        [str(voila), str(ROOT / "notebooks" / "03_planner_dashboard.ipynb"), "--no-browser", "--Voila.ip=127.0.0.1",
         f"--port={port}", "--strip_sources=True"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"voila exited with {proc.returncode}; see {log.name}")
            try:  # any HTTP answer (even 403/404) means the server is up; "/" would run the notebook
                with urllib.request.urlopen(url + "voila/static/", timeout=2):
                    break
            except urllib.error.HTTPError:
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"voila did not answer on {url} within 90 s; see {log.name}")
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_dashboard_loads_a_slider_moves_a_headline_number_and_the_drivers_panel_computes(voila_url):
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("chromium not installed (apt-get install chromium; .ci/run installs it)")
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 2400})
            page.goto(voila_url, timeout=120_000)
            cell = page.locator(HEADLINE)
            cell.wait_for(state="visible", timeout=180_000)
            before = cell.inner_text()
            assert "million yuan" in before  # English: yuan / million yuan (Chinese: 万元)
            handle = page.locator(SLIDER)
            handle.wait_for(state="visible", timeout=30_000)
            handle.focus()
            for _ in range(5):
                handle.press("ArrowRight")
            page.wait_for_function(
                "([sel, old]) => { const e = document.querySelector(sel); return e && e.innerText !== old; }",
                arg=[HEADLINE, before], timeout=60_000)
            after = cell.inner_text()
            assert after != before
            page.locator(".explorer-drivers-button").click()
            total = page.locator(".explorer-drivers tr[data-group='total'] td.total").first
            total.wait_for(state="visible", timeout=120_000)
            assert page.locator(".explorer-drivers tr[data-group='total'] td.total").last.inner_text().endswith("yuan")
            assert page.locator(".explorer-drivers tr[data-group='base_grant']").count() == 1  # the lever moved
            page.wait_for_timeout(1500)  # let the charts redraw for the screenshot
            page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
            # the district dropdown: another district's numbers and introduction
            intro = page.locator(".explorer-intro")
            assert "Banan" in intro.inner_text()
            shown = cell.inner_text()
            page.locator(".explorer-district select").select_option(label="example_county")
            page.wait_for_function(
                "([sel, old]) => { const e = document.querySelector(sel); return e && e.innerText !== old; }",
                arg=[HEADLINE, shown], timeout=120_000)
            expect(intro).to_contain_text("example_county", timeout=60_000)
            expect(page.locator(".explorer-district-message")).to_contain_text("example_county", timeout=60_000)
        finally:
            browser.close()
