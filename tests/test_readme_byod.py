"""The "Bring your own district" page (docs/manual/bring-your-own-district.md, moved there from the README):
every `cp` and `simulate` line of its command block runs (outputs in tmp_path)."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pandas as pd

from simulate.cli import main
from simulate.inputs.load import load_district

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "example_county"


def _commands() -> list[list[str]]:
    text = (ROOT / "docs" / "manual" / "bring-your-own-district.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- byod-commands.*?-->\n```bash\n(.*?)```", text, re.S).group(1)
    lines = [line.split("#", 1)[0].strip() for line in block.splitlines()]
    return [shlex.split(line) for line in lines if line]


def test_readme_block_has_about_ten_commands():
    cmds = _commands()
    assert 8 <= len(cmds) <= 12
    assert [c[0] for c in cmds].count("simulate") == 6


def test_readme_commands_run_from_the_templates_to_a_comparison(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "templates").symlink_to(ROOT / "data" / "templates")
    ran = []
    for cmd in _commands():
        if cmd[0] == "cp":
            *sources, dest = cmd[1:]
            for src in sources:
                shutil.copy(src, Path(dest) / Path(src).name if Path(dest).is_dir() else dest)
        elif cmd[0] == "simulate":
            args = cmd[1:]
            if "--draws" in args:  # a quick comparison: fewer draws than the page's
                args[args.index("--draws") + 1] = "8"
            assert main(args) == 0, f"simulate {' '.join(args)}\n{capsys.readouterr().err}"
            ran.append(args[0])
        else:
            assert cmd[0] == "make", cmd  # make targets: tests/views/test_district_everywhere.py (dry runs)
    assert ran == ["district", "validate", "calibrate", "calibrate", "run", "compare"]
    district = load_district(tmp_path / "data" / "my_county")
    assert district.data_hash == load_district(EXAMPLE).data_hash  # the templates' rows are the example county
    assert district.calibration is not None  # calibrate --write: the county's own intercepts in its runs
    assert "district_calibration" in (tmp_path / "outputs" / "my_county" / "manifest.json").read_text()
    table = pd.read_csv(tmp_path / "outputs" / "my_county" / "table.csv")
    assert set(table.scenario) == {"baseline", "no_policy", "targeted_aid"}


def test_example_county_validates_and_compares_with_plausible_gaps(tmp_path, capsys):
    assert main(["validate", str(EXAMPLE)]) == 0
    out = tmp_path / "cmp"
    assert main(["compare", "baseline", "no_policy", "--district", str(EXAMPLE), "--draws", "20",
                 "--out", str(out)]) == 0
    t = pd.read_csv(out / "table.csv")
    last = t.year.max()

    def value(scenario, indicator, year=last):
        row = t[(t.scenario == scenario) & (t.indicator == indicator) & (t.year == year)]
        return float(row["mean"].iloc[0])

    # without the package, more time out of school and a wider poor–non-poor gap
    assert value("no_policy", "child_years_out_of_school.cumulative.total") > \
        1.3 * value("baseline", "child_years_out_of_school.cumulative.total")
    assert value("no_policy", "learning_gap.poor") > value("baseline", "learning_gap.poor") > 0
    for scenario in ("baseline", "no_policy"):  # dropout rates of a plausible size for rural China
        assert 0.002 < value(scenario, "dropout_rate.junior") < 0.15
        assert 0.0 < value(scenario, "dropout_rate.primary") < 0.05
        assert 0.0 < value(scenario, "dropout_gap.poor.junior") < 20
