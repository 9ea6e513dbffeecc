"""Checks of arguments — public API, command-line flags, notebook parameters, grid files — and the bounds
that follow from the model.

Every check raises :class:`~simulate.errors.InputError` (a ``ValueError``) whose
message starts with the argument's name (``years``, ``--draws``, …), so the
same rule gives the same message wherever the value came from. The argparse
types (:func:`int_flag`, :func:`real_flag`) apply them to the text of a flag:
argparse then prints one line, ``simulate CMD: error: argument --years: …``.

Bounds (chosen here, documented in docs/manual/reliability.md):

- ``years``: 1 to :data:`MAX_YEARS` (50: a school generation; the parameter
  schedules and cohort growth are not meant for longer);
- ``seed``: 0 to 2³²−1;
- ``draws``: 1 to :data:`MAX_DRAWS`, and no more than fit in
  :data:`MEMORY_BUDGET_BYTES` (4 GiB, or ``$SIMULATE_MEMORY_BUDGET_BYTES``):
  a draw keeps about :data:`KEPT_BYTES_PER_DRAW_YEAR` bytes per scenario and
  year (its indicators as float64; the cell arrays are processed in chunks, see
  :func:`simulate.analysis.batches.default_chunk`) — the refusal says how many
  draws fit;
- ``interval``: strictly between 0 and 1.
"""

from __future__ import annotations

import argparse
import math
import os
import re
from typing import Callable

import numpy as np

from ..errors import InputError

__all__ = [
    "MAX_YEARS", "MAX_SEED", "MAX_DRAWS", "MEMORY_BUDGET_BYTES", "KEPT_BYTES_PER_DRAW_YEAR",
    "check_int", "check_real", "check_years", "check_seed", "check_interval", "check_choice", "check_draws",
    "max_draws", "int_flag", "real_flag", "reals_flag", "draws_flag", "name_flag", "path_flag", "path_problem", "gib",
    "check_district",
]

MAX_YEARS = 50
MAX_SEED = 2**32 - 1
MAX_DRAWS = 1_000_000
KEPT_BYTES_PER_DRAW_YEAR = 8 * 256  # ≈ 200 indicators per draw and year, as float64, with headroom


def _budget() -> int:
    text = os.environ.get("SIMULATE_MEMORY_BUDGET_BYTES", "")
    return int(text) if text.isdigit() and int(text) > 0 else 4 * 2**30


MEMORY_BUDGET_BYTES = _budget()


def gib(n: float) -> str:
    """Bytes for people: '3.2 GiB', '410 MiB'."""
    return f"{n / 2**30:,.1f} GiB" if n >= 2**30 else f"{n / 2**20:,.0f} MiB"


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:55] + " …"


# ------------------------------------------------------------------ values (API, parameter files)
def check_int(value: object, name: str, lo: int | None = None, hi: int | None = None) -> int:
    """``value`` as an int if it is an integer (not a bool, not 3.0, not "3") within [lo, hi]."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InputError(f"{name}: expected {_range('an integer', lo, hi)}, got {_shown(value)}")
    value = int(value)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise InputError(f"{name}: expected {_range('an integer', lo, hi)}, got {value:,}")
    return value


def check_real(value: object, name: str, lo: float | None = None, hi: float | None = None,
               open_lo: bool = False, open_hi: bool = False) -> float:
    """``value`` as a float if it is a finite number (not a bool or text) within the bounds."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(value):
        raise InputError(f"{name}: expected {_range('a finite number', lo, hi, open_lo, open_hi)}, got {_shown(value)}")
    value = float(value)
    if (lo is not None and (value <= lo if open_lo else value < lo)) or \
            (hi is not None and (value >= hi if open_hi else value > hi)):
        raise InputError(f"{name}: expected {_range('a number', lo, hi, open_lo, open_hi)}, got {value:g}")
    return value


def _range(noun: str, lo, hi, open_lo: bool = False, open_hi: bool = False) -> str:
    f = (lambda v: f"{v:,}") if noun == "an integer" else (lambda v: f"{v:g}")
    if lo is not None and hi is not None:
        if open_lo or open_hi:
            return f"{noun} {'>' if open_lo else '≥'} {f(lo)} and {'<' if open_hi else '≤'} {f(hi)}"
        return f"{noun} from {f(lo)} to {f(hi)}"
    if lo is not None:
        return f"{noun} {'>' if open_lo else '≥'} {f(lo)}"
    if hi is not None:
        return f"{noun} {'<' if open_hi else '≤'} {f(hi)}"
    return noun


def check_years(value: object, name: str = "years") -> int:
    return check_int(value, name, 1, MAX_YEARS)


def check_seed(value: object, name: str = "seed") -> int:
    return check_int(value, name, 0, MAX_SEED)


def check_interval(value: object, name: str = "interval") -> float:
    return check_real(value, name, 0.0, 1.0, open_lo=True, open_hi=True)


def check_choice(value: object, name: str, options) -> str:
    if not isinstance(value, str) or value not in options:
        raise InputError(f"{name}: expected one of {', '.join(map(str, options))}, got {_shown(value)}")
    return value


