"""The markdown summary ``simulate compare`` prints (:meth:`~simulate.analysis.comparison.Comparison.summary`).

Its rows and labels come from the indicator catalogue (:mod:`simulate.measures.catalogue`,
``simulate.indicators()``): :data:`SUMMARY_ROWS`, :data:`ATTRIBUTION_ROWS` and :data:`CE_ROWS` name
indicators only; each row's label is ``catalogue.label(name)``, its better direction the catalogue's
``better`` and its number format follows from the catalogue's ``unit`` (:func:`summary_unit`). A row
label is therefore the same word for word here, in ``Comparison.effects``, on the dashboard and in
``simulate.indicators()``.
"""

from __future__ import annotations

import math

import numpy as np

from ..measures import catalogue
from ..model.outcomes import CHILD_YEARS_CUMULATIVE, NEVER_RETURNED
from .comparison_table import CE_NA_RULE, CHANCE_PREFIX

# The summary's rows, top to bottom (last year; cumulative indicators count every year up to it).
SUMMARY_ROWS = (
    f"{CHILD_YEARS_CUMULATIVE}.total", f"{NEVER_RETURNED}.total", "dropout_rate.junior", "dropout_gap.poor.junior",
    "dropout_gap.urban_rural.junior", "learning_gap.poor", "cost.policy_levers", "cost.recurrent_base",
)
# What the lever attribution splits (last year, as in the summary's table).
ATTRIBUTION_ROWS = (
    f"{CHILD_YEARS_CUMULATIVE}.total", f"{NEVER_RETURNED}.total", "dropout_gap.poor.junior", "learning_gap.poor",
    "learning_gap.urban_rural", "cost.policy_levers",
)
# (cost per unit, effect): the cost-effectiveness rows, all years; the effect's catalogue label names the row
# and the ratio's catalogue unit ("yuan per child-year") says what a cost is per.
CE_ROWS = (
    ("ce.yuan_per_child_year_kept", "ce.child_years_kept"),
    ("ce.yuan_per_child_never_returned_averted", "ce.children_never_returned_averted"),
    ("ce.yuan_per_dropout_averted", "ce.dropouts_averted"),
    ("ce.yuan_per_0.1sd_gap_closed", "ce.poor_learning_gap_closed_sd"),
)


def summary_unit(name: str) -> str:
    """How the summary shows indicator ``name``, from its catalogue unit. One format per unit: count
    (child-years, children, events) with thousands separators; rate (a share shown as % to 1 decimal,
    its difference in pp to 2); pp to 2 decimals; sd (SD) to 3; wan (yuan shown in 万元, 1 decimal)."""
    unit = catalogue.unit(name)
    if unit.startswith("share"):
        return "rate"
    if unit == "pp":
        return "pp"
    if unit == "SD":
        return "sd"
    if unit.startswith("yuan"):
        return "wan"
    return "count"


def per_unit(ratio: str) -> str:
    """What a cost-effectiveness ratio is per, from its catalogue unit: "yuan per child-year" → "child-year"."""
    return catalogue.unit(ratio).removeprefix("yuan per ")


