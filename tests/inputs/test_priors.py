"""Every number of params/baseline.yaml is either uncertain (a prior with a reason for its width) or
held fixed on purpose (with the reason), unless a calibration sets it.

Issue 19 §4: 64 of 73 assumed numbers used to be held at their values silently, so a sensitivity
study could not see them. The rule here is stricter than "every assumption": a number from
evidence also needs one of the two, because published figures come with intervals; official rules,
accounting identities from the district report, policy levers (a scenario's decision, not a fact),
counts, share groups and reference categories are the usual ``fixed`` reasons. Calibrated leaves
(``source: "calibrated …"``) get their uncertainty from the calibration, not from a prior.

A parameter added to the tree without either fails here, naming it.
"""

import pytest

from simulate.analysis.factors import source_kind
from simulate.inputs.scenario import ScenarioError, load_scenario


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def unpriored(leaves: dict) -> list[str]:
    """Numeric, non-calibrated leaves with neither an uncertainty (with a reason) nor a fixed reason."""
    out = []
    for path, leaf in leaves.items():
        if not _is_number(leaf.get("value")) or source_kind(leaf.get("source", "")) == "calibrated":
            continue
        unc, fixed = leaf.get("uncertainty"), leaf.get("fixed")
        if unc and str(unc.get("reason") or "").strip():
            continue
        if not unc and isinstance(fixed, str) and fixed.strip():
            continue
        out.append(path + (": uncertainty without a reason for its width" if unc else
                           ": neither an uncertainty nor a fixed reason"))
    return out


def test_every_number_has_a_prior_or_a_reason_to_be_fixed():
    problems = unpriored(load_scenario("baseline").leaves)
    assert not problems, ("params/baseline.yaml: give each of these an `uncertainty: {distribution, …, reason}` "
                          "or `fixed: \"why\"`:\n" + "\n".join(problems))


def test_every_assumed_number_that_can_vary_is_uncertain():
    """An assumed real number is fixed only for a stated structural reason, not for convenience."""
    from simulate.analysis.factors import _real_valued

    s = load_scenario("baseline")
    tree = s.values(s.start_year)
    structural = ("reference category", "policy lever", "centring constant", "share group", "the calendar",
                  "size of the reference district")
    loose = [p for p, leaf in s.leaves.items()
             if source_kind(leaf.get("source", "")) == "assumption" and leaf.get("fixed")
             and not _real_valued(s, p, tree) and not any(k in leaf["fixed"] for k in structural)]
    assert not loose, f"assumed real-valued numbers held fixed without a structural reason: {loose}"


def test_the_check_catches_a_number_without_a_prior():
    s = load_scenario("baseline")
    bare = s.with_changes({"teachers.training.decay_per_year": {"value": 0.3, "uncertainty": None}}, name="bare")
    assert unpriored(bare.leaves) == ["teachers.training.decay_per_year: neither an uncertainty nor a fixed reason"]
    no_reason = s.with_changes({"teachers.training.decay_per_year": {
        "value": 0.3, "uncertainty": {"distribution": "uniform", "low": 0.1, "high": 0.5}}}, name="no_reason")
    assert unpriored(no_reason.leaves) == ["teachers.training.decay_per_year: uncertainty without a reason for its width"]


def test_fixed_and_uncertain_together_is_one_clear_error(tmp_path):
    f = tmp_path / "both.yaml"
    f.write_text("name: both\ntitle: t\ndescription: d\nextends: baseline\nchanges:\n"
                 "  teachers.training.decay_per_year: {value: 0.3, fixed: \"no\", "
                 "uncertainty: {distribution: uniform, low: 0.1, high: 0.5}}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"changes.teachers.training.decay_per_year: a leaf is either fixed or uncertain"):
        load_scenario(f)


def test_a_scenario_that_makes_a_fixed_number_uncertain_drops_the_mark():
    s = load_scenario("baseline").with_changes({"learning.ptr_reference_pupils": {
        "value": 15.0, "uncertainty": {"distribution": "uniform", "low": 12, "high": 18, "reason": "test"}}}, name="u")
    leaf = s.leaves["learning.ptr_reference_pupils"]
    assert "fixed" not in leaf and leaf["uncertainty"]["reason"] == "test"
    assert leaf["uncertainty"]["low"] == pytest.approx(-3.0)


@pytest.mark.parametrize("bad, message", [
    ("fixed: 3", "fixed: expected text"),
    ("fixed: \"  \"", "fixed: expected the reason"),
    ("uncertainty: {distribution: uniform, low: 0.1, high: 0.5, reason: 7}", "uncertainty.reason: expected text"),
    ("uncertainty: {distribution: uniform, low: 0.1, high: 0.5, why: x}", "takes exactly"),
])
def test_bad_marks_are_refused_with_the_key(tmp_path, bad, message):
    f = tmp_path / "bad.yaml"
    f.write_text("name: bad\ntitle: t\ndescription: d\nextends: baseline\nchanges:\n"
                 f"  teachers.training.decay_per_year: {{value: 0.3, {bad}}}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=message):
        load_scenario(f)
