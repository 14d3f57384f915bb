"""The SOW check reads what the SOW says and the plan behind it (issue 13's failures, each a
regression test), and fixes, acknowledgements and the API that go with it."""

import datetime as dt

import pytest

from engagement.models import AuditEvent, Milestone
from engagement.services import ladder_generate
from sow import services
from sow.checks import PlanFacts, SectionFacts, SowFacts, run_checks, score
from sow.checks.plan import run_plan
from sow.selectors import fix_clauses
from tests.sow.factories import FULL, build_sow


def findings_of(sow):
    return services.sow_evaluate(sow)[1]


def section_by_key(sow, key):
    return sow.sections.get(clause_version__clause__key=key)


def edit(sow, key, text, people):
    services.sow_section_edit(actor=people["procurement"], section=section_by_key(sow, key),
                              override_body=text)


# --- the text decides, not the clause a section came from ---------------------------------------

def test_rewritten_library_sections_lose_their_credit_and_are_quoted(engagement, people):
    sow = build_sow(engagement, people["procurement"])
    before = score(findings_of(sow))
    edit(sow, "evaluation-harness",
         "The vendor will evaluate the model when it considers it useful.", people)
    edit(sow, "client-ownership", "All work product is the exclusive property of the Vendor.",
         people)
    edit(sow, "fixed-fee-with-gates", "The full fee is due on signature.", people)
    findings = findings_of(sow)
    quoted = {(f.rule, f.source): f for f in findings if f.quote and f.source == "text"}
    assert quoted[("no_eval_harness", "text")].quote.startswith("evaluate the model when it")
    assert "exclusive property of the Vendor" in quoted[("no_client_ownership", "text")].quote
    assert quoted[("payments_not_gated", "text")].quote == "on signature"
    for f in quoted.values():
        section = sow.sections.get(pk=f.section_id)
        text = services.sow_evaluate(sow)[0][section.position - 1].text
        assert text[f.start:f.end] == f.quote, "offsets point at the quoted phrase"
        assert f.fix == {"kind": "clause", "clause": f.fix["clause"], "action": "replace",
                         "section": section.pk}
    assert score(findings) <= before - 36


def test_a_section_replaced_by_not_applicable_keeps_no_credit(engagement, people):
    sow = build_sow(engagement, people["procurement"])
    assert "no_two_key" not in {f.rule for f in findings_of(sow)}
    edit(sow, "two-key-rule", "Not applicable to this engagement.", people)
    [finding] = [f for f in findings_of(sow) if f.rule == "no_two_key"]
    assert finding.source == "library" and finding.severity == "error"
    assert finding.section == "Two-key rule" and finding.fix["action"] == "replace"


def test_the_librarys_compliant_text_as_an_own_section_earns_the_credit(engagement, people):
    text = ("Release control\n\nNo production model release, prompt change or configuration "
            "change takes effect without two approvals from two different people, at least one "
            "of them from Northwind Retail, neither being the person who requested it.")
    sow = services.sow_import(actor=people["procurement"], engagement=engagement, text=text)
    rules = {f.rule for f in findings_of(sow) if f.source == "text"}
    assert "no_two_key" not in rules and "no_eval_harness" in rules


def test_vague_wording_is_read_in_support_sections_only(engagement, people):
    text = ("# Support\n\nThe Supplier will provide training on an as-needed basis.\n\n"
            "# Confidentiality\n\nRecords are retained only as required by applicable law. "
            "Each party will use commercially reasonable efforts to protect the other's "
            "information.")
    sow = services.sow_import(actor=people["procurement"], engagement=engagement, text=text)
    vague = [f for f in findings_of(sow) if f.rule == "vague_knowledge_transfer" and f.quote]
    assert [(f.section, f.quote) for f in vague] == [("Support", "on an as-needed basis")]


def test_vague_wording_alone_does_not_block_where_the_plan_is_concrete():
    facts = SowFacts(sections=[SectionFacts(1, "Confidentiality", "Information is kept only as "
                                            "required by law; copies are returned upon request.",
                                            category="data_security")])
    assert not [f for f in run_checks(facts) if f.quote]


# --- the plan behind the SOW --------------------------------------------------------------------

