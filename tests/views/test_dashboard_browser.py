"""The dashboard as a bureau serves it (``simulate dashboard``), driven in headless Chromium (Debian's
package, never a download).

One server for the module, started as ``make dashboard`` starts it (``simulate dashboard``: Voilà
with ``voila.json``, the ``planner`` template, preheated kernels) on a free 127.0.0.1 port. The
tests wait on conditions (a cell's text, a kernel count) with generous limits, never on a fixed
sleep, so a busy machine makes them slower, not red. What they check:

- **service**: every request of a page load stays on the machine (Playwright records them all); a
  reloaded and a closed page's kernel ends (the server's kernel count comes back to the pool plus
  the open pages);
- **keyboard and screen readers**: axe-core (``axe-playwright-python``, which ships it) finds no
  serious or critical violation, in English and in Chinese; every lever group opens from the
  keyboard, and Tab reaches every group header, slider, typed box and button; a slider moved with
  the arrow keys changes a headline number; Chinese mode shows Chinese scenario titles;
- **what it shows**: a typed value above a lever's maximum is explained beside it;
- **phone**: at 390 px nothing is wider than the screen;
- **work that leaves the page**: the link reopens the levers; the table downloads as CSV, a chart as
  PNG, the report as HTML; the drivers panel and the district dropdown work.

A screenshot goes to ``tests/artifacts/dashboard.png``. Marked ``browser``: skip locally with
``-m 'not browser'``. Killing the server: ``tests/views/test_dashboard_service.py``.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]
HEADLINE = ".explorer-headline tr[data-key='cost.total'] td.value"
SLIDER = ".lever-budget-base_grant-primary_yuan_per_pupil .noUi-handle"
LOAD = 240_000   # ms: a page's first numbers on a busy 2-core machine (a cold kernel when the pool is empty)
CHANGE = 120_000  # ms: a change to show
POOL = 1

sys.path.insert(0, str(Path(__file__).parent))
from dashboard_server import kernels_of, start_server, stop_server, wait_until  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not (Path(sys.executable).parent / "voila").exists():
        pytest.skip("voila not installed")
    proc, url = start_server(tmp_path_factory.mktemp("voila") / "voila.log", pool=POOL)
    try:
        yield proc, url
    finally:
        stop_server(proc)


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("chromium not installed (apt-get install chromium; .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _open(browser, url: str, width: int = 1500, height: int = 2400):
    page = browser.new_page(viewport={"width": width, "height": height}, accept_downloads=True)
    page.goto(url, timeout=LOAD)
    page.locator(HEADLINE).wait_for(state="visible", timeout=LOAD)
    return page


def _changes(page, selector: str, old: str, timeout: int = CHANGE) -> str:
    page.wait_for_function("([sel, old]) => { const e = document.querySelector(sel); return e && e.innerText !== old; }",
                           arg=[selector, old], timeout=timeout)
    return page.locator(selector).inner_text()


def test_a_page_load_stays_on_the_machine_and_closed_pages_end_their_kernels(server, browser):
    proc, url = server
    outside: list[str] = []
    page = browser.new_page()
    page.on("request", lambda r: outside.append(r.url)
            if urllib.parse.urlparse(r.url).hostname not in ("127.0.0.1", None) and not r.url.startswith(("data:", "blob:"))
            else None)
    page.goto(url, timeout=LOAD)
    page.locator(HEADLINE).wait_for(state="visible", timeout=LOAD)
    assert outside == []  # no CDN, no font, no analytics: nothing leaves the machine
    for _ in range(3):  # each reload ends the kernel of the page it replaces
        page.reload(timeout=LOAD)
        page.locator(HEADLINE).wait_for(state="visible", timeout=LOAD)
    assert outside == []
    # one open page: its kernel, plus the preheated pool (refilling); never one kernel per visit
    wait_until(lambda: len(kernels_of(proc)) <= POOL + 1, 180, "kernels of reloaded pages ended")
    # leaving the page (another address in the tab) sends its shutdown beacon, as a reload does; a
    # headless tab closed by Playwright drops the beacon, and such a kernel is culled once idle and
    # unconnected (test_dashboard_service.py::test_a_kernel_whose_page_never_connects_is_culled)
    page.goto("about:blank")
    wait_until(lambda: len(kernels_of(proc)) <= POOL, 180, "the kernel of the page left ended")
    page.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_keyboard_and_screen_readers_in_both_languages(server, browser, lang):
    from axe_playwright_python.sync_playwright import Axe

    _, url = server
    page = _open(browser, f"{url}?lang={lang}", 1400, 1200)
    try:
        page.wait_for_selector(f".scenario-explorer.explorer-lang-{lang}", timeout=CHANGE)
        headers = page.locator(".explorer-group-header")
        n = headers.count()
        assert n == 7
        for i in range(n):  # every group opens from the keyboard
            header = headers.nth(i)
            if header.inner_text().startswith("▸"):
                header.focus()
                page.keyboard.press("Enter")
                page.wait_for_function("e => e.innerText.startsWith('▾')", arg=header.element_handle(), timeout=CHANGE)
        page.wait_for_function("() => [...document.querySelectorAll('.scenario-explorer .noUi-handle')]"
                               ".every(h => h.offsetParent !== null && h.getAttribute('aria-label'))", timeout=CHANGE)
        results = Axe().run(page, options={"resultTypes": ["violations"]})
        bad = [(v["id"], v["impact"], v["nodes"][0]["html"][:120]) for v in results.response["violations"]
               if v["impact"] in ("serious", "critical")]
        assert bad == []
        # Tab reaches every group header, slider handle, typed box and button of the explorer
        targets = page.evaluate("""() => {
            const all = [...document.querySelectorAll('.scenario-explorer .explorer-group-header, '
              + '.scenario-explorer .noUi-handle, .scenario-explorer .explorer-typed input, '
              + '.scenario-explorer button, .scenario-explorer select')].filter(e => e.offsetParent !== null && !e.disabled);
            all.forEach((e, i) => e.setAttribute('data-tab-target', String(i)));
            return all.length; }""")
        reached: set[str] = set()
        page.locator(".explorer-group-header").first.focus()
        for _ in range(targets * 3 + 50):
            mark = page.evaluate("() => { let e = document.activeElement; while (e && !e.getAttribute('data-tab-target')"
                                 " && e.parentElement) e = e.parentElement; return e && e.getAttribute('data-tab-target'); }")
            if mark is not None:
                reached.add(mark)
            if len(reached) == targets:
                break
            page.keyboard.press("Tab")
        missing = page.evaluate("(reached) => [...document.querySelectorAll('[data-tab-target]')]"
                                ".filter(e => !reached.includes(e.getAttribute('data-tab-target')))"
                                ".map(e => e.outerHTML.slice(0, 100))", list(reached))
        # the group header we started from may be reached only by Shift+Tab; everything else by Tab
        assert len(missing) <= 1, missing
        if lang == "zh":
            start = page.locator(".explorer-scenario select").nth(1)
            assert "2019年政策组合" in start.inner_text() and "(baseline)" not in start.inner_text()
            assert "simulate" not in page.locator(".explorer-intro").inner_text()
    finally:
        page.close()


def test_levers_numbers_and_work_that_leaves_the_page(server, browser):
    _, url = server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = _open(browser, url)
    try:
        cell = page.locator(HEADLINE)
        before = cell.inner_text()
        assert "million yuan" in before  # English: yuan / million yuan (Chinese: 万元)
        handle = page.locator(SLIDER)
        handle.focus()
        for _ in range(5):
            handle.press("ArrowRight")
        after = _changes(page, HEADLINE, before)
        assert after != before
        # a typed value the lever cannot take is explained beside it, not silently clamped
        box = page.locator(".lever-teachers-support-count-typed input")
        page.locator(".explorer-group-rotation").click()
        box.wait_for(state="visible", timeout=CHANGE)
        box.fill("99999")
        box.press("Enter")
        note = page.locator(".explorer-lever:has(.lever-teachers-support-count-typed) .explorer-note")
        page.wait_for_function("e => e.innerText.includes('99,999')", arg=note.element_handle(), timeout=CHANGE)
        assert "300" in note.inner_text()
        page.wait_for_function("e => e.innerText.includes('changed')",
                               arg=page.locator(".explorer-group-rotation").element_handle(), timeout=CHANGE)
        # the headline table as CSV, a chart as PNG (links holding the files themselves)
        csv = page.locator(".explorer-download-table a")
        csv.wait_for(timeout=CHANGE)
        data = base64.b64decode(csv.get_attribute("href").split(",", 1)[1]).decode("utf-8-sig")
        assert data.startswith("indicator,label,year,value") and "cost.total" in data
        png = page.locator(".explorer-download-charts a").first
        png.wait_for(timeout=CHANGE)
        assert base64.b64decode(png.get_attribute("href").split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
        # the report
        page.locator(".explorer-export").click()
        report = page.locator(".explorer-report a.explorer-report-html")
        report.wait_for(timeout=CHANGE)
        page_html = base64.b64decode(report.get_attribute("href").split(",", 1)[1]).decode("utf-8")
        assert "<table" in page_html and "Levers changed" in page_html and "Support teachers" in page_html
        assert page_html.count("data:image/png;base64,") == 3  # the three charts, inside the file
        # the link reopens the levers in a new page
        link = page.locator(".explorer-share-link").get_attribute("href")
        assert "teachers.support.count=300" in link
        page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
        again = _open(browser, url + link.lstrip("/"))
        try:
            expect_value = again.locator(".lever-teachers-support-count-typed input")
            again.locator(".explorer-group-rotation").click()
            again.wait_for_function("e => e.value === '300'", arg=expect_value.element_handle(), timeout=CHANGE)
            assert "1 changed" in again.locator(".explorer-group-rotation").inner_text() or \
                "2 changed" in again.locator(".explorer-group-rotation").inner_text()
        finally:
            again.close()
        # what drives this difference, then another district
        page.locator(".explorer-drivers-button").click()
        page.locator(".explorer-drivers tr[data-group='total'] td.total").first.wait_for(state="visible", timeout=LOAD)
        assert page.locator(".explorer-drivers tr[data-group='base_grant']").count() == 1
        intro = page.locator(".explorer-intro")
        assert "Banan" in intro.inner_text()
        shown = cell.inner_text()
        page.locator(".explorer-district select").select_option(label="Example county (synthetic, invented data)")
        _changes(page, HEADLINE, shown, LOAD)
        page.wait_for_function("e => e.innerText.includes('Example county')", arg=intro.element_handle(), timeout=CHANGE)
    finally:
        page.close()


def test_a_phone_and_a_projector_width(server, browser):
    _, url = server
    page = _open(browser, url, 390, 844)
    try:  # a phone: nothing wider than the screen, panels stacked, the slider as wide as the screen allows
        assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
        right, left = page.locator(".explorer-right").bounding_box(), page.locator(".explorer-left").bounding_box()
        assert right["width"] <= 390 and left["width"] <= 390 and right["y"] >= left["y"] + left["height"] - 1
        slider = page.locator(".lever-budget-base_grant-primary_yuan_per_pupil").bounding_box()
        assert slider["width"] >= 250
    finally:
        page.close()
    page = _open(browser, url, 1920, 1080)
    try:  # a projector: levers and results side by side, larger text
        right, left = page.locator(".explorer-right").bounding_box(), page.locator(".explorer-left").bounding_box()
        assert right["x"] >= left["x"] + left["width"] - 1 and abs(right["y"] - left["y"]) < 5
        size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.scenario-explorer')).fontSize)")
        assert size >= 15
    finally:
        page.close()
