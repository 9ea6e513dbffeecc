"""No test under tests/ contains an assertion that can never fail.

Patterns caught (each once slipped in somewhere):
* ``assert_allclose(a, b) and assert_allclose(c, d)``: numpy's ``assert_*``
  return None, so the second call never runs;
* ``assert (a, b)`` / ``assert [...]`` / ``assert "text"``: a non-empty tuple,
  list or constant is always true;
* ``assert np.testing.assert_allclose(...)``: asserts None (always fails, or
  passes under ``python -O``: either way not what was meant);
* ``x == y`` (or ``x < y``, ``a and b``) as a statement: the result is discarded;
* a ``test_*`` function with no ``assert``, no ``pytest.raises``/``warns`` and no
  call of an ``assert*`` helper.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


def _name(f: ast.AST) -> str:
    if isinstance(f, ast.Attribute):
        return f.attr
    if isinstance(f, ast.Name):
        return f.id
    return ""


def _is_assert_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and _name(node.func).startswith("assert")


def _checks_something(fn: ast.FunctionDef, helpers: frozenset[str] = frozenset()) -> bool:
    """An assert, a pytest.raises/warns/fail, an assert* call, or a call of a helper that checks (or the
    helper passed on to be called, as a property-test runner takes the case function)."""
    for n in ast.walk(fn):
        if isinstance(n, ast.Assert):
            return True
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in helpers:
            return True
        if isinstance(n, ast.Call) and (_name(n.func).startswith("assert")
                                        or _name(n.func) in ("raises", "warns", "fail", "skip", *helpers)):
            return True
    return False


def _imported_helpers(tree: ast.Module, folder: Path | None) -> frozenset[str]:
    """Names imported (``from sibling import name``) from a module beside the test that are checking helpers
    there (e.g. the fuzz suite's ``check`` in tests/fuzz/fuzz_harness.py)."""
    if folder is None:
        return frozenset()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            sibling = folder / f"{node.module}.py"
            if sibling.is_file():
                theirs = _checking_helpers(ast.parse(sibling.read_text(encoding="utf-8")))
                names |= {a.asname or a.name for a in node.names if a.name in theirs}
    return frozenset(names)


def _checking_helpers(tree: ast.Module, seed: frozenset[str] = frozenset()) -> frozenset[str]:
    """Names of the module's non-test functions that check something (directly or through each other,
    or through the ``seed`` helpers imported from elsewhere)."""
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and not n.name.startswith("test_")]
    helpers: frozenset[str] = seed
    while True:
        grown = seed | frozenset(f.name for f in functions if _checks_something(f, helpers))
        if grown == helpers:
            return helpers
        helpers = grown


def dead_assertions(source: str, where: str = "<source>", folder: Path | None = None) -> list[str]:
    """Every never-failing assertion in ``source``, as 'where:line: what' (``folder``: where its sibling
    modules are, so that a checking helper imported from one counts)."""
    found = []
    tree = ast.parse(source)
    helpers = _checking_helpers(tree, _imported_helpers(tree, folder))
    for node in ast.walk(tree):
        if isinstance(node, ast.BoolOp) and any(_is_assert_call(v) for v in node.values):
            found.append(f"{where}:{node.lineno}: assert_* call inside and/or (returns None)")
        if isinstance(node, ast.Assert):
            t = node.test
            if isinstance(t, (ast.Tuple, ast.List, ast.Set, ast.Dict, ast.GeneratorExp, ast.ListComp,
                              ast.JoinedStr, ast.Lambda)) or (isinstance(t, ast.Constant) and t.value):
                found.append(f"{where}:{node.lineno}: assert on an always-true {type(t).__name__}")
            if _is_assert_call(t):
                found.append(f"{where}:{node.lineno}: assert of an assert_* call (None)")
        if isinstance(node, ast.Expr) and isinstance(node.value, (ast.Compare, ast.BoolOp)):
            found.append(f"{where}:{node.lineno}: comparison whose result is discarded")
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_") and not _checks_something(node, helpers):
            found.append(f"{where}:{node.lineno}: {node.name} asserts nothing")
    return found


def test_the_checker_finds_each_pattern():
    bad = (
        "def test_a():\n    np.testing.assert_allclose(1, 1) and np.testing.assert_allclose(1, 2)\n"
        "def test_b():\n    assert (1 == 2, 'message')\n"
        "def test_c():\n    x = 1\n    x == 2\n"
        "def test_d():\n    assert 'always'\n"
        "def test_e():\n    assert np.testing.assert_allclose(1, 1)\n"
        "def test_f():\n    x = compute()\n"
    )
    found = dead_assertions(bad)
    assert sorted({int(f.split(":")[1]) for f in found}) == [2, 4, 5, 7, 9, 11, 12], found
    good = "def test_g():\n    np.testing.assert_allclose(1, 1)\n    assert 1 == 1, 'msg'\n"
    assert dead_assertions(good) == []
    helper = ("def refused(x):\n    with pytest.raises(ValueError):\n        f(x)\n"
              "def check(x):\n    refused(x)\n"
              "def quiet(x):\n    return x\n"
              "def test_h():\n    check(1)\n"
              "def test_i():\n    quiet(1)\n"
              "def run(case):\n    case(1)\n"
              "def test_l():\n    run(check)\n"
              "def test_m():\n    run(quiet)\n")
    assert [f.split(": ", 1)[1] for f in dead_assertions(helper)] == ["test_i asserts nothing",
                                                                      "test_m asserts nothing"]


@pytest.mark.parametrize("path", sorted(TESTS.rglob("*.py")), ids=lambda p: str(p.relative_to(TESTS)))
def test_no_dead_assertions(path):
    assert dead_assertions(path.read_text(encoding="utf-8"), str(path.relative_to(TESTS)), path.parent) == []


def test_a_checking_helper_imported_from_a_sibling_module_counts(tmp_path):
    (tmp_path / "harness.py").write_text("def check(x):\n    assert x\ndef quiet(x):\n    return x\n")
    source = ("from harness import check, quiet\n"
              "def test_j():\n    check(1)\n"
              "def test_k():\n    quiet(1)\n")
    assert [f.split(": ", 1)[1] for f in dead_assertions(source, folder=tmp_path)] == ["test_k asserts nothing"]
    assert len(dead_assertions(source)) == 2  # without the folder, neither counts
