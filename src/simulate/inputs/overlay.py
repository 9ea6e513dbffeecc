"""A district's own calibration: fitted intercepts that replace Banan's on that district's runs.

``params/baseline.yaml`` holds the intercepts calibrated to Banan (the
dropout-hazard intercepts of primary and junior secondary, the learning-growth
intercept); every district shares that file. A district fits its own with
``simulate calibrate --district DIR --write``, which writes them into the
district folder as ``DIR/calibration.yaml`` (:data:`CALIBRATION_FILE`, this
module's *overlay*)::

    # simulate calibration overlay: written by `simulate calibrate --district DIR --write` ...
    written_by: simulate calibrate --write
    district: example_county
    targets: targets.yaml
    targets_sha256: <sha256 of the targets file's bytes>
    data_sha256: <the district's data hash when it was fitted>
    parameters:
      dropout.hazard.intercept_primary_log_odds:
        value: -5.9712
        source: "calibration: ..."
        targets_sha256: <as above>
    residuals:
      junior_dropout: {indicator: dropout_rate.junior, year: 2019, target: 0.016, fitted: 0.0161, ...}

No date is written, so a rerun on the same data and targets gives the same bytes.
The first line (:data:`HEADER`) marks a file simulate wrote: ``--write``
replaces only such a file, never one written by hand.

Where it is applied: :func:`simulate.inputs.load.load_district` reads the file
into ``District.calibration`` (an :class:`Overlay`; ``None`` without the file),
validating it (one :class:`~simulate.inputs.district.DistrictError` naming the
file and each bad key), and :func:`simulate.inputs.scaling.for_district` —
which the engine calls once per run — replaces those leaves in the scenario
and in its status quo (:meth:`Overlay.apply`). A leaf the scenario itself
changes (a scenario file, ``with_changes``, calibration's own trial values)
keeps the scenario's value. Banan has no overlay: its runs are unchanged.

:meth:`Overlay.stale` names what changed since the file was written (the data
or the targets file); ``simulate calibrate --check --district DIR`` fails on it,
and :func:`calibration_note` says so in ``simulate run`` and notebook 01.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CALIBRATION_FILE", "HEADER", "Overlay", "calibration_note", "is_own_file", "is_reference",
           "load_overlay"]

CALIBRATION_FILE = "calibration.yaml"
#: The first line of every overlay simulate writes: how ``--write`` recognises its own file.
HEADER = "# simulate calibration overlay: written by `simulate calibrate --district DIR --write`; do not edit"
WRITTEN_BY = "simulate calibrate --write"
TOP_KEYS = ("written_by", "district", "targets", "targets_sha256", "data_sha256", "parameters", "residuals")
LEAF_KEYS = ("value", "source", "targets_sha256")


def sha256_of_file(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def is_own_file(path: str | Path) -> bool:
    """Whether ``path`` is an overlay simulate wrote (its first line is :data:`HEADER`)."""
    try:
        with open(path, "rb") as fh:
            first = fh.readline(len(HEADER.encode("utf-8")) + 2)
    except OSError:
        return False
    return first.decode("utf-8", "replace").rstrip("\r\n") == HEADER


@dataclass(frozen=True)
class Overlay:
    """A district's calibrated leaves (``values``: dotted path → value) read from ``path``."""

    path: str
    sha256: str
    values: dict[str, float]
    sources: dict[str, str] = field(default_factory=dict)
    targets: str | None = None  # the targets file, relative to the district folder
    targets_sha256: str | None = None
    data_sha256: str | None = None

    def record(self) -> dict:
        """What provenance records: the file and its hash."""
        return {"file": self.path, "sha256": self.sha256}

    def stale(self, district) -> list[str]:
        """What changed since the overlay was written (empty: nothing): the data, the targets file."""
        out = []
        if self.data_sha256 != district.data_hash:
            out.append(f"{self.path}: the district's data changed since it was written "
                       f"(data_sha256 {str(self.data_sha256)[:12]}, now {district.data_hash[:12]})")
        if self.targets is None or self.targets_sha256 is None:
            out.append(f"{self.path}: no targets file and hash recorded (not written by simulate calibrate --write)")
        else:
            targets = Path(self.path).parent / self.targets
            if not targets.is_file():
                out.append(f"{self.path}: its targets file {targets} is gone")
            elif sha256_of_file(targets) != self.targets_sha256:
                out.append(f"{self.path}: {targets} changed since it was written "
                           f"(targets_sha256 {self.targets_sha256[:12]}, now {sha256_of_file(targets)[:12]})")
        return out

    def apply(self, scenario):
        """``scenario`` (and its status quo) with the overlay's values, except leaves the scenario changes itself."""
        if scenario is None:
            return None
        leaves, origins = dict(scenario.leaves), dict(scenario.origins)
        for path, value in self.values.items():
            if path not in leaves or ": changes." in origins.get(path, ""):
                continue  # a scenario's own value of the leaf wins
            leaf = {k: v for k, v in leaves[path].items() if k != "by_year"}
            leaf["value"] = value
            leaf["source"] = f"calibrated for this district: {self.path} ({self.sources.get(path, 'calibration')})"
            leaves[path] = leaf
            origins[path] = f"{self.path}: parameters.{path}"
        base = scenario.baseline
        return dataclasses.replace(scenario, leaves=leaves, origins=origins,
                                   baseline=None if base is None or base is scenario else self.apply(base))


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _is_hash(x) -> bool:
    return isinstance(x, str) and len(x) == 64 and all(c in "0123456789abcdef" for c in x)