def attribution_block(cmp, s: str) -> list[str]:
    """The summary's "what drives the difference" lines for scenario ``s``."""
    ref, att = cmp.reference, cmp.attribution
    if att is None:
        return []
    head = "What drives the difference"
    if s in cmp.attribution_notes:
        return [f"{head}: {cmp.attribution_notes[s]}.", ""]
    a = att[att.scenario == s]
    levers = list(dict.fromkeys(a["lever"]))
    if len(levers) == 1:
        return [f"{head}: {s} changes one lever group against {ref}, `{levers[0]}` "
                f"({a['paths'].iloc[0]}), so all of the difference comes from it.", ""]
    n, coalitions, exact = len(levers), int(a["coalitions"].iloc[0]), bool(a["exact"].iloc[0])
    how = (f"exact over all {coalitions} combinations of them" if exact else
           f"sampled over {cmp.attribution_settings['permutations']} random orders ({coalitions} combinations run)")
    rows = [(ind, catalogue.label(ind), summary_unit(ind)) for ind in ATTRIBUTION_ROWS if ind in set(a["indicator"])]
    lines = [f"{head}: Shapley contributions of the {n} lever groups {s} changes against {ref}, {how}; "
             f"each cell is the group's contribution to the difference in {cmp.years[-1]} and its share of it. "
             f"Expected mode, parameters at their central values: the contributions add up to the total, which "
             f"can differ a little from the mean difference over the draws above; an interaction between "
             f"groups is split equally between them.", "",
             "| lever group | " + " | ".join(label for _, label, _ in rows) + " |",
             "|---|" + "---|" * len(rows)]
    by = a.set_index(["lever", "indicator"])
    totals = a.groupby("indicator")["total"].first()
    # a share is shown where every group moves the indicator the way the total goes (shares 0–100%)
    one_way = {ind: bool((np.sign(part["contribution"]) * np.sign(part["total"]) >= 0).all() and
                         (part["total"] != 0).all()) for ind, part in a.groupby("indicator")}
    for lever in levers:
        cells = []
        for ind, _, unit in rows:
            r = by.loc[(lever, ind)]
            share = f" ({100 * r['share']:.0f}%)" if one_way[ind] else ""
            cells.append(fmt_value(r["contribution"], unit, True) + share)
        lines.append(f"| `{lever}` | " + " | ".join(cells) + " |")
    lines += ["| total (expected mode) | " + " | ".join(fmt_value(totals[ind], unit, True) for ind, _, unit in rows)
              + " |", ""]
    if not all(one_way[ind] for ind, _, _ in rows):
        lines += ["Shares (in brackets) are left out where lever groups pull in opposite directions: they would "
                  "exceed 100% or be negative (`attribution.csv` has them all).", ""]
    return lines


def fmt_value(v: float, unit: str, signed: bool = False) -> str:
    """A number of the summary in its unit (:func:`summary_unit`); NaN is "n/a"; a signed value that
    rounds to zero is "+0…" (never "−0")."""
    if v is None or not np.isfinite(v):
        return "n/a"
    sign = "+" if signed else ""
    if unit == "count":
        out = f"{v:{sign},.0f}"
    elif unit == "rate":
        out = f"{100 * v:{sign},.2f} pp" if signed else f"{100 * v:,.1f}%"
    elif unit == "pp":
        out = f"{v:{sign},.2f} pp"
    elif unit == "sd":
        out = f"{v:{sign},.3f} SD"
    elif unit == "wan":
        out = f"{v / 1e4:{sign},.1f} 万元"
    else:
        out = f"{v:{sign},.3g}"
    if out.startswith("-") and not any(ch in "123456789" for ch in out):
        out = "+" + out[1:]
    return out


def cmp_is_stochastic(cmp) -> bool:
    """Whether the comparison ran stochastic flows (its samples then carry the chance part apart)."""
    return any(k.startswith(CHANCE_PREFIX) for k in cmp.samples[cmp.reference])


