"""Work that leaves the page: a link to the scenario, the headline table as CSV, the charts as PNG,
a printable one-scenario report, and deleting scenarios the dashboard saved.

Downloads are links whose address holds the file itself (``data:`` URLs), so nothing is written on
the server and nothing is fetched from anywhere else. The report (:func:`report_html`) is one HTML
page with the levers that differ from the start scenario, the headline table (with the 90%
intervals after an uncertainty run), the charts and, when computed, "what drives this difference";
it prints on A4. Where a Chromium is installed, "Export report" also offers it as PDF (Chromium's
``--print-to-pdf``, run in a temporary folder).

Deleting: only a scenario file this dashboard saved and that is unchanged since — the dashboard
records each file it saves with its SHA-256 in ``params/scenarios/.saved_by_dashboard.json``; a file
it did not write, or one edited since, is never deleted (:func:`deletable`).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import ipywidgets as w

from ...inputs.scenario import params_dir
from ...provenance import write_file_atomically
from .i18n import text
from .links import share_query

REGISTRY = ".saved_by_dashboard.json"


# ------------------------------------------------------------------ own files only
def _registry_path(folder: Path | None = None) -> Path:
    return (params_dir() / "scenarios" if folder is None else folder) / REGISTRY


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_registry(folder: Path | None = None) -> dict[str, str]:
    path = _registry_path(folder)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def record_saved(path: Path) -> None:
    """Remember that the dashboard wrote ``path`` (its name and SHA-256)."""
    path = Path(path)
    entries = _read_registry(path.parent)
    entries[path.stem] = _sha(path)
    write_file_atomically(_registry_path(path.parent), json.dumps(entries, indent=1, sort_keys=True) + "\n",
                          overwrite=True)


def deletable(folder: Path | None = None) -> list[str]:
    """Names of scenario files the dashboard saved and nobody changed since (the only ones it deletes)."""
    folder = params_dir() / "scenarios" if folder is None else folder
    out = []
    for name, sha in sorted(_read_registry(folder).items()):
        path = folder / f"{name}.yaml"
        if path.is_file() and not path.is_symlink() and _sha(path) == sha:
            out.append(name)
    return out


def delete_saved(name: str, folder: Path | None = None) -> Path:
    """Delete scenario ``name`` if the dashboard saved it and it is unchanged; ValueError otherwise."""
    folder = params_dir() / "scenarios" if folder is None else folder
    if name not in deletable(folder):
        raise ValueError(f"{name!r:.60} is not a scenario this dashboard saved (unchanged): not deleted")
    path = folder / f"{name}.yaml"
    path.unlink()
    entries = _read_registry(folder)
    entries.pop(name, None)
    write_file_atomically(_registry_path(folder), json.dumps(entries, indent=1, sort_keys=True) + "\n", overwrite=True)
    return path


# ------------------------------------------------------------------ files for download
def data_url(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def headline_csv(x) -> bytes:
    """The headline table as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese labels)."""
    cols = [c for c in ("indicator", "label", "year", "value", "reference", "change", "lo", "hi", "diff_lo", "diff_hi")
            if c in x.results]
    return ("\ufeff" + x.results[cols].to_csv(index=False)).encode("utf-8")


def report_html(x) -> str:
    """A printable one-scenario report: levers changed, headline table, charts, drivers."""
    from .charts import CHARTS, chart_text, png
    from .controls import BY_PATH
    from .districts import district_title
    from .drivers import drivers_html
    from .table import results_html
    from .charts import scenario_title

    lang = x.language
    changed = x.scenario.changed_paths(x.start_levers)
    rows = "".join(f"<tr><td>{html.escape(BY_PATH[p].label[0 if lang == 'en' else 1] if p in BY_PATH else p)}</td>"
                   f"<td>{html.escape(str(x.start_levers.value(p)))}</td><td>{html.escape(str(x.scenario.value(p)))}</td></tr>"
                   for p in changed) or f"<tr><td colspan='3'>{html.escape(text('report.none_changed', lang))}</td></tr>"
    charts = "".join(f"<h3>{html.escape(text(f'chart_{k}', lang))}</h3>"
                     f"<img alt='' style='max-width:100%' src='{data_url(png(f(x)), 'image/png')}'>{chart_text(k, x)}"
                     for k, f in CHARTS.items())
    drivers = drivers_html(x.attribution, lang) if getattr(x, "attribution", None) is not None else \
        f"<p>{html.escape(text('report.no_drivers', lang))}</p>"
    title = html.escape(text("report.title", lang, start=scenario_title(x.start_scenario, lang),
                             district=district_title(x.district, lang, x.data_dir)))
    head = (f"<tr><th>{html.escape(text('report.lever', lang))}</th><th>{html.escape(text('report.start', lang))}</th>"
            f"<th>{html.escape(text('this', lang))}</th></tr>")
    return (f"<!DOCTYPE html><html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head><meta charset='utf-8'>"
            f"<title>{title}</title><style>body{{font-family:sans-serif;max-width:900px;margin:2em auto}}"
            f"table{{border-collapse:collapse}}td,th{{padding:2px 8px;border-bottom:1px solid #ddd}}"
            f"@page{{size:A4;margin:15mm}}details{{display:block}}details>p{{display:block}}</style></head><body>"
            f"<h1>{title}</h1><p>{html.escape(text('report.against', lang, ref=scenario_title(x.reference_scenario, lang)))}</p>"
            f"<h2>{html.escape(text('report.levers', lang))}</h2><table>{head}{rows}</table>"
            f"<h2>{html.escape(text('headline', lang))}</h2>"
            f"{results_html(x.results, lang, scenario_title(x.reference_scenario, lang), x.scenario.start_year)}"
            f"{charts}<h2>{html.escape(text('drivers', lang))}</h2>{drivers}</body></html>")


def report_pdf(page: str, timeout: float = 120.0) -> bytes | None:
    """``page`` printed to PDF by a local Chromium, or None when there is none (or it fails)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if chromium is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        src.write_text(page, encoding="utf-8")
        try:
            subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                            f"--user-data-dir={tmp}/profile", f"--print-to-pdf={out}", src.as_uri()],
                           capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return out.read_bytes() if out.is_file() and out.stat().st_size > 0 else None


