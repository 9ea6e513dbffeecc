"""Fuzz: the findings configuration (params/findings.yaml and its notebook parameter files) and sweep
grids, mutated key by key. Nothing is executed: the findings pipeline's check of every parameter
against its notebook (``check_parameters``) and the sweep's grid validation (``load_grid``) must
refuse a bad value before any kernel or task starts, naming the file and the key."""

from __future__ import annotations

import copy
import math
import re

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from fuzz_harness import ROOT, check, long, quick, sandbox_env

VALUES = st.one_of(
    st.sampled_from(["20", "true", "", "nan", "baseline", "../baseline", "a\nb", "no_such_scenario", "名"]),
    st.booleans(), st.none(), st.sampled_from([math.nan, math.inf, -1, 0, 1, 2, 0.5, 1.5, 10**9, -10**9, 10**30]),
    st.lists(st.sampled_from(["baseline", "no_policy", "nope", 3, None]), max_size=3),
    st.dictionaries(st.sampled_from(["a", "draws"]), st.integers(), max_size=1),
    st.integers(-100, 300),
)


def _dump(doc) -> str:
    class NoAliases(yaml.SafeDumper):
        def ignore_aliases(self, data):
            return True
    return yaml.dump(doc, Dumper=NoAliases, sort_keys=False, allow_unicode=True)


# ---------------------------------------------------------------------------- findings
PARAMETER_FILES = sorted(p.stem for p in (ROOT / "params" / "findings").glob("*.yaml"))


def findings_case(data, box, test):
    from simulate.views.findings.pipeline import check_parameters, load_findings_config

    run = data.draw(st.sampled_from(PARAMETER_FILES), label="run")
    config_doc = yaml.safe_load((box.params / "findings.yaml").read_text(encoding="utf-8"))
    entry = next((r for r in config_doc["runs"] if r["name"] == run), None)
    if entry is None:
        return
    entry = copy.deepcopy(entry)
    entry["notebook"] = str(ROOT / entry["notebook"])
    params_file = box.root / "cases" / f"{run}.yaml"
    params_file.parent.mkdir(exist_ok=True)
    params = yaml.safe_load((box.params / "findings" / f"{run}.yaml").read_text(encoding="utf-8")) or {}
    kind = data.draw(st.sampled_from(["value", "value", "unknown", "config_key", "config_value", "yaml"]), label="kind")
    culprits, also, must = [f"{run}.yaml"], (), False
    text = None
    config = {"runs": [dict(entry, parameters=str(params_file))], "timeout_seconds": 900}
    if kind == "value" and params:
        key = data.draw(st.sampled_from(sorted(params)), label="key")
        value = data.draw(VALUES, label="value")
        default = params[key]
        params[key] = value
        same_type = type(value) is type(default) or (isinstance(default, float) and isinstance(value, int)
                                                     and not isinstance(value, bool))
        must = not same_type or (isinstance(value, float) and not math.isfinite(value))
        culprits, also = [key], (f"{run}.yaml",)
    elif kind == "unknown":
        key = data.draw(st.sampled_from(["drawz", "out_dir", "Seed", "years "]))
        params[key] = 1
        culprits, must = [key.strip() if key != "years " else "years"], True
    elif kind == "config_key":
        config[data.draw(st.sampled_from(["run", "timeout", "extra"]))] = 1
        culprits, must = ["findings.yaml"], True
    elif kind == "config_value":
        key = data.draw(st.sampled_from(["name", "notebook", "parameters"]))
        config["runs"][0][key] = value = data.draw(VALUES)
        culprits = [key, "findings.yaml"]
        must = not (key == "parameters" and value is None) and not (
            key == "name" and isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", value))
    elif kind == "yaml":
        text = data.draw(st.sampled_from(["draws: 1\ndraws: 2\n", "draws: !!python/object:os.system ls\n",
                                          "- 1\n", "a: [1\n", "x: &a [*a]\n"]))
        culprits, must = [f"{run}.yaml"], True
    params_file.write_text(text if text is not None else _dump(params), encoding="utf-8")
    config_file = box.root / "cases" / "findings.yaml"
    config_file.write_text(_dump(config), encoding="utf-8")

    def act():
        check_parameters(load_findings_config(config_file, repo_root=ROOT))
        return 0

    with sandbox_env(box):
        check(test, box, act, culprits, must_refuse=must, also=also)
    box.restore()


# ---------------------------------------------------------------------------- sweep grids
GRID = {"base": "baseline", "mode": "expected", "years": 1, "draws": 1, "seed": 0,
        "axes": {"teachers.support.count": [0, 20], "dropout.monitoring.coverage": [0.5, 1.0]}}


def grid_case(data, box, test):
    from simulate.analysis.sweep import load_grid

    doc = copy.deepcopy(GRID)
    kind = data.draw(st.sampled_from(["value", "value", "axis", "axes", "unknown", "huge"]), label="kind")
    culprits, must = ["grid.yaml"], False
    if kind == "value":
        key = data.draw(st.sampled_from(["base", "mode", "years", "draws", "seed", "chunk", "indicators", "district"]))
        value = data.draw(VALUES, label="value")
        doc[key] = value
        culprits = [key]
        ints = {"years": (1, 50), "draws": (1, 10**6), "seed": (0, 2**32 - 1), "chunk": (1, 10**6)}
        if key in ints:
            lo, hi = ints[key]
            must = not (value is None and key == "chunk") and (
                isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi)
        elif key == "mode":
            must = value not in ("expected", "stochastic")
        elif key == "base":
            must = value not in ("baseline", "no_policy")
        elif key == "indicators":
            must = value is not None and value != [] and not (isinstance(value, list) and all(isinstance(v, str) for v in value))
        elif key == "district":
            must = value is not None and not isinstance(value, str)
    elif kind == "axis":
        path = data.draw(st.sampled_from(sorted(doc["axes"])))
        values = data.draw(st.one_of(st.lists(VALUES, max_size=3), VALUES))
        doc["axes"][path] = values
        culprits = [f"axes.{path}", f"grid point"]
        must = not isinstance(values, list) or not values
    elif kind == "axes":
        doc["axes"] = data.draw(st.one_of(VALUES, st.just({}), st.just({"teachers.suport.count": [1]})))
        culprits, must = ["axes"], True
    elif kind == "unknown":
        doc["axis"] = 1
        culprits, must = ["axis"], True
    elif kind == "huge":
        n = data.draw(st.integers(101, 400))
        doc["axes"] = {"teachers.support.count": list(range(n)), "teachers.post_rotation.count": list(range(n))}
        culprits, must = ["grid points"], True
    path = box.root / "cases" / "grid.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(_dump(doc), encoding="utf-8")

    def act():
        load_grid(path)
        return 0

    with sandbox_env(box):
        check(test, box, act, culprits, must_refuse=must, also=("grid.yaml",))
    box.restore()


def run_property(case, profile, box, test):
    @profile
    @given(st.data())
    def prop(data):
        case(data, box, test)
    prop()


def test_findings_parameters(box):
    run_property(findings_case, quick(70), box, "findings parameters")


def test_sweep_grids(box):
    run_property(grid_case, quick(80), box, "sweep grids")


@pytest.mark.slow
def test_findings_parameters_long(box):
    run_property(findings_case, long(70), box, "findings parameters (long)")


@pytest.mark.slow
def test_sweep_grids_long(box):
    run_property(grid_case, long(80), box, "sweep grids (long)")
