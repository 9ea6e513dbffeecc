"""Claims about provenance: hashes are stable, folders swap atomically, CSVs are byte-identical."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulate import provenance
from simulate.provenance import (
    OutputError,
    atomic_dir,
    check_output_target,
    git_commit,
    manifest,
    package_versions,
    sha256_of_files,
    sha256_of_obj,
    write_csv,
    write_file_atomically,
)


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_package_versions_reports_installed_and_missing():
    versions = package_versions(("numpy", "surely-not-a-real-package-xyz"))
    assert versions["numpy"] == np.__version__
    assert versions["surely-not-a-real-package-xyz"] == "not installed"
    assert set(package_versions()) == set(provenance.DEFAULT_PACKAGES)


def test_sha256_of_files_depends_on_names_and_bytes_not_order_or_location(tmp_path):
    for place in ("a", "b"):
        (tmp_path / place / "sub").mkdir(parents=True)
        (tmp_path / place / "x.yaml").write_text("x: 1\n")
        (tmp_path / place / "sub" / "y.yaml").write_text("y: 2\n")
    a = [tmp_path / "a" / "x.yaml", tmp_path / "a" / "sub" / "y.yaml"]
    b = [tmp_path / "b" / "sub" / "y.yaml", tmp_path / "b" / "x.yaml"]
    assert sha256_of_files(a, tmp_path / "a") == sha256_of_files(b, tmp_path / "b")
    assert sha256_of_files(a) == sha256_of_files(list(reversed(a)))
    before_a, before_b = sha256_of_files(a), sha256_of_files(b, tmp_path / "b")
    (tmp_path / "a" / "x.yaml").write_text("x: 2\n")
    assert sha256_of_files(a) != before_a  # one byte changed
    (tmp_path / "b" / "x.yaml").rename(tmp_path / "b" / "z.yaml")
    renamed = [tmp_path / "b" / "sub" / "y.yaml", tmp_path / "b" / "z.yaml"]
    assert sha256_of_files(renamed, tmp_path / "b") != before_b  # same bytes, another name
    assert sha256_of_files([]) == hashlib.sha256(b"").hexdigest()


def test_sha256_of_obj_is_canonical():
    assert sha256_of_obj({"a": 1, "b": [1, 2]}) == sha256_of_obj({"b": [1, 2], "a": 1})
    assert sha256_of_obj({"a": 1}) != sha256_of_obj({"a": 2})
    assert sha256_of_obj({"a": np.float64(0.5), "p": Path("x")}) == sha256_of_obj({"a": 0.5, "p": "x"})
    with pytest.raises(TypeError):
        sha256_of_obj({"a": object()})


def test_git_commit_is_unknown_outside_a_repository(tmp_path):
    assert git_commit(tmp_path) == "unknown"


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_git_commit_reads_head_and_marks_dirty_tracked_files(tmp_path):
    def git(*args):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false", *args],
            cwd=tmp_path, check=True, capture_output=True,
        )

    git("init", "-q")
    assert git_commit(tmp_path) == "unknown"  # a repository without commits
    (tmp_path / "a.txt").write_text("one\n")
    git("add", "a.txt")
    git("commit", "-q", "-m", "first")
    commit = git_commit(tmp_path)
    assert re.fullmatch(r"[0-9a-f]{40}", commit)
    (tmp_path / "untracked.txt").write_text("not counted\n")
    assert git_commit(tmp_path) == commit
    (tmp_path / "a.txt").write_text("two\n")
    assert git_commit(tmp_path) == commit + "+dirty"


REPO = Path(__file__).resolve().parents[1]
#: what an editable install, Python, Jupyter and pytest leave in a checkout (all git-ignored)
JUNK = ("src/simulate.egg-info/PKG-INFO", "src/simulate/__pycache__/cli.cpython-311.pyc",
        "notebooks/.ipynb_checkpoints/01-checkpoint.ipynb", "params/.pytest_cache/v")


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_the_findings_inputs_hash_is_what_git_tracks_in_a_fresh_clone(tmp_path):
    """A newcomer's clone and an editable install hash the same inputs as the machine that made the findings."""
    from simulate.views.findings.report import inputs_fingerprint

    if provenance.hashes._git_top(REPO) != REPO:
        pytest.skip("the tests do not run from a git checkout")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", "--shared", str(REPO), str(clone)], check=True, capture_output=True)
    before = inputs_fingerprint(clone)
    for junk in (*JUNK, "data/dask-worker-space/global.lock"):  # the last: ignored by .gitignore alone
        (clone / junk).parent.mkdir(parents=True, exist_ok=True)
        (clone / junk).write_text("Metadata-Version: 2.4\nName: simulate\n")
    assert subprocess.run(["git", "-C", str(clone), "status", "--porcelain"], capture_output=True, text=True,
                          check=True).stdout == ""  # all of it is ignored, as in a fresh clone after `make`
    assert inputs_fingerprint(clone) == before
    tracked = provenance.tracked_files(clone, ["src"])
    assert clone / "src/simulate/cli.py" in tracked and not any("egg-info" in str(p) for p in tracked)
    (clone / "params/baseline.yaml").write_text((clone / "params/baseline.yaml").read_text() + "# edited\n")
    assert inputs_fingerprint(clone)["inputs_sha256"] != before["inputs_sha256"]  # a tracked input counts


