"""Provenance and reproducible output: hashes, versions, commits, atomic folders, CSVs.

Every part of the workbench that writes output uses these helpers, so that

* the same inputs and seed give byte-identical tables (:func:`write_csv`),
* a failed or interrupted run never leaves a half-written folder
  (:func:`atomic_dir`), and
* every output can say where it came from (:func:`manifest`): the git commit,
  the hashes of the parameters and data, the seeds and the package versions.

The output rule (:func:`check_output_target`, applied by :func:`atomic_dir`):
an output folder is written only where nothing can be lost — a path that does
not exist, an empty folder, or a folder simulate wrote before (its
``manifest.json`` says ``"written_by": "simulate"``). Files, devices, links,
folders simulate did not write, the current folder and its parents, the
repository and its parents, ``/`` and the command's own inputs are refused
with one :class:`OutputError`, and nothing is created. Single files written
into the repository go through :func:`write_file_atomically`. Worker processes
call :func:`die_with_parent`; the command line calls
:func:`stop_child_processes` on Ctrl-C.

Nothing here imports the simulation model; this module sits below everything.
"""

from __future__ import annotations

import ctypes
import datetime as _dt
import errno
import glob
import hashlib
import json
import os
import platform
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

from .errors import SimulateError

__all__ = [
    "DEFAULT_PACKAGES",
    "MANIFEST_FILE",
    "OutputError",
    "TOOL",
    "atomic_dir",
    "check_output_target",
    "completed_outputs",
    "die_with_parent",
    "git_commit",
    "manifest",
    "note_district_calibration",
    "package_versions",
    "previous_output_kind",
    "sha256_of_files",
    "sha256_of_obj",
    "stop_child_processes",
    "write_csv",
    "write_file_atomically",
]

#: The marker every manifest carries (``"written_by"``): how a previous output is recognised.
TOOL = "simulate"
MANIFEST_FILE = "manifest.json"
#: A file inside every temporary folder simulate makes; stale ones are recognised by it.
TMP_MARKER = ".simulate-tmp"
#: Output kinds whose previous outputs are replaced only with ``force=True``: a district
#: folder is an input to everything else.
PRECIOUS_KINDS = frozenset({"district"})

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


# ------------------------------------------------------------------ the output rule
class OutputError(SimulateError, ValueError):
    """An output path simulate will not write; the message says what is there. Nothing was written."""


_ADVICE = "choose a new folder (or an empty one), e.g. --out outputs/NAME"
_LEGACY_KEYS = frozenset({"git_commit", "params_sha256", "data_sha256", "seeds", "packages", "created_utc"})


def _read_manifest(path: Path) -> dict[str, Any] | None:
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > 50_000_000:
            return None
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _legacy_kind(record: Mapping[str, Any]) -> str:
    """The kind of a manifest written before manifests carried ``written_by`` (e.g. committed findings/)."""
    keys = record.keys()
    for kind, needed in (("findings", {"config", "runs"}), ("result", {"scenario", "mode", "years"}),
                         ("compare", {"scenarios", "reference", "draws"}), ("sweep", {"grid", "tasks"}),
                         ("optimize", {"budget_yuan_per_year"})):
        if needed <= keys:
            return kind
    return "unknown"


def previous_output_kind(folder: str | os.PathLike[str]) -> str | None:
    """What simulate wrote at ``folder`` before, or None if simulate did not write it.

    A folder is a previous output when its ``manifest.json`` says ``"written_by":
    "simulate"``; the kind is its ``"output_kind"`` ("run", "compare", "sweep",
    "optimize", "findings", "district", "result"). Manifests from before that
    marker are recognised by their provenance fields and the ``simulate``
    package version they record ("unknown" when the kind cannot be told), and a
    folder holding only such result folders is an old ``simulate run --out``.
    """
    folder = Path(folder)
    if folder.is_symlink() or not folder.is_dir():
        return None
    record = _read_manifest(folder / MANIFEST_FILE)
    if record is None:  # sweeps before manifest.json: only sweep_manifest.json
        record = _read_manifest(folder / "sweep_manifest.json")
    if record is not None:
        if record.get("written_by") == TOOL:
            kind = record.get("output_kind")
            return kind if isinstance(kind, str) and kind else "unknown"
        packages = record.get("packages")
        if _LEGACY_KEYS <= record.keys() and isinstance(packages, dict) and TOOL in packages:
            return _legacy_kind(record)
        return None
    try:
        entries = list(folder.iterdir())
    except OSError:
        return None
    if entries and all(not e.is_symlink() and e.is_dir() and previous_output_kind(e) == "result" for e in entries):
        return "run"
    return None


