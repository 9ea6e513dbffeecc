"""Findings reports: the ``findings/index.md``/``index.html`` writer and output comparison.

Helpers of :mod:`simulate.views.findings.pipeline` (which re-exports :func:`compare_outputs` and
:class:`FindingsError`): tidying executed notebooks so they diff quietly,
reading and validating ``headline.json``, writing the index (headline numbers,
links, provenance) and comparing regenerated outputs with committed ones
byte for byte. This module does not import :mod:`simulate.views.findings.pipeline`.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from simulate.errors import SimulateError

__all__ = ["FindingsError", "compare_outputs"]

PathLike = str | os.PathLike[str]


class FindingsError(SimulateError):
    """A findings run failed; the message names the notebook (and the cell)."""


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: what replaces a live widget in the executed notebook and its HTML (they are read without a kernel)
WIDGET_NOTE = ("(An interactive widget was here; it needs a running kernel. This run's state is shown as "
               "tables and figures in this folder: see the static rendering above or tables/ and figures/.)")


def _tidy_notebook(path: Path, input_rel: str, tmp_dir: Path, final_dir: Path) -> None:
    """Make an executed notebook the same bytes at every regeneration of the same inputs: drop
    timestamps and durations, point its paths at the final folder (``final_dir``: repository-relative
    inside the repository), and drop widget state and
    views (random model ids, and JavaScript from a CDN to show them) in favour of their plain
    text and a note pointing to the run's static rendering."""
    import nbformat

    text = path.read_text(encoding="utf-8")
    text = text.replace(json.dumps(str(tmp_dir))[1:-1], json.dumps(str(final_dir))[1:-1])
    nb = nbformat.reads(text, as_version=4)
    timing = ("start_time", "end_time", "duration")
    meta = nb.metadata.setdefault("papermill", {})
    for key in timing:
        meta.pop(key, None)
    meta.update(input_path=input_rel, output_path=path.name)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"  # papermill gives it a random id
        cell.metadata.pop("execution", None)
        for key in timing:
            cell.metadata.get("papermill", {}).pop(key, None)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                data.pop(WIDGET_VIEW)
                data["text/plain"] = WIDGET_NOTE
                output.get("metadata", {}).pop(WIDGET_VIEW, None)
    nbformat.write(nb, path)


_REMOTE_SCRIPT = re.compile(r'<script\b[^>]*\bsrc\s*=\s*["\']?(?:https?:)?//[^>]*>\s*</script>\s*', re.I)
_REMOTE_LINK = re.compile(r'<link\b[^>]*\bhref\s*=\s*["\']?(?:https?:)?//[^>]*>\s*', re.I)
_WIDGET_SCRIPT = re.compile(r'<script\b[^>]*type="application/vnd\.jupyter\.widget-(?:state|view)\+json"[^>]*>'
                            r".*?</script>\s*", re.I | re.S)


#: the lab template without what it fetches from a CDN: require.js, MathJax, mermaid and the widget
#: renderer (the findings use none of them: no LaTeX, no mermaid, widgets replaced by static renderings)
OFFLINE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
"""


def _html_exporter() -> Any:
    """nbconvert's HTML exporter for the findings reports: outputs only, nothing loaded from the network."""
    import jinja2
    from nbconvert import HTMLExporter

    return HTMLExporter(extra_loaders=[jinja2.DictLoader({"findings_offline.html.j2": OFFLINE_TEMPLATE})],
                        template_file="findings_offline.html.j2", exclude_input=True, exclude_input_prompt=True,
                        exclude_output_prompt=True)


def _offline_html(html: str) -> str:
    """An nbconvert report that needs no network: no script or stylesheet from a CDN (require.js and
    MathJax are not used by the findings; widgets are replaced by their static rendering)."""
    for pattern in (_REMOTE_SCRIPT, _REMOTE_LINK, _WIDGET_SCRIPT):
        html = pattern.sub("", html)
    return html


#: manifest fields that change at every regeneration of the same inputs: kept out of the committed
#: manifest.json and index, written to ``last_run.json`` beside them (not committed: .gitignore)
VOLATILE = ("created_utc", "run_seconds", "git_commit", "platform")
LAST_RUN = "last_run.json"


