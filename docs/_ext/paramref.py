"""The parameter reference, generated at build time from ``params/baseline.yaml`` and the schema.

Nothing here is copied by hand: every row is read from the parameter file when the site is built
(value, by-year schedule, unit, uncertainty, source, ``scale_with``), the allowed range from the
pydantic schema (:func:`simulate.inputs.schema.field_bounds`), the posterior from a posterior file
when one exists, and the status from the leaf's ``status`` key or, without one, from its source
text by the rule of :func:`simulate.analysis.factors.source_kind` (the rule the sensitivity study's
"share from assumptions" uses, so the two never disagree).

Directives and roles (MyST: ```` ```{parameter-reference} ```` and ``{param}`path```):

- ``parameter-reference``: the counts by status, then one table per section of the tree.
- ``parameter-counts``: the counts alone (one sentence).
- ``{param}`dotted.path``` : the leaf's value as the parameter file says it (a page never types it);
  ``{param-uncertainty}`dotted.path```: its uncertainty (e.g. "uniform 0.2 to 1.0").

The sources are linked to their entries in ``docs/sources.md`` (labels ``source-<id>``, registered
here from its ``### [id] …`` headings), matched by the same patterns ``tests/test_sources.py``
checks: an explicit ``[id]``, an author and year, an official document number, a working paper.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: Status names, in the order the counts are given.
STATUSES = ("evidence", "partly assumed", "assumption", "calibrated")

# ---------------------------------------------------------------- reading the parameter file


def leaves(tree: dict, prefix: str = "") -> list[tuple[str, dict]]:
    """(dotted path, leaf) of every leaf of a parameter tree (a mapping with a ``value``), in file order."""
    out = []
    for key, node in tree.items():
        if not isinstance(node, dict):
            continue
        path = f"{prefix}{key}"
        if "value" in node:
            out.append((path, node))
        else:
            out.extend(leaves(node, f"{path}."))
    return out


def status_of(leaf: dict) -> str:
    """The leaf's ``status`` key when it has one, else the rule applied to its source text."""
    from simulate.analysis.factors import source_kind

    status = leaf.get("status") or source_kind(leaf.get("source", ""))
    if status not in STATUSES:
        raise ValueError(f"status {status!r} is not one of {STATUSES}")
    return status


def load_parameters(path: Path) -> list[dict]:
    """One record per leaf: path, value, by_year, unit, source, uncertainty, scale_with, status, bounds."""
    from simulate.inputs.schema import field_bounds, leaf_paths

    tree = yaml.safe_load(path.read_text(encoding="utf-8"))
    declared = set(leaf_paths())
    records = []
    for dotted, leaf in leaves(tree):
        bounds = field_bounds(dotted) if dotted in declared else (None, None)
        records.append({
            "path": dotted, "value": leaf["value"], "by_year": leaf.get("by_year") or {},
            "unit": str(leaf.get("unit", "")), "source": str(leaf.get("source", "")),
            "uncertainty": leaf.get("uncertainty"), "scale_with": leaf.get("scale_with"),
            "status": status_of(leaf), "bounds": bounds, "in_schema": dotted in declared,
        })
    return records


def counts(records: list[dict]) -> dict[str, int]:
    return {s: sum(r["status"] == s for r in records) for s in STATUSES}


def count_sentence(records: list[dict]) -> str:
    c, n = counts(records), len(records)
    return (f"{c['assumption']} of {n} parameters rest on assumptions; {c['partly assumed']} are partly assumed "
            f"(a published figure with an assumed step), {c['calibrated']} are calibrated and "
            f"{c['evidence']} rest on evidence (a study, an official document or the district report).")


# ---------------------------------------------------------------- formatting


def fmt_number(x) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return f"{x:,}" if abs(x) >= 10_000 else str(x)
    if isinstance(x, float):
        if x == int(x) and abs(x) >= 10_000:
            return f"{int(x):,}"
        return repr(x)
    if isinstance(x, list):
        return "[" + ", ".join(map(str, x)) + "]" if x else "[] (none)"
    return str(x)


def fmt_uncertainty(u) -> str:
    if not u:
        return "—"
    dist = u.get("distribution", "?")
    if dist == "normal":
        return f"normal, sd {fmt_number(u['sd'])}"
    if dist == "triangular":
        return f"triangular {fmt_number(u['low'])}, mode {fmt_number(u['mode'])}, {fmt_number(u['high'])}"
    return f"{dist} {fmt_number(u.get('low'))} to {fmt_number(u.get('high'))}"


def fmt_bounds(bounds) -> str:
    lo, hi = bounds
    if lo is None and hi is None:
        return "—"
    return f"{'−∞' if lo is None else fmt_number(lo)} to {'∞' if hi is None else fmt_number(hi)}"


