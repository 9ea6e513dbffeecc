"""English names of schools and towns: the district's own, else a romanisation (pypinyin).

A district's ``schools.csv`` may carry ``name_en`` and ``town_en`` (the default district does: its
synthesiser writes them, e.g. 鱼洞中学 → "Yudong Middle School", 鱼洞街道 → "Yudong Subdistrict").
Where a column is missing or a cell is empty, :func:`romanise` writes the Chinese name in Hanyu
Pinyin (syllables of a name joined, first letter capitalised, an apostrophe before a syllable
starting with a, o or e, as in Xi'an) and translates the common suffixes (街道 Subdistrict, 镇 Town,
乡 Township; 中学 Middle School, 小学 Primary School, 学校 School, …). Pinyin comes from the
``pypinyin`` library's dictionary (its most common reading of each character; place names with
unusual readings may differ from their official romanisation).
"""

from __future__ import annotations

import pandas as pd

SUFFIXES = (  # longest first
    ("九年一贯制学校", "Nine-year School"), ("中心小学", "Central Primary School"), ("完全中学", "Secondary School"),
    ("中学", "Middle School"), ("小学", "Primary School"), ("学校", "School"),
    ("街道", "Subdistrict"), ("镇", "Town"), ("乡", "Township"),
)
NUMBERS = {"第一": "No. 1", "第二": "No. 2", "第三": "No. 3", "第四": "No. 4", "第五": "No. 5", "第六": "No. 6"}


def _pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin

    out = ""
    for i, syllable in enumerate(lazy_pinyin(text)):
        if i and syllable[:1] in ("a", "o", "e") and out[-1:].isalpha():
            out += "'"
        out += syllable
    return out[:1].upper() + out[1:]


def romanise(name: str) -> str:
    """An English rendering of a Chinese school or town name: pinyin of the proper name, the
    suffix translated (``"鱼洞中学"`` → ``"Yudong Middle School"``). Text without Chinese is returned as is."""
    if not isinstance(name, str) or not any("\u4e00" <= ch <= "\u9fff" for ch in name):
        return name
    rest, tail = name, ""
    for zh, en in SUFFIXES:
        if rest.endswith(zh) and len(rest) > len(zh):
            rest, tail = rest[: -len(zh)], en
            break
    number = ""
    for zh, en in NUMBERS.items():
        if rest.endswith(zh):
            rest, number = rest[: -len(zh)], en
    return " ".join(part for part in (_pinyin(rest), number, tail) if part)


def english_names(schools: pd.DataFrame) -> pd.DataFrame:
    """``schools`` with ``name_en`` and ``town_en`` filled: the district's where given, else :func:`romanise`."""
    out = schools.copy()
    for col, src in (("name_en", "name"), ("town_en", "town")):
        given = out[col] if col in out.columns else pd.Series([None] * len(out), index=out.index, dtype=object)
        missing = given.isna() | (given.astype(str).str.strip() == "")
        filled = given.astype(object).where(~missing, out[src].map(romanise))
        if col in out.columns:
            out[col] = filled
        else:
            out.insert(out.columns.get_loc(src) + 1, col, filled)
    return out
