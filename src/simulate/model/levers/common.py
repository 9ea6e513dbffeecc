"""Small helpers shared by the levers: broadcasting parameters over draws and schools.

A parameter is a Python number when certain, or an array of shape (draw,) when
it was sampled. ``per_draw(x, ndim)`` shapes it to broadcast against an array
of ``ndim`` dimensions whose first axis is the draw.
"""

from __future__ import annotations

import numpy as np

LOCATIONS = ("urban", "town", "rural", "mountain")


def per_draw(x, ndim: int):
    """``x`` (scalar or (draw,) array) shaped to broadcast over ``ndim`` dims."""
    if type(x) is float:  # the common case, first (this runs hundreds of times a simulated year)
        return x
    if np.ndim(x) == 0:
        return float(x) if not isinstance(x, (bool, np.bool_)) else bool(x)
    return np.asarray(x, dtype=float).reshape((-1,) + (1,) * (ndim - 1))


def by_location(values, location_code: np.ndarray, ndim: int):
    """Per-school values from a by-location parameter group, shaped (draw|1, school, 1…)."""
    cols = [getattr(values, loc) for loc in LOCATIONS]
    if all(type(c) is float or np.ndim(c) == 0 for c in cols):
        table = np.asarray(cols, dtype=float)[location_code][None, :]
    else:
        n = max(np.size(c) for c in cols)
        table = np.stack([np.broadcast_to(np.asarray(c, dtype=float), (n,)) for c in cols], axis=1)[:, location_code]
    return table.reshape(table.shape + (1,) * (ndim - 2))


def by_group(values, flags: np.ndarray, ndim: int = 4):
    """Sum over a pupil's group flags of a by-group parameter group, shaped (draw|1, 1, 1, group).

    ``flags`` is the (16, 4) boolean matrix of group k's flags
    (poor, left_behind, disabled, migrant).
    """
    cols = [values.poor, values.left_behind, values.disabled, values.migrant]
    if all(type(c) is float or np.ndim(c) == 0 for c in cols):
        out = flags.astype(float) @ np.asarray(cols, dtype=float)
        return out.reshape((1,) * (ndim - 1) + (-1,))
    n = max(np.size(c) for c in cols)
    mat = np.stack([np.broadcast_to(np.asarray(c, dtype=float), (n,)) for c in cols], axis=1)  # (D, 4)
    out = mat @ flags.T.astype(float)  # (D, 16)
    return out.reshape((n,) + (1,) * (ndim - 2) + (16,))
