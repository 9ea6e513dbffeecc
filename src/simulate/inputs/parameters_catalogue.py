"""``simulate.parameters()``: the parameter catalogue — every leaf of a scenario's parameter tree with
its value, unit, allowed range, uncertainty, source and status, one row per dotted path.

- ``range``: the schema's bounds (:func:`simulate.inputs.schema.field_bounds`), e.g. "[0, 1]",
  "≥ 0", or "" for a leaf that is not a bounded number; also as ``low`` and ``high``.
- ``uncertainty``: the declared distribution in absolute terms ("normal, sd 0.1",
  "triangular 0.4–0.9, mode 0.6", "uniform 100–300"), "" when the value is certain.
- ``status``: ``assumption``, ``partly assumed``, ``calibrated`` or ``evidence`` — the leaf's
  ``status`` key when the parameter file has one, else read from its source text by
  :func:`status_of` (the rule the sensitivity study's factor table uses).
- ``changed``: whether the scenario changed the leaf against the one it extends.
"""

from __future__ import annotations

import math
import re

import pandas as pd

COLUMNS = ["path", "value", "unit", "range", "low", "high", "uncertainty", "source", "status", "description",
           "by_year", "changed"]
STATUSES = ("assumption", "partly assumed", "calibrated", "evidence")


def status_of(source: str) -> str:
    """``assumption``, ``partly assumed``, ``calibrated`` or ``evidence``, read from a leaf's source text.

    baseline.yaml writes ``assumption`` (or ``assumption: reason``) for an assumed value and
    ``report …; assumption: …`` where a published figure needed an assumed step. A scenario's
    changed leaf reads ``scenario NAME: changed from V (was: <original source>)`` (or, in older
    files, ``scenario NAME: <original source>``): the original source decides.
    """
    text = str(source or "").strip()
    was = re.search(r"\(was: (.*)\)\s*$", text, flags=re.S)
    if was and text.startswith("scenario "):
        text = was.group(1)
    text = re.sub(r"^(scenario [^:]+:\s*)+", "", text).strip().lower()
    if text.startswith("assum"):
        return "assumption"
    if text.startswith("calibrated"):
        return "calibrated"
    return "partly assumed" if "assum" in text else "evidence"


def _fmt(x) -> str:
    return f"{x:g}" if isinstance(x, (int, float)) and not isinstance(x, bool) else str(x)


def _range(lo, hi) -> str:
    if lo is None and hi is None:
        return ""
    if hi is None:
        return f"≥ {_fmt(lo)}"
    if lo is None:
        return f"≤ {_fmt(hi)}"
    return f"[{_fmt(lo)}, {_fmt(hi)}]"


def _uncertainty(leaf: dict) -> str:
    unc = leaf.get("uncertainty")
    if not unc:
        return ""
    kind = unc["distribution"]
    if kind == "normal":
        return f"normal, sd {unc['sd']:g}"
    v = float(leaf["value"])
    text = f"{kind} {v + unc['low']:g}–{v + unc['high']:g}"
    return text + (f", mode {v + unc['mode']:g}" if kind == "triangular" else "")


def parameters(scenario="baseline", prefix: str | None = None) -> pd.DataFrame:
    """``simulate.parameters()``: one row per parameter of ``scenario`` (a name, path or Scenario;
    default the baseline): path, value, unit, range, low, high, uncertainty, source, status,
    description, by_year, changed. ``prefix`` keeps the paths under it (e.g. ``"dropout.monitoring"``);
    a prefix matching nothing raises :class:`~simulate.errors.NotFoundError` with the closest paths.
    """
    from ..errors import NotFoundError
    from .scenario import load_scenario
    from .schema import field_bounds

    s = load_scenario(scenario)
    parent = s.parent if s.parent is not None else (load_scenario(s.extends) if s.extends else None)
    changed = set(s.changed_paths(parent)) if parent is not None else set()
    rows = []
    for path, leaf in s.leaves.items():
        if prefix and not (path == prefix or path.startswith(prefix + ".")):
            continue
        try:
            lo, hi = field_bounds(path)
        except (KeyError, AttributeError):
            lo = hi = None
        rows.append({"path": path, "value": leaf.get("value"), "unit": leaf.get("unit", ""),
                     "range": _range(lo, hi), "low": math.nan if lo is None else lo,
                     "high": math.nan if hi is None else hi, "uncertainty": _uncertainty(leaf),
                     "source": leaf.get("source", ""),
                     "status": leaf.get("status") or status_of(leaf.get("source", "")),
                     "description": leaf.get("description", "") or "",
                     "by_year": dict(leaf["by_year"]) if leaf.get("by_year") else None,
                     "changed": path in changed})
    if prefix and not rows:
        raise NotFoundError.of("parameter prefix", prefix, s.leaves, where=f"scenario {s.name}")
    return pd.DataFrame(rows, columns=COLUMNS)
