"""Where the engine's cell arrays live: every (school, grade, group) cell, or only the live ones.

Two layouts of the same model, with one interface (:class:`Cells`):

- **dense** (:func:`cells_of`): arrays shaped (draw, school, grade, group), as the
  model is written and documented; used by replays that read every cell
  (``analysis/estimate.py``) and by the tests of single steps;
- **live** (:func:`live_cells_of`, what ``engine.simulate`` runs on): arrays
  shaped (draw, live cell), holding only the cells that can ever hold
  children under the district's grade structure — the cells with pupils or
  out-of-school children at the start, and every cell a cohort can move into
  from them (up a grade in its school, primary leavers into their feeder's
  first junior grade). New cohorts enter grade-1 cells that already hold
  pupils, returners come back to the cell they left, so the set is closed:
  a cell outside it holds no child in any year. It is computed once per
  district. Only ~20% of Banan's cells are live.

Live cells keep the dense order (school, then grade, then group), so a live
array is the dense array with the dead cells left out: sums, random draws
taken cell by cell and the draws' order are the same as on the dense arrays
(numpy's binomial returns 0 without drawing where n = 0, so drawing over the
live cells consumes the random streams exactly as over every cell).

A lever stays a small function of arrays: terms that vary by school, grade or
group only are computed at their own small shape, as in the dense model, and
``cells.at(term)`` brings each to the cell arrays' shape (dense: itself, by
broadcasting; live: a gather by the cells' school, grade and group). Moves
between cells (``move_up``) are precomputed index arrays; sums per school,
grade or group (``by_school_grade``, ``by_school_group``, ``by_school_set``)
are segment sums over the ordered cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..inputs.district import GRADES, LEVELS, TEACHING_POINTS, District, group_flags
from .levers.common import LOCATIONS
from . import progression

PRIMARY_GRADES = 6
KEPT = 32  # parameter-only terms kept per layout (Cells.kept)


@dataclass(frozen=True, eq=False)
class Cells(progression.DenseMoves):
    """District constants shaped to broadcast against the state arrays (the dense layout; its moves
    between cells are :class:`simulate.model.progression.DenseMoves`')."""

    location_code: np.ndarray     # (school,)
    offers_grade: np.ndarray      # (school, grade)
    stays: np.ndarray             # (school, grade-1): school offers grade g and g+1
    feeder: object                # sparse (school × school)
    junior_grade: np.ndarray      # (1, 1, grade, 1) bool
    grade_in_stage: np.ndarray    # (1, 1, grade, 1)
    flags: np.ndarray             # (group, 4) bool
    poor: np.ndarray              # (1, 1, 1, group) bool
    left_behind: np.ndarray
    disabled: np.ndarray
    boarding_share: np.ndarray    # (school,)
    rural_or_mountain: np.ndarray  # (school,) bool: receives rotating teachers
    urban: np.ndarray             # (school,) bool: sends support teachers
    school_ids: np.ndarray        # (school,) str
    entrants: np.ndarray          # (school, group): grade-1 cohort of the first year
    maintained_facility: np.ndarray  # (school,) facility index routine maintenance keeps (the data's, at the start)
    posts: np.ndarray = None      # (school,) teacher posts (编制) the data give, NaN where the norm sets them
    teaching_point: np.ndarray = None  # (school,) bool: a teaching point (教学点), staffed from its own teachers
    start_teachers: np.ndarray = None  # (school,) teachers in the data
    start_pupils: np.ndarray = None    # (school, grade) pupils in the data
    points: tuple = None          # teaching points: (school, feeder, last grade index) (progression.move_up)

    # ---------------------------------------------------------------- the layout's interface
    ndim = 4            # dimensions of a cell array: (draw, school, grade, group)
    live = False
    feeder_grade = PRIMARY_GRADES - 1  # primaries' last grade, whose leavers move to their feeder

    @property
    def shape(self) -> tuple[int, int, int]:
        """(school, grade, group) of the district."""
        return self.offers_grade.shape + (self.flags.shape[0],)

    def cell_shape(self, draws: int) -> tuple[int, ...]:
        return (draws,) + self.shape

    def at(self, x):
        """A term shaped (draw|1, school|1, grade|1, group|1) on the cell arrays: itself (broadcasting)."""
        return x

    def kept(self, name: str, owners: tuple, arrays: tuple, make):
        """``make()``, computed once and kept while the same parameter groups (``owners``, by identity: a
        resolved parameter tree is not changed once made) and small ``arrays`` (by value) come back —
        the terms a lever computes from parameters alone, the same every simulated year. A few are
        kept (the last :data:`KEPT` asked for); keep only small (school, grade or group-sized) terms."""
        cache = self.__dict__.setdefault("_kept", {})
        key = (name, tuple(id(o) for o in owners),
               tuple((np.shape(a), np.asarray(a).dtype.str, np.asarray(a).tobytes()) for a in arrays))
        hit = cache.get(key)
        if hit is not None and all(a is b for a, b in zip(hit[0], owners)):
            return hit[1]
        value = make()
        if len(cache) >= KEPT:
            try:
                cache.pop(next(iter(cache)), None)  # the oldest
            except (RuntimeError, StopIteration):  # another thread changed the cache meanwhile
                pass
        cache[key] = (owners, value)  # the owners are held, so their ids are not reused while kept
        return value

    def dense(self, x):
        """A cell array as (draw, school, grade, group): itself."""
        return x

    def cells(self, x):
        """A dense (draw, school, grade, group) array in this layout: itself."""
        return x

    def by_school_grade(self, x) -> np.ndarray:
        """(draw, school, grade) sums over groups."""
        return x.sum(axis=3)

    def by_school_group(self, x) -> np.ndarray:
        """(draw, school, group) sums over grades."""
        return x.sum(axis=2)

    def by_school_grade_and_group(self, x) -> tuple[np.ndarray, np.ndarray]:
        """(:meth:`by_school_grade`, :meth:`by_school_group`) of ``x``."""
        return self.by_school_grade(x), self.by_school_group(x)

    def by_school_set(self, x, school_sets: np.ndarray) -> np.ndarray:
        """(draw, set, grade, group) sums over the schools of each set (``school_sets`` (school, set) 0/1)."""
        d, s, g, k = x.shape
        return np.matmul(school_sets.T, x.reshape(d, s, g * k)).reshape(d, -1, g, k)

    def first_grade(self, x) -> np.ndarray:
        """(draw, school, group): the grade-1 cells."""
        return x[:, :, 0, :]

    def add_to_first_grade(self, x, by_school) -> None:
        """``x`` += a (draw|1, school) array in the grade-1 cells, in place."""
        x[:, :, 0, :] += np.asarray(by_school, dtype=float)[:, :, None]

    @cached_property
    def disabled_cells(self) -> list:
        """Index tuples selecting the disabled groups' cells (runs of groups as slices: views, no gather)."""
        group = np.broadcast_to(self.disabled, (1, 1, 1, self.flags.shape[0])).reshape(-1)
        edges = np.flatnonzero(np.diff(np.concatenate([[0], group.astype(np.int8), [0]])))
        return [(Ellipsis, slice(int(a), int(b))) for a, b in zip(edges[::2], edges[1::2])]


def cells_of(district: District) -> Cells:
    """The district's cells, dense layout (computed once per district object and kept on it)."""
    return _kept(district, "_dense_cells", lambda: Cells(**_constants(district)))


def _kept(district, name: str, make):
    """``make()``, kept on the (frozen, read-only) district object under ``name``."""
    cached = district.__dict__.get(name) if hasattr(district, "__dict__") else None
    if cached is None:
        cached = make()
        try:
            object.__setattr__(district, name, cached)
        except (AttributeError, TypeError):  # a district type that keeps no attributes: make it again next time
            pass
    return cached


def _constants(district: District) -> dict:
    flags = group_flags()
    grade = np.arange(GRADES)
    junior = grade >= PRIMARY_GRADES
    loc = district.location_code
    offers = district.offers_grade
    return dict(
        location_code=loc,
        offers_grade=offers,
        stays=offers[:, 1:] & offers[:, :-1],
        feeder=progression.feeder_matrix(_primary_feeders(district)),
        points=progression.teaching_point_moves(district.feeder_index, district.leave_grade,
                                                district.leave_grade == PRIMARY_GRADES - 1),
        junior_grade=junior[None, None, :, None],
        grade_in_stage=np.where(junior, grade - PRIMARY_GRADES, grade).astype(float)[None, None, :, None],
        flags=flags,
        poor=flags[:, 0][None, None, None, :],
        left_behind=flags[:, 1][None, None, None, :],
        disabled=flags[:, 2][None, None, None, :],
        boarding_share=district.boarding_share[None, :],
        rural_or_mountain=np.isin(loc, (LOCATIONS.index("rural"), LOCATIONS.index("mountain"))),
        urban=loc == LOCATIONS.index("urban"),
        school_ids=district.schools["school_id"].to_numpy(dtype=str),
        entrants=district.enrolled[:, 0, :] * offers[:, :1],
        maintained_facility=district.facility_index,
        posts=district.posts,
        teaching_point=np.isin(district.level_code, [LEVELS.index(p) for p in TEACHING_POINTS]),
        start_teachers=district.teachers,
        start_pupils=district.enrolled.sum(axis=2),
    )


def _primary_feeders(district: District) -> np.ndarray:
    """feeder_index of the schools whose grade-6 leavers move (primaries); -1 elsewhere (teaching points
    move their leavers at their own last grade: ``Cells.points``)."""
    return np.where(district.leave_grade == PRIMARY_GRADES - 1, district.feeder_index, -1)


# ------------------------------------------------------------------ the live layout
def live_set(district: District, stays, feeder, points=None) -> np.ndarray:
    """(school, grade, group) bool: the cells that can ever hold children (see the module docstring)."""
    live = (district.enrolled > 0) | (district.out_of_school > 0)
    live[:, 0, :] |= district.enrolled[:, 0, :] > 0
    while True:
        reached = progression.move_up(live[None].astype(float), stays, feeder, PRIMARY_GRADES - 1, points)[0] > 0
        grown = live | reached
        if (grown == live).all():
            return live
        live = grown


def _segments(keys: np.ndarray):
    """Starts of the runs of equal sorted ``keys`` and the key of each run (for ``np.add.reduceat``)."""
    if keys.size == 0:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    return starts, keys[starts]


def _segment_sums(x, order, starts, keys, n_keys: int) -> np.ndarray:
    """(draw, n_keys) sums of the columns of ``x`` (draw, cell) grouped by key; ``order`` sorts the cells
    by key (None: already sorted)."""
    out = np.zeros((x.shape[0], n_keys))
    if starts.size:
        y = x if order is None else x[:, order]
        out[:, keys] = np.add.reduceat(y, starts, axis=1)
    return out


@dataclass(frozen=True, eq=False)
class LiveCells(Cells):
    """The live layout: cell arrays are (draw, live cell), live cells in dense (school, grade, group) order."""

    index: np.ndarray = None      # (cell,) flat index into (school, grade, group)
    school: np.ndarray = None     # (cell,)
    grade: np.ndarray = None      # (cell,)
    group: np.ndarray = None      # (cell,)
    stay_dest: np.ndarray = None  # moves up a grade within a school: cell stay_src → cell stay_dest
    stay_src: np.ndarray = None
    feed_order: np.ndarray = None  # grade-6 leavers of primaries to their feeder, sorted by destination
    feed_starts: np.ndarray = None
    feed_dest: np.ndarray = None
    first: np.ndarray = None      # grade-1 cells and their (school·group) index
    first_sk: np.ndarray = None
    last: np.ndarray = None       # grade-9 cells and their (school·group) index
    last_sk: np.ndarray = None
    sg_starts: np.ndarray = None  # (school, grade) runs of the ordered cells
    sg_keys: np.ndarray = None
    sk: dict = field(default=None)  # (school, group) grouping: order, starts, keys

    ndim = 2
    live = True

    @property
    def n_cells(self) -> int:
        return int(self.index.size)

    def cell_shape(self, draws: int) -> tuple[int, ...]:
        return (draws, self.n_cells)

    def at(self, x):
        """A term shaped (draw|1, school|1, grade|1, group|1) on the live cells: (draw|1, cell) or (draw|1, 1)."""
        x = np.asarray(x)
        if x.ndim < 4:
            x = x.reshape((1,) * (4 - x.ndim) + x.shape)
        _, s, g, k = x.shape
        if s == g == k == 1:
            return x.reshape(x.shape[0], 1)
        if s > 1 and g == 1 and k == 1:
            return x[:, :, 0, 0][:, self.school]
        if s == 1 and g == 1:
            return x[:, 0, 0, :][:, self.group]
        if s > 1 and g == 1:
            return x[:, :, 0, :].reshape(x.shape[0], -1)[:, self.school_group]
        if s == 1:
            return x[:, 0].reshape(x.shape[0], -1)[:, self.grade_group] if k > 1 else x[:, 0, :, 0][:, self.grade]
        return np.broadcast_to(x, (x.shape[0],) + self.shape).reshape(x.shape[0], -1)[:, self.index]

    def dense(self, x):
        """A live cell array as (draw, school, grade, group), dead cells 0."""
        x = np.asarray(x)
        out = np.zeros((x.shape[0], int(np.prod(self.shape))))
        out[:, self.index] = x
        return out.reshape((x.shape[0],) + self.shape)

    def cells(self, x):
        """A dense (draw, school, grade, group) array on the live cells."""
        x = np.asarray(x)
        return x.reshape(x.shape[0], -1)[:, self.index]

    @cached_property
    def moves(self) -> tuple[np.ndarray, np.ndarray]:
        """The moves up a grade as CSR rows (indptr, sources): cell c receives cells
        ``sources[indptr[c]:indptr[c + 1]]`` — its school's grade below (first), then the feeder
        primaries' last primary grade (in school order), as ``progression.move_up`` sums them."""
        dest = np.concatenate([self.stay_dest, np.repeat(self.feed_dest, np.diff(np.append(self.feed_starts,
                                                                                         self.feed_order.size)))])
        src = np.concatenate([self.stay_src, self.feed_order])
        kind = np.concatenate([np.zeros(self.stay_src.size, np.int8), np.ones(self.feed_order.size, np.int8)])
        o = np.lexsort((src, kind, dest))
        indptr = np.zeros(self.n_cells + 1, np.intp)
        np.add.at(indptr, dest + 1, 1)
        return np.cumsum(indptr), src[o].astype(np.intp)

    @cached_property
    def school_group(self) -> np.ndarray:
        """(cell,) index of each cell's (school, group) in a (school × group) table."""
        return (self.school * self.shape[2] + self.group).astype(np.intp)

    @cached_property
    def grade_group(self) -> np.ndarray:
        """(cell,) index of each cell's (grade, group) in a (grade × group) table."""
        return (self.grade * self.shape[2] + self.group).astype(np.intp)

    @cached_property
    def disabled_mask(self) -> np.ndarray:
        """(cell,) bool: the cell's group is disabled."""
        return np.ascontiguousarray(self.flags[self.group, 2])

    def move_up(self, x):
        from . import kernels

        return kernels.move_up(np.ascontiguousarray(x, dtype=float), *self.moves)

    def out_of_school(self, left, ledger, ledger_end, returns, dropouts, child_years):
        """(leavers at the year's end, child-years so far): ``progression.tally_out_of_school``'s per-cell part."""
        from . import kernels

        c = np.ascontiguousarray
        return kernels.out_of_school(c(left, dtype=float), c(ledger, dtype=float), c(ledger_end, dtype=float),
                                     c(returns, dtype=float), c(dropouts, dtype=float), c(child_years, dtype=float))

    def advance(self, enrolled, ledger, learning):
        """(enrolled, ledger, learning) moved up a grade: ``progression.advance``'s moves, one compiled pass."""
        from . import kernels

        c = np.ascontiguousarray
        return kernels.advance(c(enrolled, dtype=float), c(ledger, dtype=float), c(learning, dtype=float),
                               *self.moves)

    def by_school_grade(self, x) -> np.ndarray:
        s, g, _ = self.shape
        return _segment_sums(x, None, self.sg_starts, self.sg_keys, s * g).reshape(x.shape[0], s, g)

    def by_school_group(self, x) -> np.ndarray:
        s, _, k = self.shape
        return _segment_sums(x, self.sk["order"], self.sk["starts"], self.sk["keys"], s * k).reshape(
            x.shape[0], s, k)

    def by_school_grade_and_group(self, x) -> tuple[np.ndarray, np.ndarray]:
        from . import kernels

        s, g, k = self.shape
        return kernels.school_sums(np.ascontiguousarray(x, dtype=float), self.school, self.grade, self.group, s, g, k)

    def by_school_set(self, x, school_sets: np.ndarray) -> np.ndarray:
        from . import kernels

        weight = self._set_weights(school_sets)
        n = self.shape[1] * self.shape[2]
        out = kernels.sums_by_set(np.ascontiguousarray(x, dtype=float), weight, self.grade_group, n)
        return out.reshape(x.shape[0], -1, self.shape[1], self.shape[2])

    def _set_weights(self, school_sets: np.ndarray) -> np.ndarray:
        """(cell, set) the cell's school's weight in each set, kept for the last few sets asked for."""
        cache = self.__dict__.setdefault("_set_cache", {})
        key = (school_sets.shape, school_sets.tobytes())
        if key not in cache:
            if len(cache) > 8:
                cache.clear()
            cache[key] = np.ascontiguousarray(np.asarray(school_sets, dtype=float)[self.school])
        return cache[key]

    def last_grade(self, x) -> np.ndarray:
        s, _, k = self.shape
        out = np.zeros((x.shape[0], s * k))
        out[:, self.last_sk] = x[:, self.last]
        return out.reshape(x.shape[0], s, k)

    def only_last_grade(self, x) -> np.ndarray:
        out = np.zeros(x.shape)
        out[:, self.last] = x[:, self.last]
        return out

    def add_to_last_grade(self, x, by_school_group) -> None:
        x[:, self.last] += by_school_group.reshape(by_school_group.shape[0], -1)[:, self.last_sk]

    def set_first_grade(self, x, by_school_group) -> None:
        v = np.asarray(by_school_group, dtype=float)
        v = v.reshape((1,) * (3 - v.ndim) + v.shape)
        if v.shape[1:] != (self.shape[0], self.shape[2]):  # a term by school or by group only
            v = np.broadcast_to(v, (v.shape[0], self.shape[0], self.shape[2]))
        x[:, self.first] = v.reshape(v.shape[0], -1)[:, self.first_sk]

    def add_to_first_grade(self, x, by_school) -> None:
        v = np.asarray(by_school, dtype=float)
        x[:, self.first] += v[:, self.school[self.first]]

    def first_grade(self, x) -> np.ndarray:
        s, _, k = self.shape
        out = np.zeros((x.shape[0], s * k))
        out[:, self.first_sk] = x[:, self.first]
        return out.reshape(x.shape[0], s, k)

    @cached_property
    def disabled_cells(self) -> list:
        idx = np.flatnonzero(self.flags[self.group, 2])
        return [(slice(None), idx)] if idx.size else []


def live_cells_of(district: District) -> LiveCells:
    """The district's cells, live layout (computed once per district object and kept on it)."""
    return _kept(district, "_live_cells", lambda: _live_cells(district))


def _live_cells(district: District) -> LiveCells:
    const = _constants(district)
    n_school, n_grade = district.offers_grade.shape
    n_group = const["flags"].shape[0]
    live = live_set(district, const["stays"], const["feeder"], const["points"])
    index = np.flatnonzero(live.ravel())
    school, grade, group = np.unravel_index(index, live.shape)
    position = np.full(live.size, -1, np.intp)
    position[index] = np.arange(index.size)

    def pos(s, g, k):
        return position[(s * n_grade + g) * n_group + k]

    # up a grade within a school (every live source; its destination is live by closure)
    src = np.flatnonzero((grade < n_grade - 1) & const["stays"][school, np.minimum(grade, n_grade - 2)])
    stay_dest, stay_src = pos(school[src], grade[src] + 1, group[src]), src
    # grade-6 leavers of primaries to their feeder junior school; a teaching point's last-grade leavers
    # to its feeder primary
    fi, lg = district.feeder_index, district.leave_grade
    leaving = np.flatnonzero((grade == lg[school]) & (fi[school] >= 0))
    dest = pos(fi[school[leaving]], grade[leaving] + 1, group[leaving])
    o = np.argsort(dest, kind="stable")
    feed_starts, feed_dest = _segments(dest[o])
    sk_key = school * n_group + group
    sk_order = np.argsort(sk_key, kind="stable")
    sk_starts, sk_keys = _segments(sk_key[sk_order])
    sg_starts, sg_keys = _segments(school * n_grade + grade)
    first, last = np.flatnonzero(grade == 0), np.flatnonzero(grade == n_grade - 1)
    cells = LiveCells(
        **const, index=index, school=school, grade=grade, group=group,
        stay_dest=stay_dest, stay_src=stay_src, feed_order=leaving[o], feed_starts=feed_starts, feed_dest=feed_dest,
        first=first, first_sk=sk_key[first], last=last, last_sk=sk_key[last],
        sg_starts=sg_starts, sg_keys=sg_keys, sk={"order": sk_order, "starts": sk_starts, "keys": sk_keys},
    )
    return cells