def _split_volatile(record: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the record without the volatile fields and per-run seconds, those fields and seconds)."""
    stable = {k: v for k, v in record.items() if k not in VOLATILE}
    volatile = {k: record[k] for k in VOLATILE if k in record}
    runs = {}
    for name, entry in record.get("runs", {}).items():
        stable.setdefault("runs", {})[name] = {k: v for k, v in entry.items() if k != "seconds"}
        if "seconds" in entry:
            runs[name] = entry["seconds"]
    if runs:
        volatile["run_seconds_by_run"] = runs
    return stable, volatile


def inputs_fingerprint(root: Path) -> dict[str, str]:
    """What the findings were computed from, stable when only findings/ changes: the sha256 of the
    package, notebooks, parameters and data (``inputs_sha256``: the files git tracks there, by
    :func:`simulate.provenance.tracked_files`, so that an editable install's ``*.egg-info`` or a cache
    never counts) and the last commit that changed them (``inputs_commit``, ``+dirty`` when they
    differ from it; "unknown" outside git)."""
    import subprocess

    from simulate.provenance import sha256_of_files, tracked_files

    paths = ("src", "notebooks", "params", "data", "pyproject.toml")
    digest = sha256_of_files(tracked_files(root, paths), root)
    commit = "unknown"
    try:
        git = ["git", "-C", str(root)]
        done = subprocess.run(git + ["log", "-1", "--format=%H", "--", *paths], capture_output=True, text=True,
                              timeout=20, check=False)
        if done.returncode == 0 and done.stdout.strip():
            commit = done.stdout.strip()
            dirty = subprocess.run(git + ["status", "--porcelain", "--untracked-files=no", "--", *paths],
                                   capture_output=True, text=True, timeout=20, check=False)
            commit += "+dirty" if dirty.stdout.strip() else ""
    except (OSError, subprocess.SubprocessError):
        pass
    return {"inputs_sha256": digest, "inputs_commit": commit}


def _read_headline(path: Path, where: str) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise FindingsError(f"{where}: headline.json is not valid JSON: {exc}") from None
    for i, item in enumerate(items if isinstance(items, list) else [items]):
        if not (
            isinstance(items, list) and isinstance(item, dict)
            and {"label", "value"} <= set(item) <= {"label", "value", "unit"}
            and isinstance(item["label"], str) and isinstance(item.get("unit", ""), str)
            and isinstance(item["value"], (int, float, str)) and not isinstance(item["value"], bool)
        ):
            raise FindingsError(
                f"{where}: headline.json item {i}: expected a list of "
                f"{{label: str, value: number or str, unit: str}}, got {item!r}"
            )
    return items


def _files(folder: Path, pattern: str) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.glob(pattern) if p.is_file())


def _cell(text: Any) -> str:
    text = f"{text:,}" if isinstance(text, (int, float)) else str(text)
    return text.replace("|", "\\|").replace("\n", " ")


def _drivers_lines(path: Path) -> list[str]:
    """What the findings rest on: one bullet per row of a run's ``tables/drivers.csv`` (target, sentence;
    written by :func:`simulate.analysis.drivers.drivers`, notebook 06), if the run wrote one.

    A row whose ``depends_on_assumptions`` is true starts with **Depends mainly on assumptions.**; one
    whose ``converged`` is false with **Not converged.** (its sentence is then the warning, never a
    driver). Tables without those columns (older runs) are listed as they are."""
    import csv

    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r.get("target") and r.get("sentence")]
    if not rows:
        return []

    def flag(r) -> str:
        if str(r.get("converged", "")).strip().lower() == "false":
            return "**Not converged.** "
        if str(r.get("depends_on_assumptions", "")).strip().lower() == "true":
            return "**Depends mainly on assumptions.** "
        return ""

    assumed = sum(flag(r).startswith("**Depends") for r in rows)
    unsettled = sum(flag(r).startswith("**Not") for r in rows)
    counts = (f" {assumed} of {len(rows)} depend mainly on assumptions" if assumed else "") + \
             (f"{';' if assumed else ''} {unsettled} of {len(rows)} have indices that did not converge (no driver "
              "named)" if unsettled else "")
    return ([f"**What these findings rest on** (Sobol' indices over the uncertain parameters).{counts}"
             + ("." if counts else ""), ""]
            + [f"- {_cell(r['target'])}: {flag(r)}{_cell(r['sentence'])}" for r in rows] + [""])


def _write_index(tmp: Path, record: dict[str, Any], names: list[str]) -> None:
    """findings/index.md and its HTML rendering: headline numbers, links, provenance."""
    import mistune

    commit = record.get("inputs_commit", record.get("git_commit", "unknown"))
    lines = ["# Findings", "",
             f"Regenerated from `{record['config']}` with the inputs (src/, notebooks/, params/, data/) of commit "
             f"`{commit}`. Run times and the time of the run are in `{LAST_RUN}` (not committed).", ""]
    district = record.get("district")
    if isinstance(district, dict):  # simulate findings --district DIR: every notebook ran on that district
        lines += [f"**District: {district.get('name')}** (`{district.get('path')}`, data sha256 "
                  f"`{str(district.get('data_hash', ''))[:12]}…`): every notebook ran on this district's data, "
                  "with its own calibration when its folder has one.", ""]
    for name in (n for n in names if n in record["runs"]):
        entry, seed = record["runs"][name], record["seeds"].get(name)
        about = [f"Notebook `{entry.get('notebook', '?')}`"]
        about += [f"parameters `{entry['parameters_file']}`"] if entry.get("parameters_file") else []
        about += [f"seed {seed}"] if seed is not None else []
        about += ["carried over from the previous build"] if entry.get("carried_over") else []
        lines += [f"## {name}", "", " · ".join(about), ""]
        headline = _read_headline(tmp / name / "headline.json", f"{name}/headline.json")
        if headline:
            lines += ["| Headline | Value | Unit |", "|---|---:|---|"]
            lines += [f"| {_cell(h['label'])} | {_cell(h['value'])} | {_cell(h.get('unit', ''))} |" for h in headline]
            lines.append("")
        lines += _drivers_lines(tmp / name / "tables" / "drivers.csv")

        def link(rel: str, name: str = name) -> str:
            return f"[{rel.rsplit('/', 1)[-1]}]({quote(f'{name}/{rel}')})"

        lines.append(f"- Report: {link(name + '.html')} · executed notebook: {link(name + '.ipynb')}")
        for label, sub, ext in (("Tables", "tables", "csv"), ("Figures", "figures", "png")):
            found = _files(tmp / name, f"{sub}/**/*.{ext}")
            lines.append(f"- {label}: " + (", ".join(map(link, found)) if found else "none"))
        lines.append("")
    lines += ["## Provenance", "", "| | |", "|---|---|"]
    keys = ("inputs_commit", "inputs_sha256", "params_sha256", "data_sha256", "python")
    lines += [f"| {k} | `{record[k]}` |" for k in keys if k in record]
    lines += [f"| {pkg} | {ver} |" for pkg, ver in record["packages"].items()]
    lines += ["", "Full record: [manifest.json](manifest.json)", ""]
    text = "\n".join(lines)
    (tmp / "index.md").write_text(text, encoding="utf-8")
    body = mistune.create_markdown(escape=True, plugins=["table"])(text)
    style = ("body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
             "line-height:1.5}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .6rem}")
    (tmp / "index.html").write_text(
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Findings</title>'
        f"<style>{style}</style></head>\n<body>\n{body}</body></html>\n", encoding="utf-8")


def _first_difference(a: bytes, b: bytes) -> str:
    la, lb = a.decode("utf-8", "replace").split("\n"), b.decode("utf-8", "replace").split("\n")
    i = next((i for i, (x, y) in enumerate(zip(la, lb)) if x != y), min(len(la), len(lb)))
    at = lambda lines: repr(lines[i]) if i < len(lines) else "<end of file>"  # noqa: E731
    return f" at line {i + 1}: committed {at(la)}, regenerated {at(lb)}"


def compare_outputs(committed: PathLike, fresh: PathLike, tables_only: bool = True,
                    only: list[str] | None = None) -> list[str]:
    """Byte-for-byte differences of the tables (and, unless tables_only, figures and headlines)."""
    committed, fresh = Path(committed), Path(fresh)
    if not committed.is_dir():
        return [f"{committed}: no committed findings folder"]
    patterns = ["*/tables/**/*.csv"] + ([] if tables_only else ["*/figures/**/*", "*/headline.json"])

    def collect(folder: Path) -> set[str]:
        found = {rel for pattern in patterns for rel in _files(folder, pattern)}
        return {rel for rel in found if not only or rel.split("/")[0] in only}

    old, new, diffs = collect(committed), collect(fresh), []
    for rel in sorted(old | new):
        if rel not in new:
            diffs.append(f"{rel}: committed but not regenerated")
        elif rel not in old:
            diffs.append(f"{rel}: regenerated but not committed")
        elif (a := (committed / rel).read_bytes()) != (b := (fresh / rel).read_bytes()):
            diffs.append(f"{rel}: differs" + (_first_difference(a, b) if rel.endswith(".csv") else ""))
    return diffs
