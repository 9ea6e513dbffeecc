"""Fuzz: random values for each flag of each subcommand, run in-process through ``simulate.cli.main``.

Each case starts from a cheap, valid command line (the sandbox's tiny district, one year, one or
two draws, expected mode) and replaces one flag's value with generated text. An oracle per flag
says whether the text is valid: an invalid value must be refused (argparse's exit 2 or exit 1)
with the flag named; a valid value must be accepted — by running the command when that is cheap,
by parsing it alone when it would run long (``--draws 900000``, an optimiser run, notebooks).
"""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzz_harness import check, long, quick, sandbox_env
from simulate.cli import build_parser, main
from simulate.inputs.limits import MAX_DRAWS, MAX_SEED, MAX_YEARS

SHIPPED = ["baseline", "no_policy", "targeted_aid", "more_rotation", "intensive_control", "weak_school_capital",
           "budget_neutral_mix"]
NEGATIVE_NUMBER = re.compile(r"^-\d+$|^-\d*\.\d+$")  # what argparse lets through as a value starting with '-'


def dashy(text: str) -> bool:
    """argparse reads a value starting with '-' (other than a plain negative number) as an option."""
    return text.startswith("-") and not NEGATIVE_NUMBER.match(text)


def int_ok(lo, hi):
    def ok(t):
        s = t.strip()
        return not dashy(t) and bool(re.fullmatch(r"[+-]?\d{1,30}", s)) and lo <= int(s) <= hi
    return ok


def real_ok(lo, hi, open_=False):
    def ok(t):
        if dashy(t):
            return False
        try:
            x = float(t)
        except ValueError:
            return False
        if not math.isfinite(x):
            return False
        return (lo < x < hi) if open_ else (lo <= x <= hi)
    return ok


def reals_ok(lo, hi):
    one = real_ok(lo, hi)
    return lambda t: not dashy(t) and bool(t.strip()) and len(t.split(",")) <= 100 and all(one(p.strip()) for p in t.split(","))


def scenario_ok(t):
    """'valid' for a shipped name; 'unknown' for a well-formed name that is not there; else False."""
    if dashy(t):
        return False
    if t in SHIPPED:
        return True
    if re.fullmatch(r"\w[\w-]{0,99}", t) or (t.endswith((".yaml", ".yml")) and "\n" not in t):
        return "unknown"
    return False


def name_ok(t):
    return not dashy(t) and bool(re.fullmatch(r"\w[\w-]{0,99}", t))


def choice_ok(*options):
    return lambda t: t in options


def scheduler_ok(t):
    return not dashy(t) and (t == "serial" or bool(re.fullmatch(r"((tcp|tls|ucx|ws|wss|inproc)://)?[\w.\-\[\]:]+:\d{1,5}", t)))


def path_unknown(t):
    return False if dashy(t) or not t.strip() else "unknown"


def jobs_ok(t):
    return not dashy(t) and t.isascii() and t.isdigit() and 1 <= int(t) <= 32


# subcommand → (base argv builder, {flag: (oracle, cheap predicate or None = parse only)})
def commands(box):
    d = str(box.district)
    grid = str(box.root / "grid.yaml")
    return {
        "run": (["run", "baseline", "--years", "1", "--district", d], {
            "--years": (int_ok(1, MAX_YEARS), lambda t: True), "--seed": (int_ok(0, MAX_SEED), lambda t: True),
            "--mode": (choice_ok("expected", "stochastic"), lambda t: True),
            "--versus": (lambda t: "unknown" if t == "baseline" else scenario_ok(t), lambda t: True),  # = SCENARIO
            "SCENARIO": (scenario_ok, lambda t: True),
            "--district": (path_unknown, lambda t: True)}),
        "compare": (["compare", "baseline", "no_policy", "--draws", "2", "--years", "1", "--district", d], {
            "--draws": (int_ok(1, MAX_DRAWS), lambda t: int(t) <= 3), "--seed": (int_ok(0, MAX_SEED), lambda t: True),
            "--years": (int_ok(1, MAX_YEARS), lambda t: int(t) <= 5),
            "--interval": (real_ok(0, 1, open_=True), lambda t: True),
            "--mode": (choice_ok("expected", "stochastic"), lambda t: True),
            "--reference": (scenario_ok, lambda t: True), "--district": (path_unknown, lambda t: True)}),
        "synthesize": (["synthesize", "--schools", "3", "--out", "syn"], {
            "--schools": (int_ok(1, 200_000), lambda t: int(t) <= 20), "--seed": (int_ok(0, MAX_SEED), lambda t: True),
            "--name": (name_ok, lambda t: True)}),
        "sweep": (["sweep", grid, "--draws", "1", "--scheduler", "serial", "--out", "sw", "--district", d], {
            "--draws": (int_ok(1, MAX_DRAWS), lambda t: int(t) <= 2), "--scheduler": (scheduler_ok, lambda t: t == "serial"),
            "GRID": (path_unknown, lambda t: True), "--district": (path_unknown, lambda t: True)}),
        "optimize": (["optimize", "--budget", "100000", "--maxiter", "1", "--draws", "0", "--years", "1",
                      "--district", d, "--out", "op"], {
            "--budget": (real_ok(-1e10, 1e10), None), "--maxiter": (int_ok(1, 1000), None),
            "--years": (int_ok(1, MAX_YEARS), None), "--draws": (int_ok(0, MAX_DRAWS), None),
            "--seed": (int_ok(0, MAX_SEED), None), "--frontier": (reals_ok(-1e10, 1e10), None),
            "--base": (scenario_ok, None), "--objective": (lambda t: "unknown" if not dashy(t) else False, None)}),
        "findings": (["findings", "--jobs", "1", "--out", "fo"], {
            "--jobs": (jobs_ok, None), "--config": (path_unknown, None), "--only": (path_unknown, None)}),
        "calibrate": (["calibrate", "--check", "--district", d], {"--targets": (path_unknown, None)}),
        "sensitivity": (["sensitivity", "dropouts", "--morris-r", "1", "--sobol-n", "8", "--years", "1",
                         "--district", d], {
            "--years": (int_ok(1, MAX_YEARS), None), "--seed": (int_ok(0, MAX_SEED), None),
            "--year": (int_ok(1990, 2100), None), "--morris-r": (int_ok(1, 1000), None),
            "--sobol-n": (int_ok(8, 2**16), None), "--keep-share": (real_ok(0, 1), None),
            "--max-factors": (int_ok(1, 1000), None), "--assumption-spread": (real_ok(0, 10), None),
            "--scenario": (scenario_ok, None), "--versus": (scenario_ok, None), "--district": (path_unknown, None)}),
        "validate": (["validate"], {"PATH": (path_unknown, None), "--data": (path_unknown, None)}),
    }


