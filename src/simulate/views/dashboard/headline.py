"""The headline table of the planner dashboard: which rows, which way is better, cost-effectiveness
against the reference, and the uncertainty run's intervals (pure functions of indicator frames).

Headline year: the last simulated year (default 7 years, 2019 → 2025), when the levers have had time
to act. The table leads with time out of school: child-years out of school so far and children who
left and had not returned (:mod:`simulate.model.outcomes`); cost per child-year of schooling kept
and, secondary, per dropout averted are cumulative over all years (extra yuan ÷ effect vs the
reference), "n/a" when less than one is kept or averted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...inputs.district import District
from ...inputs.scenario import Scenario
from ...measures.balance import THRESHOLD_2012, THRESHOLD_2017, comparison_indicators, context
from ...model.engine import cells_of, simulate
from ...model.outcomes import closer_to_zero_is_better, is_better, lower_is_better, year_indicators
from .i18n import fmt, shown_change, text

# (indicator, kind for fmt): the headline table, top to bottom.
HEADLINE = (
    ("child_years_out_of_school.cumulative.total", "child_years"), ("children_never_returned.total", "count"),
    ("dropout_rate.primary", "pct"), ("dropout_rate.junior", "pct"),
    ("dropout_rate.primary.poor_rural", "pct"), ("dropout_rate.junior.poor_rural", "pct"),
    ("consolidation_rate.nine_year", "pct"),
    ("dropout_gap.urban_rural.junior", "pp"), ("dropout_gap.poor.junior", "pp"),
    ("learning_gap.urban_rural", "sd"), ("learning_gap.poor", "sd"),
    ("ptr.rural", "ptr"), ("ptr.mountain", "ptr"),
    ("cv.spending_per_pupil.primary", "cv"), ("cv.spending_per_pupil.junior", "cv"),
    ("cv.ptr.primary", "cv"), ("cv.ptr.junior", "cv"),
    ("balance.composite.primary", "cv"), ("balance.composite.junior", "cv"),
    ("cost.policy_levers.all_years", "yuan"), ("cost.capital.all_years", "yuan"),
    ("cost.recurrent_base", "yuan"), ("cost.total", "yuan"),
    ("ce.extra_yuan", "yuan"), ("ce.child_years_kept", "child_years"), ("ce.yuan_per_child_year_kept", "yuan"),
    ("ce.children_never_returned_averted", "count"), ("ce.dropouts_averted", "count"),
    ("ce.yuan_per_dropout_averted", "yuan"),
)
# rows summed over every simulated year: "<column>.all_years" is the sum of "<column>"
ALL_YEARS = ".all_years"
CAPITAL_SPENT, CAPITAL_BUDGET = "cost.capital", "capital.budget"
GAP_CHART = ("dropout_gap.urban_rural.junior", "dropout_gap.poor.junior")
# which way is better for the ce.* rows (the others: simulate.model.outcomes.better_direction)
CE_DIRECTION = {"ce.extra_yuan": "lower", "ce.child_years_kept": "higher", "ce.yuan_per_child_year_kept": "lower",
                "ce.children_never_returned_averted": "higher", "ce.dropouts_averted": "higher",
                "ce.yuan_per_dropout_averted": "lower"}


def direction(key: str) -> str:
    """'lower', 'higher' or 'closer_to_0': which way is better for a headline row (gaps: closer to 0)."""
    if key in CE_DIRECTION:
        return CE_DIRECTION[key]
    if closer_to_zero_is_better(key):
        return "closer_to_0"
    return "lower" if lower_is_better(key) else "higher"

# ------------------------------------------------------------------ computing (pure functions)
def cost_effectiveness(current: pd.DataFrame, reference: pd.DataFrame) -> dict[str, float]:
    """Cumulative extra yuan, child-years of schooling kept, dropouts averted and yuan per child-year
    kept and per dropout averted vs the reference; the ratios follow the rule of ``simulate compare``
    (:func:`simulate.analysis.comparison.cost_per_effect`: NaN unless at least one is kept or averted)."""
    from ...analysis.comparison import CE_MINIMUM, cost_per_effect

    extra = float((current["cost.total"] - reference["cost.total"]).sum())
    cumulative = "child_years_out_of_school.cumulative.total"
    kept = float(reference[cumulative].iloc[-1] - current[cumulative].iloc[-1])
    averted = float((reference["dropouts"] - current["dropouts"]).sum())
    never = "children_never_returned.total"
    returned = float(reference[never].iloc[-1] - current[never].iloc[-1])
    return {"ce.extra_yuan": extra, "ce.child_years_kept": kept, "ce.children_never_returned_averted": returned,
            "ce.yuan_per_child_year_kept": cost_per_effect(extra, kept, CE_MINIMUM["ce.child_years_kept"]),
            "ce.dropouts_averted": averted,
            "ce.yuan_per_dropout_averted": cost_per_effect(extra, averted, CE_MINIMUM["ce.dropouts_averted"])}


def balance_verdict(series: pd.Series, stage: str, lang: str) -> str:
    """China's county balance verdict for ``stage`` from one year's indicators."""
    if series.get(f"balance.pass_2017.{stage}") == 1.0:
        return text("verdict.pass_2017", lang, t=f"{THRESHOLD_2017[stage]:.2f}")
    if series.get(f"balance.pass_2012.{stage}") == 1.0:
        return text("verdict.pass_2012", lang, t=f"{THRESHOLD_2012[stage]:.2f}")
    return text("verdict.fail", lang, t=f"{THRESHOLD_2012[stage]:.2f}")


def headline_table(current: pd.DataFrame, reference: pd.DataFrame, lang: str = "en",
                   intervals: pd.DataFrame | None = None) -> pd.DataFrame:
    """The headline table: one row per indicator at the last year, with the
    reference, the change and (after an uncertainty run) 90% intervals."""
    year = int(current.index.max())
    cur, ref = current.loc[year], reference.loc[year]
    ce = cost_effectiveness(current, reference)
    rows = []
    for key, kind in HEADLINE:
        if key.startswith("ce."):
            value = ce[key]
            ref_value = np.nan if key.startswith("ce.yuan_per") else 0.0
        elif key.endswith(ALL_YEARS):
            column = key[: -len(ALL_YEARS)]
            value, ref_value = _total(current, column), _total(reference, column)
        else:
            value, ref_value = float(cur.get(key, np.nan)), float(ref.get(key, np.nan))
        change = value - ref_value
        change_text = fmt(shown_change(value, ref_value, kind), kind, lang, signed=True)
        shown_zero = not any(ch in "123456789" for ch in change_text)
        # one rule for every row: coloured better/worse when the change shows at the displayed precision
        better = None if not np.isfinite(change) or shown_zero else better_change(key, value, ref_value)
        stage = key.rsplit(".", 1)[-1]
        verdict = balance_verdict(cur, stage, lang) if key.startswith("balance.composite") else ""
        if key == CAPITAL_SPENT + ALL_YEARS:
            verdict = capital_note(current, lang)
        rows.append({"indicator": key, "label": text(key, lang), "kind": kind, "year": year,
                     "value": value, "reference": ref_value, "change": change, "better": better,
                     "direction": direction(key), "direction_text": text(f"better.{direction(key)}", lang),
                     "verdict": verdict, "value_text": fmt(value, kind, lang),
                     "reference_text": fmt(ref_value, kind, lang),
                     "change_text": change_text})
    table = pd.DataFrame(rows)
    if intervals is not None:
        table = table.merge(intervals, on="indicator", how="left")
        table["interval_text"] = [
            "" if pd.isna(r.lo) else f"{fmt(r.lo, r.kind, lang)} – {fmt(r.hi, r.kind, lang)}; "
            f"Δ {fmt(r.diff_lo, r.kind, lang, True)} – {fmt(r.diff_hi, r.kind, lang, True)}"
            for r in table.itertuples()]
    return table


def _total(frame: pd.DataFrame, column: str) -> float:
    return float(frame[column].sum()) if column in frame else np.nan


def better_change(key: str, value: float, ref_value: float) -> bool | None:
    """Is ``value`` better than ``ref_value`` for row ``key``, by the row's :func:`direction`? None when equal."""
    if value == ref_value or (closer_to_zero_is_better(key) and abs(value) == abs(ref_value)):
        return None
    how = direction(key)
    if how == "closer_to_0":
        return bool(is_better(key, value, ref_value))  # a gap: closer to 0, even across zero
    return bool(value < ref_value) if how == "lower" else bool(value > ref_value)


