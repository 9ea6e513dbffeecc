"""Scenarios: a parameter tree from YAML, validated at load, with provenance.

``params/baseline.yaml`` holds the whole tree; every leaf is a mapping with
``value``, ``unit`` and ``source`` and optionally ``description``,
``uncertainty`` and ``by_year``. A scenario file under ``params/scenarios/`` has
``name``, ``title``, ``description``, ``extends`` (another scenario, or
``baseline``) and ``changes``: dotted parameter paths mapped to a new value, or
to a mapping of leaf fields (``{value: 3, source: "..."}``).

Rules chosen here (documented for users):
- A change that gives only a value replaces the value and drops the leaf's
  ``by_year`` schedule (the new value holds in every year); give ``by_year``
  in the change to keep a schedule.
- ``uncertainty`` is stored relative to the value it was declared with, so a
  scenario that moves a value moves its distribution with it.
- Everything is validated before anything runs: unknown keys, wrong types,
  out-of-range values, shares that do not sum to one, paths that do not exist,
  cycles in ``extends``. The one :class:`ScenarioError` lists every problem as
  ``file: dotted.path: what was expected, got what``.
"""

from __future__ import annotations

import copy
import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import yaml
from pydantic import ValidationError

from ..errors import SimulateError
from ..randomness import stream
from .schema import Parameters, field_bounds, leaf_paths
from .yamlfile import read_mapping

LEAF_KEYS = {"value", "unit", "source", "description", "uncertainty", "by_year"}
SCENARIO_KEYS = {"name", "title", "description", "extends", "changes"}
DISTRIBUTIONS = {"normal": {"sd"}, "uniform": {"low", "high"}, "triangular": {"low", "mode", "high"}}
SCHEMA_PATHS = leaf_paths()


class ScenarioError(SimulateError, ValueError):
    """Invalid parameter or scenario file; the message lists every problem."""


def params_dir() -> Path:
    """The ``params/`` folder: $SIMULATE_PARAMS_DIR, else the repository's."""
    env = os.environ.get("SIMULATE_PARAMS_DIR")
    if env:
        return Path(env)
    for parent in Path(__file__).resolve().parents:
        if (parent / "params" / "baseline.yaml").exists():
            return parent / "params"
    return Path.cwd() / "params"


def available_scenarios() -> list[str]:
    """Names of the scenarios that can be loaded by name (baseline first)."""
    names = sorted(p.stem for p in (params_dir() / "scenarios").glob("*.yaml"))
    return ["baseline", *[n for n in names if n != "baseline"]]


