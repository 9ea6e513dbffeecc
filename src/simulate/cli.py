"""The ``simulate`` command.

    simulate run SCENARIO [--years 7] [--seed 0] [--mode expected|stochastic] [--out DIR] [--versus OTHER]
    simulate validate [PATH ...]            check what PATH holds (default: every params and data file)
    simulate synthesize [--schools N] [--seed S] [--out DIR]
    simulate compare A B C [--reference R] [--draws N] [--mode expected|stochastic] [--no-attribution]
                           [--scheduler ADDRESS] [--out DIR]
    simulate findings | calibrate | sweep | optimize   (see --help of each)

Errors in user input go to stderr with exit code 1 and no traceback. Output
folders follow one rule (:func:`simulate.provenance.check_output_target`):
new, empty, or a previous output of simulate; ``--force`` replaces only a
previous simulate output. Ctrl-C (or SIGTERM) prints one line, stops child
processes, leaves no partial output and exits with 130 (143).

Heavy modules are imported inside the commands, so that an interrupt during
start-up is handled like any other.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import signal
import sys
import threading
import warnings
from pathlib import Path

from .errors import SimulateError  # imports nothing: ScenarioError, DistrictError, … derive from it

USER_ERRORS = (SimulateError, ValueError, FileNotFoundError, KeyError)
SYNTHESIZE_MAX_SCHOOLS = 200_000  # the national benchmark district; more does not fit in memory
PLUGINS = ("simulate.views.findings.pipeline", "simulate.analysis.calibrate", "simulate.analysis.sweep", "simulate.analysis.optimize", "simulate.analysis.sensitivity",
           "simulate.views.dashboard.serve")

HEADLINE = [  # time out of school first (what planners mean); dropout events and rates after
    ("child_years_out_of_school.total", "Child-years out of school, this year", "int"),
    ("child_years_out_of_school.cumulative.total", "Child-years out of school since the first year", "int"),
    ("children_never_returned.total", "Children who left school, not returned by year end", "int"),
    ("dropouts", "Dropouts this year (events; a returner can leave twice)", "int"),
    ("dropout_rate.primary", "Primary dropout rate", "pct"),
    ("dropout_rate.junior", "Junior secondary dropout rate", "pct"),
    ("dropout_rate.junior.poor_rural", "Junior dropout, poor rural pupils", "pct"),
    ("consolidation_rate.nine_year", "Nine-year consolidation rate", "pct"),
    ("dropout_gap.urban_rural.junior", "Rural–urban junior dropout gap (pp)", "num"),
    ("dropout_gap.poor.junior", "Poor–non-poor junior dropout gap (pp)", "num"),
    ("learning_gap.urban_rural", "Urban–rural learning gap (SD)", "num"),
    ("learning_gap.poor", "Non-poor–poor learning gap (SD)", "num"),
    ("disabled_enrolment_rate", "Disabled children enrolled", "pct"),
    ("ptr.mountain", "Pupils per teacher, mountain schools", "num"),
    ("spending_per_pupil.mountain", "Recurrent yuan per pupil, mountain", "yuan"),
    ("out_of_school", "Children out of school (end of year)", "num"),
    ("cost.total", "Total cost, 万元/year", "wan"),
]


def _fmt(value: float, kind: str) -> str:
    import pandas as pd

    if pd.isna(value):
        return "n/a"
    if kind == "pct":
        return f"{100 * value:.2f}%"
    if kind == "yuan":
        return f"{value:,.0f}"
    if kind == "wan":
        return f"{value / 1e4:,.0f}"
    if kind == "int":
        return f"{value:,.0f}"
    return f"{value:,.3f}"


def headline_table(results: dict, year: int | None = None):
    """Headline indicators of several runs side by side (first or given year), as a DataFrame."""
    import pandas as pd

    rows = []
    for key, label, kind in HEADLINE:
        row = {"indicator": label}
        for name, r in results.items():
            y = year if year is not None else r.years[0].year
            try:
                row[name] = _fmt(r.indicator(key, y), kind)
            except KeyError:
                row[name] = "n/a"
        rows.append(row)
    return pd.DataFrame(rows)


def _scenario_inputs(scenarios) -> list[str]:
    """The files the scenarios were read from (what an output may not replace)."""
    return [s.source for s in scenarios if Path(s.source).is_file()]


def cmd_run(args) -> int:
    import json

    from . import provenance
    from .analysis.comparison import CENTRAL_LABEL
    from .analysis.result import run
    from .inputs.load import load_district
    from .inputs.scenario import load_scenario

    district = load_district(args.district)
    _calibration_note("run", district)
    scenarios = [load_scenario(n) for n in [args.scenario, *([args.versus] if args.versus else [])]]
    names = [s.name for s in scenarios]  # folder names: the scenario's name, never the path given
    if len(set(names)) < len(names):
        raise ValueError(f"--versus {args.versus}: the same scenario name ({names[0]!r}) as SCENARIO; "
                         "compare two different scenarios")
    inputs = [district.source, *_scenario_inputs(scenarios)]
    if args.out:
        provenance.check_output_target(args.out, "run", force=args.force, inputs=inputs, what="--out")
    results = {n: run(district, s, years=args.years, seed=args.seed, mode=args.mode)
               for n, s in zip(names, scenarios)}
    scaled = _scaling_report(district, dict(zip(names, scenarios)))
    unspent = [r.capital_note() for r in results.values()]
    for note in filter(None, unspent):
        print(f"\nnote: {note}")
    last = results[names[0]].years[-1].year
    for year in sorted({results[names[0]].years[0].year, last}):
        print(f"\n{district.name}: {' vs '.join(names)} — {year} ({args.mode} mode, {CENTRAL_LABEL})")
        print(headline_table(results, year).to_string(index=False))
    if args.out:
        with provenance.atomic_dir(args.out, "run", force=args.force, inputs=inputs, what="--out") as tmp:
            for n, r in results.items():
                (tmp / n).mkdir()
                r.write_tables(tmp / n)
            record = provenance.manifest(
                {"run": args.seed}, provenance.sha256_of_obj({n: s.params_hash for n, s in zip(names, scenarios)}),
                district.data_hash, output_kind="run",
                extra={"scenarios": names, "district": district.name, "district_source": district.source,
                       "mode": args.mode, "years": args.years, "scaled_quantities": scaled,
                       "capital_unspent": {n: r.capital_use[r.capital_use["unspent_yuan"] > 0].to_dict("records")
                                           for n, r in results.items()},
                       "parameters": CENTRAL_LABEL})
            (tmp / provenance.MANIFEST_FILE).write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n",
                                                        encoding="utf-8")
        print(f"\nwrote tidy tables (CSV + Parquet + manifest.json) to {args.out}/{{{','.join(names)}}}")
    return 0


def _validation_plan(path: str, params_dir: Path) -> list[tuple[str, Path | str]]:
    """What ``simulate validate PATH`` checks: ("scenario" | "district", path) pairs; ValueError naming
    PATH if it does not exist or holds nothing to check."""
    # one rule for a district folder, shared with the dashboard's district dropdown
    from .inputs.load import DISTRICT_FILES, district_folders, is_district_folder

    p = Path(path)
    if not p.exists():
        raise ValueError(f"{path}: no such file or folder")
    if p.is_file():
        if p.suffix not in (".yaml", ".yml"):
            raise ValueError(f"{path}: not a scenario file (.yaml) or a folder; give a scenario file, a folder of "
                             "scenario files, a district folder or a folder of district folders")
        return [("scenario", "baseline" if p.resolve() == (params_dir / "baseline.yaml").resolve() else p)]
    if not p.is_dir():
        raise ValueError(f"{path}: not a file or folder")
    if is_district_folder(p):  # the district, and the scenarios written for it (in it or in its scenarios/)
        own = [f for d in (p, p / "scenarios") for f in sorted([*d.glob("*.yaml"), *d.glob("*.yml")])
               if f.is_file() and f.name not in ("calibration.yaml", "targets.yaml")]
        return [("district", p), *(("scenario", f) for f in own)]
    plan: list[tuple[str, Path | str]] = []
    if p.resolve() == params_dir.resolve():  # the parameter folder: baseline and its scenarios
        plan.append(("scenario", "baseline"))
        p = p / "scenarios"
    plan += [("scenario", f) for f in sorted([*p.glob("*.yaml"), *p.glob("*.yml")]) if f.is_file()]
    plan += [("district", d) for d in district_folders(p)]
    if not plan:
        raise ValueError(f"{path}: holds nothing to check (no scenario .yaml files, no {' or '.join(DISTRICT_FILES)}, "
                         "no district folders holding them)")
    return plan


def cmd_validate(args) -> int:
    from .inputs.district import DistrictError
    from .inputs.load import default_data_dir, load_district
    from .inputs.scenario import ScenarioError, available_scenarios, load_scenario, params_dir

    if args.paths:
        plan = [item for path in args.paths for item in _validation_plan(path, params_dir())]
    else:  # the repository's params/ and data/ (or --data)
        plan = [("scenario", name) for name in available_scenarios()]
        data_root = Path(args.data) if args.data else default_data_dir()
        if args.data and not data_root.is_dir():
            raise ValueError(f"--data {args.data}: no such folder")
        from .inputs.load import DISTRICT_FILES, district_folders

        folders = district_folders(data_root)
        if args.data and not folders:
            raise ValueError(f"--data {args.data}: holds no district folders (folders with "
                             f"{' or '.join(DISTRICT_FILES)})")
        plan += [("district", d) for d in folders]
    errors: list[str] = []
    for kind, item in plan:
        try:
            load_scenario(item) if kind == "scenario" else load_district(item)
        except (ScenarioError, DistrictError) as exc:
            errors.append(str(exc))
    n = {k: sum(kind == k for kind, _ in plan) for k in ("scenario", "district")}
    counted = " and ".join(f"{n[k]} {label}{'s' * (n[k] != 1)}" for k, label in
                           (("scenario", "scenario file"), ("district", "district folder")) if n[k])
    if errors:
        print("\n".join(errors), file=sys.stderr)
        print(f"{len(errors)} of {len(plan)} checked ({counted}) are invalid", file=sys.stderr)
        return 1
    print(f"checked {counted}: all valid")
    return 0


def cmd_synthesize(args) -> int:
    from .inputs.synthesize import synthesize
    from .provenance import check_output_target

    check_output_target(args.out, "district", force=args.force, what="--out")
    district = synthesize(n_schools=args.schools, seed=args.seed, name=args.name)
    district.to_dir(args.out, force=args.force)
    print(f"wrote a synthetic district of {district.n_schools} schools "
          f"({int(district.enrolled.sum()):,} pupils) to {args.out}")
    return 0


def cmd_compare(args) -> int:
    from .analysis.cluster import closing
    from .analysis.comparison import compare
    from .analysis.sensitivity import connect
    from .inputs.load import load_district

    from .inputs.scenario import load_scenario
    from .provenance import check_output_target

    district = load_district(args.district)
    _calibration_note("compare", district)
    inputs = [district.source, *_scenario_inputs(load_scenario(n) for n in {*args.scenarios, args.reference})]
    if args.out:
        check_output_target(args.out, "compare", force=args.force, inputs=inputs, what="--out")
    client, owned = connect(args.scheduler)  # --scheduler: the draws as tasks on that Dask cluster
    with closing(owned):  # after Ctrl-C: quietly
        cmp = compare(district, args.scenarios, reference=args.reference, draws=args.draws,
                      seed=args.seed, years=args.years, interval=args.interval, mode=args.mode, progress=True,
                      attribution=not args.no_attribution, client=client)
    for name, (groups, exact) in cmp.attribution_plan().items():  # before the work, on stderr beside the bars
        if groups > 1:
            orders = cmp.attribution_settings["permutations"]
            how = f"exact, {2 ** groups} runs" if exact else \
                f"{orders} sampled orders, at most {min(2 ** groups, orders * (groups - 1) + 2):,} runs"
            print(f"attribution of {name}: {groups} lever groups, Shapley in expected mode ({how}; "
                  f"--no-attribution skips it)", file=sys.stderr)
    cmp.attribute(progress=True)
    print(cmp.summary())
    if args.out:
        cmp.to_dir(args.out, force=args.force, inputs=inputs)
        print(f"wrote table.csv, {'attribution.csv, ' if cmp.attribution is not None else ''}summary.md and "
              f"manifest.json to {args.out}")
    return 0


def _scaling_report(district, scenarios: dict) -> dict:
    """Print, per scenario, each quantity scaled to the district's size and each run as written (the
    value used); return them for the manifest ({} on Banan)."""
    from .inputs.scaling import scaled_lines, scaled_quantities

    records = {n: scaled_quantities(s, district) for n, s in scenarios.items()}
    lines = [line for n, r in records.items() for line in scaled_lines(n, r, district.name)]
    if lines:
        print(f"\nquantities this run uses on district {district.name!r} (Banan's package scales with the "
              "district's size; numbers written for the district run as written):")
        print("\n".join("  " + line for line in lines))
    return {n: r for n, r in records.items() if r}


def _calibration_note(command: str, district) -> None:
    """Once per command, on stderr: which intercepts the district's runs use (nothing for Banan)."""
    from .inputs.overlay import calibration_note

    note = calibration_note(district)
    if note:
        print(f"simulate {command}: note: {note}", file=sys.stderr)


