"""Importing a bureau's statistics (simulate.inputs.bureau, simulate.inputs.ipf, `simulate district import`)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulate.cli import main
from simulate.inputs.bureau import DEFAULT_FACILITY_INDEX, import_files, import_tables
from simulate.inputs.district import GROUP_FLAGS, DistrictError, group_flags
from simulate.inputs.ipf import default_seed, fit_groups, margin_masks, round_groups
from simulate.inputs.load import load_district

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "data" / "templates"
FLAGS = group_flags()


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _imported(zh: bool = False):
    sfx = "_zh" if zh else ""
    return import_files(TEMPLATES / f"bureau_schools{sfx}.csv", TEMPLATES / f"bureau_pupils{sfx}.csv", name="example_county")


def test_english_and_chinese_headers_give_the_same_district():
    en, zh = _imported(False), _imported(True)
    assert en.district.data_hash == zh.district.data_hash
    assert en.district.n_schools == 11


def test_committed_example_county_is_the_import_of_the_templates():
    assert load_district(ROOT / "data" / "example_county").data_hash == _imported().district.data_hash


def test_margins_reproduced_exactly_and_cell_totals_preserved():
    d = _imported().district
    schools = _csv(TEMPLATES / "bureau_schools.csv")
    pupils = _csv(TEMPLATES / "bureau_pupils.csv")
    row = {c: i for i, c in enumerate(d.schools["school_id"])}
    for _, r in pupils.iterrows():
        s, g = row[r["school_code"]], int(r["grade"]) - 1
        cell = d.enrolled[s, g]
        assert cell.sum() == int(schools.loc[s, f"grade_{g + 1}"])
        for j, f in enumerate(GROUP_FLAGS):
            assert cell[FLAGS[:, j]].sum() == int(r[f]), (r["school_code"], g + 1, f)
        assert cell[FLAGS[:, 0] & FLAGS[:, 1]].sum() == int(r["poor_left_behind"])  # the known joint count
        assert cell[FLAGS[:, 1] & FLAGS[:, 3]].sum() == 0  # left-behind and migrant exclusive


def test_ipf_fit_meets_margins_and_is_independence_by_default():
    total = np.array([100.0, 37.0])
    margins = np.array([[10, 20, 5, 30], [3, 7, 1, 0]], dtype=float)
    masks = margin_masks()
    x = fit_groups(total, margins, masks)
    np.testing.assert_allclose(x @ masks.T, margins, atol=1e-9)
    np.testing.assert_allclose(x.sum(axis=1), total, atol=1e-9)
    # poor and disabled are independent of each other under the default seed
    pd_ = x[0][FLAGS[:, 0] & FLAGS[:, 2]].sum()
    assert pd_ == pytest.approx(100 * 0.10 * 0.05, rel=1e-8)
    counts, exact = round_groups(x, total, margins, masks)
    assert exact.all() and (counts.sum(axis=1) == total).all()
    np.testing.assert_array_equal(counts @ masks.T.astype(int), margins)


def test_known_joint_counts_and_seed_table_are_respected():
    total, margins = np.array([50.0]), np.array([[10, 10, 2, 5, 8]], dtype=float)
    masks = margin_masks((("poor", "left_behind"),))
    x = fit_groups(total, margins, masks)
    assert x[0][FLAGS[:, 0] & FLAGS[:, 1]].sum() == pytest.approx(8, abs=1e-9)
    seed = default_seed() * np.where(FLAGS[:, 0] & FLAGS[:, 2], 10.0, 1.0)  # poor pupils more often disabled
    y = fit_groups(total, margins[:, :4], margin_masks(), seed)
    assert y[0][FLAGS[:, 0] & FLAGS[:, 2]].sum() > x[0][FLAGS[:, 0] & FLAGS[:, 2]].sum()
    np.testing.assert_allclose(y @ margin_masks().T, margins[:, :4], atol=1e-9)


def test_seed_table_file(tmp_path):
    rows = ["poor,left_behind,disabled,migrant,weight"]
    for k in range(16):
        f = FLAGS[k].astype(int)
        rows.append(",".join(map(str, f)) + "," + ("0" if f[1] and f[3] else ("5" if f[0] and f[1] else "1")))
    (tmp_path / "seed.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    pupils = _csv(TEMPLATES / "bureau_pupils.csv").drop(columns=["poor_left_behind"])
    pupils.to_csv(tmp_path / "pupils.csv", index=False)
    plain = import_files(TEMPLATES / "bureau_schools.csv", tmp_path / "pupils.csv")
    seeded = import_files(TEMPLATES / "bureau_schools.csv", tmp_path / "pupils.csv", seed_path=tmp_path / "seed.csv")
    both = lambda d: d.enrolled[..., FLAGS[:, 0] & FLAGS[:, 1]].sum()  # noqa: E731
    assert both(seeded.district) > both(plain.district)
    assert seeded.district.enrolled.sum() == plain.district.enrolled.sum()


def test_excel_workbook_reads_like_csv(tmp_path):
    _csv(TEMPLATES / "bureau_schools_zh.csv").to_excel(tmp_path / "schools.xlsx", index=False)
    _csv(TEMPLATES / "bureau_pupils_zh.csv").to_excel(tmp_path / "pupils.xlsx", index=False)
    r = import_files(tmp_path / "schools.xlsx", tmp_path / "pupils.xlsx", name="example_county")
    assert r.district.data_hash == _imported().district.data_hash


def test_locations_levels_and_defaults():
    s = _csv(TEMPLATES / "bureau_schools.csv")
    s = s.drop(columns=["teacher_quality", "building_area", "sports_area", "equipment_value", "multimedia_rooms"])
    s.loc[0, "urban_rural"] = "121"      # 统计用城乡划分代码: 镇中心区 → town
    s.loc[1, "urban_rural"] = "城区"
    s.loc[1, "mountain"] = "是"          # the mountain flag wins over the code
    r = import_tables("x", s)
    d = r.district
    assert list(d.schools["location"][:2]) == ["town", "mountain"]
    assert (d.schools["teacher_quality"] == 0).all()
    assert (d.schools["facility_index"] == DEFAULT_FACILITY_INDEX).all()
    assert any("teacher_quality" in n for n in r.notes) and any("no pupils table" in n for n in r.notes)
    assert d.enrolled[..., 1:].sum() == 0  # no register: every pupil in the no-flag group
    assert d.schools.loc[d.schools["level"] == "primary", "feeder_school_id"].ne("").all()


def test_one_error_lists_every_problem_with_file_row_and_column(tmp_path):
    s = _csv(TEMPLATES / "bureau_schools.csv")
    s.loc[1, "urban_rural"] = "suburb"                 # row 3
    s.loc[2, "teachers"] = ""                          # row 4
    s.loc[0, "grade_8"] = "5"                          # row 2: a primary school with grade-8 pupils
    s.loc[3, "boarders"] = "x"                         # row 5
    s.to_csv(tmp_path / "schools.csv", index=False)
    p = _csv(TEMPLATES / "bureau_pupils.csv")
    p.loc[0, "school_code"] = "9999"                   # row 2: unknown school
    p.loc[1, "poor"] = "10000"                         # row 3: more poor pupils than pupils
    p.to_csv(tmp_path / "pupils.csv", index=False)
    with pytest.raises(DistrictError) as err:
        import_files(tmp_path / "schools.csv", tmp_path / "pupils.csv")
    msg = str(err.value)
    sl, pl = str(tmp_path / "schools.csv"), str(tmp_path / "pupils.csv")
    for needle in (f"{sl} row 3, column 'urban_rural'", f"{sl} row 4, column 'teachers'",
                   f"{sl} row 2, column 'grade_8'", f"{sl} row 5, column 'boarders'"):
        assert needle in msg
    # the pupils table is checked once the schools table is valid: fix it and see the register's problems
    _csv(TEMPLATES / "bureau_schools.csv").to_csv(tmp_path / "schools.csv", index=False)
    with pytest.raises(DistrictError) as err:
        import_files(tmp_path / "schools.csv", tmp_path / "pupils.csv")
    msg = str(err.value)
    assert f"{pl} row 2, column 'school_code'" in msg and "not in the schools table" in msg
    assert f"{pl} row 3, column 'grade'" in msg and "poor 10000" in msg


def test_missing_columns_in_both_tables_in_one_error(tmp_path):
    (tmp_path / "s.csv").write_text("学校标识码,学校名称\n1,a\n", encoding="utf-8")
    (tmp_path / "p.csv").write_text("学校标识码,年级\n1,1\n", encoding="utf-8")
    with pytest.raises(DistrictError) as err:
        import_files(tmp_path / "s.csv", tmp_path / "p.csv")
    msg = str(err.value)
    assert "s.csv row 1: 缺少列" in msg and "城乡分类" in msg  # Chinese headers: Chinese messages
    assert "p.csv row 1: 缺少列" in msg and "建档立卡学生数" in msg
    (tmp_path / "s.csv").write_text("school_code,name\n1,a\n", encoding="utf-8")
    with pytest.raises(DistrictError, match=r"s.csv row 1: missing columns .*'urban_rural'"):
        import_files(tmp_path / "s.csv")


def test_cli_imports_writes_notes_and_follows_the_output_rule(tmp_path, capsys):
    out = tmp_path / "county"
    assert main(["district", "import", str(TEMPLATES / "bureau_schools_zh.csv"), "--pupils",
                 str(TEMPLATES / "bureau_pupils_zh.csv"), "--out", str(out)]) == 0
    assert {"schools.csv", "enrolment.csv", "manifest.json", "import_notes.md"} <= {p.name for p in out.iterdir()}
    assert main(["validate", str(out)]) == 0
    assert load_district(out).name == "county"
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    capsys.readouterr()
    assert main(["district", "import", str(TEMPLATES / "bureau_schools.csv"), "--out", str(foreign)]) == 1
    assert "did not write" in capsys.readouterr().err
    assert (foreign / "notes.txt").read_text() == "keep me"
    # a second import over the district needs --force (a district is an input)
    assert main(["district", "import", str(TEMPLATES / "bureau_schools.csv"), "--out", str(out)]) == 1
    assert main(["district", "import", str(TEMPLATES / "bureau_schools.csv"), "--out", str(out), "--force"]) == 0


def test_committed_example_county_notes_are_what_the_import_writes():
    from simulate.cli import _district_check

    result = _imported()
    check, images = _district_check(result)
    assert images == {}  # the templates give no coordinates
    committed = (ROOT / "data" / "example_county" / "import_notes.md").read_text(encoding="utf-8")
    assert committed == result.notes_markdown(check)
    assert "## District check" in committed and "No school is flagged." in committed