def plan(**overrides):
    base = dict(format="project", length_weeks=20, start_date=dt.date(2027, 1, 4),
                end_date=dt.date(2027, 5, 21), off_ramp_date=None, links={
                    "ladder": "/l/", "payments": "/p/", "kpis": "/k/", "raci": "/r/",
                    "engagement_edit": "/e/"},
                milestones=[
                    {"id": 1, "title": "Rehearsal", "kind": "rehearsal_retrain", "position": 1,
                     "ownership": "internal_leads", "is_transition": False, "start_week": 10,
                     "end_week": 12, "criteria": [{"method": "runbook_run",
                                                   "performer": "internal"}]},
                    {"id": 2, "title": "Go-live", "kind": "go_live", "position": 2,
                     "ownership": "internal_leads", "is_transition": False, "start_week": 13,
                     "end_week": 15, "criteria": [{"method": "incident_drill",
                                                   "performer": "internal"}]},
                    {"id": 3, "title": "Handoff", "kind": "transition", "position": 3,
                     "ownership": "internal_runs", "is_transition": True, "start_week": 17,
                     "end_week": 20, "criteria": []}],
                payments=[{"id": 9, "label": "Rehearsal passed", "amount": 100,
                           "model": "fixed_fee", "conditions": [
                               {"kind": "criterion", "performers": ["internal"]}]}])
    base.update(overrides)
    return PlanFacts(**base)


def test_a_sound_plan_has_no_findings():
    assert run_plan(plan()) == []


def test_payments_on_vendor_work_alone_are_a_plan_finding_even_with_the_gated_clause():
    payments = [{"id": 1, "label": "Discovery", "amount": 50, "model": "fixed_fee",
                 "conditions": [{"kind": "milestone", "performers": ["vendor"]}]},
                {"id": 2, "label": "Go-live", "amount": 50, "model": "fixed_fee",
                 "conditions": [{"kind": "criterion", "performers": ["vendor"]}]}]
    [finding] = run_plan(plan(payments=payments))
    assert (finding.rule, finding.source, finding.severity) == (
        "payments_not_gated", "plan", "error")
    assert finding.fix == {"kind": "link", "label": "Open the payment schedule", "url": "/p/"}


def test_a_payment_with_no_gate_falls_due_on_its_date_alone():
    payments = plan().payments + [{"id": 4, "label": "Signature", "amount": 10,
                                   "model": "fixed_fee", "conditions": []}]
    [finding] = run_plan(plan(payments=payments))
    assert "“Signature” falls due on its date alone" in finding.message
    assert finding.fix["url"] == "/p/#p-4"
    tm = [{"id": 5, "label": "March", "amount": 10, "model": "time_and_materials",
           "conditions": []}]
    assert "no capability objective" in run_plan(plan(payments=tm))[0].message


def test_the_rehearsal_must_be_performed_by_the_internal_team():
    milestones = plan().milestones
    milestones[0] = {**milestones[0], "criteria": [{"method": "runbook_run",
                                                    "performer": "vendor"}]}
    [finding] = run_plan(plan(milestones=milestones))
    assert finding.rule == "no_rehearsal_retrain" and finding.fix["url"] == "/l/#m-1"


def test_a_rehearsal_after_go_live_or_led_by_the_vendor_does_not_count():
    milestones = plan().milestones
    late = {**milestones[0], "position": 5}
    [finding] = run_plan(plan(milestones=[late, milestones[1], milestones[2]]))
    assert "comes after go-live" in finding.message
    led = {**milestones[0], "ownership": "vendor_leads"}
    [finding] = run_plan(plan(milestones=[led, milestones[1], milestones[2]]))
    assert "not run by the internal team" in finding.message


def test_a_vendor_dry_run_before_the_internal_rehearsal_is_fine():
    milestones = plan().milestones
    dry_run = {**milestones[0], "id": 7, "title": "Vendor dry run", "position": 0,
               "ownership": "vendor_leads",
               "criteria": [{"method": "runbook_run", "performer": "vendor"}]}
    assert run_plan(plan(milestones=[dry_run, *milestones])) == []


def test_a_fee_gated_on_knowledge_transfer_acceptance_is_capability_gated():
    payments = [{"id": 1, "label": "KT accepted", "amount": 100, "model": "fixed_fee",
                 "conditions": [{"kind": "deliverable", "performers": ["internal"]}]}]
    assert run_plan(plan(payments=payments)) == []


def test_every_go_live_must_carry_the_drill():
    milestones = plan().milestones
    second = {**milestones[1], "id": 8, "title": "Go-live 2", "position": 4,
              "criteria": [{"method": "ci_log", "performer": "internal"}]}
    [finding] = run_plan(plan(milestones=[*milestones, second]))
    assert "Go-live 2" in finding.message