def test_outside_git_the_inputs_are_the_files_minus_install_and_cache_leftovers(tmp_path):
    for name in ("src/simulate/cli.py", "params/a.yaml", "params/sub/b.yml", "params/notes.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    clean = provenance.tracked_files(tmp_path, ["src", "params", "missing"])
    assert [p.relative_to(tmp_path).as_posix() for p in clean] == [
        "params/a.yaml", "params/notes.txt", "params/sub/b.yml", "src/simulate/cli.py"]
    assert [p.name for p in provenance.tracked_files(tmp_path, ["params"], suffixes=(".yaml", ".yml"))] == [
        "a.yaml", "b.yml"]
    for junk in JUNK:
        (tmp_path / junk).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / junk).write_text("junk")
    assert provenance.tracked_files(tmp_path, ["src", "params", "notebooks"]) == clean


def leftovers(parent: Path, name: str) -> list[str]:
    return [p.name for p in parent.iterdir() if p.name.startswith(f".{name}.")]


def fill(tmp: Path, kind: str, text: str = "new") -> None:
    """What every writer does inside atomic_dir: files plus a manifest of its kind."""
    (tmp / "table.csv").write_text(text)
    (tmp / "manifest.json").write_text(json.dumps(manifest({}, "p", "d", output_kind=kind)))


def previous(folder: Path, kind: str = "compare", text: str = "old") -> Path:
    with atomic_dir(folder, kind) as tmp:
        fill(tmp, kind, text)
    return folder


def refused(path, kind="compare", match=None, **kw) -> str:
    with pytest.raises(OutputError, match=match) as info:
        check_output_target(path, kind, what="--out", **kw)
    return str(info.value)


def test_atomic_dir_creates_and_replaces_a_previous_output(tmp_path):
    target = tmp_path / "findings"
    with atomic_dir(target, "findings") as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".findings.tmp-")
        assert sorted(leftovers(tmp_path, "findings")) == sorted([tmp.name, ".findings.lock"])
        fill(tmp, "findings", "first")
    assert tree_digest(target).keys() == {"table.csv", "manifest.json"}
    assert provenance.previous_output_kind(target) == "findings" and target in provenance.completed_outputs()
    with atomic_dir(target, "findings") as tmp:
        fill(tmp, "findings", "second")
        assert (target / "table.csv").read_text() == "first"  # the old tree stays until the swap
    assert (target / "table.csv").read_text() == "second"
    assert leftovers(tmp_path, "findings") == []  # no temporary folder, no lock file


def test_atomic_dir_leaves_the_target_untouched_on_error(tmp_path):
    target = previous(tmp_path / "findings", "findings")
    before = tree_digest(target)
    with pytest.raises(RuntimeError, match="half way"):
        with atomic_dir(target, "findings") as tmp:
            (tmp / "table.csv").write_text("partial")
            raise RuntimeError("half way")
    assert tree_digest(target) == before
    assert leftovers(tmp_path, "findings") == []
    with pytest.raises(KeyboardInterrupt):
        with atomic_dir(tmp_path / "never", "findings") as tmp:
            raise KeyboardInterrupt
    assert not (tmp_path / "never").exists() and leftovers(tmp_path, "never") == []


