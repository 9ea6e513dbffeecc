"""Draws in chunks, and chunks run as batches in this process or on a Dask cluster.

``compare`` (and the sensitivity study's evaluator, discovery and sweeps) run draws as an array axis
in fixed chunks of ``chunk`` draws: 100 by default (:data:`DEFAULT_CHUNK`), fewer for districts so
large that 100 draws would not fit in :data:`CHUNK_MEMORY_BYTES` (:func:`default_chunk`). The same
(seed, draws, chunk) gives identical numbers on any machine, and :func:`run_batches` gives the same
results in this process as on a cluster.
"""

from __future__ import annotations

from ..errors import InputError

DEFAULT_CHUNK = 100


def run_batches(fn, district, jobs: list[tuple], client=None, bar=None, **local) -> list:
    """``[fn(district, *job) for job in jobs]``, in this process (with the keyword arguments ``local``,
    e.g. precomputed cells) or, with a ``dask.distributed.Client``, as one task per job on its
    workers (the district scattered once, tasks never cached: ``pure=False``); results in job
    order, identical either way. ``bar`` (tqdm) is advanced per finished job. ``compare`` sends
    its (chunk × scenario) batches through here, and so does the sensitivity study's
    :class:`~simulate.analysis.factors.ModelEvaluator` (its chunks of parameter sets)."""
    if client is None:
        done = []
        for job in jobs:
            done.append(fn(district, *job, **local))
            if bar is not None:
                bar.update(1)
        return done
    from dask.distributed import as_completed  # the same jobs as tasks on a Dask cluster: identical numbers

    d_fut = client.scatter(district, broadcast=True)
    futures = [client.submit(fn, d_fut, *job, pure=False) for job in jobs]
    for _ in as_completed(futures):
        if bar is not None:
            bar.update(1)
    return client.gather(futures)


CHUNK_MEMORY_BYTES = 2 * 2**30   # what one chunk's arrays may take
ARRAYS_ALIVE = 40                # (draw, school, grade, group) float arrays alive at once in a year step (measured)


def check_chunk(chunk, district, name: str = "chunk") -> int:
    """``chunk`` if that many draws of ``district``'s cells fit in ``CHUNK_MEMORY_BYTES``."""
    from ..inputs import limits

    chunk = limits.check_int(chunk, name, 1, limits.MAX_DRAWS)
    per_draw = district.enrolled.size * 8 * ARRAYS_ALIVE
    fit = max(1, CHUNK_MEMORY_BYTES // per_draw)
    if chunk > fit:
        raise InputError(f"{name}: {chunk:,} draws at once of a district of {district.n_schools:,} schools need "
                         f"about {limits.gib(chunk * per_draw)} (budget {limits.gib(CHUNK_MEMORY_BYTES)}): "
                         f"at most {fit:,} fit")
    return chunk


def default_chunk(district) -> int:
    """Draws per chunk: 100, or fewer when 100 draws of this district's cells would
    exceed ``CHUNK_MEMORY_BYTES`` (a province: ~9; a nation: 1)."""
    per_draw = district.enrolled.size * 8 * ARRAYS_ALIVE
    return int(max(1, min(DEFAULT_CHUNK, CHUNK_MEMORY_BYTES // per_draw)))
