"""The findings configuration: ``params/findings.yaml`` and its validation.

Which notebooks run with which parameter files, checked with pydantic before
anything executes; paths are relative to the repository root (the nearest
folder above the config that holds ``pyproject.toml``). Used by
:mod:`simulate.views.findings.pipeline`.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from simulate.views.findings.report import FindingsError

PathLike = str | os.PathLike[str]


class FindingsConfigError(FindingsError, ValueError):
    """findings.yaml or a parameters file is invalid; nothing was executed."""


class FindingsRun(BaseModel):
    """One run: ``findings/<name>/`` from ``notebook`` with the values in ``parameters``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    notebook: Path
    parameters: Path | None = None


class FindingsConfig(BaseModel):
    """The run list; ``source`` and ``root`` are set by :func:`load_findings_config`."""

    model_config = ConfigDict(extra="forbid")
    runs: list[FindingsRun] = Field(min_length=1)
    timeout_seconds: int = Field(900, gt=0)
    _source: Path = PrivateAttr(default=Path("findings.yaml"))
    _root: Path = PrivateAttr(default=Path("."))

    @property
    def source(self) -> Path:
        return self._source

    @property
    def root(self) -> Path:
        return self._root

    def resolve(self, path: PathLike) -> Path:
        return Path(path) if Path(path).is_absolute() else self._root / path

    def rel(self, path: PathLike) -> str:
        """``path`` relative to the repository root when inside it (for messages, manifest)."""
        path = self.resolve(path).absolute()
        return path.relative_to(self._root).as_posix() if path.is_relative_to(self._root) else str(path)


def notebook_out_dir(out_dir: PathLike | None, name: str) -> Path:
    """A notebook's output folder: ``out_dir`` as given (the findings pipeline injects an absolute path),
    or for ``None`` (running the notebook by hand, in Jupyter or with papermill from any folder)
    ``outputs/notebooks/<name>`` under the repository that holds this package — never under the
    caller's current folder. Outside a source checkout (no ``pyproject.toml`` above the package),
    the current folder's ``outputs/notebooks/<name>``."""
    if out_dir is not None:
        return Path(out_dir)
    here = Path(__file__).resolve()
    root = next((d for d in here.parents if (d / "pyproject.toml").is_file() and (d / "src" / "simulate").is_dir()),
                Path.cwd())
    return root / "outputs" / "notebooks" / name


def _find_root(config_file: Path) -> Path:
    return next((d for d in config_file.parents if (d / "pyproject.toml").is_file()), config_file.parent)


def _validation_lines(shown: str, exc: ValidationError, raw: dict) -> list[str]:
    lines = []
    for err in exc.errors():
        loc, where = err["loc"], ""
        for part in loc:
            where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
        if len(loc) > 1 and loc[0] == "runs" and isinstance(loc[1], int):
            run = raw["runs"][loc[1]]
            name = run.get("name") if isinstance(run, dict) else None
            where = where.replace(f"runs[{loc[1]}]", f"runs[{loc[1]}] ({name})", 1) if name else where
        if err["type"] == "extra_forbidden":
            allowed = (FindingsRun if loc[0] == "runs" else FindingsConfig).model_fields
            lines.append(f"{shown}: {where}: unknown key (allowed: {', '.join(allowed)})")
        elif err["type"] == "missing":
            lines.append(f"{shown}: {where}: missing key")
        else:
            lines.append(f"{shown}: {where}: {err['msg']} (got {err.get('input')!r})")
    return lines


def load_findings_config(path: PathLike, repo_root: PathLike | None = None) -> FindingsConfig:
    """Read and validate findings.yaml; every error names the file and the key."""
    from simulate.inputs.yamlfile import read_mapping

    shown = str(path)
    raw = read_mapping(path, FindingsConfigError, expected="a mapping with a 'runs' list")
    try:
        config = FindingsConfig.model_validate(raw)
    except ValidationError as exc:
        raise FindingsConfigError("\n".join(_validation_lines(shown, exc, raw))) from None
    config._source = Path(path).absolute()
    config._root = Path(repo_root).absolute() if repo_root is not None else _find_root(config._source)
    problems, seen = [], set()
    for i, run in enumerate(config.runs):
        key = f"{shown}: runs[{i}] ({run.name})"
        if run.name in seen:
            problems.append(f"{key}.name: duplicate run name")
        seen.add(run.name)
        for field in ("notebook", "parameters"):
            value = getattr(run, field)
            if value is not None and not config.resolve(value).is_file():
                problems.append(f"{key}.{field}: {value} does not exist (relative to {config.root})")
    if problems:
        raise FindingsConfigError("\n".join(problems))
    return config
