"""One expected-mode run of the dashboard as a frame of indicators by year.

Its own module so that the explorer (``app``) and the drivers panel
(``drivers``) both call it without importing each other.
"""

from __future__ import annotations

import pandas as pd

from ...inputs.district import District
from ...inputs.scenario import Scenario
from ...measures.balance import comparison_indicators, context
from ...model.engine import cells_of, simulate
from ...model.outcomes import year_indicators


def expected_indicators(district: District, scenario: Scenario, years: int = 7, cells=None, ctx=None) -> pd.DataFrame:
    """Indicators of one ``expected`` run: a frame indexed by year, one column per indicator."""
    cells = cells_of(district) if cells is None else cells
    ctx = context(district) if ctx is None else ctx
    rows = {}
    for y in simulate(district, scenario, years=years, seed=0, mode="expected", draws=1):
        values = {**year_indicators(y, cells), **comparison_indicators(y, ctx),
                  "capital.budget": y.counts["capital_budget_yuan"]}  # the capital lever's ceiling, yuan
        rows[y.year] = {k: float(v[0]) for k, v in values.items()}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("year")
