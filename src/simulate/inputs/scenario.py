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
  scenario that moves a value moves its distribution with it. It may carry a
  ``reason`` (text: why the distribution is this wide), kept beside the offsets.
- ``fixed`` (text) marks a number that is deliberately held at its value in every
  draw, and says why (an official rule, an accounting identity from a report, a
  policy lever the scenario chooses, a reference category). A leaf is either
  uncertain or fixed, never both; a scenario change that gives a leaf an
  uncertainty drops its ``fixed`` mark. ``tests/inputs/test_priors.py`` requires
  one or the other on every numeric leaf of ``params/baseline.yaml`` that is not
  calibrated.
- Everything is validated before anything runs: unknown keys, wrong types,
  out-of-range values, shares that do not sum to one, paths that do not exist,
  cycles in ``extends``. The one :class:`ScenarioError` lists every problem as
  ``file: dotted.path: what was expected, got what``.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import yaml
from pydantic import ValidationError

from ..errors import SimulateError
from ..randomness import stream
from .schema import Parameters, clip_to_limits, field_limits, leaf_paths
from .yamlfile import read_mapping

LEAF_KEYS = {"value", "unit", "source", "description", "uncertainty", "by_year", "scale_with", "fixed"}
#: ``scale_with``: what an absolute quantity grows with on a district of another size (inputs/scaling.py)
SCALE_WITH = ("pupils", "schools", "teachers", "none")
SCENARIO_KEYS = {"name", "title", "description", "extends", "changes", "district", "title_zh"}
#: scale_with measures that make a leaf grow with the district (every other value is absolute)
SCALED = ("pupils", "schools", "teachers")
DISTRIBUTIONS = {"normal": {"sd"}, "uniform": {"low", "high"}, "triangular": {"low", "mode", "high"}}
SCHEMA_PATHS = leaf_paths()
# A scenario *name* (``simulate run NAME``, ``--versus``, ``--reference``, ``extends: NAME``) is looked up
# as params/scenarios/NAME.yaml: letters, digits, '_' and '-' only, so that no name can leave params/
# ('/', '..', a newline); anything else must be an existing .yaml file given as a path.
NAME_RULE = re.compile(r"\w[\w-]{0,99}")
# The ``name:`` written inside a file may also hold '.', '+' and '@' (names the tool makes, e.g.
# ``baseline+dashboard``), never '/', '..', spaces or a newline.
STORED_NAME_RULE = re.compile(r"\w[\w.+@-]{0,99}")
YEARS = (1990, 2100)  # by_year keys: the range of start_year
SCHOOL_ID = re.compile(r"[\w.\-]+")  # as in district CSVs (simulate.inputs.validation)


class ScenarioError(SimulateError, ValueError):
    """Invalid parameter or scenario file; the message lists every problem."""