def max_draws(years: int, scenarios: int = 1, budget: int | None = None) -> int:
    """How many draws of ``scenarios`` scenarios over ``years`` years fit in the memory budget."""
    budget = MEMORY_BUDGET_BYTES if budget is None else budget
    per_draw = KEPT_BYTES_PER_DRAW_YEAR * max(years, 1) * max(scenarios, 1)
    return int(max(1, min(MAX_DRAWS, budget // per_draw)))


def check_draws(value: object, name: str = "draws", years: int = 7, scenarios: int = 1) -> int:
    """``draws`` as an int from 1 to what fits (see :func:`max_draws`); the refusal says how many fit."""
    draws = check_int(value, name, 1, MAX_DRAWS)
    fit = max_draws(years, scenarios)
    if draws > fit:
        need = KEPT_BYTES_PER_DRAW_YEAR * years * scenarios * draws
        raise InputError(
            f"{name}: {draws:,} draws of {scenarios} scenario{'s' if scenarios != 1 else ''} over {years} "
            f"year{'s' if years != 1 else ''} would keep about {gib(need)} of results in memory (budget "
            f"{gib(MEMORY_BUDGET_BYTES)}, $SIMULATE_MEMORY_BUDGET_BYTES): at most {fit:,} draws fit")
    return draws


# ------------------------------------------------------------------ command-line flags (argparse types)
_INT_TEXT = re.compile(r"[+-]?\d{1,30}")


def int_flag(lo: int | None = None, hi: int | None = None) -> Callable[[str], int]:
    """An argparse ``type``: an integer written in digits within [lo, hi] (no '1e9', no '3.0')."""
    def parse(text: str) -> int:
        if not _INT_TEXT.fullmatch(text.strip()):
            raise argparse.ArgumentTypeError(f"expected {_range('an integer', lo, hi)}, got {_shown(text)}")
        value = int(text)
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(f"expected {_range('an integer', lo, hi)}, got {text.strip()}")
        return value
    parse.__name__ = "integer"
    return parse


def real_flag(lo: float | None = None, hi: float | None = None, open_lo: bool = False,
              open_hi: bool = False) -> Callable[[str], float]:
    """An argparse ``type``: a finite number within the bounds (no 'nan', no 'inf')."""
    def parse(text: str) -> float:
        expected = _range("a finite number", lo, hi, open_lo, open_hi)
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {_shown(text)}") from None
        if not math.isfinite(value) or (lo is not None and (value <= lo if open_lo else value < lo)) or \
                (hi is not None and (value >= hi if open_hi else value > hi)):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {_shown(text)}")
        return value
    parse.__name__ = "number"
    return parse


def draws_flag(text: str) -> int:
    """``--draws``: an integer from 1 to :data:`MAX_DRAWS` (what fits in memory is checked once the run's
    years and scenarios are known)."""
    return int_flag(1, MAX_DRAWS)(text)


draws_flag.__name__ = "integer"


def check_district(value: object, name: str = "district"):
    """``value`` if it is a :class:`~simulate.inputs.district.District` or None (the default district)."""
    from .district import District

    if value is not None and not isinstance(value, District):
        raise InputError(f"{name}: expected a District (from simulate.load_district(...)) or None, "
                         f"got {_shown(value)}")
    return value


_NAME = re.compile(r"\w[\w-]{0,99}")


def name_flag(text: str) -> str:
    """An argparse ``type`` for a name (a district's, a run's): 1–100 letters, digits, '_' or '-'."""
    if not _NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(f"expected a name of 1–100 letters, digits, '_' or '-', got {_shown(text)}")
    return text


name_flag.__name__ = "name"


MAX_LIST = 100  # numbers in one comma-separated flag (e.g. --frontier budgets)


def reals_flag(lo: float | None = None, hi: float | None = None) -> Callable[[str], list[float]]:
    """An argparse ``type``: comma-separated finite numbers within [lo, hi], at most :data:`MAX_LIST`."""
    one = real_flag(lo, hi)

    def parse(text: str) -> list[float]:
        parts = [p.strip() for p in text.split(",")]
        if not text.strip() or len(parts) > MAX_LIST:
            raise argparse.ArgumentTypeError(f"expected 1 to {MAX_LIST} comma-separated numbers, got {_shown(text)}")
        return [one(p) for p in parts]
    parse.__name__ = "numbers"
    return parse


def path_problem(path) -> str | None:
    """Why ``path`` cannot name a file on this system (None if it can): too long, a NUL byte."""
    text = os.fspath(path)
    if "\x00" in text:
        return "contains a NUL character"
    if len(text.encode("utf-8", "surrogateescape")) > 4096 or any(
            len(part.encode("utf-8", "surrogateescape")) > 255 for part in text.split(os.sep)):
        return "is too long for a path (at most 255 bytes a name, 4,096 in all)"
    return None


def path_flag(text: str) -> str:
    """An argparse ``type`` for an input path (``--district``, ``--targets``, a grid file): not empty
    (an empty value would silently mean the current folder or the default), not too long."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a path, got an empty value")
    problem = path_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(f"{_shown(text)} {problem}")
    return text


path_flag.__name__ = "path"
