"""Scenario grids × draws on Dask: ``sweep()`` and ``simulate sweep GRID.yaml``.

A grid file (``params/sweeps/*.yaml``) names a base scenario and axes of
parameter values; every combination of axis values is a *grid point* (a
scenario = base + those changes)::

    base: baseline           # scenario name or path (in Python also a Scenario object)
    draws: 200               # draws per grid point
    seed: 0
    years: 7
    chunk: 100               # draws per task (optional; default 100, fewer for huge districts)
    mode: expected           # optional; the default, as for compare() (see below)
    axes:
      budget.student_aid.registered_poor.yuan_per_pupil: [1000, 2000, 3000]
      teachers.support.count: [0, 20, 60]

Each *task* is one grid point × one chunk of draws and writes one Parquet file
``parts/pointNNNN/drawsDDDDDD.parquet`` (tidy: point, one column per axis,
draw, year, indicator, value); nothing is gathered in memory. ``sweep_manifest.json``
records the grid, every point's changes and parameter hash, the seeds, the
task list, the data hash and package versions. Beside them, ``table.csv`` is the
combined tidy table (point, one column per axis, indicator, year, mean, lo, hi over
the draws, 90% interval; :func:`simulate.provenance.write_csv`) and ``summary.md``
says what was run and ranks the points by the headline indicator (cumulative
child-years out of school in the last year). The output folder appears only
when every task has succeeded (:func:`simulate.provenance.atomic_dir`).

Mode: every draw samples the uncertain parameters, as :func:`simulate.compare` does. In
``expected`` mode (the default, as for ``run``, ``compare`` and ``sensitivity``) pupil flows are
expected numbers, so a point's values are ``compare``'s samples exactly; ``stochastic`` also draws
binomial pupil flows, so each value holds their chance too (``compare(mode="stochastic")`` keeps
that chance apart: its sample plus its ``chance:`` sample is the sweep's value).

Reproducibility: a task's random numbers depend only on (seed, first draw of
its chunk, year, purpose) and the parameter draws on (seed, parameter path),
exactly as in :func:`simulate.compare` — never on the grid point or on which
worker ran it. So grid points share their draws (differences between points
are paired), and :func:`rerun_point` (or ``compare([point scenario], draws,
seed, chunk=chunk, mode=mode)``) reproduces any point's numbers exactly, alone.

Scheduling: ``client=None`` starts an embedded ``LocalCluster`` (2 worker
processes, one thread each — numpy is single-threaded here); an address
(``tcp://host:8786``) or a ``distributed.Client`` uses that cluster unchanged
(workers must then see the output folder, e.g. a shared file system);
``client="serial"`` runs the tasks one by one in this process (same numbers).
"""

from __future__ import annotations

import difflib
import itertools
import json
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..errors import InputError, SimulateError, short
from ..inputs.district import District
from ..inputs.load import load_district
from ..inputs.scenario import Scenario, ScenarioError, load_scenario
from ..inputs.yamlfile import read_mapping

MAX_GRID_POINTS = 10_000  # each point is validated as a scenario (~1 ms) and is a task per chunk of draws
GRID_KEYS = {"base", "draws", "seed", "years", "chunk", "mode", "axes", "indicators", "district"}
DEFAULT_CHUNK = 100
MANIFEST = "sweep_manifest.json"


class GridError(SimulateError, ValueError):
    """A grid file problem, naming the file and key."""