#: The root of the file system (a module constant so that tests can stand in a folder of their own).
FILESYSTEM_ROOT = Path(os.path.realpath(os.sep))


def _repository_root() -> Path | None:
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() and (root / "src" / "simulate").is_dir() else None


def _protected_places(protect: Iterable[str | os.PathLike[str]]) -> list[tuple[Path, str]]:
    places = [(FILESYSTEM_ROOT, "the root of the file system")]
    try:
        places.append((Path(os.path.realpath(os.getcwd())), "the current folder"))
    except OSError:
        pass
    repo = _repository_root()
    if repo is not None:
        places.append((repo, "the simulate repository"))
    places += [(Path(os.path.realpath(p)), "the project folder") for p in protect]
    home = os.path.expanduser("~")
    if home != "~":
        places.append((Path(os.path.realpath(home)), "the home folder"))
    return places


def _what_is(path: str | os.PathLike[str]) -> str:
    try:
        st = os.lstat(path)
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    mode = st.st_mode
    if stat.S_ISLNK(mode):
        return f"a symbolic link (to {os.readlink(path)})"
    if stat.S_ISREG(mode):
        return f"an existing file ({st.st_size:,} bytes)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a folder" if stat.S_ISDIR(mode) else "not a regular file or folder"


def check_output_target(
    path: str | os.PathLike[str],
    kind: str,
    *,
    force: bool = False,
    inputs: Iterable[str | os.PathLike[str]] = (),
    protect: Iterable[str | os.PathLike[str]] = (),
    what: str | None = None,
) -> Path:
    """THE output rule: may an output folder of ``kind`` be written at ``path``?

    Returns the absolute target if it may; raises :class:`OutputError` with one
    message (``what`` — e.g. ``"--out"`` — then the path as given, what is
    there, and what to do) if not. Nothing is created either way.

    Allowed: a path that does not exist (missing parents are created at write
    time and removed again if the write fails), an empty folder, a previous
    output of the same ``kind`` (replaced) and, with ``force``, a previous
    simulate output of another kind. ``PRECIOUS_KINDS`` (district folders) are
    replaced only with ``force``. Refused whatever ``force`` says: a file, a
    device, a symbolic link, a folder simulate did not write, ``/``, the
    current folder, the repository, the home folder, the ``protect`` folders
    or a parent of any of them, and any of the command's ``inputs`` or a
    folder holding one.
    """
    given = os.fspath(path)
    label = f"{what} {given}" if what else given
    if not given.strip():
        raise OutputError(f"{what or 'output path'}: empty path; {_ADVICE}")
    target = Path(os.path.abspath(given))
    real = Path(os.path.realpath(target))

    def refuse(reason: str, advice: str = _ADVICE) -> None:
        raise OutputError(f"{label}: {reason}; {advice}")

    places = _protected_places(protect)
    for place, name in places:
        if real == place:
            refuse(f"is {name}" + ("" if given == str(place) else f" ({place})"))
    for place, name in places:
        if place.is_relative_to(real):
            refuse(f"is a parent of {name} ({place})")
    for item in inputs:
        if not os.path.lexists(item):  # e.g. "synthetic(seed=2019)": not a file
            continue
        item_real = Path(os.path.realpath(item))
        if item_real == real:
            refuse(f"is {item}, an input of this command")
        if item_real.is_relative_to(real):
            refuse(f"holds {item}, an input of this command")
    ancestor = target.parent
    while not os.path.lexists(ancestor) and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not os.path.isdir(ancestor):
        refuse(f"{ancestor} is {_what_is(ancestor)}, not a folder")
    if os.path.islink(target):
        refuse(f"is {_what_is(target)}", "simulate never writes through or replaces a link; give a new path")
    if not os.path.lexists(target):
        return target
    if not os.path.isdir(target):
        refuse(f"is {_what_is(target)}", "simulate writes only to a new folder, an empty folder or one of "
                                         "its own previous outputs; choose another path")
    try:
        entries = sorted(os.listdir(target))
    except OSError as exc:
        refuse(f"cannot be read ({exc.strerror})")
    if not entries:
        return target
    previous = previous_output_kind(target)
    if previous is None:
        shown = ", ".join(entries[:3]) + (", …" if len(entries) > 3 else "")
        refuse(f"is a folder simulate did not write ({len(entries)} entr{'y' if len(entries) == 1 else 'ies'}: "
               f"{shown}; no manifest.json from simulate)",
               f"{_ADVICE} (--force never replaces a folder simulate did not write)")
    if previous == kind and kind not in PRECIOUS_KINDS:
        return target
    if not force:
        if previous == kind:
            refuse(f"holds a {kind} folder written by simulate", "pass --force to replace it, or choose another path")
        refuse(f"holds a previous simulate {previous} output, not a {kind} output",
               "pass --force to replace it, or choose another path")
    return target


