"""The district check after import (issue 20): feeders routed wrongly are warned of at import and the
schools they move are flagged; defaults are named; the map is drawn offline."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from simulate.analysis.district_check import check_markdown, district_check
from simulate.cli import main
from simulate.inputs.bureau import import_files

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures" / "bureau_export"


def _schools_with(tmp_path: Path, extra_cols: dict[str, dict[str, str]], blank: tuple[str, str] | None = None) -> Path:
    rows = list(csv.reader(io.StringIO((FIX / "clean_schools.csv").read_text(encoding="utf-8"))))
    for col, by_code in extra_cols.items():
        rows[0].append(col)
        for r in rows[1:]:
            r.append(by_code.get(r[0], ""))
    if blank:
        code, col = blank
        j = rows[0].index(col)
        next(r for r in rows[1:] if r[0] == code)[j] = ""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    (tmp_path / "schools.csv").write_text(out.getvalue(), encoding="utf-8")
    return tmp_path / "schools.csv"


def test_a_wrongly_routed_feeder_is_warned_of_and_its_schools_flagged(tmp_path):
    # every primary of 河口镇 sent to the county seat's junior school instead of 河口中学
    routed = {c: "5001010003" for c in ("5001010001", "5001010002", "5001020001", "5001020002", "5001020003")}
    r = import_files(_schools_with(tmp_path, {"对口初中学校标识码": routed}), FIX / "clean_pupils.csv")
    notes = "\n".join(r.notes)
    assert "警告 对口：5001020004 河口中学 现有七年级 196 人，但对口小学（含本校）六年级共 0 人" in notes
    assert "5001010003 城关中学 现有七年级 545 人" in notes  # its intake grows by 河口's grade 6
    assert "5001020001 河口中心小学 → 5001010003 城关中学 (对口初中列给定)" in notes  # each assignment and its rule
    check = district_check(r.district, r.defaults).set_index("school_id")
    assert "pupils shrink" in check.loc["5001020004", "flags"]
    assert check.loc["5001020004", "pupils_change"] < -0.3
    assert check.loc["5001010002", "flags"] == ""


def test_defaults_are_named_per_school_and_the_check_is_written_with_a_map(tmp_path):
    lon = {c: f"{106.5 + i / 100:.3f}" for i, c in enumerate(f"50010{t}000{k}" for t in "123" for k in range(1, 6))}
    lat = {c: "29.40" for c in lon}
    path = _schools_with(tmp_path, {"经度": lon, "纬度": lat}, blank=("5001030003", "中级及以上职称教师数"))
    r = import_files(path, FIX / "clean_pupils.csv")
    assert r.defaults["5001030003"] == ["中级及以上职称教师数"]
    text = check_markdown(district_check(r.district, r.defaults), r.lang, "school_map.png")
    assert "- 5001030003 青山镇云岭小学: default: 中级及以上职称教师数" in text
    out = tmp_path / "county"
    assert main(["district", "import", str(path), "--pupils", str(FIX / "clean_pupils.csv"), "--out", str(out)]) == 0
    assert (out / "school_map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    notes = (out / "import_notes.md").read_text(encoding="utf-8")
    assert notes.startswith("# 导入说明") and "## 全县核查" in notes and "![学校分布（按乡镇）](school_map.png)" in notes
    assert (out / "school_locations.csv").read_text(encoding="utf-8").startswith("school_id,longitude,latitude\n")
