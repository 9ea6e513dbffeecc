"""What each finding rests on: its three main drivers and the share of its variance that is assumption.

:func:`drivers` reads a Sobol' table (:func:`simulate.analysis.sensitivity.sobol`,
the largest sample size in it) and, per target, returns the three factors
with the largest index (``by="ST"``, total effect, by default; or ``"S1"``),
each factor's *share of variance* — its index ÷ the sum of that index over the
factors studied (negative estimates count as 0; total-effect indices sum to
more than 1 when factors interact, so shares normalise them) — and the share
carried by factors whose source is an assumption (``kind == "assumption"``,
see :func:`simulate.analysis.factors.source_kind`) and by those partly
assumed. When the assumption share exceeds ``threshold`` (50%) the sentence
says the result depends mainly on assumptions and names them; otherwise it
names the main drivers and the assumption share.

Shares are of the variance the studied factors produce: factors screened out
by Morris, and parameters without a declared uncertainty or a range, are held
at their values and are not counted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

THRESHOLD = 0.5
TOP = 3


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def sentence(shares: pd.DataFrame, threshold: float = THRESHOLD, by: str = "ST") -> str:
    """A plain-words sentence for one target from its rows (label, kind, share), largest share first."""
    if shares.empty or not np.isfinite(shares["share"]).any() or shares["share"].sum() == 0:
        return "This result does not vary with any of the uncertain parameters studied."
    assumed = float(shares.loc[shares.kind == "assumption", "share"].sum())
    partly = float(shares.loc[shares.kind == "partly assumed", "share"].sum())
    index = "total-effect" if by == "ST" else "first-order"
    tail = (f"parameters whose source is an assumption carry {assumed:.0%} of its variance ({index} Sobol' indices)"
            + (f", and partly assumed ones a further {partly:.0%}" if partly >= 0.005 else ""))
    if assumed > threshold:
        main = shares[(shares.kind == "assumption") & (shares.share > 0)].head(TOP)
        return (f"This result depends mainly on assumptions: the assumed {_join(list(main.label))}; {tail}.")
    top = shares[shares.share > 0].head(TOP)
    named = [f"{r.label} ({r.kind}, {r.share:.0%})" for r in top.itertuples()]
    return f"This result depends mainly on {_join(named)}; {tail}."


def drivers(sobol_table: pd.DataFrame, by: str = "ST", top: int = TOP, threshold: float = THRESHOLD) -> pd.DataFrame:
    """One row per target: its ``top`` drivers with their shares, the assumption shares and a sentence.

    Columns: target, n, by, driver_1 … driver_{top} (paths), driver_i_label,
    driver_i_kind, driver_i_share, assumption_share, partly_assumed_share,
    depends_on_assumptions (assumption_share > threshold), threshold, sentence.
    """
    if by not in ("ST", "S1"):
        raise ValueError(f"by must be 'ST' or 'S1', got {by!r}")
    n = int(sobol_table["n"].max())
    rows = []
    for target, part in sobol_table[sobol_table.n == n].groupby("target", sort=False):
        idx = part[by].clip(lower=0).fillna(0.0)
        total = idx.sum()
        shares = part.assign(share=idx / total if total > 0 else 0.0).sort_values("share", ascending=False,
                                                                                  kind="stable")
        row = {"target": target, "n": n, "by": by}
        for i in range(top):
            r = shares.iloc[i] if i < len(shares) else None
            row[f"driver_{i + 1}"] = r["path"] if r is not None else ""
            row[f"driver_{i + 1}_label"] = r["label"] if r is not None else ""
            row[f"driver_{i + 1}_kind"] = r["kind"] if r is not None else ""
            row[f"driver_{i + 1}_share"] = float(r["share"]) if r is not None else np.nan
        assumed = float(shares.loc[shares.kind == "assumption", "share"].sum())
        row.update(assumption_share=assumed,
                   partly_assumed_share=float(shares.loc[shares.kind == "partly assumed", "share"].sum()),
                   depends_on_assumptions=bool(assumed > threshold), threshold=threshold,
                   sentence=sentence(shares, threshold, by))
        rows.append(row)
    return pd.DataFrame(rows)
