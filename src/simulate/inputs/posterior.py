"""The calibrated parameters' posterior draws (``params/posterior/``), read for sampling.

``simulate calibrate --posterior --write`` (:mod:`simulate.analysis.posterior`)
fits the parameters listed in the registry of published figures
(``data/evidence/registry.yaml``) and writes:

- ``params/posterior/draws.csv``: one row per posterior draw, one column per
  calibrated parameter (its value, not an offset);
- ``params/posterior/posterior.yaml``: the header: the hashes of the data, the
  parameters and the registry the draws were fitted to, the sampler's settings
  and diagnostics, and ``central``: each parameter's posterior mean, which is
  also the value written into params/baseline.yaml.

Every run that samples parameters (``compare``, sweeps, the dashboard's "Run
with uncertainty", the optimiser's robust runs) takes the calibrated parameters
*jointly* from these draws (:func:`offsets`, called by
:meth:`simulate.inputs.scenario.Scenario.sample`) instead of from independent
priors, so every draw still fits the figures it was calibrated to. Draw d of a
run uses row ``⌊u_d · rows⌋`` with u_d from the stream (seed, "posterior"):
the same rows for every scenario of a comparison (common random numbers) and
for draw d however many draws run. Set ``SIMULATE_POSTERIOR=off`` to sample the
priors instead (what the calibration itself does).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..randomness import stream

FOLDER = "posterior"
DRAWS_FILE = "draws.csv"
HEADER_FILE = "posterior.yaml"


def folder() -> Path:
    """``params/posterior/``: under $SIMULATE_PARAMS_DIR, else the repository's params/ (as
    :func:`simulate.inputs.scenario.params_dir`, which imports this module)."""
    env = os.environ.get("SIMULATE_PARAMS_DIR")
    if env:
        return Path(env) / FOLDER
    for parent in Path(__file__).resolve().parents:
        if (parent / "params" / "baseline.yaml").exists():
            return parent / "params" / FOLDER
    return Path.cwd() / "params" / FOLDER


def enabled() -> bool:
    return os.environ.get("SIMULATE_POSTERIOR", "on").strip().lower() not in ("off", "0", "no", "false")


@lru_cache(maxsize=4)
def _read(draws_path: str, header_path: str, stamp: tuple) -> tuple[tuple[str, ...], np.ndarray, dict]:
    import pandas as pd
    import yaml

    header = yaml.safe_load(Path(header_path).read_text(encoding="utf-8")) or {}
    table = pd.read_csv(draws_path)
    paths = tuple(c for c in table.columns if c != "draw")
    values = table[list(paths)].to_numpy(dtype=float)
    if not len(values) or not np.isfinite(values).all():
        raise ValueError(f"{draws_path}: expected finite posterior draws, one column per calibrated parameter")
    central = header.get("central") or {}
    missing = [p for p in paths if p not in central]
    if missing:
        raise ValueError(f"{header_path}: central: no posterior mean for {', '.join(missing)}")
    return paths, values, header


def load() -> tuple[tuple[str, ...], np.ndarray, dict] | None:
    """(parameter paths, draws (rows, paths), header), or None when there is no posterior (or it is off)."""
    if not enabled():
        return None
    d = folder()
    draws, header = d / DRAWS_FILE, d / HEADER_FILE
    if not (draws.is_file() and header.is_file()):
        return None
    stamp = tuple((p.stat().st_mtime_ns, p.stat().st_size) for p in (draws, header))
    return _read(str(draws), str(header), stamp)


def rows(n_rows: int, draws: int, seed: int, first_draw: int = 0) -> np.ndarray:
    """The posterior row each of draws ``first_draw …`` uses (with replacement, keyed by seed)."""
    g = stream(seed, "posterior")
    g.bit_generator.advance(first_draw)
    return np.minimum((g.random(draws) * n_rows).astype(np.int64), n_rows - 1)


def offsets(draws: int, seed: int, first_draw: int = 0, leaves: dict | None = None) -> dict[str, np.ndarray]:
    """Additive offsets (posterior draw − the committed central value) of every calibrated parameter, or
    {} without a posterior. ``leaves`` (a scenario's) limits them to the calibrated parameters the scenario
    leaves at their committed value: a scenario (or a district's calibration overlay) that sets one itself
    takes it as set, with its own uncertainty if it declares one."""
    got = load()
    if got is None:
        return {}
    paths, values, header = got
    idx = rows(len(values), draws, seed, first_draw)
    central = header["central"]
    return {p: values[idx, j] - float(central[p]) for j, p in enumerate(paths)
            if leaves is None or (p in leaves and _unchanged(leaves[p], central[p]))}


def _unchanged(leaf: dict, central: float) -> bool:
    v = leaf.get("value")
    return not leaf.get("by_year") and isinstance(v, (int, float)) and not isinstance(v, bool) \
        and abs(float(v) - float(central)) <= 5e-5
