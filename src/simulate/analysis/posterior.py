"""Bayesian calibration against the registry of published figures, with a model-discrepancy term.

``fit()`` estimates the registry's calibrated parameters (``parameters`` of
``data/evidence/registry.yaml``: the dropout hazard's primary and junior
intercepts, grade slope and poor-household term, the transfer's effect at the
trial dose, the training effect) jointly from the *calibration* figures only:

1. **Design runs.** ``n_design`` parameter sets from a scrambled Sobol sequence
   over the priors' support (``scipy.stats.qmc``) run through the engine's draw
   axis (:func:`simulate.analysis.designs.simulate_figures`: each figure as its
   study was designed, expected mode). Every other parameter stays at its
   central value.
2. **Emulator.** One Gaussian process per figure (scikit-learn,
   ``GaussianProcessRegressor``, anisotropic RBF + white noise, inputs scaled
   to the unit cube), checked on ``n_check`` further Sobol points run through
   the engine (the header records each figure's emulator error).
3. **Likelihood.** Figure i's published estimate y_i is normal around the
   emulated model value m_i(θ) with variance s_i² + δ_i² + e_i²: s_i the
   published (or derived) standard error (the interval's half-width over its
   z), δ_i the registry's model discrepancy (a synthetic district is not the
   study's county), e_i the emulator's root-mean-square error on the check runs.
4. **Sampler.** ``emcee``'s affine-invariant ensemble sampler (vectorised: all
   walkers in one emulator call) from the best design points; after burn-in the
   chain is thinned to ``keep`` draws.

Why emcee on a GP emulator: the engine takes ~50 ms per parameter set for all
figures, too slow for the ~10⁵ likelihood evaluations of MCMC, but smooth in
the parameters, so a GP emulates it closely from a few hundred runs; emcee is
small, well kept, needs no tuning beyond walkers and steps, and takes a seeded
random state, so a rerun gives the same draws (ABC-SMC, e.g. pyabc, would need
thousands of engine runs per generation and a database; history matching alone
gives a plausible region, not a posterior to carry into comparisons).

``write()`` stores the draws and the header (:mod:`simulate.inputs.posterior`)
with the registry's, the parameters' and the data's sha256, the engine's values
of the calibration figures at the posterior mean (a model fingerprint), and
writes the posterior means into params/baseline.yaml. ``check()`` reports what
is stale; ``simulate calibrate --posterior --check`` fails then, and
``simulate calibrate --posterior --write`` regenerates everything (seeded: the
same bytes on rerun).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import SimulateError
from ..inputs.scenario import load_scenario
from .designs import simulate_figures
from .evidence import Registry, load_registry

SEED = 20191
CHUNK = 128
WRITTEN_BY = "simulate calibrate --posterior --write"
IMPLAUSIBLE = 3.0   # history matching's cut-off (Pukelsheim's three-sigma rule)


class PosteriorError(SimulateError, ValueError):
    """A calibration that cannot run, or stored draws that are stale."""


@dataclass(frozen=True)
class Settings:
    n_design: int = 384
    n_check: int = 64
    walkers: int = 32
    steps: int = 2500
    burn: int = 1000
    keep: int = 1000
    probe: int = 8192
    seed: int = SEED

    @classmethod
    def tiny(cls) -> "Settings":
        """For tests: a few dozen engine runs and a short chain (not a usable posterior)."""
        return cls(n_design=24, n_check=8, walkers=12, steps=120, burn=60, keep=60, probe=256)


@dataclass(eq=False)
class Emulator:
    """One GP per figure over the unit cube of ``lows``–``highs``; shares (``logit``) on the logit scale."""

    lows: np.ndarray
    highs: np.ndarray
    gps: list
    logit: np.ndarray                    # (figures,) bool

    def unit(self, theta: np.ndarray) -> np.ndarray:
        return (np.atleast_2d(theta) - self.lows) / (self.highs - self.lows)

    def __post_init__(self):
        # the fitted GPs' predictive equations, precomputed: sklearn's predict() validates its input on every
        # call, which dominated the sampler's time (~10⁴ calls); these are the same numbers
        self._fast = []
        for gp in self.gps:
            k = gp.kernel_
            const, rbf, white = k.k1.k1.constant_value, k.k1.k2.length_scale, k.k2.noise_level
            linv = np.linalg.inv(gp.L_)
            self._fast.append((const, np.atleast_1d(rbf), white, gp.X_train_ / np.atleast_1d(rbf), gp.alpha_,
                               linv, gp._y_train_mean, gp._y_train_std))

    def _raw(self, u: np.ndarray, sd: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
        ms, ss = [], []
        for const, ell, white, xs, alpha, linv, ymean, ystd in self._fast:
            z = u / ell
            d2 = (z ** 2).sum(axis=1)[:, None] + (xs ** 2).sum(axis=1)[None, :] - 2 * z @ xs.T
            ks = const * np.exp(-0.5 * np.maximum(d2, 0.0))
            ms.append((ks @ alpha) * ystd + ymean)
            if sd:
                v = ks @ linv.T
                ss.append(np.sqrt(np.maximum(const + white - (v ** 2).sum(axis=1), 0.0)) * ystd)
        return np.stack(ms, axis=1), (np.stack(ss, axis=1) if sd else None)

    def predict(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(mean, sd), each (points, figures), on the figures' own scale (delta method from the logit)."""
        m, s = self._raw(self.unit(theta))
        p = 1.0 / (1.0 + np.exp(-m))
        return np.where(self.logit, p, m), np.where(self.logit, p * (1 - p) * s, s)

    def mean(self, theta: np.ndarray) -> np.ndarray:
        """The predictive mean only (points, figures): what the sampler calls, ~10⁴ times."""
        m, _ = self._raw(self.unit(theta), sd=False)
        return np.where(self.logit, 1.0 / (1.0 + np.exp(-m)), m)


