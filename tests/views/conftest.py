"""Fixtures shared by the dashboard tests: the default district, and a private copy of params/."""

from __future__ import annotations

import shutil

import pytest

import simulate as sim
from simulate.inputs.scenario import params_dir


@pytest.fixture(scope="module")
def district():
    """The default district (Banan), loaded once per module."""
    return sim.load_district()


@pytest.fixture()
def params_copy(tmp_path, monkeypatch):
    """A private copy of params/ so that saving never touches the repository."""
    dest = tmp_path / "params"
    shutil.copytree(params_dir(), dest)
    monkeypatch.setenv("SIMULATE_PARAMS_DIR", str(dest))
    return dest
