"""Tables for people (simulate.views.tables): what the notebooks display, never the CSVs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulate.views import tables


def test_numbers_read_without_scientific_notation():
    assert tables.number(1.779855e-02, "share") == "1.8%"
    assert tables.number(6.5452e8, "万元") == "65,452"
    assert tables.number(6.5452e8, "yuan") == "654,520,000"
    assert tables.number(6.5452e8, "million yuan") == "655"
    assert tables.number(1414) == "1,414"
    assert tables.number(-0.1234, "pp", signed=True) == "−0.12"
    assert tables.number(0.25, "p") == "25.0%"
    assert tables.number(np.nan) == tables.MISSING
    assert tables.number(1.2e-7, "SD") == "0.00000012"


def test_for_people_puts_units_in_headers_and_keeps_text():
    df = pd.DataFrame({"scenario": ["a", "b"], "rate": [0.0178, 0.2], "cost": [6.5452e8, 1e4], "n": [1414, 3],
                       "ok": [True, False]})
    shown = tables.for_people(df, {"rate": "share", "cost": "万元"})
    assert list(shown.columns) == ["scenario", "rate (%)", "cost (万元)", "n", "ok"]
    assert shown.iloc[0].tolist() == ["a", "1.8%", "65,452", "1,414", "yes"]
    assert df["rate"].dtype == float  # the input is not touched
    mixed = tables.for_people(pd.DataFrame({"value": pd.Series([95000, 2.94, "3 of 4"], dtype=object)}))
    assert mixed["value"].tolist() == ["95,000", "2.94", "3 of 4"]
    with pytest.raises(ValueError, match="no column"):
        tables.for_people(df, {"missing": "pp"})


def test_row_units_become_a_unit_column():
    long = pd.DataFrame({"label": ["rate", "cost"], "unit": ["share", "yuan"], "mean": [0.034, 1234567.0]})
    shown = tables.for_people(long, unit_of="unit")
    assert list(shown.columns) == ["label", "unit", "mean"]
    assert shown["mean"].tolist() == ["3.4%", "1,234,567"] and shown["unit"].tolist() == ["%", "yuan"]


def test_interval_table_is_one_row_per_indicator_one_column_per_scenario():
    long = pd.DataFrame({"label": ["x", "x", "y", "y"], "unit": ["share", "share", "pp", "pp"],
                         "scenario": ["b", "a", "b", "a"], "mean": [0.1, 0.2, 1.0, np.nan],
                         "lo": [0.05, 0.1, 0.5, np.nan], "hi": [0.15, 0.3, 1.5, np.nan]})
    wide = tables.interval_table(long)
    assert list(wide.columns) == ["label", "unit", "b", "a"]
    assert wide.iloc[0].tolist() == ["x", "%", "10.0% (5.0% to 15.0%)", "20.0% (10.0% to 30.0%)"]
    assert wide.iloc[1].tolist() == ["y", "pp", "1.0 (0.50 to 1.5)", tables.MISSING]


def test_split_columns_and_html_have_no_index_and_no_random_ids():
    df = pd.DataFrame({"k": ["a"], **{f"c{i}": [i] for i in range(10)}})
    parts = tables.split_columns(df, ["k"], max_columns=4)
    assert [len(p.columns) for p in parts] == [5, 5, 3] and all(p.columns[0] == "k" for p in parts)
    html = tables.show(df)._repr_html_()
    assert html == tables.show(df)._repr_html_() and "<th></th>" not in html and "T_" not in html
