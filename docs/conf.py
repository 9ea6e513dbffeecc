"""Sphinx configuration of the documentation site (``make docs``).

The source folder is the repository root (``sphinx-build -c docs . docs/_build/html``) so that the
committed findings (``findings/index.md`` and each executed notebook) and ``CHANGELOG.md`` are pages
of the site as they are, without a copy; ``include_patterns`` keeps everything else out.

Why Sphinx + MyST + myst-nb + the PyData theme (and not Jupyter Book): it is the convention of the
scientific-Python projects researchers know (statsmodels, SALib, Mesa), MyST keeps every
page plain Markdown that GitHub also renders, myst-nb renders the executed findings notebooks without
running them (``nb_execution_mode = "off"``), and the PyData theme ships its fonts and icons, so the
built site loads nothing from the network. Jupyter Book 1 is a layer over the same three packages
(one more dependency and a ``_config.yml`` translated into this file); Jupyter Book 2 is a Node
application (mystmd), which the project's Python-only toolchain does not have.
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(ROOT / "src"))

import simulate  # noqa: E402

project = "Education-equity policy workbench (simulate)"
author = "The simulate developers"
copyright = "2026, the simulate developers (MIT licence)"
version = release = simulate.__version__

root_doc = "docs/index"
include_patterns = ["docs/**", "findings/index.md", "findings/*/*.ipynb", "CHANGELOG.md"]
exclude_patterns = ["docs/_build/**", "**/.ipynb_checkpoints", "docs/_ext/**"]

extensions = [
    "myst_nb",                      # MyST Markdown pages and the executed findings notebooks
    "sphinx.ext.autodoc",           # the API reference from the docstrings
    "sphinx.ext.napoleon",
    "mathml",                       # docs/_ext/mathml.py: LaTeX → MathML at build time (no MathJax CDN)
    "paramref",                     # docs/_ext/paramref.py: the parameter reference, generated
    "clihelp",                      # docs/_ext/clihelp.py: `simulate --help`, generated
    "findingsref",                  # docs/_ext/findingsref.py: numbers from the committed findings
]

# -- MyST / myst-nb
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "off"           # render the committed outputs; never re-execute a notebook
nb_merge_streams = True
suppress_warnings = [
    "myst.header",                  # the findings notebooks start at '##' under their own title cell
    "mystnb.unknown_mime_type",     # widget state in notebook 03's outputs (the page shows its static rendering)
]

# -- autodoc
autodoc_member_order = "bysource"
autodoc_typehints = "none"          # signatures as written; types are in the docstrings' words

# -- HTML: everything local (no CDN, no analytics, no version switcher fetched at run time)
html_theme = "pydata_sphinx_theme"
html_title = f"simulate {release}"
html_static_path = ["_static"]
html_css_files = ["site.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 7,
    "use_edit_page_button": False,
}
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None        # no build date in the pages: the same sources give the same site
html_math_renderer = "mathml"       # docs/_ext/mathml.py

# -- the parameter reference (docs/_ext/paramref.py)
paramref_parameters = "params/baseline.yaml"
paramref_sources = "docs/sources.md"
# Posterior draws of the calibrated parameters, when a calibration has written them: the first file
# that exists is summarised (median and 5–95% interval per parameter). A table with one column per
# dotted parameter path and one row per draw (CSV or Parquet; a `draw` column is ignored). Where none
# exists the column says so.
paramref_posterior = ["params/posterior/draws.csv"]  # simulate calibrate --posterior --write


def _front_door(app, exception):
    """``index.html`` at the top of the build, sending the reader to the site's first page."""
    if exception is None and app.builder.format == "html":
        target = app.builder.get_target_uri(app.config.root_doc)
        (Path(app.outdir) / "index.html").write_text(
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="0; url={target}">'
            f'<title>{project}</title></head><body><a href="{target}">{project}</a></body></html>\n',
            encoding="utf-8")


def setup(app):
    app.connect("build-finished", _front_door)
