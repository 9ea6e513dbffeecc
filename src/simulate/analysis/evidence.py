"""The registry of published figures (``data/evidence/registry.yaml``), validated at load.

Each *figure* is one published number with its study, population, design (how
it is simulated: :mod:`simulate.analysis.designs`), estimate, interval
(published, or derived and said so: ``interval.how``), a model-discrepancy
standard deviation (how far a faithful model of a synthetic district may still
sit from a study's own county, in the figure's unit) and a *role*:
``calibration`` (it enters the Bayesian calibration's likelihood),
``held_out`` (it never does; it scores the fitted model) or ``input`` (a
figure outside the calibration group that set a parameter directly, named in
``sets``: it can be neither, and is reported as an input check).

Roles follow the registry's written ``heldout_rule``: a figure is calibration
exactly when its study's research group is one of ``calibration_groups``. The
loader checks every figure's ``role`` against the rule, so moving a figure
between the parts means changing the rule, in the open, not the figure.

``parameters`` is the calibrated set (dotted paths of params/baseline.yaml) with
a prior each. Everything is checked with pydantic; a problem raises
:class:`RegistryError` naming the file and key, and nothing is simulated.
Sources: docs/sources.md, by each study's ``source`` key.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import SimulateError
from ..inputs.scenario import params_dir

__all__ = ["RegistryError", "Registry", "Figure", "Prior", "load_registry", "default_registry", "registry_hash"]

ROLES = ("calibration", "held_out")
DESIGN_KINDS = ("rate", "cohort", "indicator", "difference", "returns")
Z = {0.9: 1.6448536269514722, 0.95: 1.959963984540054, 0.8: 1.2815515655446004, 0.5: 0.6744897501960817}


class RegistryError(SimulateError, ValueError):
    """A malformed registry of published figures."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Prior(_Strict):
    """A calibrated parameter's prior, in the parameter's own unit."""

    distribution: Literal["normal", "uniform"]
    mean: float | None = None
    sd: float | None = Field(default=None, gt=0)
    low: float | None = None
    high: float | None = None

    @model_validator(mode="after")
    def _complete(self):
        if self.distribution == "normal" and (self.mean is None or self.sd is None):
            raise ValueError("a normal prior needs mean and sd")
        if self.distribution == "uniform" and (self.low is None or self.high is None or not self.low < self.high):
            raise ValueError("a uniform prior needs low < high")
        return self

    def support(self) -> tuple[float, float]:
        """Where the prior puts (nearly) all its mass: the uniform's range or mean ± 4 sd."""
        if self.distribution == "uniform":
            return float(self.low), float(self.high)
        return float(self.mean - 4 * self.sd), float(self.mean + 4 * self.sd)


class Parameter(_Strict):
    """A calibrated parameter: its prior, why, and optionally a joint constraint: ``at_most`` names
    another calibrated parameter it may not exceed (the joint prior is zero where it would)."""

    prior: Prior
    why: str = Field(min_length=1)
    at_most: str | None = None


class Study(_Strict):
    group: str = Field(min_length=1)
    dataset: str = Field(min_length=1)
    source: str = Field(min_length=1)


class Interval(_Strict):
    lo: float
    hi: float
    level: float
    published: bool
    how: str = Field(min_length=1)

    @field_validator("level")
    @classmethod
    def _level(cls, v):
        if v not in Z:
            raise ValueError(f"level must be one of {sorted(Z)}")
        return v


class Figure(_Strict):
    id: str
    study: str
    figure: str = Field(min_length=1)
    population: str = Field(min_length=1)
    estimate: float
    interval: Interval
    discrepancy: float = Field(ge=0)
    role: Literal["calibration", "held_out", "input"]
    design: dict[str, Any]
    sets: list[str] = Field(default_factory=list)   # role input: the parameters the figure set directly

    @model_validator(mode="after")
    def _consistent(self):
        if not self.interval.lo <= self.estimate <= self.interval.hi:
            raise ValueError(f"interval: expected lo ≤ estimate ≤ hi, got {self.interval.lo} ≤ {self.estimate} "
                             f"≤ {self.interval.hi}")
        if (self.role == "input") != bool(self.sets):
            raise ValueError("sets: an input figure names the parameters it set (and only an input figure does)")
        kind = self.design.get("kind")
        if kind not in DESIGN_KINDS:
            raise ValueError(f"design.kind: expected one of {', '.join(DESIGN_KINDS)}, got {kind!r}")
        if not isinstance(self.design.get("scenario"), str):
            raise ValueError("design.scenario: name the scenario the study's world is simulated under")
        year = self.design.get("year")
        if isinstance(year, bool) or not isinstance(year, int):
            raise ValueError(f"design.year: expected an integer year, got {year!r}")
        return self

    @property
    def sd(self) -> float:
        """The published (or derived) standard error: the interval's half-width over its z."""
        return (self.interval.hi - self.interval.lo) / (2 * Z[self.interval.level])

    @property
    def requires(self) -> tuple[str, ...]:
        """Parameter paths the design needs (a lever another change adds); pending until they exist."""
        return tuple(self.design.get("requires") or ())