@dataclass(eq=False)
class Fit:
    registry: Registry
    paths: list[str]
    draws: np.ndarray                     # (keep, parameters)
    emulator: Emulator
    design_theta: np.ndarray
    design_values: np.ndarray             # (n_design, calibration figures)
    emulator_check: pd.DataFrame
    diagnostics: dict
    settings: Settings
    seconds: float = 0.0
    figures: list = field(default_factory=list)

    @property
    def mean(self) -> dict[str, float]:
        return {p: float(v) for p, v in zip(self.paths, self.draws.mean(axis=0))}

    def summary(self) -> pd.DataFrame:
        q = np.quantile(self.draws, [0.05, 0.5, 0.95], axis=0)
        return pd.DataFrame({"parameter": self.paths, "mean": self.draws.mean(axis=0), "sd": self.draws.std(axis=0),
                             "q05": q[0], "median": q[1], "q95": q[2]})


# ------------------------------------------------------------------ pieces
def central_values(paths: list[str], registry: Registry | None = None) -> np.ndarray:
    """The values the engine runs the calibrated parameters' offsets from: each one's prior centre (the
    registry's; the mean of a normal prior, the middle of a uniform), not its committed value. The designs
    set these leaves to them (:func:`run_engine`), so a fit does not depend on the posterior means it
    writes: from the committed values, a rerun fits the same draws (with the committed values as the
    reference, a fit and the next flipped between two posteriors, 2026-12-08)."""
    reg = load_registry() if registry is None else registry
    return np.array([float(np.mean(reg.parameters[p].prior.support())) for p in paths])


def offsets_of(theta: np.ndarray, paths: list[str], central: np.ndarray) -> dict[str, np.ndarray]:
    return {p: theta[:, j] - central[j] for j, p in enumerate(paths)}


