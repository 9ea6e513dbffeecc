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


MEMO = 64  # by-location and by-group tables kept (the last ones made)
_memo: dict = {}


def _memoised(make, values, table: np.ndarray, ndim: int):
    """``make(values, table, ndim)``, kept (read-only) while the same ``values`` group and ``table`` array
    come back (by identity: a resolved parameter tree is not changed once made; ``Cells.kept`` relies on
    the same): these tables depend on parameters and the district only, not on the year's state."""
    by_value = type(values) is tuple  # location names: compared by value
    key = (make, values if by_value else id(values), id(table), ndim)
    hit = _memo.get(key)
    if hit is not None and (by_value or hit[0] is values) and hit[1] is table:
        return hit[2]
    out = make(values, table, ndim)
    for a in (out if type(out) is tuple else (out,)):
        a.flags.writeable = False  # shared between years and callers
    if len(_memo) >= MEMO:
        try:
            _memo.pop(next(iter(_memo)), None)  # the oldest
        except (RuntimeError, StopIteration):  # another thread changed it meanwhile
            pass
    _memo[key] = (values, table, out)  # held, so their ids are not reused while kept
    return out


def by_location(values, location_code: np.ndarray, ndim: int):
    """Per-school values from a by-location parameter group, shaped (draw|1, school, 1…)."""
    return _memoised(_by_location, values, location_code, ndim)


def _by_location(values, location_code: np.ndarray, ndim: int):
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
    return _memoised(_by_group, values, flags, ndim)


def _by_group(values, flags: np.ndarray, ndim: int):
    cols = [values.poor, values.left_behind, values.disabled, values.migrant]
    if all(type(c) is float or np.ndim(c) == 0 for c in cols):
        out = flags.astype(float) @ np.asarray(cols, dtype=float)
        return out.reshape((1,) * (ndim - 1) + (-1,))
    n = max(np.size(c) for c in cols)
    mat = np.stack([np.broadcast_to(np.asarray(c, dtype=float), (n,)) for c in cols], axis=1)  # (D, 4)
    out = mat @ flags.T.astype(float)  # (D, 16)
    return out.reshape((n,) + (1,) * (ndim - 2) + (16,))


def location_members(location_code: np.ndarray) -> tuple:
    """For each location (:data:`LOCATIONS` order), the indices of its schools (kept per ``location_code``)."""
    return _memoised(_location_members, None, location_code, 1)


def _location_members(_, location_code, __):
    return tuple(np.flatnonzero(location_code == k) for k in range(len(LOCATIONS)))


def in_locations(location_code: np.ndarray, names) -> np.ndarray:
    """(school,) bool: the school's location is one of ``names`` (kept per ``location_code`` and names)."""
    return _memoised(_in_locations, tuple(names), location_code, 1)


def _in_locations(names, location_code, _):
    return np.isin(location_code, [LOCATIONS.index(loc) for loc in names])


def per_location(values) -> np.ndarray:
    """A by-location parameter group as a (draw|1, location) table (kept per group)."""
    return _memoised(_per_location, values, None, 2)


def _per_location(values, _, __):
    cols = [getattr(values, loc) for loc in LOCATIONS]
    n = max(np.size(c) for c in cols)
    return np.stack([np.broadcast_to(np.asarray(per_draw(c, 1), dtype=float), (n,)) for c in cols], axis=1)
