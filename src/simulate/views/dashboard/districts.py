"""The dashboard's district dropdown: which districts it lists, and switching the explorer to another.

Listed (:func:`district_options`): every district folder under the repository's ``data/``
(:func:`simulate.inputs.load.district_folders`: a folder holding ``schools.csv`` or ``enrolment.csv``,
as ``simulate validate`` recognises one; ``data/templates`` holds neither and is not listed), and the
district the dashboard started with, also when it came from elsewhere (``make dashboard
DISTRICT=/some/folder``, or a District built in Python).

Switching (:func:`switch_district`) loads the folder; a folder that does not load leaves the dashboard
on its district, with the loader's message (every problem, file, row and column) next to the dropdown.
Otherwise the explorer's state is rebuilt for the new district: the start scenario at its size (what
the sliders show, their ranges), the reference run (cached by the district's data hash, so going back
costs nothing), the introduction. The planner's lever edits follow the rule of "Start from": they are
kept and re-applied on top of the new start, and a message says how many; a lever that scales with
the district's size (support teachers, capital, …) is carried at the same amount per pupil, school or
teacher (as :func:`simulate.inputs.scaling.for_district` scales Banan's package), within its slider's
range on the new district; "Reset" discards the edits.
"""

from __future__ import annotations

import os
from pathlib import Path

from ...errors import InputError
from ...inputs.district import District, DistrictError
from ...inputs.load import district_folders, load_district
from .controls import BY_PATH, to_display, to_param
from .i18n import text
from .written import drop_written_elsewhere

__all__ = ["district_key", "district_options", "switch_district"]


def district_key(district: District) -> str:
    """The dropdown value of ``district``: its folder, resolved; a District built in Python (no folder)
    is known by its source and name."""
    source = Path(str(district.source))
    return str(source.resolve()) if source.is_dir() else f"{district.source}:{district.name}"


NAMES_FILE = "district_names.yaml"


def display_name(folder_name: str, lang: str = "en", data_dir: str | os.PathLike | None = None) -> str:
    """The district's name for people in ``lang``, from ``district_names.yaml`` in the data folder
    (default: the repository's ``data/``); the folder name when it is not listed (or the file is unreadable)."""
    import yaml

    from ...inputs.load import default_data_dir

    folder = Path(data_dir) if data_dir is not None else default_data_dir()
    try:
        names = yaml.safe_load((folder / NAMES_FILE).read_text(encoding="utf-8")) or {}
        entry = names.get(folder_name, {}) if isinstance(names, dict) else {}
        name = entry.get(lang) if isinstance(entry, dict) else None
    except (OSError, yaml.YAMLError):
        name = None
    return name if isinstance(name, str) and name.strip() else folder_name


def district_options(data_dir: str | os.PathLike | None = None,
                     current: District | None = None, lang: str = "en") -> list[tuple[str, str]]:
    """(label, value) of the dropdown: each district folder under ``data_dir`` (default: the repository's
    ``data/``) by its display name in ``lang`` (:func:`display_name`), then ``current`` if it is not one
    of them (labelled with where it is)."""
    options = [(display_name(folder.name, lang, data_dir), str(folder.resolve()))
               for folder in district_folders(data_dir)]
    if current is not None and district_key(current) not in {value for _, value in options}:
        options.append(option_of(current))
    return options


def district_title(district: District, lang: str = "en", data_dir: str | os.PathLike | None = None) -> str:
    """The display name of ``district`` (:func:`display_name` of its name) in ``lang``."""
    return display_name(district.name, lang, data_dir)


def option_of(district: District) -> tuple[str, str]:
    """(label, value) of a district that is not under the data folder: its name and where it is."""
    key = district_key(district)
    return f"{district.name} ({key if Path(key).is_absolute() else district.source})", key


