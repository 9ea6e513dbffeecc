"""A scenario on screen as a link: the lever values in the page's address, reopened on load.

:func:`share_query` writes the query string of the explorer's state: ``start``, ``reference``,
``lang`` (when not English) and every lever that differs from the start scenario, by its dotted
parameter path, in parameter units (``teachers.support.count=40&dropout.monitoring.coverage=0.85``).
:func:`apply_query` reads one back as a planner would have set the levers: a value a lever cannot
take gets the note beside that lever (:meth:`simulate.views.dashboard.view.View.set_lever`), an
unknown key is named in the message under the top bar, and nothing else changes.

:func:`apply_page_query` is the notebook's call: under Voilà it waits for the page request (a
preheated kernel has built the dashboard before anyone asked for it) and applies the address's query
string; anywhere else (JupyterLab, papermill) it does nothing. A preheated kernel draws its pending
charts before it waits, so that a page taking it gets its HTML without waiting for them.
"""

from __future__ import annotations

import math
import os
from urllib.parse import parse_qsl, urlencode

from .controls import BY_PATH
from .i18n import text

MAX_QUERY = 4000  # characters: a link of every lever is about 1,500


def share_query(x) -> str:
    """The query string (without '?') that reopens the explorer ``x`` as it is."""
    pairs = [("start", x.start_scenario.name), ("reference", x.reference_scenario.name)]
    if x.language != "en":
        pairs.append(("lang", x.language))
    values = x.view.values()
    start = x.start_levers
    pairs += [(p, _value_text(v)) for p, v in values.items() if v != start.value(p)]
    return urlencode(pairs, safe=".")


def _value_text(v) -> str:
    if isinstance(v, float) and v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return str(v)


def _number(text_: str):
    try:
        v = float(text_)
    except ValueError:
        return text_  # the lever's own check says it is not a number
    return int(v) if math.isfinite(v) and v == int(v) and "." not in text_ and "e" not in text_.lower() else v


def apply_query(x, query: str) -> list[str]:
    """Set the explorer ``x`` from ``query``; returns the problems (also shown in the message)."""
    if not query:
        return []
    problems: list[str] = []
    if len(query) > MAX_QUERY:
        problems.append(text("link.too_long", x.language, n=len(query), max=MAX_QUERY))
        x.show_message("; ".join(problems), error=True)
        return problems
    pairs = parse_qsl(query, keep_blank_values=True)
    meta = {k: v for k, v in pairs if k in ("start", "reference", "lang")}
    levers = {k: v for k, v in pairs if k in BY_PATH}
    unknown = [k for k, _ in pairs if k not in BY_PATH and k not in meta]
    if meta.get("lang") and meta["lang"] != x.language:
        x.set_language(meta["lang"])
    if meta.get("reference") and meta["reference"] != x.reference_scenario.name:
        x.view.reference.value = meta["reference"] if meta["reference"] in _names(x.view.reference) else x.view.reference.value
        if meta["reference"] not in _names(x.view.reference):
            problems.append(text("link.no_scenario", x.language, name=meta["reference"][:60]))
    if meta.get("start") and meta["start"] != x.start_scenario.name:
        if meta["start"] in _names(x.view.start):
            x.view.start.value = meta["start"]
        else:
            problems.append(text("link.no_scenario", x.language, name=meta["start"][:60]))
    values = {p: (v if BY_PATH[p].choice else _number(v)) for p, v in levers.items()}
    x.view.set_levers(values)
    if unknown:
        problems.append(text("link.unknown", x.language, keys=", ".join(k[:40] for k in unknown[:5])))
    if problems:
        x.show_message("; ".join(problems), error=True)
    elif levers:
        x.show_message(text("link.opened", x.language, n=len(levers)))
    return problems


def _names(dropdown) -> list[str]:
    return [v for _, v in dropdown.options]


def apply_page_query(x) -> list[str]:
    """Under Voilà, apply the page address's query string to ``x`` (waiting for the request in a
    preheated kernel); elsewhere nothing."""
    if os.environ.get("VOILA_PREHEAT") == "True":
        # the wait below blocks the kernel's event loop until a page takes this kernel: the charts
        # (debounced on that loop) are drawn now, else the page's HTML waits for them after the request
        x.view.draw_pending_charts()
    if os.environ.get("VOILA_PREHEAT") == "True" or os.environ.get("SERVER_SOFTWARE", "").startswith("voila"):
        from voila.utils import get_query_string

        return apply_query(x, get_query_string() or "")
    return []
