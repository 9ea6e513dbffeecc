"""``compare()``: scenarios on common random numbers, with intervals and costs.

Every draw samples the uncertain parameters (``uncertainty`` in the parameter
tree) and the stochastic pupil flows. All scenarios share each draw's random
numbers: parameter quantiles are keyed by (seed, parameter path) and flows by
(seed, purpose, year, chunk), never by scenario. So a scenario compared with
itself differs by exactly 0, and differences between scenarios are much
tighter than the scenarios' own intervals.

Draws run as an array axis in fixed chunks of ``chunk`` draws (default: 100,
fewer for districts so large that 100 draws would not fit in
``CHUNK_MEMORY_BYTES``, see :func:`default_chunk`): the same (seed, draws,
chunk) gives identical numbers on any machine.

``Comparison.table`` columns: scenario, indicator, year, mean, lo, hi (central
``interval``, 90% by default), diff, diff_lo, diff_hi (vs the reference, paired
by draw), p_better (share of draws in which the scenario beats the reference,
by the indicator's direction). Besides the outcome indicators of
:mod:`simulate.model.outcomes`, each draw carries a vectorised subset of resource
equity (:func:`simulate.measures.balance.comparison_indicators`: CV of per-pupil
spending and of the pupil–teacher ratio per stage, the balance-test
composite and pass/fail, consolidation gaps). Cost-effectiveness rows (indicator names
``ce.*``) are cumulative over all simulated years and carry the final year.
They lead with the outcome planners mean, time out of school: child-years of
schooling kept (the reference's cumulative child-years out of school minus the
scenario's) and yuan per child-year kept; then children kept from never
returning (children who left and are out at the end, reference − scenario) and
yuan per child; then, secondary, dropouts averted and yuan per dropout averted
(dropout events count a child who returns and leaves again twice, so a lever
that brings children back can look worse by them); then the poor–non-poor
learning gap closed (SD) and yuan per 0.1 SD closed. A ratio is NaN ("n/a" in
the summary) when its denominator's interval spans zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..measures.balance import comparison_indicators, context
from ..inputs.district import District
from ..inputs.load import load_district
from ..model.engine import cells_of, simulate
from ..model.outcomes import CHILD_YEARS_CUMULATIVE, NEVER_RETURNED, lower_is_better, year_indicators
from ..inputs.scenario import Scenario, load_scenario

DEFAULT_CHUNK = 100


@dataclass(eq=False)
class Comparison:
    """Result of :func:`compare`. ``samples[scenario][indicator]`` is (draws, years)."""

    scenarios: list[str]
    reference: str
    years: list[int]
    draws: int
    seed: int
    interval: float
    samples: dict = field(repr=False)
    titles: dict = field(default_factory=dict, repr=False)

    @property
    def table(self) -> pd.DataFrame:
        if not hasattr(self, "_table"):
            self._table = _table(self)
        return self._table

    def diff_samples(self, scenario: str, indicator: str) -> np.ndarray:
        """Per-draw differences scenario − reference, shape (draws, years)."""
        return self.samples[scenario][indicator] - self.samples[self.reference][indicator]

    def summary(self) -> str:
        """A short human-readable summary of the headline differences."""
        return _summary(self)

    def to_dir(self, path: str | Path, force: bool = False, inputs=()) -> Path:
        """Write table.csv, summary.md and manifest.json atomically, under the output rule of
        :func:`simulate.provenance.check_output_target` (``force``: replace a previous simulate
        output of another kind; ``inputs``: files the target may not be or hold)."""
        import json

        from ..provenance import atomic_dir, manifest, write_csv

        path = Path(path)
        with atomic_dir(path, "compare", force=force, inputs=inputs) as tmp:
            write_csv(self.table, tmp / "table.csv")
            (tmp / "summary.md").write_text(self.summary() + "\n", encoding="utf-8")
            meta = manifest(seeds={"compare": self.seed}, params_hash=self.params_hash, data_hash=self.data_hash,
                            output_kind="compare",
                            extra={"scenarios": self.scenarios, "reference": self.reference, "draws": self.draws,
                                   "interval": self.interval, "chunk": getattr(self, "chunk", DEFAULT_CHUNK)})
            (tmp / "manifest.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
        return path


def compare(district: District | None = None, scenarios=("baseline", "no_policy"), reference: str | Scenario = "baseline",
            draws: int = 200, seed: int = 0, years: int = 7, interval: float = 0.9, mode: str = "stochastic",
            chunk: int | None = None, progress: bool | None = None, client=None) -> Comparison:
    """Run every scenario on the same ``draws`` and tabulate differences vs ``reference``.

    ``client`` (a ``dask.distributed.Client``) runs the (chunk × scenario)
    batches on its workers instead of in this process; the numbers are identical.
    """
    from tqdm.auto import tqdm

    from ..inputs import limits

    years, seed = limits.check_years(years), limits.check_seed(seed)
    interval = limits.check_interval(interval)
    limits.check_choice(mode, "mode", ("expected", "stochastic"))
    if isinstance(scenarios, (str, Scenario)) or not isinstance(scenarios, (list, tuple)) or not scenarios:
        raise InputError(f"scenarios: expected a non-empty list of scenario names or Scenarios, got {scenarios!r:.80}")
    if progress is not None and not isinstance(progress, bool):
        raise InputError(f"progress: expected True, False or None, got {progress!r:.60}")
    district = load_district() if limits.check_district(district) is None else district
    loaded = [load_scenario(s) for s in scenarios]
    ref = load_scenario(reference)
    if ref.name not in [s.name for s in loaded]:
        loaded = [ref, *loaded]
    names = [s.name for s in loaded]
    if len(set(names)) != len(names):
        raise InputError(f"scenarios: names must be unique, got {names}")
    draws = limits.check_draws(draws, "draws", years, len(loaded))
    chunk = default_chunk(district) if chunk is None else check_chunk(chunk, district)
    cells = cells_of(district)
    balance_ctx = context(district)
    chunks = [(d0, min(chunk, draws - d0)) for d0 in range(0, draws, chunk)]
    show = progress if progress is not None else draws * len(loaded) >= 400
    bar = tqdm(total=len(chunks) * len(loaded), desc="compare", disable=not show, unit="batch")
    parts: dict[str, dict[str, list]] = {s.name: {} for s in loaded}
    year_list: list[int] = []
    jobs = [(d0, n, s) for d0, n in chunks for s in loaded]
    if client is None:
        done = []
        for d0, n, s in jobs:
            done.append(_chunk_samples(district, s, years, seed, mode, d0, n, cells, balance_ctx))
            bar.update(1)
    else:  # the same chunks as tasks on a Dask cluster (see simulate.analysis.sweep): identical numbers
        from dask.distributed import as_completed

        d_fut = client.scatter(district, broadcast=True)
        futures = [client.submit(_chunk_samples, d_fut, s, years, seed, mode, d0, n, pure=False)
                   for d0, n, s in jobs]
        for _ in as_completed(futures):
            bar.update(1)
        done = client.gather(futures)
    for (d0, n, s), (block, block_years) in zip(jobs, done):
        year_list = year_list or block_years
        for key, v in block.items():
            parts[s.name].setdefault(key, []).append(v)
    bar.close()
    samples = {s: {k: np.concatenate(v, axis=0) for k, v in ind.items()} for s, ind in parts.items()}
    cmp = Comparison(scenarios=names, reference=ref.name, years=year_list[:years], draws=draws, seed=seed,
                     interval=interval, samples=samples, titles={s.name: s.title for s in loaded})
    from ..provenance import sha256_of_obj

    cmp.params_hash = sha256_of_obj({s.name: s.params_hash for s in loaded})
    cmp.data_hash = district.data_hash
    cmp.chunk = chunk
    return cmp


CHUNK_MEMORY_BYTES = 2 * 2**30   # what one chunk's arrays may take
ARRAYS_ALIVE = 40                # (draw, school, grade, group) float arrays alive at once in a year step (measured)


def check_chunk(chunk, district, name: str = "chunk") -> int:
    """``chunk`` if that many draws of ``district``'s cells fit in ``CHUNK_MEMORY_BYTES``."""
    from ..inputs import limits

    chunk = limits.check_int(chunk, name, 1, limits.MAX_DRAWS)
    per_draw = district.enrolled.size * 8 * ARRAYS_ALIVE
    fit = max(1, CHUNK_MEMORY_BYTES // per_draw)
    if chunk > fit:
        raise InputError(f"{name}: {chunk:,} draws at once of a district of {district.n_schools:,} schools need "
                         f"about {limits.gib(chunk * per_draw)} (budget {limits.gib(CHUNK_MEMORY_BYTES)}): "
                         f"at most {fit:,} fit")
    return chunk


def default_chunk(district) -> int:
    """Draws per chunk: 100, or fewer when 100 draws of this district's cells would
    exceed ``CHUNK_MEMORY_BYTES`` (a province: ~9; a nation: 1)."""
    per_draw = district.enrolled.size * 8 * ARRAYS_ALIVE
    return int(max(1, min(DEFAULT_CHUNK, CHUNK_MEMORY_BYTES // per_draw)))


def _chunk_samples(district, scenario, years, seed, mode, d0, n, cells=None, balance_ctx=None):
    """One chunk of draws of one scenario: ({indicator: (draws, years)}, [years])."""
    cells = cells_of(district) if cells is None else cells
    balance_ctx = context(district) if balance_ctx is None else balance_ctx
    per_year, year_list = [], []
    for y in simulate(district, scenario, years=years, seed=seed, mode=mode, draws=n, first_draw=d0,
                      sample_parameters=True):
        per_year.append({**year_indicators(y, cells), **comparison_indicators(y, balance_ctx)})
        year_list.append(y.year)
    return {key: np.stack([py[key] for py in per_year], axis=1) for key in per_year[0]}, year_list


def _quantiles(x: np.ndarray, interval: float):
    """Mean and central interval over draws; NaN (quietly) where every draw is NaN."""
    import warnings

    a = (1 - interval) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: undefined indicator
        return np.nanmean(x, axis=0), np.nanquantile(x, a, axis=0), np.nanquantile(x, 1 - a, axis=0)


def _table(cmp: Comparison) -> pd.DataFrame:
    rows = []
    ref = cmp.samples[cmp.reference]
    for s in cmp.scenarios:
        for ind, x in cmp.samples[s].items():
            if np.isnan(x).all():
                continue
            mean, lo, hi = _quantiles(x, cmp.interval)
            diff = x - ref[ind]
            dmean, dlo, dhi = _quantiles(diff, cmp.interval)
            better = (diff < 0) if lower_is_better(ind) else (diff > 0)
            p_better = better.mean(axis=0)
            for j, year in enumerate(cmp.years):
                rows.append((s, ind, year, mean[j], lo[j], hi[j], dmean[j], dlo[j], dhi[j], p_better[j]))
        rows.extend(_cost_effectiveness(cmp, s))
    return pd.DataFrame(rows, columns=["scenario", "indicator", "year", "mean", "lo", "hi",
                                       "diff", "diff_lo", "diff_hi", "p_better"])


def _cost_effectiveness(cmp: Comparison, s: str) -> list[tuple]:
    """Cumulative extra cost, child-years kept, children kept from never returning, dropouts averted,
    gap closed, and the yuan per unit of each, vs the reference."""
    x, ref = cmp.samples[s], cmp.samples[cmp.reference]
    last = cmp.years[-1]
    extra = (x["cost.total"] - ref["cost.total"]).sum(axis=1)
    kept = ref[f"{CHILD_YEARS_CUMULATIVE}.total"][:, -1] - x[f"{CHILD_YEARS_CUMULATIVE}.total"][:, -1]
    returned = ref[f"{NEVER_RETURNED}.total"][:, -1] - x[f"{NEVER_RETURNED}.total"][:, -1]
    averted = (ref["dropouts"] - x["dropouts"]).sum(axis=1)
    closed = ref["learning_gap.poor"][:, -1] - x["learning_gap.poor"][:, -1]
    out = []
    for name, v in (("ce.extra_yuan", extra), ("ce.child_years_kept", kept),
                    ("ce.children_never_returned_averted", returned), ("ce.dropouts_averted", averted),
                    ("ce.poor_learning_gap_closed_sd", closed)):
        m, lo, hi = _quantiles(v[:, None], cmp.interval)
        out.append((s, name, last, m[0], lo[0], hi[0], m[0], lo[0], hi[0], float((v > 0).mean())))
    for name, num, den, per in (("ce.yuan_per_child_year_kept", extra, kept, 1.0),
                                ("ce.yuan_per_child_never_returned_averted", extra, returned, 1.0),
                                ("ce.yuan_per_dropout_averted", extra, averted, 1.0),
                                ("ce.yuan_per_0.1sd_gap_closed", extra, closed, 0.1)):
        _, dlo, dhi = _quantiles(den[:, None], cmp.interval)
        if s == cmp.reference or (dlo[0] <= 0 <= dhi[0]):
            ratio = (math.nan, math.nan, math.nan)
        else:
            per_draw = num / den * per
            ratio = (float(num.mean() / den.mean() * per),
                     *(float(q[0]) for q in _quantiles(per_draw[:, None], cmp.interval)[1:]))
        out.append((s, name, last, *ratio, *ratio, math.nan))
    return out


def _fmt_pp(v):
    return f"{100 * v:+.2f} pp"


def _summary(cmp: Comparison) -> str:
    t = cmp.table
    last = cmp.years[-1]
    pct = int(round(cmp.interval * 100))
    lines = [f"# Comparison against '{cmp.reference}' ({cmp.draws} draws, seed {cmp.seed}, "
             f"{pct}% intervals, years {cmp.years[0]}–{last})", ""]
    for s in cmp.scenarios:
        if s == cmp.reference:
            continue
        sel = t[(t.scenario == s) & (t.year == last)].set_index("indicator")
        lines.append(f"## {s}: {cmp.titles.get(s, s)}")
        for ind, label in ((f"{CHILD_YEARS_CUMULATIVE}.total", f"child-years out of school, {cmp.years[0]}–{last}"),
                           (f"{NEVER_RETURNED}.total",
                            f"children who left school and had not returned by the end of {last}"),
                           ("dropout_rate.junior", "junior dropout rate"),
                           ("dropout_gap.poor.junior", "poor–non-poor junior dropout gap (pp)"),
                           ("dropout_gap.urban_rural.junior", "rural–urban junior dropout gap (pp)"),
                           ("learning_gap.poor", "poor–non-poor learning gap (SD)"),
                           ("cost.total", "total cost (yuan/year)")):
            if ind not in sel.index:
                continue
            r = sel.loc[ind]
            if ind.startswith((CHILD_YEARS_CUMULATIVE, NEVER_RETURNED)):
                txt = f"{r['diff']:+,.0f} ({pct}% interval {r['diff_lo']:+,.0f} to {r['diff_hi']:+,.0f})"
            elif ind.startswith("dropout_rate"):
                txt = f"{_fmt_pp(r['diff'])} ({pct}% interval {_fmt_pp(r['diff_lo'])} to {_fmt_pp(r['diff_hi'])})"
            elif ind.startswith("cost"):
                txt = f"{r['diff'] / 1e4:+,.0f} 万元 ({r['diff_lo'] / 1e4:+,.0f} to {r['diff_hi'] / 1e4:+,.0f})"
            else:
                txt = f"{r['diff']:+.3f} ({r['diff_lo']:+.3f} to {r['diff_hi']:+.3f})"
            when = "" if ind.startswith((CHILD_YEARS_CUMULATIVE, NEVER_RETURNED)) else f" in {last}"
            lines.append(f"- {label}{when}: {txt}; P(better) = {r['p_better']:.2f}")
        saves = sel.loc["ce.extra_yuan", "mean"] < 0
        for ind, effect, label, worse in (
                ("ce.yuan_per_child_year_kept", "ce.child_years_kept", "child-year of schooling kept",
                 "child-year of schooling lost"),
                ("ce.yuan_per_child_never_returned_averted", "ce.children_never_returned_averted",
                 "child kept from never returning", "extra child who never returned"),
                ("ce.yuan_per_dropout_averted", "ce.dropouts_averted", "dropout averted (events, secondary)",
                 "extra dropout (events, secondary)"),
                ("ce.yuan_per_0.1sd_gap_closed", "ce.poor_learning_gap_closed_sd",
                 "0.1 SD of poor–non-poor learning gap closed", "0.1 SD of poor–non-poor learning gap widened")):
            r = sel.loc[ind]
            # a cheaper scenario that does worse "costs" a negative sum per negative effect: say what it means
            cheaper_and_worse = saves and sel.loc[effect, "mean"] < 0
            what = f"yuan saved per {worse}" if cheaper_and_worse else f"yuan per {label}"
            val = "n/a (the effect's interval includes zero)" if np.isnan(r["mean"]) else \
                f"{r['mean']:,.0f} ({r['lo']:,.0f} to {r['hi']:,.0f})"
            lines.append(f"- {what}, all years: {val}")
        lines.append("")
    return "\n".join(lines)
