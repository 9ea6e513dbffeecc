"""Calibration: fit the model's free intercepts to published targets.

``calibrate(district, targets)`` fits the free parameters named in the
targets file (by default the dropout-hazard intercepts of primary and junior
secondary and the learning-growth intercept) with
``scipy.optimize.least_squares`` so that the scenarios named by the targets
(``no_policy`` — the counterfactual before the campaign — and ``baseline``),
run in ``expected`` mode, hit the declared values. Residuals are scaled by
each target's tolerance, so a target is met when |fitted − target| ≤
tolerance. ``check`` evaluates the current parameters without fitting.

The targets file (``data/<district>/targets.yaml``) lists every target with
its scenario, indicator, year, value, tolerance and source; its
``parameters`` section lists the dotted paths that are fitted, with a
starting value taken from ``params/baseline.yaml``.

Indicators: every name of :func:`simulate.model.outcomes.year_indicators` and
:func:`simulate.measures.balance.comparison_indicators`, plus the calibration-only
``learning.urban_reference``: the mean achievement, after the year's growth,
of pupils in urban schools with no disadvantage flag (not poor, not left
behind, not disabled, not migrant). Learning is measured relative to these
pupils (their entry level and accumulated gap are 0), so its first-year value
is the reference group's growth and a target of 0 pins the growth intercept.

With ``write=True`` the fitted values are written into
``params/baseline.yaml`` by editing the leaf's line in place (value and
``source: "calibrated <date>: <target ids>"``; unit, uncertainty, comments
and layout survive). A fit that leaves any target outside its tolerance
raises :class:`CalibrationError` naming each unmet target (nothing is written).

That is for Banan, the reference district, whose intercepts every district
shares. For another district ``simulate calibrate --district DIR --write``
(:func:`write_overlay`) writes the fitted values into the district folder
instead, as ``DIR/calibration.yaml`` (:mod:`simulate.inputs.overlay`: each leaf
with its value, source and the targets file's sha256; the data hash; the fit's
residuals; no date, so a rerun writes the same bytes). Every run on that
district then uses them (``simulate.inputs.scaling.for_district``), and
``simulate calibrate --check --district DIR`` fails when the data or the
targets changed since (or the values are no longer the optimum). The file is
replaced only when simulate wrote it (its first line, ``overlay.HEADER``).
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..errors import SimulateError
from ..measures.balance import comparison_indicators, context
from ..inputs.district import District
from ..inputs.load import load_district
from ..model.engine import cells_of, simulate
from ..model.outcomes import year_indicators
from ..inputs.scenario import Scenario, ScenarioError, load_scenario, params_dir
from ..inputs.yamlfile import read_mapping

DEFAULT_TARGETS = Path("data/banan/targets.yaml")
TARGET_KEYS = {"scenario", "indicator", "year", "value", "tolerance", "source"}
TOP_KEYS = {"district", "description", "parameters", "targets", "optimum_tolerance"}
EXTRA_INDICATORS = ("learning.urban_reference",)
STALE_TOLERANCE = 2e-4  # committed values are written to 4 decimals: two units in the last place
IDENTIFY_STEP = 2.0      # each fitted intercept moved by this much (log-odds, SD) to see whether a target moves
IDENTIFY_SHARE = 1.0     # a target that no such step moves by its tolerance is not identified


class CalibrationError(SimulateError, ValueError):
    """A bad targets file, or a fit that leaves targets outside their tolerance."""

    def __init__(self, message: str, report: "CalibrationReport | None" = None):
        super().__init__(message)
        self.report = report


@dataclass(frozen=True)
class Target:
    id: str
    scenario: str
    indicator: str
    year: int
    value: float
    tolerance: float
    source: str


@dataclass(eq=False)
class CalibrationReport:
    """Each target with its fitted value and error; ``parameters`` the fitted values.

    Behaves like its ``table`` (a DataFrame with columns target, scenario,
    indicator, year, source, target_value, fitted_value, error, tolerance, met).
    """

    table: pd.DataFrame
    parameters: dict = field(default_factory=dict)
    start: dict = field(default_factory=dict)
    message: str = ""
    optimum: dict = field(default_factory=dict)  # check(): the refit from the committed values (empty: not refit)
    optimum_tolerance: float = STALE_TOLERANCE  # how far the committed value may lie from the optimum (targets file)

    @property
    def identification(self) -> str:
        """How many targets identify how many parameters, in words."""
        n, k = int(self._identified().sum()), len(self.parameters)
        kind = ("exactly identified: the fit reproduces every target, so meeting them tests nothing"
                if n == k else "over-identified: the targets can disagree, so the fit can miss some"
                if n > k else "under-identified: several parameter values fit equally well")
        return f"{n} targets identify {k} parameters ({kind})"

    @property
    def stale(self) -> list[str]:
        """Parameters whose committed value is not the optimum (beyond the written precision, or the targets
        file's ``optimum_tolerance`` where it states a wider one)."""
        return [p for p, v in self.optimum.items() if abs(v - self.start[p]) > self.optimum_tolerance]

    @property
    def all_met(self) -> bool:
        """Every target the parameters can move is met (one they cannot is reported, not fitted)."""
        return bool((self.table["met"] | ~self._identified()).all())

    def unmet(self) -> list[str]:
        return list(self.table.loc[~self.table["met"] & self._identified(), "target"])

    def not_identified(self) -> list[str]:
        """Targets none of the fitted parameters can move (:data:`IDENTIFY_STEP`): not identified by them."""
        return list(self.table.loc[~self._identified(), "target"])

    def _identified(self) -> pd.Series:
        if "identified" in self.table:
            return self.table["identified"].astype(bool)
        return pd.Series(True, index=self.table.index)

    def __getattr__(self, name):
        if name.startswith("_") or name in ("table", "parameters", "start", "message"):
            raise AttributeError(name)
        return getattr(self.table, name)

    def __getitem__(self, key):
        return self.table[key]

    def __len__(self) -> int:
        return len(self.table)

    def __str__(self) -> str:
        cols = ["target", "scenario", "indicator", "year", "target_value", "fitted_value", "error", "tolerance", "met"]
        lines = [self.table[cols].to_string(index=False, float_format=lambda v: f"{v:.4f}"), "", "parameters:"]
        for path, v in self.parameters.items():
            was = self.start.get(path)
            lines.append(f"  {path} = {v:.4f}" + (f" (was {was:.4f})" if was is not None else ""))
        for path, v in self.optimum.items():
            flag = "  STALE" if path in self.stale else ""
            lines.append(f"  optimum {path} = {v:.4f} (committed {self.start[path]:.4f}){flag}")
        lines.append(self.identification)
        for t in self.not_identified():
            lines.append(f"  {t}: not identified by these parameters (moving each by ±{IDENTIFY_STEP} moves it by less "
                         f"than {IDENTIFY_SHARE:g} × its tolerance): reported, not fitted, and it does not block --write")
        if self.message:
            lines.append(self.message)
        return "\n".join(lines)

    __repr__ = __str__


# ------------------------------------------------------------------ targets file
def optimum_tolerance(path: str | Path = DEFAULT_TARGETS) -> float:
    """How far a committed value may lie from the optimum before ``--check`` calls it stale: the written
    precision (:data:`STALE_TOLERANCE`), or the targets file's ``optimum_tolerance: {value, reason}`` where
    it states a wider one (Banan's: the learning intercept and the posterior are fitted in turn, and the
    posterior's Monte Carlo error moves the intercept's optimum by a few 1e-4; see the file)."""
    path = _resolve(path)
    doc = read_mapping(path, CalibrationError, expected="a mapping with 'parameters' and 'targets'",
                       missing="targets file not found")
    tolerance, problem = _optimum_tolerance_of(doc, path)
    if problem:
        raise CalibrationError(problem)
    return tolerance


def _optimum_tolerance_of(doc: dict, path: Path) -> tuple[float, str]:
    """(the tolerance, the problem with the file's ``optimum_tolerance`` key or "") of a targets file's mapping;
    :func:`load_targets` reports the problem with the file's others."""
    spec = doc.get("optimum_tolerance")
    if spec is None:
        return STALE_TOLERANCE, ""
    value = spec.get("value") if isinstance(spec, dict) else None
    if (not isinstance(spec, dict) or set(spec) != {"value", "reason"} or isinstance(value, bool)
            or not isinstance(value, (int, float)) or not math.isfinite(value) or not 0 < value < 1
            or not isinstance(spec.get("reason"), str) or not spec["reason"].strip()):
        return STALE_TOLERANCE, (f"{path}: optimum_tolerance: expected a mapping with 'value' (a number between 0 "
                                 f"and 1) and 'reason' (text), got {spec!r}")
    return max(STALE_TOLERANCE, float(value)), ""


def load_targets(path: str | Path = DEFAULT_TARGETS) -> tuple[list[Target], list[str]]:
    """Targets and fitted parameter paths from a targets file; one clear error per problem."""
    path = _resolve(path)
    doc = read_mapping(path, CalibrationError, expected="a mapping with 'parameters' and 'targets'",
                       missing="targets file not found")
    problems = [f"{path}: unknown key '{k}' (expected one of {', '.join(sorted(TOP_KEYS))})"
                for k in doc if k not in TOP_KEYS]
    problems += [p for p in [_optimum_tolerance_of(doc, path)[1]] if p]
    params = doc.get("parameters")
    if not isinstance(params, list) or not params or not all(isinstance(p, str) for p in params):
        problems.append(f"{path}: 'parameters' must be a non-empty list of dotted parameter paths")
        params = []
    else:
        base = load_scenario("baseline")
        problems += [f"{path}: parameters: '{p}' is not a parameter of params/baseline.yaml"
                     for p in params if p not in base.leaves]
    raw = doc.get("targets")
    if not isinstance(raw, dict) or not raw:
        problems.append(f"{path}: 'targets' must be a non-empty mapping of target ids")
        raw = {}
    targets = []
    for tid, spec in raw.items():
        where = f"{path}: targets.{tid}"
        if not isinstance(spec, dict):
            problems.append(f"{where}: expected a mapping with keys {', '.join(sorted(TARGET_KEYS))}")
            continue
        unknown = [k for k in spec if k not in TARGET_KEYS]
        missing = sorted(TARGET_KEYS - set(spec))
        problems += [f"{where}.{k}: unknown key (expected one of {', '.join(sorted(TARGET_KEYS))})" for k in unknown]
        problems += [f"{where}: missing key '{k}'" for k in missing]
        if unknown or missing:
            continue
        typed = _target_problems(spec, where)
        if typed:
            problems += typed
            continue
        t = Target(id=str(tid), scenario=spec["scenario"], indicator=spec["indicator"], year=spec["year"],
                   value=float(spec["value"]), tolerance=float(spec["tolerance"]), source=spec["source"])
        if not t.tolerance > 0:
            problems.append(f"{where}.tolerance: must be > 0, got {t.tolerance}")
        if not t.source.strip():
            problems.append(f"{where}.source: every target needs its source")
        targets.append(t)
    if problems:
        raise CalibrationError("\n".join(problems))
    return targets, list(params)


def _target_problems(spec: dict, where: str) -> list[str]:
    """Strict types of one target: text for scenario, indicator and source; an integer year; finite numbers."""
    import math

    out = [f"{where}.{k}: expected text, got {spec[k]!r:.60}" for k in ("scenario", "indicator", "source")
           if not isinstance(spec[k], str)]
    if isinstance(spec["year"], bool) or not isinstance(spec["year"], int) or not 1990 <= spec["year"] <= 2100:
        out.append(f"{where}.year: expected an integer year from 1990 to 2100, got {spec['year']!r:.60}")
    for k in ("value", "tolerance"):
        v = spec[k]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            out.append(f"{where}.{k}: expected a finite number, got {v!r:.60}")
    return out


def _resolve(path: str | Path) -> Path:
    from ..inputs.limits import path_problem

    problem = path_problem(path)
    if problem:
        raise CalibrationError(f"targets: {str(path)[:80]!r} {problem}")
    p = Path(path)
    if not p.is_absolute() and not p.exists():
        repo = params_dir().parent
        if (repo / p).exists():
            return repo / p
    return p


# ------------------------------------------------------------------ evaluation
def _extra_indicators(y, cells) -> dict[str, np.ndarray]:
    urban = cells.urban
    ref = ~cells.flags.any(axis=1)  # group 0: no flag
    at = y.flows.at_risk[:, urban][..., ref]
    num = (y.learning[:, urban][..., ref] * at).sum(axis=(1, 2, 3))
    den = at.sum(axis=(1, 2, 3))
    return {"learning.urban_reference": np.divide(num, den, out=np.full(num.shape, np.nan), where=den > 0)}


class _Model:
    """Runs the targets' scenarios at given parameter values (expected mode, one draw)."""

    def __init__(self, district: District, targets: list[Target], params: list[str]):
        self.district, self.targets, self.params = district, targets, params
        self.cells, self.ctx = cells_of(district), context(district)
        self.scenarios = {}
        for name in sorted({t.scenario for t in targets}):
            try:
                self.scenarios[name] = load_scenario(name)
            except ScenarioError as exc:
                raise CalibrationError(f"target scenario '{name}': {exc}") from None
        start = self.scenarios[next(iter(self.scenarios))].start_year
        self.years = {n: max(t.year for t in targets if t.scenario == n) - start + 1 for n in self.scenarios}
        for t in targets:
            if t.year < start:
                raise CalibrationError(f"targets.{t.id}.year: {t.year} is before the start year {start}")

    def evaluate(self, x: np.ndarray, base=None) -> np.ndarray:
        """Target values with the fitted parameters at ``x``; ``base`` (a scenario) supplies the
        other committed values when the targets' scenarios are rebuilt on it (default: as loaded)."""
        changes = {p: float(v) for p, v in zip(self.params, x)}
        values: dict[tuple[str, int], dict] = {}
        for name, scenario in self.scenarios.items():
            if base is not None and base.name != "baseline":
                scenario = _rebase(scenario, base)
            s = scenario.with_changes(changes, pin=True)  # trial values may equal the committed ones
            for y in simulate(self.district, s, years=self.years[name], seed=0, mode="expected", draws=1):
                values[(name, y.year)] = {**year_indicators(y, self.cells), **comparison_indicators(y, self.ctx),
                                          **_extra_indicators(y, self.cells)}
        out = []
        for t in self.targets:
            ind = values[(t.scenario, t.year)]
            if t.indicator not in ind:
                raise CalibrationError(f"targets.{t.id}.indicator: unknown indicator '{t.indicator}'")
            out.append(float(ind[t.indicator][0]))
        return np.array(out)


def _rebase(scenario: Scenario, base: Scenario) -> Scenario:
    """``scenario``'s own changes applied on ``base`` instead of on the committed baseline
    (the targets' scenarios extend the baseline directly)."""
    return base if scenario.name == "baseline" else base.with_changes(dict(scenario.changes), name=scenario.name,
                                                                      pin=True)


def _identified(model: "_Model", x: np.ndarray, base, tlist: list[Target]) -> np.ndarray:
    """(target,) bool: some fitted parameter moved by ±IDENTIFY_STEP (within its schema bounds) moves
    the target by at least IDENTIFY_SHARE × its tolerance (expected mode, from ``x``)."""
    from ..inputs.schema import field_bounds

    tol = np.array([t.tolerance for t in tlist])
    moved = np.zeros(len(tlist))
    at = model.evaluate(x, base)
    for j in range(len(x)):
        for sign in (-1.0, 1.0):
            y = np.array(x, dtype=float)
            lo, hi = field_bounds(model.params[j])
            y[j] = np.clip(y[j] + sign * IDENTIFY_STEP, -np.inf if lo is None else lo, np.inf if hi is None else hi)
            with np.errstate(invalid="ignore"):
                moved = np.fmax(moved, np.abs(model.evaluate(y, base) - at))
    return moved >= IDENTIFY_SHARE * tol


def _report(targets, fitted, params, x, x0, message="", identified=None) -> CalibrationReport:
    table = pd.DataFrame({
        "target": [t.id for t in targets], "scenario": [t.scenario for t in targets],
        "indicator": [t.indicator for t in targets], "year": [t.year for t in targets],
        "source": [t.source for t in targets], "target_value": [t.value for t in targets],
        "fitted_value": fitted, "error": fitted - np.array([t.value for t in targets]),
        "tolerance": [t.tolerance for t in targets],
    })
    table["met"] = (table["error"].abs() <= table["tolerance"]) & np.isfinite(table["fitted_value"])
    if identified is not None and not np.all(identified):
        table["identified"] = np.asarray(identified, dtype=bool)
    return CalibrationReport(table=table, parameters=dict(zip(params, map(float, x))),
                             start=dict(zip(params, map(float, x0))), message=message)


def _unmet_error(report: CalibrationReport, what: str) -> CalibrationError:
    rows = report.table[~report.table["met"] & report._identified()]
    lines = [f"{what}: {len(rows)} target(s) not met:"]
    lines += [f"  {r.target} ({r.scenario} {r.indicator} {r.year}): fitted {r.fitted_value:.4f}, "
              f"target {r.target_value:.4f} ± {r.tolerance:.4f}" for r in rows.itertuples()]
    return CalibrationError("\n".join(lines), report)


def check(district: District | None = None, targets: str | Path = DEFAULT_TARGETS,
          base: Scenario | None = None, refit: bool = True) -> CalibrationReport:
    """Evaluate the committed parameters against the targets, and (``refit``) whether they are the optimum.

    The committed values must not merely meet the targets' tolerances: the fit
    is run again from them, and ``report.stale`` names every parameter whose
    optimum differs from its committed value by more than the written precision
    (:data:`STALE_TOLERANCE`) — a district or a model that changed after the fit.
    ``base`` is the scenario holding the committed values (default:
    :func:`committed_base`: the baseline, with the district's calibration overlay when it has one).
    """
    district = load_district() if district is None else district
    tlist, params = load_targets(targets)
    model = _Model(district, tlist, params)
    base = committed_base(district) if base is None else base
    x0 = np.array([float(base.value(p)) for p in params])
    report = _report(tlist, model.evaluate(x0, base), params, x0, x0, identified=_identified(model, x0, base, tlist))
    report.optimum_tolerance = optimum_tolerance(targets)
    if refit:
        x = _fit(model, tlist, params, x0, base, report._identified().to_numpy())
        report.optimum = dict(zip(params, map(float, x)))
        if report.stale:
            report.message = (f"stale: the committed values are not the optimum for these data and targets "
                              f"({', '.join(report.stale)}); run `simulate calibrate --write`")
    return report


def committed_base(district: District) -> Scenario:
    """The baseline with the values a run on ``district`` uses: its calibration overlay's, if any."""
    base = load_scenario("baseline")
    overlay = getattr(district, "calibration", None)
    return base if overlay is None else overlay.apply(base)


def _fit(model: "_Model", tlist: list[Target], params: list[str], x0: np.ndarray, base,
         identified: np.ndarray | None = None) -> np.ndarray:
    """Least squares on the tolerance-scaled residuals from ``x0``, rounded to the written precision
    (targets not ``identified`` left out: no parameter moves them)."""
    from scipy.optimize import least_squares

    from ..inputs.schema import field_bounds

    bounds = np.array([[b if b is not None else np.inf * s for b, s in zip(field_bounds(p), (-1, 1))]
                       for p in params]).T
    goal = np.array([t.value for t in tlist])
    tol = np.array([t.tolerance for t in tlist])

    keep = np.ones(len(tlist), bool) if identified is None else np.asarray(identified, bool)

    def residuals(x):
        r = ((model.evaluate(x, base) - goal) / tol)[keep]
        return np.where(np.isfinite(r), r, 1e6)

    fit = least_squares(residuals, np.clip(x0, bounds[0] + 1e-9, bounds[1] - 1e-9), bounds=bounds,
                        x_scale=1.0, diff_step=1e-4, xtol=1e-10, ftol=1e-10)
    return np.round(fit.x, 4)  # the precision written to the YAML file


def calibrate(district: District | None = None, targets: str | Path = DEFAULT_TARGETS,
              write: bool = False) -> CalibrationReport:
    """Fit the free parameters to the targets; optionally write them into params/baseline.yaml."""
    district = load_district() if district is None else district
    tlist, params = load_targets(targets)
    model = _Model(district, tlist, params)
    base = load_scenario("baseline")
    x0 = np.array([float(base.value(p)) for p in params])
    identified = _identified(model, x0, base, tlist)
    x = _fit(model, tlist, params, x0, base, identified)
    for _ in range(5):  # refit from the fit until it stays put, as `check` refits from the committed values:
        identified = _identified(model, x, base, tlist)  # which targets the parameters can move is judged
        again = _fit(model, tlist, params, x, base, identified)  # there too (it can differ from the start's)
        if np.max(np.abs(again - x)) <= STALE_TOLERANCE:
            break
        x = again
    report = _report(tlist, model.evaluate(x, base), params, x, x0, message="least_squares fit",
                     identified=identified)
    if not report.all_met:
        raise _unmet_error(report, "calibration failed")
    if write:
        write_parameters(report.parameters, [f"{t.scenario} {t.indicator} {t.year} = {t.value:g}" for t in tlist],
                         targets_file=_display(targets))
    return report


# ------------------------------------------------------------------ a district's overlay
def overlay_text(district: District, targets: str | Path, report: CalibrationReport) -> str:
    """The text of ``DIR/calibration.yaml`` for a fit of ``district`` to ``targets`` (no date: the same
    data, targets and fit give the same bytes)."""
    from ..inputs.overlay import HEADER, WRITTEN_BY, sha256_of_file

    targets = _resolve(targets)
    folder = Path(district.source)
    try:
        rel = str(targets.resolve().relative_to(folder.resolve()))
    except ValueError:
        rel = os.path.relpath(targets.resolve(), folder.resolve())
    digest = sha256_of_file(targets)
    ids = ", ".join(report.table["target"])
    lines = [
        HEADER,
        f"# by hand: rerun it (it replaces only a file with this first line). Every run on district",
        f"# {district.name!r} uses these values instead of the Banan-calibrated ones of params/baseline.yaml",
        "# (scenario and status quo), except where a scenario sets the parameter itself.",
        f"written_by: {WRITTEN_BY}",
        f"district: {_q(district.name)}",
        f"targets: {_q(rel)}",
        f"targets_sha256: {digest}",
        f"data_sha256: {district.data_hash}",
        "parameters:",
    ]
    for path, value in report.parameters.items():
        lines += [f"  {path}:", f"    value: {_fmt(value)}",
                  f"    source: {_q(f'calibration: fitted by simulate calibrate to {rel} ({ids}); was {_fmt(report.start[path])} (Banan)')}",
                  f"    targets_sha256: {digest}"]
    lines.append("residuals:  # fitted minus target, per target (met: within the tolerance)")
    for r in report.table.itertuples():
        lines.append(f"  {r.target}: {{scenario: {r.scenario}, indicator: {r.indicator}, year: {r.year}, "
                     f"target: {_num(r.target_value)}, fitted: {_num(r.fitted_value)}, error: {_num(r.error)}, "
                     f"tolerance: {_num(r.tolerance)}, met: {'true' if r.met else 'false'}"
                     + (", identified: false" if not getattr(r, "identified", True) else "") + "}")
    text = "\n".join(lines) + "\n"
    yaml.safe_load(text)  # valid YAML
    return text


def _q(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _num(v: float) -> str:
    s = f"{float(v):.6f}".rstrip("0")
    s = s + "0" if s.endswith(".") else s
    return "0.0" if s in ("-0.0", "0.0") else s


def write_overlay(district: District, targets: str | Path, report: CalibrationReport) -> Path:
    """Write ``report``'s fitted values as ``district``'s calibration overlay (``DIR/calibration.yaml``).

    Refuses (CalibrationError) to replace a file simulate did not write (no :data:`overlay.HEADER`)."""
    from ..inputs.overlay import CALIBRATION_FILE, HEADER, is_own_file
    from ..provenance import write_file_atomically

    path = Path(district.source) / CALIBRATION_FILE
    if (path.exists() or path.is_symlink()) and not (path.is_file() and not path.is_symlink() and is_own_file(path)):
        raise CalibrationError(f"{path}: not replaced: simulate did not write it (its first line is not "
                               f"{HEADER[:40]!r}…); move it away, then run --write again")
    return write_file_atomically(path, overlay_text(district, targets, report), overwrite=path.exists(),
                                 what="calibration")


# ------------------------------------------------------------------ writing back
_LEAF = re.compile(r"^(?P<indent>\s*)(?P<key>[A-Za-z_][\w]*):\s*(?P<rest>.*)$")


def write_parameters(values: dict[str, float], targets: list[str], path: str | Path | None = None,
                     date: str | None = None, targets_file: str = str(DEFAULT_TARGETS)) -> Path:
    """Rewrite the ``value`` and ``source`` of each leaf's inline mapping in baseline.yaml.

    ``targets`` are short descriptions (``id = value``) recorded in the source.
    """
    path = Path(path) if path is not None else params_dir() / "baseline.yaml"
    date = date or _dt.date.today().isoformat()
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    source = f"calibrated {date}: {'; '.join(targets)} ({targets_file}, sources there)".replace('"', "'")
    for dotted, value in values.items():
        i = _find_leaf(lines, dotted, path)
        line = lines[i]
        new = re.sub(r"(\{\s*value:\s*)[^,}]+", lambda m: m.group(1) + _fmt(value), line, count=1)
        new = re.sub(r'(source:\s*)("(?:[^"\\]|\\.)*"|[^,}]+)', lambda m: m.group(1) + f'"{source}"', new, count=1)
        lines[i] = new
    text = "".join(lines)
    yaml.safe_load(text)  # still valid YAML
    from ..provenance import write_file_atomically

    return write_file_atomically(path, text, overwrite=True)  # --write is the explicit ask; readers never see half a file


def _display(path: str | Path) -> str:
    p = _resolve(path).resolve()
    try:
        return str(p.relative_to(params_dir().parent.resolve()))
    except ValueError:
        return str(p)


def _fmt(v: float) -> str:
    s = f"{v:.4f}".rstrip("0")
    return s + "0" if s.endswith(".") else s


def _find_leaf(lines: list[str], dotted: str, path: Path) -> int:
    want = dotted.split(".")
    stack: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _LEAF.match(line)
        if not m:
            continue
        indent = len(m.group("indent"))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, m.group("key")))
        if [k for _, k in stack] == want:
            if not m.group("rest").startswith("{") or "value:" not in m.group("rest"):
                raise CalibrationError(f"{path}: {dotted}: expected an inline '{{value: ..., unit: ..., source: ...}}' "
                                       f"leaf on line {i + 1}")
            return i
    raise CalibrationError(f"{path}: {dotted}: leaf not found")


