"""Provenance and reproducible output: hashes, versions, commits, atomic folders, CSVs.

Every part of the workbench that writes output uses these helpers, so that

* the same inputs and seed give byte-identical tables (:func:`write_csv`),
* a failed or interrupted run never leaves a half-written folder
  (:func:`atomic_dir`), and
* every output can say where it came from (:func:`manifest`): the git commit,
  the hashes of the parameters and data, the seeds and the package versions.

Nothing here imports the simulation model; this module sits below everything.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_PACKAGES",
    "atomic_dir",
    "git_commit",
    "manifest",
    "package_versions",
    "sha256_of_files",
    "sha256_of_obj",
    "write_csv",
]

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


@contextmanager
def atomic_dir(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Build a folder elsewhere and move it into place only if everything worked.

    Yields a fresh, empty temporary folder beside ``target`` (same parent, so
    the final renames stay on one file system), named ``.<target>.tmp-XXXX``.

    * Normal exit: the old ``target`` (if any) is renamed to a backup, the new
      folder is renamed to ``target`` and the backup is deleted. ``target`` is
      therefore either the complete old tree or the complete new one; it is
      only absent between two back-to-back renames. If the second rename fails
      the backup is put back.
    * Exception (including KeyboardInterrupt): the temporary folder is deleted,
      ``target`` is left untouched, and the exception is re-raised.
    """
    target = Path(target).absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes 0700; give the usual permissions
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    backup_parent: Path | None = None
    if target.exists() or target.is_symlink():
        backup_parent = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.rename(target, backup_parent / target.name)
    try:
        os.rename(tmp, target)
    except BaseException:
        if backup_parent is not None:
            os.rename(backup_parent / target.name, target)
            shutil.rmtree(backup_parent, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if backup_parent is not None:
        shutil.rmtree(backup_parent, ignore_errors=True)


def write_csv(df: Any, path: str | os.PathLike[str], float_decimals: int = 6) -> Path:
    """Write a table as CSV, deterministically. THE way every table is written.

    Same DataFrame content → byte-identical file, on any machine:

    * columns in the order given (reorder ``df`` before calling), no index;
    * float columns rounded with ``DataFrame.round(float_decimals)`` — numpy's
      rounding, half to even, to 6 decimals by default — then written with
      Python's shortest round-trip repr (``float_format=None``). Rounding hides
      the last-bit noise that summation order, BLAS builds or CPU instructions
      leave in results, which would otherwise make identical runs differ in
      their 16th digit; 6 decimals is far below any reported precision.
      Negative zero left by rounding is written as 0.0;
    * UTF-8, "\\n" line endings on every platform.

    Parent folders are created. Returns the path written.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    table = df.round(float_decimals)
    floats = table.select_dtypes(include="floating").columns
    if len(floats):
        table = table.copy()
        table[floats] = table[floats] + 0.0  # -0.0 + 0.0 == +0.0
    table.to_csv(out, index=False, lineterminator="\n", float_format=None, encoding="utf-8")
    return out


def manifest(
    seeds: Mapping[str, Any],
    params_hash: str,
    data_hash: str,
    extra: Mapping[str, Any] | None = None,
    *,
    run_seconds: float | None = None,
    repo_dir: str | os.PathLike[str] | None = None,
    packages: Iterable[str] = DEFAULT_PACKAGES,
) -> dict[str, Any]:
    """The provenance record written beside every output (as JSON).

    Keys: ``git_commit`` (of ``repo_dir``, default the current folder),
    ``params_sha256``, ``data_sha256``, ``seeds``, ``packages`` (versions),
    ``python``, ``platform``, ``created_utc`` (ISO 8601, seconds), and
    ``run_seconds`` when given; ``extra`` entries are added last and may not
    overwrite these keys.
    """
    record: dict[str, Any] = {
        "git_commit": git_commit(repo_dir),
        "params_sha256": params_hash,
        "data_sha256": data_hash,
        "seeds": dict(seeds),
        "packages": package_versions(packages),
        "python": platform.python_version(),
        "implementation": sys.implementation.name,
        "platform": platform.platform(),
        "created_utc": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
    }
    if run_seconds is not None:
        record["run_seconds"] = round(float(run_seconds), 3)
    for key, value in (extra or {}).items():
        if key in record:
            raise ValueError(f"manifest: extra key {key!r} would overwrite a provenance field")
        record[key] = value
    return record
