"""One default ``mode`` for every public entry point that takes one (issue 24): ``run``, ``compare``,
``sensitivity``, ``attribute``, ``discover``, the evaluator behind them, a sweep grid's ``mode`` key and
the ``simulate run`` / ``simulate compare`` / ``simulate sensitivity`` flags — and the default is the
one the researchers' guide states."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import simulate as sim
from simulate.analysis.attribution import attribute
from simulate.analysis.discovery import discover
from simulate.analysis.factors import ModelEvaluator
from simulate.analysis.sensitivity import sensitivity

ROOT = Path(__file__).resolve().parents[2]
ENTRY_POINTS = {"run": sim.run, "compare": sim.compare, "sensitivity": sensitivity, "attribute": attribute,
                "discover": discover, "ModelEvaluator": ModelEvaluator}


def _default(fn) -> str:
    return inspect.signature(fn).parameters["mode"].default


def test_every_entry_point_shares_one_default_mode():
    defaults = {name: _default(fn) for name, fn in ENTRY_POINTS.items()}
    assert set(defaults.values()) == {"expected"}, defaults


def test_a_sweep_grid_without_mode_runs_in_the_same_mode():
    from simulate.analysis.sweep import Grid, make_grid

    grid = make_grid({"base": "baseline", "draws": 2, "years": 1, "axes": {"teachers.support.count": [0, 20]}})
    assert grid.mode == Grid.__dataclass_fields__["mode"].default == _default(sim.compare)
    assert grid.chunks() == [(0, 2)]   # and, like compare's, over every parameter draw


def test_the_command_line_flags_default_to_the_same_mode():
    from simulate.cli import build_parser

    parser = build_parser()
    subs = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction").choices
    for command in ("run", "compare", "sensitivity"):
        flag = next(a for a in subs[command]._actions if "--mode" in a.option_strings)
        assert flag.default == _default(sim.run), command


def test_the_default_is_documented_where_researchers_read():
    guide = (ROOT / "docs" / "guide" / "researchers.md").read_text(encoding="utf-8")
    stated = re.search(r"`run`, `compare` and `sensitivity`.{0,80}?default to\s+`mode=\"(\w+)\"`", guide, re.S)
    assert stated, "docs/guide/researchers.md no longer states the one default mode"
    assert stated.group(1) == _default(sim.run)
    for fn in (sim.run, sim.compare, sensitivity):
        assert 'mode="expected"' in inspect.getdoc(fn) or "``mode``: \"expected\"" in inspect.getdoc(fn), fn
        assert "the default" in inspect.getdoc(fn), fn


def test_an_explicit_mode_still_chooses(tmp_path):
    """``mode="stochastic"`` still adds the binomial chance apart; the default leaves it NaN."""
    kw = dict(draws=2, years=1, seed=0, attribution=False, progress=False)
    default = sim.compare(None, ["baseline", "no_policy"], **kw)
    stochastic = sim.compare(None, ["baseline", "no_policy"], mode="stochastic", **kw)
    assert default.table[["chance_lo", "chance_hi"]].isna().all().all()
    assert stochastic.table[["chance_lo", "chance_hi"]].notna().any().any()
    assert default.mode == "expected" and stochastic.mode == "stochastic"
    with pytest.raises(ValueError, match="mode"):
        sim.compare(None, ["baseline"], mode="random", **kw)