def carried(path: str, value, old_factor: float, new_factor: float):
    """An edited lever value carried to a district of another size: a lever that scales with the
    district keeps its amount per pupil, school or teacher (``value`` × new / old factor, whole numbers
    rounded half up, as :func:`simulate.inputs.scaling.for_district` does); other levers keep their value."""
    lever = BY_PATH[path]
    if lever.choice or old_factor == new_factor or isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    moved = value * new_factor / old_factor
    return int(moved + 0.5) if isinstance(value, int) else float(moved)


def _within_slider(x, path: str, value):
    """``value`` kept inside the range of its slider (set for the new district; parameter units)."""
    lever, widget = BY_PATH[path], x.controls[path]
    if lever.choice or isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    clipped = min(max(value, to_param(lever, widget.min)), to_param(lever, widget.max))
    return int(round(clipped)) if isinstance(value, int) else float(clipped)


def _shown(path: str, value) -> str:
    """``value`` (parameter units) as its slider shows it."""
    shown = to_display(BY_PATH[path], value)
    return f"{shown:,}" if isinstance(shown, int) else f"{shown:,.4g}"


def _folder_key(folder):
    """A folder given to :func:`switch_district` as its dropdown value (resolved); anything else as it is,
    for :func:`~simulate.inputs.load.load_district` to name what is wrong with it."""
    if not isinstance(folder, (str, os.PathLike)) or isinstance(os.fspath(folder), bytes) or not str(folder).strip():
        return folder
    try:
        return str(Path(folder).resolve()) if Path(folder).is_dir() else str(folder)
    except (OSError, ValueError):  # e.g. a NUL byte in the text
        return str(folder)


def switch_district(x, folder: str | os.PathLike | District, keep_edits: bool = True) -> bool:
    """Switch explorer ``x`` to the district in ``folder`` (or a District): True when it did. A folder that
    does not load leaves ``x`` on its district, the message (``where="district"``) saying why."""
    lang, old = x.language, x.district
    if isinstance(folder, District):
        district, key = folder, district_key(folder)
    else:
        key = _folder_key(folder)
        known = getattr(x, "_start_district", None)
        district = known if known is not None and district_key(known) == key else None
    if key == district_key(old):
        x.view.show_district()
        return True
    if district is None:
        try:
            district = load_district(key)
        except (DistrictError, InputError, OSError) as exc:
            name = (Path(key).name or key) if isinstance(key, str) else f"{key!r:.40}"
            x.show_message(f"{text('district.failed', lang, district=name, current=district_title(old, lang, x.data_dir))}\n{exc}",
                           error=True, where="district")
            x.view.show_district()  # the dropdown back on the district still shown
            return False
    old_levers = x.start_levers
    old_factors = {p: x.range_factor(p) for p in BY_PATH}
    edits = {p: v for p, v in x.view.values().items() if v != old_levers.value(p)} if keep_edits else {}
    dropped = drop_written_elsewhere(x, district)  # a start or reference written for the district left
    x._use_district(district)
    x.view.load_levers(x.start_levers)
    x.view.show_district()
    x.view.relabel()  # the introduction names the district
    new = x.start_levers
    moved = {p: carried(p, v, old_factors[p], x.range_factor(p)) for p, v in edits.items()}
    edits = {p: _within_slider(x, p, v) for p, v in moved.items()}
    clipped = [text("district.clipped", lang, lever=BY_PATH[p].label[0 if lang == "en" else 1],
                    value=_shown(p, moved[p]), kept=_shown(p, edits[p]))
               for p in edits if edits[p] != moved[p]]
    edits = {p: v for p, v in edits.items() if v != new.value(p)}
    kept = x._reapply(edits)
    if kept is False:
        return True  # on the new district; the message says why the edits could not be kept
    title = district_title(district, lang, x.data_dir)
    message = text("district.edits_kept", lang, district=title, n=len(edits)) if kept else \
        text("district.switched", lang, district=title)
    x.show_message("\n".join([message, *dropped, *clipped]), where="district")
    if not kept:
        x.refresh()
    return True