def posterior_summary(root: Path, candidates: list[str]) -> tuple[str | None, dict[str, str]]:
    """(file, {path: 'median (5–95%: lo–hi)'}) from the first posterior file that exists, else (None, {})."""
    import pandas as pd

    for rel in candidates:
        path = root / rel
        if not path.is_file():
            continue
        draws = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
        out = {}
        for col in draws.columns:
            x = pd.to_numeric(draws[col], errors="coerce").dropna()
            if len(x):
                q = x.quantile([0.05, 0.5, 0.95])
                out[str(col)] = f"{q[0.5]:.4g} (5–95%: {q[0.05]:.4g} to {q[0.95]:.4g}; {len(x)} draws)"
        return rel, out
    return None, {}


# ---------------------------------------------------------------- sources


ENTRY_HEADING = re.compile(r"(?m)^### \[([\w.-]+)\]\s*(.*)$")
AUTHOR = r"[A-ZÀ-ÖØ-Þ][\w'’-]+"
AUTHOR_YEAR = [
    re.compile(rf"\b({AUTHOR}) et al\.?,? \(?((?:19|20)\d\d)\b"),
    re.compile(rf"\b({AUTHOR})(?:, {AUTHOR})*,? & {AUTHOR},? \(?((?:19|20)\d\d)\b"),
    re.compile(rf"\b({AUTHOR}) \(?((?:19|20)\d\d)\b"),
]
LITERALS = [re.compile(r"〔\d{4}〕\d+号"), re.compile(r"(?:WP|Working Paper) \d+"), re.compile(r"GB \d+-\d{4}")]
#: Names a source text uses for an entry that none of the patterns above finds.
ALIASES = {"Banan report": "banan2020", "Banan district education commission report": "banan2020",
           "教师法": "teacher-law", "乡村教师支持计划": "rural-teacher-plan", "PROSPERA": "behrman-prospera"}


def source_entries(text: str) -> dict[str, tuple[str, str]]:
    """id → (heading title, entry text) of every ``### [id] …`` entry of docs/sources.md."""
    parts = ENTRY_HEADING.split(text)
    return {parts[i]: (parts[i + 1].strip(), parts[i + 2]) for i in range(1, len(parts) - 2, 3)}


def cited_ids(source: str, entries: dict[str, tuple[str, str]]) -> list[str]:
    """Entries of docs/sources.md a parameter's source text cites, in the order it cites them."""
    found: list[tuple[int, str]] = []
    for m in re.finditer(r"\[([a-z][\w.-]*)\]", source):
        if m.group(1) in entries:
            found.append((m.start(), m.group(1)))
    for pattern in AUTHOR_YEAR:
        for m in pattern.finditer(source):
            author, year = m.group(1), m.group(2)
            heads = [i for i, (h, _) in entries.items() if re.search(rf"\b{re.escape(author)}\b", h) and year in h]
            body = [i for i, (h, t) in entries.items() if re.search(rf"\b{re.escape(author)}\b", h + t) and year in h + t]
            if heads or body:
                found.append((m.start(), (heads or body)[0]))
    for pattern in LITERALS:
        for m in pattern.finditer(source):
            hits = [i for i, (h, t) in entries.items() if m.group(0) in h] or \
                   [i for i, (h, t) in entries.items() if m.group(0) in t]
            if hits:
                found.append((m.start(), hits[0]))
    for alias, ident in ALIASES.items():
        at = source.find(alias)
        if at >= 0 and ident in entries:
            found.append((at, ident))
    seen, out = set(), []
    for _, ident in sorted(found):
        if ident not in seen:
            seen.add(ident)
            out.append(ident)
    return out


def register_source_labels(app: Sphinx, doctree: nodes.document) -> None:
    """Labels ``source-<id>`` for every ``[id] …`` section of the bibliography page."""
    if app.env.docname != app.config.paramref_sources.removesuffix(".md"):
        return
    std = app.env.domains.standard_domain
    for section in doctree.findall(nodes.section):
        title = section[0].astext() if len(section) and isinstance(section[0], nodes.title) else ""
        m = re.match(r"\[([\w.-]+)\]", title)
        if m and section["ids"]:
            label = f"source-{m.group(1)}"
            std.anonlabels[label] = (app.env.docname, section["ids"][0])
            std.labels[label] = (app.env.docname, section["ids"][0], title)


def source_link(ident: str, docname: str) -> nodes.Node:
    ref = addnodes.pending_xref("", refdomain="std", reftype="ref", reftarget=f"source-{ident}",
                                refexplicit=True, refwarn=True, refdoc=docname)
    ref += nodes.inline("", f"[{ident}]")
    return ref


# ---------------------------------------------------------------- directives and roles


def _root(app: Sphinx) -> Path:
    return Path(app.srcdir)


def _records(app: Sphinx) -> list[dict]:
    return load_parameters(_root(app) / app.config.paramref_parameters)