# ------------------------------------------------------------------ atomic output folders
_completed: list[Path] = []


def completed_outputs() -> list[Path]:
    """Every folder :func:`atomic_dir` moved into place in this process, oldest first."""
    return list(_completed)


def _mark(folder: Path) -> None:
    (folder / TMP_MARKER).write_text(f"{os.getpid()}\n", encoding="utf-8")


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return the ones created, deepest first."""
    missing = []
    while not os.path.lexists(folder):
        missing.append(folder)
        folder = folder.parent
    created = []
    try:
        for f in reversed(missing):
            os.mkdir(f)
            created.append(f)
    except BaseException:
        _remove_empty(created[::-1])
        raise
    return created[::-1]


def _remove_empty(folders: list[Path]) -> None:
    for f in folders:
        try:
            os.rmdir(f)
        except OSError:
            break


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM while a few renames run; deliver them afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    for s in old:
        signal.signal(s, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)
        if caught:
            handler = old[caught[0]]
            if callable(handler):
                handler(caught[0], None)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), caught[0])


def _lock(target: Path, label: str) -> tuple[int, Path] | None:
    """An exclusive lock on ``.<name>.lock`` beside ``target`` (OutputError if another process holds it)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        return None
    path = target.parent / f".{target.name}.lock"
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            raise OutputError(f"{label}: is being written by another simulate process"
                              f"{f' (pid {holder})' if holder.isdigit() else ''}; wait for it to finish "
                              "or choose another path") from None
        except BaseException:
            os.close(fd)
            raise
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:  # else the previous holder removed the file between our open and flock: retry
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
            return fd, path
        os.close(fd)


def _unlock(lock: tuple[int, Path] | None) -> None:
    if lock is None:
        return
    fd, path = lock
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    os.close(fd)


