"""Drawing the dashboard's charts, debounced: :class:`ChartDrawing`, a part of
:class:`simulate.views.dashboard.view.View`.

In a kernel the charts are redrawn ``CHART_DELAY`` seconds after the last change (a timer on the
kernel's event loop), so a burst of key presses or slider releases refreshes the numbers each time
but draws the charts once; without an event loop (tests, scripts) at once. A cell that blocks the
kernel's loop (the preheated kernel waiting for its page) first draws what is pending
(:meth:`ChartDrawing.draw_pending_charts`).
"""

from __future__ import annotations

from .charts import CHARTS, chart_text, png
from .i18n import text

CHART_DELAY = 0.3  # seconds of quiet before the charts are redrawn (debounce)


class ChartDrawing:
    """Needs ``self.x`` (the explorer), ``self.charts`` and ``self.chart_texts`` (widgets by chart key),
    ``self.outside`` (its ``show_charts``) and ``self._chart_timer`` (None at first)."""

    def show_charts(self) -> None:
        """Redraw the charts: at once without an event loop (tests, scripts); in a kernel,
        CHART_DELAY seconds after the last change, so a burst of key presses or
        slider releases refreshes the numbers each time but draws the charts once."""
        loop = _running_loop()
        if loop is None:
            self._draw_charts()
            return
        if self._chart_timer is not None:
            self._chart_timer.cancel()
        self._chart_timer = loop.call_later(CHART_DELAY, self._draw_charts)

    def draw_pending_charts(self) -> None:
        """Draw now the charts whose debounce is pending (before a cell blocks the kernel's loop)."""
        if self._chart_timer is not None:
            self._chart_timer.cancel()
            self._draw_charts()

    def _draw_charts(self) -> None:
        self._chart_timer = None
        try:
            for k, image in self.charts.items():
                fig = CHARTS[k](self.x)
                image.value = png(fig)
                self.chart_texts[k].value = chart_text(k, self.x)
            self.outside.show_charts()
        except Exception as exc:  # shown to the planner, not as a traceback
            self.x.show_message(f"{text('charts_failed', self.x.language)}: {type(exc).__name__}: {exc}", error=True)


def _running_loop():
    import asyncio

    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
