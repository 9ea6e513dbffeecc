"""The engine's memory allocator under Dask (glibc's mmap threshold); see :func:`restore_mmap_threshold`."""

from __future__ import annotations

import ctypes
import os
import sys

MMAP_THRESHOLD = 32 * 2**20  # glibc's own ceiling for its dynamic mmap threshold on 64-bit systems
_allocator_checked = False


def _libc():
    return ctypes.CDLL(None)


def restore_mmap_threshold(environ=os.environ) -> bool:
    """Undo a side effect of ``MALLOC_TRIM_THRESHOLD_`` on the engine's speed (once per process; True if done).

    Dask's nanny starts every worker with ``MALLOC_TRIM_THRESHOLD_=65536``
    (``distributed.nanny.pre-spawn-environ``). Setting that variable also
    switches off glibc's dynamic mmap threshold, so every array above 128 KiB
    — each (draw, cell) temporary of a chunk of 100 draws — is mapped fresh and
    page-faulted on first touch: a chunk of ``compare`` took 1.8× as long in a
    worker as in a plain process (1.19 s vs 0.65 s CPU, measured). When the
    variable is set and ``MALLOC_MMAP_THRESHOLD_`` is not, this sets the mmap
    threshold to 32 MiB (where glibc's dynamic threshold stops), so those arrays
    come from the heap again; the trim threshold stays as Dask set it. Linux
    (glibc) only; process-wide, like the variable it corrects.
    """
    global _allocator_checked
    if _allocator_checked:
        return False
    _allocator_checked = True
    if not sys.platform.startswith("linux") or "MALLOC_TRIM_THRESHOLD_" not in environ \
            or "MALLOC_MMAP_THRESHOLD_" in environ:
        return False
    try:
        return bool(_libc().mallopt(-3, MMAP_THRESHOLD))  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):  # not glibc
        return False