@contextlib.contextmanager
def _warnings_printed(command: str):
    """Scenario-scale warnings (ScaleWarning, naming the leaf) as one line each on stderr."""
    from .inputs.scaling import ScaleWarning

    with warnings.catch_warnings():
        shown = warnings.showwarning

        def show(message, category, *args, **kwargs):
            if issubclass(category, ScaleWarning):
                print(f"simulate {command}: warning: {message}", file=sys.stderr)
            else:
                shown(message, category, *args, **kwargs)

        warnings.showwarning = show
        warnings.simplefilter("default", ScaleWarning)
        yield


def cmd_district_import(args) -> int:
    from .inputs.bureau import import_files
    from .provenance import check_output_target

    inputs = [p for p in (args.schools, args.pupils, args.seed_table) if p]
    check_output_target(args.out, "district", force=args.force, inputs=inputs, what="--out")
    result = import_files(args.schools, args.pupils, seed_path=args.seed_table, name=args.name or Path(args.out).name)
    check, images = _district_check(result)
    result.district.to_dir(args.out, force=args.force, extra_files=result.extra_files(check, images))
    d = result.district
    print(f"imported {d.n_schools} schools ({int(d.enrolled.sum()):,} pupils) to {args.out}")
    for note in result.notes:
        print(f"  {note}")
    flagged = check.count("\n- ")
    print(f"  district check: {flagged} school{'s' * (flagged != 1)} flagged (see import_notes.md)")
    return 0


