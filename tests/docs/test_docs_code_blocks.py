"""Every code block of the README and the documentation runs (the examples cannot rot).

For each Markdown file (README.md, docs/**/*.md), in order:

- ```` ```python ```` blocks run one after another in one namespace per file (a later block may use an
  earlier block's names), in a temporary working folder;
- ```` ```bash ```` / ```` ```console ```` blocks: each line that starts with ``simulate`` runs through
  ``simulate.cli.main`` in that temporary folder and must exit 0; other lines (``make``, ``cp``, shell)
  are not run here (``make test`` is this suite; the "bring your own district" block, whose ``cp``
  lines matter, is run by tests/test_readme_byod.py);
- ```` ```yaml ```` blocks with an ``extends:`` key are scenario files: they must load and validate.

Not run, whatever the block: ``simulate findings`` (minutes; ``make test`` regenerates the findings
in tests/views) and command lines that may write into the repository itself — ``--write`` (simulate
calibrate edits params/baseline.yaml for Banan), ``--force``, ``--save-scenario`` — which this test
must never do (it runs as root in the checkout).

Changes made for speed, and only these: ``draws=N`` (Python) and ``--draws N`` (command line) above 20
run with 20 draws. A block that must not run is marked on the line just before its fence with an HTML
comment ``<!-- docs-test: skip (reason) -->`` (the reason is required); blocks of other languages
(``text``, ``yaml`` without ``extends``, directives) are not code.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_DRAWS = 20
REPO_WRITERS = {"--write", "--force", "--save-scenario"}
SKIP = re.compile(r"<!--\s*(?:docs-test:\s*skip\s*\((?P<reason>[^)]+)\)|byod-commands:[^>]*)\s*-->")


# pages whose blocks a dedicated test runs (with the promises of the page checked on what it made)
OWN_TEST = {ROOT / "docs" / "guide" / "researchers.md": "tests/test_docs_researchers.py"}


def doc_files() -> list[Path]:
    files = [ROOT / "README.md"] + sorted(p for p in (ROOT / "docs").rglob("*.md") if "_build" not in p.parts)
    return [p for p in files if p.is_file() and p not in OWN_TEST]


def repo_params() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in (ROOT / "params").rglob("*") if p.is_file())


def blocks(text: str) -> list[tuple[str, str, int, bool]]:
    """(language, body, line, skipped) of every fenced block of a Markdown text (line: the fence's, from 1)."""
    out, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        m = re.match(r"^(`{3,})([\w-]*)", lines[i])
        if not m:
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == m.group(1)), len(lines))
        before = lines[i - 1] if i else ""
        out.append((m.group(2), "\n".join(lines[i + 1:end]) + "\n", i + 1, bool(SKIP.search(before))))
        i = end + 1
    return out


def fewer_draws(code: str) -> str:
    code = re.sub(r"\bdraws=(\d+)", lambda m: f"draws={min(int(m.group(1)), MAX_DRAWS)}", code)
    return re.sub(r"--draws[ =](\d+)", lambda m: f"--draws {min(int(m.group(1)), MAX_DRAWS)}", code)


def runnable(path: Path) -> list[tuple[str, str, int]]:
    """The blocks of a file that hold something this test runs."""
    out = []
    for lang, body, line, skipped in blocks(path.read_text(encoding="utf-8")):
        if skipped:
            continue
        if lang == "python" or (lang == "yaml" and re.search(r"(?m)^extends:", body)) or (
                lang in ("bash", "console") and re.search(r"(?m)^(?:\$ )?simulate ", body)):
            out.append((lang, body, line))
    return out


def test_block_extraction_and_markers():
    text = ("x\n```python\na = 1\n```\n<!-- docs-test: skip (slow) -->\n```python\nb = 2\n```\n"
            "```text\nsimulate run\n```\n")
    assert [(lang, skipped) for lang, _, _, skipped in blocks(text)] == [
        ("python", False), ("python", True), ("text", False)]
    assert fewer_draws("compare(d, draws=200); simulate compare a --draws 100") == \
        "compare(d, draws=20); simulate compare a --draws 20"
    # a marker without a reason is not a marker: the block runs
    assert blocks("<!-- docs-test: skip -->\n```python\nc = 3\n```\n")[0][3] is False


@pytest.mark.parametrize("path", [p for p in doc_files() if runnable(p)], ids=lambda p: str(p.relative_to(ROOT)))
def test_code_blocks_run(path, tmp_path, monkeypatch, capsys):
    from simulate.cli import main
    from simulate.inputs.scenario import load_scenario

    # a block may save a scenario (sim.save_scenario, the dashboard's save): into a copy of params/, never the repo's
    shutil.copytree(ROOT / "params", tmp_path / "params")
    monkeypatch.setenv("SIMULATE_PARAMS_DIR", str(tmp_path / "params"))
    before = repo_params()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict = {"__name__": f"docs:{path.name}"}
    ran, expected = 0, len(runnable(path))
    for lang, body, line in runnable(path):
        where = f"{path.relative_to(ROOT)}:{line}"
        if lang == "python":
            exec(compile(fewer_draws(body), where, "exec"), namespace)  # noqa: S102 - the documentation's own code
        elif lang == "yaml":
            scenario = tmp_path / f"block_{line}.yaml"
            scenario.write_text(body, encoding="utf-8")
            assert load_scenario(scenario).name, where
        else:
            for cmd in re.sub(r"\\\n\s*", " ", body).splitlines():  # a line ending in \\ continues
                cmd = cmd.split(" #", 1)[0].strip()
                if cmd.startswith("$ "):
                    cmd = cmd[2:]
                if not cmd.startswith("simulate "):
                    continue
                args = shlex.split(fewer_draws(cmd))[1:]
                if args[:1] == ["findings"] or REPO_WRITERS & set(args):
                    continue
                code = main(args)
                assert code == 0, f"{where}: {cmd} exited {code}\n{capsys.readouterr().err}"
        ran += 1
    assert ran == expected >= 1
    assert repo_params() == before, f"{path.relative_to(ROOT)}: its code blocks wrote into the repository's params/"
