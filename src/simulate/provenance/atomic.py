"""Atomic folders and files: an output appears complete or not at all.

:func:`atomic_dir` builds an output folder beside its target and swaps it into
place only when everything worked; :func:`write_file_atomically` does the same
for one file. Both follow the output rule (:mod:`simulate.provenance.rule`).
"""

from __future__ import annotations

import ctypes
import errno
import glob
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .processes import lock_beside, signals_deferred, unlock
from .rule import (MANIFEST_FILE, TOOL, OutputError, _read_manifest, _what_is, check_output_target, name_problem,
                   previous_output_kind, shown)

#: A file inside every temporary folder simulate makes; stale ones are recognised by it.
TMP_MARKER = ".simulate-tmp"


def cannot_write(label: str, exc: OSError) -> OutputError:
    """One clear error for an output the operating system refused (a read-only folder, no permission,
    a name too long, a full disk), naming the path given and the one refused."""
    where = f" at {shown(exc.filename)}" if exc.filename and shown(exc.filename) not in label else ""
    return OutputError(f"{label}: cannot be written ({exc.strerror or exc}{where}); "
                       "choose a folder you can write to")

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
    label = f"{what} {shown(target)}" if what else shown(target)
    rule = dict(force=force, inputs=list(inputs), protect=list(protect), what=what)
    target = check_output_target(target, kind, **rule)
    try:
        created = _make_parents(target.parent)
    except OSError as exc:
        raise cannot_write(label, exc) from None
    lock = tmp = None
    try:
        try:
            lock = lock_beside(target, label)
            _clean_stale(target)
            check_output_target(target, kind, **rule)
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
            _mark(tmp)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes 0700; give the usual permissions
        except OSError as exc:
            raise cannot_write(label, exc) from None
        yield tmp
        record = _read_manifest(tmp / MANIFEST_FILE)
        if record is None or record.get("written_by") != TOOL or record.get("output_kind") != kind:
            raise RuntimeError(f"{label}: the output has no manifest.json with written_by={TOOL!r} and "
                               f"output_kind={kind!r}, so it would not be recognised as simulate's; not written")
        with signals_deferred():
            check_output_target(target, kind, **rule)
            allowed = previous_output_kind(target) if os.path.lexists(target) else None
            os.unlink(tmp / TMP_MARKER)
            try:
                _swap_into_place(tmp, target, kind, allowed)
            except OSError as exc:
                raise cannot_write(label, exc) from None
            tmp = None
            _completed.append(target)
            unlock(lock)
            lock = None
    except BaseException:
        with signals_deferred():
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
            unlock(lock)
            lock = None
            _remove_empty(created)
        raise
    finally:
        unlock(lock)


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
    label = f"{what} {shown(given)}" if what else shown(given)
    path = Path(os.path.abspath(given))
    too_long = name_problem(path)
    if too_long:
        raise OutputError(f"{label}: {too_long}; choose a shorter path")
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
    try:
        created = _make_parents(path.parent)
    except OSError as exc:
        raise cannot_write(label, exc) from None
    tmp = None
    try:
        try:
            fd, name = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
        except OSError as exc:
            raise cannot_write(label, exc) from None
        tmp = Path(name)
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode) if path.is_file() else 0o666 & ~umask)
        with signals_deferred():
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
