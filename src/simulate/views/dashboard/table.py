"""The planner dashboard's text blocks as HTML: the introduction and the headline table."""

from __future__ import annotations

import html

from .i18n import text


def intro_text(x, lang: str) -> str:
    """The dashboard's introduction in ``lang``: what it shows, for which district, and how to use it."""
    import numpy as np

    pupils = float(np.asarray(x.district.enrolled).sum())
    banan = getattr(x, "factors", {}).get("pupils", 1.0) == 1.0
    from .districts import district_title

    where = text("intro_banan" if banan else "intro_district", lang, district=district_title(x.district, lang, x.data_dir),
                 schools=f"{x.district.n_schools:,}", pupils=f"{pupils:,.0f}")
    return text("intro", lang, where=where)


# ------------------------------------------------------------------ the headline table as HTML
def results_html(results, lang: str, reference_name: str, start_year: int) -> str:
    if results.empty:
        return ""
    year = int(results["year"].iloc[0])
    has_iv = "interval_text" in results
    head = "".join(f"<th style='text-align:{a};padding:2px 8px'>{text(k, lang)}</th>"
                   for k, a in (("indicator", "left"), ("this", "right"), ("ref_col", "right"), ("change", "right"),
                                ("better_col", "left")))
    head += f"<th style='padding:2px 8px'>{text('interval', lang)}</th>" if has_iv else ""
    body = []
    for r in results.itertuples():
        color = "#1a7f37" if r.better is True else "#b42318" if r.better is False else "#333"
        verdict = f"<br><span style='font-size:85%;color:#555'>{html.escape(r.verdict)}</span>" if r.verdict else ""
        cells = (f"<td style='padding:2px 8px'>{html.escape(r.label)}{verdict}</td>"
                 f"<td class='value' style='text-align:right;padding:2px 8px;white-space:nowrap'>{r.value_text}</td>"
                 f"<td class='reference' style='text-align:right;padding:2px 8px;white-space:nowrap'>{r.reference_text}</td>"
                 f"<td class='change' style='text-align:right;padding:2px 8px;white-space:nowrap;color:{color}'>{r.change_text}</td>"
                 f"<td class='direction' style='padding:2px 8px;font-size:85%;color:#555'>"
                 f"{html.escape(r.direction_text)}</td>")
        if has_iv:
            cells += f"<td class='interval' style='padding:2px 8px;font-size:85%'>{r.interval_text}</td>"
        body.append(f"<tr data-key='{r.indicator}'>{cells}</tr>")
    note = html.escape(text("headline_note", lang, year=year, n=year - start_year + 1, ref=reference_name))
    return (f"<div style='font-size:90%;color:#555'>{note}</div>"
            f"<table style='border-collapse:collapse;font-size:92%'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")