def _district_check(result) -> tuple[str, dict[str, bytes]]:
    """The district check's section of import_notes.md, and the map of the schools when coordinates are given."""
    from .analysis.district_check import check_markdown, district_check

    table = district_check(result.district, result.defaults)
    images = {}
    if result.locations is not None and result.locations[["longitude", "latitude"]].notna().all(axis=1).any():
        from .views.district_map import school_map

        images["school_map.png"] = school_map(result.locations, result.district.schools)
    return check_markdown(table, result.lang, "school_map.png" if images else None), images


def build_parser() -> argparse.ArgumentParser:
    from .inputs.limits import MAX_SEED, MAX_YEARS, draws_flag, int_flag, name_flag, path_flag, real_flag
    from .analysis.sweep import _scheduler_flag as scheduler_flag
    from .inputs.scenario import scenario_flag

    years, seed = int_flag(1, MAX_YEARS), int_flag(0, MAX_SEED)  # every numeric flag bounded (inputs/limits.py)
    parser = argparse.ArgumentParser(prog="simulate", description="Education-equity policy workbench.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="simulate one scenario (optionally against another) and print headline indicators")
    p.add_argument("scenario", type=scenario_flag, help="scenario name under params/ (e.g. baseline) or a YAML path")
    p.add_argument("--versus", type=scenario_flag, help="a second scenario to show beside it (e.g. no_policy)")
    p.add_argument("--years", type=years, default=7, help=f"1 to {MAX_YEARS} (default: %(default)s)")
    p.add_argument("--seed", type=seed, default=0, help="0 to 2**32-1 (default: %(default)s)")
    p.add_argument("--mode", choices=("expected", "stochastic"), default="expected",
                   help="expected: deterministic expected flows; stochastic: binomial counts (default: %(default)s)")
    p.add_argument("--district", type=path_flag, help="district folder (default data/banan)")
    p.add_argument("--out", help="write tidy tables here (one folder per scenario); a new or empty folder, "
                                 "or a previous `simulate run` output")
    p.add_argument("--force", action="store_true",
                   help="replace a previous simulate output of another kind at --out "
                        "(never a folder simulate did not write)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("validate", help="check scenario files and district folders; list all errors",
                       description="Check exactly what PATH holds — a scenario file, a folder of scenario files, "
                                   "a district folder or a folder of district folders — and list every error. "
                                   "Without PATH: params/ (baseline and every scenario) and every district in data/.")
    p.add_argument("paths", nargs="*", metavar="PATH", type=path_flag, help="what to check (default: params/ and data/)")
    p.add_argument("--data", type=path_flag, help="without PATH: the folder holding district folders (default data/)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("synthesize", help="write a synthetic district (default: the Banan-like district)")
    p.add_argument("--schools", type=int_flag(1, SYNTHESIZE_MAX_SCHOOLS), default=123,
                   help=f"1 to {SYNTHESIZE_MAX_SCHOOLS:,} (default: %(default)s)")
    p.add_argument("--seed", type=seed, default=2019, help="random seed, 0 to 2**32-1 (default: %(default)s)")
    p.add_argument("--name", type=name_flag, default="banan",
                   help="district name (default: %(default)s)")
    p.add_argument("--out", default="data/banan",
                   help="district folder: new or empty; a district folder written by synthesize only with "
                        "--force (default: %(default)s)")
    p.add_argument("--force", action="store_true",
                   help="replace a district folder written by synthesize (its other files, e.g. targets.yaml, "
                        "are kept); never a folder simulate did not write")
    p.set_defaults(func=cmd_synthesize)

    p = sub.add_parser("compare", help="compare scenarios over many draws with intervals and costs")
    p.add_argument("scenarios", nargs="+", type=scenario_flag, metavar="SCENARIO",
                   help="scenario names under params/ or YAML paths, compared with --reference")
    p.add_argument("--reference", type=scenario_flag, default="baseline",
                   help="scenario every difference is taken against (default: %(default)s)")
    p.add_argument("--draws", type=draws_flag, default=200,
                   help="draws per scenario, at least 1; at most what fits in memory (default: %(default)s)")
    p.add_argument("--seed", type=seed, default=0, help="0 to 2**32-1 (default: %(default)s)")
    p.add_argument("--years", type=years, default=7, help=f"1 to {MAX_YEARS} (default: %(default)s)")
    p.add_argument("--interval", type=real_flag(0, 1, open_lo=True, open_hi=True), default=0.9,
                   help="central interval, strictly between 0 and 1 (default: %(default)s)")
    p.add_argument("--mode", choices=("expected", "stochastic"), default="expected",
                   help="expected: every summary over parameter draws with expected flows; stochastic: also "
                        "binomial pupil flows, their chance reported apart (a 'chance' column) (default: %(default)s)")
    p.add_argument("--district", type=path_flag, help="district folder (default data/banan)")
    p.add_argument("--no-attribution", action="store_true",
                   help="skip the Shapley split of each scenario's difference among the lever groups it changes "
                        "(default: on; 2^groups expected-mode runs per scenario, sampled beyond 8 groups)")
    p.add_argument("--scheduler", type=scheduler_flag,
                   help="run the draws as tasks on the Dask scheduler at this address, e.g. tcp://host:8786 "
                        "(default: this process; the numbers are identical)")
    p.add_argument("--out", help="write table.csv, attribution.csv, summary.md and manifest.json here; a new or "
                                 "empty folder, or a previous `simulate compare` output")
    p.add_argument("--force", action="store_true",
                   help="replace a previous simulate output of another kind at --out "
                        "(never a folder simulate did not write)")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("district", help="bring your own district: import a bureau's statistics")
    dsub = p.add_subparsers(dest="district_command", required=True)
    p = dsub.add_parser("import", help="school statistics (+ pupil register) → a district folder",
                        description="Read the school-level education statistics (CSV or .xlsx, English or Chinese "
                                    "headers; templates in data/templates/) and optionally the pupil register's "
                                    "counts by school and grade, and write a district folder.")
    p.add_argument("schools", metavar="TABLE",
                   help="school table (data/templates/bureau_schools.csv or bureau_schools_zh.csv)")
    p.add_argument("--pupils", help="pupil register counts by school and grade (data/templates/bureau_pupils.csv)")
    p.add_argument("--seed-table", help="IPF seed: 16 rows poor,left_behind,disabled,migrant,weight "
                                        "(default: independence, left-behind and migrant exclusive)")
    p.add_argument("--name", type=name_flag, help="district name (default: the --out folder's name)")
    p.add_argument("--out", required=True, help="district folder: new or empty; a district folder written by "
                                                "simulate only with --force")
    p.add_argument("--force", action="store_true", help="replace a district folder simulate wrote")
    p.set_defaults(func=cmd_district_import)

    for module in PLUGINS:
        try:
            mod = importlib.import_module(module)
        except ImportError:
            continue
        if hasattr(mod, "add_cli"):
            mod.add_cli(sub)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C (same clean-up), reported as "terminated", exit code 143."""


def _raise_terminated(signum, frame):
    raise Terminated


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((a for a in argv if not a.startswith("-")), "")
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _raise_terminated) if in_main_thread else None
    try:
        from . import provenance

        already = len(provenance.completed_outputs())
        try:
            parser = build_parser()
            args = parser.parse_args(argv)
            command = args.command
            with _warnings_printed(command):
                return int(args.func(args) or 0)
        except USER_ERRORS as exc:
            message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
            print(f"simulate {command}: error: {message}", file=sys.stderr)
            return 1
    except KeyboardInterrupt as exc:
        if in_main_thread:  # a second Ctrl-C does not interrupt the clean-up
            sigint = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            from . import provenance

            if "distributed" in sys.modules:  # the process is ending: Dask's logs may not print after the line
                from .analysis.cluster import silence_dask_logs

                silence_dask_logs()
            provenance.stop_child_processes(timeout=1.0)
            tqdm = sys.modules.get("tqdm.std")  # close progress bars now, or they redraw after the message
            for bar in list(getattr(getattr(tqdm, "tqdm", None), "_instances", ())):
                bar.close()
            written = provenance.completed_outputs()[already:] if "already" in locals() else []
        finally:
            if in_main_thread:
                signal.signal(signal.SIGINT, sigint if sigint is not None else signal.default_int_handler)
        what = "terminated" if isinstance(exc, Terminated) else "interrupted"
        done = f"only {', '.join(map(str, written))} was written" if written else "no output written"
        print(f"simulate {command or '(starting)'}: {what}; {done}", file=sys.stderr)
        return 143 if isinstance(exc, Terminated) else 130
    finally:
        if in_main_thread and previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
