"""The indicator catalogue (simulate.indicators()): one row for every indicator the model produces."""

from __future__ import annotations

import pytest

import simulate as sim
from simulate.measures import catalogue
from simulate.model.outcomes import better_direction


@pytest.fixture(scope="module")
def produced():
    district = sim.load_district()
    run_names = set(sim.run(district, "baseline", years=1).indicators["indicator"])
    cmp = sim.compare(district, ["baseline", "no_policy"], draws=2, years=1, attribution=False, progress=False)
    return run_names, cmp


def test_every_produced_indicator_is_catalogued_and_nothing_else(produced):
    run_names, cmp = produced
    made = run_names | set(cmp.table["indicator"])
    names = set(catalogue.names())
    assert made - names == set(), "indicators without a catalogue row"
    assert names - made == set(), "catalogue rows no run or compare produces"


def test_columns_and_no_empty_cells():
    t = sim.indicators()
    assert list(t.columns) == ["name", "label_en", "label_zh", "unit", "better", "population", "definition", "family"]
    assert t["name"].is_unique
    assert (t.drop(columns="family").map(lambda v: isinstance(v, str) and v.strip() != "")).all().all()
    assert t["label_en"].is_unique


def test_units_say_what_the_numbers_are():
    t = sim.indicators().set_index("name")
    assert t.loc["dropout_rate.junior", "unit"] == "share (0–1)"
    assert t.loc["dropout_gap.poor.junior", "unit"] == "pp"
    assert t.loc["learning_gap.poor", "unit"] == "SD"
    assert "cumulative" in t.loc["child_years_out_of_school.cumulative.total", "unit"]
    assert t.loc["cost.total", "unit"] == "yuan per year"


def test_rural_means_rural_and_mountain_and_town_schools_are_named():
    t = sim.indicators().set_index("name")
    for name in ("child_years_out_of_school.rural", "dropout_gap.urban_rural.junior", "learning_gap.urban_rural"):
        assert "mountain" in t.loc[name, "population"] and "town" in t.loc[name, "population"], name
    assert "neither" in t.loc["ptr.town", "population"]


def test_better_agrees_with_the_rule_p_better_uses():
    t = sim.indicators()
    for name, better in zip(t["name"], t["better"]):
        if not better.startswith("none") and not name.startswith(("ce.", "spending_per_pupil")):
            assert better == better_direction(name), name


def test_table_units_come_from_the_catalogue(produced):
    _, cmp = produced
    units = dict(zip(catalogue.names(), sim.indicators()["unit"]))
    assert (cmp.table["unit"] == cmp.table["indicator"].map(units)).all()


def test_the_dashboard_labels_are_the_catalogue_labels():
    from simulate.views.dashboard.i18n import DASHBOARD_ROWS, INDICATOR_TEXT

    indicators = set(catalogue.indicators()["name"])
    assert set(INDICATOR_TEXT) == indicators | set(DASHBOARD_ROWS)   # every indicator, in both languages
    for name, (en, zh) in INDICATOR_TEXT.items():
        if name not in indicators:  # the dashboard's own all-years sums are rows of its table, not indicators
            assert name.endswith(".all_years") and name.removesuffix(".all_years") in indicators, name
            continue
        assert (catalogue.label(name), catalogue.label(name, "zh")) == (en, zh), name


def test_the_summary_labels_are_the_catalogue_labels(produced):
    """``simulate compare``'s summary names its rows by the catalogue's labels and writes none of its own."""
    from simulate.analysis import comparison_summary as cs

    _, cmp = produced
    named = [*cs.SUMMARY_ROWS, *cs.ATTRIBUTION_ROWS, *(n for pair in cs.CE_ROWS for n in pair)]
    assert set(named) <= set(catalogue.names())
    section = cmp.summary().split("## no_policy")[1]
    first_cells = [line.split(" | ")[0][2:] for line in section.splitlines()
                   if line.startswith("| ") and not line.startswith(("| indicator |", "| effect vs"))]
    assert first_cells == [catalogue.label(n) for n in (*cs.SUMMARY_ROWS, *(effect for _, effect in cs.CE_ROWS))]
    for ratio, _ in cs.CE_ROWS:  # what a cost is per: the ratio's catalogue unit
        assert catalogue.unit(ratio) == f"yuan per {cs.per_unit(ratio)}"
    assert {cs.summary_unit(n) for n in cs.SUMMARY_ROWS} == {"count", "rate", "pp", "sd", "wan"}


def test_unknown_names_and_families_suggest():
    with pytest.raises(sim.NotFoundError, match=r"did you mean 'dropout_rate.junior'"):
        catalogue.describe("dropout_rate.junoir")
    with pytest.raises(KeyError):  # still a KeyError for code that catches one
        catalogue.unit("nope")
    with pytest.raises(sim.NotFoundError, match="out of school"):
        sim.indicators("out of schol")
    assert len(sim.indicators("dropout gap")) == 6