@dataclass(frozen=True)
class Grid:
    """A validated sweep grid (see the module docstring for the file format)."""

    base: "str | Scenario"   # a scenario name, a .yaml path, or a Scenario object (e.g. from with_changes)
    axes: dict[str, list]
    draws: int = 100
    seed: int = 0
    years: int = 7
    chunk: int | None = None  # None: simulate.analysis.batches.default_chunk(district) when the sweep runs
    mode: str = "expected"   # as compare(): parameter draws; "stochastic" adds binomial pupil flows
    indicators: tuple[str, ...] | None = None
    district: str | None = None
    source: str = "<in memory>"

    @property
    def points(self) -> list[dict]:
        """Every combination of axis values, in file order (last axis fastest)."""
        keys = list(self.axes)
        return [dict(zip(keys, combo)) for combo in itertools.product(*(self.axes[k] for k in keys))]

    def chunks(self) -> list[tuple[int, int]]:
        """(first draw, draws) of each task's chunk; the same for every point."""
        chunk = self.chunk or DEFAULT_CHUNK
        return [(d0, min(chunk, self.draws - d0)) for d0 in range(0, self.draws, chunk)]

    def to_dict(self) -> dict:
        base = self.base
        extra = {}
        if isinstance(base, Scenario):  # made in Python: record its changes too (rerun_point needs it saved)
            base, extra = base.name, {"base_made_in_python": {"extends": base.extends, "changes": base.changes}}
        return {**{"base": base}, **extra, "draws": self.draws, "seed": self.seed, "years": self.years,
                "chunk": self.chunk, "mode": self.mode, "axes": self.axes,
                "indicators": list(self.indicators) if self.indicators else None, "district": self.district}


def _axis_values(values: list, where: str) -> list:
    """One dtype per axis (so every Parquet file has the same schema)."""
    if not isinstance(values, list) or not values:
        raise GridError(f"{where}: expected a non-empty list of values")
    if all(isinstance(v, bool) for v in values):
        return values
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return values if all(isinstance(v, int) for v in values) else [float(v) for v in values]
    if all(isinstance(v, str) for v in values):
        return values
    raise GridError(f"{where}: values must all be numbers, all true/false or all text, got {short(values)}")


def make_grid(doc: dict, source: str = "<in memory>") -> Grid:
    """Validate a grid mapping; every point is built as a scenario once (errors name the point)."""
    if not isinstance(doc, dict):
        raise GridError(f"{source}: expected a mapping with keys base, axes, draws, seed, years")
    unknown = sorted(set(doc) - GRID_KEYS)
    if unknown:
        raise GridError(f"{source}: {unknown[0]}: unknown key (expected one of {', '.join(sorted(GRID_KEYS))})")
    for key in ("base", "axes"):
        if key not in doc:
            raise GridError(f"{source}: {key}: missing")
    if not isinstance(doc["axes"], dict) or not doc["axes"]:
        raise GridError(f"{source}: axes: expected a mapping of dotted parameter paths to lists of values")
    from ..inputs import limits

    ints = {}
    for key, default, low, high in (("draws", 100, 1, limits.MAX_DRAWS), ("seed", 0, 0, limits.MAX_SEED),
                                    ("years", 7, 1, limits.MAX_YEARS), ("chunk", None, 1, limits.MAX_DRAWS)):
        v = doc.get(key, default)
        if v is None and key == "chunk":
            ints[key] = None
            continue
        try:
            ints[key] = limits.check_int(v, f"{source}: {key}", low, high)
        except InputError as exc:
            raise GridError(str(exc)) from None
    if not isinstance(doc["base"], (str, Scenario)) or not doc["base"]:
        raise GridError(f"{source}: base: expected a scenario name or a .yaml path, got {doc['base']!r:.80}")
    if doc.get("district") is not None and not isinstance(doc["district"], str):
        raise GridError(f"{source}: district: expected a district folder or name, got {doc['district']!r:.80}")
    bad_keys = [k for k in doc["axes"] if not isinstance(k, str) or not k]
    if bad_keys:
        raise GridError(f"{source}: axes: {bad_keys[0]!r:.80} is not a dotted parameter path")
    mode = doc.get("mode", "expected")
    if mode not in ("expected", "stochastic"):
        raise GridError(f"{source}: mode: expected 'expected' or 'stochastic', got {mode!r}")
    indicators = doc.get("indicators")
    if indicators is not None and (not isinstance(indicators, list) or not all(isinstance(i, str) for i in indicators)):
        raise GridError(f"{source}: indicators: expected a list of indicator names")
    axes = {str(k): _axis_values(v, f"{source}: axes.{k}") for k, v in doc["axes"].items()}
    n_points = math.prod(len(v) for v in axes.values())
    if n_points > MAX_GRID_POINTS:
        sizes = " × ".join(f"{len(v):,}" for v in axes.values())
        raise GridError(f"{source}: axes: {sizes} = {n_points:,} grid points; at most {MAX_GRID_POINTS:,} "
                        "(split the sweep into several grid files)")
    grid = Grid(base=doc["base"] if isinstance(doc["base"], Scenario) else str(doc["base"]), axes=axes, mode=mode, indicators=tuple(indicators) if indicators else None,
                district=doc.get("district"), source=source, **ints)
    base = _base_scenario(grid)
    for k in axes:
        if k not in base.leaves:
            raise GridError(f"{source}: axes.{k}: no such parameter in scenario '{base.name}'")
    for i, changes in enumerate(grid.points):
        try:
            point_scenario(base, changes, i)
        except ScenarioError as exc:
            raise GridError(f"{source}: grid point {i} {changes}: {exc}") from None
    return grid