def load_overlay(folder: str | Path) -> Overlay | None:
    """The overlay ``folder/calibration.yaml`` (None when there is none); one DistrictError listing every problem."""
    from .district import DistrictError
    from .scenario import SCHEMA_PATHS, _annotation
    from .schema import field_bounds
    from .yamlfile import read_mapping

    path = Path(folder) / CALIBRATION_FILE
    if not path.exists() and not path.is_symlink():
        return None
    summary = (f"{path}: bad calibration file (fix it, or rerun `simulate calibrate --district {folder} --write`, "
               "which replaces a file it wrote)")

    class _Error(DistrictError):
        def __init__(self, message):
            super().__init__(summary, [message])

    doc = read_mapping(path, _Error, expected="a mapping with 'parameters'")
    problems = [f"{path}: {k}: unknown key (expected one of {', '.join(TOP_KEYS)})" for k in doc if k not in TOP_KEYS]
    for key in ("targets_sha256", "data_sha256"):
        if key in doc and not _is_hash(doc[key]):
            problems.append(f"{path}: {key}: expected a sha256 (64 hex digits), got {doc[key]!r:.80}")
    for key in ("written_by", "district", "targets"):
        if key in doc and not isinstance(doc[key], str):
            problems.append(f"{path}: {key}: expected text, got {doc[key]!r:.80}")
    params = doc.get("parameters")
    values, sources = {}, {}
    if not isinstance(params, dict) or not params:
        problems.append(f"{path}: parameters: expected a mapping of dotted parameter paths to "
                        "{value: ..., source: ...}")
        params = {}
    leaves = SCHEMA_PATHS  # every parameter of the tree (params/baseline.yaml sets each one)
    for key, spec in params.items():
        where = f"{path}: parameters.{key}"
        if key not in leaves:
            problems.append(f"{where}: not a parameter of params/baseline.yaml")
            continue
        if _annotation(key) is not float:
            problems.append(f"{where}: not a real-valued parameter (only those can be calibrated)")
            continue
        if not isinstance(spec, dict) or "value" not in spec:
            problems.append(f"{where}: expected a mapping with 'value' and 'source', got {spec!r:.80}")
            continue
        bad = [k for k in spec if k not in LEAF_KEYS]
        if bad:
            problems.append(f"{where}.{bad[0]}: unknown key (expected one of {', '.join(LEAF_KEYS)})")
            continue
        value = spec["value"]
        if not _is_number(value):
            problems.append(f"{where}.value: expected a finite number, got {value!r:.80}")
            continue
        lo, hi = field_bounds(key)
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            problems.append(f"{where}.value: {value:g} is outside the parameter's range [{lo}, {hi}]")
            continue
        if "source" in spec and not isinstance(spec["source"], str):
            problems.append(f"{where}.source: expected text, got {spec['source']!r:.80}")
            continue
        values[key] = float(value)
        sources[key] = spec.get("source") or "calibration"
    if problems:
        raise DistrictError(summary, problems)
    return Overlay(path=str(path), sha256=sha256_of_file(path), values=values, sources=sources,
                   targets=doc.get("targets"), targets_sha256=doc.get("targets_sha256"),
                   data_sha256=doc.get("data_sha256"))


def is_reference(district) -> bool:
    """Whether ``district`` is Banan's folder, whose intercepts params/baseline.yaml holds."""
    from .scenario import params_dir

    try:
        return Path(district.source).resolve() == (params_dir().parent / "data" / "banan").resolve()
    except (OSError, ValueError):
        return False


def calibration_note(district) -> str | None:
    """One plain sentence on which intercepts a run on ``district`` uses (None for Banan, whose they are)."""
    overlay = getattr(district, "calibration", None)
    if overlay is None:
        if is_reference(district) or not Path(district.source).is_dir():
            return None
        folder = Path(district.source)
        fill = "" if (folder / "targets.yaml").is_file() else \
            f"copy data/templates/targets.yaml to {folder / 'targets.yaml'} and fill it from the district's ledgers, then "
        return (f"district {district.name!r} has no {CALIBRATION_FILE}: the dropout and learning intercepts "
                f"calibrated to Banan (params/baseline.yaml) are used; {fill}`simulate calibrate --district "
                f"{district.source} --write` fits them to {folder / 'targets.yaml'} and writes "
                f"{folder / CALIBRATION_FILE}")
    stale = overlay.stale(district)
    text = (f"district {district.name!r}: intercepts fitted to this district from {overlay.path} "
            f"({', '.join(f'{p.rsplit(chr(46), 1)[-1]} = {v:g}' for p, v in overlay.values.items())})")
    if stale:
        text += ("; STALE: " + "; ".join(stale) +
                 f"; rerun `simulate calibrate --district {district.source} --write`")
    return text
