"""Installing a Debian package from the Makefile's install step: the decision and the apt-get call
shared by :mod:`.fonts` (``fonts-noto-cjk``) and :mod:`.chromium` (``chromium``).

- :func:`os_release_ids`: the distribution and what it derives from (``ID`` and ``ID_LIKE`` of
  /etc/os-release); :func:`is_debian` (Debian, Ubuntu or a derivative) and
  :func:`is_debian_not_ubuntu` (where Debian's ``chromium`` is a real package, not Ubuntu's snap);
- :func:`is_root`, :func:`has_apt_get`: whether apt-get can be run here at all;
- :func:`apt_install`: quiet and non-interactive; ``apt-get update`` first only when apt's package
  lists do not know the package yet (a fresh container has none). True when it succeeded; never raises.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path


def os_release_ids(os_release: str | None = None) -> set[str]:
    """``ID`` and the words of ``ID_LIKE`` (lower case) from the text of /etc/os-release (read when not
    given; empty when it cannot be read)."""
    if os_release is None:
        try:
            os_release = Path("/etc/os-release").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return set()
    fields = {}
    for line in os_release.splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            fields[k.strip()] = v.strip().strip('"').lower()
    return ({fields.get("ID", "")} | set(fields.get("ID_LIKE", "").split())) - {""}


def is_debian(os_release: str | None = None) -> bool:
    """Debian, Ubuntu or a derivative."""
    return bool(os_release_ids(os_release) & {"debian", "ubuntu"})


def is_debian_not_ubuntu(os_release: str | None = None) -> bool:
    """Debian or a derivative other than Ubuntu and its derivatives."""
    ids = os_release_ids(os_release)
    return "debian" in ids and "ubuntu" not in ids


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def has_apt_get() -> bool:
    return shutil.which("apt-get") is not None


def apt_install(package: str, run=subprocess.run, timeout: float = 1800) -> bool:
    """``apt-get install package``, quiet and non-interactive, after ``apt-get update`` when the package
    lists do not know ``package`` (``apt-cache show`` finds nothing); True when it succeeded."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        known = run(["apt-cache", "show", package], timeout=120, env=env, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL).returncode == 0
        steps = ([] if known else [["apt-get", "update", "-qq"]]) + [
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", package]]
        for cmd in steps:
            if run(cmd, env=env, stdout=subprocess.DEVNULL, timeout=timeout).returncode != 0:
                return False
    except (OSError, subprocess.SubprocessError):
        return False
    return True