def test_a_failed_write_leaves_no_new_folder_not_even_the_parents_it_created(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_dir(tmp_path / "a" / "b" / "out", "run"):
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(RuntimeError, match="manifest.json"):  # an output nobody could recognise later
        with atomic_dir(tmp_path / "a" / "out", "run") as tmp:
            (tmp / "table.csv").write_text("x")
    assert list(tmp_path.iterdir()) == []
    with atomic_dir(tmp_path / "a" / "out", "run") as tmp:  # on success the parents stay
        fill(tmp, "run")
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["out"]


def test_out_dot_in_a_folder_holding_a_user_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("my notes")
    assert refused(".", match="is the current folder") == \
        f"--out .: is the current folder ({tmp_path}); choose a new folder (or an empty one), e.g. --out outputs/NAME"
    with pytest.raises(OutputError):
        with atomic_dir(".", "compare", force=True):
            pytest.fail("must not start")
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_the_current_folder_is_refused_even_when_empty_and_with_force(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    refused(".", match="is the current folder", force=True)
    refused(str(tmp_path), match="is the current folder")


def test_a_parent_of_the_current_folder_the_repository_and_root_are_refused(tmp_path, monkeypatch):
    # stand-ins for / and the repository: tests never point an output at real system paths
    fs_root, repo = tmp_path / "fsroot", tmp_path / "fsroot" / "home" / "repo"
    (repo / "src").mkdir(parents=True)
    monkeypatch.setattr(provenance.rule, "FILESYSTEM_ROOT", fs_root)
    monkeypatch.setattr(provenance.rule, "_repository_root", lambda: repo)
    monkeypatch.chdir(repo / "src")
    refused("..", match=r"^--out \.\.: is the simulate repository", force=True)
    (tmp_path / "elsewhere" / "work").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "elsewhere" / "work")
    refused(repo.parent, match="is a parent of the simulate repository", force=True)
    refused(fs_root, match="is the root of the file system", force=True)
    refused("..", match=r"^--out \.\.: is a parent of the current folder", force=True)
    project = tmp_path / "project"
    project.mkdir()
    refused(project, match="is the project folder", protect=[project])
    refused(tmp_path, match="is a parent of", protect=[project])


def test_a_non_empty_folder_simulate_did_not_write_is_refused_even_with_force(tmp_path):
    docs = tmp_path / "mydocs"
    docs.mkdir()
    (docs / "notes.md").write_text("keep")
    (docs / "b.txt").write_text("keep")
    message = refused(docs, force=True)
    assert message == (f"--out {docs}: is a folder simulate did not write (2 entries: b.txt, notes.md; no "
                       "manifest.json from simulate); choose a new folder (or an empty one), e.g. --out "
                       "outputs/NAME (--force never replaces a folder simulate did not write)")
    (docs / "manifest.json").write_text('{"written_by": "someone else"}')
    refused(docs, match="did not write", force=True)
    assert (docs / "notes.md").read_text() == "keep"


def test_a_file_a_device_and_a_symlink_are_refused(tmp_path):
    afile = tmp_path / "afile.txt"
    afile.write_text("hello")
    refused(afile, match=r"is an existing file \(5 bytes\)", force=True)
    fifo = tmp_path / "pipe"  # a special file (like /dev/null, which tests never touch)
    os.mkfifo(fifo)
    refused(fifo, match="is a named pipe", force=True)
    out = previous(tmp_path / "out")
    link = tmp_path / "link"
    link.symlink_to(out)
    refused(link, match=r"is a symbolic link \(to .*out\); simulate never writes through", force=True)
    refused(afile / "sub", match="afile.txt is an existing file.*not a folder")
    assert afile.read_text() == "hello" and not (tmp_path / "afile.txt.tmp").exists()


def test_the_input_of_the_command_or_a_folder_holding_it_is_refused(tmp_path):
    scenario = tmp_path / "o" / "s.yaml"
    scenario.parent.mkdir()
    scenario.write_text("name: s\n")
    refused(scenario, match="is .*s.yaml, an input of this command", inputs=[scenario], force=True)
    refused(tmp_path / "o", match="holds .*s.yaml, an input of this command", inputs=[scenario], force=True)
    check_output_target(tmp_path / "o" / "out", "run", inputs=[scenario, "synthetic(seed=1)"])


def test_previous_outputs_replace_by_kind_and_force_never_reaches_foreign_folders(tmp_path):
    out = previous(tmp_path / "out", "compare")
    assert check_output_target(out, "compare") == out  # same kind: replaced
    refused(out, "findings", match="holds a previous simulate compare output, not a findings output; pass --force")
    assert check_output_target(out, "findings", force=True) == out
    with atomic_dir(out, "findings", force=True) as tmp:
        fill(tmp, "findings")
    assert provenance.previous_output_kind(out) == "findings"
    district = previous(tmp_path / "district", "district")  # an input of everything: only with force
    refused(district, "district", match="pass --force to replace it")
    assert check_output_target(district, "district", force=True) == district
    assert check_output_target(tmp_path / "absent", "run") == tmp_path / "absent"
    (tmp_path / "empty").mkdir()
    assert check_output_target(tmp_path / "empty", "run") == tmp_path / "empty"


def test_the_committed_findings_and_district_count_as_previous_outputs(tmp_path):
    committed = Path(__file__).resolve().parents[1] / "findings" / "manifest.json"
    (tmp_path / "findings").mkdir()
    shutil.copy(committed, tmp_path / "findings" / "manifest.json")  # written before manifests said written_by
    assert provenance.previous_output_kind(tmp_path / "findings") == "findings"
    assert check_output_target(tmp_path / "findings", "findings") == tmp_path / "findings"
    committed = Path(__file__).resolve().parents[1] / "data" / "banan" / "manifest.json"
    (tmp_path / "banan").mkdir()
    shutil.copy(committed, tmp_path / "banan" / "manifest.json")  # the committed default district: ours
    assert provenance.previous_output_kind(tmp_path / "banan") == "district"
    refused(tmp_path / "banan", "district", match="pass --force")
    assert check_output_target(tmp_path / "banan", "district", force=True) == tmp_path / "banan"
    # an old `simulate run --out DIR`: result folders only, no manifest of its own
    previous(tmp_path / "old_run" / "baseline", "result")
    assert provenance.previous_output_kind(tmp_path / "old_run") == "run"


def test_a_second_writer_of_the_same_target_is_refused_while_the_first_runs(tmp_path):
    target = tmp_path / "findings"
    with atomic_dir(target, "findings") as tmp:
        with pytest.raises(OutputError, match=r"being written by another simulate process \(pid \d+\)"):
            with atomic_dir(target, "findings"):
                pytest.fail("must not start")
        fill(tmp, "findings")
    assert tree_digest(target).keys() == {"table.csv", "manifest.json"} and leftovers(tmp_path, "findings") == []


def test_stale_temporary_folders_are_removed_only_with_name_and_marker(tmp_path):
    target = previous(tmp_path / "out")
    stale = tmp_path / ".out.tmp-dead1"
    stale.mkdir()
    (stale / provenance.TMP_MARKER).write_text("12345\n")
    (stale / "half.csv").write_text("x")
    foreign = tmp_path / ".out.tmp-notours"  # right name, no marker: not ours, kept
    foreign.mkdir()
    (foreign / "keep.txt").write_text("keep")
    with atomic_dir(target, "compare") as tmp:
        fill(tmp, "compare")
    assert not stale.exists() and (foreign / "keep.txt").read_text() == "keep"


def test_a_swap_killed_half_way_is_undone_by_the_next_run(tmp_path, monkeypatch):
    target = previous(tmp_path / "out", text="old")
    monkeypatch.setattr(provenance.atomic, "_exchange", lambda a, b: False)  # the two-rename path
    # what a kill -9 between the two renames leaves: the target moved aside, not yet replaced
    aside = tmp_path / ".out.old-killed"
    aside.mkdir()
    (aside / provenance.TMP_MARKER).write_text("1\n")
    target.rename(aside / "out")
    assert not target.exists()
    with pytest.raises(OutputError, match="not a findings output"):  # put back first, then judged
        with atomic_dir(target, "findings"):
            pytest.fail("must not start")
    assert (target / "table.csv").read_text() == "old" and leftovers(tmp_path, "out") == []
    with atomic_dir(target, "compare") as tmp:
        fill(tmp, "compare", "new")
    assert (target / "table.csv").read_text() == "new" and leftovers(tmp_path, "out") == []


def test_write_file_atomically_never_overwrites_without_asking(tmp_path):
    path = tmp_path / "params" / "scenarios" / "x.yaml"
    assert write_file_atomically(path, "a: 1\n") == path and path.read_text() == "a: 1\n"
    with pytest.raises(OutputError, match="already exists"):
        write_file_atomically(path, "a: 2\n")
    assert path.read_text() == "a: 1\n"
    path.chmod(0o640)
    write_file_atomically(path, "a: 3\n", overwrite=True)
    assert path.read_text() == "a: 3\n" and (path.stat().st_mode & 0o777) == 0o640
    link = tmp_path / "link.yaml"
    link.symlink_to(path)
    with pytest.raises(OutputError, match="symbolic link"):
        write_file_atomically(link, "b\n", overwrite=True)
    with pytest.raises(OutputError, match="folder"):
        write_file_atomically(tmp_path / "params", "b\n", overwrite=True)
    assert sorted(p.name for p in path.parent.iterdir()) == ["x.yaml"]  # no temporary file left
    with pytest.raises(OutputError, match="not a folder"):
        write_file_atomically(path / "sub.yaml", "b\n")


def test_write_csv_is_deterministic_and_rounds_half_to_even(tmp_path):
    df = pd.DataFrame({"z": [1, 2, 3], "a": [1 / 3, -1e-9, 2.5e-7], "s": ["x", "y", "z"]})
    first, second = write_csv(df, tmp_path / "one" / "t.csv"), write_csv(df, tmp_path / "t2.csv")
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() == b"z,a,s\n1,0.333333,x\n2,0.0,y\n3,0.0,z\n"  # -0.0 → 0.0; 2.5e-7 → 0 (even)
    halves = pd.DataFrame({"v": [0.5, 1.5, 2.5]})
    assert write_csv(halves, tmp_path / "h.csv", float_decimals=0).read_text() == "v\n0.0\n2.0\n2.0\n"
    assert b"\r" not in first.read_bytes()


def test_manifest_records_provenance():
    record = manifest({"run": 7}, "p" * 64, "d" * 64, extra={"note": "x"}, run_seconds=1.23456)
    assert record["seeds"] == {"run": 7}
    assert record["params_sha256"] == "p" * 64 and record["data_sha256"] == "d" * 64
    assert record["run_seconds"] == 1.235 and record["note"] == "x"
    assert {"git_commit", "packages", "python", "platform", "created_utc"} <= set(record)
    assert record["created_utc"].endswith("Z")
    with pytest.raises(ValueError, match="seeds"):
        manifest({}, "", "", extra={"seeds": {}})


@pytest.mark.parametrize("err", ["EACCES", "EROFS", "ENAMETOOLONG"])
def test_a_folder_the_system_refuses_to_write_is_one_output_error_naming_the_path(err, tmp_path, monkeypatch):
    """Where access() says yes but the operating system still refuses (root on some file systems, a
    folder made read-only meanwhile): one OutputError naming the path, nothing left behind."""
    import errno

    code = getattr(errno, err)
    real_open, real_mkdir = os.open, os.mkdir
    inside = lambda p: Path(os.fsdecode(p)).is_relative_to(tmp_path / "ro")  # noqa: E731

    def refuse(path):
        raise OSError(code, os.strerror(code), os.fsdecode(path))

    (tmp_path / "ro").mkdir()
    monkeypatch.setattr(os, "open", lambda p, flags, *a, **kw: refuse(p) if inside(p) and flags & os.O_CREAT
                        else real_open(p, flags, *a, **kw))
    monkeypatch.setattr(os, "mkdir", lambda p, *a, **kw: refuse(p) if inside(p) else real_mkdir(p, *a, **kw))
    for target in (tmp_path / "ro" / "out", tmp_path / "ro" / "deeper" / "out"):
        with pytest.raises(OutputError) as info:
            with atomic_dir(target, "compare", what="--out") as tmp:
                fill(tmp, "compare")
        assert str(info.value).startswith(f"--out {target}: cannot be written ({os.strerror(code)}")
        assert "choose a folder you can write to" in str(info.value)
        with pytest.raises(OutputError, match=f"cannot be written \\({os.strerror(code)}"):
            write_file_atomically(target.parent / "file.yaml", "x: 1\n")
    assert list((tmp_path / "ro").iterdir()) == []
