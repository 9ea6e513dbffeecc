"""Benchmarks for the design's performance targets, with numpy's floor measured beside them.

    python benchmarks/run.py            # everything (the national run needs ~15 GB and ~3 min)
    python benchmarks/run.py --quick    # a smaller version (200 draws, no national district)
    python benchmarks/run.py --write benchmarks/RESULTS.md   # also write the table + profile

Prints one table: figure, value (wall clock), CPU seconds of this process,
target, ratio (value / target) and whether the target is met. Two floors are
measured in the same run: numpy's binomial over every (draw, school, grade,
group) cell, and over the live cells only (the cells the engine stores,
``simulate.model.layout``); the engine is reported per cell-year against both. Absolute times
vary by machine and by load: on a shared machine wall time can be several
times the CPU time, so the CPU column and the ratio to numpy's binomial floor
(measured in the same run, on the same arrays) are the figures to compare
across machines. The province and national runs happen in child processes so
that their peak memory (max RSS) is their own.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import simulate as sim  # noqa: E402
from simulate.model.engine import cells_of, live_cells_of, simulate  # noqa: E402
from simulate.randomness import stream  # noqa: E402

ROWS: list[dict] = []
# compare() and sweeps default to expected mode; the benchmarks time the heavier stochastic mode (its
# expected-mode run plus the binomial one), as the recorded targets and results always have
COMPARE_MODE = "stochastic"


def timed(fn, repeats: int = 1):
    """(median wall seconds, median CPU seconds, last result) over ``repeats`` calls after one warm-up."""
    fn()
    walls, cpus = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), out


def row(figure: str, value: float, unit: str, target: float | None = None, cpu: float | None = None,
        note: str = "", lower_is_better: bool = True):
    ratio = value / target if target else None
    met = None if target is None else (value <= target if lower_is_better else value >= target)
    cpu_met = None if (target is None or cpu is None) else cpu <= target
    ROWS.append({"figure": figure, "value": value, "unit": unit, "cpu": cpu, "target": target, "ratio": ratio,
                 "met": met, "met_cpu": cpu_met, "note": note})
    status = "" if met is None else ("met" if met else ("met on CPU" if cpu_met else "NOT met"))
    print(f"{figure:<58} {_num(value):>10} {unit:<10} cpu {_num(cpu):>9}  target {_num(target):>8}  "
          f"ratio {_num(ratio):>6}  {status}  {note}", flush=True)


def _num(v):
    if v is None:
        return "–"
    if isinstance(v, (int, np.integer)) or (abs(v) >= 100 and float(v).is_integer()):
        return f"{v:,.0f}"
    return f"{v:,.3g}" if abs(v) < 1000 else f"{v:,.0f}"


# ------------------------------------------------------------------ figures
def binomial_floor(district, draws: int = 100, live: bool = False):
    """numpy's floor: one binomial variate per cell, on the district's (draws, school, grade, group) arrays
    (``live``: on the (draws, live cell) arrays the engine runs on — the physical floor of a stochastic
    cell model)."""
    n = np.rint(district.enrolled)[None]
    if live:
        n = live_cells_of(district).cells(n)
    n = np.ascontiguousarray(np.broadcast_to(n, (draws,) + n.shape[1:])).astype(np.int64)
    p = np.full(n.shape, 0.03)
    rng = stream(0, "benchmark floor")
    wall, cpu, _ = timed(lambda: rng.binomial(n, p), 5)
    return wall / n.size, cpu / n.size


def engine_per_cell_year(district, scenario, draws: int = 100, years: int = 7):
    """Engine time of a stochastic run of ``draws`` draws (sampled parameters), 7 years, no indicators:
    (wall, CPU) seconds per dense cell-year and per live cell-year."""
    def go():
        for _ in simulate(district, scenario, years=years, seed=0, mode="stochastic", draws=draws,
                          sample_parameters=True):
            pass

    wall, cpu, _ = timed(go, 3)
    dense = draws * district.enrolled.size * years
    live = draws * live_cells_of(district).n_cells * years
    return wall / dense, cpu / dense, wall / live, cpu / live


def parameter_sets(district, n: int, client=None):
    """Wall and CPU seconds for ``n`` expected-mode parameter sets of the default district (a Sobol'-style
    sample of 10 factors, one target, chunks of 100 sets on the engine's draw axis: ``ModelEvaluator``)."""
    from simulate.analysis.factors import ModelEvaluator, Target, factors_from

    factors = factors_from(sim.load_scenario("baseline"), assumption_spread=0.5)[:10]
    ev = ModelEvaluator(district, [Target("dropout_gap.poor.junior")], factors, years=7, client=client)
    u = np.random.default_rng(0).random((n, len(factors)))
    ev(u[:100])  # warm-up (and the workers' imports)
    w, c = time.perf_counter(), time.process_time()
    ev(u)
    return time.perf_counter() - w, time.process_time() - c


def compare_on_two_cores(district, draws):
    from dask.distributed import Client, LocalCluster

    with LocalCluster(processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        sim.compare(district, ["baseline", "no_policy"], draws=4, chunk=2, progress=False, client=client,
                    mode=COMPARE_MODE)  # warm-up
        w, c = time.perf_counter(), time.process_time()
        sim.compare(district, ["baseline", "no_policy"], draws=draws, progress=False, client=client, mode=COMPARE_MODE)
        return time.perf_counter() - w, time.process_time() - c


SCALE_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {src!r})
import simulate as sim
from simulate.inputs.synthesize import synthesize
n = {n}
w = time.perf_counter(); d = synthesize(n, seed=1); synth = time.perf_counter() - w
after_synth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
w, c = time.perf_counter(), time.process_time()
r = sim.run(d, "baseline", years=7, mode="stochastic")
run_wall, run_cpu = time.perf_counter() - w, time.process_time() - c
w = time.perf_counter(); ind = r.indicators; ind_wall = time.perf_counter() - w
warm_wall = warm_cpu = None
if n <= 10_000:  # a second run in the same process: without the one-off import and kernel loading
    w, c = time.perf_counter(), time.process_time()
    sim.run(d, "baseline", years=7, mode="stochastic")
    warm_wall, warm_cpu = time.perf_counter() - w, time.process_time() - c
print(json.dumps({{"synth": synth, "run_wall": run_wall, "run_cpu": run_cpu, "indicators": ind_wall,
                  "warm_wall": warm_wall, "warm_cpu": warm_cpu,
                  "pupils": float(d.enrolled.sum()), "rss_synth_mb": after_synth,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "dropout_rate": float(r.indicator("dropout_rate.all"))}}))
"""


def scale(n: int, label: str, memory_target_mb: float, run_target: float | None = None):
    proc = subprocess.run([sys.executable, "-c", SCALE_CHILD.format(src=str(ROOT / "src"), n=n)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        row(f"{label}: run", float("nan"), "s", note="FAILED: " + proc.stderr.strip().splitlines()[-1])
        return
    m = json.loads(proc.stdout.strip().splitlines()[-1])
    row(f"{label}: synthesize {n:,} schools", m["synth"], "s", note=f"{m['pupils']:,.0f} pupils")
    if m["warm_wall"] is None:
        row(f"{label}: run, stochastic, 7 years", m["run_wall"], "s", run_target, cpu=m["run_cpu"],
            note="first run in a fresh process (numba's import and kernel loading included, ~0.7 s)")
    else:
        row(f"{label}: first run in a fresh process, stochastic, 7 years", m["run_wall"], "s", cpu=m["run_cpu"],
            note="numba's import and kernel loading included (~0.7 s, once per process)")
        row(f"{label}: run, stochastic, 7 years", m["warm_wall"], "s", run_target, cpu=m["warm_cpu"],
            note="a second run in the same process")
    row(f"{label}: result.indicators table", m["indicators"], "s")
    row(f"{label}: peak memory (max RSS)", m["peak_mb"] / 1024, "GiB", target=memory_target_mb / 1024,
        note=f"after synthesizing: {m['rss_synth_mb'] / 1024:.2f} GiB")


def profile_compare(district, draws: int) -> str:
    """Where compare()'s time goes (pyinstrument), as markdown lines."""
    from pyinstrument import Profiler

    scenarios = [sim.load_scenario("baseline"), sim.load_scenario("no_policy")]
    prof = Profiler(interval=0.001)
    prof.start()
    sim.compare(district, scenarios, draws=draws, progress=False, mode=COMPARE_MODE)
    prof.stop()
    root = prof.last_session.root_frame()
    total = root.time
    wanted = ["initial_state", "allocate_budget", "move_teachers", "apply_dropout_controls", "hazard", "learn",
              "progress", "returns_and_dropouts", "draw", "advance", "tally_out_of_school", "enter",
              "whole_children", "year_indicators", "comparison_indicators", "resolve", "sample"]
    acc: dict[str, float] = {}

    def walk(frame, inside: frozenset):
        name = frame.function
        if name in wanted and name not in inside:
            acc[name] = acc.get(name, 0.0) + frame.time
            inside = inside | {name}
        for child in frame.children:
            walk(child, inside)

    walk(root, frozenset())
    lines = [f"compare(2 scenarios, {draws} draws, default district): {total:.2f} s wall in the profile", "",
             "| function | share of compare() |", "|---|---|"]
    for name in wanted:
        if name in acc:
            lines.append(f"| `{name}` | {100 * acc[name] / total:.0f}% |")
    return "\n".join(lines)


def markdown_table() -> str:
    lines = ["| figure | value | unit | CPU | target | ratio | met? | note |", "|---|---|---|---|---|---|---|---|"]
    for r in ROWS:
        met = "–" if r["met"] is None else ("yes" if r["met"] else ("on CPU only" if r["met_cpu"] else "**no**"))
        lines.append(f"| {r['figure']} | {_num(r['value'])} | {r['unit']} | {_num(r['cpu'])} | {_num(r['target'])} "
                     f"| {_num(r['ratio'])} | {met} | {r['note']} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="200 draws instead of 1,000; no national district")
    ap.add_argument("--write", help="write the table and profile notes to this markdown file")
    args = ap.parse_args(argv)
    draws = 200 if args.quick else 1000
    district = sim.load_district()
    base, other = sim.load_scenario("baseline"), sim.load_scenario("no_policy")
    print(f"district {district.name}: {district.n_schools} schools, {district.enrolled.size:,} cells; "
          f"{'quick' if args.quick else 'full'} run\n", flush=True)

    live = live_cells_of(district)
    floor_wall, floor_cpu = binomial_floor(district)
    row("numpy floor: one binomial per cell (all cells)", floor_wall * 1e9, "ns/cell", cpu=floor_cpu * 1e9,
        note=f"rng.binomial on (100 draws, school, grade, group): {district.enrolled.size:,} cells")
    live_wall, live_cpu = binomial_floor(district, live=True)
    row("numpy floor: one binomial per live cell", live_wall * 1e9, "ns/cell", cpu=live_cpu * 1e9,
        note=f"rng.binomial on (100 draws, live cell): {live.n_cells:,} live cells "
             f"({int((district.enrolled > 0).sum()):,} hold pupils at the start)")
    w, c, _ = timed(lambda: sim.run(district, base, years=7, mode="expected"), 20)
    row("one expected run, 7 years", w * 1e3, "ms", 5, cpu=c * 1e3)
    w, c, _ = timed(lambda: sim.run(district, base, years=7, mode="stochastic"), 20)
    row("one stochastic run, 7 years", w * 1e3, "ms", 50, cpu=c * 1e3)
    ew, ec, lw, lc = engine_per_cell_year(district, base)
    row("engine per cell-year (stochastic, 100 draws), all cells", ew * 1e9, "ns", cpu=ec * 1e9)
    row("engine per cell-year ÷ floor over all cells (CPU)", ec / floor_cpu, "×",
        note=f"wall ratio {ew / floor_wall:.2f}×")
    row("engine per live cell-year (stochastic, 100 draws)", lw * 1e9, "ns", cpu=lc * 1e9)
    row("engine per live cell-year ÷ floor over live cells (CPU)", lc / live_cpu, "×", 3,
        note=f"wall ratio {lw / live_wall:.2f}×; the engine draws two binomials per live cell-year "
             "(returns and dropouts)")

    w, c, cmp = timed(lambda: sim.compare(district, [base, other], draws=draws, progress=False, mode=COMPARE_MODE), 1)
    target = 10 * draws / 1000
    row(f"compare {draws:,} draws × 2 scenarios, 1 process", w, "s", target, cpu=c,
        note="target scaled to the draws" if args.quick else "")
    wb, cb, _ = timed(lambda: (cmp.__dict__.pop("_unit_samples", None),  # not the cached re-run
                               cmp.breakdown("child_years_out_of_school.total", by="school"))[1], 1)
    row("breakdown by school of that comparison ÷ the compare (CPU)", cb / c, "×", 1.5,
        note=f"first call: re-runs both scenarios on the same draws; {wb:.1f} s wall")
    try:
        w2, c2 = compare_on_two_cores(district, draws)
        row(f"compare {draws:,} draws × 2 scenarios, 2 worker processes", w2, "s", target,
            note="Dask LocalCluster(2 processes); identical numbers to 1 process")
    except Exception as exc:  # pragma: no cover - benchmark keeps going
        row(f"compare {draws:,} draws × 2 scenarios, 2 worker processes", float("nan"), "s", target,
            note=f"failed: {exc}")
    try:
        from simulate.views.dashboard.outputs import widget_latency

        lat = widget_latency(district=district)
        row("slider change → refreshed numbers (median)", lat["median_seconds"] * 1e3, "ms", 250,
            note=f"max {lat['max_seconds'] * 1e3:.0f} ms over {lat['repeats']} changes")
    except ImportError:
        row("slider change → refreshed numbers", float("nan"), "ms", 250, note="simulate.views.dashboard.app not importable")

    n_sets = 2000 if args.quick else 20_000
    w, c = parameter_sets(district, n_sets)
    row(f"{n_sets:,} expected-mode parameter sets, 1 process", w, "s", 120 * n_sets / 20_000, cpu=c,
        note="ModelEvaluator, 10 factors, chunks of 100 sets" + ("; target scaled to the sets" if args.quick else ""))
    if not args.quick:
        try:
            from dask.distributed import Client, LocalCluster

            with LocalCluster(processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None) as cl, \
                    Client(cl) as client:
                w, _ = parameter_sets(district, n_sets, client=client)
            row(f"{n_sets:,} expected-mode parameter sets, 2 worker processes", w, "s", 120,
                note="the same batches on a Dask LocalCluster(2 processes)")
        except Exception as exc:  # pragma: no cover - benchmark keeps going
            row(f"{n_sets:,} expected-mode parameter sets, 2 worker processes", float("nan"), "s", 120,
                note=f"failed: {exc}")

    from simulate.analysis.optimize import optimize

    wo, co = time.perf_counter(), time.process_time()
    opt = optimize(district, budget=5e6, maxiter=8 if args.quick else 25)
    row("optimize --budget 5e6 (expected mode search)", time.perf_counter() - wo, "s", cpu=time.process_time() - co,
        note=f"{opt.evaluations} expected runs; objective {opt.value:.3f}")

    from simulate.analysis.sweep import load_grid, sweep

    grid = dataclasses.replace(load_grid(ROOT / "params" / "sweeps" / "example.yaml"), mode=COMPARE_MODE)
    sweep_draws = 10 if args.quick else 40
    with tempfile.TemporaryDirectory() as tmp:
        wo = time.perf_counter()
        done = sweep(district, grid, draws=sweep_draws, progress=False, out=Path(tmp) / "sweep")
        took = time.perf_counter() - wo
    row(f"sweep example grid ({len(grid.points)} points × {sweep_draws} draws), embedded LocalCluster",
        took, "s", note=f"{len(done.manifest['tasks'])} Parquet files; includes cluster start")

    scale(5000, "province", 20 * 1024, run_target=0.5)
    if not args.quick:
        scale(200_000, "national", 8 * 1024, run_target=60)

    print("\n" + markdown_table())
    if args.write:
        notes = profile_compare(district, 100)
        text = (f"# Benchmark results\n\nMachine: {_machine()}. Command: `python benchmarks/run.py"
                f"{' --quick' if args.quick else ''}`.\n\n{markdown_table()}\n\n## Where compare() spends its time\n\n"
                f"{notes}\n")
        Path(args.write).write_text(text, encoding="utf-8")
        print(f"\nwrote {args.write}")
    return 0


def _machine() -> str:
    import os
    import platform

    try:
        load = ", load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = ""
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores{load}, numpy {np.__version__}"


if __name__ == "__main__":
    sys.exit(main())
