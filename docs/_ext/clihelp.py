"""``simulate --help`` and every subcommand's ``--help``, rendered when the site is built.

The text is argparse's own, from :func:`simulate.cli.build_parser`, so the page cannot drift from
the command. Directive: ```` ```{cli-help} ```` (every command) or ```` ```{cli-help} compare ````.
"""

from __future__ import annotations

import argparse
import os

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.application import Sphinx


def subcommands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    """(words, parser) for the parser and each subcommand, depth first, in the order they are declared."""
    yield prefix, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from subcommands(sub, prefix + (name,))


def help_texts() -> list[tuple[str, str]]:
    from simulate.cli import build_parser

    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"   # the same line width wherever the site is built
    try:
        parser = build_parser()
        return [(" ".join(("simulate", *words)), sub.format_help()) for words, sub in subcommands(parser)]
    finally:
        if before is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = before


class CliHelp(Directive):
    optional_arguments = 1

    def run(self):
        wanted = " ".join(("simulate", *self.arguments))
        out = []
        for command, text in help_texts():
            if self.arguments and command != wanted:
                continue
            section = nodes.section(ids=[nodes.make_id(command)], names=[nodes.fully_normalize_name(command)])
            section += nodes.title("", "", nodes.literal("", command))
            section += nodes.literal_block(text, text, language="text")
            out.append(section)
        if not out:
            raise self.error(f"cli-help: no command {wanted!r}")
        return out


def setup(app: Sphinx):
    app.add_directive("cli-help", CliHelp)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
