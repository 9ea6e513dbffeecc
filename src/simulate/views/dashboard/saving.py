"""Saving the dashboard's levers as a scenario file (:func:`save_scenario`).

``params/scenarios/NAME.yaml`` with ``extends:`` the start scenario and only the changed paths under
``changes:``. The name must be a lower-case identifier (not ``baseline``); an existing file is
replaced only when asked; it is written to a temporary file and renamed into place (never half a
file), checked to load back with the same ``params_hash``, and if it does not, what was there before
is put back. A scaled lever the planner changed is written ``{value: V, scale_with: none}``: the file
means what was shown.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ...errors import InputError
from ...inputs.scenario import Scenario, ScenarioError, load_scenario, params_dir
from ...provenance import OutputError, write_file_atomically
from .i18n import text

NAME_RULE = re.compile(r"^[a-z][a-z0-9_]{0,59}$")


class SaveError(InputError):
    """Why a scenario could not be saved: ``key`` and ``fields`` of its message in :mod:`.i18n` (so the
    dashboard says it in the planner's language); ``str()`` is the English message."""

    def __init__(self, key: str, **fields):
        self.key, self.fields = key, fields
        super().__init__(text(key, "en", **fields))

    def text(self, lang: str) -> str:
        return text(self.key, lang, **self.fields)


def check_scenario_name(name: str, overwrite: bool = False, folder: Path | None = None) -> Path:
    """The file a new scenario ``name`` would be saved to; ValueError naming the problem if
    the name is not a lower-case identifier, is reserved, or exists (unless ``overwrite``)."""
    folder = params_dir() / "scenarios" if folder is None else folder
    if not isinstance(name, str) or not NAME_RULE.fullmatch(name):
        raise SaveError("save.bad_name", name=f"{name!r:.60}")
    if name == "baseline":
        raise SaveError("save.reserved")
    path = folder / f"{name}.yaml"
    if path.exists() and not overwrite:
        raise SaveError("save.exists", path=path)
    return path


def check_title(title) -> str | None:
    """A scenario title from the dashboard: None (a default is made) or one line of at most 200 characters."""
    if title is None:
        return None
    if not isinstance(title, str) or len(title) > 200 or any(c in title for c in "\r\n\x00"):
        raise SaveError("save.bad_title", title=f"{title!r:.60}")
    return title


def save_scenario(scenario: Scenario, start: Scenario, name: str, title: str | None = None,
                  overwrite: bool = False, shown_start: Scenario | None = None, *, extends: str | None = None,
                  district: str | None = None) -> Path:
    """Write ``scenario`` as ``params/scenarios/NAME.yaml``: ``extends:`` the start scenario,
    only the changed paths under ``changes:``; checks that it loads back identically.

    ``shown_start``: the start scenario as the levers showed it (scaled to the district's size,
    :func:`simulate.inputs.scaling.for_district`); changes are taken against it, and a changed leaf
    that scales with the district is written as an absolute value, ``{value: V, scale_with: none}``,
    so the file means what the planner saw (scaling it again would change it). Unchanged scaled
    leaves stay as the start has them (Banan's value, scaled to whichever district runs the file).

    ``extends``: how the file names the start (default its name; a path for a start that is not in
    params/scenarios). ``district``: the ``district:`` the file says (a start written for a district:
    :mod:`simulate.views.dashboard.written`); changes are then plain values, run as written there."""
    path = check_scenario_name(name, overwrite)
    title = check_title(title)
    base = start if shown_start is None else shown_start
    changed = scenario.changed_paths(base)
    absolute = {p for p in changed if start.leaves[p].get("scale_with") not in (None, "none")
                and scenario.leaves[p].get("scale_with") == "none"} if district is None else set()
    changes = {p: {"value": scenario.value(p), "scale_with": "none"} if p in absolute else scenario.value(p)
               for p in changed}
    summary = "; ".join(f"{p}: {base.value(p)!r} → {scenario.value(p)!r}" + (" (absolute)" if p in absolute else "")
                        for p in changed) or "no changes"
    named = start.with_changes(changes, name=name, title=title or f"{start.title} (edited)",
                               description=f"Saved from the planner dashboard, starting from '{start.name}': {summary}.")
    doc = {"name": named.name, "title": named.title, "description": named.description,
           "extends": extends or start.name, **({"district": district} if district else {}),
           "changes": {p: changes.get(p, named.leaves[p]["value"]) for p in named.changed_paths(start)}}
    text_ = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    previous = path.read_bytes() if overwrite and path.is_file() and not path.is_symlink() else None
    try:  # temporary file + rename; without overwrite, an existing file (even one created meanwhile) is kept
        write_file_atomically(path, text_, overwrite=overwrite)
    except OutputError:
        raise SaveError("save.exists", path=path) from None

    def undo() -> None:  # put back what was there before
        if previous is None:
            path.unlink(missing_ok=True)
        else:
            write_file_atomically(path, previous, overwrite=True)

    try:
        again = load_scenario(name)
    except ScenarioError:
        undo()
        raise
    if again.params_hash != named.params_hash:
        undo()
        raise SaveError("save.not_identical", path=path)
    return path