# ------------------------------------------------------------------ CLI
def add_cli(subparsers) -> None:
    p = subparsers.add_parser("calibrate", help="fit the free intercepts to the district's targets")
    from ..inputs.limits import path_flag

    p.add_argument("--targets", type=path_flag, default=None,
                   help=f"targets file (default: the district folder's targets.yaml; {DEFAULT_TARGETS} for Banan)")
    p.add_argument("--district", type=path_flag, default=None, help="district folder (default: data/banan)")
    p.add_argument("--write", action="store_true",
                   help="write the fitted values: into params/baseline.yaml for Banan, into DIR/calibration.yaml "
                        "(used by every run on that district) for another district; default: only report")
    p.add_argument("--check", action="store_true",
                   help="evaluate the committed parameters (a district's calibration.yaml); fail if a target is "
                        "unmet, they are not the optimum, or the district's data or targets changed since --write; "
                        "for the reference district also fail when the posterior (params/posterior/) is stale")
    p.add_argument("--posterior", action="store_true",
                   help="the Bayesian calibration against data/evidence/registry.yaml: with --write, fit and write "
                        "params/posterior/ and the posterior means into params/baseline.yaml (minutes; seeded, the "
                        "same bytes on rerun; skipped when the stored posterior is fresh unless --force); with "
                        "--check, only the staleness check")
    p.add_argument("--force", action="store_true", help="with --posterior --write: refit even when fresh")
    p.add_argument("--tiny", action="store_true", help=argparse_suppress())
    p.set_defaults(func=_cli)