def load_grid(path: str | Path) -> Grid:
    """A grid file by path, or by name under ``params/sweeps/`` (``example``)."""
    from ..inputs.scenario import params_dir

    from ..inputs.limits import path_problem

    problem = path_problem(path)
    if problem:
        raise GridError(f"{str(path)[:80]!r} {problem}")
    path = Path(path)
    if not path.exists():
        named = params_dir() / "sweeps" / (path.name if path.suffix in (".yaml", ".yml") else f"{path.name}.yaml")
        if path.parent != Path(".") or not named.exists():
            raise GridError(f"{path}: no such grid file")
        path = named
    doc = read_mapping(path, GridError, expected="a mapping with keys base, axes, draws, seed, years",
                       missing="no such grid file")
    return make_grid(doc, str(path))


def _base_scenario(grid: Grid) -> Scenario:
    if isinstance(grid.base, Scenario):
        return grid.base
    try:
        return load_scenario(grid.base)
    except ScenarioError as exc:
        raise GridError(f"{grid.source}: base: {exc}") from None


def point_scenario(base: Scenario, changes: dict, point: int) -> Scenario:
    """The scenario of one grid point (validated)."""
    return base.with_changes(changes, name=f"{base.name}@point{point:04d}",  # a point may repeat the base's value
                             description=f"{base.name} with {changes}", pin=True)


# ------------------------------------------------------------------ one task
def run_task(district: District, base: Scenario, grid: Grid, point: int, first_draw: int, draws: int,
             out: str | None) -> pd.DataFrame | dict:
    """Simulate one grid point × one chunk of draws; tidy rows.

    With ``out`` the rows go to ``out/parts/pointNNNN/drawsDDDDDD.parquet`` and a
    small record comes back; without it the DataFrame itself.
    """
    from ..measures.balance import comparison_indicators, context
    from ..model.engine import cells_of, simulate
    from ..model.outcomes import year_indicators

    changes = grid.points[point]
    scenario = point_scenario(base, changes, point)
    cells, balance_ctx = cells_of(district), context(district)
    frames = []
    for y in simulate(district, scenario, years=grid.years, seed=grid.seed, mode=grid.mode, draws=draws,
                      first_draw=first_draw, sample_parameters=True):
        values = {**year_indicators(y, cells), **comparison_indicators(y, balance_ctx)}  # as in compare()
        names = [k for k in values if grid.indicators is None or k in grid.indicators]
        block = np.stack([np.asarray(values[k], dtype=float) for k in names], axis=1)  # (draw, indicator)
        frames.append(pd.DataFrame({
            "draw": np.repeat(np.arange(first_draw, first_draw + draws), len(names)),
            "year": np.full(draws * len(names), y.year, dtype=np.int64),
            "indicator": np.tile(np.asarray(names, dtype=object), draws),
            "value": block.reshape(-1),
        }))
    df = pd.concat(frames, ignore_index=True)
    df.insert(0, "point", np.int64(point))
    for j, (k, v) in enumerate(changes.items()):
        df.insert(1 + j, k, v)
    df = df.sort_values(["draw", "year"], kind="stable", ignore_index=True)
    if out is None:
        return df
    path = Path(out) / "parts" / f"point{point:04d}" / f"draws{first_draw:06d}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_parquet(path, index=False)
    return {"point": point, "first_draw": first_draw, "draws": draws, "rows": len(df),
            "file": str(path.relative_to(out))}


