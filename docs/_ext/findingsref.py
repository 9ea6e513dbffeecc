"""Numbers from the committed findings, written into a page when the site is built (no hand copies).

- ``{finding}`TABLE, KEY=VALUE, COLUMN, FORMAT```: one cell of a findings table — the row whose KEY
  column equals VALUE — formatted by a Python format spec, e.g.
  ``{finding}`district_baseline/tables/validation.csv, target=moe2019_consolidation, simulated, .1%```
  → "88.6%". TABLE is relative to ``findings/``.
- ``{finding-count}`TABLE, COLUMN```: how many rows have COLUMN true (e.g. validation figures inside
  their published interval), and ``{finding-rows}`TABLE``` how many rows the table has.

A table, row or column that does not exist is a build error naming it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from docutils import nodes
from sphinx.application import Sphinx


def _table(env, rel: str) -> pd.DataFrame:
    path = Path(env.app.srcdir) / "findings" / rel
    if not path.is_file():
        raise ValueError(f"no findings table {path.relative_to(env.app.srcdir)}")
    env.note_dependency(str(path))
    return pd.read_csv(path)


def cell(table: pd.DataFrame, selector: str, column: str):
    key, _, value = selector.partition("=")
    if key not in table.columns or column not in table.columns:
        raise ValueError(f"no column {key if key not in table.columns else column!r}")
    rows = table[table[key].astype(str) == value]
    if len(rows) != 1:
        raise ValueError(f"{len(rows)} rows with {key} = {value!r} (expected 1)")
    return rows[column].iloc[0]


def _role(name, rawtext, text, lineno, inliner, options=None, content=None):
    env = inliner.document.settings.env
    parts = [p.strip() for p in text.split(",")]
    try:
        table = _table(env, parts[0])
        if name == "finding":
            rel, selector, column, spec = parts
            shown = format(cell(table, selector, column), spec)
        elif name == "finding-count":
            column = parts[1]
            if column not in table.columns:
                raise ValueError(f"no column {column!r}")
            shown = str(int(table[column].astype(str).str.lower().eq("true").sum()))
        else:
            shown = str(len(table))
    except (ValueError, IndexError) as exc:
        msg = inliner.reporter.error(f"{{{name}}}`{text}`: {exc}", line=lineno)
        return [inliner.problematic(rawtext, rawtext, msg)], [msg]
    return [nodes.inline(rawtext, shown, classes=["finding"])], []


def setup(app: Sphinx):
    for name in ("finding", "finding-count", "finding-rows"):
        app.add_role(name, _role)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
