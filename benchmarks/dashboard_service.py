"""The planner dashboard as a service, measured against 127.0.0.1 in headless Chromium.

    python benchmarks/dashboard_service.py                      # everything (~10–20 min on a busy 2-core box)
    python benchmarks/dashboard_service.py --sessions 4 --reloads 10   # smaller
    python benchmarks/dashboard_service.py --write benchmarks/DASHBOARD_SERVICE.md

Starts ``simulate dashboard`` (the service as ``make dashboard`` runs it: ``voila.json``, preheated
kernels) on a free port and measures, with Playwright driving Debian's Chromium:

1. **first numbers**: from ``page.goto`` to the headline table's first number on screen, on a
   server whose preheated kernels are warm (their CPU has gone quiet), ``--first`` times (each page
   closed and the pool allowed to refill before the next); beside it, when the page's HTML had
   arrived (the rest is Voilà's scripts and the widgets being drawn in the browser);
2. **reloads**: ``--reloads`` reloads of one page in a row, each until its numbers are back; the
   server's kernel count (max during, and once settled after) and the resident memory of the
   server and its kernels (before, max, after);
3. **concurrent sessions**: ``--sessions`` pages open together (each its own browser context, as
   separate planners; they arrive one after another, each once the previous one shows numbers, or
   all at once with ``--together``), then rounds in which every page moves a slider by one step with the keyboard;
   the time from the key press to the changed headline number on that page, median and 90th
   percentile, and the memory with all sessions open.

Floors measured in the same run, so that figures compare across machines and loads: the time of
one expected-mode run of the baseline in this process (what a slider change computes), and the time
for the same Chromium to load a static file from the same server (the page's transport). The
figures are wall clock on whatever machine this is: on a shared 2-core machine several jobs compete
for the CPU, so read them with the floors.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from simulate.views.dashboard.serve import kernels_of, spawn, stop  # noqa: E402

HEADLINE = ".explorer-headline tr[data-key='cost.total'] td.value"
SLIDER = ".lever-budget-base_grant-primary_yuan_per_pupil .noUi-handle"
TIMEOUT = 600_000  # ms


def rss_mb(proc) -> float:
    total = 0
    for p in [psutil.Process(proc.pid), *kernels_of(proc)]:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total / 1e6


def fill_delay() -> float:
    """Seconds the server waits before refilling its pool after a page takes a kernel (``voila.json``)."""
    import json

    config = json.loads((ROOT / "src/simulate/views/dashboard/voila.json").read_text(encoding="utf-8"))
    return float(config["VoilaKernelManager"]["fill_delay"])


def wait_quiet(proc, seconds: float = 600.0, threshold: float = 5.0) -> float:
    """Wait until every kernel of ``proc`` uses under ``threshold``% of a CPU over a second (the pool
    has built its dashboards); returns the seconds waited. It first waits out the pool's refill delay:
    a kernel taken just before would otherwise be refilled only after the quiet check had passed (one
    visit of the first run on an idle machine measured 9 s that way: it took a kernel still starting)."""
    t0 = time.monotonic()
    time.sleep(fill_delay() + 1.0)
    while time.monotonic() - t0 < seconds:
        kernels = kernels_of(proc)
        try:
            busy = [k.cpu_percent(interval=None) for k in kernels]
            time.sleep(1.0)
            busy = [k.cpu_percent(interval=None) for k in kernels]
        except psutil.NoSuchProcess:
            continue
        if kernels and max(busy) < threshold:
            return time.monotonic() - t0
    return time.monotonic() - t0


def close_tab(page) -> None:
    """Close a page as a planner closing the tab does: the page unloads first, so Voilà's shutdown
    beacon is sent (Playwright's bare ``page.close()`` drops it, and the page's kernel would wait for
    the culler instead)."""
    page.goto("about:blank")
    page.close()


def floors(url: str, browser) -> dict:
    from simulate.inputs.load import load_district
    from simulate.inputs.scenario import load_scenario
    from simulate.views.dashboard.runs import expected_indicators

    d, b = load_district(None), load_scenario("baseline")
    expected_indicators(d, b)
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        expected_indicators(d, b)
        runs.append(time.perf_counter() - t0)
    page = browser.new_page()
    static = []
    for _ in range(5):
        t0 = time.perf_counter()
        page.goto(url + "voila/static/extension.js")
        static.append(time.perf_counter() - t0)
    page.close()
    return {"expected_run": statistics.median(runs), "static_load": statistics.median(static)}


def first_numbers(proc, url: str, browser, n: int) -> list[tuple[float, float]]:
    """(seconds to the first headline number, seconds to the page's HTML received) per visit."""
    out = []
    for _ in range(n):
        wait_quiet(proc)
        page = browser.new_page()
        t0 = time.perf_counter()
        page.goto(url, timeout=TIMEOUT)
        page.locator(HEADLINE).wait_for(state="visible", timeout=TIMEOUT)
        numbers = time.perf_counter() - t0
        html = page.evaluate("performance.getEntriesByType('navigation')[0].responseEnd") / 1000
        out.append((numbers, html))
        close_tab(page)
    return out


def reloads(proc, url: str, browser, n: int) -> dict | None:
    if n <= 0:
        return None
    wait_quiet(proc)
    before = rss_mb(proc)
    page = browser.new_page()
    page.goto(url, timeout=TIMEOUT)
    page.locator(HEADLINE).wait_for(state="visible", timeout=TIMEOUT)
    most, most_mb, times = len(kernels_of(proc)), before, []
    for _ in range(n):
        t0 = time.perf_counter()
        page.reload(timeout=TIMEOUT)
        page.locator(HEADLINE).wait_for(state="visible", timeout=TIMEOUT)
        times.append(time.perf_counter() - t0)
        most, most_mb = max(most, len(kernels_of(proc))), max(most_mb, rss_mb(proc))
    close_tab(page)
    wait_quiet(proc)
    return {"reloads": n, "kernels_max": most, "kernels_after": len(kernels_of(proc)), "mb_before": before,
            "mb_max": most_mb, "mb_after": rss_mb(proc), "reload_median": statistics.median(times),
            "reload_max": max(times)}


def concurrent(proc, url: str, browser, sessions: int, rounds: int, together: bool = False) -> dict:
    """``sessions`` planners, each its own browser context; they arrive one after another (each page
    opened once the previous one shows numbers), or all at once with ``together``."""
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1600}) for _ in range(sessions)]
    pages = [c.new_page() for c in contexts]
    t0 = time.perf_counter()
    opens = []
    if together:
        for p in pages:
            p.goto(url, timeout=TIMEOUT, wait_until="commit")
        for p in pages:  # from the moment all were asked for (in page order: a bound for the later pages)
            p.locator(HEADLINE).wait_for(state="visible", timeout=TIMEOUT)
            opens.append(time.perf_counter() - t0)
    else:
        for p in pages:
            t1 = time.perf_counter()
            p.goto(url, timeout=TIMEOUT)
            p.locator(HEADLINE).wait_for(state="visible", timeout=TIMEOUT)
            opens.append(time.perf_counter() - t1)
    all_open = time.perf_counter() - t0
    wait_quiet(proc)
    latencies = []
    for _ in range(rounds):
        for p in pages:
            before = p.locator(HEADLINE).inner_text()
            handle = p.locator(SLIDER)
            handle.focus()
            t0 = time.perf_counter()
            handle.press("ArrowRight")
            p.wait_for_function("([s, old]) => { const e = document.querySelector(s); return e && e.innerText !== old; }",
                                arg=[HEADLINE, before], timeout=TIMEOUT)
            latencies.append(time.perf_counter() - t0)
    out = {"sessions": sessions, "samples": len(latencies), "median": statistics.median(latencies),
           "p90": sorted(latencies)[int(0.9 * (len(latencies) - 1))], "max": max(latencies),
           "all_open_seconds": all_open, "kernels": len(kernels_of(proc)), "mb": rss_mb(proc),
           "together": together, "open_median": statistics.median(opens) if opens else None,
           "open_max": max(opens) if opens else None}
    for p in pages:
        close_tab(p)
    for c in contexts:
        c.close()
    return out