# ------------------------------------------------------------------ the sweep
@dataclass(eq=False)
class Sweep:
    """A finished sweep on disk: ``load()`` reads the tidy rows, ``summary()`` means and intervals."""

    path: Path
    manifest: dict = field(repr=False)

    def load(self, point: int | None = None) -> pd.DataFrame:
        """The tidy rows of every point (or one) in memory; for sweeps too big for that, read
        ``path / "parts"`` with ``pandas.read_parquet`` filters or ``dask.dataframe.read_parquet``."""
        files = sorted((self.path / "parts").glob("point*/draws*.parquet" if point is None
                                                  else f"point{point:04d}/draws*.parquet"))
        return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)

    def summary(self, interval: float = 0.9) -> pd.DataFrame:
        """Mean and central interval over draws, per point × indicator × year."""
        return summarise(self.path, list(self.manifest["grid"]["axes"]), len(self.manifest["points"]), interval)


def summarise(path: str | Path, axes: list[str], points: int, interval: float = 0.9) -> pd.DataFrame:
    """The tidy table of a sweep folder: mean and central interval over draws per point × indicator × year,
    read one point at a time (the draws of all points are never in memory together)."""
    a = (1 - interval) / 2
    keys = ["point", *axes, "indicator", "year"]
    frames = []
    for point in range(points):
        files = sorted((Path(path) / "parts").glob(f"point{point:04d}/draws*.parquet"))
        if not files:
            continue
        g = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True).groupby(keys, sort=True)["value"]
        frames.append(pd.DataFrame({"mean": g.mean(), "lo": g.quantile(a), "hi": g.quantile(1 - a)}).reset_index())
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*keys, "mean", "lo", "hi"])


HEADLINE = "child_years_out_of_school.cumulative.total"


def summary_markdown(table: pd.DataFrame, grid: Grid, base: Scenario, tasks: int, interval: float = 0.9) -> str:
    """summary.md of a sweep: what ran, and the points ranked by the headline indicator in the last year."""
    pct = int(round(interval * 100))
    lines = [f"# Sweep of {grid.source}", "",
             f"Base scenario {base.name}; {len(grid.points)} grid points × {grid.draws} draws "
             f"({grid.mode} mode, seed {grid.seed}, {grid.years} years); {tasks} tasks.", "", "Axes:"]
    lines += [f"- `{axis}`: {', '.join(f'{v:,}' if isinstance(v, (int, float)) else str(v) for v in values)}"
              for axis, values in grid.axes.items()]
    indicator = HEADLINE if HEADLINE in set(table.indicator) else (table.indicator.iloc[0] if len(table) else None)
    if indicator is not None:
        last = table.year.max()
        t = table[(table.indicator == indicator) & (table.year == last)].sort_values(["mean", "point"])
        lines += ["", f"Points by `{indicator}` in {last}, best (lowest) first: mean over the draws and its "
                      f"central {pct}% interval.", "",
                  "| point | " + " | ".join(f"`{a}`" for a in grid.axes) + f" | mean | {pct}% interval |",
                  "|---|" + "---|" * len(grid.axes) + "---|---|"]
        for row in t.to_dict("records"):
            values = " | ".join(f"{row.get(a, ''):,}" if isinstance(row.get(a), (int, float)) else str(row.get(a, ""))
                                for a in grid.axes)
            lines.append(f"| {row['point']} | {values} | {row['mean']:,.1f} | {row['lo']:,.1f} – {row['hi']:,.1f} |")
    lines += ["", "Files: `table.csv` (every point × indicator × year: mean, lo, hi), `parts/` (every draw, "
                  f"Parquet), `{MANIFEST}` (grid, seeds, hashes; how to rerun a point)."]
    return "\n".join(lines) + "\n"