def argparse_suppress():
    import argparse

    return argparse.SUPPRESS


#: posterior fits alternated with the learning intercept's refit before ``--posterior --write`` gives up
FIXED_POINT_ROUNDS = 8


def finish_posterior() -> str:
    """After new posterior means: refit the learning scale's intercept (it depends on who stays in school) and
    record the model's figure values at the committed parameters (the fingerprint ``--check`` compares).
    What moved when the intercept moved, as text (the designs' inputs changed, so the fit is run again on it);
    empty when it did not."""
    from . import evidence_checks

    district = load_district()
    report = calibrate(district, DEFAULT_TARGETS, write=False)
    x0 = report.start
    moved = _moves(x0, report.parameters, optimum_tolerance(DEFAULT_TARGETS))
    if moved:
        write_parameters(report.parameters, [f"{t.scenario} {t.indicator} {t.year} = {t.value:g}"
                                             for t in load_targets(DEFAULT_TARGETS)[0]],
                         targets_file=_display(DEFAULT_TARGETS))
    evidence_checks.refresh_fingerprint(district)
    return moved


def _moves(before: dict, after: dict, tolerance: float) -> str:
    """"path old → new" for every value of ``after`` more than ``tolerance`` from ``before``'s, joined by "; "."""
    return "; ".join(f"{p} {before[p]:.4f} → {v:.4f}" for p, v in after.items() if abs(v - before[p]) > tolerance)


