"""The apt-get decision shared by the font and the Chromium install steps
(:mod:`simulate.views.dashboard.aptget`): os-release parsing and the install's commands."""

from __future__ import annotations

import subprocess

from simulate.views.dashboard import aptget, chromium, fonts


def test_os_release_ids_and_the_two_debian_questions():
    assert aptget.os_release_ids('ID=linuxmint\nID_LIKE="ubuntu debian"\n') == {"linuxmint", "ubuntu", "debian"}
    assert aptget.os_release_ids("") == set()
    for text, debian, not_ubuntu in [('ID=debian\nVERSION_ID="12"\n', True, True), ("ID=ubuntu\n", True, False),
                                     ("ID=raspbian\nID_LIKE=debian\n", True, True),
                                     ('ID=fedora\nID_LIKE="rhel centos"\n', False, False)]:
        assert aptget.is_debian(text) is debian and aptget.is_debian_not_ubuntu(text) is not_ubuntu, text
    # the two install steps ask the shared helper (one copy of the parsing)
    assert fonts.is_debian is aptget.is_debian and chromium.is_debian_not_ubuntu is aptget.is_debian_not_ubuntu


def test_both_steps_install_through_the_shared_helper():
    for module, package in ((fonts, "fonts-noto-cjk"), (chromium, "chromium")):
        calls = []

        def run(cmd, **kw):
            calls.append(cmd)
            return subprocess.CompletedProcess(cmd, 100 if cmd[:2] == ["apt-cache", "show"] else 0)

        assert module.apt_install(run=run) is True
        assert calls == [["apt-cache", "show", package], ["apt-get", "update", "-qq"],
                         ["apt-get", "install", "-y", "-qq", "--no-install-recommends", package]]
    assert aptget.apt_install("x", run=lambda cmd, **kw: (_ for _ in ()).throw(OSError("no apt"))) is False
