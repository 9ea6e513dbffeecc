"""A disk cache of model evaluations for sensitivity studies, keyed by everything that sets them.

A published sensitivity study is some 55,000 model runs (minutes on 2 cores); rerunning the
findings with nothing changed should not redo them. :func:`cached_evaluate` wraps a
:class:`~simulate.analysis.factors.ModelEvaluator`: the outputs for a sample ``u`` are stored as
``<key>.npy`` in ``folder``, where ``key`` is the SHA-256 of the sample's bytes, the targets,
the factors (path, distribution and offsets, central value), each scenario's parameter hash,
the district's data hash and calibration overlay, years, seed and mode, the source of the ``simulate`` package and the
versions of numpy, scipy and numba. Any change to any of them is another key, so a cached
result is the result the model would give now (expected mode is deterministic; a stochastic
run is keyed by its seed). Files are written atomically; the folder is created if missing and
nothing else in it is touched.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

import numpy as np


@lru_cache(maxsize=1)
def code_hash() -> str:
    """SHA-256 of the ``simulate`` package's Python source and the numeric libraries' versions."""
    import numba
    import scipy

    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        h.update(p.relative_to(root).as_posix().encode())
        h.update(p.read_bytes())
    h.update(f"numpy {np.__version__} scipy {scipy.__version__} numba {numba.__version__}".encode())
    return h.hexdigest()


def key(evaluator, u: np.ndarray) -> str:
    """The cache key of ``evaluator(u)`` (module docstring)."""
    h = hashlib.sha256()
    u = np.ascontiguousarray(np.atleast_2d(np.asarray(u, dtype=float)))
    h.update(repr(u.shape).encode())
    h.update(u.tobytes())
    h.update(repr([t.name + f"|{t.per_minimum!r}" for t in evaluator.targets]).encode())
    h.update(repr([(f.path, f.distribution, f.low, f.high, f.mode, f.sd, f.central) for f in evaluator.factors]).encode())
    h.update(repr(sorted((n, s.params_hash) for n, s in evaluator.scenarios.items())).encode())
    h.update(repr((evaluator.district.data_hash, evaluator.years, evaluator.seed, evaluator.mode)).encode())
    overlay = getattr(evaluator.district, "calibration", None)   # a district's own calibration.yaml
    h.update(repr(None if overlay is None else overlay.record()).encode())
    h.update(code_hash().encode())
    return h.hexdigest()


def cached_evaluate(evaluator, folder: str | Path, stats: dict | None = None):
    """``evaluate(u)`` that reads ``evaluator(u)`` from ``folder`` when it is there and stores it when not.

    ``stats`` (a dict) counts ``hits`` and ``misses``. The wrapper keeps the evaluator's ``names``."""
    folder = Path(folder)
    stats = {} if stats is None else stats

    def evaluate(u):
        path = folder / f"{key(evaluator, u)}.npy"
        if path.is_file():
            stats["hits"] = stats.get("hits", 0) + 1
            return np.load(path, allow_pickle=False)
        y = evaluator(u)
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        with open(tmp, "wb") as f:
            np.save(f, y, allow_pickle=False)
        os.replace(tmp, path)
        stats["misses"] = stats.get("misses", 0) + 1
        return y

    evaluate.names = evaluator.names
    return evaluate