def _posterior_cli(args) -> int:
    """``simulate calibrate --posterior [--write|--check]``."""
    import time

    from . import evidence_checks
    from .posterior import Settings

    stale = evidence_checks.check()
    if args.check or not args.write:
        for line in stale:
            print(f"stale: posterior: {line}")
        if not stale:
            print("posterior: fresh (registry, parameters, data and the model's figure values match the fit)")
        return 1 if stale else 0
    if not stale and not args.force:
        print("posterior: fresh, nothing to do (--force refits)")
        return 0
    for line in stale:
        print(f"refitting: {line}")
    t0 = time.perf_counter()
    # to the fixed point: the learning intercept moves with the dropout parameters, and the designs read it and
    # the committed means (they run the committed values plus offsets), so the posterior is refitted until the
    # intercept (within the targets file's optimum tolerance) and the means it was fitted with are the ones
    # written; then a rerun from the written values fits the same draws: the same bytes
    for attempt in range(1, FIXED_POINT_ROUNDS + 1):
        base = load_scenario("baseline")
        texts = evidence_checks.run(Settings.tiny() if args.tiny else Settings())
        folder = evidence_checks.write(texts)
        means = evidence_checks.central(texts)
        write_parameters(means, ["posterior mean of the draws in params/posterior/draws.csv, sampled jointly by "
                                 "every uncertainty run"],
                         date="(Bayesian, simulate calibrate --posterior)", targets_file="data/evidence/registry.yaml")
        fitted_with = {p: float(base.value(p)) for p in means}
        moved = "; ".join(m for m in (_moves(fitted_with, means, 5e-5),   # the means are written to 4 decimals
                                      finish_posterior()) if m)
        if not moved:
            break
        if attempt == FIXED_POINT_ROUNDS:
            print(f"error: the posterior means or the learning intercept still moved after {attempt} posterior fits "
                  f"({moved}): the written posterior was fitted with the values before the last ones",
                  file=sys.stderr)
            return 1
        print(f"the posterior means or the learning intercept moved ({moved}): fitting once more on them")
    print(f"wrote {folder} and the posterior means into params/baseline.yaml in {time.perf_counter() - t0:.0f} s")
    return 0


