"""Claims about provenance: hashes are stable, folders swap atomically, CSVs are byte-identical."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulate import provenance
from simulate.provenance import (
    atomic_dir,
    git_commit,
    manifest,
    package_versions,
    sha256_of_files,
    sha256_of_obj,
    write_csv,
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


def leftovers(parent: Path, name: str) -> list[str]:
    return [p.name for p in parent.iterdir() if p.name.startswith(f".{name}.")]


def test_atomic_dir_creates_and_replaces_the_target(tmp_path):
    target = tmp_path / "findings"
    with atomic_dir(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".findings.tmp-")
        (tmp / "new.txt").write_text("first")
    assert tree_digest(target).keys() == {"new.txt"}
    with atomic_dir(target) as tmp:
        (tmp / "other.txt").write_text("second")
        assert (target / "new.txt").read_text() == "first"  # the old tree stays until the swap
    assert sorted(tree_digest(target)) == ["other.txt"]
    assert leftovers(tmp_path, "findings") == []


def test_atomic_dir_leaves_the_target_untouched_on_error(tmp_path):
    target = tmp_path / "findings"
    (target / "run").mkdir(parents=True)
    (target / "run" / "table.csv").write_text("a,b\n1,2\n")
    before = tree_digest(target)
    with pytest.raises(RuntimeError, match="half way"):
        with atomic_dir(target) as tmp:
            (tmp / "run").mkdir()
            (tmp / "run" / "table.csv").write_text("partial")
            raise RuntimeError("half way")
    assert tree_digest(target) == before
    assert leftovers(tmp_path, "findings") == []
    with pytest.raises(KeyboardInterrupt):
        with atomic_dir(tmp_path / "never") as tmp:
            raise KeyboardInterrupt
    assert not (tmp_path / "never").exists() and leftovers(tmp_path, "never") == []


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
