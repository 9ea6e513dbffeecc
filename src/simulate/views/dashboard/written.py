"""Scenarios written for a district, in the dashboard (issue 20).

A scenario is written for a district when it says ``district:`` or lies in the district's folder
(:mod:`simulate.inputs.scenario`); its own numbers then run as written there, not scaled from Banan's
(:func:`simulate.inputs.scaling.for_district` leaves them alone, so the sliders show them as written,
while the leaves it does not change are still Banan's, scaled). What the dashboard does with them:

* **Lists** them: beside ``params/scenarios``, the start and reference dropdowns offer the scenario files
  of the loaded district's folder (``DIR/*.yaml`` and ``DIR/scenarios/*.yaml``, not its calibration and
  targets files), by path
  (:func:`scenario_options`, :func:`scenario_key`).
* **Refuses** to start from, or compare with, a scenario written for another district: the engine would
  refuse to run it (its numbers were meant for that district), so the dashboard says so and keeps what
  it had (:func:`written_elsewhere`). On switching district, a start or reference written for the old
  district is replaced by ``baseline`` and the message says so.
* **Saves** a scenario started from one written for the loaded district with ``district:`` naming the
  district (:func:`district_entry`: its folder name when it is under the data folder, else its path),
  changes as plain values (they run as written there) and ``extends:`` the start by name, or by path
  when the start is a file of the district's folder. A scenario started from a Banan scenario is saved as
  before: its changed scaled levers as ``{value: V, scale_with: none}``, no ``district:``.
"""

from __future__ import annotations

from pathlib import Path

from ...inputs.folders import default_data_dir, is_district_folder
from ...inputs.scenario import Scenario, ScenarioError, available_scenarios, load_scenario, params_dir

__all__ = ["scenario_key", "district_folder", "district_scenario_files", "scenario_options", "written_elsewhere",
           "written_here", "drop_written_elsewhere", "district_entry"]


def scenario_key(scenario: Scenario) -> str:
    """What the dropdowns hold for ``scenario``: the path of its file when that lies in a district folder
    (or its ``scenarios/``) or when no scenario of its name is in params/scenarios; else its name."""
    name, source = scenario.name, Path(str(scenario.source))
    try:
        if not source.is_file():
            return name
        in_district = any(is_district_folder(d) for d in (source.parent, source.parent.parent))
        by_name = name == "baseline" or (params_dir() / "scenarios" / f"{name}.yaml").is_file()
    except OSError:
        return name
    return str(source.resolve()) if in_district or not by_name else name


def district_folder(district) -> Path | None:
    """The folder ``district`` was loaded from (None for a district made in memory)."""
    source = Path(str(district.source))
    return source.resolve() if source.is_dir() else None


#: files of a district folder that are not scenarios (as ``simulate validate`` reads a district folder)
NOT_SCENARIOS = ("calibration.yaml", "targets.yaml")


def district_scenario_files(district) -> list[Path]:
    """Scenario files (.yaml, .yml) of the district's folder, then of its ``scenarios/`` folder, by name;
    the district's calibration and targets files are not scenarios."""
    folder = district_folder(district)
    if folder is None:
        return []
    return [f for d in (folder, folder / "scenarios") for f in sorted([*d.glob("*.yaml"), *d.glob("*.yml")])
            if f.is_file() and f.name not in NOT_SCENARIOS]


def scenario_options(lang: str, district, title, also=()) -> list[tuple[str, str]]:
    """(title, key) of every scenario for the dropdowns: params/scenarios by name, then the district
    folder's files by path, their titles marked with the district (``title(scenario, lang)`` words one),
    then the scenarios ``also`` not listed yet. A file that does not load is listed by its name (choosing
    it says why)."""
    out = []
    for name in available_scenarios():
        try:
            out.append((title(load_scenario(name), lang), name))
        except ScenarioError:
            out.append((name, name))
    for path in district_scenario_files(district) if district is not None else ():
        try:
            shown = title(load_scenario(path), lang)
        except ScenarioError:
            shown = path.stem
        out.append((f"{shown} ({district.name})", str(path)))
    listed = {key for _, key in out}
    for scenario in also:
        key = scenario_key(scenario)
        if key not in listed:
            listed.add(key)
            out.append((title(scenario, lang), key))
    return out


def written_here(scenario: Scenario, district) -> bool:
    """Whether ``scenario`` is written for ``district`` (its own numbers run as written there)."""
    folder = district_folder(district)
    return scenario.written_for is not None and folder is not None and scenario.written_for == str(folder)


def written_elsewhere(scenario: Scenario, district) -> bool:
    """Whether ``scenario`` is written for another district than ``district`` (the engine refuses it)."""
    return scenario.written_for is not None and not written_here(scenario, district)


def drop_written_elsewhere(x, district) -> list[str]:
    """Before explorer ``x`` moves to ``district``: a start or reference scenario written for another
    district becomes ``baseline``; the messages saying so, in ``x``'s language."""
    from .charts import scenario_title
    from .i18n import text

    lang, out = x.language, []
    for attr, what in (("start_scenario", "start"), ("reference_scenario", "reference")):
        scenario = getattr(x, attr)
        if written_elsewhere(scenario, district):
            baseline = load_scenario("baseline")
            setattr(x, attr, baseline)
            out.append(text("written.dropped", lang, scenario=scenario_title(scenario, lang), what=text(what, lang),
                            kept=scenario_title(baseline, lang), district=district.name))
    return out


def district_entry(scenario: Scenario) -> str | None:
    """The ``district:`` of a file saved under params/scenarios from ``scenario``: the folder it is written
    for, by name when that folder is under the data folder, else by path; None when written for Banan."""
    if scenario.written_for is None:
        return None
    folder = Path(scenario.written_for)
    try:
        if folder.parent.resolve() == default_data_dir().resolve():
            return folder.name
    except OSError:
        pass
    return str(folder)
