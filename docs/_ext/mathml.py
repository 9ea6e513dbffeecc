"""LaTeX → MathML at build time (latex2mathml), so the site's equations need no MathJax from a CDN.

Sphinx's default math renderer loads MathJax from the network; every current browser renders
MathML Core natively, so the pages carry the equations as MathML and load no script for them.
A formula latex2mathml cannot parse fails the build (warnings are errors in ``make docs``).
"""

from __future__ import annotations

import re

from docutils import nodes
from latex2mathml.converter import convert
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)


def _mathml(self, node, display: bool) -> str:
    latex = node.astext()
    try:
        out = convert(latex, display="block" if display else "inline")
    except Exception as exc:  # noqa: BLE001 - any parser failure is a build warning naming the formula
        logger.warning("math: cannot convert %r to MathML: %s", latex, exc, location=node)
        return self.encode(latex)
    unknown = re.findall(r"\\[A-Za-z]+", out)  # a command latex2mathml did not know is left as text
    if unknown:
        logger.warning("math: %s not converted to MathML in %r", ", ".join(sorted(set(unknown))), latex,
                       location=node)
    return out


def visit_math(self, node):
    self.body.append(f'<span class="math">{_mathml(self, node, display=False)}</span>')
    raise nodes.SkipNode


def visit_displaymath(self, node):
    if node.get("label"):
        self.body.append(f'<span class="eqno">({node["number"]})</span>' if node.get("number") else "")
    self.body.append(f'<div class="math">{_mathml(self, node, display=True)}</div>')
    raise nodes.SkipNode


def setup(app: Sphinx):
    app.add_html_math_renderer("mathml", (visit_math, None), (visit_displaymath, None))
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
