"""Fuzz: scenario files and params/baseline.yaml, mutated leaf by leaf and byte by byte.

Structural mutations (wrong types, NaN/inf, negative and huge numbers, unknown keys, malformed
``by_year`` and ``uncertainty``, bad names and ``extends``, named schools) are made on the parsed
document of a shipped file and written back; text mutations (tags, alias bombs, duplicate keys,
deep nesting, binary garbage, truncation, other encodings, size) on its bytes. An oracle from the
schema says when a value can never be valid (a boolean or text for a number, NaN, a float for a
count, out of range): those cases must be refused, naming the file and the dotted key. Accepted
cases run one expected year (and, when an uncertainty changed, a two-draw comparison).
"""

from __future__ import annotations

import copy
import math
import re
import typing

import yaml
from hypothesis import given
from hypothesis import strategies as st

import pytest

import simulate as sim
from fuzz_harness import check, long, quick, sandbox_env
from simulate.inputs.schema import Parameters, field_bounds, leaf_paths

PATHS = leaf_paths()


class _NoAliases(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    def ignore_aliases(self, data):
        return True


def dump(doc) -> str:
    return yaml.dump(doc, Dumper=_NoAliases, sort_keys=False, allow_unicode=True)


def parse(text: str):
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


_ORIGINALS: dict = {}


def original(path) -> object:
    """The parsed shipped file (parsed once), as a fresh copy to mutate."""
    if path not in _ORIGINALS:
        _ORIGINALS[path] = parse(path.read_text(encoding="utf-8"))
    return copy.deepcopy(_ORIGINALS[path])


def annotation(path: str):
    model = Parameters
    *heads, last = path.split(".")
    for h in heads:
        model = model.model_fields[h].annotation
    return model.model_fields[last].annotation


def never_valid(path: str, value) -> bool:
    """True when ``value`` cannot be valid for leaf ``path`` whatever the rest of the tree says."""
    ann = annotation(path)
    is_num = isinstance(value, (int, float)) and not isinstance(value, bool)
    if ann is float:
        if not is_num or not math.isfinite(value):
            return True
    elif ann is int:
        if not (isinstance(value, int) and not isinstance(value, bool)):
            return True
    elif ann is bool:
        return not isinstance(value, bool)
    elif typing.get_origin(ann) is typing.Literal:
        return value not in typing.get_args(ann)
    elif typing.get_origin(ann) is list:
        return not isinstance(value, list)
    else:
        return False
    lo, hi = field_bounds(path)
    return (lo is not None and value < lo) or (hi is not None and value > hi)


BAD = st.one_of(
    st.sampled_from(["1.0", "false", "true", "", "nan", "20", "yes", "名"]),
    st.booleans(), st.none(), st.sampled_from([math.nan, math.inf, -math.inf]),
    st.lists(st.integers(-3, 3), max_size=2), st.dictionaries(st.sampled_from(["a", "value"]), st.integers(), max_size=1),
)
NUMBERS = st.one_of(st.integers(-10**12, 10**12), st.sampled_from([-1, 0, 1, 2, 10**30, -10**30, 0.5, -0.5, 1e300]),
                    st.floats(-1e6, 1e6, allow_nan=False))
VALUES = st.one_of(BAD, NUMBERS)
TAGS = ["!!set {BN002: null}", "!!python/object/apply:os.system [echo]", "!!binary aGk=", "!!timestamp 2001-01-01",
        "!custom 1", "!!omap [{a: 1}]", "!!python/name:os.system ''"]


def bomb() -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join(f'*a{i - 1}' for _ in range(10))}]" for i in range(1, 9)]
    return "\n".join(lines) + "\n"


def shipped(box) -> list:
    return sorted((box.params / "scenarios").glob("*.yaml"))


@pytest.fixture(scope="module")
def district(box):
    return sim.load_district(box.district)


