"""The `simulate` command: help, run, validate, synthesize, compare, clean errors, and outputs that
cannot destroy anything (every case runs inside tmp_path)."""

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from simulate.cli import main

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


def cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "simulate.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


@pytest.mark.parametrize("command", ["run", "validate", "synthesize", "compare"])
def test_help_on_each_command(command):
    out = cli(command, "--help")
    assert out.returncode == 0 and "usage: simulate" in out.stdout


def _options(parser, path=("simulate",)):
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _options(sub, (*path, name))
        elif not isinstance(action, argparse._HelpAction):
            yield " ".join(path), action


def test_every_option_of_every_subcommand_has_help_showing_its_default():
    from simulate.cli import build_parser

    options = list(_options(build_parser()))
    assert len({where for where, _ in options}) >= 10  # run, compare, …, district import, the plug-ins
    missing = [(where, a.option_strings or a.dest) for where, a in options if not (a.help or "").strip()]
    assert not missing, f"options without help: {missing}"
    hidden = [(where, a.option_strings) for where, a in options
              if a.option_strings and a.default not in (None, False, []) and "default" not in a.help]
    assert not hidden, f"options whose help does not give the default: {hidden}"


def test_run_prints_the_comparison_and_writes_tidy_tables(tmp_path, capsys):
    assert main(["run", "baseline", "--versus", "no_policy", "--years", "2", "--out", str(tmp_path / "o")]) == 0
    text = capsys.readouterr().out
    assert "Junior dropout, poor rural pupils" in text and "no_policy" in text
    for name in ("schools", "groups", "costs", "indicators"):
        csv = pd.read_csv(tmp_path / "o" / "baseline" / f"{name}.csv")
        parquet = pd.read_parquet(tmp_path / "o" / "baseline" / f"{name}.parquet")
        assert len(csv) == len(parquet) > 0
    assert (tmp_path / "o" / "no_policy" / "manifest.json").exists()


def test_validate_is_clean_on_the_repository():
    out = cli("validate")
    assert out.returncode == 0, out.stderr
    assert "valid" in out.stdout


def test_user_errors_go_to_stderr_without_traceback():
    out = cli("run", "no_such_scenario", "--years", "1")
    assert out.returncode == 1
    assert "no scenario named 'no_such_scenario'" in out.stderr and "Traceback" not in out.stderr
    out = cli("run", str(FIXTURES / "scenarios" / "out_of_range.yaml"))
    assert out.returncode == 1 and "expected a value ≤ 1, got 1.5" in out.stderr


def test_synthesize_writes_a_valid_district(tmp_path):
    out = cli("synthesize", "--schools", "300", "--seed", "7", "--out", str(tmp_path / "d"))
    assert out.returncode == 0, out.stderr
    from simulate import load_district
    assert load_district(tmp_path / "d").n_schools == 300


@pytest.mark.slow
def test_compare_writes_table_and_summary(tmp_path):
    assert main(["compare", "baseline", "no_policy", "--draws", "10", "--years", "2",
                 "--out", str(tmp_path / "c")]) == 0
    table = pd.read_csv(tmp_path / "c" / "table.csv")
    assert {"scenario", "indicator", "year", "mean", "lo", "hi", "diff", "diff_lo", "diff_hi"} <= set(table.columns)
    assert (tmp_path / "c" / "summary.md").read_text().startswith("# Comparison against 'baseline'")


