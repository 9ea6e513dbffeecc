"""Hashes and versions: what an output was made from.

:func:`sha256_of_files` (a set of files, names and bytes), :func:`tracked_files`
(which files are inputs: what git tracks, so that a fresh clone hashes the same
as the machine that made an output), :func:`sha256_of_obj` (a parameter tree as
canonical JSON), :func:`package_versions` and :func:`git_commit`. Nothing here
writes anything.
"""

from __future__ import annotations

import datetime as _dt
import fnmatch
import hashlib
import json
import os
import subprocess
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

#: Distributions whose versions every manifest records.
DEFAULT_PACKAGES: tuple[str, ...] = (
    "simulate",
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "seaborn",
    "matplotlib",
    "pydantic",
    "papermill",
)


def package_versions(names: Iterable[str] = DEFAULT_PACKAGES) -> dict[str, str]:
    """Installed version of each distribution in ``names`` ("not installed" if absent)."""
    versions: dict[str, str] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def sha256_of_files(paths: Iterable[str | os.PathLike[str]], root: str | os.PathLike[str] | None = None) -> str:
    """One sha256 over a set of files: their names relative to ``root`` and their bytes.

    Files are taken in sorted order of their relative POSIX names, so the hash
    does not depend on the order given or on the machine's directory listing;
    renaming a file changes the hash, as does changing one byte. ``root``
    defaults to the deepest folder containing all the files. An empty set
    hashes to the sha256 of nothing.
    """
    files = [Path(p).resolve() for p in paths]
    if not files:
        return hashlib.sha256().hexdigest()
    base = Path(root).resolve() if root is not None else Path(os.path.commonpath([f.parent for f in files]))
    digest = hashlib.sha256()
    for rel, path in sorted((f.relative_to(base).as_posix(), f) for f in files):
        data = path.read_bytes()
        digest.update(rel.encode("utf-8") + b"\0")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def _json_default(obj: Any) -> Any:
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if isinstance(obj, (set, frozenset)):
        return sorted(obj, key=repr)
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalars
        return obj.item()
    if hasattr(obj, "tolist") and callable(obj.tolist):  # numpy arrays
        return obj.tolist()
    if isinstance(obj, (_dt.date, _dt.datetime)):
        return obj.isoformat()
    raise TypeError(f"cannot hash an object of type {type(obj).__name__}")


def sha256_of_obj(obj: Any) -> str:
    """sha256 of ``obj`` as canonical JSON (sorted keys, no whitespace, UTF-8).

    Meant for parameter trees: two dicts with the same content hash the same
    whatever their key order. numpy scalars/arrays, paths, sets and dates are
    converted; anything else unknown raises TypeError.
    """
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _git(repo_dir: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "--no-optional-locks", "-C", str(repo_dir), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def git_commit(repo_dir: str | os.PathLike[str] | None = None) -> str:
    """The commit checked out in ``repo_dir`` (default: the current folder).

    "unknown" when git is missing, the folder is not a repository or it has no
    commits yet. "+dirty" is appended when tracked files differ from the
    commit (untracked files do not count). Only read-only git commands are used
    (``--no-optional-locks``, so not even the index is refreshed).
    """
    where = Path(repo_dir) if repo_dir is not None else Path.cwd()
    head = _git(where, "rev-parse", "--verify", "--quiet", "HEAD")
    if not head or not head.strip():
        return "unknown"
    status = _git(where, "status", "--porcelain", "--untracked-files=no")
    return head.strip() + ("+dirty" if status and status.strip() else "")


#: Never inputs when git cannot say what is tracked: what installs, builds, caches and editors leave
#: beside the sources (each pattern is matched against every part of a file's path below ``root``).
NOT_INPUTS: tuple[str, ...] = ("*.egg-info", "__pycache__", "*.pyc", "*.pyo", ".*", "build", "dist", "*~")


def _git_top(root: Path) -> Path | None:
    top = _git(root, "rev-parse", "--show-toplevel")
    return Path(top.strip()).resolve() if top and top.strip() else None


def tracked_files(root: str | os.PathLike[str], paths: Iterable[str] = (".",),
                  suffixes: Iterable[str] | None = None) -> list[Path]:
    """The input files under ``paths`` (relative to ``root``): what git tracks, never what an install left.

    When ``root`` is the top of a git work tree: the files ``git ls-files``
    lists under ``paths`` (tracked, as they are on disk now; a tracked file
    that was deleted is left out; untracked and ignored files — e.g. the
    ``src/simulate.egg-info/`` an editable install writes — never count). So
    a fresh clone and the machine that made an output hash the same files.
    Elsewhere (an unpacked archive, git missing or refusing the folder):
    every file under ``paths`` except those with a part matching
    :data:`NOT_INPUTS`. ``suffixes`` (e.g. ``(".yaml", ".yml")``) keeps only
    files with those endings. Sorted, absolute; missing ``paths`` give nothing.
    """
    root = Path(root).resolve()
    keep = tuple(suffixes) if suffixes is not None else None
    found: set[Path] = set()
    if _git_top(root) == root:
        try:
            done = subprocess.run(["git", "--no-optional-locks", "-C", str(root), "ls-files", "-z", "--cached",
                                   "--", *paths], capture_output=True, timeout=60, check=False)
        except (OSError, subprocess.SubprocessError):
            done = None
        if done is not None and done.returncode == 0:
            for name in done.stdout.split(b"\0"):
                if name and (root / os.fsdecode(name)).is_file():
                    found.add(root / os.fsdecode(name))
            return sorted(f for f in found if keep is None or f.name.endswith(keep))
    for top in paths:
        base = root / top
        candidates = [base] if base.is_file() else (p for p in base.rglob("*") if p.is_file()) if base.is_dir() else ()
        for f in candidates:
            parts = f.relative_to(root).parts
            if not any(fnmatch.fnmatch(part, pat) for part in parts for pat in NOT_INPUTS if part not in (".", "..")):
                found.add(f)
    return sorted(f for f in found if keep is None or f.name.endswith(keep))