def test_go_live_must_carry_an_internal_incident_drill():
    milestones = plan().milestones
    milestones[1] = {**milestones[1], "criteria": [{"method": "ci_log",
                                                    "performer": "internal"}]}
    [finding] = run_plan(plan(milestones=milestones))
    assert (finding.rule, finding.severity) == ("no_incident_drill", "error")
    assert finding.fix["url"] == "/l/#m-2"


def test_the_transition_must_end_in_the_last_fifth():
    milestones = plan().milestones
    milestones[2] = {**milestones[2], "start_week": 5, "end_week": 8}
    [finding] = run_plan(plan(milestones=milestones))
    assert (finding.rule, finding.severity) == ("no_transition_plan", "warning")


def _quarters(start, weeks):
    return [(start + dt.timedelta(weeks=w), start + dt.timedelta(weeks=min(w + 13, weeks)))
            for w in range(0, weeks, 13)]


def test_a_retainer_needs_an_off_ramp_date_and_a_capability_target_each_quarter():
    start = dt.date(2027, 1, 4)
    quarters = _quarters(start, 52)
    findings = run_plan(plan(format="retainer", quarters=quarters))
    assert [f.rule for f in findings] == ["retainer_without_offramp"] * 2
    assert findings[0].fix["url"] == "/e/#id_off_ramp_date"
    assert "4 quarters" in findings[1].message
    # Targets on each quarter's first day, as activation accepts them (13-week quarters).
    kpis = [{"layer": "capability", "target_date": a} for a, _ in quarters]
    quiet = run_plan(plan(format="retainer", off_ramp_date=dt.date(2027, 12, 31), kpis=kpis,
                          quarters=quarters))
    assert quiet == []


def test_raci_and_ladder_warnings_count_as_findings():
    findings = run_plan(plan(raci_warnings=["Training: the vendor's lead still holds A"],
                             ladder_warnings=[(2, "Ownership moves backwards at “Go-live”")]))
    assert {(f.rule, f.severity) for f in findings} == {("raci_vendor_late", "warning"),
                                                         ("ownership_backwards", "warning")}


def test_plan_rules_read_the_engagements_real_data(draft_engagement, people):
    ladder_generate(actor=people["pm"], engagement=draft_engagement)
    sow = build_sow(draft_engagement, people["procurement"])
    rules = {(f.rule, f.source) for f in findings_of(sow)}
    assert ("payments_not_gated", "plan") in rules  # nothing scheduled yet
    drill = Milestone.objects.get(engagement=draft_engagement, kind="go_live")
    drill.criteria.filter(method="incident_drill").delete()
    assert ("no_incident_drill", "plan") in {(f.rule, f.source) for f in findings_of(sow)}


# --- empty data in a clause ---------------------------------------------------------------------

def test_a_clause_listing_nothing_is_an_error_pointing_at_the_empty_spot(engagement, people):
    sow = build_sow(engagement, people["procurement"], keys=["knowledge-transfer-plan"])
    [empty] = [f for f in findings_of(sow) if f.rule == "empty_data"]
    assert empty.severity == "error" and empty.quote == "It consists of:"
    assert empty.fix["kind"] == "link" and empty.fix["url"].endswith("/ladder/")
    assert "no knowledge-transfer deliverables yet" in empty.message


# --- fixes: where they go, replacing, acknowledging -----------------------------------------------

def test_a_fixing_clause_is_inserted_in_its_categorys_place(engagement, people):
    sow = build_sow(engagement, people["procurement"],
                    keys=["deliverables-by-milestone", "two-key-rule"], schedules=("ladder",))
    fix = fix_clauses(["data-contracts"])["data-contracts"]
    section = services.sow_section_add(actor=people["procurement"], sow=sow,
                                       clause_version=fix, placement="category")
    assert section.position == 2
    assert [s.heading for s in sow.sections.order_by("position")] == [
        "Deliverables by milestone", "Data contracts", "Two-key rule", "Milestone ladder"]


