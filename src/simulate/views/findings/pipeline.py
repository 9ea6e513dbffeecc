"""Regenerate every published table and figure: notebooks × parameter files → findings/.

``params/findings.yaml`` lists the runs; its paths are relative to the repository
root (the nearest folder above the config that holds ``pyproject.toml``)::

    runs:
      - name: district_baseline
        notebook: notebooks/01_district_baseline.ipynb
        parameters: params/findings/district_baseline.yaml  # optional mapping
    timeout_seconds: 900                                     # per cell

Conventions every findings notebook follows
-------------------------------------------
* One cell tagged ``parameters`` declares the defaults, including ``out_dir``
  (the pipeline injects the run's output folder, an absolute path) and usually
  ``seed``. A parameters file may only set names that cell declares.
* Tables go to ``out_dir/tables/*.csv``, written with
  :func:`simulate.provenance.write_csv`, so that the same commit and parameters
  give byte-identical CSVs (``simulate findings --check`` verifies this).
  Figures go to ``out_dir/figures/*.png``. Both folders exist at the start.
* Optionally ``out_dir/headline.json``: a list of
  ``{"label": str, "value": number or str, "unit": str}`` shown in the index.
* The kernel (``python3``, this environment's Python) runs in the notebook's
  own folder, ``notebooks/``, as it would in Jupyter.

Output: ``findings/{index.md, index.html, manifest.json}`` and per run
``findings/<name>/{<name>.ipynb, <name>.html (outputs only), tables/, figures/,
headline.json}``. Everything is built in a temporary folder and swapped in only
if every notebook succeeded (:func:`simulate.provenance.atomic_dir`).

A regeneration of the same inputs in the same place gives the same bytes in every committed
file, so ``git status`` stays clean: executed notebooks lose papermill's timestamps, durations
and temporary paths, and widget state and views (random model ids) in favour of a note pointing
to the run's static rendering; the HTML reports load nothing from the network (no require.js,
MathJax, mermaid or widget renderer from a CDN); ``manifest.json`` and the index record the
inputs (``inputs_commit``: the last commit that changed src/, notebooks/, params/ or data/, and
``inputs_sha256``) instead of HEAD, and what changes at every run (time, run seconds, HEAD,
platform) goes to ``last_run.json``, which is not committed (.gitignore). Kernels talk over IPC
sockets, not TCP.
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulate import provenance
from simulate.views.findings.config import (  # re-exported
    FindingsConfig, FindingsConfigError, FindingsRun, load_findings_config,
)
from simulate.views.findings.execute import KERNEL_NAME, _execute_all, _ipc_kernel_manager  # re-exported
from simulate.views.findings.report import (  # re-exported: FindingsError, compare_outputs
    LAST_RUN, FindingsError, _files, _html_exporter, _offline_html, _read_headline, _split_volatile,
    _tidy_notebook, _write_index, compare_outputs, inputs_fingerprint,
)

__all__ = [
    "FindingsConfig", "FindingsConfigError", "FindingsError", "FindingsRun", "add_cli",
    "check_against_committed", "check_parameters", "cli_findings", "compare_outputs",
    "ensure_kernel", "load_findings_config", "run_findings",
]

MAX_JOBS = 32  # notebooks at once (each a kernel of ~0.5 GB)
PathLike = str | os.PathLike[str]




@dataclass(frozen=True)
class _Plan:
    run: FindingsRun
    parameters: dict[str, Any]
    seed: Any


def _read_parameters(config: FindingsConfig, run: FindingsRun) -> dict[str, Any]:
    if run.parameters is None:
        return {}
    from simulate.inputs.yamlfile import read_mapping

    shown = config.rel(run.parameters)
    data = read_mapping(config.resolve(run.parameters), FindingsConfigError, empty_ok=True,
                        expected="a mapping of notebook parameter names to values")
    if not all(isinstance(k, str) for k in data):
        raise FindingsConfigError(f"{shown}: expected a mapping of notebook parameter names to values")
    return data


def _default(declared: dict[str, Any], key: str) -> Any:
    try:
        return ast.literal_eval(declared[key]["default"])
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None  # not a literal: any value


def _scenario_names(value: Any, key: str) -> None:
    from simulate.inputs.scenario import load_scenario

    for name in value if isinstance(value, list) else [value]:
        load_scenario(name)  # ScenarioError naming the name or file


def _check_known(key: str, value: Any) -> None:
    """Range checks of the parameter names the findings notebooks share (InputError/ScenarioError)."""
    from simulate.inputs import limits

    checks = {
        "years": limits.check_years, "seed": limits.check_seed,
        "draws": lambda v, k: limits.check_int(v, k, 1, limits.MAX_DRAWS),
        "curve_draws": lambda v, k: limits.check_int(v, k, 1, limits.MAX_DRAWS),
        "n_pupils": lambda v, k: limits.check_int(v, k, 1, 10_000_000),
        "interval": limits.check_interval, "level": limits.check_interval, "prior_level": limits.check_interval,
        "extra_budget_yuan_per_year": lambda v, k: limits.check_real(v, k, -1e10, 1e10),
        "scenarios": _scenario_names, "reference": _scenario_names, "start": _scenario_names,
        "mix_scenario": _scenario_names,
    }
    if key in checks:
        checks[key](value, key)


def _value_problems(params: dict[str, Any], declared: dict[str, Any], where: str) -> list[str]:
    """Each value has the type of the notebook's default (a bool is not a number, text is not a list)
    and, for the shared names (years, seed, draws, interval, scenarios, …), a valid value; checked
    before any kernel starts, so a bad value is one message instead of a failing cell."""
    from simulate.errors import SimulateError

    kinds = ((bool, "true or false", lambda v: isinstance(v, bool)),
             (int, "an integer", lambda v: isinstance(v, int) and not isinstance(v, bool)),
             (float, "a number", lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
              and math.isfinite(v)),
             (str, "text", lambda v: isinstance(v, str)),
             (list, "a list", lambda v: isinstance(v, list)),
             (dict, "a mapping", lambda v: isinstance(v, dict)))
    out = []
    for key, value in params.items():
        if key not in declared or key == "out_dir":
            continue
        default = _default(declared, key)
        kind = next((k for k in kinds if default is not None and type(default) is k[0]), None)
        if kind is not None and not kind[2](value):
            out.append(f"{where}: {key}: expected {kind[1]} (like the notebook's default {default!r:.60}), "
                       f"got {value!r:.60}")
            continue
        if isinstance(default, list) and default and all(isinstance(d, str) for d in default) \
                and not all(isinstance(v, str) for v in value):
            out.append(f"{where}: {key}: expected a list of text, got {value!r:.60}")
            continue
        try:
            _check_known(key, value)
        except SimulateError as exc:
            message = str(exc)
            out.append(f"{where}: {message}" if message.startswith(f"{key}:") else f"{where}: {key}: {message}")
    return out


def _plan_runs(config: FindingsConfig, runs: list[FindingsRun] | None = None) -> list[_Plan]:
    import papermill

    plans, problems = [], []
    for run in config.runs if runs is None else runs:
        nb, params = config.rel(run.notebook), _read_parameters(config, run)
        try:
            declared = papermill.inspect_notebook(str(config.resolve(run.notebook)))
        except Exception as exc:  # not notebook JSON, unknown language, …
            raise FindingsConfigError(f"{nb}: cannot read notebook: {exc}") from None
        where = config.rel(run.parameters) if run.parameters else nb
        if "out_dir" not in declared:
            problems.append(f"{nb}: declares no 'out_dir' parameter (set it in a cell tagged 'parameters')")
        if "out_dir" in params:
            problems.append(f"{where}: 'out_dir' is set by the pipeline; remove it")
        for key in sorted(set(params) - set(declared) - {"out_dir"}):
            problems.append(
                f"{where}: {key!r} is not a parameter of {nb} (its parameters: {', '.join(declared) or 'none'})"
            )
        problems += _value_problems(params, declared, where)
        seed = params.get("seed")
        if "seed" not in params and "seed" in declared:
            try:
                seed = ast.literal_eval(declared["seed"]["default"])
            except (ValueError, SyntaxError):
                seed = declared["seed"]["default"]
        plans.append(_Plan(run, params, seed))
    if problems:
        raise FindingsConfigError("\n".join(problems))
    return plans


def check_parameters(config: FindingsConfig) -> dict[str, dict[str, Any]]:
    """Check every parameters file against its notebook's ``parameters`` cell; executes nothing.

    Returns run name → the parameters that will be injected (besides ``out_dir``).
    """
    return {plan.run.name: plan.parameters for plan in _plan_runs(config)}


def _kernel_problem(name: str) -> str | None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        argv = KernelSpecManager().get_kernel_spec(name).argv
    except NoSuchKernel:
        return "no such kernel"
    exe, v = (argv or ["?"])[0], sys.version_info
    if exe in {"python", f"python{v[0]}", f"python{v[0]}.{v[1]}"}:
        return None  # jupyter_client runs these as sys.executable
    exe = os.path.abspath(exe)
    ok = exe == os.path.abspath(sys.executable) or Path(exe).is_relative_to(os.path.abspath(sys.prefix))
    return None if ok else f"it runs {exe}"


def ensure_kernel(name: str = KERNEL_NAME) -> None:
    """Make sure kernel ``name`` runs this environment's Python; install it into sys.prefix if not."""
    if _kernel_problem(name) is None:
        return
    cmd = [sys.executable, "-m", "ipykernel", "install", "--sys-prefix", "--name", name]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    problem = _kernel_problem(name)
    if done.returncode != 0 or problem is not None:
        raise FindingsError(
            f"kernel {name!r} does not run {sys.executable}: {problem or 'install failed'}; "
            f"`{' '.join(cmd)}` said: {(done.stderr or done.stdout).strip()[-300:]} "
            "(a user-level kernelspec may shadow it: remove it or set JUPYTER_PREFER_ENV_PATH=1)"
        )