def sweep(district: District | None = None, grid: Grid | dict | str | Path = "example",
          draws: int | None = None, client=None, out: str | Path | None = None,
          progress: bool | None = None, force: bool = False, inputs=()) -> Sweep:
    """Run every grid point × chunk of draws as a task; stream results to Parquet under ``out``.

    ``draws`` overrides the grid's; ``client``: None (embedded LocalCluster),
    "serial", a scheduler address or a ``distributed.Client``. Returns a
    :class:`Sweep` pointing at ``out`` (a new temporary folder when None).
    ``out`` follows the output rule of :func:`simulate.provenance.check_output_target`
    (``force``: replace a previous simulate output of another kind; ``inputs``:
    files the target may not be or hold).
    """
    from tqdm.auto import tqdm

    from ..provenance import atomic_dir, manifest, write_csv
    from .cluster import client_for, closing

    if not isinstance(grid, Grid):
        grid = make_grid(grid) if isinstance(grid, dict) else load_grid(grid)
    if draws is not None:
        from ..inputs import limits

        grid = Grid(**{**grid.__dict__, "draws": limits.check_int(draws, "draws", 1, limits.MAX_DRAWS)})
    if district is None:
        district = load_district(grid.district)
    if grid.chunk is None:
        from .batches import default_chunk

        grid = Grid(**{**grid.__dict__, "chunk": default_chunk(district)})
    else:
        from .batches import check_chunk

        check_chunk(grid.chunk, district, f"{grid.source}: chunk")
    base = _base_scenario(grid)
    if grid.indicators:
        _check_indicators(district, base, grid)
    out = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix="sweep-")) / "sweep"
    jobs = [(i, d0, n) for i in range(len(grid.points)) for d0, n in grid.chunks()]
    show = progress if progress is not None else len(jobs) > 1
    records = []
    with atomic_dir(out, "sweep", force=force, inputs=inputs) as tmp:
        c, owned = client_for(client)
        bar = tqdm(total=len(jobs), desc="sweep", unit="task", disable=not show)
        try:
            with closing(owned):  # after Ctrl-C: quietly (analysis.cluster)
                if c is None:
                    for job in jobs:
                        records.append(run_task(district, base, grid, *job, str(tmp)))
                        bar.update(1)
                else:
                    from dask.distributed import as_completed

                    [d_fut] = c.scatter([district], broadcast=True)
                    [b_fut] = c.scatter([base], broadcast=True)
                    futures = [c.submit(run_task, d_fut, b_fut, grid, *job, str(tmp), pure=False) for job in jobs]
                    for fut in as_completed(futures):
                        records.append(fut.result())
                        bar.update(1)
        finally:
            bar.close()
        records.sort(key=lambda r: (r["point"], r["first_draw"]))
        table = summarise(tmp, list(grid.axes), len(grid.points))
        write_csv(table, tmp / "table.csv")
        (tmp / "summary.md").write_text(summary_markdown(table, grid, base, len(jobs)), encoding="utf-8")
        meta = manifest(
            seeds={"sweep": grid.seed}, params_hash=base.params_hash, data_hash=district.data_hash,
            output_kind="sweep",
            extra={"grid": grid.to_dict(), "grid_file": grid.source,
                   "points": [{"point": i, "changes": ch, "params_hash": point_scenario(base, ch, i).params_hash}
                              for i, ch in enumerate(grid.points)],
                   "tasks": records,
                   "random_streams": "pupil flows: (seed, purpose, year, first draw of the chunk); parameters: "
                                     "(seed, parameter path, draw). Independent of the grid point and worker.",
                   "rerun": "simulate.analysis.sweep.rerun_point(district, manifest, point) reproduces a point exactly"})
        (tmp / MANIFEST).write_text(json.dumps(meta, indent=2, ensure_ascii=False, default=str) + "\n",
                                    encoding="utf-8")
        marker = {k: v for k, v in meta.items() if k not in ("points", "tasks")} | {"details": MANIFEST}
        (tmp / "manifest.json").write_text(json.dumps(marker, indent=2, ensure_ascii=False, default=str) + "\n",
                                           encoding="utf-8")
    return Sweep(path=out, manifest=meta)


