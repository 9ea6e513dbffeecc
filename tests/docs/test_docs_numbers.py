"""The documentation's parameter values are the parameter file's (no hand-copied numbers).

1. Wherever the README, the CHANGELOG, a page under docs/ or another Markdown note (data/README.md,
   data/templates/README.md, benchmarks/RESULTS.md) writes a parameter's dotted path followed
   by ``=``, ``:`` or ``(`` and a number — ``group_log_odds.poor = 0.65``, ``dropout.pairing.coverage:
   1``, ``budget.capital.depreciation_per_year`` (3%, …) — the number must be the value in
   ``params/baseline.yaml`` (one of its ``by_year`` values, or its value rounded to the decimals
   printed; a ``%`` is divided by 100). A path is a leaf's full path or a suffix of exactly one leaf's
   path (``group_log_odds.poor``). Fenced code blocks are left out: they show scenario *changes*,
   which differ from the baseline on purpose, and they run as tests (test_docs_code_blocks.py).
   Pages should not type values at all: the ``{param}`path``` role prints the file's value.
2. The generated parameter reference covers every leaf: the counts by status add up to the schema's
   leaves, every leaf's status is one of the four, and every study or document a ``source:`` names is
   linked to its entry of docs/sources.md.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

import paramref  # noqa: E402  (docs/_ext/paramref.py: the parameter reference's own reading of the files)

PARAMS = ROOT / "params" / "baseline.yaml"


def doc_files() -> list[Path]:
    files = [ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "data" / "README.md",
             ROOT / "data" / "templates" / "README.md", ROOT / "benchmarks" / "RESULTS.md"]
    files += sorted(p for p in (ROOT / "docs").rglob("*.md") if "_build" not in p.parts)
    return [p for p in files if p.is_file()]


def leaf_values(path: Path = PARAMS) -> dict[str, list]:
    tree = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {p: [leaf["value"], *(leaf.get("by_year") or {}).values()] for p, leaf in paramref.leaves(tree)}


FENCE = re.compile(r"(?ms)^(`{3,}|~{3,}).*?^\1\s*$")
ROLE = re.compile(r"\{param\}`[^`]*`")
NUMBER = r"([−-]?\d+(?:,\d{3})*(?:\.\d+)?)\s*(%?)"
CLAIM = re.compile(r"`?\b([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)+)\b`?\s*(?:=|:|\()\s*" + NUMBER)


def resolve(path: str, values: dict[str, list]) -> str | None:
    """The leaf a dotted path names: itself, or the one leaf whose path ends with it (None: not a parameter)."""
    if path in values:
        return path
    hits = [p for p in values if p.endswith("." + path)]
    return hits[0] if len(hits) == 1 else None


def matches(printed: str, percent: str, candidates: list) -> bool:
    x = float(printed.replace("−", "-").replace(",", ""))
    if percent:
        x /= 100
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    decimals += 2 if percent else 0
    for v in candidates:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            continue
        if x == v or round(float(v), decimals) == round(x, decimals):
            return True
    return False


def wrong_values(text: str, values: dict[str, list]) -> list[str]:
    """'path = printed (file: value)' for every parameter value in ``text`` that is not the file's."""
    text = ROLE.sub("", FENCE.sub("", text))
    out = []
    for m in CLAIM.finditer(text):
        leaf = resolve(m.group(1), values)
        if leaf and not matches(m.group(2), m.group(3), values[leaf]):
            out.append(f"{m.group(1)} = {m.group(2)}{m.group(3)} (params/baseline.yaml: {values[leaf][0]!r})")
    return out


def test_the_value_check_can_fail():
    values = leaf_values()
    poor = values["dropout.hazard.group_log_odds.poor"][0]
    assert wrong_values("the poor's excess risk (`group_log_odds.poor` = 0.65)", values) == [
        f"group_log_odds.poor = 0.65 (params/baseline.yaml: {poor:g})"]
    assert wrong_values("δ = `budget.capital.depreciation_per_year` (4%, …)", values) != []
    assert wrong_values("`dropout.pairing.coverage`: 0.5", values) != []
    # the file's own values, rounded as printed, pass; so do by-year values and non-parameters
    assert wrong_values("`budget.capital.depreciation_per_year` (3%, about a 30-year life)", values) == []
    assert wrong_values(f"`group_log_odds.poor` = {poor:g}, `dropout.pairing.coverage` = 1", values) == []
    assert wrong_values("`budget.capital.yuan_per_year`: 25,000,000 from 2021", values) == []
    assert wrong_values("`dropout_rate.junior` = 0.5; `coverage` = 3 (ambiguous)", values) == []
    assert wrong_values("```yaml\nchanges:\n  teachers.support.count: 60\n```\n", values) == []