@dataclass(frozen=True, eq=False)
class Scenario:
    """A named, validated parameter tree.

    ``leaves`` maps each dotted path to its leaf (value, unit, source, ...);
    ``changes`` are the scenario's own changes relative to ``extends``.
    """

    name: str
    title: str
    description: str
    extends: str | None
    changes: dict[str, Any]
    leaves: dict[str, dict[str, Any]]
    source: str
    origins: dict[str, str] = field(default_factory=dict, repr=False)

    # -------------------------------------------------------------- values
    def value(self, path: str, year: int | None = None) -> Any:
        """The central value of ``path`` in ``year`` (start year when None)."""
        leaf = self.leaves[path]
        by_year = leaf.get("by_year") or {}
        if year is None or not by_year:
            return leaf["value"]
        current = leaf["value"]
        for y in sorted(by_year):
            if y <= year:
                current = by_year[y]
        return current

    @property
    def start_year(self) -> int:
        return int(self.leaves["start_year"]["value"])

    def values(self, year: int | None = None) -> Parameters:
        """The validated :class:`~simulate.inputs.schema.Parameters` for ``year``."""
        return Parameters.model_validate(_nest({p: self.value(p, year) for p in self.leaves}))

    def uncertain_paths(self) -> list[str]:
        return [p for p, leaf in self.leaves.items() if leaf.get("uncertainty")]

    def with_changes(self, changes: dict[str, Any], name: str | None = None,
                     title: str | None = None, description: str | None = None) -> "Scenario":
        """A new scenario that extends this one by ``changes`` (validated first).

        Used by the dashboard and the optimiser; ``to_yaml`` writes it back as a
        scenario file.
        """
        return _build(
            name=name or f"{self.name}+changes",
            title=title or self.title,
            description=description or self.description,
            extends=self.name,
            parent_leaves=self.leaves,
            parent_origins=self.origins,
            changes=dict(changes),
            file="<in memory>",
        )

    def changed_paths(self, other: "Scenario") -> list[str]:
        """Dotted paths whose leaf differs from ``other``'s."""
        return [p for p in self.leaves if _leaf_core(self.leaves[p]) != _leaf_core(other.leaves[p])]

    def to_yaml(self, extends: "Scenario", path: str | Path | None = None) -> str:
        """This scenario as a scenario file relative to ``extends``."""
        changes = {p: self.leaves[p]["value"] for p in self.changed_paths(extends)}
        doc = {"name": self.name, "title": self.title, "description": self.description,
               "extends": extends.name, "changes": changes}
        text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    @property
    def params_hash(self) -> str:
        from ..provenance import sha256_of_obj

        return sha256_of_obj({p: _leaf_core(l) for p, l in sorted(self.leaves.items())})

    # -------------------------------------------------------------- draws
    def sample(self, draws: int, seed: int, first_draw: int = 0) -> dict[str, np.ndarray]:
        """Sampled values of every uncertain leaf for draws ``first_draw …``.

        Each path has its own stream keyed by (seed, path), not by scenario, so
        every scenario of a comparison gets the same quantiles (common random
        numbers) and draw d's value does not depend on how many draws run.
        """
        from scipy.special import ndtri

        out: dict[str, np.ndarray] = {}
        for path in self.uncertain_paths():
            u = stream(seed, "parameters", path).random(first_draw + draws)[first_draw:]
            unc = self.leaves[path]["uncertainty"]
            kind = unc["distribution"]
            if kind == "normal":
                offset = unc["sd"] * ndtri(u)
            elif kind == "uniform":
                offset = unc["low"] + u * (unc["high"] - unc["low"])
            else:
                a, c, b = unc["low"], unc["mode"], unc["high"]
                cut = (c - a) / (b - a) if b > a else 0.5
                offset = np.where(u < cut, a + np.sqrt(u * (b - a) * (c - a)),
                                  b - np.sqrt((1 - u) * (b - a) * (b - c)))
            out[path] = offset  # additive offset to the value in every year
        return out

    def resolve(self, year: int, offsets: dict[str, np.ndarray] | None = None) -> SimpleNamespace:
        """Parameter values for ``year`` as attribute access, draws applied.

        Certain leaves are Python scalars; uncertain ones (when ``offsets`` is
        given) are float arrays of shape (draws,), clipped to the schema range.
        """
        flat: dict[str, Any] = {}
        for path in self.leaves:
            v = self.value(path, year)
            if offsets and path in offsets:
                lo, hi = field_bounds(path)
                v = np.clip(v + offsets[path], -np.inf if lo is None else lo, np.inf if hi is None else hi)
            flat[path] = v
        return _namespace(_nest(flat))


# ------------------------------------------------------------------ loading
def load_scenario(name_or_path: str | Path = "baseline") -> Scenario:
    """Load and validate a scenario by name (``params/scenarios/NAME.yaml``,
    or ``baseline``) or by path."""
    return _load(str(name_or_path), chain=())


def _locate(name_or_path: str) -> Path:
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml"):
        if not p.exists():
            raise ScenarioError(f"{p}: no such scenario file")
        return p
    if name_or_path == "baseline":
        return params_dir() / "baseline.yaml"
    candidate = params_dir() / "scenarios" / f"{name_or_path}.yaml"
    if not candidate.exists():
        known = available_scenarios()
        hint = difflib.get_close_matches(name_or_path, known, n=1)
        raise ScenarioError(
            f"{candidate}: no scenario named '{name_or_path}'"
            + (f" (did you mean '{hint[0]}'?)" if hint else f" (known: {', '.join(known)})")
        )
    return candidate


def _read_yaml(path: Path) -> dict:
    return read_mapping(path, ScenarioError, missing="no such scenario file")


