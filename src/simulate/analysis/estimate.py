"""Statistical estimation with statsmodels: simulated pupil microdata and real data.

Simulated microdata (does a regression recover the model's own dropout hazard?)
-----------------------------------------------------------------------------
:func:`microdata` draws pupil-years at risk from the cells of simulated runs
(one row per pupil-year: school covariates, group flags, learning, and
whether the pupil receives aid, is monitored and is paired) and draws whether
each pupil dropped out as a Bernoulli variate with the *engine's own* hazard.
The engine's cell hazard is a mixture over receiver classes
(:func:`simulate.model.levers.dropout.hazard`); a pupil belongs to one class,
drawn with the class probabilities the engine uses (aid with the cell's
effective receiver share, monitoring and pairing with their coverage,
independently), and drops out with that class's hazard
(:func:`simulate.model.levers.dropout.class_hazard` on the engine's own base
log-odds and receiver offsets; nothing here re-implements the hazard), so the
pupils of a cell drop out at the cell's hazard on average.
:func:`fit_dropout_logit` fits a
discrete-time hazard model (a logit on pupil-years, with stage and grade
terms) and :func:`true_coefficients` gives the engine's log-odds coefficients
under the same covariate names, so :func:`recovery_table` can show whether the
estimates cover the truth.

Identification: a programme whose coverage lies strictly between 0 and 1
varies between pupils of one scenario (receivers and non-receivers); one that
reaches everyone or no one (pairing at full coverage in the baseline) is
collinear with the intercept or a group flag. ``aid_exposure`` is the
receiver's fall in log-odds in units of the trial's effect (1 for a poor
junior-secondary pupil at the trial's dose), so its coefficient is
−``trial_log_odds``; the saturating dose–response and the group and stage
multipliers are part of the covariate, not estimated. Pool several scenarios
(``baseline``, ``no_policy``, ``targeted_aid``, ``intensive_control``) for
variation in doses and coverage. Terms without
independent variation are dropped by the fit and their true effect is folded
into the terms they are collinear with (:func:`recovery_table`). Disabled
pupils unable to attend who are not taught at home leave with certainty
(``with_home_teaching``): their hazard is a mixture, not a logit, so those rows
are flagged ``logistic_hazard = False`` and left out of the fit.

Real data: statsmodels' star98 (California, 1998)
-------------------------------------------------
:func:`star98_glm` reproduces the statsmodels GLM Binomial example (303
districts; pupils above vs below the national maths median on 20 covariates
including interactions, constant last; published coefficients in
docs/sources.md [star98]: LOWINC −0.016815, PERSPENK −1.952161, PTRATIO
−0.334086, constant 2.958878). :func:`star98_elasticities` turns it into
elasticities usable as priors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd

from ..model import engine
from ..model.levers import dropout, reenrolment
from ..inputs.district import GROUP_FLAGS, District
from ..model.levers.common import LOCATIONS
from ..randomness import stream
from ..inputs.scenario import Scenario, load_scenario

__all__ = ["COVARIATES", "microdata", "true_coefficients", "fit_dropout_logit", "recovery_table", "summary_text",
           "joint_wald_pvalue", "star98_glm", "star98_elasticities", "STAR98_PUBLISHED"]

#: Covariates of the dropout logit, in the engine's parameterisation (town schools, primary stage = reference).
COVARIATES = ("junior", "grade_in_stage", "poor", "left_behind", "disabled", "migrant",
              "location_urban", "location_rural", "location_mountain", "learning", "facility",
              "boarding_share", "aid_exposure", "monitored", "paired")
REFERENCE_LOCATION = "town"
PRIMARY_GRADES = engine.PRIMARY_GRADES


# ------------------------------------------------------------------ true coefficients
def true_coefficients(scenario: Scenario | str = "baseline", year: int | None = None) -> pd.Series:
    """The engine's log-odds coefficients of the dropout hazard by covariate name (see module docstring).

    ``Intercept`` is the primary-stage intercept of a town school (the
    reference location); ``junior`` the junior minus primary intercept;
    ``location_*`` differences from town; ``aid_exposure`` multiplies an aid
    receiver's fall in log-odds in units of the trial's effect, so its
    coefficient is −``trial_log_odds`` (negative: aid lowers dropout);
    ``monitored`` and ``paired`` (left-behind pupils) are the effects for a
    receiver of those programmes. Values at ``year``
    (default: the scenario's start year), central values (no sampling).
    """
    s = load_scenario(scenario) if isinstance(scenario, (str, Path)) else scenario
    def v(path):
        return float(s.value("dropout." + path, year))
    h = "hazard."
    town = v(f"{h}location_log_odds.{REFERENCE_LOCATION}")
    values = {
        "Intercept": v(f"{h}intercept_primary_log_odds") + town,
        "junior": v(f"{h}intercept_junior_log_odds") - v(f"{h}intercept_primary_log_odds"),
        "grade_in_stage": v(f"{h}grade_slope_log_odds"),
        **{flag: v(f"{h}group_log_odds.{flag}") for flag in GROUP_FLAGS},
        **{f"location_{loc}": v(f"{h}location_log_odds.{loc}") - town
           for loc in LOCATIONS if loc != REFERENCE_LOCATION},
        "learning": v(f"{h}learning_log_odds_per_sd"),
        "facility": v(f"{h}facility_log_odds_per_index_point"),
        "boarding_share": v(f"{h}boarding_log_odds"),
        "aid_exposure": -v("aid_effect.trial_log_odds"),
        "monitored": v("monitoring.hazard_log_odds"),
        "paired": v("pairing.hazard_log_odds"),
    }
    return pd.Series(values, name="true").loc[["Intercept", *COVARIATES]]


# ------------------------------------------------------------------ microdata
def _run_spec(item) -> tuple[District, Scenario, int, int, str]:
    """(district, scenario, years, seed, mode) of a Result or of run() keyword arguments."""
    from ..inputs.load import load_district
    from .result import Result

    if isinstance(item, Result):
        return item.district, item.scenario, len(item.years), item.seed, item.mode
    if isinstance(item, Mapping):
        unknown = set(item) - {"district", "scenario", "years", "seed", "mode"}
        if unknown:
            raise ValueError(f"microdata: unknown run argument(s) {sorted(unknown)}; "
                             "expected district, scenario, years, seed, mode")
        district = item["district"] if item.get("district") is not None else load_district()
        scenario = item.get("scenario", "baseline")
        scenario = load_scenario(scenario) if isinstance(scenario, (str, Path)) else scenario
        return district, scenario, int(item.get("years", 7)), int(item.get("seed", 0)), item.get("mode", "expected")
    raise TypeError(f"microdata: expected a Result or a dict of run() arguments, got {type(item).__name__}")


def _cell_frame(district: District, scenario: Scenario, years: int, seed: int, mode: str) -> pd.DataFrame:
    """Every (year, school, grade, group) cell with pupils at risk: covariates and the engine's hazard.

    Replays the engine's loop (same state, same random streams as
    :func:`simulate.model.engine.simulate` with one draw at central values) and
    reads the hazard the year step uses (``apply_dropout_controls``) as
    ``hazard``, with the receiver shares and offsets it mixes over and the
    hazard of each receiver class (``hazard_a{aid}m{monitored}p{paired}``).
    ``returner_share`` is the share of the cell's pupils at risk who came back
    from the out-of-school ledger (this year or before) and
    ``hazard_with_returners`` the cell's dropout probability with their higher
    hazard (``dropout.reenrolment.returner_relative_hazard``), which the engine's
    dropouts follow. The microdata draw pupils at ``hazard`` (their receiver
    class's): returners' extra risk is not a covariate of the fit.
    """
    from ..inputs.scaling import for_district

    scenario = for_district(scenario, district)  # as the engine does: the package at the district's size
    cells = engine.cells_of(district)
    start = scenario.start_year
    state = engine.initial_state(district, cells, scenario.resolve(start, None), 1,
                                 status_quo=scenario.status_quo.resolve(start, None),
                                 rng=stream(seed, "ledger start", start, 0) if mode == "stochastic" else None)
    n_school, n_grade, n_group = district.enrolled.shape
    school_idx, grade_idx, group_idx = (a.ravel() for a in np.indices((n_school, n_grade, n_group)))
    flags = cells.flags[group_idx]
    schools = district.schools
    frames = []
    for t in range(years):
        p = scenario.resolve(start + t, None)
        money = engine.allocate_budget(state, cells, p)
        controls = engine.apply_dropout_controls(state, cells, p, money)
        learning_start = state.learning
        returners_start = np.zeros_like(state.ledger) if state.returners is None else state.returners
        state, year = engine.year_step(state, cells, p, start + t, t, mode, seed, 0)
        at_risk = year.flows.at_risk
        back = np.divide(returners_start + year.flows.returns, at_risk, out=np.zeros_like(at_risk),
                         where=at_risk > 0)
        with_returners = controls.hazard + (reenrolment.returner_hazard(controls.hazard, p.dropout)
                                            - controls.hazard) * back
        d = p.dropout
        full = (1, n_school, n_grade, n_group)
        def cell(x):
            return np.broadcast_to(np.asarray(x, dtype=float), full)[0].ravel()
        base = dropout.base_log_odds(cells, learning_start, money.facility, cells.boarding_share, d)
        shares = dropout.receiver_shares(cells, money.aid_share, d)
        offsets = dropout.receiver_offsets(cells, money.aid_yuan, d)
        by_class = {f"hazard_a{a}m{m}p{q}": cell(dropout.class_hazard(
                        base, a * offsets[0] + m * offsets[1] + q * offsets[2], cells.disabled, d.home_teaching))
                    for a, m, q in product((0, 1), repeat=3)}
        trial = float(d.aid_effect.trial_log_odds)
        home_gap = float(d.home_teaching.cannot_attend_share) * (1.0 - float(d.home_teaching.coverage))
        df = pd.DataFrame({
            "year": start + t,
            "school_id": schools["school_id"].to_numpy()[school_idx],
            "location": np.asarray(LOCATIONS, dtype=object)[cells.location_code[school_idx]],
            "level": schools["level"].to_numpy()[school_idx],
            "grade": grade_idx + 1,
            "junior": (grade_idx >= PRIMARY_GRADES).astype(int),
            "grade_in_stage": np.where(grade_idx >= PRIMARY_GRADES, grade_idx - PRIMARY_GRADES, grade_idx),
            **{flag: flags[:, j].astype(int) for j, flag in enumerate(GROUP_FLAGS)},
            **{f"location_{loc}": (cells.location_code[school_idx] == LOCATIONS.index(loc)).astype(int)
               for loc in LOCATIONS if loc != REFERENCE_LOCATION},
            "learning": cell(learning_start),
            "facility": cell(money.facility[:, :, None, None]),
            "boarding_share": cell(cells.boarding_share[:, :, None, None]),
            "aid_share": cell(shares[0]),
            "aid_yuan_per_receiver": cell(money.aid_yuan),
            "aid_exposure_if_aided": -cell(offsets[0]) / trial if trial > 0 else 0.0 * cell(offsets[0]),
            "monitoring_coverage": float(d.monitoring.coverage),
            "pairing_coverage": float(d.pairing.coverage),
            "pairing_share": cell(shares[2]),
            "logistic_hazard": ~flags[:, 2] | (home_gap == 0.0),
            "hazard": cell(controls.hazard),
            "returner_share": cell(back),
            "hazard_with_returners": cell(with_returners),
            **by_class,
            "at_risk": cell(year.flows.at_risk),
        })
        frames.append(df[df["at_risk"] > 0])
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "scenario", scenario.name)
    return out


def microdata(runs, n_pupils: int | None = 100_000, seed: int = 0) -> pd.DataFrame:
    """Pupil-year rows drawn from simulated runs, with a Bernoulli dropout outcome.

    ``runs``: a :class:`~simulate.Result`, a dict of :func:`simulate.run`
    arguments, or a list of either (rows are stacked with a ``scenario``
    column). ``n_pupils`` pupil-years are drawn per run, each cell with
    probability proportional to its pupils at risk (``None``: every pupil at
    risk, cell counts rounded). Each pupil's receiver class is drawn with the
    engine's class probabilities: ``aided`` with the cell's effective aid
    share (``aid_yuan`` is then the yuan received, else 0), ``monitored`` with
    monitoring coverage, ``paired`` with pairing coverage (left-behind pupils
    only), independently. ``hazard`` is the pupil's class hazard (its mean
    over a cell's pupils is the engine's cell hazard, kept as
    ``cell_hazard``) and ``dropped`` ~ Bernoulli(``hazard``); the random
    numbers come from ``stream(seed, "microdata", run index)``.
    """
    if isinstance(runs, Mapping) or not isinstance(runs, Sequence):
        runs = [runs]
    if n_pupils is not None and (not isinstance(n_pupils, (int, np.integer)) or n_pupils < 1):
        raise ValueError(f"microdata: n_pupils must be a positive integer or None, got {n_pupils!r:.60}")
    frames = []
    for i, item in enumerate(runs):
        cells = _cell_frame(*_run_spec(item))
        rng = stream(seed, "microdata", i)
        w = cells["at_risk"].to_numpy()
        counts = (np.rint(w).astype(np.int64) if n_pupils is None
                  else rng.multinomial(int(n_pupils), w / w.sum()))
        rows = cells.loc[np.repeat(np.arange(len(cells)), counts)].reset_index(drop=True)
        u = rng.random((len(rows), 3))
        aided = (u[:, 0] < rows["aid_share"].to_numpy()).astype(int)
        monitored = (u[:, 1] < rows["monitoring_coverage"].to_numpy()).astype(int)
        paired = (u[:, 2] < rows["pairing_share"].to_numpy()).astype(int)
        class_columns = rows[[f"hazard_a{a}m{m}p{q}" for a, m, q in product((0, 1), repeat=3)]].to_numpy()
        hazard = class_columns[np.arange(len(rows)), 4 * aided + 2 * monitored + paired]
        rows = rows.assign(cell_hazard=rows["hazard"], hazard=hazard, aided=aided, monitored=monitored,
                           paired=paired, aid_yuan=aided * rows["aid_yuan_per_receiver"],
                           aid_exposure=aided * rows["aid_exposure_if_aided"])
        rows["dropped"] = (rng.random(len(rows)) < hazard).astype(int)
        frames.append(rows.drop(columns=["at_risk", *(c for c in rows.columns if c.startswith("hazard_a"))]))
    return pd.concat(frames, ignore_index=True)


# ------------------------------------------------------------------ fitting
def identified_terms(df: pd.DataFrame, terms: Sequence[str] = COVARIATES) -> tuple[list[str], list[str]]:
    """Split ``terms`` into those with independent variation in ``df`` and those collinear (kept, dropped)."""
    x = np.ones((len(df), 1))
    kept, dropped = [], []
    for term in terms:
        trial = np.column_stack([x, df[term].to_numpy(dtype=float)])
        if np.linalg.matrix_rank(trial, tol=1e-8 * max(1.0, np.abs(trial).max())) > x.shape[1]:
            x, kept = trial, kept + [term]
        else:
            dropped.append(term)
    return kept, dropped


def fit_dropout_logit(df: pd.DataFrame, terms: Sequence[str] = COVARIATES):
    """Discrete-time hazard of dropout: a logit of ``dropped`` on pupil-year covariates (statsmodels).

    Uses rows with ``logistic_hazard`` (see module docstring) and the
    ``terms`` with independent variation; the dropped terms are stored as
    ``fit.dropped_terms``. Returns the statsmodels results (``.params``,
    ``.conf_int()``, ``.summary()``).
    """
    import statsmodels.api as sm

    missing = [c for c in (*terms, "dropped") if c not in df.columns]
    if missing:
        raise ValueError(f"fit_dropout_logit: column(s) {missing} missing; build the data with microdata()")
    data = df[df["logistic_hazard"]] if "logistic_hazard" in df.columns else df
    kept, dropped = identified_terms(data, terms)
    exog = data[kept].astype(float)
    exog.insert(0, "Intercept", 1.0)
    fit = sm.Logit(data["dropped"].astype(float), exog).fit(disp=0, maxiter=100)  # endog named "dropped"
    fit.dropped_terms = dropped
    return fit


def folded_truth(truth: pd.Series, df: pd.DataFrame, kept: Sequence[str], dropped: Sequence[str]) -> pd.Series:
    """True coefficients of the kept terms once each dropped (collinear) term is expressed through them.

    If x_d = Σ a_k x_k exactly in the data, β_d x_d adds β_d a_k to term k.
    """
    out = truth.loc[["Intercept", *kept]].copy()
    if not dropped:
        return out
    x = np.column_stack([np.ones(len(df)), df[list(kept)].to_numpy(dtype=float)])
    for term in dropped:
        a, *_ = np.linalg.lstsq(x, df[term].to_numpy(dtype=float), rcond=None)
        out += truth[term] * a
    return out


def recovery_table(fit, truth: pd.Series, df: pd.DataFrame, level: float = 0.95,
                   simultaneous: bool = True) -> pd.DataFrame:
    """Estimate, standard error, interval and the true value per fitted term; ``covered`` if inside.

    With ``simultaneous`` the intervals are Bonferroni-adjusted so that all
    of them cover the truth with probability ≥ ``level`` (a family of 15
    separate 95% intervals misses at least once about half the time).
    """
    data = df[df["logistic_hazard"]] if "logistic_hazard" in df.columns else df
    kept = [t for t in fit.params.index if t != "Intercept"]
    true = folded_truth(truth, data, kept, getattr(fit, "dropped_terms", []))
    alpha = (1 - level) / (len(fit.params) if simultaneous else 1)
    ci = fit.conf_int(alpha=alpha)
    table = pd.DataFrame({"term": fit.params.index, "true": true.reindex(fit.params.index).to_numpy(),
                          "estimate": fit.params.to_numpy(), "se": fit.bse.to_numpy(),
                          "lo": ci[0].to_numpy(), "hi": ci[1].to_numpy()})
    table["covered"] = (table["lo"] <= table["true"]) & (table["true"] <= table["hi"])
    return table


def joint_wald_pvalue(fit, table: pd.DataFrame) -> float:
    """p-value of the Wald test that all fitted coefficients equal their true values jointly."""
    r = np.eye(len(fit.params))
    return float(fit.wald_test((r, table["true"].to_numpy()), scalar=True).pvalue)


# ------------------------------------------------------------------ star98
#: Coefficients of the statsmodels GLM Binomial example (docs/sources.md [star98]).
STAR98_PUBLISHED = {"LOWINC": -0.016815, "PERSPENK": -1.952161, "PTRATIO": -0.334086, "const": 2.958878}
#: star98's interaction columns as products of its base columns.
STAR98_INTERACTIONS = {
    "PERMINTE_AVYRSEXP": ("PERMINTE", "AVYRSEXP"), "PERMINTE_AVSAL": ("PERMINTE", "AVSALK"),
    "AVYRSEXP_AVSAL": ("AVYRSEXP", "AVSALK"), "PERSPEN_PTRATIO": ("PERSPENK", "PTRATIO"),
    "PERSPEN_PCTAF": ("PERSPENK", "PCTAF"), "PTRATIO_PCTAF": ("PTRATIO", "PCTAF"),
    "PERMINTE_AVYRSEXP_AVSAL": ("PERMINTE", "AVYRSEXP", "AVSALK"),
    "PERSPEN_PTRATIO_PCTAF": ("PERSPENK", "PTRATIO", "PCTAF"),
}
STAR98_ELASTICITY_VARIABLES = {
    "PERSPENK": "spending per pupil (thousand US$)", "PTRATIO": "pupil–teacher ratio (pupils/teacher)",
    "LOWINC": "low-income pupils (% of pupils)",
}


def star98_glm():
    """The statsmodels GLM Binomial example on star98: (NABOVE, NBELOW) on all 20 columns + constant last."""
    import statsmodels.api as sm

    data = sm.datasets.star98.load_pandas()
    exog = sm.add_constant(data.exog, prepend=False)
    return sm.GLM(data.endog, exog, family=sm.families.Binomial()).fit()


def _star98_row(base: pd.Series, columns: Sequence[str]) -> np.ndarray:
    """The design row with base columns at ``base`` and interactions as their products."""
    row = {c: base[c] for c in base.index}
    row.update({name: np.prod([base[c] for c in parts]) for name, parts in STAR98_INTERACTIONS.items()})
    row["const"] = 1.0
    return np.array([row[c] for c in columns], dtype=float)


def _star98_share_at(base: pd.Series, params: np.ndarray, columns: Sequence[str]) -> float:
    """Predicted share above the median with base columns at ``base`` and interactions as their products."""
    return float(1.0 / (1.0 + np.exp(-_star98_row(base, columns) @ params)))


def star98_elasticities(fit=None, level: float = 0.9) -> pd.DataFrame:
    """Elasticities of the share of pupils above the maths median at the district means.

    Elasticity of ``x`` = d ln p / d ln x, with every base covariate at its
    mean across the 303 districts and each interaction column equal to the
    product of those means (so a change in spending also moves
    spending × PTRATIO etc., as in the model). In closed form: with ``r`` the
    design row and ``r_x`` its entries that contain ``x`` (``x`` itself and its
    interactions; each is proportional to ``x``, so d r_c / d ln x = r_c),
    e = (1 − p)·(r_x·β). Standard errors by the delta method with the exact
    gradient de/dβ = (1 − p)·r_x − (r_x·β)·p(1 − p)·r and the fit's covariance;
    ``lo``/``hi`` a normal ``level`` interval. ``semi_elasticity`` is
    d logit p / dx (log-odds per unit of x) at the means. (Closed forms, not
    nested finite differences, so the figures are the same on every machine.)
    """
    import statsmodels.api as sm

    fit = star98_glm() if fit is None else fit
    exog = sm.datasets.star98.load_pandas().exog
    base_cols = [c for c in exog.columns if c not in STAR98_INTERACTIONS]
    means = exog[base_cols].mean()
    columns = list(fit.params.index)
    beta = fit.params.to_numpy()
    cov = fit.cov_params().to_numpy()
    row = _star98_row(means, columns)
    p = float(1.0 / (1.0 + np.exp(-row @ beta)))

    from scipy.stats import norm
    z = norm.ppf(0.5 + level / 2)
    rows = []
    for var, label in STAR98_ELASTICITY_VARIABLES.items():
        contains = np.array([c == var or var in STAR98_INTERACTIONS.get(c, ()) for c in columns])
        r_x = np.where(contains, row, 0.0)
        e = (1 - p) * float(r_x @ beta)
        grad = (1 - p) * r_x - float(r_x @ beta) * p * (1 - p) * row
        se = float(np.sqrt(grad @ cov @ grad))
        rows.append({"variable": var, "meaning": label, "mean": float(means[var]), "share_above_median": p,
                     "elasticity": e, "se": se, "lo": e - z * se, "hi": e + z * se,
                     "semi_elasticity": e / (float(means[var]) * (1 - p))})
    return pd.DataFrame(rows)


def summary_text(fit) -> str:
    """A statsmodels fit's ``summary()`` as text without the wall-clock date and time it prints, so a
    findings notebook that shows it is the same bytes at every regeneration."""
    import re

    text = fit.summary().as_text()
    text = re.sub(r"(Date:\s+)\w{3}, \d{2} \w{3} \d{4}", lambda m: m.group(1) + "(not recorded)".ljust(16), text)
    return re.sub(r"(Time:\s+)\d{2}:\d{2}:\d{2}", lambda m: m.group(1) + "(not recorded)".rjust(8), text)