def _clean_stale(target: Path) -> None:
    """Remove temporary folders a killed run left beside ``target`` (name pattern AND marker file);
    put back a previous output a killed swap had moved aside. Runs under the target's lock."""
    pattern = glob.escape(str(target.parent / f".{target.name}."))
    for p in sorted(glob.glob(pattern + "tmp-*") + glob.glob(pattern + "old-*")):
        p = Path(p)
        if p.is_symlink() or not p.is_dir() or not (p / TMP_MARKER).is_file():
            continue
        aside = p / target.name
        if ".old-" in p.name and not os.path.lexists(target) and aside.is_dir() and not aside.is_symlink():
            os.rename(aside, target)
        shutil.rmtree(p, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _swap_into_place(tmp: Path, target: Path, kind: str, allowed: str | None) -> None:
    """Put ``tmp`` at ``target``; the previous tree (of kind ``allowed``, or empty) is deleted."""
    if not os.path.lexists(target):
        os.rename(tmp, target)  # fails rather than replace anything that appeared meanwhile (ENOTEMPTY)
        return
    if _exchange(tmp, target):
        old = tmp  # now holds the previous tree
        if previous_output_kind(old) != allowed and any(old.iterdir()):  # replaced behind our back: undo
            _exchange(tmp, target)
            raise OutputError(f"{target}: changed while simulate was writing; nothing was replaced")
        _mark(old)
        shutil.rmtree(old, ignore_errors=True)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    _mark(aside)
    os.rename(target, aside / target.name)
    try:
        os.rename(tmp, target)
    except BaseException:
        os.rename(aside / target.name, target)
        shutil.rmtree(aside, ignore_errors=True)
        raise
    shutil.rmtree(aside, ignore_errors=True)


@contextmanager
def atomic_dir(
    target: str | os.PathLike[str],
    kind: str,
    *,
    force: bool = False,
    inputs: Iterable[str | os.PathLike[str]] = (),
    protect: Iterable[str | os.PathLike[str]] = (),
    what: str | None = None,
) -> Iterator[Path]:
    """Build an output folder of ``kind`` elsewhere and move it into place only if everything worked.

    ``target`` must pass :func:`check_output_target` (same keywords); it is
    checked before anything is created, again under the lock and again just
    before the swap. Yields a fresh empty folder beside ``target`` named
    ``.<name>.tmp-XXXX`` (same file system), which must end up holding a
    ``manifest.json`` from :func:`manifest` with ``output_kind=kind`` — that is
    how the next run recognises the folder as a previous output.

    * While it runs, ``.<name>.lock`` beside ``target`` is locked (flock): a
      second process writing the same target is refused; the lock file goes
      away at the end. Temporary folders left by killed runs (their name AND a
      marker file inside) are removed first.
    * Normal exit: the new folder takes the target's place in one step (Linux
      renameat2 exchange; elsewhere two renames, undone by the next run if
      killed between them) and the previous tree is deleted. ``target`` is
      either the complete old tree or the complete new one.
    * Exception (including KeyboardInterrupt): the temporary folder and any
      parent folders created are removed, ``target`` is left untouched, and
      the exception is re-raised.
    """
    label = f"{what} {os.fspath(target)}" if what else os.fspath(target)
    rule = dict(force=force, inputs=list(inputs), protect=list(protect), what=what)
    target = check_output_target(target, kind, **rule)
    created = _make_parents(target.parent)
    lock = tmp = None
    try:
        lock = _lock(target, label)
        _clean_stale(target)
        check_output_target(target, kind, **rule)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        _mark(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes 0700; give the usual permissions
        yield tmp
        record = _read_manifest(tmp / MANIFEST_FILE)
        if record is None or record.get("written_by") != TOOL or record.get("output_kind") != kind:
            raise RuntimeError(f"{label}: the output has no manifest.json with written_by={TOOL!r} and "
                               f"output_kind={kind!r}, so it would not be recognised as simulate's; not written")
        with _signals_deferred():
            check_output_target(target, kind, **rule)
            allowed = previous_output_kind(target) if os.path.lexists(target) else None
            os.unlink(tmp / TMP_MARKER)
            _swap_into_place(tmp, target, kind, allowed)
            tmp = None
            _completed.append(target)
            _unlock(lock)
            lock = None
    except BaseException:
        with _signals_deferred():
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
            _unlock(lock)
            lock = None
            _remove_empty(created)
        raise
    finally:
        _unlock(lock)


def write_file_atomically(path: str | os.PathLike[str], data: str | bytes, *, overwrite: bool = False,
                          what: str | None = None) -> Path:
    """Write one file via a temporary file beside it and a rename: readers see the old or the new file.

    An existing file is replaced only with ``overwrite=True`` (without it the
    new file is linked into place, which fails if the name was taken meanwhile);
    a symbolic link, a folder or a device at ``path`` is always refused
    (:class:`OutputError`). Missing parent folders are created, and removed
    again if the write fails. Text is written as UTF-8 with "\\n" line endings.
    """
    given = os.fspath(path)
    label = f"{what} {given}" if what else given
    path = Path(os.path.abspath(given))
    if os.path.lexists(path):
        if os.path.islink(path) or not os.path.isfile(path):
            raise OutputError(f"{label}: is {_what_is(path)}; simulate writes only new or regular files; "
                              "choose another path")
        if not overwrite:
            raise OutputError(f"{label}: already exists; choose another name or ask to replace it")
    ancestor = path.parent
    while not os.path.lexists(ancestor) and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not os.path.isdir(ancestor):
        raise OutputError(f"{label}: {ancestor} is {_what_is(ancestor)}, not a folder")
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    created = _make_parents(path.parent)
    tmp = None
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
        tmp = Path(name)
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode) if path.is_file() else 0o666 & ~umask)
        with _signals_deferred():
            if overwrite:
                os.replace(tmp, path)
            else:
                try:
                    os.link(tmp, path)
                except FileExistsError:
                    raise OutputError(f"{label}: already exists; choose another name or ask to replace it") from None
                except OSError:  # no hard links on this file system
                    if os.path.lexists(path):
                        raise OutputError(f"{label}: already exists; choose another name or ask to replace it") from None
                    os.replace(tmp, path)
                else:
                    os.unlink(tmp)
            tmp = None
    except BaseException:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        _remove_empty(created)
        raise
    return path


# ------------------------------------------------------------------ district calibration overlays
#: data hash -> the calibration overlay the district with that data was loaded with
#: (``{"file": ..., "sha256": ...}``; None: none, the intercepts of params/baseline.yaml).
_DISTRICT_CALIBRATIONS: dict[str, dict[str, str] | None] = {}