def _table(headers: list[str], rows: list[list[nodes.Node | str]], widths: list[int]) -> nodes.table:
    table = nodes.table(classes=["paramref"])
    group = nodes.tgroup(cols=len(headers))
    table += group
    for w in widths:
        group += nodes.colspec(colwidth=w)
    head = nodes.thead()
    group += head
    row = nodes.row()
    for h in headers:
        row += nodes.entry("", nodes.paragraph("", h))
    head += row
    body = nodes.tbody()
    group += body
    for cells in rows:
        row = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            para = nodes.paragraph()
            if isinstance(cell, str):
                para += nodes.Text(cell)
            elif isinstance(cell, list):
                para.extend(cell)
            else:
                para += cell
            entry += para
            row += entry
        body += row
    return table


class ParameterCounts(Directive):
    def run(self):
        app = self.state.document.settings.env.app
        return [nodes.paragraph("", count_sentence(_records(app)))]


class ParameterReference(Directive):
    def run(self):
        env = self.state.document.settings.env
        app = env.app
        root = _root(app)
        records = _records(app)
        env.note_dependency(str(root / app.config.paramref_parameters))
        env.note_dependency(str(root / app.config.paramref_sources))
        entries = source_entries((root / app.config.paramref_sources).read_text(encoding="utf-8"))
        post_file, posterior = posterior_summary(root, list(app.config.paramref_posterior))
        out: list[nodes.Node] = [nodes.paragraph("", "", nodes.strong("", count_sentence(records)))]

        c = counts(records)
        out.append(_table(["status", "parameters", "share"],
                          [[s, str(c[s]), f"{c[s] / len(records):.0%}"] for s in STATUSES], [20, 10, 10]))
        note = (f"Posterior: summarised from {post_file} (median and 5–95% interval of its draws)."
                if post_file else "Posterior: no posterior file exists yet (looked for "
                + ", ".join(app.config.paramref_posterior) + "); the uncertainty column is the prior.")
        out.append(nodes.paragraph("", note))
        missing = [r["path"] for r in records if not r["in_schema"]]
        if missing:
            logger.warning("parameter reference: leaves not in the schema: %s", ", ".join(missing))

        sections: dict[str, list[dict]] = {}
        for r in records:
            sections.setdefault(r["path"].split(".")[0], []).append(r)
        for name, recs in sections.items():
            section = nodes.section(ids=[f"parameters-{name}"], names=[f"parameters-{name}"])
            section += nodes.title("", name)
            sc = counts(recs)
            section += nodes.paragraph("", f"{len(recs)} parameters: " + ", ".join(
                f"{sc[s]} {s}" for s in STATUSES if sc[s]) + ".")
            rows = []
            for r in recs:
                value = fmt_number(r["value"])
                if r["by_year"]:
                    value += "; from " + ", ".join(f"{y}: {fmt_number(v)}" for y, v in r["by_year"].items())
                if r["scale_with"]:
                    value += f" (scales with the district's {r['scale_with']})"
                source: list[nodes.Node] = [nodes.Text(r["source"] or "—")]
                ids = cited_ids(r["source"], entries)
                if ids:
                    source.append(nodes.Text(" — "))
                    for k, ident in enumerate(ids):
                        if k:
                            source.append(nodes.Text(", "))
                        source.append(source_link(ident, env.docname))
                uncertainty = fmt_uncertainty(r["uncertainty"])
                if r["path"] in posterior:
                    uncertainty += f"; posterior {posterior[r['path']]}"
                rows.append([nodes.literal("", r["path"]), value, r["unit"], nodes.strong("", r["status"]),
                             uncertainty, fmt_bounds(r["bounds"]), source])
            section += _table(["parameter", "value", "unit", "status", "uncertainty", "allowed range (schema)",
                               "source"], rows, [16, 8, 12, 8, 10, 8, 38])
            out.append(section)
        return out


def value_of(app: Sphinx, path: str):
    for r in _records(app):
        if r["path"] == path:
            return r["value"]
    raise KeyError(path)


def uncertainty_of(app: Sphinx, path: str):
    for r in _records(app):
        if r["path"] == path:
            return r["uncertainty"]
    raise KeyError(path)


def param_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    env = inliner.document.settings.env
    try:
        if name == "param-uncertainty":
            shown = fmt_uncertainty(uncertainty_of(env.app, text.strip()))
        else:
            shown = fmt_number(value_of(env.app, text.strip()))
    except KeyError:
        msg = inliner.reporter.error(f"{{param}}: no parameter {text!r} in {env.app.config.paramref_parameters}",
                                     line=lineno)
        return [inliner.problematic(rawtext, rawtext, msg)], [msg]
    env.note_dependency(str(_root(env.app) / env.app.config.paramref_parameters))
    return [nodes.literal(rawtext, shown, classes=["param"])], []


def setup(app: Sphinx):
    app.add_config_value("paramref_parameters", "params/baseline.yaml", "env")
    app.add_config_value("paramref_sources", "docs/sources.md", "env")
    app.add_config_value("paramref_posterior", [], "env")
    app.add_directive("parameter-reference", ParameterReference)
    app.add_directive("parameter-counts", ParameterCounts)
    app.add_role("param", param_role)
    app.add_role("param-uncertainty", param_role)
    app.connect("doctree-read", register_source_labels)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}

