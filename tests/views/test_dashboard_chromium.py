"""The Chromium step of the install (``python -m simulate.views.dashboard.chromium``): the decision logic,
never apt-get itself, and that it never fails the install."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from simulate.views.dashboard import chromium
from simulate.views.dashboard.chromium import Found, plan


def found(**kw):
    return Found(**{**dict(chromium=None, is_root=False, has_apt_get=False, is_debian=False), **kw})


@pytest.mark.parametrize("kw, action", [
    (dict(chromium="/usr/bin/chromium", is_root=True, has_apt_get=True, is_debian=True), "ok"),  # there: nothing
    (dict(chromium="/usr/bin/chromium"), "ok"),
    (dict(is_root=True, has_apt_get=True, is_debian=True), "apt"),      # root on Debian: install it
    (dict(is_root=False, has_apt_get=True, is_debian=True), "advise"),  # not root: say how
    (dict(is_root=True, has_apt_get=False, is_debian=True), "advise"),  # no apt-get
    (dict(is_root=True, has_apt_get=True, is_debian=False), "advise"),  # Ubuntu (a snap) or not Debian
])
def test_plan(kw, action):
    assert plan(found(**kw)) == action


def test_debian_but_not_ubuntu_from_os_release():
    assert chromium.is_debian_not_ubuntu('ID=debian\nVERSION_ID="12"\n')
    assert chromium.is_debian_not_ubuntu('ID=raspbian\nID_LIKE=debian\n')
    assert not chromium.is_debian_not_ubuntu("ID=ubuntu\nID_LIKE=debian\n")  # chromium there is a snap
    assert not chromium.is_debian_not_ubuntu('ID=linuxmint\nID_LIKE="ubuntu debian"\n')
    assert not chromium.is_debian_not_ubuntu('ID=fedora\nID_LIKE="rhel centos"\n')
    assert not chromium.is_debian_not_ubuntu("")


def fake_apt(known: bool, fails: str | None = None):
    calls = []

    def run(cmd, **kw):
        calls.append((cmd, kw["env"].get("DEBIAN_FRONTEND")))
        code = 0 if cmd[:2] != ["apt-cache", "show"] or known else 100
        return subprocess.CompletedProcess(cmd, 100 if fails and fails in cmd else code)

    return run, calls


def test_apt_install_updates_the_lists_only_when_they_do_not_know_chromium():
    run, calls = fake_apt(known=False)
    assert chromium.apt_install(run=run) is True
    assert [c for c, _ in calls] == [["apt-cache", "show", "chromium"], ["apt-get", "update", "-qq"],
                                     ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"]]
    assert {env for _, env in calls} == {"noninteractive"}
    run, calls = fake_apt(known=True)
    assert chromium.apt_install(run=run) is True
    assert [c[1] for c, _ in calls] == ["show", "install"]  # lists already there: no update
    run, calls = fake_apt(known=False, fails="update")
    assert chromium.apt_install(run=run) is False and len(calls) == 2  # no install after a failed update


def test_root_on_debian_installs_it_and_a_failure_is_a_warning(monkeypatch):
    monkeypatch.setattr(chromium, "apt_install", lambda: True)
    monkeypatch.setattr(chromium, "chromium_path", lambda: "/usr/bin/chromium")
    lines = []
    assert chromium.ensure(found(is_root=True, has_apt_get=True, is_debian=True), out=lines.append) == "apt"
    assert lines == ["Chromium: none found; installing chromium with apt-get for the dashboard's browser test …"]
    monkeypatch.setattr(chromium, "apt_install", lambda: False)
    lines = []
    assert chromium.ensure(found(is_root=True, has_apt_get=True, is_debian=True), out=lines.append) == "apt-failed"
    assert lines[-1].startswith("warning: apt-get install chromium failed")


def test_without_root_it_prints_one_line_on_how_to_install(monkeypatch):
    monkeypatch.setattr(chromium, "apt_install", lambda: pytest.fail("apt-get must not run without root"))
    lines = []
    assert chromium.ensure(found(has_apt_get=True, is_debian=True), out=lines.append) == "advise"
    assert len(lines) == 1 and "apt-get install chromium" in lines[0] and lines[0].startswith("warning:")


def test_main_never_fails(monkeypatch, capsys):
    def boom():
        raise RuntimeError("no /etc/os-release")

    monkeypatch.setattr(chromium, "find", boom)
    assert chromium.main() == 0
    assert capsys.readouterr().out.startswith("warning: could not check for Chromium")


def test_the_makefile_install_step_brings_chromium_and_ignores_its_failure():
    text = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    stamp = text.split("$(STAMP):", 1)[1].split("\n\n", 1)[0]
    line = next(ln for ln in stamp.splitlines() if "simulate.views.dashboard.chromium" in ln)
    assert line.lstrip().startswith("-") and "|| echo" in line
    assert stamp.index("dashboard.chromium") < stamp.index("touch $(STAMP)")
