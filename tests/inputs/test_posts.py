"""Teacher posts (编制) from a county's data (issue 20): the school table's posts column, its defaults and
errors, and hiring up to the posts (``model/levers/teachers.py``, ``posts``)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest

import simulate as sim
from simulate.inputs.bureau import import_files
from simulate.inputs.district import DistrictError
from simulate.inputs.load import load_district
from simulate.model.levers import teachers

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "data" / "templates"
FIRST, SECOND = "5001010001", "5001010002"  # 城关第一小学 (1,827 pupils: the norm is 96.2), 城关第二小学


def _with_posts(tmp_path: Path, posts: dict[str, str], header: str = "posts (人)", zh: bool = False,
                teachers: dict[str, str] | None = None) -> Path:
    """The template schools table with a posts column (``posts``: school code → cell; others blank)."""
    rows = list(csv.reader(io.StringIO((TEMPLATES / f"bureau_schools{'_zh' if zh else ''}.csv")
                                       .read_text(encoding="utf-8"))))
    t = rows[0].index("专任教师数" if zh else "teachers")
    rows[0].append(header)
    for r in rows[1:]:
        r.append(posts.get(r[0], ""))
        r[t] = (teachers or {}).get(r[0], r[t])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path = tmp_path / "schools.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def _import(path: Path, zh: bool = False):
    return import_files(path, TEMPLATES / f"bureau_pupils{'_zh' if zh else ''}.csv", name="county")


def test_a_school_with_posts_below_the_norm_keeps_its_shortage(tmp_path):
    # 60 teachers in the data, 70 posts, a norm of 96: hiring fills towards 70, never above
    short = _import(_with_posts(tmp_path, {FIRST: "70"}, teachers={FIRST: "60"})).district
    assert short.posts[0] == 70 and np.isnan(short.posts[1:]).all()
    r = sim.run(short, "baseline", years=7)
    s = r.schools[r.schools["school_id"] == FIRST].sort_values("year")
    stock, leavers, hires = (s[c].to_numpy() for c in ("teacher_stock", "teacher_leavers", "teacher_hires"))
    before = np.r_[60.0, stock[:-1]]
    np.testing.assert_allclose(stock, before - leavers + hires)   # the year's turnover, as the engine books it
    assert (hires <= 70 - (before - leavers) + 1e-9).all()         # hires ≤ posts − the teachers who stayed
    assert (stock <= 70 + 1e-9).all() and stock[-1] > 60          # filled towards the posts, not the norm
    # without posts the same school fills towards its norm (96), far above 70
    free = _import(_with_posts(tmp_path, {}, teachers={FIRST: "60"})).district
    assert "posts" not in free.schools.columns
    f = sim.run(free, "baseline", years=7).schools
    assert f[f["school_id"] == FIRST].sort_values("year")["teacher_stock"].iloc[-1] > 80


def test_blank_posts_take_the_norm_and_are_listed_in_the_notes(tmp_path):
    r = _import(_with_posts(tmp_path, {FIRST: "100"}))
    d = r.district
    assert d.posts[0] == 100 and np.isnan(d.posts[1:]).all()
    notes = "\n".join(r.notes)
    assert "column 'posts (人)': blank in 10 row(s) (3, 4, 5" in notes
    assert "the staffing norm (a teaching point: its present teachers) used" in notes
    assert "posts (人)" in r.defaults[SECOND]  # the district check lists the school's default
    # the engine hires a blank school up to its norm: the posts of the others are the norm itself
    need = np.array([[5.0, 7.0, 9.0]])
    out = teachers.posts(need, np.array([np.nan, 4.0, np.nan]), np.zeros(3, bool), np.ones(3), need)
    np.testing.assert_array_equal(out, [[5.0, 4.0, 9.0]])
    # without the column every school takes the norm, and the notes say so
    plain = _import(TEMPLATES / "bureau_schools.csv")
    assert any(n.startswith("posts: not given; every school hires up to the staffing norm") for n in plain.notes)


def test_chinese_headers_and_units_give_the_same_posts(tmp_path):
    en = _import(_with_posts(tmp_path, {FIRST: "90", SECOND: "75"}, header="staff_posts")).district
    for header in ("编制数(人)", "核定编制", "教职工编制（个）"):
        zh = _import(_with_posts(tmp_path, {FIRST: "90", SECOND: "75"}, header=header, zh=True), zh=True).district
        assert zh.data_hash == en.data_hash, header


def test_posts_survive_the_district_folder(tmp_path):
    d = _import(_with_posts(tmp_path, {FIRST: "90"})).district
    d.to_dir(tmp_path / "county")
    text = (tmp_path / "county" / "schools.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0].endswith(",posts") and text.splitlines()[1].endswith(",90")
    assert text.splitlines()[2].endswith(",")  # a blank: the norm
    back = load_district(tmp_path / "county")
    assert back.data_hash == d.data_hash
    np.testing.assert_array_equal(back.posts, d.posts)


@pytest.mark.parametrize("cell, said", [("many", "expected a whole number ≥ 0, got 'many'"),
                                        ("-3", "expected a whole number ≥ 0, got '-3'"),
                                        ("7.5", "expected a whole number ≥ 0, got '7.5'")])
def test_a_bad_posts_cell_is_one_error_naming_file_row_and_column(tmp_path, cell, said):
    path = _with_posts(tmp_path, {SECOND: cell})
    with pytest.raises(DistrictError) as err:
        _import(path)
    problems = err.value.problems
    assert problems == [f"{path} row 3, column 'posts (人)': {said}"]


def test_a_bad_posts_cell_in_a_district_folder_is_refused(tmp_path):
    d = _import(_with_posts(tmp_path, {FIRST: "90"})).district
    d.to_dir(tmp_path / "county")
    path = tmp_path / "county" / "schools.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2] + "x"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DistrictError, match=r"schools.csv row 3, column 'posts': expected an integer ≥ 0 or an "
                                            r"empty cell, got 'x'"):
        load_district(tmp_path / "county")
