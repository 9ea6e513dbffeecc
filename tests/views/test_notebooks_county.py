"""The notebooks a county runs (``simulate findings --district data/example_county``) complete on the
county with the county's numbers (issue 20).

Notebooks 02–06 execute with papermill on ``data/example_county`` as ``simulate findings --district``
passes it (``district_path``), with small parameters (tests/views/test_notebooks.py's, the lever
values of notebook 05 as Banan's, scaled to the county as its defaults are). Each must finish, write
tables, list only the county's schools, and give the county's numbers: a cost or an expected-mode value
of each table checked against the county's own run (notebook 04 has no such number: it is checked for
completing).
Marked slow: five kernels and a few hundred small runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import papermill
import pandas as pd
import pytest

import simulate as sim

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
COUNTY = ROOT / "data" / "example_county"

#: small parameters per notebook (``district_path`` and ``out_dir`` are added by the test)
SMALL = {
    "02_scenario_comparison.ipynb": {"scenarios": ["baseline", "no_policy", "targeted_aid"], "draws": 4, "years": 2},
    "03_planner_dashboard.ipynb": {"years": 2},
    "04_dropout_determinants.ipynb": {"scenarios": ["baseline", "no_policy"], "years": 2, "n_pupils": 20000},
    "05_budget_tradeoffs.ipynb": {
        # lever values are read as Banan's and scaled to the county (as the notebook's defaults are)
        "levers": {"support teachers": {"path": "teachers.support.count", "values": [60, 120]},
                   "student aid, registered poor": {"path": "budget.student_aid.registered_poor.yuan_per_pupil",
                                                    "values": [3000, 4000]}},
        "extra_budget_yuan_per_year": 300000, "curve_draws": 2,
        "scenarios": ["baseline", "targeted_aid"], "draws": 4, "years": 2,
    },
    "06_sensitivity.ipynb": {"scenarios": ["targeted_aid"], "years": 2, "morris_r": 2, "sobol_n": 8,
                             "discovery_n": 40},
}


@pytest.fixture(scope="module")
def county():
    return sim.load_district(COUNTY)


@pytest.fixture(scope="module")
def expected(county):
    """The county's expected-mode indicators (year × indicator) under baseline and targeted_aid, 2 years."""
    return {s: sim.run(county, s, years=2, mode="expected").indicators.pivot(index="year", columns="indicator",
                                                                            values="value")
            for s in ("baseline", "targeted_aid")}


def _extra_yuan_per_year(expected) -> float:
    return float((expected["targeted_aid"]["cost.total"] - expected["baseline"]["cost.total"]).mean())


def _county_numbers(name: str, out: Path, expected) -> None:
    """A number of the notebook's tables that only the county gives (Banan's are about ten times larger)."""
    tables = out / "tables"
    extra = _extra_yuan_per_year(expected)  # targeted_aid's extra cost on the county, yuan a year
    if name.startswith("02_"):
        ce = pd.read_csv(tables / "cost_effectiveness.csv").set_index("scenario")
        assert ce.loc["targeted_aid", "ce.extra_yuan.mean"] == pytest.approx(2 * extra, rel=0.25)
    elif name.startswith("03_"):  # the dashboard's table is an expected-mode run: exactly the county's
        h = pd.read_csv(tables / "headline.csv").set_index("indicator")
        key = "child_years_out_of_school.cumulative.total"
        assert h.loc[key, "value"] == pytest.approx(expected["baseline"].loc[2020, key], abs=1e-5)
    elif name.startswith("05_"):
        ee = pd.read_csv(tables / "equity_efficiency.csv").set_index("scenario")
        assert ee.loc["targeted_aid", "extra_million_yuan_per_year"] * 1e6 == pytest.approx(extra, rel=0.25)
    elif name.startswith("06_"):
        key = "child_years_out_of_school.cumulative.total"
        t = pd.read_csv(tables / "tornado.csv")
        base = t.loc[t["target"] == f"targeted_aid − baseline: {key}", "base"]
        diff = expected["targeted_aid"].loc[2020, key] - expected["baseline"].loc[2020, key]
        # the tornado's base is the factors' range centre, not the scenario's central values: near, not equal.
        # For more aid the two differ most (its effect is close to saturation at central values: 0.48 × on
        # 2026-12-08); Banan's figure is about ten times the county's, so within a factor of 3 is the county's
        assert len(base) and diff < 0 and base.iloc[0] < 0
        assert 1 / 3 <= base.iloc[0] / diff <= 3, (base.iloc[0], diff)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SMALL))
def test_notebook_runs_on_the_county_with_its_numbers(name, tmp_path, county, expected):
    out = tmp_path / "out"
    papermill.execute_notebook(
        str(NOTEBOOKS / name), str(tmp_path / name), kernel_name="python3", cwd=str(NOTEBOOKS),
        parameters={**SMALL[name], "district_path": str(COUNTY), "out_dir": str(out)},
        progress_bar=False, log_output=False,
    )
    tables = sorted((out / "tables").glob("*.csv"))
    assert tables and all(t.stat().st_size > 0 for t in tables), f"{name}: no tables written"
    if (out / "headline.json").is_file():
        headline = json.loads((out / "headline.json").read_text(encoding="utf-8"))
        assert headline and all(set(h) == {"label", "value", "unit"} for h in headline)
    ids = set(county.schools["school_id"].astype(str))
    for table in tables:  # a per-school table lists the county's schools, not Banan's
        frame = pd.read_csv(table, dtype=str)
        if "school_id" in frame.columns:
            assert set(frame["school_id"]) <= ids, f"{name}: {table.name} lists schools not in the county"
    _county_numbers(name, out, expected)