# ----------------------------------------------------------------------------- validate PATH
def test_validate_lists_every_error_and_exits_1(tmp_path):
    params = tmp_path / "params"
    (params / "scenarios").mkdir(parents=True)
    (params / "baseline.yaml").write_text((ROOT / "params" / "baseline.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    for f in ("negative_count", "unknown_path"):
        (params / "scenarios" / f"{f}.yaml").write_text((FIXTURES / "scenarios" / f"{f}.yaml").read_text())
    env = {**__import__("os").environ, "SIMULATE_PARAMS_DIR": str(params)}
    out = subprocess.run([sys.executable, "-m", "simulate.cli", "validate", str(params)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 1
    assert "negative_count.yaml: changes.teachers.support.count: expected a value ≥ 0, got -3" in out.stderr
    assert "unknown_path.yaml: changes.teachers.suport.count: no such parameter" in out.stderr
    assert "2 of 3 checked (3 scenario files) are invalid" in out.stderr
    assert "Traceback" not in out.stderr


def test_validate_a_missing_path_or_a_folder_with_nothing_to_check_fails(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nonexistent")]) == 1
    assert capsys.readouterr().err == f"simulate validate: error: {tmp_path / 'nonexistent'}: no such file or folder\n"
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("x")
    assert main(["validate", str(tmp_path / "empty")]) == 1
    assert "holds nothing to check" in capsys.readouterr().err
    assert main(["validate", "--data", str(tmp_path / "nonexistent")]) == 1
    assert capsys.readouterr().err == f"simulate validate: error: --data {tmp_path / 'nonexistent'}: no such folder\n"
    assert main(["validate", "--data", str(tmp_path / "empty")]) == 1
    assert "holds no district folders" in capsys.readouterr().err


def test_validate_checks_exactly_what_it_is_given(tmp_path, capsys):
    districts = FIXTURES / "district"
    assert main(["validate", str(districts / "valid")]) == 0
    assert capsys.readouterr().out == "checked 1 district folder: all valid\n"
    assert main(["validate", str(districts / "negative_enrolment")]) == 1  # a district folder
    assert "negative_enrolment" in capsys.readouterr().err
    assert main(["validate", str(districts)]) == 1  # a folder of districts: every one checked
    err = capsys.readouterr().err
    assert "unknown_location" in err and f"of {sum(1 for d in districts.iterdir() if d.is_dir())} checked" in err
    assert main(["validate", str(FIXTURES / "scenarios" / "valid_child.yaml")]) == 0  # a scenario file
    assert capsys.readouterr().out == "checked 1 scenario file: all valid\n"
    assert main(["validate", str(FIXTURES / "scenarios")]) == 1  # a folder of scenarios
    assert "out_of_range.yaml" in capsys.readouterr().err
    assert main(["validate", str(ROOT / "README.md")]) == 1
    assert "not a scenario file" in capsys.readouterr().err


# ----------------------------------------------------------------------------- outputs that cannot destroy anything
WRITERS = {  # every command that writes an output folder, with the cheapest arguments
    "run": ["run", "baseline", "--years", "1"],
    "compare": ["compare", "baseline", "no_policy", "--draws", "2", "--years", "1"],
    "synthesize": ["synthesize", "--schools", "3"],
    "sweep": ["sweep", str(ROOT / "params" / "sweeps" / "example.yaml"), "--scheduler", "serial"],
    "optimize": ["optimize", "--budget", "1e6", "--maxiter", "1", "--draws", "0"],
    "findings": ["findings", "--config", str(ROOT / "params" / "findings.yaml")],
    "sensitivity": ["sensitivity", "dropout_gap.poor.junior", "--morris-r", "2", "--sobol-n", "8"],
}


def listing(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): (p.read_bytes() if p.is_file() else b"<dir>")
            for p in sorted(folder.rglob("*"))}


@pytest.mark.parametrize("command", WRITERS)
def test_out_dot_is_refused_and_the_working_folder_kept(command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("my notes")
    assert main([*WRITERS[command], "--out", ".", "--force"]) == 1
    assert capsys.readouterr().err == (f"simulate {command}: error: --out .: is the current folder ({tmp_path}); "
                                       "choose a new folder (or an empty one), e.g. --out outputs/NAME\n")
    assert listing(tmp_path) == {"notes.txt": b"my notes"}


@pytest.mark.parametrize("command", WRITERS)
def test_out_a_non_empty_foreign_folder_is_refused_even_with_force(command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mydocs").mkdir()
    (tmp_path / "mydocs" / "notes.md").write_text("keep")
    assert main([*WRITERS[command], "--out", "mydocs", "--force"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"simulate {command}: error: --out mydocs: is a folder simulate did not write "
                          "(1 entry: notes.md; no manifest.json from simulate)") and err.count("\n") == 1
    assert listing(tmp_path) == {"mydocs": b"<dir>", "mydocs/notes.md": b"keep"}


@pytest.mark.parametrize("command", WRITERS)
def test_out_a_file_is_refused(command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile.txt").write_text("text")
    assert main([*WRITERS[command], "--out", "afile.txt", "--force"]) == 1
    assert "--out afile.txt: is an existing file (4 bytes)" in capsys.readouterr().err
    assert listing(tmp_path) == {"afile.txt": b"text"}


@pytest.mark.parametrize("command", WRITERS)
def test_out_with_a_5000_character_name_is_one_clear_error(command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main([*WRITERS[command], "--out", "x" * 5000]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"simulate {command}: error: --out xxxxx") and err.count("\n") == 1, err[:500]
    assert "(5,000 characters)" in err and "a name in it is too long" in err and len(err) < 600
    assert listing(tmp_path) == {}


def read_only(monkeypatch, folder: Path) -> None:
    """``folder`` behaves as on a read-only file system (we run as root, for whom a chmod'd folder is
    still writable): access() says no, and creating anything in it fails with EROFS."""
    import errno

    inside = lambda p: Path(os.path.abspath(os.fsdecode(p))).is_relative_to(folder)  # noqa: E731
    real_access, real_open, real_mkdir = os.access, os.open, os.mkdir

    def refuse(path):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))

    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if inside(p) and mode & os.W_OK
                        else real_access(p, mode, **kw))
    monkeypatch.setattr(os, "open", lambda p, flags, *a, **kw: refuse(p) if inside(p) and flags & os.O_CREAT
                        else real_open(p, flags, *a, **kw))
    monkeypatch.setattr(os, "mkdir", lambda p, *a, **kw: refuse(p) if inside(p) else real_mkdir(p, *a, **kw))


@pytest.mark.parametrize("command", WRITERS)
def test_out_inside_a_read_only_folder_is_one_clear_error(command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ro").mkdir()
    read_only(monkeypatch, tmp_path / "ro")
    assert main([*WRITERS[command], "--out", "ro/new"]) == 1
    assert capsys.readouterr().err == (f"simulate {command}: error: --out ro/new: cannot be written: {tmp_path}/ro "
                                       "is read-only or not writable for this user; choose a folder you can write "
                                       "to, e.g. --out outputs/NAME\n")
    assert listing(tmp_path) == {"ro": b"<dir>"}


def test_out_a_symlink_or_a_parent_of_the_current_folder_is_refused(tmp_path, monkeypatch, capsys):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    before = listing(tmp_path)
    assert main([*WRITERS["run"], "--out", str(tmp_path / "link"), "--force"]) == 1
    assert "is a symbolic link" in capsys.readouterr().err
    assert main([*WRITERS["run"], "--out", "..", "--force"]) == 1
    assert "--out ..: is a parent of the current folder" in capsys.readouterr().err
    assert listing(tmp_path) == before


def test_run_never_writes_over_its_input_file(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    scenario = tmp_path / "s.yaml"
    scenario.write_bytes((ROOT / "params" / "scenarios" / "targeted_aid.yaml").read_bytes())
    before = scenario.read_bytes()
    # the reported case: the folder name was the path given, so an absolute path wrote over the input
    assert main(["run", str(scenario), "--years", "1", "--out", "o/out"]) == 0
    assert scenario.read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "o" / "out").iterdir()) == ["manifest.json", "targeted_aid"]
    assert (tmp_path / "o" / "out" / "targeted_aid" / "indicators.csv").exists()
    capsys.readouterr()
    assert main(["run", str(scenario), "--years", "1", "--out", str(scenario), "--force"]) == 1
    assert "an input of this command" in capsys.readouterr().err
    assert scenario.read_bytes() == before


def test_synthesize_refuses_a_district_folder_without_its_marker(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    banan = tmp_path / "data" / "banan"  # the default --out, holding a district synthesize did not write
    banan.mkdir(parents=True)
    for f in ("schools.csv", "enrolment.csv", "targets.yaml"):
        (banan / f).write_bytes((ROOT / "data" / "banan" / f).read_bytes())
    before = listing(tmp_path)
    for force in ([], ["--force"]):
        assert main(["synthesize", "--schools", "5", *force]) == 1
        assert "--out data/banan: is a folder simulate did not write" in capsys.readouterr().err
    assert listing(tmp_path) == before


def test_synthesize_replaces_its_own_district_only_with_force(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["synthesize", "--schools", "5"]) == 0  # the default data/banan, absent here
    banan = tmp_path / "data" / "banan"
    (banan / "targets.yaml").write_text("hand-written\n")
    before = listing(tmp_path)
    capsys.readouterr()
    assert main(["synthesize", "--schools", "6"]) == 1
    assert "--out data/banan: holds a district folder written by simulate; pass --force" in capsys.readouterr().err
    assert listing(tmp_path) == before
    assert main(["synthesize", "--schools", "6", "--force"]) == 0
    from simulate import load_district
    assert load_district(banan).n_schools == 6 and (banan / "targets.yaml").read_text() == "hand-written\n"
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["banan"]


@pytest.mark.slow
def test_force_replaces_a_previous_output_but_never_a_foreign_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main([*WRITERS["compare"], "--out", "out"]) == 0
    assert main([*WRITERS["compare"], "--out", "out"]) == 0  # the same kind: replaced
    capsys.readouterr()
    assert main([*WRITERS["run"], "--out", "out"]) == 1
    assert "--out out: holds a previous simulate compare output, not a run output; pass --force" in \
        capsys.readouterr().err
    assert (tmp_path / "out" / "table.csv").exists()
    assert main([*WRITERS["run"], "--out", "out", "--force"]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["baseline", "manifest.json"]
    (tmp_path / "out" / "manifest.json").unlink()  # now nobody can tell who wrote it
    (tmp_path / "out" / "baseline" / "manifest.json").unlink()
    assert main([*WRITERS["run"], "--out", "out", "--force"]) == 1
    assert "simulate did not write" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary folders, no lock files


def test_a_failed_command_leaves_no_new_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "no_such_scenario", "--out", "new/dir"]) == 1
    assert main(["compare", "baseline", "no_such_scenario", "--draws", "2", "--out", "new/dir"]) == 1
    from simulate.analysis.result import Result

    def broken(self, folder):
        raise FileNotFoundError("disk vanished")

    monkeypatch.setattr(Result, "write_tables", broken)  # fails while writing, after the folders were made
    assert main(["run", "baseline", "--years", "1", "--out", "new/dir"]) == 1
    assert "disk vanished" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_optimize_never_replaces_a_scenario_file_without_force(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "mine.yaml"
    mine.write_text("my scenario\n")
    assert main([*WRITERS["optimize"], "--out", "o", "--save-scenario", "mine.yaml"]) == 1
    assert capsys.readouterr().err == ("simulate optimize: error: --save-scenario mine.yaml: already exists; "
                                       "pass --force to replace it or choose another name\n")
    assert listing(tmp_path) == {"mine.yaml": b"my scenario\n"}  # refused before optimising: nothing written
