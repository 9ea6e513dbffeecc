"""What the planner dashboard writes for the findings pipeline (notebook 03 under papermill), and
its Python-side latency benchmark (``benchmarks/run.py``)."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pandas as pd

from ...inputs.district import District
from .app import _CACHE, ScenarioExplorer


def write_dashboard_outputs(explorer: ScenarioExplorer, out_dir: str | Path) -> Path:
    """The dashboard's state for the findings pipeline: ``tables/headline.csv`` (the
    headline table, numbers only), ``tables/gaps_by_year.csv``, two PNG charts and
    ``headline.json``. Deterministic (expected mode)."""
    import json

    from ...provenance import write_csv
    from .charts import cost_chart_png, gap_chart_png

    out = Path(out_dir)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    cols = ["indicator", "label", "year", "value", "reference", "change"]
    write_csv(explorer.results[cols], out / "tables" / "headline.csv")
    keys = ["dropout_gap.urban_rural.junior", "dropout_gap.poor.junior", "learning_gap.urban_rural",
            "learning_gap.poor", "cost.total"]
    frames = []
    for who, frame in (("scenario", explorer.series), ("reference", explorer.reference_series)):
        long = frame[keys].reset_index().melt(id_vars="year", var_name="indicator", value_name="value")
        long.insert(0, "run", who)
        frames.append(long)
    write_csv(pd.concat(frames, ignore_index=True), out / "tables" / "gaps_by_year.csv")
    (out / "figures" / "gaps_by_year.png").write_bytes(gap_chart_png(explorer))
    (out / "figures" / "cost_vs_gap_reduction.png").write_bytes(cost_chart_png(explorer))
    r = explorer.results.set_index("indicator")
    headline = [{"label": r.loc[k, "label"], "value": round(float(r.loc[k, "value"]) * scale, digits), "unit": unit}
                for k, scale, digits, unit in (("dropout_rate.junior", 100, 2, "% a year"),
                                               ("dropout_gap.poor.junior", 1, 2, "percentage points"),
                                               ("cost.total", 1e-4, 0, "万元 (10,000 yuan) a year"))]
    (out / "headline.json").write_text(json.dumps(headline, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


def widget_latency(repeats: int = 15, district: District | None = None) -> dict:
    """Median seconds from setting a slider value to the results table being refreshed.

    Builds a :class:`ScenarioExplorer` on the default district, then moves the
    support-teacher slider to ``repeats`` new values (no cache hits) and times
    each from ``slider.value = v`` to the refreshed headline table. Returns
    {"median_seconds", "max_seconds", "repeats"}; for ``benchmarks/run.py``.
    """
    explorer = ScenarioExplorer(district=district)
    _CACHE.clear()  # time real recomputation: keep only the reference and start runs
    explorer.expected(explorer.reference_scenario), explorer.expected(explorer.start_levers)
    slider = explorer.controls["teachers.support.count"]
    start = int(slider.value)
    times = []
    for i in range(repeats):
        t0 = time.perf_counter()
        slider.value = start + 1 + i
        times.append(explorer.last_table_time - t0)
    return {"median_seconds": statistics.median(times), "max_seconds": max(times), "repeats": repeats}
