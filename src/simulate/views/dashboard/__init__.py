"""The planners' dashboard (ipywidgets, served by Voilà): ``ScenarioExplorer`` and its parts.

``app`` (the explorer: state, runs, outputs), ``controls`` (levers from the schema,
ranges, shares, saving a scenario), ``view`` (widgets, table, charts), ``districts`` (the district
dropdown: which districts, switching), ``written`` (scenarios written for a district: listed, run
as written, refused elsewhere, saved with ``district:``), ``drivers`` ("what drives
this difference": Shapley attribution over the changed lever groups), ``fonts`` (a CJK font for
the Chinese charts; the install step's font check) and ``i18n`` (English/Chinese labels and
number formats).
"""

from .app import ScenarioExplorer
from .outputs import widget_latency, write_dashboard_outputs

__all__ = ["ScenarioExplorer", "widget_latency", "write_dashboard_outputs"]
