"""Chromium for the dashboard's browser test: find it, install it where we can.

``tests/views/test_dashboard_browser.py`` opens the Voilà dashboard in headless Chromium (through
Playwright, with the system's browser: never a browser download). Without Chromium that test is
skipped, so ``make test`` on a fresh machine would not run the whole suite. The Makefile's install
step therefore runs ``python -m simulate.views.dashboard.chromium``, as it runs the CJK font step
(:mod:`simulate.views.dashboard.fonts`):

- :func:`plan` (pure): "ok" when a Chromium is on the PATH; "apt" (``apt-get install chromium``)
  when running as root on Debian with apt-get; otherwise "advise" (one line saying how).
- :func:`apt_install`: :func:`simulate.views.dashboard.aptget.apt_install` (shared with the font step):
  quiet and non-interactive; ``apt-get update`` first only when apt's package lists do not know
  chromium yet (a fresh container has none).
- It never fails: a missing browser is a warning, the exit code is 0.

Ubuntu's ``chromium`` package only installs a snap, which does not run in containers, so apt-get is
used on Debian and its derivatives that are not Ubuntu; elsewhere the line says what to install.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass

from . import aptget
from .aptget import is_debian_not_ubuntu  # noqa: F401  (the decision's input, named here for its callers)

#: Names the browser test looks for, in order (Debian's package installs ``chromium``).
EXECUTABLES = ("chromium", "chromium-browser")
PACKAGE = "chromium"
ADVICE = (f"warning: no Chromium found, so `make test` skips the dashboard's browser test; install it with "
          f"`sudo apt-get install {PACKAGE}` (Debian; elsewhere a Chromium named chromium on the PATH), "
          f"then run `make test` again")


@dataclass(frozen=True)
class Found:
    """What the install step found."""

    chromium: str | None   # the executable on the PATH, if any
    is_root: bool
    has_apt_get: bool
    is_debian: bool        # Debian or a derivative that is not Ubuntu (/etc/os-release)


def plan(found: Found) -> str:
    """"ok" (nothing to do), "apt" (install chromium with apt-get) or "advise" (say how)."""
    if found.chromium:
        return "ok"
    if found.is_root and found.has_apt_get and found.is_debian:
        return "apt"
    return "advise"


def chromium_path() -> str | None:
    return next((p for p in map(shutil.which, EXECUTABLES) if p), None)


def find() -> Found:
    return Found(chromium=chromium_path(), is_root=aptget.is_root(), has_apt_get=aptget.has_apt_get(),
                 is_debian=aptget.is_debian_not_ubuntu())


def apt_install(run=subprocess.run) -> bool:
    """``apt-get install chromium`` (:func:`simulate.views.dashboard.aptget.apt_install`)."""
    return aptget.apt_install(PACKAGE, run=run)


def ensure(found: Found | None = None, out=print) -> str:
    """Carry out :func:`plan`; returns the outcome ("ok", "apt", "apt-failed", "advise"). One line; never raises."""
    found = find() if found is None else found
    action = plan(found)
    if action == "ok":
        out(f"Chromium: {found.chromium} (for the dashboard's browser test)")
    elif action == "apt":
        out(f"Chromium: none found; installing {PACKAGE} with apt-get for the dashboard's browser test …")
        if not apt_install() or chromium_path() is None:
            out(f"warning: apt-get install {PACKAGE} failed; `make test` skips the dashboard's browser test")
            return "apt-failed"
    else:
        out(ADVICE)
    return action


def main() -> int:
    try:
        ensure()
    except Exception as exc:  # the install must never fail on the test browser
        print(f"warning: could not check for Chromium ({type(exc).__name__}: {exc}); "
              f"`make test` may skip the dashboard's browser test")
    return 0


if __name__ == "__main__":
    sys.exit(main())
