"""Tables for people: what the notebooks and HTML reports *display* (the CSVs stay raw numbers).

:func:`for_people` turns a table of numbers into a table of strings a reader takes in at a
glance: shares as percentages, percentage points, SD, yuan and 万元 with thousands separators,
counts as whole numbers, no scientific notation, ``–`` for a missing value. The unit of each
column goes into its header (``units={"dropout_rate": "share"}`` → ``dropout rate (%)``) or, when
units differ by row, into a ``unit`` column (``unit_of=`` a column holding each row's unit).
:func:`interval_table` shows a long ``mean, lo, hi`` table as one row per indicator and one
column per scenario, ``mean (lo to hi)``, and :func:`split_columns` cuts a wide table into
tables of at most ``max_columns`` columns (the key columns repeated).

Units (the value as stored → as shown): ``share`` (0.034 → ``3.4%``), ``%`` (already per
cent: 3.4 → ``3.4%``), ``pp`` (percentage points), ``SD``, ``yuan`` (``1,234,567``), ``万元``
(yuan shown in 10,000 yuan: 6.5452e8 → ``65,452``), ``million yuan`` (yuan shown in millions),
``count`` (whole number), ``p`` (a probability shown as a per cent), ``ratio``, ``index``,
``text``; any other unit string is a plain number with that label.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Shown", "UNIT_LABELS", "for_people", "interval_table", "number", "show", "split_columns"]

MISSING = "–"

#: how a unit is named in a header or a unit column
UNIT_LABELS = {"share": "%", "p": "% of draws", "万元": "万元", "count": "",
               "text": "", "ratio": "ratio", "index": "index"}

_SCALE = {"share": 100.0, "p": 100.0, "万元": 1e-4, "million yuan": 1e-6}
_SUFFIX = {"share": "%", "%": "%", "p": "%"}


def _decimals(value: float, unit: str | None) -> int:
    """Enough decimals for about three significant digits, none for big numbers."""
    if unit in ("count", "yuan", "万元"):
        return 0
    a = abs(value)
    if a == 0 or a >= 100:
        return 0
    if unit in ("share", "%", "p", "pp"):
        return 1 if a >= 1 else 2
    return max(0, min(4, 2 - int(math.floor(math.log10(a)))))


def number(value: Any, unit: str | None = None, signed: bool = False) -> str:
    """One value as text: scaled to ``unit``, thousands separators, no scientific notation."""
    if value is None or isinstance(value, str):
        return MISSING if value is None else value
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(v):
        return MISSING if math.isnan(v) else ("∞" if v > 0 else "−∞")
    v *= _SCALE.get(unit or "", 1.0)
    integral = isinstance(value, (int, np.integer)) and (unit or "") not in _SCALE
    d = 0 if integral else _decimals(v, unit)
    text = f"{v:{'+' if signed else ''},.{d}f}"
    if text.lstrip("+-") == f"{0:.{d}f}" and v != 0 and not integral:  # a small value rounded to 0
        d = min(12, 1 - int(math.floor(math.log10(abs(v)))))
        text = f"{v:{'+' if signed else ''},.{d}f}"
    return text.replace("-", "−") + _SUFFIX.get(unit or "", "")


def _header(column: str, unit: str | None) -> str:
    name = str(column).replace("_", " ")
    label = UNIT_LABELS.get(unit, unit) if unit else ""
    return f"{name} ({label})" if label else name


def for_people(df: pd.DataFrame, units: Mapping[str, str] | None = None, *, unit_of: str | None = None,
               signed: tuple[str, ...] = (), index: bool = False) -> pd.DataFrame:
    """A copy of ``df`` as strings for display (see the module docstring for the units).

    ``units`` maps column → unit (its header gains the unit); numeric columns without a unit are
    plain numbers (integers with thousands separators, floats to about three significant digits).
    ``unit_of`` names a column holding each row's unit, applied to every numeric column and shown
    as a ``unit`` column after the text columns. ``signed`` columns show a sign (differences).
    ``index``: keep ``df``'s index (else it is reset and hidden by the caller).
    """
    units = dict(units or {})
    missing = [c for c in [*units, *([unit_of] if unit_of else [])] if c not in df.columns]
    if missing:
        raise ValueError(f"for_people: the table has no column(s) {missing}; it has {list(df.columns)}")
    data = df if index else df.reset_index(drop=True)
    out = pd.DataFrame(index=data.index)
    row_units = data[unit_of].astype(object) if unit_of else None
    for c in data.columns:
        if c == unit_of:
            continue
        col = data[c]
        numeric = pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
        if row_units is not None and numeric:
            out[str(c)] = [number(v, u, c in signed) for v, u in zip(col, row_units)]
        elif numeric or c in units:
            out[_header(c, units.get(c))] = [number(v, units.get(c), c in signed) for v in col]
        else:
            out[str(c)] = [MISSING if v is None or (isinstance(v, float) and math.isnan(v)) else
                           number(v) if isinstance(v, (bool, np.bool_, int, float, np.number)) else str(v)
                           for v in col]  # a mixed column (numbers and text) still reads as numbers
    if row_units is not None:
        text_cols = [c for c in data.columns if c != unit_of and not pd.api.types.is_numeric_dtype(data[c])]
        at = len(text_cols)
        out.insert(at, "unit", [UNIT_LABELS.get(u, u) or "" for u in row_units])
    return out


def interval_table(df: pd.DataFrame, *, rows: str = "label", columns: str = "scenario", unit_of: str = "unit",
                   mean: str = "mean", lo: str = "lo", hi: str = "hi", signed: bool = False) -> pd.DataFrame:
    """One row per ``rows`` value (with its unit), one column per ``columns`` value: ``mean (lo to hi)``."""
    for c in (rows, columns, unit_of, mean, lo, hi):
        if c not in df.columns:
            raise ValueError(f"interval_table: the table has no column {c!r}; it has {list(df.columns)}")

    def cell(r: pd.Series) -> str:
        m = number(r[mean], r[unit_of], signed)
        if m == MISSING:
            return MISSING
        a, b = number(r[lo], r[unit_of], signed), number(r[hi], r[unit_of], signed)
        return m if a == b == m or MISSING in (a, b) else f"{m} ({a} to {b})"

    data = df.assign(_cell=df.apply(cell, axis=1))
    wide = data.pivot_table(index=[rows, unit_of], columns=columns, values="_cell", aggfunc="first", sort=False)
    wide = wide[list(dict.fromkeys(df[columns]))].reset_index()
    wide[unit_of] = [UNIT_LABELS.get(u, u) or "" for u in wide[unit_of]]
    wide.columns.name = None
    return wide.fillna(MISSING)


def split_columns(df: pd.DataFrame, keys: list[str], max_columns: int = 7) -> list[pd.DataFrame]:
    """``df`` cut into tables of at most ``max_columns`` columns besides the ``keys`` (repeated in each)."""
    rest = [c for c in df.columns if c not in keys]
    step = max(1, max_columns)
    return [df[list(keys) + rest[i:i + step]] for i in range(0, len(rest), step)] or [df[list(keys)]]


class Shown:
    """A formatted table for display: HTML without the row index in notebooks, aligned text elsewhere."""

    def __init__(self, table: pd.DataFrame, caption: str | None = None):
        self.table, self.caption = table, caption

    def _repr_html_(self) -> str:
        html = self.table.to_html(index=False, border=0, escape=True, na_rep=MISSING)
        numbers = ' style="text-align: right;"'  # deterministic: no Styler uuids
        html = html.replace("<td>", f"<td{numbers}>")
        return (f"<p><b>{self.caption}</b></p>\n" if self.caption else "") + html

    def __repr__(self) -> str:
        text = self.table.to_string(index=False)
        return f"{self.caption}\n{text}" if self.caption else text


def show(df: pd.DataFrame, units: Mapping[str, str] | None = None, *, caption: str | None = None,
         formatted: bool = False, **kw: Any) -> Shown:
    """``for_people(df, units, **kw)`` ready to display (``formatted``: ``df`` is already strings)."""
    return Shown(df if formatted else for_people(df, units, **kw), caption)
