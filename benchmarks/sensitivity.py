"""Run counts and times of a full-size sensitivity study (Morris ~30 factors r = 20; Sobol' 10 factors N = 1024).

    python benchmarks/sensitivity.py [--sobol-n 1024] [--morris-r 20] [--factors 30]

One target (the baseline's poor–non-poor junior dropout gap in 2025), one
scenario per parameter set, expected mode, the default district; parameter sets
run on the engine's draw axis in chunks of 100 (``ModelEvaluator``). Factors:
every declared uncertainty, then assumed real-valued parameters ±50%
(``assumption_spread=0.5``) in tree order, up to ``--factors``; Sobol' on the
first 10 Morris ranks. Prints one Markdown table row per stage (for
benchmarks/RESULTS.md). A smaller ``--sobol-n`` gives a time to extrapolate
linearly (runs = N(k + 2)).
"""

from __future__ import annotations

import argparse
import os
import time

import simulate as sim
from simulate.analysis.factors import ModelEvaluator, Target, factors_from
from simulate.analysis.sensitivity import morris, screen, sobol


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sobol-n", type=int, default=1024)
    ap.add_argument("--morris-r", type=int, default=20)
    ap.add_argument("--factors", type=int, default=30)
    args = ap.parse_args()
    district, base = sim.load_district(), sim.load_scenario("baseline")
    factors = factors_from(base, assumption_spread=0.5)[: args.factors]
    target = [Target("dropout_gap.poor.junior")]
    ev = ModelEvaluator(district, target, factors, years=7)
    t0 = time.perf_counter()
    m = morris(factors, ev, r=args.morris_r)
    t_m = time.perf_counter() - t0
    kept = screen(m.table, keep_share=0.0, max_factors=10)
    ev10 = ModelEvaluator(district, target, [f for f in factors if f.path in kept], years=7)
    t0 = time.perf_counter()
    s = sobol(ev10.factors, ev10, n=args.sobol_n)
    t_s = time.perf_counter() - t0
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average after: {load}; {len(factors)} Morris factors, {len(kept)} Sobol' factors")
    print("| stage | factors | sample | model runs | seconds | ms per run |")
    print("|---|---|---|---|---|---|")
    print(f"| Morris | {len(factors)} | r = {args.morris_r} | {ev.runs:,} | {t_m:.1f} | {1000 * t_m / ev.runs:.1f} |")
    print(f"| Sobol' (S1, ST) | {len(kept)} | N = {args.sobol_n} | {ev10.runs:,} | {t_s:.1f} | "
          f"{1000 * t_s / ev10.runs:.1f} |")
    conv = s.convergence
    print(f"convergence N = {args.sobol_n // 2} vs {args.sobol_n}: max |S1 diff| {conv.S1_diff.abs().max():.3f}, "
          f"max |ST diff| {conv.ST_diff.abs().max():.3f}")


if __name__ == "__main__":
    main()