class HeldoutRule(_Strict):
    text: str = Field(min_length=20)
    calibration_groups: list[str] = Field(min_length=1)


class Registry(_Strict):
    description: str
    heldout_rule: HeldoutRule
    parameters: dict[str, Parameter] = Field(min_length=1)
    studies: dict[str, Study] = Field(min_length=1)
    figures: dict[str, Figure] = Field(min_length=1)
    not_simulable: dict[str, str] = Field(default_factory=dict)
    path: str = ""
    sha256: str = ""

    @property
    def calibration(self) -> list[Figure]:
        return [f for f in self.figures.values() if f.role == "calibration"]

    @property
    def held_out(self) -> list[Figure]:
        return [f for f in self.figures.values() if f.role == "held_out"]

    @property
    def parameter_paths(self) -> list[str]:
        return list(self.parameters)

    def group_of(self, figure: Figure) -> str:
        return self.studies[figure.study].group


def default_registry() -> Path:
    """``data/evidence/registry.yaml`` of the repository holding params/."""
    return params_dir().parent / "data" / "evidence" / "registry.yaml"


def registry_hash(path: str | Path | None = None) -> str:
    import hashlib

    return hashlib.sha256((Path(path) if path is not None else default_registry()).read_bytes()).hexdigest()


def load_registry(path: str | Path | None = None, check_parameters: bool = True) -> Registry:
    """The registry, validated: every key checked, roles checked against the held-out rule, studies
    and sources resolved, calibrated paths checked against params/baseline.yaml."""
    from ..inputs.yamlfile import read_mapping

    path = Path(path) if path is not None else default_registry()
    doc = read_mapping(path, RegistryError, expected="a mapping with heldout_rule, parameters, studies and figures",
                       missing="registry of published figures not found")
    doc = {k: v for k, v in doc.items() if not str(k).startswith("_")}  # _pieces: YAML anchors only
    figures = doc.get("figures")
    if isinstance(figures, dict):
        doc["figures"] = {k: {**v, "id": str(k)} if isinstance(v, dict) else v for k, v in figures.items()}
    try:
        reg = Registry(**doc, path=str(path), sha256=registry_hash(path))
    except ValidationError as exc:
        lines = [f"{path}: {'.'.join(str(p) for p in e['loc'] if p != 'id')}: {e['msg']}" for e in exc.errors()]
        raise RegistryError("\n".join(lines)) from None
    except TypeError as exc:
        raise RegistryError(f"{path}: {exc}") from None
    problems = []
    for fid, f in reg.figures.items():
        if f.study not in reg.studies:
            problems.append(f"{path}: figures.{fid}.study: {f.study!r} is not a study of 'studies'")
            continue
        want = "calibration" if reg.studies[f.study].group in reg.heldout_rule.calibration_groups else "held_out"
        if f.role != want and not (f.role == "input" and want == "held_out"):
            problems.append(f"{path}: figures.{fid}.role: {f.role!r}, but the held-out rule gives {want!r} "
                            f"(group {reg.studies[f.study].group!r}); change the rule, not the role")
        if not math.isfinite(f.sd) or f.sd <= 0:
            problems.append(f"{path}: figures.{fid}.interval: an interval of zero width")
    problems += _source_problems(reg, path)
    if check_parameters:
        from ..inputs.scenario import load_scenario

        leaves = load_scenario("baseline").leaves
        problems += [f"{path}: parameters.{p}: not a parameter of params/baseline.yaml"
                     for p in reg.parameters if p not in leaves]
    problems += [f"{path}: parameters.{p}.at_most: {q.at_most!r} is not a calibrated parameter of 'parameters'"
                 for p, q in reg.parameters.items() if q.at_most is not None and
                 (q.at_most not in reg.parameters or q.at_most == p)]
    calib_groups = {reg.studies[f.study].group for f in reg.calibration if f.study in reg.studies}
    shared = {reg.studies[f.study].dataset for f in reg.held_out if f.study in reg.studies} & \
        {reg.studies[f.study].dataset for f in reg.calibration if f.study in reg.studies}
    problems += [f"{path}: held-out and calibration figures share the data set {d!r}" for d in sorted(shared)]
    if not calib_groups and not problems:
        problems.append(f"{path}: no figure is in the calibration part")
    if problems:
        raise RegistryError("\n".join(problems))
    return reg


def _source_problems(reg: Registry, path: Path) -> list[str]:
    """Each study's ``source`` must be an entry of docs/sources.md."""
    import re

    sources = params_dir().parent / "docs" / "sources.md"
    if not sources.is_file():
        return []
    ids = set(re.findall(r"^### \[([^\]]+)\]", sources.read_text(encoding="utf-8"), flags=re.M))
    return [f"{path}: studies.{sid}.source: {s.source!r} is not an entry of docs/sources.md"
            for sid, s in reg.studies.items() if s.source not in ids]
