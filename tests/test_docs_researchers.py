"""Every python code block of docs/guide/researchers.md runs, in order, in one namespace.

The page is what the README's "For researchers" example comes from; a block that fails here is a
documented call that does not work. It runs in a temporary folder with ``SIMULATE_PARAMS_DIR``
pointing at a copy of ``params/`` (the page saves a scenario and a figure), and with the first
block's draws cut from 40 to 8 to keep the suite fast (the calls are the same)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "guide" / "researchers.md"


def blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)


def test_the_page_has_a_short_example_first():
    first = blocks()[0]
    assert "import simulate as sim" in first and len(first.splitlines()) <= 12  # fits a README


def test_every_code_block_runs(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    shutil.copytree(ROOT / "params", tmp_path / "params")
    monkeypatch.setenv("SIMULATE_PARAMS_DIR", str(tmp_path / "params"))
    monkeypatch.chdir(tmp_path)
    code = blocks()
    assert len(code) >= 10
    assert "draws=40, years=3" in code[0]
    code[0] = code[0].replace("draws=40, years=3", "draws=8, years=3")
    namespace: dict = {}
    for i, block in enumerate(code):
        try:
            exec(compile(block, f"{PAGE.name}, python block {i + 1}", "exec"), namespace)
        except Exception as exc:  # noqa: BLE001 - name the block that failed
            pytest.fail(f"{PAGE.name}: python block {i + 1} failed: {type(exc).__name__}: {exc}")
    # what the page promises, checked on the objects it made
    assert (tmp_path / "params" / "scenarios" / "held.yaml").is_file()
    assert (tmp_path / "gap.png").is_file()
    assert not (ROOT / "params" / "scenarios" / "held.yaml").exists()
    assert namespace["fit"].model.endog_names == "dropped"
    import matplotlib.pyplot as plt

    plt.close("all")