# ------------------------------------------------------------------ the panel
class OutsidePanel:
    def __init__(self, view, explorer):
        self.view, self.x = view, explorer
        self.link = w.HTML()
        self.link.add_class("explorer-share")
        self.table_download = w.HTML()
        self.table_download.add_class("explorer-download-table")
        self.chart_downloads = w.HTML()
        self.chart_downloads.add_class("explorer-download-charts")
        self.export = w.Button(layout=w.Layout(width="auto"))
        self.export.add_class("explorer-export")
        self.export.on_click(lambda _: self.export_report())
        self.report = w.HTML()
        self.report.add_class("explorer-report")
        self.delete_choice = w.Dropdown(options=[], layout=w.Layout(width="auto"))
        self.delete_choice.add_class("explorer-delete-choice")
        self.delete = w.Button(button_style="danger", layout=w.Layout(width="auto"))
        self.delete.add_class("explorer-delete")
        self.delete.on_click(lambda _: self.delete_selected())
        self.delete_msg = w.HTML()
        self.delete_msg.add_class("explorer-delete-message")
        self.box = w.VBox([self.link, self.table_download, self.chart_downloads,
                           w.HBox([self.export, self.report], layout=w.Layout(flex_flow="row wrap")),
                           w.HBox([self.delete_choice, self.delete, self.delete_msg],
                                  layout=w.Layout(flex_flow="row wrap", align_items="center"))])
        self.refresh_deletable()

    def relabel(self, lang: str) -> None:
        self.export.description = text("export_report", lang)
        self.delete.description = text("delete_button", lang)
        self.delete_choice.description = text("delete_choice", lang)
        self.delete_choice.style.description_width = "initial"

    def show_results(self) -> None:
        lang = self.x.language
        query = share_query(self.x)
        self.link.value = (f"<a class='explorer-share-link' href='?{html.escape(query)}'>"
                           f"{html.escape(text('share_link', lang))}</a> "
                           f"<span style='font-size:85%;color:#555'>{html.escape(text('share_note', lang))}</span>")
        self.table_download.value = (f"<a download='headline.csv' href='{data_url(headline_csv(self.x), 'text/csv')}'>"
                                     f"{html.escape(text('download_csv', lang))}</a>")
        self.report.value = ""

    def show_charts(self) -> None:
        lang = self.x.language
        links = [f"<a download='{k}.png' href='{data_url(image.value, 'image/png')}'>"
                 f"{html.escape(text('download_png', lang, chart=text(f'chart_{k}', lang)))}</a>"
                 for k, image in self.view.charts.items() if image.value]
        self.chart_downloads.value = "<br>".join(links)

    def export_report(self) -> None:
        lang = self.x.language
        self.report.value = f"<i>{html.escape(text('busy', lang))}</i>"
        page = report_html(self.x)
        links = [f"<a class='explorer-report-html' download='report.html' href='{data_url(page.encode('utf-8'), 'text/html')}'>"
                 f"{html.escape(text('report.html', lang))}</a>"]
        pdf = report_pdf(page)
        if pdf is not None:
            links.append(f"<a class='explorer-report-pdf' download='report.pdf' href='{data_url(pdf, 'application/pdf')}'>"
                         f"{html.escape(text('report.pdf', lang))}</a>")
        else:
            links.append(html.escape(text("report.no_pdf", lang)))
        self.report.value = " · ".join(links)

    def refresh_deletable(self) -> None:
        names = deletable()
        self.delete_choice.options = names
        self.delete.disabled = not names

    def delete_selected(self) -> None:
        lang, name = self.x.language, self.delete_choice.value
        if name in (self.x.start_scenario.name, self.x.reference_scenario.name):
            self.delete_msg.value = f"<span style='color:#a40000'>{html.escape(text('delete.in_use', lang, name=name))}</span>"
            return
        try:
            path = delete_saved(name) if name else None
        except (ValueError, OSError) as exc:
            self.delete_msg.value = f"<span style='color:#a40000'>{html.escape(str(exc))}</span>"
            return
        self.refresh_deletable()
        self.view.refresh_scenario_lists()
        self.delete_msg.value = html.escape(text("deleted", lang, path=path)) if path else ""
