"""The one YAML reader: safe, bounded, and every refusal names the file and the line."""

from __future__ import annotations

import time

import pytest

from simulate.errors import SimulateError
from simulate.inputs.yamlfile import MAX_DEPTH, read_mapping


class Bad(SimulateError):
    pass


def refused(tmp_path, content: bytes | str, **kw) -> str:
    path = tmp_path / "x.yaml"
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    with pytest.raises(Bad) as info:
        read_mapping(path, Bad, **kw)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return message


def test_plain_types_only(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("a: 1\nb: [1.5, text]\nc: 2019-09-01\nd: true\ne: null\n<<: 3\n", encoding="utf-8")
    assert read_mapping(path, Bad) == {"a": 1, "b": [1.5, "text"], "c": "2019-09-01", "d": True, "e": None,
                                       "<<": 3}


def test_billion_laughs_is_refused_at_once(tmp_path):
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join(f'*a{i - 1}' for _ in range(9))}]" for i in range(1, 12)]
    start = time.perf_counter()
    message = refused(tmp_path, "\n".join(lines) + "\n")
    assert time.perf_counter() - start < 1.0
    assert "line 6" in message and "billion laughs" in message


def test_plain_aliases_still_work_and_cannot_refer_to_themselves(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("a: &x [1, 2]\nb: *x\n", encoding="utf-8")
    assert read_mapping(path, Bad) == {"a": [1, 2], "b": [1, 2]}
    assert "refers to its own value" in refused(tmp_path, "a: &x [1, *x]\n")


@pytest.mark.parametrize("tag", ["!!set {BN002: null}", "!!python/object/apply:os.system [ls]", "!!binary aGk=",
                                 "!!timestamp 2019-01-01", "!!omap [{a: 1}]", "!custom 3"])
def test_non_plain_tags_are_refused(tmp_path, tag):
    message = refused(tmp_path, f"ok: 1\nx: {tag}\n")
    assert "line 2" in message and "is not allowed" in message


def test_duplicate_keys_are_refused(tmp_path):
    message = refused(tmp_path, "changes:\n  a.b: 1\n  c: 2\n  a.b: 3\n")
    assert "line 4" in message and "duplicate key 'a.b' (first given at line 2)" in message


def test_deep_nesting_is_refused_without_recursion(tmp_path):
    assert "nested more than" in refused(tmp_path, "a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n")
    assert "line 1" in refused(tmp_path, "a: " + "[" * 200_000)  # unbalanced, far deeper than Python's stack


def test_size_limit_is_checked_before_reading(tmp_path):
    message = refused(tmp_path, "a: " + "x" * 2000 + "\n", max_bytes=1000)
    assert "2,004 bytes" in message and "at most 1,000" in message


def test_undecodable_bytes_name_the_line(tmp_path):
    message = refused(tmp_path, b"a: 1\nb: caf\xe9\n")
    assert "line 2: not UTF-8 text (byte 0xe9)" in message


def test_binary_garbage_and_syntax_errors_name_the_line(tmp_path):
    assert "not valid YAML: line 1" in refused(tmp_path, "a: b\x00c\n")
    assert "not valid YAML: line 2" in refused(tmp_path, "a: [1, 2\nb: 3\n")


def test_top_level_must_be_a_mapping(tmp_path):
    assert "expected a mapping at the top level, got a list" in refused(tmp_path, "- 1\n")
    assert "got an empty file" in refused(tmp_path, "")
    (tmp_path / "empty.yaml").write_text("", encoding="utf-8")
    assert read_mapping(tmp_path / "empty.yaml", Bad, empty_ok=True) == {}


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(Bad, match="no such file"):
        read_mapping(tmp_path / "nope.yaml", Bad)
    with pytest.raises(Bad, match="is a folder"):
        read_mapping(tmp_path, Bad)