class ScenarioWarning(UserWarning):
    """A scenario change that does nothing (its value equals the one it replaces)."""


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
    baseline: "Scenario | None" = field(default=None, repr=False)  # the tree this one extends; None for it
    #: paths kept as explicit changes even where the value equals the parent's (``with_changes(pin=...)``)
    pinned: frozenset = field(default=frozenset(), repr=False)
    #: the scenario this one was made from in Python (``with_changes``); None when loaded from a file
    parent: "Scenario | None" = field(default=None, repr=False)

    def __repr__(self) -> str:
        n = len(self.changes)
        parent = f", extends {self.extends!r}" if self.extends else ""
        title = self.title if len(self.title) <= 60 else self.title[:57] + "…"
        return f"<Scenario {self.name!r}: {title!r}{parent}, {n} change{'s' if n != 1 else ''}>"
    #: the district folder (resolved path) the scenario's numbers are written for: its changes run as
    #: written there (``district:`` key, or a file inside a district folder); None = written for Banan
    written_for: str | None = field(default=None, repr=False)
    title_zh: str = ""  # the title in Chinese (optional ``title_zh:``; the planner dashboard's Chinese mode)

    @property
    def status_quo(self) -> "Scenario":
        """The baseline tree this scenario extends (itself for the baseline): the policy in force
        when the district's data were observed. The engine starts every scenario from the steady
        state of this policy, so scenarios differ only from the first simulated year."""
        return self.baseline if self.baseline is not None else self

    # -------------------------------------------------------------- values
    def value(self, path: str, year: int | None = None) -> Any:
        """The central value of ``path`` in ``year`` (start year when None). An unknown path raises
        :class:`~simulate.errors.NotFoundError` (a ``KeyError``) with the closest paths; units, ranges
        and sources of every path: ``simulate.parameters()``."""
        if path not in self.leaves:
            from ..errors import NotFoundError

            raise NotFoundError.of("parameter", path, self.leaves, where=f"scenario {self.name}")
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

    def check_district(self, district) -> None:
        """ScenarioError naming the file and key of every school id (``named_schools``, in any
        year) that is not a school of ``district``; run before anything is simulated."""
        self.check_written_for(district)
        named = {p: [leaf["value"], *(leaf.get("by_year") or {}).values()] for p, leaf in self.leaves.items()
                 if p.endswith(".named_schools")}
        if not any(v for lists in named.values() for v in lists):
            return
        ids = set(district.schools["school_id"].astype(str))
        errors = []
        for path, lists in named.items():
            unknown = sorted({s for v in lists for s in v if s not in ids})
            if unknown:
                hint = difflib.get_close_matches(unknown[0], sorted(ids), n=1)
                shown = ", ".join(repr(s) for s in unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
                errors.append(f"{self.origins.get(path, path)}: {shown} "
                              f"{'is not a school' if len(unknown) == 1 else 'are not schools'} of district "
                              f"{district.name!r} ({district.source})"
                              + (f" (did you mean {hint[0]!r}?)" if hint else ""))
        if errors:
            raise ScenarioError("\n".join(errors))

    def check_written_for(self, district) -> None:
        """ScenarioError when the scenario is written for one district (``district:``) and run on another:
        its numbers were meant as written for that district, so neither scaling nor running them as
        written elsewhere would be what its author wrote."""
        if self.written_for is None:
            return
        source = Path(str(district.source))
        here = str(source.resolve()) if source.is_dir() else str(district.source)
        if here != self.written_for:
            raise ScenarioError(
                f"{self.source}: district: the scenario is written for the district in {self.written_for} "
                f"(its numbers run as written there), but this run is on district {district.name!r} "
                f"({district.source}); run it with --district {self.written_for}, or write a copy for "
                f"{district.name!r}")

    def with_changes(self, changes: dict[str, Any], name: str | None = None,
                     title: str | None = None, description: str | None = None, *,
                     pin: bool | list[str] | tuple[str, ...] = ()) -> "Scenario":
        """A new scenario that extends this one by ``changes`` (dotted path → value, or → a mapping of
        leaf fields such as ``{"value": 3, "source": "..."}``), validated before anything runs.

        - ``name``: default ``"<this name>+changes"``; ``title`` and ``description``: when not given,
          derived from the changes (``"<this title>, with teachers.support.count 20 → 60"``), never
          the parent's own.
        - Each changed leaf's ``source`` says it was changed, in which scenario and from which value
          (unless the change gives its own ``source``).
        - A change equal to the value it replaces is a no-op: it warns (:class:`ScenarioWarning`) and
          is not saved, unless ``pin`` names its path (or ``pin=True``: every path of ``changes``),
          which keeps it as an explicit change of this scenario (in ``changes`` and in
          :meth:`to_yaml`), e.g. to hold a value fixed when the parent later changes.

        Save it with :func:`save_scenario` (into ``params/scenarios/``) or :meth:`to_yaml`.
        """
        import warnings

        if not isinstance(changes, dict):
            raise ScenarioError(f"changes: expected a mapping of dotted parameter paths to values, got {_short(changes)}")
        if pin is True:
            pinned = set(changes)
        elif pin is False or pin is None:
            pinned = set()
        elif isinstance(pin, str) or not all(isinstance(p, str) for p in pin):
            raise ScenarioError(f"pin: expected True or a list of dotted paths, got {_short(pin)}")
        else:
            pinned = set(pin)
        stray = sorted(pinned - set(changes))
        if stray:
            raise ScenarioError(f"pin: {_short(stray[0])} is not one of the changes ({', '.join(map(str, changes))})")
        name = name or f"{self.name}+changes"
        scenario = _build(
            name=name,
            title=title or "",
            title_zh="" if title else (f"{self.title_zh}（已修改）" if self.title_zh and changes else self.title_zh),
            description=description or "",
            extends=self.name,
            parent_leaves=self.leaves,
            parent_origins=self.origins,
            parent_baseline=self.status_quo,
            changes=dict(changes),
            file="<in memory>",
            written_for=self.written_for,
        )
        same = [p for p in changes if _leaf_core(scenario.leaves[p]) == _leaf_core(self.leaves[p])]
        for p in same:
            if p not in pinned:
                warnings.warn(f"with_changes: {p} = {_short(self.value(p), 40)} equals its value in "
                              f"{self.name!r}: the change does nothing and is not saved "
                              f"(pin=[{p!r}] keeps it as an explicit change)", ScenarioWarning, stacklevel=2)
        moved = [p for p in changes if p not in same]
        arrows = [f"{p} {_short(self.value(p), 30)} → {_short(scenario.value(p), 30)}" for p in moved]
        held = [f"{p} at {_short(self.value(p), 30)}" for p in same if p in pinned]
        if not title:
            what = "; ".join(arrows[:2]) + (f" and {len(arrows) - 2} more" if len(arrows) > 2 else "")
            title = (f"{self.title}, with {what}" if arrows else
                     f"{self.title}, holding {'; '.join(held[:2])}" if held else f"{self.title} (unchanged)")
        if not description:
            description = f"Made in Python from scenario '{self.name}' ({self.title})"
            if arrows:
                description += (f" by {len(arrows)} change{'s' if len(arrows) != 1 else ''}: " + "; ".join(arrows))
            if held:
                description += (", and" if arrows else ",") + " holding " + "; ".join(held) + " (pinned)"
            description += "." if arrows or held else "; no value differs."
        for p in same:
            if p not in pinned:  # a no-op keeps the parent's leaf, source and all
                scenario.leaves[p] = copy.deepcopy(self.leaves[p])
                scenario.origins[p] = self.origins.get(p, p)
        keep = {p: v for p, v in changes.items() if p not in same or p in pinned}
        return dataclasses.replace(scenario, title=title, description=description, changes=keep,
                                   pinned=frozenset(pinned), parent=self)

    def changed_paths(self, other: "Scenario") -> list[str]:
        """Dotted paths whose leaf differs from ``other``'s."""
        return [p for p in self.leaves if _leaf_core(self.leaves[p]) != _leaf_core(other.leaves[p])]

    def to_yaml(self, path: str | Path | None = None, *, extends: "Scenario | None" = None,
                force: bool = False) -> str:
        """This scenario as scenario-file text relative to ``extends`` (default: the scenario it was
        made from, :attr:`parent`; else the one it names in ``extends``), written to ``path`` when given.

        Every changed leaf is written (its value, and its ``by_year`` schedule, uncertainty or
        ``scale_with`` where those changed), and so is every pinned path.

        ``path``: a relative path is relative to the current working folder, as with ``open()``
        (from a notebook in ``notebooks/``, ``"params/scenarios/x.yaml"`` is
        ``notebooks/params/...``); to save into the parameter folder from anywhere use
        :func:`simulate.save_scenario`. The folder must exist. An existing file is never replaced
        unless ``force=True`` (:class:`~simulate.errors.InputError` otherwise); the file is written
        atomically (a temporary file renamed into place), so a failure leaves nothing half-written.
        """
        if isinstance(path, Scenario):  # the former signature, to_yaml(extends, path)
            path, extends = extends, path
        pins = set(self.pinned)
        if extends is None:
            # the nearest scenario a file can name: one made in Python is skipped (its changes and pins
            # are written into this file), so the file loads on its own
            extends = self.parent
            while extends is not None and extends.source == "<in memory>" and extends.parent is not None:
                pins |= extends.pinned
                extends = extends.parent
            if extends is None and self.extends:
                extends = load_scenario(self.extends)
        if extends is None:
            raise ScenarioError(f"to_yaml: scenario {self.name!r} extends nothing (it is a whole parameter tree); "
                                "give extends=")
        if extends.source == "<in memory>":
            raise ScenarioError(f"to_yaml: {extends.name!r} was made in Python and is not saved; save it first "
                                "(simulate.save_scenario) or give extends= a saved scenario")
        paths = [p for p in self.leaves if p in pins or p in self.changed_paths(extends)]
        changes = {p: _change_of(self.leaves[p], extends.leaves[p]) for p in paths}
        doc = {"name": self.name, "title": self.title, **({"title_zh": self.title_zh} if self.title_zh else {}),
               "description": self.description,
               "extends": _file_name_of(extends), "changes": changes}
        text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
        if path is not None:
            _write_new(Path(path), text, force)
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

        The calibrated parameters (the registry of published figures' set) come
        jointly from their posterior draws (:mod:`simulate.inputs.posterior`)
        instead of from independent priors, so each draw still fits the figures
        it was calibrated to; without a posterior, from their priors.
        """
        from scipy.special import ndtri

        from . import posterior

        out: dict[str, np.ndarray] = {}
        for path in self.uncertain_paths():
            g = stream(seed, "parameters", path)
            g.bit_generator.advance(first_draw)  # the same numbers as .random(first_draw + draws)[first_draw:]
            u = g.random(draws)
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
        joint = posterior.offsets(draws, seed, first_draw, self.leaves)  # jointly, from the calibration
        out.update(joint)
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
                v = clip_to_limits(path, v + offsets[path])
            flat[path] = v
        return _namespace(_nest(flat))


def _change_of(leaf: dict, parent: dict):
    """The scenario-file change that turns ``parent`` into ``leaf``: the bare value when only the value
    differs, else a mapping with the value and whichever of ``by_year``, ``uncertainty`` (back in
    absolute terms) and ``scale_with`` the leaf has."""
    value = leaf["value"]
    plain = (not leaf.get("by_year") and not parent.get("by_year")
             and repr(leaf.get("uncertainty")) == repr(parent.get("uncertainty"))
             and leaf.get("scale_with") == parent.get("scale_with"))
    if plain:
        return value
    change: dict = {"value": value}
    if leaf.get("by_year"):
        change["by_year"] = dict(leaf["by_year"])
    unc = leaf.get("uncertainty")
    if unc:
        v = float(value)
        change["uncertainty"] = {k: (x if k in ("distribution", "sd") else x + v) for k, x in unc.items()}
    if leaf.get("scale_with") and leaf.get("scale_with") != parent.get("scale_with"):
        change["scale_with"] = leaf["scale_with"]
    return change


def _file_name_of(scenario: "Scenario") -> str:
    """What ``extends:`` should say to reach ``scenario``: ``baseline`` for the parameter tree, its name
    when it is the parameter folder's ``scenarios/NAME.yaml``, else its file's absolute path."""
    if scenario.extends is None:  # the whole tree: only params/baseline.yaml loads as one
        return "baseline"
    src = Path(scenario.source)
    named = params_dir() / "scenarios" / f"{scenario.name}.yaml"
    try:
        if named.is_file() and src.resolve() == named.resolve():
            return scenario.name
    except OSError:
        pass
    return str(src.resolve())


def _write_new(path: Path, text: str, force: bool) -> Path:
    """``text`` into ``path`` atomically; never over an existing file without ``force``; the folder must exist."""
    from ..errors import InputError
    from ..provenance import OutputError, write_file_atomically

    if not path.parent.is_dir():
        raise InputError(f"{path}: no folder {path.parent.resolve()} (a relative path is relative to the "
                         f"working folder, now {Path.cwd()}); simulate.save_scenario(scenario) saves into "
                         f"{params_dir() / 'scenarios'} from anywhere")
    try:
        return write_file_atomically(path, text, overwrite=force, what="scenario file")
    except OutputError as exc:
        if "already exists" in str(exc):
            raise InputError(f"{path}: already exists; pass force=True to replace it, or choose another "
                             "name") from None
        raise


def save_scenario(scenario: "Scenario", name: str | None = None, *, force: bool = False,
                  extends: "Scenario | None" = None) -> Path:
    """``simulate.save_scenario``: write ``scenario`` as ``params/scenarios/NAME.yaml`` (the parameter
    folder, :func:`params_dir`, wherever Python runs; NAME is ``name`` or the scenario's own name),
    so that ``load_scenario(NAME)``, ``simulate run NAME`` and the dashboard find it.

    Never replaces an existing file unless ``force=True``; the name must be a scenario name (letters,
    digits, '_' and '-'); the file holds the changes against the scenario it was made from (or
    ``extends``), pinned paths included. Returns the path written.
    """
    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"scenario: expected a Scenario (e.g. from with_changes), got {_short(scenario)}")
    name = check_name(scenario.name if name is None else name, "name")
    if name == "baseline":
        raise ScenarioError("name: 'baseline' is the parameter tree itself; choose another name")
    folder = params_dir() / "scenarios"
    if not folder.is_dir():
        raise ScenarioError(f"{folder}: no such folder (the parameter folder is {params_dir()}; set "
                            "SIMULATE_PARAMS_DIR to use another)")
    named = scenario if scenario.name == name else dataclasses.replace(scenario, name=name)
    path = folder / f"{name}.yaml"
    named.to_yaml(path, extends=extends, force=force)
    return path


# ------------------------------------------------------------------ loading
def load_scenario(name_or_path: str | Path = "baseline") -> Scenario:
    """Load and validate a scenario by name (``params/scenarios/NAME.yaml``,
    or ``baseline``) or by path (an existing ``.yaml`` file)."""
    if isinstance(name_or_path, Scenario):
        return name_or_path
    if not isinstance(name_or_path, (str, os.PathLike)):
        raise ScenarioError(f"scenario: expected a scenario name or a path to a .yaml file, got {_short(name_or_path)}")
    return _load(os.fspath(name_or_path), chain=())


def check_name(name: object, what: str = "scenario") -> str:
    """``name`` if it can name a scenario file under params/scenarios/; ScenarioError naming ``what`` if not."""
    if not isinstance(name, str) or not NAME_RULE.fullmatch(name):
        raise ScenarioError(
            f"{what}: {_short(name)} is not a scenario name (1–100 letters, digits, '_' or '-'; "
            "to load a file from elsewhere give its path, ending in .yaml)")
    return name


def scenario_flag(text: str) -> str:
    """An argparse ``type`` for a scenario on the command line: a name (see :data:`NAME_RULE`) or a path
    ending in .yaml/.yml (whether it exists is checked when it is loaded, naming the file)."""
    import argparse

    if Path(text).suffix in (".yaml", ".yml") and "\n" not in text:
        return text
    try:
        return check_name(text, "value")
    except ScenarioError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("value: ")) from None


scenario_flag.__name__ = "scenario"


def _locate(name_or_path: str, what: str = "scenario") -> Path:
    from .limits import path_problem

    by = "" if what == "scenario" else f"{what}: "  # e.g. "x.yaml: extends: " for a parent that is not there
    problem = path_problem(name_or_path)
    if problem:
        raise ScenarioError(f"{by or 'scenario: '}{name_or_path[:80]!r} {problem}")
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml"):
        if p.is_dir():
            raise ScenarioError(f"{by}{p}: is a folder, not a scenario file")
        if not p.is_file():
            raise ScenarioError(f"{by}{p}: no such scenario file")
        return p
    if name_or_path == "baseline":
        return params_dir() / "baseline.yaml"
    check_name(name_or_path, what)
    candidate = params_dir() / "scenarios" / f"{name_or_path}.yaml"
    if not candidate.exists():
        known = available_scenarios()
        hint = difflib.get_close_matches(name_or_path, known, n=1)
        raise ScenarioError(
            f"{by}{candidate}: no scenario named '{name_or_path}'"
            + (f" (did you mean '{hint[0]}'?)" if hint else f" (known: {', '.join(known)})")
        )
    return candidate


def _read_yaml(path: Path) -> dict:
    return read_mapping(path, ScenarioError, missing="no such scenario file")


def _load(name_or_path: str, chain: tuple[str, ...], what: str = "scenario") -> Scenario:
    path = _locate(name_or_path, what)
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
        errors.append(f"{path}: changes: expected a mapping of dotted paths to values, got {_short(changes)}")
    errors += _meta_problems(doc, path)
    extends = doc.get("extends")
    if not errors and (not isinstance(extends, str) or not extends):
        errors.append(f"{path}: extends: expected a scenario name (e.g. baseline) or a .yaml path, "
                      f"got {_short(extends)}")
    if errors:
        raise ScenarioError("\n".join(errors))
    if extends.endswith((".yaml", ".yml")) and not Path(extends).is_absolute():
        extends = str(path.parent / extends)  # a path is relative to the file that names it
    parent = _load(extends, chain=(*chain, key), what=f"{path}: extends")
    written_for = _written_for(doc, path, parent)
    built = _build(name=doc["name"], title=doc["title"], title_zh=doc.get("title_zh", ""), description=doc["description"],
                   extends=doc["extends"], parent_leaves=parent.leaves, parent_origins=parent.origins,
                   parent_baseline=parent.status_quo, changes=changes, file=str(path), written_for=written_for)
    return dataclasses.replace(built, pinned=frozenset(map(str, changes)))  # the file's changes, kept on save


def _written_for(doc: dict, path: Path, parent: Scenario) -> str | None:
    """The district folder a scenario file's numbers are written for (resolved path), or None (Banan's).

    ``district: NAME_OR_PATH`` (a folder under data/, or a path relative to the file) names it; a file
    lying in a district folder (or in a folder directly inside one, e.g. ``data/my_county/scenarios/``)
    is written for that district; a scenario extending one written for a district is written for it too.
    """
    from .folders import default_data_dir, is_district_folder

    named = doc.get("district")
    found = None
    if named is not None:
        if not isinstance(named, str) or not named.strip():
            raise ScenarioError(f"{path}: district: expected a district folder (a name under data/ or a path), "
                                f"got {_short(named)}")
        candidates = [path.parent / named, Path(named), default_data_dir() / named]
        folder = next((c for c in candidates if c.is_dir() and is_district_folder(c)), None)
        if folder is None:
            raise ScenarioError(f"{path}: district: {named!r} is not a district folder (a folder with schools.csv "
                                f"and enrolment.csv, named under {default_data_dir()} or as a path)")
        found = str(folder.resolve())
    else:
        for folder in (path.parent, path.parent.parent):
            if is_district_folder(folder):
                found = str(folder.resolve())
                break
    inherited = parent.written_for
    if found and inherited and found != inherited:
        raise ScenarioError(f"{path}: district: written for {found}, but it extends {parent.source}, written "
                            f"for {inherited}")
    return found or inherited


def _meta_problems(doc: dict, path: Path) -> list[str]:
    """name, title and description: text; the name on one line, without '/', '..' or spaces."""
    out = []
    for key in ("name", "title", "title_zh", "description"):
        if key in doc and not isinstance(doc[key], str):
            out.append(f"{path}: {key}: expected text, got {_short(doc[key])}")
    name = doc.get("name")
    if isinstance(name, str) and (not STORED_NAME_RULE.fullmatch(name) or ".." in name):
        out.append(f"{path}: name: {name!r} is not a scenario name (1–100 letters, digits, '_', '-', '.', '+' "
                   "or '@', on one line)")
    return out


def _load_tree(path: Path, doc: dict) -> Scenario:
    errors: list[str] = _meta_problems(doc, path)
    meta = {k: doc.pop(k) for k in ("name", "title", "title_zh", "description") if k in doc}
    leaves: dict[str, dict] = {}
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
                        title_zh=meta.get("title_zh", ""),
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
                errors.append(f"{file}: {path}: unknown leaf key(s) {sorted(map(str, bad))} "
                              f"(allowed: {sorted(LEAF_KEYS)})")
            for need in ("unit", "source"):
                if need not in sub or sub[need] in (None, ""):
                    errors.append(f"{file}: {path}: missing '{need}'")
            leaf = dict(sub)
            errors += _field_problems(leaf, f"{file}: {path}")
            err = _normalise_uncertainty(leaf, f"{file}: {path}", path)
            if err:
                errors.append(err)
            out[path] = leaf
        elif isinstance(sub, dict):
            _collect_leaves(sub, f"{path}.", out, errors, file)
        else:
            errors.append(f"{file}: {path}: expected a leaf mapping with value, unit and source, got {_short(sub)}")


def _field_problems(leaf: dict, where: str) -> list[str]:
    """unit, source, description: text; by_year: a mapping of years to values."""
    out = [f"{where}.{k}: expected text, got {_short(leaf[k])}"
           for k in ("unit", "source", "description", "fixed")
           if leaf.get(k) is not None and not isinstance(leaf[k], str)]
    if leaf.get("fixed") is not None and not str(leaf["fixed"]).strip():
        out.append(f"{where}.fixed: expected the reason the value is held fixed, got empty text")
    if leaf.get("fixed") is not None and leaf.get("uncertainty"):
        out.append(f"{where}: a leaf is either fixed or uncertain, not both (drop 'fixed' or 'uncertainty')")
    if leaf.get("scale_with") is not None and leaf["scale_with"] not in SCALE_WITH:
        out.append(f"{where}.scale_with: expected one of {', '.join(SCALE_WITH)}, got {_short(leaf['scale_with'])}")
    by_year = leaf.get("by_year")
    if by_year is not None:
        if not isinstance(by_year, dict):
            out.append(f"{where}.by_year: expected a mapping of years to values (e.g. {{2021: 3}}), "
                       f"got {_short(by_year)}")
        else:
            bad = [y for y in by_year if not _is_int(y) or not YEARS[0] <= y <= YEARS[1]]
            if bad:
                out.append(f"{where}.by_year: {_short(bad[0])} is not a year (expected an integer from "
                           f"{YEARS[0]} to {YEARS[1]})")
    return out


def _is_int(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _annotation(path: str):
    """The schema's type of the leaf at dotted ``path`` (None if there is no such leaf)."""
    model = Parameters
    *heads, last = path.split(".")
    try:
        for h in heads:
            model = model.model_fields[h].annotation
        return model.model_fields[last].annotation
    except (KeyError, AttributeError):
        return None


def _normalise_uncertainty(leaf: dict, where: str, path: str | None = None) -> str | None:
    """Check an uncertainty block and store it as offsets from the leaf's value.

    Only a real-valued parameter (a ``float`` in the schema) can be uncertain; every number of
    the block must be finite and not a boolean or text (an ``sd: .nan`` would make every
    draw NaN)."""
    unc = leaf.get("uncertainty")
    if unc is None:
        return None
    if path is not None and _annotation(path) is not float:
        return f"{where}.uncertainty: only a real-valued parameter can be uncertain ({path} is not one)"
    kind = unc.get("distribution") if isinstance(unc, dict) else None
    if not isinstance(kind, str) or kind not in DISTRIBUTIONS:
        return f"{where}.uncertainty: distribution must be one of {sorted(DISTRIBUTIONS)}, got {_short(kind)}"
    need = DISTRIBUTIONS[kind]
    if set(unc) - need - {"distribution", "reason"} or need - set(unc):
        return f"{where}.uncertainty: a {kind} distribution takes exactly {sorted(need)} (and optionally a reason)"
    reason = unc.get("reason")
    if reason is not None and (not isinstance(reason, str) or not reason.strip()):
        return f"{where}.uncertainty.reason: expected text (why the range is this wide), got {_short(reason)}"
    why = {"reason": reason} if reason is not None else {}
    for k in sorted(need):
        if not _is_number(unc[k]):
            return f"{where}.uncertainty.{k}: expected a finite number, got {_short(unc[k])}"
    if not _is_number(leaf.get("value")):
        return f"{where}.uncertainty: the value must be a finite number to be uncertain, got {_short(leaf.get('value'))}"
    vals = {k: float(unc[k]) for k in need}
    base = float(leaf["value"])
    if kind == "normal":
        if vals["sd"] < 0:
            return f"{where}.uncertainty.sd: expected a number ≥ 0, got {vals['sd']:g}"
        leaf["uncertainty"] = {"distribution": kind, "sd": vals["sd"], **why}
        return None
    lo, hi = vals["low"], vals["high"]
    mode = vals.get("mode", lo)
    if not lo <= mode <= hi or not lo <= base <= hi:
        return f"{where}.uncertainty: expected low ≤ value ≤ high, got low {lo:g}, value {base:g}, high {hi:g}"
    outside = _outside_schema(path, lo, hi) if path is not None else None
    if outside:
        return f"{where}.uncertainty: {outside}"
    leaf["uncertainty"] = {"distribution": kind, "low": lo - base, "high": hi - base,
                           **({"mode": mode - base} if kind == "triangular" else {}), **why}
    return None


def _outside_schema(path: str, lo: float, hi: float) -> str | None:
    """Why the range [lo, hi] reaches outside the parameter's schema range (None if it does not)."""
    if _annotation(path) is not float:
        return None
    b_lo, lo_strict, b_hi, hi_strict = field_limits(path)
    if b_lo is not None and (lo < b_lo or (lo_strict and lo == b_lo)):
        return (f"low {lo:g} is outside the parameter's range (it must be {'>' if lo_strict else '≥'} {b_lo:g}); "
                "a draw there would not be a value the parameter can take")
    if b_hi is not None and (hi > b_hi or (hi_strict and hi == b_hi)):
        return (f"high {hi:g} is outside the parameter's range (it must be {'<' if hi_strict else '≤'} {b_hi:g}); "
                "a draw there would not be a value the parameter can take")
    return None


def _build(*, name, title, description, extends, parent_leaves, parent_origins, changes, file,
           parent_baseline=None, written_for=None, title_zh="") -> Scenario:
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
            if not change:
                errors.append(f"{where}: expected a value, or a mapping with a value, by_year or uncertainty; "
                              "got an empty mapping")
                continue
            bad = set(change) - LEAF_KEYS
            if bad:
                errors.append(f"{where}: unknown leaf key(s) {sorted(map(str, bad))} (allowed: {sorted(LEAF_KEYS)})")
                continue
            problems = _field_problems(change, where)
            if problems:
                errors += problems
                continue
            if "value" in change and "by_year" not in change:
                leaves[path].pop("by_year", None)
            if change.get("uncertainty") and "fixed" not in change:
                leaves[path].pop("fixed", None)  # the scenario makes a fixed number uncertain
            if change.get("fixed") and "uncertainty" not in change:
                leaves[path].pop("uncertainty", None)  # ... or an uncertain one fixed
            leaves[path].update(change)
            err = _normalise_uncertainty(leaves[path], where, path) if "uncertainty" in change else None
            if err:
                errors.append(err)
        else:
            leaves[path]["value"] = change
            leaves[path].pop("by_year", None)
        leaves[path]["source"] = change["source"] if isinstance(change, dict) and isinstance(change.get("source"), str) \
            else (f"scenario {name}: changed from {_short(parent_leaves[path].get('value'), 40)} "
                  f"(was: {parent_leaves[path].get('source', '')})")
        if written_for and leaves[path].get("scale_with") in SCALED and not (
                isinstance(change, dict) and "scale_with" in change):
            leaves[path]["scale_with"] = "none"  # a number written for this district runs as written
            leaves[path]["source"] += f" (written for the district in {written_for}: runs as written)"
        origins[path] = where
    if errors:
        raise ScenarioError("\n".join(errors))
    scenario = Scenario(name=name, title=title, description=description, extends=extends,
                        changes=dict(changes), leaves=leaves, source=file, origins=origins,
                        baseline=parent_baseline, written_for=written_for, title_zh=title_zh)
    _validate(scenario)
    return scenario


def _validate(scenario: Scenario) -> None:
    start = scenario.leaves.get("start_year", {}).get("value")
    if not _is_int(start):  # every year below is counted from it: check it first
        raise ScenarioError(f"{scenario.origins.get('start_year', 'start_year')}: expected a valid integer, "
                            f"got {_short(start)}")
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
    problems = list(errors.values()) + _list_problems(scenario)
    if problems:
        raise ScenarioError("\n".join(problems))


def _list_problems(scenario: Scenario) -> list[str]:
    """Lists of school ids: non-empty ids, each once; an allocation ``named`` needs named schools."""
    out = []
    for path, leaf in scenario.leaves.items():
        where = scenario.origins.get(path, path)
        for year, v in [(None, leaf["value"]), *sorted((leaf.get("by_year") or {}).items())]:
            if not path.endswith(".named_schools") or not isinstance(v, list):
                continue
            when = "" if year is None else f" (in {year})"
            bad = [s for s in v if not isinstance(s, str) or not SCHOOL_ID.fullmatch(s)]
            dup = sorted({s for s in v if isinstance(s, str) and v.count(s) > 1})
            if bad:
                out.append(f"{where}: {_short(bad[0])} is not a school id (letters, digits, '_', '.', '-'){when}")
            elif dup:
                out.append(f"{where}: school {dup[0]!r} is named twice{when}")
        if path.endswith(".allocation"):
            named = path.rsplit(".", 1)[0] + ".named_schools"
            years = {scenario.start_year, *(leaf.get("by_year") or {})}
            for y in sorted(years):
                if scenario.value(path, y) == "named" and named in scenario.leaves and not scenario.value(named, y):
                    out.append(f"{where}: 'named' needs at least one school in {named}"
                               + ("" if y == scenario.start_year else f" (in {y})"))
                    break
    return out


def _short(value: object, limit: int = 80) -> str:
    """repr() of a user's value, cut to ``limit`` characters for messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + " …" + text[-3:]


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
    got = "" if err["type"] == "value_error" else f", got {_short(err.get('input'))}"
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
            repr(leaf.get("uncertainty"))) + ((repr(leaf["scale_with"]),) if leaf.get("scale_with") else ())