def test_replacing_an_imported_section_keeps_its_place_and_its_text_in_the_audit(engagement,
                                                                                 people):
    services.library_load()
    sow = services.sow_import(actor=people["procurement"], engagement=engagement, text=(
        "1. Scope\n\nA churn model.\n\n2. Intellectual Property\n\nAll work product is the "
        "exclusive property of the Vendor."))
    flagged = next(f for f in findings_of(sow) if f.rule == "no_client_ownership")
    fix = fix_clauses([flagged.fix["clause"]])[flagged.fix["clause"]]
    section = sow.sections.get(pk=flagged.fix["section"])
    services.sow_section_replace(actor=people["procurement"], section=section,
                                 clause_version=fix)
    section.refresh_from_db()
    assert section.position == 2 and section.clause_version == fix and not section.is_own
    assert "no_client_ownership" not in {f.rule for f in findings_of(sow)}
    event = AuditEvent.objects.get(verb="sow.section_replaced")
    assert "exclusive property of the Vendor" in event.before["text"]


def test_warnings_are_acknowledged_at_freeze_with_who_when_and_why(engagement, people):
    from common.errors import RuleViolation

    sow = build_sow(engagement, people["procurement"], keys=[k for k in FULL if k not in (
        "knowledge-transfer-plan", "deliverables-by-milestone")])
    findings = findings_of(sow)
    assert any(f.severity == "warning" for f in findings)
    errors = [f for f in findings if f.severity == "error"]
    with pytest.raises(RuleViolation) as refused:
        services.sow_freeze(actor=people["procurement"], sow=sow, justification="Pilot")
    assert refused.value.rule == "warnings_unacknowledged" or errors
    version = services.sow_freeze(actor=people["procurement"], sow=sow, justification="Pilot",
                                  acknowledge_warnings=True)
    ack = version.source["check"]["acknowledged"]
    assert ack["by"] == "procurement" and ack["why"] == "Pilot" and ack["at"]
    assert {w["rule"] for w in ack["warnings"]} == {f.rule for f in findings
                                                    if f.severity == "warning"}
    event = AuditEvent.objects.get(verb="sow.warnings_acknowledged")
    assert event.reason == "Pilot" and event.actor == people["procurement"]


def test_warnings_alone_need_the_acknowledgement(engagement, people):
    from common.errors import RuleViolation

    facts_sow = build_sow(engagement, people["procurement"], keys=["two-key-rule"])
    _, findings, _ = services.sow_evaluate(facts_sow)
    assert any(f.severity == "warning" for f in findings)
    with pytest.raises(RuleViolation) as refused:
        services.sow_freeze(actor=people["procurement"], sow=facts_sow, justification="x")
    assert refused.value.rule == "warnings_unacknowledged"
    assert not facts_sow.versions.exists()


# --- API --------------------------------------------------------------------------------------

def test_api_check_returns_rule_severity_section_quote_source_and_fix(engagement, people):
    from rest_framework.test import APIClient

    sow = services.sow_import(actor=people["procurement"], engagement=engagement,
                              text="# Fees\n\nThe full fee is due on signature.")
    api = APIClient()
    api.force_authenticate(people["procurement"])
    body = api.get(f"/api/v1/sows/{sow.pk}/check/").json()
    flag = next(f for f in body["findings"] if f["quote"])
    assert flag["rule"] == "payments_not_gated" and flag["source"] == "text"
    assert flag["section"] == "Fees" and flag["quote"]["text"] == "on signature"
    assert flag["quote"]["end"] - flag["quote"]["start"] == len("on signature")
    assert flag["fix"]["kind"] == "clause" and flag["fix"]["action"] == "replace"
    plan_finding = next(f for f in body["findings"] if f["source"] == "plan")
    assert plan_finding["fix"]["kind"] == "link" and plan_finding["fix"]["url"]
    assert {f["source"] for f in body["findings"]} <= {"text", "plan", "library"}


def test_the_version_page_shows_who_acknowledged_which_warnings(client, engagement, people):
    sow = build_sow(engagement, people["procurement"], keys=["two-key-rule"])
    version = services.sow_freeze(actor=people["procurement"], sow=sow, justification="Pilot",
                                  acknowledge_warnings=True)
    client.force_login(people["leader"])
    body = client.get(f"/engagements/{engagement.pk}/sows/{sow.pk}/versions/"
                      f"{version.number}/").content.decode()
    assert "Warnings acknowledged" in body and "By procurement" in body and "“Pilot”" in body
    assert "no payment milestones are scheduled yet" in body


