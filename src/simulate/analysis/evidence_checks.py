"""The stored posterior: write, check for staleness, and score it on the evidence.

:func:`run` is what ``simulate calibrate --posterior --write`` does: fit
(:func:`simulate.analysis.posterior.fit`), score every figure with the engine
at the posterior draws, run leave-one-study-out cross-validation, and write
``params/posterior/``:

``draws.csv``
    the posterior draws (one column per calibrated parameter);
``posterior.yaml``
    the header: sha256 of the registry, of the parameters the designs read
    (every leaf of the scenarios they use, the calibrated ones excepted) and of
    the district's data; the engine's values of the calibration figures at the
    posterior mean (the model's fingerprint: a changed model changes them); the
    sampler's settings and diagnostics; the emulator check; package versions;
    ``central`` (the posterior means, also written into params/baseline.yaml);
``figures.csv``
    the fit per target: every figure, calibration and held-out, with its
    published estimate and interval, the posterior predictive mean and 90%
    interval (the engine at the posterior draws of the calibrated parameters,
    every other uncertain parameter drawn from its prior, expected mode), the posterior
    predictive interval of the *published* figure (adding the figure's own
    sampling error and discrepancy), inside / overlap / z, and its prior
    predictive mean and interval (the engine at prior draws);
``loso.csv``
    leave-one-study-out: each calibration study's figures predicted by a
    posterior fitted without that study, and how far each parameter's posterior
    mean moved without it (in posterior sd: which figures drove the posterior).

Nothing is dropped because it misses: every figure of the registry has a row,
pending ones (a lever not yet in the model) with status ``pending``.
:func:`check` lists what is stale (``simulate calibrate --check`` fails on any).
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..inputs import posterior as stored
from ..inputs.scenario import _leaf_core, load_scenario
from .designs import pending
from .evidence import Registry, load_registry
from .posterior import (WRITTEN_BY, Fit, Settings, central_values, fit, log_posterior_fn, prior_offsets, run_engine,
                        sample)

PREDICTIVE_DRAWS = 200
LEVEL = 0.9


# ------------------------------------------------------------------ hashes
def params_hash(reg: Registry) -> str:
    """sha256 of every leaf (value, schedule, scaling) of the scenarios the designs use, calibrated ones excepted:
    the registry's and the learning scale's (``data/banan/targets.yaml``, refitted after the posterior by the same
    command; the model fingerprint covers it)."""
    from ..inputs.scenario import params_dir
    from ..provenance import sha256_of_obj

    names = sorted({f.design["scenario"] for f in reg.figures.values()} | {"baseline"})
    targets = params_dir().parent / "data" / "banan" / "targets.yaml"   # calibrate.DEFAULT_TARGETS
    fitted = (yaml.safe_load(targets.read_text(encoding="utf-8")) or {}).get("parameters", []) \
        if targets.is_file() else []
    calibrated = set(reg.parameter_paths) | set(fitted)
    tree = {}
    for name in names:
        s = load_scenario(name)
        tree[name] = {p: _leaf_core({k: v for k, v in leaf.items() if k != "uncertainty"})
                      for p, leaf in sorted(s.leaves.items()) if p not in calibrated}
    return sha256_of_obj(tree)


def data_hash(district=None) -> str:
    from ..inputs.load import load_district

    return (district or load_district()).data_hash


# ------------------------------------------------------------------ scoring
def _subsample(draws: np.ndarray, n: int) -> np.ndarray:
    return draws[np.linspace(0, len(draws) - 1, min(n, len(draws))).round().astype(int)]


def _prior_draws(reg: Registry, n: int, seed: int) -> np.ndarray:
    from scipy.special import ndtri

    from .posterior import _sobol

    u = _sobol(len(reg.parameter_paths), n, seed + 7)
    cols = []
    for j, p in enumerate(reg.parameter_paths):
        pr = reg.parameters[p].prior
        cols.append(pr.low + u[:, j] * (pr.high - pr.low) if pr.distribution == "uniform"
                    else pr.mean + pr.sd * ndtri(np.clip(u[:, j], 1e-6, 1 - 1e-6)))
    return np.stack(cols, axis=1)


def score(reg: Registry, figures, values: np.ndarray, prior_values: np.ndarray | None, seed: int) -> pd.DataFrame:
    """The fit-per-target rows of ``figures`` from engine values (draws, figures) at posterior draws."""
    a = (1 - LEVEL) / 2
    rng = np.random.default_rng(seed)
    rows = []
    for j, f in enumerate(figures):
        v = values[:, j]
        row = {"figure": f.id, "study": f.study, "group": reg.group_of(f), "role": f.role, "estimate": f.estimate,
               "published_lo": f.interval.lo, "published_hi": f.interval.hi,
               "interval_published": f.interval.published, "interval_level": f.interval.level}
        if np.isnan(v).all():
            rows.append({**row, "status": "pending: needs " + ", ".join(f.requires)})
            continue
        noise = rng.standard_normal(len(v)) * np.hypot(f.sd, f.discrepancy)
        ppi = np.quantile(v + noise, [a, 1 - a])
        lo, hi = np.quantile(v, [a, 1 - a])
        mean = float(v.mean())
        row.update(status="scored", posterior_mean=mean, posterior_lo=float(lo), posterior_hi=float(hi),
                   ppi_lo=float(ppi[0]), ppi_hi=float(ppi[1]),
                   inside=bool(f.interval.lo <= mean <= f.interval.hi),
                   overlap=bool(lo <= f.interval.hi and f.interval.lo <= hi),
                   in_ppi=bool(ppi[0] <= f.estimate <= ppi[1]),
                   z=float((mean - f.estimate) / np.hypot(f.sd, f.discrepancy)) if np.hypot(f.sd, f.discrepancy) > 0
                   else float("nan"))
        if prior_values is not None:
            pv = prior_values[:, j]
            row.update(prior_mean=float(pv.mean()), prior_lo=float(np.quantile(pv, a)),
                       prior_hi=float(np.quantile(pv, 1 - a)))
        rows.append(row)
    return pd.DataFrame(rows)


def loso(result: Fit, district=None, n: int = PREDICTIVE_DRAWS) -> pd.DataFrame:
    """Leave-one-study-out: per calibration study, the posterior without it (on the same emulator, a chain of
    half the length) predicts its figures (engine at ``n`` draws); plus each parameter's shift in posterior sd."""
    reg, paths = result.registry, result.paths
    central = central_values(paths, reg)
    sd = result.draws.std(axis=0)
    mean = result.draws.mean(axis=0)
    settings = result.settings
    short = Settings(**{**settings.__dict__, "steps": max(settings.burn + 200, settings.steps // 2)})
    rows = []
    for study in sorted({f.study for f in result.figures}):
        keep = [j for j, f in enumerate(result.figures) if f.study != study]
        left = [f for f in result.figures if f.study == study]
        em = result.emulator
        sub = type(em)(em.lows, em.highs, [em.gps[j] for j in keep], em.logit[keep])
        logp = log_posterior_fn(reg, paths, [result.figures[j] for j in keep], sub, (em.lows, em.highs),
                                result.emulator_check["rmse"].to_numpy()[keep])
        best = np.argsort(-logp(result.design_theta), kind="stable")[:settings.walkers]
        draws, _ = sample(logp, result.design_theta[best], short)
        values = run_engine(left, _subsample(draws, n), paths, central, district, prior_offsets(n, settings.seed))
        table = score(reg, left, values, None, settings.seed)
        shift = (draws.mean(axis=0) - mean) / np.where(sd > 0, sd, 1.0)
        for r in table.to_dict("records"):
            rows.append({"left_out": study, **r, **{f"shift.{p}": float(s) for p, s in zip(paths, shift)}})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ run, write, check
def run(settings: Settings | None = None, district=None, registry: Registry | None = None,
        cross_validate: bool = True) -> dict:
    """Fit, score and cross-validate; returns the texts of the four files (nothing written)."""
    from ..provenance import package_versions

    reg = load_registry() if registry is None else registry
    settings = settings or Settings()
    result = fit(reg, settings, district)
    paths = result.paths
    central = central_values(paths, reg)
    figures = list(reg.figures.values())
    others = prior_offsets(PREDICTIVE_DRAWS, settings.seed)   # the rest of the parameters, from their priors
    post = run_engine(figures, _subsample(result.draws, PREDICTIVE_DRAWS), paths, central, district, others)
    prior = run_engine(figures, _prior_draws(reg, PREDICTIVE_DRAWS, settings.seed), paths, central, district, others)
    table = score(reg, figures, post, prior, settings.seed)
    cv = loso(result, district) if cross_validate else pd.DataFrame()
    means = {p: round(float(v), 4) for p, v in result.mean.items()}
    at_mean = run_engine(result.figures, np.array([[means[p] for p in paths]]), paths, central, district)[0]
    draws_csv = _csv(pd.DataFrame(result.draws, columns=paths).round(6).rename_axis("draw").reset_index())
    header = {
        "written_by": WRITTEN_BY,
        "what": "posterior draws of the calibrated parameters (draws.csv), fitted to the calibration figures of "
                "the registry; the held-out figures never entered the fit (figures.csv scores them)",
        "method": "history matching (one wave, implausibility < 3) then emcee on a scikit-learn Gaussian-process "
                  "emulator of the engine (expected mode); likelihood normal with variance published sd² + "
                  "discrepancy² + the emulator's check RMSE²",
        "registry": "data/evidence/registry.yaml",
        "registry_sha256": reg.sha256,
        "params_sha256": params_hash(reg),
        "data_sha256": data_hash(district),
        "draws_sha256": hashlib.sha256(draws_csv.encode()).hexdigest(),
        "settings": {k: int(v) for k, v in settings.__dict__.items()},
        "diagnostics": result.diagnostics,
        "emulator_check": {r.figure: {"rmse": _r(r.rmse), "spread": _r(r.spread), "published_sd": _r(r.published_sd)}
                           for r in result.emulator_check.itertuples()},
        "central": means,
        "central_figures": {f.id: _r(v, 8) for f, v in zip(result.figures, at_mean)},
        "summary": {r.parameter: {"mean": _r(r.mean), "sd": _r(r.sd), "q05": _r(r.q05), "q95": _r(r.q95)}
                    for r in result.summary().itertuples()},
        "packages": package_versions(["numpy", "scipy", "scikit-learn", "emcee"]),
    }
    return {stored.DRAWS_FILE: draws_csv, stored.HEADER_FILE: "# " + f"written by `{WRITTEN_BY}`; do not edit\n"
            + yaml.safe_dump(header, sort_keys=False, allow_unicode=True, width=120),
            "figures.csv": _csv(table), "loso.csv": _csv(cv), "_seconds": result.seconds}


def _r(v, digits: int = 6) -> float:
    return round(float(v), digits)


def _csv(df: pd.DataFrame) -> str:
    buf = io.StringIO()
    df.to_csv(buf, index=False, float_format="%.6g", lineterminator="\n")
    return buf.getvalue()


def write(texts: dict, folder: Path | None = None) -> Path:
    """Write the files of :func:`run` into ``params/posterior/`` (replacing only files this command wrote).
    The caller (``simulate calibrate --posterior --write``) then writes :func:`central` into
    params/baseline.yaml."""
    from ..provenance import write_file_atomically

    folder = Path(folder) if folder is not None else stored.folder()
    folder.mkdir(parents=True, exist_ok=True)
    header = folder / stored.HEADER_FILE
    if header.exists() and WRITTEN_BY not in header.read_text(encoding="utf-8")[:200]:
        raise ValueError(f"{header}: not replaced: simulate did not write it")
    for name, text in texts.items():
        if not name.startswith("_"):
            write_file_atomically(folder / name, text, overwrite=True, what="posterior")
    return folder


def refresh_fingerprint(district=None, registry: Registry | None = None, folder: Path | None = None) -> None:
    """Rewrite the header's ``central_figures`` with the engine's values of the calibration figures at the
    committed parameters (after the posterior means and the learning scale's intercept were written)."""
    import re

    from ..provenance import write_file_atomically
    from .designs import simulate_figures

    reg = load_registry() if registry is None else registry
    folder = Path(folder) if folder is not None else stored.folder()
    path = folder / stored.HEADER_FILE
    text = path.read_text(encoding="utf-8")
    values = simulate_figures(reg.calibration, district=district)[0]
    block = "central_figures:\n" + "".join(f"  {f.id}: {_r(v, 8)}\n" for f, v in zip(reg.calibration, values))
    new = re.sub(r"^central_figures:\n(?:  .*\n)*", lambda m: block, text, count=1, flags=re.M)
    yaml.safe_load(new)
    write_file_atomically(path, new, overwrite=True, what="posterior")


def central(texts: dict) -> dict[str, float]:
    """The posterior means of :func:`run`'s header (what params/baseline.yaml must hold)."""
    return yaml.safe_load(texts[stored.HEADER_FILE])["central"]


def check(district=None, registry: Registry | None = None) -> list[str]:
    """What is stale about the stored posterior (empty: fresh)."""
    from .designs import simulate_figures

    got = stored.load()
    folder = stored.folder()
    if got is None:
        return [f"{folder}: no posterior (or SIMULATE_POSTERIOR=off): run `simulate calibrate --posterior --write`"]
    paths, values, header = got
    reg = load_registry() if registry is None else registry
    problems = []
    if header.get("registry_sha256") != reg.sha256:
        problems.append("the registry of published figures changed since the fit")
    if list(paths) != reg.parameter_paths:
        problems.append(f"the calibrated parameters changed: draws have {list(paths)}, the registry lists "
                        f"{reg.parameter_paths}")
    if header.get("params_sha256") != params_hash(reg):
        problems.append("a parameter the designs read changed since the fit (params/baseline.yaml or a scenario)")
    if header.get("data_sha256") != data_hash(district):
        problems.append("the district's data changed since the fit")
    draws_text = (folder / stored.DRAWS_FILE).read_text(encoding="utf-8")
    if header.get("draws_sha256") != hashlib.sha256(draws_text.encode()).hexdigest():
        problems.append(f"{folder / stored.DRAWS_FILE} was edited after the fit")
    base = load_scenario("baseline")
    for p, v in (header.get("central") or {}).items():
        if p in base.leaves and abs(float(base.value(p)) - float(v)) > 5e-5:
            problems.append(f"params/baseline.yaml {p} = {base.value(p)} is not the posterior mean {v}")
    if not problems:
        figs = [reg.figures[k] for k in header.get("central_figures", {}) if k in reg.figures]
        now = simulate_figures(figs, district=district)[0]
        moved = [f"{f.id} ({header['central_figures'][f.id]:.6f} → {v:.6f})" for f, v in zip(figs, now)
                 if not abs(v - header["central_figures"][f.id]) <= 1e-6]
        if moved:
            problems.append("the model's values of the calibration figures at the posterior mean changed since the "
                            "fit (a model change): " + "; ".join(moved))
    return problems


def tables(folder: Path | None = None) -> dict[str, pd.DataFrame]:
    """The stored tables as tidy DataFrames (for the findings): figures, loso, parameters, held_out score."""
    folder = Path(folder) if folder is not None else stored.folder()
    figures = pd.read_csv(folder / "figures.csv")
    loso_t = pd.read_csv(folder / "loso.csv") if (folder / "loso.csv").stat().st_size > 1 else pd.DataFrame()
    header = yaml.safe_load((folder / stored.HEADER_FILE).read_text(encoding="utf-8"))
    params = pd.DataFrame([{"parameter": p, **v} for p, v in header["summary"].items()])
    return {"figures": figures, "loso": loso_t, "parameters": params, "held_out": held_out_score(figures)}


def held_out_score(figures: pd.DataFrame) -> pd.DataFrame:
    """One row per role: figures, scored, inside the published interval, intervals overlapping, published
    estimate inside the posterior predictive interval, pending."""
    out = []
    for role, g in figures.groupby("role", sort=True):
        s = g[g["status"] == "scored"]
        out.append({"role": role, "figures": len(g), "scored": len(s), "pending": int((g["status"] != "scored").sum()),
                    "inside": int(s["inside"].astype(bool).sum()), "overlap": int(s["overlap"].astype(bool).sum()),
                    "in_ppi": int(s["in_ppi"].astype(bool).sum())})
    return pd.DataFrame(out)


def missing_figures(reg: Registry) -> list[str]:
    """Figures whose design needs a parameter the model does not have yet."""
    return [f.id for f in reg.figures.values() if pending(f)]


def miss_sentences(figures: pd.DataFrame) -> list[str]:
    """One sentence per figure whose posterior mean lies outside its published interval, saying what the miss
    means; and one per pending figure. No figure is left out."""
    out = []
    for r in figures.itertuples():
        if r.status != "scored":
            out.append(f"{r.figure} ({r.role}): {r.status}; not scored until the lever exists.")
            continue
        if bool(r.inside):
            continue
        side = "above" if r.posterior_mean > r.published_hi else "below"
        what = ("the model fitted to the calibration figures disagrees with this independent figure"
                if r.role == "held_out" else
                "an input check: this figure set a parameter directly, so the miss says the parameter does not "
                "carry it through the model's structure" if r.role == "input" else
                "the calibration could not reconcile this figure with the others (tension among the calibration "
                "figures, or a model that cannot produce it)")
        out.append(f"{r.figure} ({r.role}): model {r.posterior_mean:.4g} (90% {r.posterior_lo:.4g} to "
                   f"{r.posterior_hi:.4g}) lies {side} the published {r.estimate:.4g} [{r.published_lo:.4g}, "
                   f"{r.published_hi:.4g}] (z = {r.z:+.1f}); {what}"
                   + ("; the intervals still overlap." if bool(r.overlap) else "."))
    return out