def session_rows(con: dict, fl: dict) -> list[str]:
    how = "opened at once" if con["together"] else "opened one after another"
    n = con["sessions"]
    return [
        f"| {n} sessions ({how}): slider → numbers, median | {con['median']:.3f} s | ≤ 0.5 s | "
        f"{con['median'] / fl['expected_run']:.1f} × expected run |",
        f"| {n} sessions ({how}): slider → numbers, 90th percentile / max ({con['samples']} moves) | "
        f"{con['p90']:.3f} / {con['max']:.3f} s | | |",
        f"| {n} sessions ({how}): all open in | {con['all_open_seconds']:.1f} s | | |",
        *([f"| {n} sessions ({how}): each page to numbers, median / max | {con['open_median']:.2f} / "
           f"{con['open_max']:.2f} s | | |"] if con["open_median"] is not None else []),
        f"| {n} sessions ({how}): kernels, memory | {con['kernels']}, {con['mb']:.0f} MB | bounded | |",
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--first", type=int, default=3)
    parser.add_argument("--reloads", type=int, default=30)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--together", action="store_true",
                        help="also a second round of sessions whose pages are opened all at once")
    parser.add_argument("--pool", type=int, default=2)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args(argv)
    chromium = shutil.which("chromium")
    if chromium is None:
        print("no chromium: apt-get install chromium", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        proc, url = spawn(Path(tmp) / "voila.log", pool=args.pool)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
                load = psutil.getloadavg()[0]
                fl = floors(url, browser)
                print("floors", fl, flush=True)  # each phase as it ends (the table comes at the end)
                first = first_numbers(proc, url, browser, args.first)
                print("first numbers", first, flush=True)
                rel = reloads(proc, url, browser, args.reloads)
                print("reloads", rel, flush=True)
                cons = [concurrent(proc, url, browser, args.sessions, args.rounds)]
                print("concurrent", cons[-1], flush=True)
                if args.together:
                    wait_quiet(proc)
                    cons.append(concurrent(proc, url, browser, args.sessions, args.rounds, together=True))
                    print("concurrent, opened at once", cons[-1], flush=True)
                browser.close()
        finally:
            stop(proc)
    lines = [
        f"# Dashboard service benchmark ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{psutil.cpu_count()} CPUs, load average {load:.1f} at the start, pool {args.pool})", "",
        "| figure | value | target | floor ratio |", "|---|---|---|---|",
        f"| floor: one expected run (this process) | {fl['expected_run']:.3f} s | | |",
        f"| floor: a static file from the server in Chromium | {fl['static_load']:.3f} s | | |",
        *(f"| first numbers, warm pool, visit {i + 1} (page HTML received at) | {t:.2f} s ({h:.2f} s) | ≤ 2 s | "
          f"{t / fl['static_load']:.1f} × static file |" for i, (t, h) in enumerate(first)),
        *([f"| {rel['reloads']} reloads: kernels, most at once / after | {rel['kernels_max']} / "
           f"{rel['kernels_after']} | ≤ pool + 1 = {args.pool + 1} | |",
           f"| {rel['reloads']} reloads: server + kernels memory before / most / after | {rel['mb_before']:.0f} / "
           f"{rel['mb_max']:.0f} / {rel['mb_after']:.0f} MB | bounded | |",
           f"| reload to numbers, median / max | {rel['reload_median']:.2f} / {rel['reload_max']:.2f} s | | |"]
          if rel else []),
        *(row for con in cons for row in session_rows(con, fl)),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        args.write.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
