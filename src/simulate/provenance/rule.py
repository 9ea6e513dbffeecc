"""The output rule: where simulate may write an output folder, and how it recognises its own.

An output folder is written only where nothing can be lost — a path that does
not exist, an empty folder, or a folder simulate wrote before (its
``manifest.json`` says ``"written_by": "simulate"``). Files, devices, links,
folders simulate did not write, the current folder and its parents, the
repository and its parents, ``/`` and the command's own inputs are refused
with one :class:`OutputError`, and nothing is created
(:func:`check_output_target`; :func:`simulate.provenance.atomic.atomic_dir`
applies it).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..errors import SimulateError

#: The marker every manifest carries (``"written_by"``): how a previous output is recognised.
TOOL = "simulate"
MANIFEST_FILE = "manifest.json"
#: Output kinds whose previous outputs are replaced only with ``force=True``: a district
#: folder is an input to everything else.
PRECIOUS_KINDS = frozenset({"district"})


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
    root = Path(__file__).resolve().parents[3]
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


def shown(path: str | os.PathLike[str], limit: int = 160) -> str:
    """``path`` for a message: as given, or its start and end around "…" when longer than ``limit``."""
    text = os.fspath(path)
    return text if len(text) <= limit else f"{text[:limit // 2]}…{text[-limit // 4:]} ({len(text):,} characters)"


#: What simulate adds to an output's name for its temporary folder beside it: ``.<name>.tmp-XXXXXXXX``.
TEMP_NAME_EXTRA = len(".") + len(".tmp-") + 8


def _limit(folder: Path, name: str, default: int) -> int:
    try:
        return os.pathconf(folder, name)
    except (OSError, ValueError):
        return default


def name_problem(target: Path, extra: int = TEMP_NAME_EXTRA) -> str | None:
    """Why the file system would refuse a name for ``target`` (or for the temporary ``extra`` bytes
    longer one written beside it), else None: a part longer than NAME_MAX, a path longer than PATH_MAX."""
    ancestor = target
    while not os.path.isdir(ancestor) and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    name_max, path_max = _limit(ancestor, "PC_NAME_MAX", 255), _limit(ancestor, "PC_PATH_MAX", 4096)
    for i, part in enumerate(target.parts[1:], 1):
        size = len(os.fsencode(part)) + (extra if i == len(target.parts) - 1 else 0)
        if size > name_max:
            room = f" ({extra} of them for the temporary name beside it)" if i == len(target.parts) - 1 else ""
            return (f"a name in it is too long: {shown(part, 60)} needs {size:,} bytes{room}; "
                    f"the file system allows {name_max}")
    size = len(os.fsencode(str(target))) + extra
    if size > path_max:
        return f"is too long: {size:,} bytes with the temporary name beside it; the file system allows {path_max:,}"
    return None


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
    label = f"{what} {shown(given)}" if what else shown(given)
    if not given.strip():
        raise OutputError(f"{what or 'output path'}: empty path; {_ADVICE}")
    target = Path(os.path.abspath(given))

    def refuse(reason: str, advice: str = _ADVICE) -> None:
        raise OutputError(f"{label}: {reason}; {advice}")

    too_long = name_problem(target)
    if too_long:
        refuse(too_long, "choose a shorter path, e.g. --out outputs/NAME")
    real = Path(os.path.realpath(target))

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
    if not os.access(ancestor, os.W_OK | os.X_OK):  # read-only file system, or no permission (root has it)
        refuse(f"cannot be written: {shown(ancestor)} is read-only or not writable for this user",
               "choose a folder you can write to, e.g. --out outputs/NAME")
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
        listed = ", ".join(entries[:3]) + (", …" if len(entries) > 3 else "")
        refuse(f"is a folder simulate did not write ({len(entries)} entr{'y' if len(entries) == 1 else 'ies'}: "
               f"{listed}; no manifest.json from simulate)",
               f"{_ADVICE} (--force never replaces a folder simulate did not write)")
    if previous == kind and kind not in PRECIOUS_KINDS:
        return target
    if not force:
        if previous == kind:
            refuse(f"holds a {kind} folder written by simulate", "pass --force to replace it, or choose another path")
        refuse(f"holds a previous simulate {previous} output, not a {kind} output",
               "pass --force to replace it, or choose another path")
    return target
