"""model.memory.restore_mmap_threshold: under Dask's MALLOC_TRIM_THRESHOLD_ the engine asks glibc for its heap again."""

import sys

import pytest

from simulate.model import memory


class FakeLibc:
    def __init__(self):
        self.calls = []

    def mallopt(self, param, value):
        self.calls.append((param, value))
        return 1


@pytest.fixture
def fake(monkeypatch):
    libc = FakeLibc()
    monkeypatch.setattr(memory, "_libc", lambda: libc)
    monkeypatch.setattr(memory, "_allocator_checked", False)
    return libc


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_sets_the_mmap_threshold_once_when_dask_set_the_trim_threshold(fake):
    env = {"MALLOC_TRIM_THRESHOLD_": "65536"}
    assert memory.restore_mmap_threshold(env) is True
    assert fake.calls == [(-3, 32 * 2**20)]  # M_MMAP_THRESHOLD, glibc's dynamic ceiling
    assert memory.restore_mmap_threshold(env) is False  # once per process
    assert len(fake.calls) == 1


@pytest.mark.parametrize("env", [{}, {"MALLOC_TRIM_THRESHOLD_": "65536", "MALLOC_MMAP_THRESHOLD_": "1000000"}])
def test_leaves_the_allocator_alone_otherwise(fake, env):
    assert memory.restore_mmap_threshold(env) is False
    assert fake.calls == []
