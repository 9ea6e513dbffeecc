"""The live layout and its compiled kernels compute what the dense numpy model computes.

Each live-cell operation (``simulate.model.layout.LiveCells`` and ``simulate.model.kernels``) is run
on random cell arrays and compared with the dense (draw, school, grade, group) form it replaces, on the
default district and a synthetic district with many feeder primaries.
"""

from types import SimpleNamespace as NS

import numpy as np
import pytest

import simulate as sim
from simulate.inputs.synthesize import synthesize
from simulate.model import progression
from simulate.model.layout import cells_of, live_cells_of, live_set
from simulate.model.levers import budget, dropout


@pytest.fixture(scope="module", params=["banan", "synthetic"])
def layouts(request):
    district = sim.load_district() if request.param == "banan" else synthesize(60, seed=3)
    return district, cells_of(district), live_cells_of(district)


def random_dense(live, draws=3, seed=0):
    """A random (draw, school, grade, group) array that is 0 outside the live cells, and its live form."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 20, (draws,) + live.shape).astype(float) * rng.random((draws,) + live.shape)
    x = live.dense(live.cells(x))
    return x, live.cells(x)


def test_the_live_set_holds_every_child_and_is_closed(layouts):
    district, dense, live = layouts
    alive = np.zeros(live.shape, bool).ravel()
    alive[live.index] = True
    alive = alive.reshape(live.shape)
    assert (alive | (district.enrolled == 0)).all() and (alive | (district.out_of_school == 0)).all()
    moved = dense.move_up(alive[None].astype(float))[0] > 0
    assert not (moved & ~alive).any()                  # nothing moves out of the set
    assert (live_set(district, dense.stays, dense.feeder) == alive).all()
    assert live.n_cells < alive.size                   # it does leave cells out


def test_dense_and_cells_round_trip(layouts):
    _, _, live = layouts
    x, xc = random_dense(live)
    np.testing.assert_array_equal(live.dense(xc), x)


def test_move_up_and_advance_match_the_dense_moves(layouts):
    _, dense, live = layouts
    e, ec = random_dense(live, seed=1)
    led, lc = random_dense(live, seed=2)
    g, gc = random_dense(live, seed=3)
    np.testing.assert_allclose(live.move_up(ec), live.cells(dense.move_up(e)), rtol=1e-12, atol=1e-12)
    want = progression.advance(e, led, e * g, dense.stays, dense.feeder, learning=g)
    got = progression.advance(ec, lc, None, live, learning=gc)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, live.cells(b), rtol=1e-12, atol=1e-12)


def test_sums_by_school_grade_group_and_school_set(layouts):
    district, dense, live = layouts
    x, xc = random_dense(live, seed=4)
    np.testing.assert_allclose(live.by_school_grade(xc), x.sum(axis=3), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(live.by_school_group(xc), x.sum(axis=2), rtol=1e-12, atol=1e-9)
    sets = np.stack([np.ones(district.n_schools), dense.urban, dense.rural_or_mountain], axis=1).astype(float)
    np.testing.assert_allclose(live.by_school_set(xc, sets), dense.by_school_set(x, sets), rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (3, 1, 1, 1), (3, "S", 1, 1), (1, 1, 1, "K"), (3, "S", 1, "K"),
                                   (1, 1, "G", "K"), (3, 1, "G", 1), (3, "S", "G", 1), (3, "S", "G", "K")])
def test_at_brings_small_terms_to_the_cells(layouts, shape):
    _, _, live = layouts
    s, g, k = live.shape
    full = tuple({"S": s, "G": g, "K": k}.get(n, n) for n in shape)
    term = np.random.default_rng(5).normal(size=full)
    want = live.cells(np.broadcast_to(term, (3,) + live.shape))
    np.testing.assert_array_equal(np.broadcast_to(live.at(term), want.shape), want)


@pytest.mark.parametrize("sampled", [False, True])
def test_the_compiled_hazard_is_the_numpy_hazard(layouts, sampled):
    """dropout.hazard on the live cells (one compiled pass) and on the dense cells (numpy: base log-odds,
    receiver mixture, home teaching), with central and per-draw (sampled) parameters."""
    _, dense, live = layouts
    scenario = sim.load_scenario("baseline")
    p = scenario.resolve(scenario.start_year, scenario.sample(3, 4) if sampled else None)
    learning, learning_c = random_dense(live, seed=8)
    learning = learning / 10 - 0.5
    facility = np.random.default_rng(9).random((3, live.shape[0]))
    *_, aid_share, aid_yuan = budget.student_aid(np.ones((3, live.shape[0], 1, live.shape[2])), dense.poor,
                                                 p.budget.student_aid)
    want = dropout.hazard(dense, learning, facility, dense.boarding_share, aid_share, aid_yuan, p.dropout)
    got = dropout.hazard(live, live.cells(learning), facility, live.boarding_share, aid_share, aid_yuan, p.dropout)
    np.testing.assert_allclose(got, live.cells(want), rtol=1e-12, atol=1e-15)
    assert got.min() >= 0.0 and got.max() <= 1.0 and np.ptp(got) > 0


def test_the_compiled_out_of_school_tally_is_the_numpy_tally(layouts):
    _, dense, live = layouts
    arrays = [random_dense(live, seed=s) for s in range(10, 15)]
    left, ledger, returns, dropouts, years = (a for a, _ in arrays)
    ledger_end = ledger - returns + dropouts
    gone = live.last_grade(random_dense(live, seed=16)[1])  # leavers aged out: only where grade 9 is live
    before = progression.OutOfSchool(left=left, gone=gone, child_years=years)
    want = progression.tally_out_of_school(before, ledger, ledger_end, returns, dropouts, dense.stays, dense.feeder)
    c = live.cells
    got = progression.tally_out_of_school(progression.OutOfSchool(left=c(left), gone=gone, child_years=c(years)),
                                          c(ledger), c(ledger_end), c(returns), c(dropouts), live)
    np.testing.assert_allclose(got[0].left, c(want[0].left), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got[0].gone, want[0].gone, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got[0].child_years, c(want[0].child_years), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got[1], c(want[1]), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got[2], c(want[2]), rtol=1e-12, atol=1e-12)


def test_kept_terms_are_made_again_for_other_parameters_or_values(layouts):
    """Cells.kept: one computation per (parameter group, array values); another group or other values
    make it again, and the cache stays small."""
    from simulate.model import layout as layout_module

    _, _, live = layouts
    calls = []

    def make(tag):
        calls.append(tag)
        return tag

    group, other = NS(x=1.0), NS(x=1.0)
    a = np.array([1.0, 2.0])
    assert live.kept("t", (group,), (a,), lambda: make("first")) == "first"
    assert live.kept("t", (group,), (a.copy(),), lambda: make("again")) == "first"   # same values: kept
    assert live.kept("t", (other,), (a,), lambda: make("other group")) == "other group"
    assert live.kept("t", (group,), (a + 1,), lambda: make("other values")) == "other values"
    assert calls == ["first", "other group", "other values"]
    for i in range(layout_module.KEPT + 5):
        live.kept("fill", (NS(i=i),), (), lambda: i)
    assert len(live.__dict__["_kept"]) <= layout_module.KEPT


def test_ctrl_c_inside_a_kernel_arrives_as_a_keyboard_interrupt(monkeypatch):
    """numba reports a SIGINT that lands inside compiled code as a SystemError caused by it; the kernels
    raise the KeyboardInterrupt itself (the CLI's "interrupted" message and clean-ups expect one)."""
    from simulate.model import kernels

    def interrupted(*args):
        raise SystemError("CPUDispatcher(...) returned a result with an exception set") from KeyboardInterrupt()

    def broken(*args):
        raise SystemError("something else")

    def interrupted_deeper(*args):  # e.g. while numba compiles a kernel on first use
        try:
            raise RuntimeError("compiling") from KeyboardInterrupt()
        except RuntimeError as exc:
            raise SystemError("returned a result with an exception set") from exc

    for fake in (interrupted, interrupted_deeper):
        monkeypatch.setattr(kernels.school_sums, "compiled", fake)
        with pytest.raises(KeyboardInterrupt):
            kernels.school_sums()
    monkeypatch.setattr(kernels.school_sums, "compiled", broken)
    with pytest.raises(SystemError, match="something else"):
        kernels.school_sums()


@pytest.mark.parametrize("per_draw", [False, True])
def test_the_compiled_readmission_is_the_numpy_readmission(layouts, per_draw):
    """progression.readmit_and_drop on live cells (kernels.readmit_mix / readmit_after around the draw) and
    on dense cells (numpy), expected mode, with scalar and per-draw relative hazard and learning loss."""
    _, dense, live = layouts
    enrolled, returners, ledger, loss = (random_dense(live, seed=s)[0] for s in (20, 21, 22, 23))
    returners = np.minimum(returners, enrolled)
    rng = np.random.default_rng(24)
    hazard = live.dense(live.cells(rng.random((3,) + live.shape) * 0.3))
    rate = live.dense(live.cells(rng.random((3,) + live.shape)))
    rh, lam = (np.array([1.5, 3.0, 6.0]), np.array([0.1, 0.3, 0.6])) if per_draw else (3.0, 0.3)
    want = progression.readmit_and_drop(enrolled, ledger, hazard, rate, "expected", None, None, returners, loss, rh,
                                        lam if not per_draw else lam.reshape(-1, 1, 1, 1))
    c = live.cells
    got = progression.readmit_and_drop(c(enrolled), c(ledger), c(hazard), c(rate), "expected", None, None,
                                       c(returners), c(loss), rh, lam)
    for field in ("enrolled", "ledger", "at_risk", "returns", "dropouts", "returners", "ledger_loss",
                  "learning_shift"):
        np.testing.assert_allclose(getattr(got, field), c(getattr(want, field)), rtol=1e-12, atol=1e-12,
                                   err_msg=field)
    assert np.ptp(got.learning_shift) > 0 and np.ptp(got.returners) > 0


def test_the_compiled_steady_ledger_is_the_numpy_steady_ledger(layouts):
    from simulate.model.steady_ledger import steady_ledger

    district, dense, live = layouts
    scenario = sim.load_scenario("baseline")
    p = scenario.resolve(scenario.start_year, scenario.sample(3, 4))
    rng = np.random.default_rng(30)
    enrolled = np.broadcast_to(district.enrolled[None], (3,) + live.shape).astype(float)
    hazard = live.dense(live.cells(rng.random((3,) + live.shape) * 0.2))
    rate = live.dense(live.cells(rng.random((3,) + live.shape) * 0.8))
    entrants = rng.random((3, live.shape[0], live.shape[2])) * (district.enrolled[None, :, 0, :] > 0)  # as the engine's
    want = steady_ledger(dense, enrolled, hazard, rate, entrants, p.dropout.reenrolment)
    c = live.cells
    got = steady_ledger(live, c(enrolled), c(hazard), c(rate), entrants, p.dropout.reenrolment)
    for field in ("ledger", "returners", "ledger_loss", "learning_deficit"):
        np.testing.assert_allclose(getattr(got, field), c(getattr(want, field)), rtol=1e-10, atol=1e-10,
                                   err_msg=field)
    assert got.ledger.sum() > 0 and got.learning_deficit.max() > 0
