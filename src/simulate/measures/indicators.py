"""``indicators(result)``: the tidy indicator table of a run (year, indicator, value).

Outcome, gap, resource and cost indicators come from :mod:`simulate.model.outcomes`
(vectorised over draws, shared with ``compare``); resource equity across
schools and China's county balance test come from :mod:`simulate.measures.balance`.
"""

from __future__ import annotations

import pandas as pd

from .balance import resource_equity
from ..model.outcomes import year_indicators


def indicators(result) -> pd.DataFrame:
    rows = []
    for y in result.years:
        values = {**year_indicators(y, result.cells), **resource_equity(y, result.district)}
        rows.extend({"year": y.year, "indicator": k, "value": float(v[0])} for k, v in values.items())
    return pd.DataFrame(rows, columns=["year", "indicator", "value"])