def summary(cmp) -> str:
    """The markdown summary of ``cmp`` (see the module docstring)."""
    t = cmp.table
    first, last = cmp.years[0], cmp.years[-1]
    pct = int(round(cmp.interval * 100))
    ref = cmp.reference
    ref_rows = t[(t.scenario == ref) & (t.year == last)].set_index("indicator")
    lines = [f"# Comparison against '{ref}' ({cmp.draws} draws, seed {cmp.seed}, {pct}% intervals, "
             f"years {first}–{last})", "",
             "Columns:",
             f"- *scenario*, *{ref}*: each one's value in {last}: the mean over the {cmp.draws} parameter draws in "
             f"expected mode (calibrated parameters drawn jointly from their posterior, the rest from their "
             f"priors); child-years and children are counted over {first}–{last}. Not the value at central "
             f"parameter values (`simulate run`), which can differ where effects saturate.",
             f"- *difference*: scenario − {ref} in the same unit (a rate's difference in percentage points, pp), "
             f"with the central {pct}% interval of the draw-by-draw differences (both run on the same draws).",
             f"- *better*: which direction is better; for a gap between groups, closer to 0 (parity).",
             f"- *chance better*: the share of parameter draws in which the scenario is better than {ref} "
             f"(parameter uncertainty only)."
             + (f" Binomial chance (a stochastic run's pupil flows) is reported apart: *chance* is the central "
                f"{pct}% interval it adds to the difference." if cmp_is_stochastic(cmp) else ""),
             "- Yuan in 万元 (10,000 yuan). Cost of the policy levers: cost.total minus the recurrent base "
             "(per-pupil grant and every teacher's salary), which every scenario pays.", ""]
    for s in cmp.scenarios:
        if s == ref:
            continue
        sel = t[(t.scenario == s) & (t.year == last)].set_index("indicator")
        stoch = cmp_is_stochastic(cmp)
        lines += [f"## {s}: {cmp.titles.get(s, s)}", "",
                  f"| indicator | better | {s} | {ref} | difference ({pct}% interval) | chance better |"
                  + (" chance |" if stoch else ""),
                  "|---|---|---|---|---|---|" + ("---|" if stoch else "")]
        for ind in SUMMARY_ROWS:
            if ind not in sel.index:
                continue
            row, unit = catalogue.describe(ind), summary_unit(ind)
            r = sel.loc[ind]
            ref_value = ref_rows.loc[ind, "mean"] if ind in ref_rows.index else math.nan
            diff = (f"{fmt_value(r['diff'], unit, True)} ({fmt_value(r['diff_lo'], unit, True)} to "
                    f"{fmt_value(r['diff_hi'], unit, True)})")
            chance = (f" {fmt_value(r['chance_lo'], unit, True)} to {fmt_value(r['chance_hi'], unit, True)} |"
                      if stoch else "")
            lines.append(f"| {row['label_en']} | {row['better']} | {fmt_value(r['mean'], unit)} | "
                         f"{fmt_value(ref_value, unit)} | {diff} | {r['p_better']:.2f} |{chance}")
        lines += ["", f"Cost-effectiveness, all years {first}–{last}: extra cost "
                      f"{fmt_value(sel.loc['ce.extra_yuan', 'mean'], 'wan', True)} "
                      f"({fmt_value(sel.loc['ce.extra_yuan', 'lo'], 'wan', True)} to "
                      f"{fmt_value(sel.loc['ce.extra_yuan', 'hi'], 'wan', True)}) against {ref}.", "",
                  f"| effect vs {ref} | effect ({pct}% interval) | cost per unit ({pct}% interval) |",
                  "|---|---|---|"]
        for ratio, effect in CE_ROWS:
            e, r, unit, per = sel.loc[effect], sel.loc[ratio], summary_unit(effect), per_unit(ratio)
            cost = "n/a" if np.isnan(r["mean"]) else \
                f"{fmt_value(r['mean'], 'wan')} per {per} ({fmt_value(r['lo'], 'wan')} to {fmt_value(r['hi'], 'wan')})"
            lines.append(f"| {catalogue.label(effect)} | {fmt_value(e['mean'], unit, True)} ({fmt_value(e['lo'], unit, True)} to "
                         f"{fmt_value(e['hi'], unit, True)}) | {cost} |")
        lines += ["", CE_NA_RULE, ""]
        lines += attribution_block(cmp, s)
    lines += _scaled_block(cmp)
    lines += _capital_block(cmp)
    return "\n".join(lines)


def _capital_block(cmp) -> list[str]:
    """Capital a scenario's budget holds that the district cannot spend (expected mode, central values)."""
    from .result import run

    if not cmp._inputs:
        return []
    district, loaded = cmp._inputs
    notes = [run(district, s, years=len(cmp.years)).capital_note() for s in loaded.values()]
    notes = [n for n in notes if n]
    return ["", "## Capital not spent", "", *(f"- {n}" for n in notes)] if notes else []


def _scaled_block(cmp) -> list[str]:
    """The summary's list of quantities scaled to the district's size (or run as written), as used."""
    from ..inputs.scaling import scaled_lines

    records = cmp.scaled_quantities()
    if not records:
        return []
    name = cmp._inputs[0].name
    return ["", f"## Quantities used on district {name!r}", "",
            "Banan's package scales with the district's size (`scale_with` in params/baseline.yaml); numbers "
            "a scenario writes for the district (`district:` in the file) run as written.", "",
            *(f"- {line}" for n, r in records.items() for line in scaled_lines(n, r, name))]
