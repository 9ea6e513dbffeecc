"""A CJK font for the Chinese charts: find one, tell matplotlib about it, install it where we can.

Chinese chart labels (the dashboard in 中文) need a font with CJK glyphs; without one matplotlib
draws empty boxes, so the charts fall back to English labels. Two things go wrong on a fresh
machine: no CJK font is installed, or one is installed (fontconfig lists it) but matplotlib's font
cache (``~/.cache/matplotlib/fontlist-*.json``) was built before it and does not know it.

- :func:`cjk_family` (used by the charts): the first CJK family matplotlib knows; if it knows none
  but the system has CJK font files, they are added to this process's font manager first.
- :func:`plan` (pure): what the install step should do, from what it found.
- ``python -m simulate.views.dashboard.fonts`` (the Makefile's install step): carries the plan out —
  ``apt-get install fonts-noto-cjk`` (:mod:`.aptget`, shared with :mod:`.chromium`) when running as
  root on Debian/Ubuntu with apt-get, otherwise
  one line saying how to install it; a rebuild of matplotlib's font cache when a CJK font is present
  but unknown to it. It never fails: a missing font is a warning, the exit code is 0.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from . import aptget
from .aptget import is_debian  # noqa: F401  (the decision's input, named here for its callers)

#: CJK families, preferred first (Debian's fonts-noto-cjk gives the first).
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
             "SimHei", "Microsoft YaHei", "PingFang SC", "Noto Serif CJK SC", "AR PL UMing CN")
#: Font file names (lower case) that hold CJK glyphs, for systems without fontconfig.
CJK_FILE_HINTS = ("notosanscjk", "notoserifcjk", "sourcehansans", "wqy-", "wqy_", "simhei", "msyh", "pingfang",
                  "uming", "ukai")
PACKAGE = "fonts-noto-cjk"
ADVICE = (f"warning: no CJK font found, so the dashboard's Chinese charts fall back to English labels; "
          f"install one with `sudo apt-get install {PACKAGE}` (Debian/Ubuntu; other systems: any Noto Sans CJK "
          f"SC font), then run `make` again")


# ------------------------------------------------------------------ what is there
def matplotlib_families() -> set[str]:
    """Font families matplotlib's font manager knows (from its cache)."""
    from matplotlib import font_manager

    return {f.name for f in font_manager.fontManager.ttflist}


def known_cjk_family(families: set[str] | None = None) -> str | None:
    """The first of :data:`CJK_FONTS` among ``families`` (default: matplotlib's), or None."""
    families = matplotlib_families() if families is None else families
    return next((f for f in CJK_FONTS if f in families), None)


def system_cjk_files() -> list[str]:
    """CJK font files on the system: fontconfig's ``fc-list :lang=zh`` when it exists, else matplotlib's
    search of the system font folders filtered by file name."""
    if shutil.which("fc-list"):
        try:
            out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=30).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        files = sorted({line.split(":")[0].strip() for line in out.splitlines() if line.strip()})
        files = [f for f in files if Path(f).suffix.lower() in (".ttf", ".otf", ".ttc")]
        if files:
            return files
    from matplotlib import font_manager

    return sorted(f for f in font_manager.findSystemFonts()
                  if any(h in Path(f).name.lower() for h in CJK_FILE_HINTS))


@functools.lru_cache(maxsize=1)
def cjk_family() -> str | None:
    """A CJK family matplotlib can draw with, or None: the known one, or else the system's CJK font
    files added to this process's font manager (so a stale font cache does not cost the Chinese labels).
    Looked up once per process (every chart redraw asks; without a known family the lookup runs
    ``fc-list`` and adds font files): a font installed later is seen by the next process."""
    family = known_cjk_family()
    if family is not None:
        return family
    files = system_cjk_files()
    if not files:
        return None
    from matplotlib import font_manager

    for f in files:
        try:
            font_manager.fontManager.addfont(f)
        except Exception:  # an unreadable font file: skip it
            continue
    family = known_cjk_family()
    if family is None:  # a CJK font outside our list: take the first family the files gave
        names = []
        for f in files:
            try:
                names.append(font_manager.FontProperties(fname=f).get_name())
            except Exception:
                continue
        family = names[0] if names else None
    return family


# ------------------------------------------------------------------ what to do (pure)
@dataclass(frozen=True)
class Found:
    """What the install step found."""

    matplotlib_knows_cjk: bool   # matplotlib's font cache has a CJK family
    system_has_cjk: bool         # fontconfig (or the font folders) has a CJK font file
    is_root: bool
    has_apt_get: bool
    is_debian: bool              # Debian, Ubuntu or a derivative (/etc/os-release)


def plan(found: Found) -> list[str]:
    """The actions, in order: "ok" (nothing to do), "apt" (install fonts-noto-cjk), "rebuild"
    (matplotlib's font cache), "advise" (print how to install a font; nothing else can be done)."""
    if found.matplotlib_knows_cjk:
        return ["ok"]
    if found.system_has_cjk:
        return ["rebuild"]
    if found.is_root and found.has_apt_get and found.is_debian:
        return ["apt", "rebuild"]
    return ["advise"]


def find() -> Found:
    return Found(matplotlib_knows_cjk=known_cjk_family() is not None, system_has_cjk=bool(system_cjk_files()),
                 is_root=aptget.is_root(), has_apt_get=aptget.has_apt_get(), is_debian=aptget.is_debian())


# ------------------------------------------------------------------ doing it
def apt_install(run=subprocess.run, package: str = PACKAGE) -> bool:
    """``apt-get install fonts-noto-cjk`` (or ``package``): :func:`simulate.views.dashboard.aptget.apt_install`."""
    return aptget.apt_install(package, run=run, timeout=900)


def rebuild_cache(python: str = sys.executable) -> bool:
    """Remove matplotlib's font list cache and rebuild it in a fresh interpreter; True when the rebuilt
    cache knows a CJK family."""
    import matplotlib

    for f in Path(matplotlib.get_cachedir()).glob("fontlist-*.json"):
        f.unlink(missing_ok=True)
    code = ("from matplotlib import font_manager as fm; import sys; "
            f"sys.exit(0 if {{f.name for f in fm.fontManager.ttflist}} & set({list(CJK_FONTS)!r}) else 1)")
    try:
        return subprocess.run([python, "-c", code], timeout=600).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def ensure(found: Found | None = None, out=print) -> list[str]:
    """Carry out :func:`plan`; returns the actions taken. Prints one line per outcome; never raises."""
    found = find() if found is None else found
    actions = plan(found)
    done = []
    for action in actions:
        if action == "ok":
            out(f"CJK font: matplotlib has {known_cjk_family()} (Chinese chart labels)")
        elif action == "apt":
            out(f"CJK font: none found; installing {PACKAGE} with apt-get …")
            if not apt_install():
                out(f"warning: apt-get install {PACKAGE} failed; Chinese chart labels fall back to English")
                return done + ["apt-failed"]
        elif action == "rebuild":
            ok = rebuild_cache()
            out("CJK font: rebuilt matplotlib's font cache, which now has a CJK font" if ok else
                "warning: rebuilt matplotlib's font cache but it still has no CJK font from our list; "
                "the dashboard adds the system's CJK fonts when it draws Chinese charts")
        elif action == "advise":
            out(ADVICE)
        done.append(action)
    return done


def main() -> int:
    try:
        ensure()
    except Exception as exc:  # the install must never fail on a font
        print(f"warning: could not check for a CJK font ({type(exc).__name__}: {exc}); "
              f"Chinese chart labels may fall back to English")
    return 0


if __name__ == "__main__":
    sys.exit(main())
