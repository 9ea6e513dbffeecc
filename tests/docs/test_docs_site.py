"""The documentation site builds offline with no warnings, and holds what it promises (issue 23).

One build per session, into a temporary folder, with every HTTP(S) proxy pointed at a closed port (``sphinx-build -W --keep-going``, as ``make docs``),
with the findings notebooks rendered as committed (myst-nb ``nb_execution_mode = "off"``: a notebook
that started to execute would need a kernel and take minutes). Then, on the built HTML: nothing is
loaded from the network, and the generated pages — parameter reference, command-line help, API, model
equations and findings — are there with the parameter file's and the parser's own content.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("docs")
    started = time.perf_counter()
    # offline: any HTTP(S) request during the build goes to a closed local port and fails
    nowhere = "http://127.0.0.1:9"
    env = {**os.environ, "HTTP_PROXY": nowhere, "HTTPS_PROXY": nowhere, "http_proxy": nowhere,
           "https_proxy": nowhere, "NO_PROXY": "", "no_proxy": ""}
    proc = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", "-c", "docs",
                           "-d", str(out / "doctrees"), ".", str(out / "html")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    return proc, out / "html", time.perf_counter() - started


def page(site, rel: str) -> str:
    html = (site[1] / rel).read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_site_builds_with_no_warning(site):
    proc, html, seconds = site
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "WARNING" not in proc.stderr and "ERROR" not in proc.stderr, proc.stderr[-4000:]
    assert (html / "index.html").is_file() and (html / "docs" / "index.html").is_file()
    print(f"documentation site built in {seconds:.1f} s")


def test_the_site_loads_nothing_from_the_network(site):
    external = re.compile(r"""<(?:script|link|img|iframe|source|embed)\b[^>]*\b(?:src|href)\s*=\s*["'](?:https?:)?//""",
                          re.I)
    css_url = re.compile(r"""url\(\s*["']?(?:https?:)?//|@import\s+["']?(?:https?:)?//""", re.I)
    problems = []
    for f in site[1].rglob("*"):
        if f.suffix in (".html", ".css", ".js") and f.is_file():
            text = f.read_text(encoding="utf-8", errors="replace")
            if (f.suffix == ".html" and external.search(text)) or (f.suffix == ".css" and css_url.search(text)):
                problems.append(str(f.relative_to(site[1])))
    assert not problems, f"pages or styles that load from the network: {problems}"
    # the equations are MathML made at build time, not MathJax from a CDN
    dropout = (site[1] / "docs" / "model" / "dropout.html").read_text(encoding="utf-8")
    assert "<math" in dropout and not re.search(r"<script[^>]*mathjax", dropout, re.I)


def test_parameter_reference_is_the_parameter_file(site):
    text = page(site, "docs/reference/parameters.html")
    tree = yaml.safe_load((ROOT / "params" / "baseline.yaml").read_text(encoding="utf-8"))
    poor = tree["dropout"]["hazard"]["group_log_odds"]["poor"]
    row = re.search(r"dropout\.hazard\.group_log_odds\.poor (\S+)", text)
    assert row and float(row.group(1)) == poor["value"]
    assert re.search(r"\d+ of \d+ parameters rest on assumptions", text)
    from simulate.inputs.schema import leaf_paths

    missing = [p for p in leaf_paths() if p not in text]
    assert not missing, missing
    assert 'href="../sources.html#' in (site[1] / "docs/reference/parameters.html").read_text(encoding="utf-8")


def test_cli_page_is_every_commands_help(site):
    from simulate.cli import build_parser

    text = page(site, "docs/reference/cli.html")
    sub = next(a for a in build_parser()._actions if a.__class__.__name__ == "_SubParsersAction")
    assert sorted(c for c in sub.choices if f"simulate {c}" not in text) == []
    assert "--no-attribution" in text


def test_api_findings_and_model_pages(site):
    api = (site[1] / "docs/reference/api.html").read_text(encoding="utf-8")
    for name in ("simulate.run", "simulate.compare", "simulate.Comparison", "module-simulate.measures.equity",
                 "simulate.measures.equity.gini", "simulate.analysis.sensitivity.sensitivity",
                 "simulate.views.dashboard.ScenarioExplorer"):
        assert f'id="{name}"' in api, name
    for nb in sorted((ROOT / "findings").glob("*/*.ipynb")):
        built = site[1] / "findings" / nb.parent.name / f"{nb.stem}.html"
        assert built.is_file(), built
    model = page(site, "docs/model/index.html")
    assert "Process overview and scheduling" in model and "allocate_budget" in model