def _load(name_or_path: str, chain: tuple[str, ...]) -> Scenario:
    path = _locate(name_or_path)
    key = str(path.resolve())
    if key in chain:
        cycle = " → ".join(Path(c).stem for c in (*chain, key))
        raise ScenarioError(f"{path}: extends: cycle in extends ({cycle})")
    doc = _read_yaml(path)
    if path.resolve() == (params_dir() / "baseline.yaml").resolve():
        return _load_tree(path, doc)
    errors = [f"{path}: {k}: unknown key (expected one of {', '.join(sorted(SCENARIO_KEYS))})"
              for k in doc if k not in SCENARIO_KEYS]
    errors += [f"{path}: {k}: missing" for k in ("name", "title", "description", "extends") if k not in doc]
    changes = doc.get("changes") or {}
    if not isinstance(changes, dict):
        errors.append(f"{path}: changes: expected a mapping of dotted paths to values")
    if errors:
        raise ScenarioError("\n".join(errors))
    extends = doc["extends"]
    if isinstance(extends, str) and extends.endswith((".yaml", ".yml")) and not Path(extends).is_absolute():
        extends = str(path.parent / extends)  # a path is relative to the file that names it
    parent = _load(str(extends), chain=(*chain, key)) if extends not in (None, "") else None
    if parent is None:
        raise ScenarioError(f"{path}: extends: expected a scenario name (e.g. baseline)")
    return _build(name=str(doc["name"]), title=str(doc["title"]), description=str(doc["description"]),
                  extends=str(doc["extends"]), parent_leaves=parent.leaves, parent_origins=parent.origins,
                  changes=changes, file=str(path))


def _load_tree(path: Path, doc: dict) -> Scenario:
    meta = {k: doc.pop(k) for k in ("name", "title", "description") if k in doc}
    leaves: dict[str, dict] = {}
    errors: list[str] = []
    _collect_leaves(doc, "", leaves, errors, str(path))
    for p in leaves:
        if p not in SCHEMA_PATHS:
            hint = difflib.get_close_matches(p, SCHEMA_PATHS, n=1)
            errors.append(f"{path}: {p}: unknown parameter" + (f" (did you mean '{hint[0]}'?)" if hint else ""))
    errors += [f"{path}: {p}: missing (every parameter needs a value, unit and source)"
               for p in SCHEMA_PATHS if p not in leaves]
    if errors:
        raise ScenarioError("\n".join(errors))
    origins = {p: f"{path}: {p}" for p in leaves}
    scenario = Scenario(name=meta.get("name", "baseline"), title=meta.get("title", "baseline"),
                        description=meta.get("description", ""), extends=None, changes={},
                        leaves=leaves, source=str(path), origins=origins)
    _validate(scenario)
    return scenario


def _collect_leaves(node: dict, prefix: str, out: dict, errors: list, file: str) -> None:
    for key, sub in node.items():
        path = f"{prefix}{key}"
        if isinstance(sub, dict) and "value" in sub:
            bad = set(sub) - LEAF_KEYS
            if bad:
                errors.append(f"{file}: {path}: unknown leaf key(s) {sorted(bad)} (allowed: {sorted(LEAF_KEYS)})")
            for need in ("unit", "source"):
                if not sub.get(need):
                    errors.append(f"{file}: {path}: missing '{need}'")
            leaf = dict(sub)
            err = _normalise_uncertainty(leaf, f"{file}: {path}")
            if err:
                errors.append(err)
            out[path] = leaf
        elif isinstance(sub, dict):
            _collect_leaves(sub, f"{path}.", out, errors, file)
        else:
            errors.append(f"{file}: {path}: expected a leaf mapping with value, unit and source, got {sub!r}")


def _normalise_uncertainty(leaf: dict, where: str) -> str | None:
    """Check an uncertainty block and store it as offsets from the leaf's value."""
    unc = leaf.get("uncertainty")
    if unc is None:
        return None
    kind = unc.get("distribution") if isinstance(unc, dict) else None
    if kind not in DISTRIBUTIONS:
        return f"{where}.uncertainty: distribution must be one of {sorted(DISTRIBUTIONS)}"
    need = DISTRIBUTIONS[kind]
    if set(unc) - need - {"distribution"} or need - set(unc):
        return f"{where}.uncertainty: a {kind} distribution takes exactly {sorted(need)}"
    try:
        vals = {k: float(unc[k]) for k in need}
        base = float(leaf["value"])
    except (TypeError, ValueError):
        return f"{where}.uncertainty: expected numbers"
    if kind == "normal":
        if vals["sd"] < 0:
            return f"{where}.uncertainty.sd: expected a number ≥ 0, got {vals['sd']:g}"
        leaf["uncertainty"] = {"distribution": kind, "sd": vals["sd"]}
        return None
    lo, hi = vals["low"], vals["high"]
    mode = vals.get("mode", lo)
    if not lo <= mode <= hi or not lo <= base <= hi:
        return f"{where}.uncertainty: expected low ≤ value ≤ high, got low {lo:g}, value {base:g}, high {hi:g}"
    leaf["uncertainty"] = {"distribution": kind, "low": lo - base, "high": hi - base,
                           **({"mode": mode - base} if kind == "triangular" else {})}
    return None