@pytest.mark.parametrize("path", doc_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_page_prints_a_parameter_value_other_than_the_files(path):
    problems = wrong_values(path.read_text(encoding="utf-8"), leaf_values())
    assert not problems, f"{path.relative_to(ROOT)}: " + "; ".join(problems) + \
        " — write {param}`path` instead of the number"


def test_param_roles_name_parameters_that_exist():
    values = leaf_values()
    def prose(p):  # roles shown as examples inside ``…`` are not roles
        return re.sub(r"``.*?``", "", p.read_text(encoding="utf-8"), flags=re.S)

    named = {m.group(1) for p in doc_files() for m in re.finditer(r"\{param(?:-uncertainty)?\}`([^`]*)`", prose(p))}
    assert named, "no page uses {param}"
    assert sorted(n for n in named if n not in values) == []


# ------------------------------------------------------------------ 2. the generated reference


@pytest.fixture(scope="module")
def records():
    return paramref.load_parameters(PARAMS)


def test_reference_covers_every_leaf_of_the_schema(records):
    from simulate.inputs.schema import leaf_paths

    assert [r["path"] for r in records] == [p for p in leaf_paths() if p in {r["path"] for r in records}]
    assert {r["path"] for r in records} == set(leaf_paths())
    counts = paramref.counts(records)
    assert sum(counts.values()) == len(records) == len(leaf_paths())
    sentence = paramref.count_sentence(records)
    assert sentence.startswith(f"{counts['assumption']} of {len(records)} parameters rest on assumptions")


def test_status_follows_the_written_rule(records):
    by_path = {r["path"]: r["status"] for r in records}
    assert by_path["dropout.hazard.intercept_junior_log_odds"] == "calibrated"
    assert by_path["budget.base_grant.location_weight.rural"] == "assumption"
    assert by_path["budget.rural_teacher_subsidy_yuan_per_teacher.town"] == "partly assumed"
    assert by_path["budget.base_grant.primary_yuan_per_pupil"] == "evidence"
    assert paramref.status_of({"value": 1, "source": "assumption: x", "status": "evidence"}) == "evidence"
    with pytest.raises(ValueError, match="status"):
        paramref.status_of({"value": 1, "source": "x", "status": "guess"})


def test_every_named_study_is_linked_to_its_bibliography_entry(records):
    entries = paramref.source_entries((ROOT / "docs" / "sources.md").read_text(encoding="utf-8"))
    assert paramref.cited_ids("Mo et al. 2013: 13.3% …", entries) == ["mo2013"]
    assert paramref.cited_ids("State Council 国发〔2015〕67号: …", entries) == ["gf2015-67"]
    assert paramref.cited_ids("Wang et al. 2016; Yue et al. REAP WP 242: …", entries) == ["wang2016", "yue-reap242"]
    unlinked = []
    for r in records:
        src = r["source"]
        names_a_study = (any(p.search(src) for p in paramref.AUTHOR_YEAR + paramref.LITERALS)
                         or any(alias in src for alias in paramref.ALIASES))
        if names_a_study and not paramref.cited_ids(src, entries):
            unlinked.append(f"{r['path']}: {src[:80]}")
    assert not unlinked, "sources naming a study with no link to docs/sources.md:\n" + "\n".join(unlinked)


def test_posterior_file_is_summarised_when_present(tmp_path):
    (tmp_path / "post.csv").write_text("dropout.hazard.group_log_odds.poor\n0.9\n1.0\n1.1\n", encoding="utf-8")
    found, summary = paramref.posterior_summary(tmp_path, ["missing.csv", "post.csv"])
    assert found == "post.csv"
    assert summary["dropout.hazard.group_log_odds.poor"].startswith("1 (5–95%: 0.91 to 1.09; 3 draws)")
    assert paramref.posterior_summary(tmp_path, ["missing.csv"]) == (None, {})


def test_bibliography_has_each_entry_once_and_says_what_was_read():
    text = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    ids = re.findall(r"(?m)^### \[([\w.-]+)\]", text) + re.findall(r"\*\*\[([\w.-]+)\]\*\*", text)
    assert len(ids) > 30
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
    without_status = [i for i, (_, body) in paramref.source_entries(text).items() if "**Status.**" not in body]
    assert without_status == []


def test_the_validation_reading_is_of_the_current_score():
    """docs/manual/validation.md reads the score in words; when the findings' score changes, the
    reading is stale and this fails (update the words and the score they were written for)."""
    import pandas as pd

    text = (ROOT / "docs" / "manual" / "validation.md").read_text(encoding="utf-8")
    m = re.search(r"the score was (\d+) of (\d+) \((\d+) of \d+ overlapping\)", text)
    assert m, "the validation page no longer says which score its reading is of"
    table = pd.read_csv(ROOT / "findings" / "district_baseline" / "tables" / "validation.csv")
    assert (int(m.group(1)), int(m.group(2)), int(m.group(3))) == (
        int(table.inside.sum()), len(table), int(table.overlap.sum()))
