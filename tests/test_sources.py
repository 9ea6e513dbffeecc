"""The project cites its sources from inside itself (docs/sources.md).

1. No tracked file outside findings/ (which is regenerated) cites a path outside
   the repository: no ``shared/…`` or ``context/….md`` path, none of the
   design notes kept outside it by name, and no ``../`` path that climbs out of
   the repository from the file's folder.
2. Every id cited as ``docs/sources.md [id]`` (anywhere) or ``[id]`` inside a
   ``source:`` of params/baseline.yaml or data/banan/targets.yaml is an entry
   of docs/sources.md; every study those sources name by author and year, every
   official document number (〔2015〕67号), working-paper number and national
   standard they name, is found in docs/sources.md.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "docs" / "sources.md"
TEXT_SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".ipynb", ".txt", ".cfg", ".ini", ".html", ".sh", ""}
SKIP_DIRS = {".git", ".venv", "findings", "outputs", "__pycache__", ".pytest_cache", ".hypothesis", "build",
             "dist", "artifacts"}

OUTSIDE = [
    (re.compile(r"\bshared/"), "a path under shared/"),
    (re.compile(r"\bcontext/[\w.-]+\.md\b"), "a context/*.md note"),
    (re.compile(r"\b(?:evidence|banan-2019|DESIGN|STYLE)\.md\b"), "a note kept outside the repository"),
]
CLIMB = re.compile(r"(?:\.\./)+[\w.\-/]*")

#: Known citations in files this change may not edit; each must still be there (remove the entry when fixed).
ALLOWED = {
    ("src/simulate/model/levers/dropout.py", "DESIGN.md"):
        "levers/*.py belong to another change (the aid dose-response); point it at README or docs/sources.md",
}

# ------------------------------------------------------------------ 1. no citation of outside paths


def tracked_files() -> list[str]:
    try:
        out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        files = out.splitlines()
    except (OSError, subprocess.CalledProcessError):  # not a git checkout (e.g. an sdist): walk the tree
        files = [str(Path(d, f).relative_to(ROOT)) for d, dirs, names in os.walk(ROOT)
                 if not dirs.__setitem__(slice(None), [x for x in dirs if x not in SKIP_DIRS
                                                       and not x.endswith(".egg-info")])
                 for f in names]
    me = Path(__file__).resolve().relative_to(ROOT).as_posix()  # names the patterns in order to find them
    return sorted(f for f in files if not f.startswith("findings/") and f != me and Path(f).suffix in TEXT_SUFFIXES
                  and (ROOT / f).is_file())


def outside_citations(rel: str, text: str) -> list[tuple[str, str]]:
    """(what, matched text) for each citation of a path outside the repository in one file."""
    found = [(what, m.group(0)) for pattern, what in OUTSIDE for m in pattern.finditer(text)]
    folder = (ROOT / rel).parent
    for m in CLIMB.finditer(text):
        target = os.path.normpath(folder / m.group(0))
        if os.path.relpath(target, ROOT).startswith(".."):
            found.append(("a ../ path that leaves the repository", m.group(0)))
    return found


def test_the_outside_path_check_can_fail():
    assert outside_citations("data/README.md", "see shared/context/evidence.md") != []
    assert outside_citations("README.md", "as DESIGN.md says") != []
    assert outside_citations("notebooks/x.ipynb", '"../../elsewhere/notes.md"') != []
    assert outside_citations("notebooks/x.ipynb", '"../outputs/notebooks/x"') == []  # stays inside
    assert outside_citations("README.md", "see docs/sources.md [mo2013]") == []


def test_no_tracked_file_cites_a_path_outside_the_repository():
    problems, allowed_seen = [], set()
    for rel in tracked_files():
        try:
            text = (ROOT / rel).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for what, match in outside_citations(rel, text):
            if (rel, match) in ALLOWED:
                allowed_seen.add((rel, match))
            else:
                problems.append(f"{rel}: {what}: {match!r} (cite docs/sources.md instead)")
    assert not problems, "\n".join(problems)
    stale = set(ALLOWED) - allowed_seen
    assert not stale, f"fixed, remove from ALLOWED: {sorted(stale)}"


# ------------------------------------------------------------------ 2. every cited source has an entry


def entries(text: str) -> dict[str, str]:
    """id → text of its entry: a '### [id] …' section, or a '**[id]**' item of a list."""
    out: dict[str, str] = {}
    for section in re.split(r"(?m)^(?=#{2,3} )", text):
        heading = re.match(r"### \[([\w.-]+)\]", section)
        if heading:
            out[heading.group(1)] = section
        for item in re.split(r"(?m)^- ", section)[1:]:
            for ident in re.findall(r"\*\*\[([\w.-]+)\]\*\*", item):
                out[ident] = item
    return out


AUTHOR = r"[A-ZÀ-ÖØ-Þ][\w'’-]+"
AUTHOR_YEAR = [
    re.compile(rf"\b({AUTHOR}) et al\.?,? \(?((?:19|20)\d\d)\b"),
    re.compile(rf"\b({AUTHOR})(?:, {AUTHOR})*,? & {AUTHOR},? \(?((?:19|20)\d\d)\b"),
    re.compile(rf"\b({AUTHOR}) \(?((?:19|20)\d\d)\b"),
]
LITERAL = [re.compile(r"\S*〔\d{4}〕\d+号"), re.compile(r"(?:WP|Working Paper) \d+"), re.compile(r"GB \d+-\d{4}")]


def leaf_sources(path: Path) -> list[tuple[str, str]]:
    """(dotted path, source text) of every ``source`` in a YAML file."""
    out = []

    def walk(node, where):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "source" and isinstance(v, str):
                    out.append((where, v))
                else:
                    walk(v, f"{where}.{k}" if where else str(k))

    walk(yaml.safe_load(path.read_text(encoding="utf-8")), "")
    return out


def unknown_citations(source: str, known: dict[str, str], full_text: str) -> list[str]:
    """Citations in one source text that docs/sources.md does not hold."""
    missing = [f"[{i}]" for i in re.findall(r"\[([a-z][\w.-]*)\]", source) if i not in known]
    for pattern in AUTHOR_YEAR:
        for author, year in pattern.findall(source):
            if not any(re.search(rf"\b{re.escape(author)}\b", e) and year in e for e in known.values()):
                missing.append(f"{author} {year}")
    missing += [m for p in LITERAL for m in p.findall(source) if m.split("〕")[-1] not in full_text
                or m.split("〔")[-1] not in full_text]
    return missing


@pytest.fixture(scope="module")
def sources():
    text = SOURCES.read_text(encoding="utf-8")
    return entries(text), text


def test_the_citation_check_can_fail(sources):
    known, text = sources
    assert "mo2013" in known and "banan2020" in known
    assert unknown_citations("Mo et al. 2013 (RCT)", known, text) == []
    assert unknown_citations("Nobody et al. 2013 and [nosuch]", known, text) == ["[nosuch]", "Nobody 2013"]
    assert unknown_citations("Mo et al. 2031", known, text) == ["Mo 2031"]
    assert unknown_citations("国发〔2099〕1号, WP 12345", known, text) == ["国发〔2099〕1号", "WP 12345"]


@pytest.mark.parametrize("rel", ["params/baseline.yaml", "data/banan/targets.yaml"])
def test_every_study_a_source_names_has_an_entry(rel, sources):
    known, text = sources
    problems = [f"{rel}: {where}: {m}" for where, src in leaf_sources(ROOT / rel)
                for m in unknown_citations(src, known, text)]
    assert not problems, "\n".join(problems) + "\n(add the entry to docs/sources.md)"


def test_every_id_cited_as_docs_sources_exists(sources):
    known, _ = sources
    cited = re.compile(r"sources\.md\s*\[([\w.-]+)\]((?:\s*(?:,|and|;)?\s*\[[\w.-]+\])*)")
    problems = []
    for rel in tracked_files():
        try:
            text = (ROOT / rel).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for m in cited.finditer(text):
            for ident in [m.group(1), *re.findall(r"\[([\w.-]+)\]", m.group(2))]:
                if ident not in known:
                    problems.append(f"{rel}: docs/sources.md [{ident}]: no such entry")
    assert not problems, "\n".join(problems)