def _build(*, name, title, description, extends, parent_leaves, parent_origins, changes, file) -> Scenario:
    leaves = copy.deepcopy(parent_leaves)
    origins = dict(parent_origins)
    errors = []
    for path, change in changes.items():
        where = f"{file}: changes.{path}"
        if path not in leaves:
            hint = difflib.get_close_matches(str(path), list(leaves), n=1)
            errors.append(f"{where}: no such parameter" + (f" (did you mean '{hint[0]}'?)" if hint else ""))
            continue
        if isinstance(change, dict):
            bad = set(change) - LEAF_KEYS
            if bad:
                errors.append(f"{where}: unknown leaf key(s) {sorted(bad)} (allowed: {sorted(LEAF_KEYS)})")
                continue
            if "value" in change and "by_year" not in change:
                leaves[path].pop("by_year", None)
            leaves[path].update(change)
            err = _normalise_uncertainty(leaves[path], where) if "uncertainty" in change else None
            if err:
                errors.append(err)
        else:
            leaves[path]["value"] = change
            leaves[path].pop("by_year", None)
        leaves[path]["source"] = leaves[path].get("source") if isinstance(change, dict) and "source" in change \
            else f"scenario {name}: {leaves[path].get('source', '')}"
        origins[path] = where
    if errors:
        raise ScenarioError("\n".join(errors))
    scenario = Scenario(name=name, title=title, description=description, extends=extends,
                        changes=dict(changes), leaves=leaves, source=file, origins=origins)
    _validate(scenario)
    return scenario


def _validate(scenario: Scenario) -> None:
    years = {scenario.start_year}
    for leaf in scenario.leaves.values():
        years |= set((leaf.get("by_year") or {}).keys())
    errors: dict[str, str] = {}  # one message per (place, problem), from the first year it appears
    for year in sorted(years):
        try:
            scenario.values(year)
        except ValidationError as exc:
            for err in exc.errors():
                path = ".".join(str(x) for x in err["loc"])
                where, what = _describe(scenario, path, err)
                errors.setdefault(f"{where}: {what}", f"{where}: {what}" + (
                    "" if year == scenario.start_year else f" (in {year})"))
    if errors:
        raise ScenarioError("\n".join(errors.values()))


def _describe(scenario: Scenario, path: str, err: dict) -> tuple[str, str]:
    """(file: dotted path, what was expected and what was given) for one pydantic error."""
    origin = scenario.origins.get(path)
    if origin is None:  # a model-level error (e.g. shares): name the file of a changed child
        kids = [p for p in scenario.origins if p.startswith(path + ".")]
        changed = [scenario.origins[p] for p in kids if "changes." in scenario.origins[p]]
        origin = (changed[0].rsplit(": ", 1)[0] + f": changes.{path}") if changed else \
            (scenario.origins[kids[0]].rsplit(": ", 1)[0] + f": {path}" if kids else path)
    msg = err["msg"].replace("Value error, ", "")
    for words, sign in (("greater than or equal to", "a value ≥"), ("less than or equal to", "a value ≤"),
                        ("greater than", "a value >"), ("less than", "a value <")):
        msg = msg.replace(f"Input should be {words}", f"expected {sign}")
    msg = msg.replace("Input should be", "expected")
    got = "" if err["type"] == "value_error" else f", got {err.get('input')!r}"
    return origin, msg + got


# ------------------------------------------------------------------ helpers
def _nest(flat: dict[str, Any]) -> dict:
    tree: dict = {}
    for path, v in flat.items():
        node = tree
        *heads, last = path.split(".")
        for h in heads:
            node = node.setdefault(h, {})
        node[last] = v
    return tree


def _namespace(tree: dict) -> SimpleNamespace:
    return SimpleNamespace(**{k: _namespace(v) if isinstance(v, dict) else v for k, v in tree.items()})


def _leaf_core(leaf: dict) -> tuple:
    return (repr(leaf.get("value")), repr(sorted((leaf.get("by_year") or {}).items())),
            repr(leaf.get("uncertainty")))