def targets_for(district: District, targets: str | Path | None = None) -> Path | None:
    """The targets file for ``district``: ``targets`` if given, else the district folder's own
    ``targets.yaml``, else (Banan only) :data:`DEFAULT_TARGETS`; None when the district has none."""
    if targets is not None:
        return Path(targets)
    own = Path(district.source) / "targets.yaml"
    if own.is_file():
        return own
    if Path(district.source).resolve() == _resolve(DEFAULT_TARGETS).parent.resolve():
        return DEFAULT_TARGETS
    return None


def _is_reference(district: District) -> bool:
    from ..inputs.overlay import is_reference

    return is_reference(district)


def _cli(args) -> int:
    from ..inputs.overlay import calibration_note

    if args.posterior:
        from .evidence import RegistryError

        try:
            return _posterior_cli(args)
        except (RegistryError, ValueError, OSError) as exc:
            print(f"simulate calibrate: error: {exc}", file=sys.stderr)
            return 1
    try:
        # --write replaces the district's own calibration.yaml, even a broken one: read the data without it
        district = load_district(args.district, calibration=not args.write or args.check)
        targets = targets_for(district, args.targets)
        if targets is None:
            print(f"{district.source}: no targets.yaml, so nothing to fit: the intercepts calibrated to Banan "
                  f"({DEFAULT_TARGETS}, in params/baseline.yaml) are used for district {district.name!r}. To fit "
                  f"them to this district, copy data/templates/targets.yaml to {Path(district.source) / 'targets.yaml'} "
                  "and fill it from the district's own ledgers (控辍保学台账, consolidation rate, disabled enrolment).")
            return 0
        args.targets = str(targets)
        reference = _is_reference(district)
        print(f"district {district.name!r}: fitting to {targets}")
        if args.check:
            report = check(district, args.targets)
            print(report)
            if reference:
                from . import evidence_checks

                stale = evidence_checks.check(district)
                for line in stale:
                    print(f"stale: posterior: {line} (run `simulate calibrate --posterior --write`)")
                return 0 if report.all_met and not report.stale and not stale else 1
            overlay = district.calibration
            problems = [] if overlay is not None else [calibration_note(district)]
            problems += overlay.stale(district) if overlay is not None else []
            for line in problems:
                print(f"stale: {line}")
            return 0 if report.all_met and not report.stale and not problems else 1
        report = calibrate(district, args.targets, write=args.write and reference)
        if args.write and not reference:
            path = write_overlay(district, args.targets, report)
            # A run on the district uses the overlay in the scenario *and* in its status quo (the steady
            # start), so the fit is repeated with the written overlay loaded until its values stay put:
            # then `--check` (which loads the overlay) finds the committed values at the optimum.
            for _ in range(6):
                loaded = load_district(args.district, calibration=True)
                again = calibrate(loaded, args.targets)
                if max(abs(again.parameters[p] - report.parameters[p]) for p in report.parameters) <= STALE_TOLERANCE:
                    break
                report = again
                path = write_overlay(district, args.targets, report)
    except CalibrationError as exc:
        if exc.report is not None:
            print(exc.report)
        print(f"simulate calibrate: error: {exc}", file=sys.stderr)
        return 1
    except (ValueError, OSError) as exc:
        print(f"simulate calibrate: error: {exc}", file=sys.stderr)
        return 1
    print(report)
    if args.write and reference:
        print("wrote the fitted values into params/baseline.yaml")
    elif args.write:
        print(f"wrote the fitted values into {path}: every run on district {district.name!r} now uses them "
              "instead of the Banan-calibrated intercepts of params/baseline.yaml")
    elif not reference:
        print(f"not written (only reported): `simulate calibrate --district {district.source} --write` writes them "
              f"into {Path(district.source) / 'calibration.yaml'}, which every run on this district then uses")
    return 0
