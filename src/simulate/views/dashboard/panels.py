"""The planner dashboard's two computed panels, as methods of the view: "Run with uncertainty" (N
parameter draws against the reference, expected mode, with a progress bar) and "What drives this difference?"
(Shapley attribution over the changed lever groups, computed on its button)."""

from __future__ import annotations

import html

from .charts import scenario_title
from .i18n import text


class AnalysisPanels:
    """Mixed into :class:`simulate.views.dashboard.view.View` (which owns the widgets)."""

    def _run_uncertainty(self) -> None:
        self.progress.layout.visibility = "visible"
        self.progress.value, self.run.disabled = 0, True

        def tick(done, total):
            self.progress.max, self.progress.value = total, done

        try:
            self.x.run_uncertainty(int(self.draws.value), on_progress=tick)
            self.unc_note.value = "<i>" + html.escape(
                text("uncertainty_note", self.x.language, draws=self.draws.value) + " "
                + text("uncertainty_stale", self.x.language)) + "</i>"
        except Exception as exc:  # shown to the planner, not as a traceback
            self.x.show_message(f"{text('uncertainty_failed', self.x.language)}: {type(exc).__name__}: {exc}", error=True)
        finally:
            self.run.disabled = False

    def _explain(self) -> None:
        """The "what drives this difference" button: compute (with progress), then show the table."""
        lang = self.x.language
        self.drivers_progress.layout.visibility = "visible"
        self.drivers_progress.value, self.drivers_button.disabled = 0, True
        self.drivers_table.value = ""
        self.drivers_status.value = f"<i>{html.escape(text('busy', lang))}</i>"

        def tick(done, total):
            self.drivers_progress.max, self.drivers_progress.value = total, done
            self.drivers_status.value = f"<i>{html.escape(text('drivers_computing', lang, done=done, total=total))}</i>"

        try:
            self.x.explain_difference(on_progress=tick)
        except Exception as exc:  # shown beside the button, not as a traceback
            self.drivers_status.value = (f"<span style='color:#a40000'>{html.escape(text('error', lang))}: "
                                         f"{html.escape(f'{type(exc).__name__}: {exc}')}</span>")
        finally:
            self.drivers_button.disabled = False
            self.drivers_progress.layout.visibility = "hidden"

    def show_drivers(self, none: bool = False) -> None:
        """The panel from ``explorer.attribution``: its table; "nothing differs" (``none``); or, once a
        split was shown and the levers or reference changed since, a note to press the button again."""
        x, lang = self.x, self.x.language
        self.drivers_intro.value = (f"<div style='font-size:90%;color:#555'>"
                                    f"{html.escape(text('drivers_intro', lang, ref=scenario_title(x.reference_scenario, lang)))}</div>")
        if none:
            self.drivers_table.value = ""
            self.drivers_status.value = f"<i>{html.escape(text('drivers_none', lang, ref=scenario_title(x.reference_scenario, lang)))}</i>"
            return
        if x.attribution is not None:
            from .drivers import drivers_html

            self._drivers_shown = True
            self.drivers_table.value = drivers_html(x.attribution, lang)
            self.drivers_status.value = ""
            return
        self.drivers_table.value = ""
        self.drivers_status.value = (f"<i>{html.escape(text('drivers_stale', lang))}</i>"
                                     if self._drivers_shown else "")
