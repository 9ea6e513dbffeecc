"""What every fuzz case asserts, and the sandbox the cases run in.

A case is one generated input (a mutated scenario file, district CSV, command line, grid, notebook
parameter file, widget value or API call) and an action that reads it. :func:`check` runs the
action and asserts, for every case:

- it was accepted (then whatever ran must not have failed either), or it was refused with a
  project error (:class:`simulate.errors.SimulateError`), a non-zero exit code of ``main()``,
  or argparse's exit 2 — never a bare exception from numpy, pandas, yaml or Python;
- no traceback was printed (stdout and stderr are captured);
- the refusal names the culprit: at least one of the strings the generator expects (the file,
  the dotted key, ``row R``/``column 'C'``, the flag);
- no file was created, changed or deleted outside the case's temporary folder (the repository's
  ``params/``, ``data/``, ``findings/`` and its top-level entries are compared by size and mtime;
  the sandbox's inputs by content), and a refused case wrote nothing at all.

The sandbox (one per test module, under pytest's tmp_path_factory) holds a copy of ``params/``
(``SIMULATE_PARAMS_DIR`` points there, so a case can never reach the repository's parameters) and
a small synthesised district; the current folder is a scratch folder inside it while a case runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from simulate.errors import SimulateError

ROOT = Path(__file__).resolve().parents[2]
WATCHED = ("params", "data", "findings")

COMMON = dict(deadline=None, database=None, print_blob=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                     HealthCheck.data_too_large, HealthCheck.filter_too_much,
                                     HealthCheck.large_base_example])
# quick: the default `make test` run, reproducible (derandomized); long: ten times the cases, fresh ones
# each run, behind the `slow` marker and SIMULATE_FUZZ=long (a hunt for new cases, not run by CI).
settings.register_profile("fuzz-quick", derandomize=True, **COMMON)
settings.register_profile("fuzz-long", derandomize=False, **COMMON)
LONG_FACTOR = 10

COUNTS: dict[str, dict[str, int]] = {}  # test name → {"accepted": n, "refused": n}


def quick(n: int) -> settings:
    return settings(settings.get_profile("fuzz-quick"), max_examples=n)


def long(n: int) -> settings:
    return settings(settings.get_profile("fuzz-long"), max_examples=n * LONG_FACTOR)


# ---------------------------------------------------------------------------- snapshots
def _stat_tree(root: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for top in WATCHED:
        base = root / top
        if not base.exists():
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = [d for d in dirnames if d != "__pycache__"]
            for name in filenames:
                p = os.path.join(dirpath, name)
                try:
                    st = os.stat(p)
                except FileNotFoundError:
                    continue
                out[os.path.relpath(p, root)] = (st.st_size, st.st_mtime_ns)
    out.update({f"<top>/{e.name}": (0, 0) for e in os.scandir(root)})
    return out


def _hash_tree(root: Path) -> dict[str, str]:
    out = {}
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            p = Path(dirpath) / name
            out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _diff(before: dict, after: dict) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


# ---------------------------------------------------------------------------- the sandbox
@dataclass
class Sandbox:
    root: Path
    params: Path
    district: Path
    work: Path
    pristine: dict[str, bytes] = field(default_factory=dict)  # input file → original bytes

    def restore(self) -> None:
        """Put every input file back as it was (a case may have mutated one) and empty the work folder."""
        for rel, data in self.pristine.items():
            p = self.root / rel
            if not p.is_file() or p.read_bytes() != data:
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_bytes(data)
        for rel in {str(p.relative_to(self.root)) for p in self.params.rglob("*") if p.is_file()} \
                | {str(p.relative_to(self.root)) for p in self.district.rglob("*") if p.is_file()}:
            if rel not in self.pristine:
                (self.root / rel).unlink()
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir()


def make_sandbox(tmp: Path) -> Sandbox:
    from simulate.inputs.synthesize import synthesize

    params = tmp / "params"
    shutil.copytree(ROOT / "params", params)
    district = tmp / "district"
    synthesize(n_schools=8, seed=1, name="tiny").to_dir(district)
    work = tmp / "work"
    work.mkdir()
    box = Sandbox(root=tmp, params=params, district=district, work=work)
    box.pristine = {str(p.relative_to(tmp)): p.read_bytes() for folder in (params, district)
                    for p in folder.rglob("*") if p.is_file()}
    return box


@contextlib.contextmanager
def sandbox_env(box: Sandbox):
    """Parameters from the sandbox, the current folder inside it, the repository out of reach."""
    old_cwd, old_env = os.getcwd(), {k: os.environ.get(k) for k in ("SIMULATE_PARAMS_DIR",)}
    os.environ["SIMULATE_PARAMS_DIR"] = str(box.params)
    os.chdir(box.work)
    try:
        yield box
    finally:
        os.chdir(old_cwd)
        for k, v in old_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# ---------------------------------------------------------------------------- one case
@dataclass
class Outcome:
    refused: bool
    message: str
    value: object = None


def check(test: str, box: Sandbox, action, culprits: list[str] | None, *, must_refuse: bool = False,
          may_write: bool = False, also: tuple[str, ...] = (), may_change_params: bool = False) -> Outcome:
    """Run ``action()`` as one fuzz case and assert the rules of the module docstring.

    ``culprits``: strings of which at least one must appear in a refusal's message (None: the
    case is expected to be accepted, a refusal is a failure); ``also``: strings that must all
    appear too (e.g. the file's name besides the key). ``must_refuse``: acceptance is a
    failure. ``may_write``: an accepted case may create files in the work folder (--out there);
    ``may_change_params``: and in the sandbox's params/ copy (the dashboard's "save as scenario").
    ``action`` returns an exit code (main) or anything (API); raising SimulateError is a refusal.
    """
    repo_before = _stat_tree(ROOT)
    inputs_before = _hash_tree(box.params), _hash_tree(box.district)
    work_before = _hash_tree(box.work)
    out, err = io.StringIO(), io.StringIO()
    refused, message, value = False, "", None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                value = action()
            except SystemExit as exc:  # argparse: usage + one line, exit 2 (or --help: 0)
                value = exc.code if isinstance(exc.code, int) else 1
        if isinstance(value, int) and not isinstance(value, bool) and value != 0:
            refused, message = True, err.getvalue()
    except SimulateError as exc:
        refused, message = True, str(exc)
    except Exception:  # noqa: BLE001 - the point: nothing else may escape
        pytest.fail(f"{test}: a bare exception escaped (culprits {culprits}):\n{traceback.format_exc()}\n"
                    f"stderr: {err.getvalue()[-2000:]}")
    finally:
        repo_after = _stat_tree(ROOT)
    text = out.getvalue() + err.getvalue() + message
    assert "Traceback" not in text, f"{test}: a traceback was printed:\n{text[-3000:]}"
    changed = _diff(repo_before, repo_after)
    assert not changed, f"{test}: the repository changed: {changed}"
    inputs_after = _hash_tree(box.params), _hash_tree(box.district)
    if not (may_change_params and not refused):
        assert inputs_after == inputs_before, f"{test}: an input file changed"
    assert inputs_after[1] == inputs_before[1], f"{test}: the district changed"
    if refused or not may_write:
        written = _diff(work_before, _hash_tree(box.work))
        assert not written, f"{test}: {'a refused case' if refused else 'a case'} wrote {written}"
    if refused:
        assert message.strip(), f"{test}: refused without a message"
        assert culprits is not None, f"{test}: a valid input was refused:\n{message}"
        assert any(c in message for c in culprits), \
            f"{test}: the message names none of {culprits}:\n{message}"
        missing = [c for c in also if c not in message]
        assert not missing, f"{test}: the message does not name {missing}:\n{message}"
    else:
        assert not must_refuse, f"{test}: accepted an input that must be refused (culprits {culprits}); " \
                                f"output:\n{text[-1500:]}"
    counts = COUNTS.setdefault(test, {"accepted": 0, "refused": 0})
    counts["refused" if refused else "accepted"] += 1
    return Outcome(refused, message, value)
