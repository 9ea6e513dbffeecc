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

__all__ = ["SimulateError", "InputError"]


class SimulateError(Exception):
    """Base of every error for bad input; the message names the file, row, column, key, flag or argument."""


class InputError(SimulateError, ValueError):
    """A bad argument, flag or value (as opposed to a bad file): the message names it first."""
