"""A county's tables as Chinese Excel exports them import as the clean tables do (issue 20).

Fixtures: tests/fixtures/bureau_export (SYNTHETIC; ``make.py`` writes them): the example county plus two
teaching points, clean (UTF-8) and exported (GBK, title row, 小计/合计 rows, 万元 header, codes as
numbers and full-width digits, blank cells for grades not taught).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest

import simulate as sim
from simulate.inputs.bureau import import_files
from simulate.inputs.district import DistrictError

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures" / "bureau_export"
TEMPLATES = ROOT / "data" / "templates"


def _clean():
    return import_files(FIX / "clean_schools.csv", FIX / "clean_pupils.csv", name="county")


def _rows(path: Path, encoding="utf-8") -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode(encoding))))


def _write(path: Path, rows, encoding="utf-8") -> Path:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def test_excel_export_imports_to_the_same_district_as_the_clean_tables():
    clean = _clean()
    export = import_files(FIX / "export_schools.csv", FIX / "export_pupils.csv", name="county")
    assert export.district.data_hash == clean.district.data_hash
    notes = "\n".join(export.notes)
    assert "GB18030/GBK" in notes and "表头上方第 1 行（标题）已跳过" in notes
    assert "合计/小计行已跳过：第 6, 11, 17, 19, 20 行" in notes  # 小计 rows and the 合计 row, by file row
    assert "单位为万元，已换算为元（× 10,000）" in notes
    assert "export_pupils.csv：合计/小计行已跳过：第 73 行" in notes  # the register's 合计 row (blank 年级)


def test_teaching_points_keep_their_grades_and_their_leavers_go_on(tmp_path):
    d = _clean().district
    levels = dict(zip(d.schools["school_id"], d.schools["level"]))
    assert levels["5001030005"] == "teaching_point_3" and levels["5001020005"] == "teaching_point_4"
    feeder = dict(zip(d.schools["school_id"], d.schools["feeder_school_id"]))
    assert feeder["5001020005"] == "5001020001"  # the town's 中心小学
    assert feeder["5001030005"] == "5001030001"  # no 中心 primary in 青山镇: its nine-year school
    r = sim.run(d, "baseline", years=7)
    s = r.schools.pivot_table(index="school_id", columns="year", values="enrolled")
    for point in ("5001030005", "5001020005"):  # 24 pupils each; a six-grade school would double
        assert abs(s.loc[point].iloc[-1] / s.loc[point].iloc[0] - 1) < 0.2
    # their teachers follow their own grades and pupils: a stable point keeps about its teachers (2 and 3 in
    # the data), where the village rule's 1.3 teachers per class and grade would give it 3.9 and 5.2
    staff = r.schools.pivot_table(index="school_id", columns="year", values="teacher_stock")
    for point, start in (("5001030005", 2), ("5001020005", 3)):
        assert (abs(staff.loc[point] / start - 1) < 0.05).all(), staff.loc[point]


def test_a_teaching_point_whose_pupils_halve_loses_teachers_with_its_norm():
    from simulate.model.levers import teachers

    d = _clean().district
    p = d.schools.index[d.schools["school_id"] == "5001020005"][0]  # grades 1–4, 24 pupils, 3 teachers
    need_start = np.array([[5.2, 96.0]])                              # 1.3 × 4 one-class grades; a primary's norm
    need_now = np.array([[2.6, 96.0]])                                # two grades left empty
    point = np.array([True, False])
    out = teachers.posts(need_now, np.array([np.nan, np.nan]), point, np.array([d.teachers[p], 96.0]), need_start)
    np.testing.assert_allclose(out, [[1.5, 96.0]])                    # 3 × 2.6 / 5.2; the primary keeps its norm
    given = teachers.posts(need_now, np.array([4.0, np.nan]), point, np.array([3.0, 96.0]), need_start)
    np.testing.assert_allclose(given, [[4.0, 96.0]])                  # posts in the data hold as given
    # without the teaching point's leavers the central primary loses its grade-5 arrivals
    from simulate.model.layout import live_cells_of
    cells = live_cells_of(d)
    row = {c: i for i, c in enumerate(d.schools["school_id"])}
    x = np.zeros((1,) + cells.shape)
    x[0, row["5001020005"], 3, 0] = 6.0  # grade 4 of the teaching point
    moved = cells.dense(cells.move_up(cells.cells(x)))
    assert moved[0, row["5001020001"], 4, 0] == 6.0 and moved[0, row["5001020005"]].sum() == 0
    from simulate.model.engine import cells_of  # the dense layout moves them the same way
    np.testing.assert_array_equal(cells_of(d).move_up(x), moved)


def test_codes_in_scientific_notation_are_one_error_saying_how_to_keep_them(tmp_path):
    rows = _rows(FIX / "clean_schools.csv")
    for r in rows[1:]:
        r[0] = f"{float(r[0]):.5E}"  # what Excel's CSV keeps of a long number: 5.00101E+09
    with pytest.raises(DistrictError) as err:
        import_files(_write(tmp_path / "s.csv", rows))
    msg = str(err.value)
    assert msg.count("\n") == 1 and "科学计数法" in msg and "设置单元格格式 → 文本" in msg  # one problem
    assert "重复" not in msg  # not "appears more than once" for every school


def test_blank_required_and_taught_grade_cells_are_errors_naming_row_and_column(tmp_path):
    rows = _rows(FIX / "export_schools.csv", "gbk")
    h = rows[1]
    rows[2][h.index("寄宿生数")] = ""          # file row 3: a required column
    rows[3][h.index("三年级")] = ""            # file row 4: a grade the primary teaches
    with pytest.raises(DistrictError) as err:
        import_files(_write(tmp_path / "s.csv", rows, "gbk"))
    msg = str(err.value)
    assert "s.csv row 3, column '寄宿生数': 必填列的单元格为空" in msg
    assert "s.csv row 4, column '三年级': 空白单元格：小学开设3年级" in msg


def test_blank_optional_cells_take_their_default_and_are_listed(tmp_path):
    rows = _rows(FIX / "clean_schools.csv")
    h = rows[0]
    rows[1][h.index("中级及以上职称教师数")] = ""
    r = import_files(_write(tmp_path / "s.csv", rows), FIX / "clean_pupils.csv")
    assert r.district.schools.loc[0, "senior_teachers"] == 0
    assert any("列“中级及以上职称教师数”：1 行为空（第 2 行），按0处理" in n for n in r.notes)


def test_units_in_english_headers_and_a_unit_the_column_cannot_take(tmp_path):
    rows = _rows(TEMPLATES / "bureau_schools.csv")
    j = rows[0].index("equipment_value")
    rows[0][j] = "equipment_value (10k yuan)"
    for r in rows[1:]:
        r[j] = f"{int(r[j]) / 1e4:g}"
    r = import_files(_write(tmp_path / "s.csv", rows), TEMPLATES / "bureau_pupils.csv", name="example_county")
    assert r.district.data_hash == import_files(TEMPLATES / "bureau_schools.csv", TEMPLATES / "bureau_pupils.csv",
                                                name="example_county").district.data_hash
    assert any("values in 10k yuan, converted to yuan (× 10,000)" in n for n in r.notes)
    rows[0][rows[0].index("teachers")] = "teachers (10k yuan)"
    with pytest.raises(DistrictError, match=r"column 'teachers \(10k yuan\)': unit '10k yuan' in the header: "
                                            "this column takes a count"):
        import_files(_write(tmp_path / "s.csv", rows))


def test_register_problems_are_errors_not_tracebacks(tmp_path):
    rows = _rows(FIX / "clean_pupils.csv")
    rows[1][1] = ""                                        # a blank 年级 on a school's row
    rows = [r for r in rows if r[0] != "5001030004"]       # a school missing from the register
    with pytest.raises(DistrictError) as err:
        import_files(FIX / "clean_schools.csv", _write(tmp_path / "p.csv", rows))
    msg = str(err.value)
    assert "p.csv row 2, column '年级': 必填列的单元格为空" in msg
    assert "学校“5001030004”（青山镇竹坪小学，92 名学生）在学生表中没有任何行" in msg
    assert "Traceback" not in msg
