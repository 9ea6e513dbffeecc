"""Fuzz: district CSVs — cells, columns, rows, bytes and encodings of a small synthesised district.

An oracle from the column specs (``SCHOOL_COLUMNS``, ``ENROLMENT_COLUMNS``, ``CAPS``) says when a
mutated cell can never be valid: then the DistrictError must name the file, the row (CSV line,
header = row 1) and the column. Every other mutation must be accepted (and then run one
expected year) or refused naming the file.
"""

from __future__ import annotations

import csv
import io
import math
import re
import shutil

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import simulate as sim
from fuzz_harness import check, long, quick, sandbox_env
from simulate.inputs.district import CAPS, ENROLMENT_COLUMNS, SCHOOL_COLUMNS

FILES = {"schools.csv": SCHOOL_COLUMNS, "enrolment.csv": ENROLMENT_COLUMNS}
ID = re.compile(r"[\w.\-]+")
CELLS = st.one_of(
    st.sampled_from(["abc", "名", "1,000", "1e3", " 7 ", "0x10", "true", "nan", "inf", "-inf", "", "NOPE", "S 1",
                     "a/b", '"q"', "urban", "URBAN", "city", "primary", "junior", "0", "1", "-0", "2.5", "１"]),
    st.integers(-10**7, 10**16).map(str), st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=6),
)


def cell_never_valid(spec: dict, column: str, value: str) -> bool:
    """True when ``value`` can never be a valid cell of ``column`` (whatever the other cells say)."""
    kind, rule = spec[column]
    v = value.strip()
    if kind in ("int", "float"):
        x = pd.to_numeric(pd.Series([v], dtype=object), errors="coerce").iloc[0]
        if v == "" or pd.isna(x) or not math.isfinite(x):
            return True
        if kind == "int" and x != math.floor(x):
            return True
        lo, hi = rule
        return (lo is not None and x < lo) or (hi is not None and x > hi) or (column in CAPS and x > CAPS[column])
    if kind == "category":
        return v not in rule
    if kind == "id":
        return not ID.fullmatch(v)
    if kind == "ref":
        return v != "" and not ID.fullmatch(v)
    if kind == "text":
        return bool(rule) and v == ""
    return False


def read_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def write_rows(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def district_case(data, box, test):
    case = box.root / "dcase"
    shutil.rmtree(case, ignore_errors=True)
    shutil.copytree(box.district, case)
    name = data.draw(st.sampled_from(sorted(FILES)), label="file")
    spec = FILES[name]
    raw = (case / name).read_bytes()
    rows = read_rows(raw)
    header, body = rows[0], rows[1:]
    kind = data.draw(st.sampled_from(["cell", "cell", "cell", "drop_column", "extra_column", "duplicate_header",
                                      "row_shape", "encoding", "garbage", "truncate", "empty", "bom", "nul",
                                      "missing_file", "duplicate_row", "header_only"]), label="kind")
    culprits, also, must = [name], (name,), False
    out: bytes | None = None
    if kind == "cell":
        r = data.draw(st.integers(0, len(body) - 1), label="row")
        c = data.draw(st.sampled_from(header), label="column")
        value = data.draw(CELLS, label="value")
        body[r][header.index(c)] = value
        out = write_rows([header, *body])
        if "\x00" in value:
            must, culprits = True, ["NUL", "not UTF-8"]
        elif "\r" in value or "\n" in value:
            culprits = [name]  # csv quotes a newline but not a lone \r: the row may split; refused naming the row
        elif cell_never_valid(spec, c, value):
            must, also = True, (name, f"row {r + 2}", f"column '{c}'")
    elif kind == "drop_column":
        c = data.draw(st.sampled_from(header))
        j = header.index(c)
        out = write_rows([[x for i, x in enumerate(row) if i != j] for row in rows])
        culprits, must = [f"missing column '{c}'"], True
    elif kind == "extra_column":
        out = write_rows([header + ["extra"], *[row + ["1"] for row in body]])
        culprits, must = ["unknown column 'extra'"], True
    elif kind == "duplicate_header":
        j = data.draw(st.integers(0, len(header) - 1))
        k = data.draw(st.integers(0, len(header) - 1).filter(lambda k: k != j))
        out = write_rows([[header[k] if i == j else h for i, h in enumerate(header)], *body])
        culprits, must = [f"column '{header[k]}' appears twice"], True
    elif kind == "row_shape":
        r = data.draw(st.integers(0, len(body) - 1))
        body[r] = body[r] + ["9"] if data.draw(st.booleans()) else body[r][:-1]
        out = write_rows([header, *body])
        culprits, must = [f"row {r + 2}"], True
    elif kind == "encoding":
        enc = data.draw(st.sampled_from(["utf-16", "gbk", "big5", "latin-1", "utf-32"]))
        text = raw.decode("utf-8") + "S9,学校é,x,镇,x,primary,rural,0,0,1,0,0,0.5,\n" * (name == "schools.csv")
        out = text.encode(enc, errors="replace")
        try:
            out.decode("utf-8")
        except UnicodeDecodeError:
            culprits, must = ["not UTF-8"], True  # ASCII-only text is the same bytes in gbk or latin-1
    elif kind == "garbage":
        at = data.draw(st.integers(0, len(raw)))
        out = raw[:at] + data.draw(st.binary(min_size=1, max_size=6)) + raw[at:]
    elif kind == "truncate":
        out = raw[: data.draw(st.integers(0, len(raw) - 1))]
    elif kind == "empty":
        out = data.draw(st.sampled_from([b"", b"\n\n", b"   "]))
        culprits, must = ["empty"], True
    elif kind == "bom":
        out = b"\xef\xbb\xbf" + raw
    elif kind == "nul":
        at = data.draw(st.integers(0, len(raw)))
        out = raw[:at] + b"\x00" + raw[at:]
        culprits, must = ["NUL", "not UTF-8"], True  # a NUL inside a character's bytes breaks its UTF-8 first
    elif kind == "missing_file":
        (case / name).unlink()
        culprits, must = ["file not found"], True
    elif kind == "duplicate_row":
        r = data.draw(st.integers(0, len(body) - 1))
        out = write_rows([header, *body, body[r]])
        culprits, must = ["duplicate"], True
    elif kind == "header_only":
        out = write_rows([header])
        must = name == "schools.csv"
        culprits = ["no schools"] if must else [name]
    if out is not None:
        (case / name).write_bytes(out)

    def act():
        d = sim.load_district(case)
        sim.run(d, "baseline", years=1)
        return 0

    with sandbox_env(box):
        check(test, box, act, culprits, must_refuse=must, also=also)
    box.restore()


def run_property(profile, box, test):
    @profile
    @given(st.data())
    def prop(data):
        district_case(data, box, test)
    prop()


def test_district_csv_mutations(box):
    run_property(quick(220), box, "district CSVs")


@pytest.mark.slow
def test_district_csv_mutations_long(box):
    run_property(long(220), box, "district CSVs (long)")
