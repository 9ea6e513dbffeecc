"""China's 2017 high-quality-balance test on the indicators a bureau gave (measures.balance.quality_balance_2017)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from simulate.inputs.bureau import BALANCE_FILE, import_files, load_balance_indicators
from simulate.inputs.load import load_district
from simulate.measures import equity
from simulate.measures.balance import STANDARDS_2017, quality_balance_2017

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "data" / "example_county"


def test_import_keeps_the_indicators_and_the_example_folder_has_them():
    r = import_files(ROOT / "data/templates/bureau_schools.csv", ROOT / "data/templates/bureau_pupils.csv")
    assert list(r.indicators.columns) == ["school_id", *STANDARDS_2017]
    assert r.extra_files()[BALANCE_FILE] == (EXAMPLE / BALANCE_FILE).read_bytes()


def test_cv_per_indicator_and_verdicts():
    d, ind = load_district(EXAMPLE), load_balance_indicators(EXAMPLE)
    schools, summary = quality_balance_2017(d, ind)
    primary = summary[(summary.stage == "primary") & (summary.indicator == "key_teachers")].iloc[0]
    rows = schools[(schools.stage == "primary") & (schools.indicator == "key_teachers")]
    idx = [d.schools.index[d.schools.school_id == s][0] for s in rows.school_id]
    w = d.enrolled[idx][:, :6].sum(axis=(1, 2))
    assert np.isclose(primary.cv, equity.coefficient_of_variation(rows.value.to_numpy(), w))
    assert set(summary.indicator) == {*STANDARDS_2017, "all"}
    # ten times the totals: the CVs do not change
    np.testing.assert_allclose(quality_balance_2017(d, ind.assign(**{c: ind[c] * 10 for c in STANDARDS_2017}))[1]
                               .cv.dropna(), summary.cv.dropna())
    verdict = _rich_verdict(d, ind)
    assert verdict.passes.all() and (verdict.schools_meeting == verdict.schools).all()


def _rich(d, ind):
    """Every school at twice the junior standard (≥ the primary one) of every indicator."""
    pupils = d.enrolled.sum(axis=(1, 2))
    return ind.assign(**{c: 2 * STANDARDS_2017[c][1] * pupils / (100 if c in
                                                                 ("teachers_above_degree", "key_teachers",
                                                                  "pe_art_teachers", "multimedia_rooms") else 1)
                         for c in STANDARDS_2017})


def _rich_verdict(d, ind):
    summary = quality_balance_2017(d, _rich(d, ind))[1]
    return summary[summary.indicator == "all"].set_index("stage")


def test_one_miss_within_85_percent_passes_two_misses_fail():
    d, ind = load_district(EXAMPLE), load_balance_indicators(EXAMPLE)
    rich = _rich(d, ind)
    sid = d.schools.school_id[0]  # an urban primary school
    pupils = d.enrolled[0].sum()
    one = rich.copy()
    one.loc[one.school_id == sid, "key_teachers"] = 0.9 * pupils / 100  # 90% of 1 per 100 pupils
    assert quality_balance_2017(d, one)[1].query("indicator == 'all' and stage == 'primary'").passes.iloc[0]
    two = one.copy()
    two.loc[two.school_id == sid, "pe_art_teachers"] = 0.5 * pupils / 100
    assert not quality_balance_2017(d, two)[1].query("indicator == 'all' and stage == 'primary'").passes.iloc[0]