VALUES = st.one_of(
    st.sampled_from(["", " ", "0", "1", "2", "3", "7", "50", "51", "-1", "-0", "+3", "1e9", "1e400", "1.5", "0.5", "0.9",
                     "1", "nan", "inf", "-inf", "abc", "0x10", "1_000", "３", "७", "100000", "1000000000", "4294967296",
                     "../baseline", "a/b", "x\ny", "baseline", "no_policy", "targeted_aid", "no_polcy", "名字",
                     "--years", "-x", "serial", "seril", "tcp://127.0.0.1:1", "expected", "stochastic", "exp",
                     "x.yaml", "/", ".", "..", "/etc/passwd", "dropout_gap.poor.junior=nan", "1e6,2e6", "1,,2",
                     "learning_gap.poor=1", "nope.yaml", "a" * 300]),
    st.integers(-10**12, 10**12).map(str), st.integers(0, 60).map(str), st.sampled_from(SHIPPED),
    st.floats(allow_nan=True, allow_infinity=True).map(repr), st.floats(0, 1).map(repr),
    st.text(alphabet=st.characters(blacklist_characters="\x00"), max_size=12),  # a command line holds no NUL
)


def argv_with(base: list[str], flag: str, value: str) -> list[str]:
    argv = list(base)
    if flag in ("SCENARIO", "GRID", "PATH"):
        pos = 1
        if flag == "PATH":
            return argv + [value]
        argv[pos] = value
        return argv
    if flag in argv:
        argv[argv.index(flag) + 1] = value
        return argv
    return argv + [flag, value]


def cli_case(data, box, test):
    table = commands(box)
    cmd = data.draw(st.sampled_from(sorted(table)), label="command")
    base, flags = table[cmd]
    flag = data.draw(st.sampled_from(sorted(flags)), label="flag")
    value = data.draw(VALUES, label="value")
    oracle, cheap = flags[flag]
    valid = oracle(value) if "\x00" not in value else False
    argv = argv_with(base, flag, value)
    name = flag.lstrip("-")
    culprits = [flag, name, "argument", "error:"] if flag.startswith("--") else [name.lower(), "argument", value[:20]]
    if valid is True and (cheap is None or not cheap(value)):
        action = lambda: build_parser().parse_args(argv) and 0  # noqa: E731 - accepted: parse only (a long run)
        expect = None
    else:
        action = lambda: main(argv)  # noqa: E731
        expect = None if valid is True else culprits + ([value.strip()[:30]] if value.strip() else [])
    with sandbox_env(box):
        check(test, box, action, expect, must_refuse=valid is False, may_write=True)
    box.restore()


def run_property(profile, box, test):
    (box.root / "grid.yaml").write_text(
        "base: baseline\nmode: expected\nyears: 1\ndraws: 1\naxes:\n  teachers.support.count: [0, 30]\n", encoding="utf-8")

    @profile
    @given(st.data())
    def prop(data):
        cli_case(data, box, test)
    prop()


def test_cli_flag_values(box):
    run_property(quick(320), box, "CLI flags")


@pytest.mark.slow
def test_cli_flag_values_long(box):
    run_property(long(320), box, "CLI flags (long)")
