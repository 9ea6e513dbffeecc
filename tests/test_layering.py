"""The folders show the flow: each stage imports only from the stages before it, and no module imports in a circle.

Stages, in order: the base modules (``provenance``, ``randomness``, ``errors``) → ``inputs`` →
``model`` → ``measures`` → ``analysis`` → ``views`` → the public face
(``simulate/__init__.py`` and ``cli``). Every import is read from the source
(module level and inside functions alike), so a lazy import cannot hide a
back-reference.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "src" / "simulate"
STAGES = ["base", "inputs", "model", "measures", "analysis", "views", "top"]
BASE = {"provenance", "randomness", "errors"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "top"
    if parts[1] in BASE:
        return "base"
    if parts[1] == "cli":
        return "top"
    return parts[1]


def imports_of(path: Path) -> set[str]:
    """Every simulate module (or package) that the file imports, resolved to its absolute name."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "simulate"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "simulate":
                continue
            for alias in node.names:  # `from .pkg import module` names a module, else a name of target
                where = PKG.parent / Path(*target.split("."), alias.name)
                found.add(f"{target}.{alias.name}" if where.with_suffix(".py").exists() or where.is_dir()
                          else target)
    return found - {me}


MODULES = {module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def test_the_package_lists_the_five_stages():
    listing = {p.name for p in PKG.iterdir() if not p.name.startswith(("_", "."))} - {"py.typed"}
    assert {"inputs", "model", "measures", "analysis", "views"} <= listing
    assert listing - {"inputs", "model", "measures", "analysis", "views"} == {"cli.py", "provenance",
                                                                              "randomness.py", "errors.py"}


#: provenance's rooms, each importing only rooms before it (and ``simulate.errors``).
PROVENANCE_ROOMS = ["hashes", "rule", "processes", "atomic", "records"]


def test_provenance_is_split_by_concern_and_its_rooms_import_one_way():
    rooms = {p.stem for p in (PKG / "provenance").glob("*.py")} - {"__init__"}
    assert rooms == set(PROVENANCE_ROOMS)
    for n, room in enumerate(PROVENANCE_ROOMS):
        path = PKG / "provenance" / f"{room}.py"
        assert len(path.read_text().splitlines()) <= 400, f"provenance/{room}.py is past ~400 lines"
        allowed = {f"simulate.provenance.{r}" for r in PROVENANCE_ROOMS[:n]} | {"simulate.errors"}
        assert imports_of(path) <= allowed, f"provenance.{room} imports {sorted(imports_of(path) - allowed)}"


def test_every_public_name_of_provenance_is_importable_from_the_package():
    from simulate import provenance

    for room in PROVENANCE_ROOMS:
        module = getattr(provenance, room)
        public = {n for n, v in vars(module).items() if not n.startswith("_") and callable(v)
                  and getattr(v, "__module__", None) == module.__name__}
        public -= {"lock_beside", "unlock", "signals_deferred", "shown", "name_problem", "cannot_write"}  # plumbing
        assert public <= set(provenance.__all__), f"provenance.{room}: {sorted(public - set(provenance.__all__))}"
        for name in public:
            assert getattr(provenance, name) is getattr(module, name)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_from_a_later_stage(module):
    rank = STAGES.index(stage_of(module))
    later = sorted(t for t in imports_of(MODULES[module])
                   if t != "simulate" and STAGES.index(stage_of(t)) > rank)
    assert not later, f"{module} ({stage_of(module)}) imports from later stages: {later}"
    if module != "simulate" and stage_of(module) != "top":
        assert "simulate" not in imports_of(MODULES[module]), f"{module} imports the public face"


def test_no_import_cycles():
    graph = {m: {t for t in imports_of(p) if t in MODULES and not MODULES[t].name == "__init__.py"}
             for m, p in MODULES.items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(m, path):
        state[m] = 1
        for t in sorted(graph[m]):
            if state.get(t) == 1:
                cycles.append(path[path.index(t):] + [t])
            elif t not in state:
                visit(t, path + [t])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert not cycles, "import cycles: " + "; ".join(" → ".join(c) for c in cycles)


def test_the_checker_sees_a_back_reference(tmp_path, monkeypatch):
    """The rule can fail: a model module importing views is caught, relative or absolute."""
    fake_pkg = tmp_path / "simulate"
    (fake_pkg / "model").mkdir(parents=True)
    (fake_pkg / "views").mkdir()
    for f in ("__init__.py", "model/__init__.py", "views/__init__.py", "views/plots.py"):
        (fake_pkg / f).write_text("")
    monkeypatch.setattr(sys.modules[__name__], "PKG", fake_pkg)
    for n, source in enumerate(("def f():\n    from ..views import plots\n", "import simulate.views.plots\n",
                                "from simulate.views.plots import draw\n")):
        bad = fake_pkg / "model" / f"engine{n}.py"
        bad.write_text(source)
        found = imports_of(bad)
        assert found == {"simulate.views.plots"}, source
        assert STAGES.index(stage_of("simulate.views.plots")) > STAGES.index(stage_of(module_name(bad)))