def _check_indicators(district: District, base: Scenario, grid: Grid) -> None:
    """Every name under ``indicators:`` must be an indicator a task writes (one short run tells which)."""
    from ..measures.balance import comparison_indicators, context
    from ..model.engine import cells_of, simulate

    from ..model.outcomes import year_indicators

    y = next(iter(simulate(district, base, years=1)))
    known = {*year_indicators(y, cells_of(district)), *comparison_indicators(y, context(district))}
    unknown = [i for i in grid.indicators if i not in known]
    if unknown:
        close = difflib.get_close_matches(unknown[0], sorted(known), n=1)
        raise GridError(f"{grid.source}: indicators: {unknown[0]!r} is not an indicator"
                        + (f" (did you mean {close[0]!r}?)" if close else f" (e.g. {', '.join(sorted(known)[:3])})"))


def rerun_point(district: District, manifest: dict | str | Path, point: int) -> pd.DataFrame:
    """One grid point re-run alone, in this process: the same rows as its Parquet files."""
    if not isinstance(manifest, dict):
        p = Path(manifest)
        manifest = json.loads((p / MANIFEST if p.is_dir() else p).read_text(encoding="utf-8"))
    grid = make_grid({k: v for k, v in manifest["grid"].items() if v is not None}, source="<manifest>")
    base = _base_scenario(grid)
    return pd.concat([run_task(district, base, grid, point, d0, n, None) for d0, n in grid.chunks()],
                     ignore_index=True)


# ------------------------------------------------------------------ CLI
def _scheduler_flag(text: str) -> str:
    """``--scheduler``: 'serial' or an address with a port (tcp://host:8786, host:8786); a typo such as
    'seril' would otherwise wait half a minute trying to connect to a host of that name."""
    import argparse

    from .cluster import ADDRESS

    if text != "serial" and not ADDRESS.fullmatch(text):
        raise argparse.ArgumentTypeError(f"expected 'serial' or a scheduler address with a port "
                                         f"(e.g. tcp://10.0.0.5:8786), got {text!r:.60}")
    return text


def add_cli(subparsers) -> None:
    from ..inputs.limits import draws_flag, path_flag

    p = subparsers.add_parser("sweep", help="run a grid of scenario changes × draws on Dask, to Parquet")
    p.add_argument("grid", type=path_flag, help="grid YAML (e.g. params/sweeps/example.yaml)")
    p.add_argument("--draws", type=draws_flag, help="draws per grid point (overrides the grid file)")
    p.add_argument("--scheduler", type=_scheduler_flag,
                   help="Dask scheduler address, e.g. tcp://host:8786 (default: an embedded LocalCluster); 'serial' for none")
    p.add_argument("--out", help="output folder: new, empty, or a previous sweep output "
                                 "(default outputs/sweep-<grid name>)")
    p.add_argument("--district", type=path_flag, help="district folder (default: the grid's, else data/banan)")
    p.add_argument("--force", action="store_true",
                   help="replace a previous simulate output of another kind at --out "
                        "(never a folder simulate did not write)")
    p.set_defaults(func=cmd_sweep)


def cmd_sweep(args) -> int:
    import sys

    from ..provenance import check_output_target

    try:
        grid = load_grid(args.grid)
        district = load_district(args.district or grid.district)
        out = args.out or f"outputs/sweep-{Path(args.grid).stem}"
        inputs = [args.grid, district.source]
        check_output_target(out, "sweep", force=args.force, inputs=inputs, what="--out")
        result = sweep(district, grid, draws=args.draws, client=args.scheduler, out=out, progress=True,
                       force=args.force, inputs=inputs)
    except (GridError, ScenarioError, ValueError, OSError) as exc:
        print(f"simulate sweep: error: {exc}", file=sys.stderr)
        return 1
    m = result.manifest
    print(f"wrote {len(m['tasks'])} Parquet files ({sum(t['rows'] for t in m['tasks']):,} rows) for "
          f"{len(m['points'])} grid points × {m['grid']['draws']} draws to {result.path}, "
          f"with table.csv (means and 90% intervals) and summary.md")
    return 0