def capital_note(series: pd.DataFrame, lang: str) -> str:
    """Beside the capital row: what was spent of the ceiling the lever sets, and, when less than the
    ceiling, that weak schools could absorb no more (the capital lever is a ceiling: a school gets no
    more than it needs to reach the facility standard, :func:`simulate.model.levers.budget.capital_allocation`)."""
    if CAPITAL_BUDGET not in series or CAPITAL_SPENT not in series:
        return ""
    spent, ceiling = float(series[CAPITAL_SPENT].sum()), float(series[CAPITAL_BUDGET].sum())
    if ceiling <= 0:
        return text("capital.none", lang)
    years = [int(y) for y, s, c in zip(series.index, series[CAPITAL_SPENT], series[CAPITAL_BUDGET]) if s < 0.995 * c]
    if spent >= 0.995 * ceiling:
        return text("capital.all_spent", lang, ceiling=fmt(ceiling, "yuan", lang))
    return text("capital.ceiling_not_reached", lang, spent=fmt(spent, "yuan", lang), ceiling=fmt(ceiling, "yuan", lang),
                share=f"{100 * spent / ceiling:.0f}", years=", ".join(map(str, years)))


def uncertain_comparison(district: District, scenario: Scenario, reference: Scenario, draws: int = 50,
                         seed: int = 0, years: int = 7, chunk: int = 10, on_progress=None):
    """:class:`simulate.analysis.comparison.Comparison` of ``scenario`` ("current") vs ``reference``
    over ``draws`` parameter draws (the calibrated block jointly from the posterior, the rest from their
    priors), in expected mode: the same samples ``compare`` summarises
    (:func:`simulate.analysis.comparison.draw_samples`), so the intervals are parameter uncertainty
    only, as in the findings; ``on_progress(done, total)`` is called after each chunk."""
    from ...analysis.comparison import Comparison, draw_samples

    cells, ctx = cells_of(district), context(district)
    pairs = (("reference", reference), ("current", scenario))
    parts: dict[str, dict[str, list]] = {"reference": {}, "current": {}}
    chunks = [(d0, min(chunk, draws - d0)) for d0 in range(0, draws, chunk)]
    year_list: list[int] = []
    done = 0
    for d0, n in chunks:
        for key, s in pairs:
            samples, year_list = draw_samples(district, s, years, seed, "expected", d0, n, cells=cells,
                                              balance_ctx=ctx)
            for k, v in samples.items():
                parts[key].setdefault(k, []).append(v)
            done += 1
            if on_progress is not None:
                on_progress(done, 2 * len(chunks))
    samples = {s: {k: np.concatenate(v, axis=0) for k, v in ind.items()} for s, ind in parts.items()}
    cmp = Comparison(scenarios=["reference", "current"], reference="reference", years=year_list, draws=draws,
                     seed=seed, interval=0.9, samples=samples,
                     titles={"reference": reference.title, "current": scenario.title})
    cmp.mode = "expected"
    return cmp


def interval_columns(comparison) -> pd.DataFrame:
    """indicator, lo, hi, diff_lo, diff_hi of the current scenario at the last year."""
    t = comparison.table
    t = t[(t["scenario"] == "current") & (t["year"] == comparison.years[-1])]
    return t[["indicator", "lo", "hi", "diff_lo", "diff_hi"]].reset_index(drop=True)