def note_district_calibration(data_hash: str, record: Mapping[str, str] | None) -> None:
    """Remember (for :func:`manifest`) whether the district with ``data_hash`` carries a calibration overlay.

    :func:`simulate.inputs.load.load_district` calls it for every district it
    loads; the last load of the same data wins."""
    _DISTRICT_CALIBRATIONS[data_hash] = None if record is None else dict(record)


def _district_calibration(data_hash: Any, extra: Mapping[str, Any] | None) -> tuple[bool, Any]:
    district = (extra or {}).get("district")
    for key in (data_hash, district.get("data_hash") if isinstance(district, Mapping) else None):
        if isinstance(key, str) and key in _DISTRICT_CALIBRATIONS:
            return True, _DISTRICT_CALIBRATIONS[key]
    return False, None


# ------------------------------------------------------------------ processes
def die_with_parent(poll_seconds: float = 0.5) -> None:
    """Make this (worker) process end when the process that started it ends, even by kill -9.

    Linux: ``prctl(PR_SET_PDEATHSIG, SIGKILL)``; everywhere: a daemon thread
    that exits the process once ``os.getppid()`` changes. Jupyter kernels
    started from here watch their own parent the same way (ipykernel's parent
    poller), so a killed command leaves nothing running that could still write.
    Call it first thing in a worker (e.g. as a ProcessPoolExecutor initializer).
    """
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # died before the prctl took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(poll_seconds)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


def stop_child_processes(timeout: float = 1.0, only: Iterable[int] | None = None) -> int:
    """Terminate this process's descendants (or ``only`` these pids and their descendants), killing
    any still running after ``timeout`` seconds (``timeout=0``: kill at once, for processes whose
    work is being thrown away); returns how many there were. A zombie counts as
    stopped. multiprocessing's resource tracker is left alone: it ignores SIGTERM by design and exits
    by itself once this process is gone. Needs psutil; without it, does nothing."""
    try:
        import psutil
    except ImportError:
        return 0
    procs: dict[int, Any] = {}
    roots = [psutil.Process()] if only is None else []
    for pid in only or ():
        try:
            procs[pid] = psutil.Process(pid)
            roots.append(procs[pid])
        except psutil.Error:
            continue
    for root in roots:
        try:
            procs.update((c.pid, c) for c in root.children(recursive=True))
        except psutil.Error:
            pass
    procs.pop(os.getpid(), None)

    def running(p: Any) -> bool:
        try:
            return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    def skip(p: Any) -> bool:
        try:
            return "multiprocessing.resource_tracker" in " ".join(p.cmdline())
        except psutil.Error:
            return True

    targets = [p for p in procs.values() if not skip(p)]
    for action in ("terminate", "kill") if timeout > 0 else ("kill",):
        for p in targets:
            try:
                getattr(p, action)()
            except psutil.Error:
                pass
        deadline = time.monotonic() + (timeout if action == "terminate" else 1.0)
        while (targets := [p for p in targets if running(p)]) and time.monotonic() < deadline:
            time.sleep(0.02)
        if not targets:
            break
    return len(procs)


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
    output_kind: str | None = None,
) -> dict[str, Any]:
    """The provenance record written beside every output (as JSON).

    Keys: ``written_by`` ("simulate": how :func:`check_output_target` knows a
    previous output), ``output_kind`` when given (the folder's kind, e.g.
    "compare"), ``git_commit`` (of ``repo_dir``, default the current folder),
    ``params_sha256``, ``data_sha256``, ``seeds``, ``packages`` (versions),
    ``python``, ``platform``, ``created_utc`` (ISO 8601, seconds), and
    ``run_seconds`` when given; ``extra`` entries are added last and may not
    overwrite these keys.

    ``district_calibration`` (after ``data_sha256``) says whether the district's
    own calibration overlay was used, for a district loaded from a folder in
    this process (:func:`note_district_calibration`; matched by ``data_hash``
    or ``extra["district"]["data_hash"]``): ``{"file": ..., "sha256": ...}`` of
    its ``calibration.yaml``, or None when the intercepts of
    params/baseline.yaml (Banan's) were used. Absent for data not loaded from
    a folder (a district built in memory).
    """
    known, calibration = _district_calibration(data_hash, extra)
    record: dict[str, Any] = {
        "written_by": TOOL,
        **({"output_kind": output_kind} if output_kind else {}),
        "git_commit": git_commit(repo_dir),
        "params_sha256": params_hash,
        "data_sha256": data_hash,
        **({"district_calibration": calibration} if known else {}),
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
