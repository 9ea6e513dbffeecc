"""The district check: is each imported school plausible under the baseline? (issue 20)

After ``simulate district import`` (and in notebook 01) a table per school —
pupils, teachers, pupils per teacher, facility index, feeder school — beside
what the unchanged baseline (``params/baseline.yaml`` at the district's size,
with the district's calibration when it has one) does to each in
:data:`YEARS` years, with flags:

* ``grows`` / ``shrinks``: pupils or teachers change by more than
  :data:`CHANGE` (30%) — a feeder routed wrongly, a teaching point run as a
  six-grade school, a staffing norm far from the data;
* ``capital``: one school receives more than :data:`CONCENTRATION` (40%) of
  the capital spent over the years;
* ``default``: an input of the school took a default at import (the import's
  ``defaults``: blank optional cells, no facility data, a feeder by the
  default rule).

:func:`check_markdown` words it for ``import_notes.md``;
:func:`simulate.views.district_map.school_map` draws the schools by town from
their coordinates.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["YEARS", "CHANGE", "CONCENTRATION", "district_check", "check_markdown"]

YEARS = 7
CHANGE = 0.30          # a school whose pupils or teachers change by more under the baseline is flagged
CONCENTRATION = 0.40   # a school receiving more of the capital spent is flagged


def district_check(district, defaults: dict[str, list[str]] | None = None, years: int = YEARS,
                   scenario="baseline") -> pd.DataFrame:
    """One row per school: the data, the baseline's last year, the changes and the flags (see module)."""
    from .result import run

    r = run(district, scenario, years=years)
    s = r.schools
    first, last = s[s["year"] == s["year"].min()].set_index("school_id"), s[s["year"] == s["year"].max()].set_index(
        "school_id")
    d = district.schools.set_index("school_id")
    pupils0 = district.enrolled.sum(axis=(1, 2))
    names = d["name"]
    out = pd.DataFrame({
        "school_id": d.index, "name": names.to_numpy(), "town": d["town"].to_numpy(), "level": d["level"].to_numpy(),
        "location": d["location"].to_numpy(), "pupils": pupils0, "teachers": d["teachers"].to_numpy(),
        "pupils_per_teacher": np.divide(pupils0, d["teachers"].to_numpy(), out=np.full(len(d), np.nan),
                                        where=d["teachers"].to_numpy() > 0),
        "facility_index": d["facility_index"].to_numpy(),
        "feeder": [f"{f} {names.get(f, '')}".strip() if f else "" for f in d["feeder_school_id"].astype(str)],
    })
    idx = out["school_id"]
    out[f"pupils_{int(last['year'].iloc[0])}"] = last.loc[idx, "pupils"].to_numpy()
    out[f"teachers_{int(last['year'].iloc[0])}"] = last.loc[idx, "teachers"].to_numpy()
    out["pupils_change"] = _change(last.loc[idx, "pupils"].to_numpy(), out["pupils"].to_numpy())
    out["teachers_change"] = _change(last.loc[idx, "teachers"].to_numpy(), out["teachers"].to_numpy())
    capital = s.groupby("school_id")["capital_yuan"].sum().reindex(idx).to_numpy()
    total = capital.sum()
    out["capital_share"] = capital / total if total > 0 else 0.0
    flags = []
    for row, cap in zip(out.itertuples(index=False), out["capital_share"]):
        f = []
        for what, change in (("pupils", row.pupils_change), ("teachers", row.teachers_change)):
            if np.isfinite(change) and change > CHANGE:
                f.append(f"{what} grow {change:+.0%}")
            elif np.isfinite(change) and change < -CHANGE:
                f.append(f"{what} shrink {change:+.0%}")
        if cap > CONCENTRATION:
            f.append(f"{cap:.0%} of the capital")
        hit = (defaults or {}).get(str(row.school_id), [])
        if hit:
            f.append("default: " + ", ".join(hit))
        flags.append("; ".join(f))
    out["flags"] = flags
    return out


def _change(end, start) -> np.ndarray:
    end, start = np.asarray(end, dtype=float), np.asarray(start, dtype=float)
    return np.divide(end - start, start, out=np.full(end.shape, np.nan), where=start > 0)


def check_markdown(check: pd.DataFrame, lang: str = "en", map_file: str | None = None) -> str:
    """The check as a section of ``import_notes.md``: flagged schools first, then the whole table."""
    last = [c for c in check.columns if c.startswith("pupils_") and c[7:].isdigit()][0]
    year = last[7:]
    flagged = check[check["flags"] != ""]
    zh = lang == "zh"
    head = (f"## 全县核查：基线方案下各校 {YEARS} 年的变化" if zh else
            f"## District check: each school under the baseline, {YEARS} years on")
    intro = (f"学生或教师变化超过 {CHANGE:.0%}、获得超过 {CONCENTRATION:.0%} 基建资金、或有输入取了默认值的学校被标出。"
             "基线为按本县规模缩放的巴南 2019 年政策；本县有 calibration.yaml 之前，用按巴南校准的截距。"
             if zh else
             f"Flagged: a school whose pupils or teachers change by more than {CHANGE:.0%}, which receives more "
             f"than {CONCENTRATION:.0%} of the capital, or one of whose inputs took a default. The baseline is "
             "Banan's 2019 package at the district's size, with the intercepts calibrated to Banan until the "
             "district has its own calibration.yaml.")
    lines = ["", head, "", intro, ""]
    if flagged.empty:
        lines.append("没有学校被标出。" if zh else "No school is flagged.")
    else:
        lines.append((f"{len(flagged)} 所学校被标出：" if zh else f"{len(flagged)} schools flagged:"))
        lines += [f"- {r.school_id} {r.name}: {r.flags}" for r in flagged.itertuples(index=False)]
    cols = ["school_id", "name", "level", "pupils", "teachers", "pupils_per_teacher", "facility_index", "feeder",
            last, f"teachers_{year}", "pupils_change", "teachers_change", "capital_share"]
    lines += ["", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in check[cols].itertuples(index=False):
        cells = []
        for c, v in zip(cols, r):
            if c.endswith("_change") or c == "capital_share":
                cells.append("" if not np.isfinite(v) else f"{v:+.0%}" if c.endswith("_change") else f"{v:.0%}")
            elif isinstance(v, float):
                cells.append(f"{v:,.1f}" if c != "facility_index" else f"{v:.2f}")
            else:
                cells.append(str(v))
        lines.append("| " + " | ".join(cells) + " |")
    if map_file:
        lines += ["", f"![{'学校分布（按乡镇）' if zh else 'schools by town'}]({map_file})"]
    return "\n".join(lines) + "\n"
