"""Fuzz suite: the sandbox fixture, the long profile's gate and the case count in the summary.

The quick profile runs in every ``make test`` (deterministic cases). The long profile — ten times
the cases, fresh each run — is the same properties marked ``slow``; it is a hunt for new cases, not a
check a CI run can rely on (a fresh draw can fail it on any day), so it runs only when asked for with
``SIMULATE_FUZZ=long`` (``SIMULATE_FUZZ=long pytest -m slow tests/fuzz``), not in ``make test-slow``;
a case it finds is kept as a named test in ``tests/fuzz/test_regressions.py``.
"""

from __future__ import annotations

import os

import pytest

from fuzz_harness import COUNTS, make_sandbox


def _long_wanted(config) -> bool:
    return os.environ.get("SIMULATE_FUZZ") == "long"


def pytest_collection_modifyitems(config, items):
    if _long_wanted(config):
        return
    skip = pytest.mark.skip(reason="long fuzz profile (fresh cases each run): run with "
                                   "`SIMULATE_FUZZ=long pytest -m slow tests/fuzz`")
    for item in items:
        if "tests/fuzz/" in str(item.fspath).replace(os.sep, "/") and item.get_closest_marker("slow"):
            item.add_marker(skip)


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    """A sandbox per test module: params/ copy, a small district, a work folder (see fuzz_harness)."""
    return make_sandbox(tmp_path_factory.mktemp("fuzz"))


def pytest_terminal_summary(terminalreporter):
    if not COUNTS:
        return
    total = sum(c["accepted"] + c["refused"] for c in COUNTS.values())
    terminalreporter.section("fuzz cases")
    for name, c in sorted(COUNTS.items()):
        terminalreporter.write_line(f"{name}: {c['accepted'] + c['refused']} cases "
                                    f"({c['refused']} refused, {c['accepted']} accepted)")
    terminalreporter.write_line(f"total: {total} generated cases")
