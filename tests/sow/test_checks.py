"""Each SOW-check rule fires on a SOW that breaks it and stays quiet on one that does not."""

import datetime as dt

import pytest

from sow.checks import RULES, SectionFacts, SowFacts, run_checks, score

ALL_RESOLVED = [
    "no_eval_harness", "vague_knowledge_transfer", "no_client_ownership", "proprietary_wrappers",
    "no_data_contracts", "no_model_registry", "no_model_card", "no_runbooks",
    "no_rehearsal_retrain", "no_incident_drill", "payments_not_gated", "no_transition_plan",
    "retainer_without_offramp", "no_two_key",
]


def facts(resolves=ALL_RESOLVED, text="Clear commitments with counts.", fmt="project",
          off_ramp=dt.date(2027, 1, 1), kinds=("rehearsal_retrain", "go_live")):
    return SowFacts(engagement_format=fmt, off_ramp_date=off_ramp, milestone_kinds=list(kinds),
                    sections=[SectionFacts(1, "All", "all", list(resolves), text)])


def rules_in(findings):
    return {f.rule for f in findings}


def test_a_complete_sow_has_no_findings_and_scores_100():
    findings = run_checks(facts())
    assert findings == [] and score(findings) == 100


@pytest.mark.parametrize("rule", [r.rule for r in RULES if r.rule != "retainer_without_offramp"])
def test_each_missing_safeguard_is_flagged_with_its_fix(rule):
    findings = run_checks(facts(resolves=[r for r in ALL_RESOLVED if r != rule]))
    assert rules_in(findings) == {rule}
    assert findings[0].fix_clause
    assert findings[0].severity in ("error", "warning")


def test_vague_knowledge_transfer_wording_is_flagged_on_its_section():
    findings = run_checks(facts(text="The vendor will provide training as needed."))
    assert [(f.rule, f.section_id) for f in findings] == [("vague_knowledge_transfer", 1)]
    assert "“as needed”" in findings[0].message


def test_retainer_needs_an_off_ramp_clause_and_date():
    without = [r for r in ALL_RESOLVED if r != "retainer_without_offramp"]
    assert rules_in(run_checks(facts(resolves=without, fmt="retainer"))) == {
        "retainer_without_offramp"}
    assert rules_in(run_checks(facts(fmt="retainer", off_ramp=None))) == {
        "retainer_without_offramp"}
    assert run_checks(facts(resolves=without, fmt="project")) == []


def test_rehearsal_clause_without_a_rehearsal_milestone_is_a_warning():
    findings = run_checks(facts(kinds=("discovery", "go_live")))
    assert [(f.rule, f.severity) for f in findings] == [("no_rehearsal_retrain", "warning")]


def test_score_drops_with_errors_and_warnings():
    findings = run_checks(facts(resolves=[]))
    errors = sum(f.severity == "error" for f in findings)
    assert errors >= 8 and score(findings) == 0


def test_every_rule_has_a_title_people_can_read():
    from sow.checks import FIXES, RULE_TITLES

    assert set(RULE_TITLES) == set(FIXES)