# ---------------------------------------------------------------------------- scenario files
def scenario_case(data, box, district, test: str):
    doc = original(data.draw(st.sampled_from(shipped(box)), label="file"))
    doc.setdefault("changes", {})
    kind = data.draw(st.sampled_from(["value", "leaf", "uncertainty", "by_year", "unknown", "meta", "named",
                                      "tag", "bomb", "duplicate", "deep", "garbage", "truncate", "encoding",
                                      "size"]), label="kind")
    path = data.draw(st.sampled_from(PATHS), label="path")
    where = f"changes.{path}"
    culprits, also, must = [where, f"changes.{path.rsplit('.', 1)[0]}:"], ("case.yaml",), False
    uncertain = False
    text = None
    if kind == "value":
        value = data.draw(VALUES, label="value")
        doc["changes"][path] = value
        if isinstance(value, dict):  # a change given as leaf fields: {value: ...} is fine, {} or {a: 1} is not
            must = set(value) != {"value"} or never_valid(path, value["value"])
        else:
            must = never_valid(path, value)
    elif kind == "leaf":
        value = data.draw(VALUES, label="value")
        extra = data.draw(st.sampled_from([{}, {"source": 3}, {"unit": ["x"]}, {"sauce": 1}, {"description": None}]))
        doc["changes"][path] = {"value": value, **extra}
        must = never_valid(path, value) or bool(extra and "description" not in extra)
    elif kind == "uncertainty":
        value = data.draw(NUMBERS, label="value")
        unc = data.draw(st.one_of(
            st.fixed_dictionaries({"distribution": st.just("normal"), "sd": VALUES}),
            st.fixed_dictionaries({"distribution": st.just("uniform"), "low": VALUES, "high": VALUES}),
            st.fixed_dictionaries({"distribution": st.just("triangular"), "low": NUMBERS, "mode": NUMBERS,
                                   "high": NUMBERS}),
            st.fixed_dictionaries({"distribution": st.sampled_from(["lognormal", "", None, 3])}),
            st.just({"distribution": "normal"}), st.just([1, 2]), st.just("normal"),
        ), label="uncertainty")
        doc["changes"][path] = {"value": value, "uncertainty": unc}
        must = never_valid(path, value) or annotation(path) is not float or not isinstance(unc, dict) \
            or unc.get("distribution") not in ("normal", "uniform", "triangular") \
            or any(isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)
                   for k, v in unc.items() if k != "distribution") or len(unc) == 1
        uncertain = True
    elif kind == "by_year":
        by_year = data.draw(st.one_of(
            st.lists(st.integers(), max_size=2),
            st.dictionaries(st.one_of(st.integers(1900, 2200), st.sampled_from(["2021", True, 2021.0, None])),
                            VALUES, min_size=1, max_size=2),
            st.just("2021: 3")), label="by_year")
        doc["changes"][path] = {"value": 1, "by_year": by_year}
        must = not isinstance(by_year, dict) or any(
            isinstance(y, bool) or not isinstance(y, int) or not 1990 <= y <= 2100 for y in by_year) \
            or any(never_valid(path, v) for v in by_year.values()) or never_valid(path, 1)
    elif kind == "unknown":
        where_key = data.draw(st.sampled_from(["top", "changes", "deeper"]))
        bad_key = data.draw(st.sampled_from(["chnages", "teachers.suport.count", "x" * 300, "1", "名字"]))
        if where_key == "top":
            doc[bad_key] = 1
            culprits = [bad_key[:50]]
        elif where_key == "changes":
            doc["changes"][bad_key] = 1
            culprits = [f"changes.{bad_key}"[:50]]
        else:
            doc["changes"][path + "." + bad_key] = 1
            culprits = [f"changes.{path}.{bad_key}"[:50]]
        must = True
    elif kind == "meta":
        key = data.draw(st.sampled_from(["name", "title", "description", "extends"]))
        value = data.draw(st.one_of(st.sampled_from(["a\nb", "../baseline", "a/b", "", "..", "no_such_scenario",
                                                     "case", "x" * 200]), st.lists(st.integers(), max_size=1),
                                    st.integers(), st.none()))
        doc[key] = value
        culprits = [key]
        if key == "name":
            must = not isinstance(value, str) or not re.fullmatch(r"\w[\w.+@-]{0,99}", value) or ".." in value
        elif key == "extends":
            must = value not in [p.stem for p in shipped(box)] + ["baseline"]
        else:
            must = not isinstance(value, str)
    elif kind == "named":
        which = data.draw(st.sampled_from(["teachers.support", "teachers.post_rotation"]))
        ids = data.draw(st.lists(st.sampled_from(["", "S001", "NOPE", "a b", "S001", "x/y"]), max_size=3))
        doc["changes"][f"{which}.named_schools"] = ids
        doc["changes"][f"{which}.allocation"] = "named"
        doc["changes"][f"{which}.count"] = data.draw(st.integers(0, 5))
        culprits = [f"changes.{which}"]
        must = True  # none of these ids is a school of the tiny district (S001 is not its id format)
    dumped = dump(doc)
    if kind == "tag":
        text = dumped + f"\nzzz: {data.draw(st.sampled_from(TAGS))}\n"
        culprits, must = ["line"], True
    elif kind == "bomb":
        text = bomb() + dumped
        culprits, must = ["billion laughs"], True
    elif kind == "duplicate":
        lines = dumped.splitlines(keepends=True)
        i = data.draw(st.integers(0, len(lines) - 1))
        text = "".join(lines[: i + 1] + [lines[i]] + lines[i + 1:])
        culprits = ["line", "changes"]  # a duplicated key, or a list item/continuation duplicated
    elif kind == "deep":
        depth = data.draw(st.integers(33, 5000))
        text = dumped + f"deep: {'[' * depth}{']' * depth}\n"
        culprits, must = ["nested", "nesting"], True
    elif kind == "garbage":
        raw = dumped.encode("utf-8")
        at = data.draw(st.integers(0, len(raw)))
        junk = data.draw(st.binary(min_size=1, max_size=8))
        text = raw[:at] + junk + raw[at:]
        culprits = ["line", "changes", "name", "title", "description", "extends", "unknown", "expected", "missing"]
    elif kind == "truncate":
        raw = dumped.encode("utf-8")
        text = raw[: data.draw(st.integers(0, max(len(raw) - 1, 0)))]
        culprits = ["line", "missing", "expected", "changes", "UTF-8", "extends"]
    elif kind == "encoding":
        enc = data.draw(st.sampled_from(["utf-16", "utf-32", "gbk", "latin-1"]))
        try:
            text = (dumped + "# 农村学校 café\n").encode(enc, errors="replace")
        except LookupError:
            text = dumped.encode("utf-8")
        culprits, must = ["UTF-8", "line"], enc in ("utf-16", "utf-32", "gbk", "latin-1")
    elif kind == "size":
        text = dumped + "# " + "x" * 1_000_100 + "\n"
        culprits, must = ["bytes"], True
    case = box.root / "cases" / "case.yaml"
    case.parent.mkdir(exist_ok=True)
    payload = text if text is not None else dumped
    case.write_bytes(payload if isinstance(payload, bytes) else payload.encode("utf-8"))

    def act():
        s = sim.load_scenario(case)
        sim.run(district, s, years=1)
        if uncertain:
            sim.compare(district, [s], reference="baseline", draws=2, years=1, progress=False)
        return 0

    with sandbox_env(box):
        check(test, box, act, culprits, must_refuse=must, also=also if text is None or kind in ("tag", "bomb") else ("case.yaml",))
    box.restore()


