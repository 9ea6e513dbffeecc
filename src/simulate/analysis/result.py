"""``run()`` and its :class:`Result`: tidy tables of one simulated run.

Tables (pandas DataFrames, one row per observation, like Mesa's data collector):
- ``schools``: year × school — school_id, name, name_en, town, town_en (English names: the
  district's ``name_en``/``town_en`` columns, else pinyin, :mod:`simulate.inputs.names`), level,
  location, enrolment, dropouts, teachers, pupil–teacher ratio, teacher quality, facility index,
  spending, programme placements;
- ``groups``: year × location × stage × group flags — enrolled, dropouts,
  returns, out of school, mean learning;
- ``costs``: year × lever — yuan;
- ``indicators``: year × indicator — outcome, gap, resource-equity, balance
  test and cost indicators (labels, units and definitions: ``simulate.indicators()``).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from ..inputs.district import GROUP_FLAGS, District, group_flags
from ..model.engine import MODES, cells_of, simulate
from ..model.levers.common import LOCATIONS
from ..model.outcomes import safe_ratio
from ..inputs.scenario import Scenario, load_scenario


@dataclass(eq=False)
class Result:
    """The outcome of :func:`run` (one draw)."""

    district: District
    scenario: Scenario
    years: list
    seed: int
    mode: str
    runtime_seconds: float = 0.0
    _frames: dict = field(default_factory=dict, repr=False)

    @cached_property
    def cells(self):
        return cells_of(self.district)

    @cached_property
    def schools(self) -> pd.DataFrame:
        from ..inputs.names import english_names

        meta = english_names(self.district.schools)[["school_id", "name", "name_en", "town", "town_en", "level",
                                                     "location"]]
        frames = []
        for y in self.years:
            df = meta.copy()
            df.insert(0, "year", y.year)
            f = y.cell_flows  # sums over the year's (live) cell arrays: no (school, grade, group) copies

            def per_school(x, cells=y.cells):
                return cells.by_school_grade(x[:1])[0].sum(axis=1)

            df["enrolled"] = per_school(f.at_risk)
            df["dropouts"] = per_school(f.dropouts)
            df["returns"] = per_school(f.returns)
            df["graduates"] = per_school(f.graduates)
            df["out_of_school"] = per_school(y.cell_ledger_end)
            df["learning"] = safe_ratio(per_school(y.cell_learning * f.at_risk), df["enrolled"].to_numpy())
            for k, v in y.schools.items():
                df[k] = v[0]
            df["spending_per_pupil"] = safe_ratio(df["recurrent_yuan"].to_numpy(), df["pupils"].to_numpy())
            df["total_yuan"] = sum(v[0] for v in y.costs.values())
            frames.append(df)
        return pd.concat(frames, ignore_index=True)

    @cached_property
    def groups(self) -> pd.DataFrame:
        flags = group_flags()
        loc = self.cells.location_code
        onehot = np.eye(len(LOCATIONS))[loc]  # (school, location)
        rows = []
        for y in self.years:
            f = y.cell_flows  # (location, grade, group) sums over the year's (live) cell arrays

            def by_location(x, cells=y.cells):
                return cells.by_school_set(x[:1], onehot)[0]

            arrays = {"enrolled": by_location(f.at_risk), "dropouts": by_location(f.dropouts),
                      "returns": by_location(f.returns), "out_of_school": by_location(y.cell_ledger_end),
                      "learning_sum": by_location(y.cell_learning * f.at_risk)}
            for stage, grades in (("primary", slice(0, 6)), ("junior", slice(6, 9))):
                agg = {k: v[:, grades].sum(axis=1) for k, v in arrays.items()}
                for li, lname in enumerate(LOCATIONS):
                    for k in range(flags.shape[0]):
                        if agg["enrolled"][li, k] == 0 and agg["out_of_school"][li, k] == 0:
                            continue
                        row = {"year": y.year, "location": lname, "stage": stage,
                               **{fl: bool(flags[k, j]) for j, fl in enumerate(GROUP_FLAGS)}}
                        for key in ("enrolled", "dropouts", "returns", "out_of_school"):
                            row[key] = agg[key][li, k]
                        row["learning"] = agg["learning_sum"][li, k] / agg["enrolled"][li, k] \
                            if agg["enrolled"][li, k] > 0 else np.nan
                        rows.append(row)
        df = pd.DataFrame(rows)
        df["dropout_rate"] = df["dropouts"] / df["enrolled"].where(df["enrolled"] > 0)
        return df

    @cached_property
    def costs(self) -> pd.DataFrame:
        return pd.DataFrame([{"year": y.year, "lever": lever, "yuan": float(v[0].sum())}
                             for y in self.years for lever, v in y.costs.items()])

    @cached_property
    def capital_use(self) -> pd.DataFrame:
        """Per year: the capital lever's budget, what the weak schools' facility need let it spend, and the
        rest (first draw; yuan). Capital beyond every weak school's need to the full standard is not spent."""
        rows = []
        for y in self.years:
            budget = float(np.asarray(y.counts["capital_budget_yuan"]).reshape(-1)[0])
            spent = float(y.costs["capital"][0].sum())
            rows.append({"year": y.year, "budget_yuan": budget, "spent_yuan": spent,
                         "unspent_yuan": max(budget - spent, 0.0)})
        return pd.DataFrame(rows)

    def capital_note(self) -> str:
        """One line when some of the capital budget could not be spent (else ""): which years, how much."""
        use = self.capital_use
        short = use[(use["unspent_yuan"] > 1.0) & (use["unspent_yuan"] > 0.005 * use["budget_yuan"])]
        if short.empty:
            return ""
        years = ", ".join(f"{int(r.year)}: {r.unspent_yuan:,.0f} of {r.budget_yuan:,.0f}" for r in short.itertuples())
        return (f"{self.scenario.name}: capital the district cannot spend (every weak school's facility need is "
                f"met; yuan unspent of the budget) — {years}. The costs count only what is spent.")

    @cached_property
    def indicators(self) -> pd.DataFrame:
        from ..measures.indicators import indicators

        return indicators(self)

    def indicator(self, name: str, year: int | None = None) -> float:
        """One indicator's value in ``year`` (the first simulated year when None). Units and
        definitions: ``simulate.indicators()``. An unknown name or a year outside the run raises
        :class:`~simulate.errors.NotFoundError` (a ``KeyError``) naming the closest names or the years run."""
        from ..errors import NotFoundError

        t = self.indicators
        t = t[t["indicator"] == name]
        if t.empty:
            raise NotFoundError.of("indicator", name, self.indicators["indicator"].unique(),
                                   where=f"result of {self.scenario.name}")
        year = int(t["year"].min()) if year is None else year
        hit = t.loc[t["year"] == year, "value"]
        if hit.empty:
            raise NotFoundError(check_year_message(year, [y.year for y in self.years]))
        return float(hit.iloc[0])

    @property
    def year_list(self) -> list[int]:
        """The simulated calendar years."""
        return [y.year for y in self.years]

    def manifest(self) -> dict:
        from ..provenance import manifest

        return manifest(seeds={"run": self.seed}, params_hash=self.scenario.params_hash,
                        data_hash=self.district.data_hash, output_kind="result",
                        extra={"scenario": self.scenario.name, "district": self.district.name,
                               "mode": self.mode, "years": [y.year for y in self.years],
                               "runtime_seconds": round(self.runtime_seconds, 4)})

    def write_tables(self, folder: str | Path) -> None:
        """Every table as CSV and Parquet plus ``manifest.json`` into an existing empty ``folder``
        (no safety checks: for building inside :func:`simulate.provenance.atomic_dir`)."""
        from ..provenance import write_csv

        folder = Path(folder)
        for name in ("schools", "groups", "costs", "indicators"):
            df = getattr(self, name)
            write_csv(df, folder / f"{name}.csv")
            df.to_parquet(folder / f"{name}.parquet", index=False)
        (folder / "manifest.json").write_text(json.dumps(self.manifest(), indent=2, ensure_ascii=False) + "\n")

    def to_dir(self, path: str | Path, force: bool = False) -> Path:
        """Write every table as CSV and Parquet plus ``manifest.json``, atomically, under the output
        rule of :func:`simulate.provenance.check_output_target` (``force``: replace a previous
        simulate output of another kind)."""
        from ..provenance import atomic_dir

        with atomic_dir(path, "result", force=force) as tmp:
            self.write_tables(tmp)
        return Path(path)