def run_engine(figures, theta: np.ndarray, paths: list[str], central: np.ndarray, district=None,
               extra: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """(points, figures) from the engine, in chunks of :data:`CHUNK` parameter sets; ``extra``: per-point
    offsets of other parameters (e.g. prior draws of every uncertain leaf) applied alongside."""
    parts = []
    for i in range(0, len(theta), CHUNK):
        t = theta[i:i + CHUNK]
        off = {p: v[i:i + CHUNK] for p, v in (extra or {}).items() if p not in paths}
        parts.append(simulate_figures(figures, {**off, **offsets_of(t, paths, central)}, len(t), district,
                                      values=dict(zip(paths, map(float, central)))))
    return np.concatenate(parts, axis=0)


def prior_offsets(n: int, seed: int) -> dict[str, np.ndarray]:
    """Draws of every uncertain parameter that is not calibrated, from its prior (as ``compare`` samples them):
    what a predictive check adds to the calibrated block's posterior draws."""
    return load_scenario("baseline").sample(n, seed)


def _bounds(reg: Registry, paths: list[str]) -> tuple[np.ndarray, np.ndarray]:
    sup = np.array([reg.parameters[p].prior.support() for p in paths])
    return sup[:, 0], sup[:, 1]


def log_prior(reg: Registry, paths: list[str], theta: np.ndarray) -> np.ndarray:
    """Log prior density (up to a constant), −inf outside the support and where a parameter exceeds the
    one its ``at_most`` names (a joint constraint)."""
    lows, highs = _bounds(reg, paths)
    out = np.where(((theta >= lows) & (theta <= highs)).all(axis=1), 0.0, -np.inf)
    for j, p in enumerate(paths):
        bound = reg.parameters[p].at_most
        if bound is not None and bound in paths:
            out = np.where(theta[:, j] <= theta[:, paths.index(bound)], out, -np.inf)
    for j, p in enumerate(paths):
        pr = reg.parameters[p].prior
        if pr.distribution == "normal":
            out = out - 0.5 * ((theta[:, j] - pr.mean) / pr.sd) ** 2
    return out


def _sobol(d: int, n: int, seed: int, skip: int = 0) -> np.ndarray:
    from scipy.stats import qmc

    import warnings

    s = qmc.Sobol(d, scramble=True, seed=seed)
    if skip:
        s.fast_forward(skip)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # balance needs n = 2^k; coverage is what matters here
        return s.random(n)


def build_emulator(theta: np.ndarray, y: np.ndarray, lows, highs, seed: int) -> Emulator:
    """GPs of each column of ``y`` on ``theta`` (scaled to the unit cube of lows–highs); a column that is a
    share strictly within (0, 1) is emulated on the logit scale."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

    lows, highs = np.asarray(lows, float), np.asarray(highs, float)
    u = (theta - lows) / (highs - lows)
    logit = ((y > 0) & (y < 1)).all(axis=0)
    z = np.where(logit, np.log(np.clip(y, 1e-9, 1 - 1e-9) / np.clip(1 - y, 1e-9, 1)), y)
    gps = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a figure flat in a parameter: length scale at its bound
        for j in range(y.shape[1]):
            kernel = ConstantKernel(1.0, (1e-4, 1e4)) * RBF(np.full(u.shape[1], 0.5), (1e-2, 1e3)) + \
                WhiteKernel(1e-8, (1e-12, 1e-2))
            gp = GaussianProcessRegressor(kernel, normalize_y=True, random_state=seed, n_restarts_optimizer=0)
            gps.append(gp.fit(u, z[:, j]))
    return Emulator(lows, highs, gps, logit)


def implausibility(emulator: Emulator, theta: np.ndarray, figures) -> np.ndarray:
    """History matching's implausibility per point: the largest |y − m| / √(s² + δ² + e²) over the figures."""
    m, e = emulator.predict(theta)
    y = np.array([f.estimate for f in figures])
    v = np.array([f.sd ** 2 + f.discrepancy ** 2 for f in figures]) + e ** 2
    return (np.abs(y - m) / np.sqrt(v)).max(axis=1)


def log_posterior_fn(reg: Registry, paths: list[str], figures, emulator: Emulator, region=None,
                     emulator_error: np.ndarray | None = None):
    """A vectorised log posterior (walkers, parameters) → (walkers,) on the emulator's mean; zero density
    outside ``region`` (lows, highs: the part of the support history matching did not rule out). The
    emulator's own error enters as its root-mean-square error on the check runs it never saw
    (``emulator_error``, per figure), added to each figure's variance."""
    y = np.array([f.estimate for f in figures])
    var0 = np.array([f.sd ** 2 + f.discrepancy ** 2 for f in figures])
    if emulator_error is not None:
        var0 = var0 + np.asarray(emulator_error, float) ** 2

    def logp(theta):
        theta = np.atleast_2d(theta)
        lp = log_prior(reg, paths, theta)
        if region is not None:
            lp = np.where(((theta >= region[0]) & (theta <= region[1])).all(axis=1), lp, -np.inf)
        ok = np.isfinite(lp)
        if ok.any():
            m = emulator.mean(theta[ok])
            lp[ok] += -0.5 * (((y - m) ** 2) / var0).sum(axis=1)
        return lp
    return logp


def sample(logp, start: np.ndarray, settings: Settings) -> tuple[np.ndarray, dict]:
    """emcee from the best ``walkers`` starting points (jittered); (kept draws, diagnostics)."""
    import emcee

    rng = np.random.default_rng(settings.seed)
    d = start.shape[1]
    sampler = emcee.EnsembleSampler(settings.walkers, d, logp, vectorize=True)
    sampler.random_state = np.random.RandomState(settings.seed).get_state()
    p0 = start + 1e-3 * rng.standard_normal(start.shape) * (np.abs(start) + 0.01)
    sampler.run_mcmc(p0, settings.steps, progress=False)
    chain = sampler.get_chain(discard=settings.burn, flat=True)
    idx = np.linspace(0, len(chain) - 1, settings.keep).round().astype(int)
    import logging

    logger = logging.getLogger()
    level = logger.level
    logger.setLevel(logging.ERROR)   # emcee logs a warning for short chains; the header records tau instead
    try:
        tau = sampler.get_autocorr_time(discard=settings.burn, quiet=True)
    finally:
        logger.setLevel(level)
    diag = {"sampler": "emcee EnsembleSampler (stretch move)", "walkers": settings.walkers, "steps": settings.steps,
            "burn": settings.burn, "acceptance": round(float(np.mean(sampler.acceptance_fraction)), 3),
            "autocorr_steps": [round(float(t), 1) for t in tau],
            "effective_draws": int((settings.steps - settings.burn) * settings.walkers / max(1.0, float(np.max(tau))))}
    return chain[idx], diag


def fit(registry: Registry | None = None, settings: Settings | None = None, district=None,
        exclude_studies: tuple[str, ...] = ()) -> Fit:
    """The posterior of the registry's calibrated parameters given its calibration figures
    (less any ``exclude_studies``: leave-one-study-out)."""
    t0 = time.perf_counter()
    reg = load_registry() if registry is None else registry
    settings = settings or Settings()
    paths = reg.parameter_paths
    figures = [f for f in reg.calibration if f.study not in exclude_studies]
    if not figures:
        raise PosteriorError("no calibration figure left to fit")
    central = central_values(paths, reg)
    lows, highs = _bounds(reg, paths)
    d, half = len(paths), settings.n_design // 2
    # wave 1: the priors' support; history matching keeps the region not ruled out (implausibility < 3)
    theta1 = lows + _sobol(d, half, settings.seed) * (highs - lows)
    values1 = run_engine(figures, theta1, paths, central, district)
    em1 = build_emulator(theta1, values1, lows, highs, settings.seed)
    probe = lows + _sobol(d, settings.probe, settings.seed + 1) * (highs - lows)
    keep = probe[implausibility(em1, probe, figures) < IMPLAUSIBLE]
    if len(keep) < 2 * d:
        keep = probe[np.argsort(implausibility(em1, probe, figures), kind="stable")[:64]]
    pad = 0.1 * (keep.max(axis=0) - keep.min(axis=0)) + 1e-9
    rlo, rhi = np.maximum(lows, keep.min(axis=0) - pad), np.minimum(highs, keep.max(axis=0) + pad)
    # wave 2: the non-implausible region, plus check points the emulator never sees
    u2 = _sobol(d, settings.n_design - half + settings.n_check, settings.seed + 2)
    theta2 = rlo + u2 * (rhi - rlo)
    values2 = run_engine(figures, theta2, paths, central, district)
    n2 = settings.n_design - half
    inside = ((theta1 >= rlo) & (theta1 <= rhi)).all(axis=1)
    theta = np.concatenate([theta1[inside], theta2[:n2]])
    values = np.concatenate([values1[inside], values2[:n2]])
    emulator = build_emulator(theta, values, rlo, rhi, settings.seed)
    pred, _ = emulator.predict(theta2[n2:])
    check = values2[n2:]
    emulator_check = pd.DataFrame({
        "figure": [f.id for f in figures],
        "rmse": np.sqrt(np.mean((pred - check) ** 2, axis=0)),
        "spread": check.std(axis=0),
        "published_sd": [f.sd for f in figures]})
    reg_region = (rlo, rhi)
    logp = log_posterior_fn(reg, paths, figures, emulator, reg_region, emulator_check["rmse"].to_numpy())
    start_lp = logp(theta)
    best = np.argsort(-start_lp, kind="stable")[:settings.walkers]
    draws, diag = sample(logp, theta[best], settings)
    diag["region"] = {p: [round(float(a), 4), round(float(b), 4)] for p, a, b in zip(paths, rlo, rhi)}
    diag["engine_runs"] = int(len(theta1) + len(theta2))
    return Fit(registry=reg, paths=paths, draws=draws, emulator=emulator, design_theta=theta,
               design_values=values, emulator_check=emulator_check, diagnostics=diag,
               settings=settings, seconds=time.perf_counter() - t0, figures=figures)
