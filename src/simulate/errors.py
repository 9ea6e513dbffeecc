"""The project's error types for bad input: one message naming the culprit, never a traceback.

Every error the workbench raises for a user's mistake — a scenario or grid
file, a district CSV, a command-line flag, a notebook parameter, a dashboard
value, an argument of the public Python API — is a :class:`SimulateError`.
Its ``str()`` is the whole message and names the culprit first (the file and
the dotted key, the file with its row and column, the flag, or the argument).
``simulate`` prints it as ``simulate CMD: error: MESSAGE`` and exits with 1;
anything else escaping a command is a bug, not a user error.

This module is a base module (like :mod:`simulate.provenance` and
:mod:`simulate.randomness`): every stage may import it, it imports nothing of
the package.
"""

from __future__ import annotations

__all__ = ["SimulateError", "InputError", "NotFoundError", "short"]


class SimulateError(Exception):
    """Base of every error for bad input; the message names the file, row, column, key, flag or argument."""


class InputError(SimulateError, ValueError):
    """A bad argument, flag or value (as opposed to a bad file): the message names it first."""


def short(value: object, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters (the middle elided), for messages: no error message
    ever embeds a whole object's repr."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + " …" + text[-3:]


class NotFoundError(InputError, KeyError):
    """A name looked up in a catalogue, table or tree that is not there: the message says which kind of
    name, the name (cut to 80 characters) and the closest known names ("did you mean …").

    It is a ``KeyError`` too (code catching ``KeyError`` keeps working) but prints its message plainly,
    not quoted as ``KeyError`` does."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""

    @classmethod
    def of(cls, what: str, name: object, known, n: int = 3, where: str = "") -> "NotFoundError":
        """The error for ``name`` (a ``what``: 'indicator', 'scenario', …) missing from ``known``."""
        import difflib

        known = [str(k) for k in known]
        hints = difflib.get_close_matches(str(name)[:200], known, n=n, cutoff=0.6) if isinstance(name, str) else []
        if hints:
            tail = " (did you mean " + ", ".join(f"'{h}'" for h in hints) + "?)"
        elif len(known) <= 12:
            tail = f" (known: {', '.join(known)})"
        else:
            tail = f" ({len(known)} known; e.g. {', '.join(known[:5])}, …)"
        return cls(f"{where + ': ' if where else ''}{what} {short(name)} not found{tail}")


class Lookup(dict):
    """A dict whose missing keys raise :class:`NotFoundError` naming ``what`` and the closest keys
    (``Comparison.samples[scenario][indicator]``)."""

    def __init__(self, what: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.what = what

    def __missing__(self, key):
        raise NotFoundError.of(self.what, key, list(self))

    def __reduce__(self):
        return (Lookup, (self.what, dict(self)))