def check_year_message(year, years: list[int]) -> str:
    """What to say about ``year`` not among the simulated ``years``."""
    from ..errors import short

    span = f"{years[0]}–{years[-1]}" if years else "none"
    return f"year: {short(year)} is not a simulated year (this run has {span}; years are calendar years)"


def run(district: District | None = None, scenario: Scenario | str = "baseline", years: int = 7, seed: int = 0,
        mode: str = "expected") -> Result:
    """Simulate ``years`` years of ``scenario`` in ``district`` (default: Banan).

    ``mode="expected"`` (the default, as for :func:`simulate.compare` and
    :func:`simulate.sensitivity`) moves expected numbers (deterministic; for widgets and
    calibration); ``mode="stochastic"`` draws binomial pupil flows from
    generators derived from ``seed``. Parameters are at their central values;
    use :func:`simulate.compare` for parameter uncertainty and intervals.
    """
    from ..inputs import limits
    from ..inputs.load import load_district

    limits.check_choice(mode, "mode", MODES)
    years, seed = limits.check_years(years), limits.check_seed(seed)
    district = load_district() if limits.check_district(district) is None else district
    scenario = load_scenario(scenario)
    start = time.perf_counter()
    outcome = list(simulate(district, scenario, years=years, seed=seed, mode=mode, draws=1))
    return Result(district=district, scenario=scenario, years=outcome, seed=seed, mode=mode,
                  runtime_seconds=time.perf_counter() - start)
