"""Every string a planner reads on the dashboard exists in English and Chinese."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from simulate.views.dashboard import i18n
from simulate.views.dashboard.controls import GROUPS, LEVERS, choices
from simulate.views.dashboard.i18n import INDICATOR_TEXT, LANGUAGES, TEXT, text

DASHBOARD = Path(i18n.__file__).parent
CJK = re.compile(r"[\u4e00-\u9fff]")


def _fields(s: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(s) if name}


@pytest.mark.parametrize("key", sorted({**TEXT, **INDICATOR_TEXT}))
def test_every_key_has_both_languages_with_the_same_fields(key):
    pair = {**TEXT, **INDICATOR_TEXT}[key]
    assert isinstance(pair, tuple) and len(pair) == len(LANGUAGES) == 2
    en, zh = pair
    assert en.strip() and zh.strip(), key
    assert CJK.search(zh), f"{key}: the Chinese text has no Chinese: {zh!r}"
    assert _fields(en) == _fields(zh), key


def test_every_lever_has_label_and_help_in_both_languages():
    for lever in LEVERS:
        for pair in (lever.label, lever.help):
            assert len(pair) == 2 and pair[0].strip() and CJK.search(pair[1]), lever.path
        assert lever.unit in TEXT
    for g in GROUPS:
        assert f"group.{g}" in TEXT
    for lever in LEVERS:
        if lever.choice:
            for c in choices(lever.path):
                assert f"rule.{c}" in TEXT, (lever.path, c)


def test_every_key_the_dashboard_asks_for_exists():
    used = set()
    for path in DASHBOARD.glob("*.py"):
        used |= set(re.findall(r"""\btext\(\s*["']([a-z_./0-9]+)["']""", path.read_text(encoding="utf-8")))
    assert used, "no text() calls found"
    missing = sorted(k for k in used if k not in TEXT and k not in INDICATOR_TEXT)
    assert not missing, missing


@pytest.mark.slow
def test_the_intro_is_complete_in_both_languages():
    from simulate.views.dashboard.app import ScenarioExplorer

    x = ScenarioExplorer()
    en = x.view.intro.value
    assert "Banan" in en and "Run with uncertainty" in en and "What drives this difference" in en
    x.set_language("zh")
    zh = x.view.intro.value
    assert "巴南" in zh and "运行不确定性分析" in zh and "分析差异来源" in zh and "另存为方案" in zh
    assert not re.search(r"[A-Za-z]{4,}", re.sub(r"<[^>]+>", "", zh)), zh  # no English left over, no commands


def test_the_chinese_page_shows_no_english_interface_text():
    """Every label, button, section and note of the page in 中文 comes from the Chinese column (scenario
    titles and ids, data, are the only English allowed)."""
    import ipywidgets as w

    from simulate.views.dashboard.app import ScenarioExplorer

    x = ScenarioExplorer(language="zh")
    x.set("teachers.support.count", 1e9)  # a note beside a control
    english = {pair[0] for pair in {**TEXT, **INDICATOR_TEXT}.values() if "{" not in pair[0] and len(pair[0]) > 3}
    english |= {lever.label[0] for lever in LEVERS} | {lever.help[0] for lever in LEVERS}
    seen = []

    def walk(widget):
        for attr in ("value", "description"):
            v = getattr(widget, attr, None)
            if isinstance(v, str):
                seen.append(re.sub(r"<[^>]+>", "\n", v))
        if isinstance(widget, w.Accordion):
            seen.extend(widget.titles)
        for child in getattr(widget, "children", ()):
            walk(child)

    walk(x.widget)
    page = "\n".join(seen)
    assert CJK.search(page)
    leftovers = sorted(e for e in english if e in page.split("\n") or f">{e}<" in page)
    assert not leftovers, leftovers
    # scenario titles are Chinese too (title_zh in the scenario files), the dropdowns included
    from simulate.inputs.scenario import available_scenarios, load_scenario

    titles = [t for t, _ in x.view.start.options]
    assert all(load_scenario(n).title not in page and load_scenario(n).title not in titles
               for n in available_scenarios())
    assert "baseline" not in x.view.intro.value and "simulate" not in x.view.intro.value
    assert text("note.above_max", "zh", value="1,000,000,000", max="24", kept="24")[:5] not in ("1e+09",)


def test_save_errors_are_said_in_the_planners_language(tmp_path, monkeypatch):
    import shutil

    from simulate.inputs.scenario import params_dir
    from simulate.views.dashboard.app import ScenarioExplorer

    dest = tmp_path / "params"
    shutil.copytree(params_dir(), dest)
    monkeypatch.setenv("SIMULATE_PARAMS_DIR", str(dest))
    x = ScenarioExplorer(language="zh")
    for name, title, overwrite, expect in (("Bad Name", None, False, "方案名称"), ("baseline", None, False, "已保留"),
                                           ("targeted_aid", None, False, "已存在"), ("ok_name", "a\nb", False, "方案标题"),
                                           ("ok_name", None, "yes", "覆盖选项")):
        assert x.save(name, title, overwrite) is None
        assert expect in x.message and x.message_where == "save", x.message
        assert CJK.search(x.message)
    x.set_language("en")
    assert x.save("Bad Name") is None
    assert x.message.startswith("scenario name 'Bad Name': use 1–60 lower-case letters")