def test_scenario_file_mutations(box, district):
    """Quick profile: see scenario_case."""
    run_property(quick(260), box, district, "scenario files")


@pytest.mark.slow
def test_scenario_file_mutations_long(box, district):
    run_property(long(260), box, district, "scenario files (long)")


def run_property(profile, box, district, test):
    @profile
    @given(st.data())
    def prop(data):
        scenario_case(data, box, district, test)
    prop()


# ---------------------------------------------------------------------------- params/baseline.yaml
def leaves(doc, prefix=""):
    for k, v in doc.items():
        if isinstance(v, dict) and "value" in v:
            yield f"{prefix}{k}", v
        elif isinstance(v, dict):
            yield from leaves(v, f"{prefix}{k}.")


def baseline_case(data, box, district, test):
    doc = original(box.params / "baseline.yaml")
    found = dict(leaves(doc))
    path = data.draw(st.sampled_from(sorted(found)), label="path")
    leaf = found[path]
    kind = data.draw(st.sampled_from(["value", "missing", "extra", "uncertainty", "by_year", "deep", "unknown",
                                      "drop"]), label="kind")
    culprits, must = [path, path.rsplit(".", 1)[0] + ":"], False  # a leaf, or its group (shares sum to 1)
    if kind == "value":
        leaf["value"] = data.draw(VALUES, label="value")
        leaf.pop("by_year", None)
        must = never_valid(path, leaf["value"])
    elif kind == "missing":
        key = data.draw(st.sampled_from(["unit", "source"]))
        leaf.pop(key)
        must = True
    elif kind == "extra":
        leaf[data.draw(st.sampled_from(["sauce", "values", "Value"]))] = 1
        must = True
    elif kind == "uncertainty":
        leaf["uncertainty"] = data.draw(st.one_of(
            st.fixed_dictionaries({"distribution": st.just("normal"), "sd": BAD}),
            st.fixed_dictionaries({"distribution": st.just("uniform"), "low": BAD, "high": NUMBERS})))
        must = True
    elif kind == "by_year":
        by_year = data.draw(st.one_of(st.just([2020]), st.just({"2020": leaf["value"]}),
                                      st.just({True: leaf["value"]}), st.just({1800: leaf["value"]}),
                                      st.builds(lambda v: {2021: v}, BAD)))
        leaf["by_year"] = by_year
        must = not isinstance(by_year, dict) or any(isinstance(y, bool) or not isinstance(y, int)
                                                    or not 1990 <= y <= 2100 for y in by_year) \
            or any(never_valid(path, v) for v in by_year.values())
    elif kind == "deep":
        node = doc
        for i in range(40):
            node = node.setdefault(f"n{i}", {})
        culprits, must = ["nested", "nesting"], True
    elif kind == "unknown":
        head = path.split(".")[0]
        doc[head]["no_such_thing"] = {"value": 1, "unit": "x", "source": "assumption"}
        culprits, must = [f"{head}.no_such_thing", f"{head}: unknown leaf key"], True  # head may be a leaf
    elif kind == "drop":
        *heads, last = path.split(".")
        node = doc
        for h in heads:
            node = node[h]
        del node[last]
        must = True
    (box.params / "baseline.yaml").write_text(dump(doc), encoding="utf-8")

    def act():
        s = sim.load_scenario("baseline")
        sim.run(district, s, years=1)
        sim.load_scenario("targeted_aid")
        return 0

    try:
        with sandbox_env(box):
            check(test, box, act, culprits, must_refuse=must, also=("baseline.yaml",))
    finally:
        box.restore()


def test_baseline_mutations(box, district):
    run_baseline(quick(120), box, district, "baseline.yaml")


@pytest.mark.slow
def test_baseline_mutations_long(box, district):
    run_baseline(long(120), box, district, "baseline.yaml (long)")


def run_baseline(profile, box, district, test):
    @profile
    @given(st.data())
    def prop(data):
        baseline_case(data, box, district, test)
    prop()
