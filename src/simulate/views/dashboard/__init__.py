"""The planners' dashboard (ipywidgets, served by Voilà): ``ScenarioExplorer`` and its parts.

``app`` (the explorer: state, runs, outputs), ``controls`` (levers from the schema,
ranges, shares, saving a scenario), ``view`` (widgets, table, charts) and ``i18n``
(English/Chinese labels and number formats).
"""

from .app import ScenarioExplorer, widget_latency, write_dashboard_outputs

__all__ = ["ScenarioExplorer", "widget_latency", "write_dashboard_outputs"]
