"""Reading the project's YAML files (scenarios, calibration targets, sweep grids, findings configuration).

The one YAML reader: it turns every problem into the caller's own error type
(a :class:`~simulate.errors.SimulateError`), naming the file first and the
line where it can:

- a missing file, a folder, or a file that cannot be read;
- a file over ``max_bytes`` (1 MB by default: the whole parameter tree is
  under 20 kB), refused before it is read;
- bytes that are not UTF-8 text (the line of the first bad byte);
- YAML syntax errors (line and column);
- a document that, with its aliases (``*name``) expanded, would hold more than
  ``MAX_NODES`` values or nest deeper than ``MAX_DEPTH`` levels: a "billion
  laughs" alias bomb is refused within its first lines, never expanded;
- tags other than the plain JSON-like ones (``!!set``, ``!!binary``,
  ``!!python/…``, ``!!timestamp``, ``!custom``, …): refused, as is the
  implicit date conversion (``2019-09-01`` stays text) and the ``<<`` merge key;
- a key given twice in one mapping (YAML would silently keep the last);
- a top level that is not a mapping.

Only mappings, lists, text, numbers, booleans and null come out.
"""

from __future__ import annotations

from pathlib import Path

import yaml

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "read_mapping", "parse_mapping"]

MAX_BYTES = 1_000_000
MAX_DEPTH = 32
MAX_NODES = 200_000  # values in the expanded document (the parameter tree has ~2,000)

_CORE = "tag:yaml.org,2002:"
ALLOWED_TAGS = {None, "!", *(_CORE + t for t in ("str", "int", "float", "bool", "null", "map", "seq"))}
_CBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: ~10x faster


def _plain_resolvers(resolvers: dict) -> dict:
    dropped = {_CORE + "timestamp", _CORE + "merge", _CORE + "value"}
    return {k: [(tag, rx) for tag, rx in v if tag not in dropped] for k, v in resolvers.items()}


class _Refused(yaml.MarkedYAMLError):
    """A YAML construct this reader refuses (tag, duplicate key, depth, alias expansion)."""


class _Loader(_CBase):
    """Safe loading to plain types; a key given twice in one mapping is an error."""

    yaml_implicit_resolvers = _plain_resolvers(yaml.SafeLoader.yaml_implicit_resolvers)

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    hash(key)
                except TypeError:
                    raise _Refused(None, None, "a mapping key must be text or a number, not a list or mapping",
                                   key_node.start_mark) from None
                if key in seen:
                    raise _Refused(None, None, f"duplicate key {key!r} (first given at line {seen[key] + 1}): "
                                   "give each key once", key_node.start_mark)
                seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag


def _check_events(text: str) -> None:
    """Refuse non-plain tags, deep nesting and alias bombs before anything is built.

    Anchors and aliases (``&x`` / ``*x``) are allowed, but the document *as expanded* may hold
    at most :data:`MAX_NODES` values and be at most :data:`MAX_DEPTH` levels deep: a "billion
    laughs" bomb is refused after a few events, whatever its size on disk."""
    stack: list[list] = []  # open collections: [size so far, height of the deepest child, anchor]
    anchors: dict[str, tuple[int, int]] = {}  # anchor -> (expanded size, height) of its node
    total = 0

    def close(size: int, height: int, anchor, mark) -> None:
        nonlocal total
        if anchor is not None:
            anchors[anchor] = (size, height)
        if stack:
            stack[-1][0] += size
            stack[-1][1] = max(stack[-1][1], height)
        else:
            total += size
        if len(stack) + height > MAX_DEPTH:
            raise _Refused(None, None, f"nested more than {MAX_DEPTH} levels deep", mark)
        if total + sum(c[0] for c in stack) > MAX_NODES:
            raise _Refused(None, None, f"expands to more than {MAX_NODES:,} values (aliases repeating "
                           "aliases: a 'billion laughs' bomb?)", mark)

    for event in yaml.parse(text, Loader=_CBase):
        if isinstance(event, (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)) \
                and event.tag not in ALLOWED_TAGS:
            raise _Refused(None, None, f"tag {_tag_name(event.tag)} is not allowed (only text, numbers, "
                           "true/false, null, lists and mappings)", event.start_mark)
        if isinstance(event, yaml.ScalarEvent):
            close(1, 1, event.anchor, event.start_mark)
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor not in anchors:
                raise _Refused(None, None, f"alias *{event.anchor} refers to its own value or to no anchor",
                               event.start_mark)
            close(*anchors[event.anchor], None, event.start_mark)
        elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            stack.append([1, 0, event.anchor])
            if len(stack) > MAX_DEPTH:
                raise _Refused(None, None, f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            size, height, anchor = stack.pop()
            close(size, height + 1, anchor, event.start_mark)


def _where(exc: yaml.YAMLError, text: str) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        return f"line {mark.line + 1}, column {mark.column + 1}"
    position = getattr(exc, "position", None)  # ReaderError: a character YAML does not allow
    if isinstance(position, int):
        return f"line {text.count(chr(10), 0, position) + 1}"
    return "line ?"


def _what(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.reader.ReaderError):
        c = exc.character
        shown = f"U+{c:04X}" if isinstance(c, int) else f"U+{ord(c):04X}" if isinstance(c, str) and len(c) == 1 else repr(c)
        return f"character {shown} is not allowed in YAML (a binary file?)"
    parts = [getattr(exc, "context", None), getattr(exc, "problem", None)]
    text = "; ".join(p for p in parts if p) or str(exc).strip().splitlines()[0]
    return text


def parse_mapping(text: str, where: str, error: type[Exception], expected: str = "a mapping at the top level",
                  empty_ok: bool = False) -> dict:
    """The YAML mapping in ``text`` (already read from ``where``); otherwise raise ``error``."""
    try:
        _check_events(text)
        doc = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except _Refused as exc:
        raise error(f"{where}: {_where(exc, text)}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise error(f"{where}: not valid YAML: {_where(exc, text)}: {_what(exc)}") from None
    except RecursionError:
        raise error(f"{where}: nested too deeply (at most {MAX_DEPTH} levels)") from None
    if doc is None and empty_ok:
        return {}
    if not isinstance(doc, dict):
        got = "an empty file" if doc is None else f"a {type(doc).__name__}"
        raise error(f"{where}: expected {expected}, got {got}")
    return doc


def read_mapping(path: str | Path, error: type[Exception], expected: str = "a mapping at the top level",
                 missing: str = "no such file", max_bytes: int = MAX_BYTES, empty_ok: bool = False) -> dict:
    """The YAML mapping in ``path``; otherwise raise ``error("<path>: ...")`` (see the module docstring)."""
    from .limits import path_problem

    problem = path_problem(path)
    if problem:
        raise error(f"{str(path)[:80]!r} {problem}")
    path = Path(path)
    if not path.is_file():
        raise error(f"{path}: {missing}" if not path.is_dir() else f"{path}: is a folder, not a YAML file")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise error(f"{path}: file is {size:,} bytes; at most {max_bytes:,} are read (is it the right file?)")
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise error(f"{path}: file is over {max_bytes:,} bytes (is it the right file?)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(f"{path}: line {line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); "
                    "save the file as UTF-8") from None
    return parse_mapping(text, str(path), error, expected, empty_ok)