def test_replacing_with_a_clause_already_in_the_sow_is_refused(engagement, people):
    from common.errors import RuleViolation

    services.library_load()
    sow = services.sow_import(actor=people["procurement"], engagement=engagement, text=(
        "1. Support\n\nTraining as needed.\n\n2. Help\n\nWorkshops upon request."))
    fix = fix_clauses(["knowledge-transfer-plan"])["knowledge-transfer-plan"]
    first, second = sow.sections.order_by("position")
    services.sow_section_replace(actor=people["procurement"], section=first,
                                 clause_version=fix)
    with pytest.raises(RuleViolation) as refused:
        services.sow_section_replace(actor=people["procurement"], section=second,
                                     clause_version=fix)
    assert refused.value.rule == "clause_already_present"
    second.refresh_from_db()
    assert second.is_own and "Workshops upon request" in second.override_body


def test_the_same_phrase_twice_gets_two_findings_two_keys_and_two_marks(client, engagement,
                                                                        people):
    sow = services.sow_import(actor=people["procurement"], engagement=engagement, text=(
        "# Support\n\nTraining as needed. Coaching as needed."))
    quoted = [f for f in findings_of(sow) if f.rule == "vague_knowledge_transfer" and f.quote]
    assert len(quoted) == 2 and len({f.key for f in quoted}) == 2
    client.force_login(people["procurement"])
    body = client.get(sow.get_absolute_url()).content.decode()
    assert body.count('class="finding-mark mark-error"') == 2
    assert "<mark" not in body.split('class="finding-mark mark-error"')[1].split("</mark>")[0]


def test_sections_added_to_an_imported_sow_never_share_its_numbers(engagement, people):
    services.library_load()
    sow = services.sow_import(actor=people["procurement"], engagement=engagement, text=(
        "1 Scope\n\nA model.\n\n2 Intellectual Property\n\nThe client owns the code.\n\n"
        "3 Fees\n\nPaid on acceptance."))
    fix = fix_clauses(["evaluation-harness"])["evaluation-harness"]
    services.sow_section_add(actor=people["procurement"], sow=sow, clause_version=fix,
                             placement="category")
    labels = [r.label for r in services.sow_evaluate(sow)[0]]
    assert len(labels) == len(set(labels)) and labels[0] == "1"
    version = services.sow_freeze(actor=people["procurement"], sow=sow, justification="x",
                                  acknowledge_warnings=True)
    assert [s["label"] for s in version.source["sections"]] == labels


def test_a_warning_that_appears_after_the_page_was_read_is_not_acknowledged(engagement,
                                                                           people):
    from common.errors import RuleViolation

    ladder_generate(actor=people["pm"], engagement=engagement)
    sow = build_sow(engagement, people["procurement"], keys=["two-key-rule"])
    seen = [f.key for f in findings_of(sow) if f.severity == "warning"]
    Milestone.objects.filter(engagement=engagement).delete()  # the plan changes: "no ladder"
    new = [f for f in findings_of(sow) if f.severity == "warning" and f.key not in seen]
    assert new
    with pytest.raises(RuleViolation) as refused:
        services.sow_freeze(actor=people["procurement"], sow=sow, justification="x",
                            acknowledge_warnings=seen)
    assert refused.value.rule == "warnings_changed" and not sow.versions.exists()


def test_half_at_discovery_and_half_on_a_vendor_go_live_step_is_flagged_from_real_payments(
        draft_engagement, people):
    from payments import services as pay

    ladder_generate(actor=people["pm"], engagement=draft_engagement)
    sow = build_sow(draft_engagement, people["procurement"], keys=["fixed-fee-with-gates"])
    discovery = Milestone.objects.get(engagement=draft_engagement, kind="discovery")
    go_live = Milestone.objects.get(engagement=draft_engagement, kind="go_live")
    step = go_live.criteria.first()
    step.performer = "vendor"
    step.save(update_fields=["performer"])
    discovery.criteria.update(performer="vendor")
    half = draft_engagement.contract_value / 2
    pay.payment_create(actor=people["pm"], engagement=draft_engagement, label="Discovery",
                       amount=half, due_date=draft_engagement.end_date,
                       conditions=[{"kind": "milestone", "milestone": discovery.pk}])
    pay.payment_create(actor=people["pm"], engagement=draft_engagement, label="Go-live",
                       amount=half, due_date=draft_engagement.end_date,
                       conditions=[{"kind": "criterion", "criterion": step.pk}])
    plan_findings = [f for f in findings_of(sow)
                     if f.rule == "payments_not_gated" and f.source == "plan"]
    assert [f.severity for f in plan_findings] == ["error"]
    assert "none of the fixed-fee payments" in plan_findings[0].message
    assert "fixed-fee-with-gates" in {s.clause_version.clause.key for s in sow.sections.all()}
