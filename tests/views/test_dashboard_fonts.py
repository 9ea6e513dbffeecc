"""The CJK font step of the install (``python -m simulate.views.dashboard.fonts``): the decision logic,
never apt-get itself, and that it never fails the install."""

from __future__ import annotations

import subprocess
import sys

import pytest

from simulate.views.dashboard import fonts
from simulate.views.dashboard.fonts import Found, plan


def found(**kw):
    base = dict(matplotlib_knows_cjk=False, system_has_cjk=False, is_root=False, has_apt_get=False, is_debian=False)
    return Found(**{**base, **kw})


@pytest.mark.parametrize("kw, actions", [
    (dict(matplotlib_knows_cjk=True, system_has_cjk=True, is_root=True, has_apt_get=True, is_debian=True), ["ok"]),
    (dict(system_has_cjk=True), ["rebuild"]),                                    # installed, cache stale
    (dict(system_has_cjk=True, is_root=True, has_apt_get=True, is_debian=True), ["rebuild"]),  # no apt needed
    (dict(is_root=True, has_apt_get=True, is_debian=True), ["apt", "rebuild"]),  # root on Debian: install
    (dict(is_root=False, has_apt_get=True, is_debian=True), ["advise"]),         # not root: say how
    (dict(is_root=True, has_apt_get=False, is_debian=True), ["advise"]),         # no apt-get
    (dict(is_root=True, has_apt_get=True, is_debian=False), ["advise"]),         # apt-get elsewhere: not ours to use
])
def test_plan(kw, actions):
    assert plan(found(**kw)) == actions


def test_is_debian_reads_os_release():
    assert fonts.is_debian('ID=debian\nVERSION_ID="12"\n')
    assert fonts.is_debian('ID=linuxmint\nID_LIKE="ubuntu debian"\n')
    assert fonts.is_debian("ID=ubuntu\n")
    assert not fonts.is_debian('ID=fedora\nID_LIKE="rhel centos"\n')
    assert not fonts.is_debian("")


def test_apt_install_is_quiet_and_non_interactive():
    calls = []

    def fake_run(cmd, **kw):
        calls.append((cmd, kw["env"].get("DEBIAN_FRONTEND")))
        return subprocess.CompletedProcess(cmd, 0)

    assert fonts.apt_install(run=fake_run) is True  # the lists know the package (apt-cache show: 0): no update
    assert [c for c, _ in calls] == [["apt-cache", "show", "fonts-noto-cjk"],
                                     ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "fonts-noto-cjk"]]
    assert {env for _, env in calls} == {"noninteractive"}
    assert fonts.apt_install(run=lambda cmd, **kw: subprocess.CompletedProcess(cmd, 100)) is False


def test_ensure_installs_with_apt_then_rebuilds_the_cache(monkeypatch):
    steps = []
    monkeypatch.setattr(fonts, "apt_install", lambda: steps.append("apt") or True)
    monkeypatch.setattr(fonts, "rebuild_cache", lambda: steps.append("rebuild") or True)
    lines = []
    assert fonts.ensure(found(is_root=True, has_apt_get=True, is_debian=True), out=lines.append) == ["apt", "rebuild"]
    assert steps == ["apt", "rebuild"]
    assert any("installing fonts-noto-cjk" in line for line in lines)


def test_a_font_unknown_to_matplotlib_only_rebuilds_the_cache(monkeypatch):
    steps = []
    monkeypatch.setattr(fonts, "apt_install", lambda: pytest.fail("no apt-get when a font is installed"))
    monkeypatch.setattr(fonts, "rebuild_cache", lambda: steps.append("rebuild") or True)
    assert fonts.ensure(found(system_has_cjk=True, is_root=True, has_apt_get=True, is_debian=True),
                        out=lambda line: None) == ["rebuild"]
    assert steps == ["rebuild"]


def test_a_failing_apt_get_is_a_warning(monkeypatch):
    monkeypatch.setattr(fonts, "apt_install", lambda: False)
    lines = []
    done = fonts.ensure(found(is_root=True, has_apt_get=True, is_debian=True), out=lines.append)
    assert done == ["apt-failed"]
    assert lines[-1].startswith("warning:") and "fonts-noto-cjk" in lines[-1]


def test_without_root_it_prints_one_line_on_how_to_install(monkeypatch):
    monkeypatch.setattr(fonts, "apt_install", lambda: pytest.fail("apt-get must not run without root"))
    lines = []
    assert fonts.ensure(found(has_apt_get=True, is_debian=True), out=lines.append) == ["advise"]
    assert len(lines) == 1 and "apt-get install fonts-noto-cjk" in lines[0] and lines[0].startswith("warning:")


def test_main_never_fails(monkeypatch, capsys):
    def boom():
        raise RuntimeError("no fontconfig")

    monkeypatch.setattr(fonts, "find", boom)
    assert fonts.main() == 0
    assert "warning:" in capsys.readouterr().out


def test_the_charts_pick_a_cjk_family_when_the_system_has_one():
    from simulate.views.dashboard.charts import _chart_lang, _font_kw

    if not fonts.system_cjk_files() and fonts.known_cjk_family() is None:
        assert _chart_lang("zh") == "en"  # no CJK font: English labels, no missing-glyph boxes
        return
    family = fonts.cjk_family()
    assert family is not None
    assert _chart_lang("zh") == "zh" and _font_kw("zh") == {"fontfamily": family}
    assert _chart_lang("en") == "en" and _font_kw("en") == {}


def test_the_makefile_install_step_runs_the_font_check_and_ignores_its_failure():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    stamp = text.split("$(STAMP): pyproject.toml", 1)[1].split("\n\n", 1)[0]
    line = next(ln for ln in stamp.splitlines() if "simulate.views.dashboard.fonts" in ln)
    assert line.lstrip().startswith("-") and "|| echo" in line
    assert stamp.index("dashboard.fonts") < stamp.index("touch $(STAMP)")
