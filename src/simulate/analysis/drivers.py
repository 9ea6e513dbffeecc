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

Shares are of the variance the studied factors produce: parameters without a
declared uncertainty or a range are held at their values and are not counted
(a grouped study varies every factor: those Morris screened out form one group,
``rest``; an ungrouped study holds them at their values).

**No driver from indices that have not converged** (:func:`convergence_check`):
a target's indices count as converged only if every total index moves by at most
``tolerance`` (0.05) between N/2 and N base points (the same runs,
:func:`simulate.analysis.sensitivity.sobol`), no first-order index is negative
beyond its confidence interval (S1 + its half-width < 0: the estimator has not
settled; likewise above 1), and every index is defined (a cost-effectiveness ratio that is undefined
in some parameter sets has none). A target that fails gets a warning saying why in
place of the sentence, and no drivers, shares or assumption verdict.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

THRESHOLD = 0.5
TOP = 3
ST_TOLERANCE = 0.05   # largest |ST(N) − ST(N/2)| of converged indices (issue 19)


def convergence_check(sobol_table: pd.DataFrame, tolerance: float = ST_TOLERANCE) -> pd.DataFrame:
    """One row per target: whether its indices at the largest N converged, and if not, why.

    Columns: target, n, n_half, max_st_change (|ST(N) − ST(N/2)|, largest over factors),
    negative_s1 (paths whose S1 + S1_conf < 0, or S1 − S1_conf > 1, at N), undefined (an index is NaN), converged,
    warning (empty when converged).
    """
    sizes = sorted(sobol_table["n"].unique())
    n = int(sizes[-1])
    n_half = int(sizes[-2]) if len(sizes) > 1 else None
    rows = []
    for target, part in sobol_table.groupby("target", sort=False):
        full = part[part.n == n].set_index("path")
        undefined = bool(full[["S1", "ST"]].isna().any().any())
        conf = full["S1_conf"].fillna(0.0)
        negative = list(full.index[((full["S1"] + conf) < 0) | ((full["S1"] - conf) > 1)])
        if n_half is not None:
            half = part[part.n == n_half].set_index("path")
            change = float((full["ST"] - half["ST"].reindex(full.index)).abs().max())
        else:
            change = np.nan
        why = []
        if undefined:
            why.append("the output is undefined in some parameter sets (e.g. a cost per unit of an effect that "
                       "is below one unit), so it has no variance decomposition")
        else:
            if n_half is None:
                why.append(f"there are no indices at N/2 to compare with N = {n}")
            elif not change <= tolerance:
                why.append(f"a total-effect index moves by {change:.2f} between N = {n_half} and N = {n} "
                           f"(more than {tolerance:g})")
            if negative:
                why.append(f"{len(negative)} first-order index(es) outside [0, 1] beyond their confidence interval")
        warning = ("Indices not converged, so no driver is named: " + "; ".join(why)
                   + ("." if undefined else "; run with a larger N (sobol_n).")) if why else ""
        rows.append({"target": target, "n": n, "n_half": n_half, "max_st_change": change,
                     "negative_s1": ", ".join(map(str, negative)), "undefined": undefined,
                     "converged": not why, "warning": warning})
    return pd.DataFrame(rows)


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def sentence(shares: pd.DataFrame, threshold: float = THRESHOLD, by: str = "ST", grouped: bool = False) -> str:
    """A plain-words sentence for one target from its rows (label, kind, share), largest share first."""
    if shares.empty or not np.isfinite(shares["share"]).any() or shares["share"].sum() == 0:
        return "This result does not vary with any of the uncertain parameters studied."
    assumed = float(shares.loc[shares.kind == "assumption", "share"].sum())
    partly = float(shares.loc[shares.kind == "partly assumed", "share"].sum())
    index = "total-effect" if by == "ST" else "first-order"
    who = "groups of parameters that are all assumptions" if grouped else "parameters whose source is an assumption"
    tail = (f"{who} carry {assumed:.0%} of its variance ({index} Sobol' indices"
            + (" by group" if grouped else "") + ")"
            + (f", and partly assumed ones a further {partly:.0%}" if partly >= 0.005 else ""))
    if assumed > threshold:
        main = shares[(shares.kind == "assumption") & (shares.share > 0)].head(TOP)
        return (f"This result depends mainly on assumptions: the assumed {_join(list(main.label))}; {tail}.")
    top = shares[shares.share > 0].head(TOP)
    named = [f"{r.label} ({r.kind}, {r.share:.0%})" for r in top.itertuples()]
    return f"This result depends mainly on {_join(named)}; {tail}."


def drivers(sobol_table: pd.DataFrame, by: str = "ST", top: int = TOP, threshold: float = THRESHOLD,
            tolerance: float = ST_TOLERANCE, grouped: bool = False) -> pd.DataFrame:
    """One row per target: its ``top`` drivers with their shares, the assumption shares and a sentence.

    Columns: target, n, by, driver_1 … driver_{top} (paths), driver_i_label,
    driver_i_kind, driver_i_share, assumption_share, partly_assumed_share,
    depends_on_assumptions (assumption_share > threshold), threshold, converged,
    max_st_change, sentence. A target whose indices did not converge
    (:func:`convergence_check`) gets the check's warning as its sentence, empty
    drivers, NaN shares and ``depends_on_assumptions`` None. ``grouped``: the rows are
    factor groups (:mod:`simulate.analysis.groups`), and the sentence says so.
    """
    if by not in ("ST", "S1"):
        raise ValueError(f"by must be 'ST' or 'S1', got {by!r}")
    n = int(sobol_table["n"].max())
    check = convergence_check(sobol_table, tolerance).set_index("target")
    rows = []
    for target, part in sobol_table[sobol_table.n == n].groupby("target", sort=False):
        ok = bool(check.loc[target, "converged"])
        if not ok:
            row = {"target": target, "n": n, "by": by}
            for i in range(top):
                row.update({f"driver_{i + 1}": "", f"driver_{i + 1}_label": "", f"driver_{i + 1}_kind": "",
                            f"driver_{i + 1}_share": np.nan})
            row.update(assumption_share=np.nan, partly_assumed_share=np.nan, depends_on_assumptions=None,
                       threshold=threshold, converged=False, max_st_change=check.loc[target, "max_st_change"],
                       sentence=check.loc[target, "warning"])
            rows.append(row)
            continue
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
                   depends_on_assumptions=bool(assumed > threshold), threshold=threshold, converged=True,
                   max_st_change=check.loc[target, "max_st_change"], sentence=sentence(shares, threshold, by, grouped))
        rows.append(row)
    return pd.DataFrame(rows)
