"""Random streams derived from (master seed, purpose, keys) — never from the scenario.

Every random number the model uses comes from a generator made here, so that
the same seed gives the same numbers on any machine, scenarios compared on one
seed share their draws (common random numbers), and no code seeds numpy
globally. Keys are hashed with SHA-256 (Python's ``hash()`` is salted per
process and must not be used).
"""

from __future__ import annotations

import hashlib

import numpy as np


def _key_to_int(key: object) -> int:
    digest = hashlib.sha256(repr(key).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "little")


def stream(seed: int, purpose: str, *keys: object) -> np.random.Generator:
    """A generator for ``purpose`` (e.g. "parameters", "dropout") and ``keys``."""
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer ≥ 0, got {seed!r}")
    entropy = [int(seed), _key_to_int(purpose), *(_key_to_int(k) for k in keys)]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))