def _describe_failure(config: FindingsConfig, run: FindingsRun, error: dict[str, Any]) -> str:
    """One message: notebook, run, cell index in the notebook as written (0-based), its first line;
    for a cell that ran past the timeout, that it timed out and where the limit is set."""
    import nbformat

    timed_out = error.get("timeout")
    where = f"{config.rel(run.notebook)} (run {run.name!r}) {'timed out' if timed_out else 'failed'}"
    if error["cell"] is not None:
        cells = nbformat.read(config.resolve(run.notebook), as_version=4).cells
        tagged = [i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", [])]
        injected = tagged[0] + 1 if tagged else 0  # where papermill put the injected-parameters cell
        cell = error["cell"] - (error["cell"] > injected)
        if error["cell"] == injected:
            where += " in the injected parameters cell"
        else:
            lines = [ln.strip() for ln in cells[cell].source.splitlines() if ln.strip()] if cell < len(cells) else []
            where += f" in cell {cell} (0-based)" + (f": `{lines[0]}`" if lines else "")
    if timed_out:
        return (f"{where}\n    the cell ran longer than timeout_seconds: {config.timeout_seconds} "
                f"({config.rel(config.source)}); raise it there or make the cell faster")
    return f"{where}\n    {error['ename']}: {error['evalue']}"


def run_findings(
    config_path: PathLike = "params/findings.yaml",
    out: PathLike = "findings",
    only: list[str] | None = None,
    jobs: int = 2,
    repo_root: PathLike | None = None,
    progress: bool = True,
    force: bool = False,
    district: PathLike | None = None,
) -> Path:
    """Execute the runs of ``config_path`` into ``out`` atomically; return ``out`` (absolute).

    ``district`` (a district folder) is given to every notebook as its ``district_path``
    parameter (``simulate findings --district DIR``; default out ``findings-<name>``), and
    recorded with its data hash in the manifest.

    ``out`` follows the output rule of :func:`simulate.provenance.check_output_target`:
    new, empty, or a previous findings folder (``force``: also a previous simulate
    output of another kind); never the repository, a folder holding the config, or a
    folder simulate did not write. A second run into the same ``out`` while one is
    going is refused (lock file beside it).

    ``only`` (run names) regenerates just those runs and carries the other runs'
    folders over from the existing ``out``. Notebooks run in spawned processes,
    ``jobs`` at a time, one notebook per process (papermill is not thread-safe).
    Raises FindingsConfigError before executing anything if the config or a
    parameters file is wrong, and FindingsError naming the notebook and cell if
    a notebook fails; in both cases ``out`` is left exactly as it was.
    Relative ``config_path`` and ``out`` are taken from the current folder.
    """
    start = time.perf_counter()
    if jobs < 1:
        raise FindingsConfigError(f"jobs: expected an integer >= 1, got {jobs}")
    config = load_findings_config(config_path, repo_root)
    names = [r.name for r in config.runs]
    unknown = sorted(set(only or ()) - set(names))
    if unknown:
        raise FindingsConfigError(f"{config_path}: no run named {', '.join(unknown)} (runs: {', '.join(names)})")
    plans = _plan_runs(config, [r for r in config.runs if not only or r.name in only])
    inputs = [config.source] + [config.resolve(p.run.parameters) for p in plans if p.run.parameters]
    district_extra: dict[str, Any] = {}
    if district is not None:
        from simulate.inputs.load import load_district

        loaded = load_district(district)  # one DistrictError before anything runs
        district = Path(loaded.source).absolute()
        inputs.append(district)
        district_extra = {"district": {"name": loaded.name, "path": str(district), "data_hash": loaded.data_hash}}
    rule = dict(force=force, inputs=inputs, protect=[config.root], what="--out")
    provenance.check_output_target(out, "findings", **rule)
    ensure_kernel()
    given, out = out, Path(out).absolute()
    with provenance.atomic_dir(given, "findings", **rule) as tmp:  # messages name the path as given
        old = _previous_manifest(out) if only else {}
        entries: dict[str, dict[str, Any]] = {}
        seeds: dict[str, Any] = {}
        for name in names if only else ():  # --only: keep the other runs' previous outputs
            if name not in only and (out / name).is_dir():
                shutil.copytree(out / name, tmp / name)
                entries[name] = {**old.get("runs", {}).get(name, {}), "carried_over": True}
                seeds[name] = old.get("seeds", {}).get(name)
        work = []
        for plan in plans:
            run_dir, nb = tmp / plan.run.name, config.resolve(plan.run.notebook)
            for sub in ("tables", "figures"):
                (run_dir / sub).mkdir(parents=True)
            work.append({
                "name": plan.run.name, "input": str(nb), "output": str(run_dir / f"{plan.run.name}.ipynb"),
                "parameters": {**plan.parameters, **({"district_path": str(district)} if district else {}),
                               "out_dir": str(run_dir)}, "cwd": str(nb.parent),
                "timeout": config.timeout_seconds,
            })
        results = _execute_all(work, jobs, progress)
        failures = [
            _describe_failure(config, p.run, results[p.run.name]["error"])
            for p in plans if p.run.name in results and results[p.run.name]["error"]
        ]
        if failures:
            kept = f"{os.fspath(given)} is left as it was" if os.path.lexists(out) else "nothing was written"
            raise FindingsError("\n".join(failures) + f"\n{kept}")
        for plan in plans:
            name = plan.run.name
            _finish_run(config, plan, tmp / name, out / name)
            seeds[name] = plan.seed
            entries[name] = {
                "notebook": config.rel(plan.run.notebook),
                "parameters_file": config.rel(plan.run.parameters) if plan.run.parameters else None,
                "parameters": plan.parameters, "seed": plan.seed,
                "seconds": round(results[name]["seconds"], 3),
                "tables": _files(tmp / name, "tables/**/*.csv"), "figures": _files(tmp / name, "figures/**/*.png"),
            }
        root = config.root
        params_files = provenance.tracked_files(root, ["params"], suffixes=(".yaml", ".yml"))
        data_files = provenance.tracked_files(root, ["data"], suffixes=(".csv",))
        record = provenance.manifest(
            {n: seeds[n] for n in names if n in seeds},
            provenance.sha256_of_files(params_files, root / "params"),
            provenance.sha256_of_files(data_files, root / "data"),
            extra={"config": config.rel(config.source), "timeout_seconds": config.timeout_seconds, **district_extra,
                   **inputs_fingerprint(root), "runs": {n: entries[n] for n in names if n in entries}},
            run_seconds=time.perf_counter() - start,
            repo_dir=root,
            output_kind="findings",
        )
        stable, volatile = _split_volatile(record)  # committed files: the same bytes for the same inputs
        for file, content in (("manifest.json", stable), (LAST_RUN, volatile)):
            text = json.dumps(content, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
            (tmp / file).write_text(text, encoding="utf-8")
        _write_index(tmp, stable, names)
    return out


def _previous_manifest(out: Path) -> dict[str, Any]:
    try:
        return json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}




def _finish_run(config: FindingsConfig, plan: _Plan, run_dir: Path, final_dir: Path) -> None:
    """Tidy the executed notebook, render it without inputs, validate headline.json."""
    nb_file = run_dir / f"{plan.run.name}.ipynb"
    # inside the repository the notebook names its folder relative to the root ("findings/NAME"), so the
    # executed notebook's bytes do not depend on where the clone is (a fresh clone: git status clean)
    root = Path(config.root).absolute()
    shown = Path(os.path.relpath(final_dir, root)) if final_dir.is_relative_to(root) else final_dir
    _tidy_notebook(nb_file, config.rel(plan.run.notebook), run_dir, shown)
    html, _ = _html_exporter().from_filename(str(nb_file))
    nb_file.with_suffix(".html").write_text(_offline_html(html), encoding="utf-8")
    _read_headline(run_dir / "headline.json", config.rel(plan.run.notebook))
    for sub in ("tables", "figures"):
        if not any((run_dir / sub).iterdir()):
            (run_dir / sub).rmdir()


def check_against_committed(
    config_path: PathLike = "params/findings.yaml", committed: PathLike = "findings",
    tables_only: bool = True, *, only: list[str] | None = None, jobs: int = 2,
    repo_root: PathLike | None = None, progress: bool = False,
) -> list[str]:
    """Regenerate into a temporary folder and compare with ``committed``; [] means identical."""
    with tempfile.TemporaryDirectory(prefix="findings-check-") as tmp:
        fresh = run_findings(config_path, Path(tmp) / "findings", only=only, jobs=jobs,
                             repo_root=repo_root, progress=progress)
        return compare_outputs(committed, fresh, tables_only=tables_only, only=only)


def _positive_int(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_JOBS:
        raise argparse.ArgumentTypeError(f"expected an integer from 1 to {MAX_JOBS}, got {text!r:.60}")
    return int(text)


def add_cli(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``simulate findings``; its handler is ``args.func(args) -> exit code``."""
    parser = subparsers.add_parser(
        "findings", help="regenerate findings/ by running the notebooks with papermill",
        description="Run every notebook listed in the config into the output folder, atomically.")
    from simulate.inputs.limits import path_flag

    parser.add_argument("--config", type=path_flag, default="params/findings.yaml", help="run list (default: %(default)s)")
    parser.add_argument("--out", default=None,
                        help="output folder; with --check, the committed one (default: findings, "
                             "or findings-<name> with --district)")
    parser.add_argument("--district", type=path_flag, default=None,
                        help="run every notebook on this district folder (default: each notebook's own, data/banan)")
    parser.add_argument("--only", action="append", metavar="NAME", help="regenerate only this run (repeatable)")
    parser.add_argument("--jobs", type=_positive_int, default=2, help="notebooks at once (default: %(default)s)")
    parser.add_argument("--check", action="store_true",
                        help="regenerate into a temporary folder and compare the CSVs byte for byte with --out")
    parser.add_argument("--force", action="store_true",
                        help="replace a previous simulate output of another kind at --out "
                             "(never a folder simulate did not write)")
    parser.set_defaults(func=cli_findings)
    return parser


def cli_findings(args: argparse.Namespace) -> int:
    """Handler of ``simulate findings``: an error is one message on stderr and exit code 1."""
    try:
        if args.district and args.check:
            raise FindingsConfigError("--check compares with the committed findings of the default district; "
                                      "leave out --district")
        if args.out is None:
            args.out = f"findings-{Path(args.district).name}" if args.district else "findings"
        if args.check:
            diffs = check_against_committed(args.config, args.out, only=args.only, jobs=args.jobs, progress=True)
            if diffs:
                print(f"{len(diffs)} difference(s) between {args.out}/ and a fresh regeneration:", file=sys.stderr)
                print("\n".join(f"  {d}" for d in diffs), file=sys.stderr)
                return 1
            print(f"{args.out}/ matches a fresh regeneration")
            return 0
        out = run_findings(args.config, args.out, only=args.only, jobs=args.jobs, force=args.force,
                           district=args.district)
        print(f"findings written to {out}")
        return 0
    except (FindingsError, OSError) as exc:
        print(f"simulate findings: error: {exc}", file=sys.stderr)
        return 1
