"""Fuzz: the public Python API (``sim.run``, ``sim.compare``, ``sim.load_scenario``, ``sim.load_district``)
with arguments of every type. A bad argument raises a project error (a SimulateError, also a
ValueError) whose message names the argument; a good one runs (tiny district, 1–2 years, ≤ 3 draws)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import simulate as sim
from fuzz_harness import check, long, quick, sandbox_env

ANY = st.one_of(
    st.none(), st.booleans(), st.integers(-10**20, 10**20), st.integers(0, 4),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
    st.sampled_from(["baseline", "no_policy", "expected", "stochastic", "../baseline", "", 0.9, 3.0, np.int64(2),
                     np.float64(0.5), [], ["baseline"], ("baseline", "no_policy"), {"a": 1}, b"x", object()]),
)


def int_in(v, lo, hi) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool) and lo <= v <= hi


def api_case(data, box, district, test):
    fn = data.draw(st.sampled_from(["run", "compare", "load_scenario", "load_district"]), label="function")
    args = {"run": {"district": district, "scenario": "baseline", "years": 1, "seed": 0, "mode": "expected"},
            "compare": {"district": district, "scenarios": ["no_policy"], "reference": "baseline", "draws": 2,
                        "seed": 0, "years": 1, "interval": 0.9, "progress": False},
            "load_scenario": {"name_or_path": "baseline"}, "load_district": {"path": str(box.district)}}[fn]
    name = data.draw(st.sampled_from(sorted(args)), label="argument")
    value = data.draw(ANY, label="value")
    args[name] = value
    valid = {
        "years": int_in(value, 1, 50) and (fn == "run" or value <= 2), "seed": int_in(value, 0, 2**32 - 1),
        "draws": int_in(value, 1, 3), "mode": value in ("expected", "stochastic") if isinstance(value, str) else False,
        # None: the default (0.9, or 1 − alpha when alpha is given)
        "interval": value is None or (isinstance(value, (float, int, np.floating)) and not isinstance(value, bool)
                                      and math.isfinite(value) and 0 < value < 1),
        "progress": value is None or isinstance(value, bool),
        "district": value is None, "scenario": value in ("baseline", "no_policy") if isinstance(value, str) else False,
        "reference": value in ("baseline", "no_policy") if isinstance(value, str) else False,
        "scenarios": isinstance(value, (list, tuple)) and len(value) > 0 and all(v in ("baseline", "no_policy") for v in value),
        "name_or_path": value in ("baseline", "no_policy") if isinstance(value, str) else False,
        "path": False,
    }[name]
    if name == "draws" and int_in(value, 4, 10**6):
        return  # valid but a long run: not a fuzz case
    if name == "years" and int_in(value, 3, 50) and fn == "compare":
        return
    if name == "district" and value is None:
        return  # the default district (Banan): valid, but not the sandbox's
    culprits = [name, "scenario", "district", "value"] if name in ("name_or_path", "path", "scenario", "reference",
                                                                    "scenarios") else [name]
    call = {"run": sim.run, "compare": sim.compare, "load_scenario": sim.load_scenario,
            "load_district": sim.load_district}[fn]
    with sandbox_env(box):
        check(test, box, lambda: call(**args) and 0, None if valid else culprits + ([value] if isinstance(value, str)
                                                                                    and value else []),
              must_refuse=not valid and name not in ("path", "name_or_path", "scenario", "reference", "scenarios"))
    box.restore()


@pytest.fixture(scope="module")
def district(box):
    return sim.load_district(box.district)


def run_property(profile, box, district, test):
    @profile
    @given(st.data())
    def prop(data):
        api_case(data, box, district, test)
    prop()


def test_public_api_arguments(box, district):
    run_property(quick(130), box, district, "public API")


@pytest.mark.slow
def test_public_api_arguments_long(box, district):
    run_property(long(130), box, district, "public API (long)")
