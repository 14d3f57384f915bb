"""Capability must be proven, not labelled (issue 12)."""

import pytest

from engagement import services
from engagement.models import Milestone
from tests.engagement.helpers import accept

pytestmark = pytest.mark.django_db


@pytest.fixture
def ladder(engagement, people):
    return services.ladder_generate(actor=people["pm"], engagement=engagement)


def test_a_milestone_labelled_rehearsal_but_done_by_the_vendor_does_not_open_go_live(
        ladder, people, engagement):
    go_live = next(m for m in ladder if m.kind == "go_live")
    fake = services.milestone_create(actor=people["pm"], engagement=engagement,
                                     title="Rehearsal (quick)", start_week=1, end_week=2,
                                     ownership_mode="internal_runs", kind="rehearsal_retrain")
    while Milestone.objects.get(pk=fake.pk).position > go_live.position - 1:
        services.milestone_move(actor=people["pm"], milestone=Milestone.objects.get(pk=fake.pk),
                                direction="up")
    criterion = services.criterion_add(actor=people["pm"], milestone=fake,
                                       statement="Retrain ran", method="ci_log",
                                       performer="vendor")
    services.evidence_add(actor=people["vendor"], criterion=criterion, kind="link",
                          url="https://ci.example.com/runs/1")
    services.milestone_transition(actor=people["pm"], milestone=fake, to="in_progress")
    services.criterion_verify(actor=people["vendor"], criterion=criterion, status="met",
                              note="done")
    request = services.milestone_transition(actor=people["pm"], milestone=fake, to="submitted")
    from engagement.models import ApprovalRequest

    request = ApprovalRequest.objects.get(subject_id=str(fake.pk), status="open")
    services.approval_decide(actor=people["leader"], request=request, decision="approve")
    services.approval_decide(actor=people["vendor"], request=request, decision="approve")
    assert Milestone.objects.get(pk=fake.pk).status == "accepted"
    go_live.refresh_from_db()
    problems = services.submit_problems(go_live, list(go_live.criteria.all()))
    assert any("performed by the internal team" in p for p in problems)


def test_a_rehearsal_after_go_live_on_the_ladder_does_not_count(ladder, people):
    from engagement.services.ladder import rehearsal_proven

    go_live = next(m for m in ladder if m.kind == "go_live")
    rehearsal = next(m for m in ladder if m.kind == "rehearsal_retrain")
    for c in rehearsal.criteria.all():
        services.evidence_add(actor=people["pm"], criterion=c, kind="link",
                              url="https://ci.example.com/runs/2")
    accept(rehearsal, people["pm"], people["leader"], people["vendor"])
    assert rehearsal_proven(go_live)
    Milestone.objects.filter(pk=rehearsal.pk).update(position=go_live.position + 1)
    go_live.refresh_from_db()
    assert not rehearsal_proven(go_live)


def test_a_rehearsal_without_evidence_does_not_count(ladder, people):
    from engagement.services.ladder import rehearsal_proven

    go_live = next(m for m in ladder if m.kind == "go_live")
    rehearsal = next(m for m in ladder if m.kind == "rehearsal_retrain")
    accept(rehearsal, people["pm"], people["leader"], people["vendor"])
    assert not rehearsal_proven(go_live)


def test_the_default_raci_puts_the_internal_team_in_charge_where_the_source_says(
        engagement, people):
    cells = services.raci_template()
    early = {(c["workstream"], c["staffing_role"]): c["letter"] for c in cells if c["phase"] == "early"}
    assert early[("incidents", "on_call_engineer")] == "A"
    assert early.get(("incidents", "lead_consultant"), "") != "A"
    for workstream in ("evaluation", "deployment"):
        assert early[(workstream, "ml_engineer")] == "R"
        assert early[(workstream, "mlops_engineer")] == "C"


def test_criteria_evidence_and_deliverables_can_be_removed_until_acceptance(
        client, ladder, people):
    from engagement.models import AcceptanceCriterion, AuditEvent, Evidence

    milestone = ladder[0]
    criterion = milestone.criteria.first()
    evidence = services.evidence_add(actor=people["vendor"], criterion=criterion, kind="link",
                                     url="https://ci.example.com/runs/9")
    client.force_login(people["pm"])
    page = client.get(f"/engagements/{milestone.engagement_id}/ladder/").content.decode()
    assert 'data-control="criterion-remove"' in page and 'data-control="evidence-remove"' in page
    response = client.post(f"/engagements/{milestone.engagement_id}/evidence/{evidence.pk}"
                           "/remove/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Evidence removed." in response.content.decode()
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    services.criterion_remove(actor=people["pm"], criterion=criterion)
    assert not AcceptanceCriterion.objects.filter(pk=criterion.pk).exists()
    deliverable = services.deliverable_add(
        actor=people["pm"], milestone=milestone, kind="runbook", title="Retrain runbook",
        owner_role="mlops_engineer", acceptance="The team ran it", count=1)
    services.deliverable_remove(actor=people["pm"], deliverable=deliverable)
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"evidence.removed", "criterion.removed", "deliverable.removed"} <= verbs


def test_after_acceptance_criteria_and_evidence_are_read_only(ladder, people):
    from common.errors import NotAllowed, RuleViolation

    milestone = ladder[0]
    accept(milestone, people["pm"], people["leader"], people["vendor"])
    criterion = milestone.criteria.first()
    with pytest.raises(RuleViolation, match="accepted"):
        services.criterion_remove(actor=people["pm"], criterion=criterion)
    with pytest.raises((RuleViolation, NotAllowed)):
        services.evidence_add(actor=people["pm"], criterion=criterion, kind="note", note="x")


def test_activation_names_every_unmet_rule_at_once(draft_engagement, people):
    engagement = draft_engagement
    from common.errors import RuleViolation

    with pytest.raises(RuleViolation) as err:
        services.engagement_transition(actor=people["pm"], engagement=engagement, to="active")
    message = err.value.message
    for expected in ("KPI", "no payment schedule yet", "rehearsal retrain on its ladder",
                     "internal ML product owner", "internal engineering owner"):
        assert expected in message, expected


def test_a_hybrid_milestone_without_a_stream_blocks_activation(people, orgs):
    from tests.engagement.factories import define_outcomes, make_engagement

    hybrid = make_engagement(actor=people["procurement"], client=orgs["client"],
                             vendor=orgs["vendor"], format="hybrid")
    define_outcomes(hybrid, people["pm"])
    assert services.engagement_transition_problems(hybrid, "active") == []
    services.milestone_create(actor=people["pm"], engagement=hybrid, title="Extra",
                              start_week=1, end_week=2, ownership_mode="vendor_leads")
    assert any("needs a stream" in p
               for p in services.engagement_transition_problems(hybrid, "active"))


def test_warnings_need_a_typed_acknowledgement(client, draft_engagement, people):
    engagement = draft_engagement
    from common.errors import RuleViolation
    from tests.engagement.factories import define_outcomes

    define_outcomes(engagement, people["pm"])
    services.raci_seed(actor=people["pm"], engagement=engagement)
    cells = [dict(c) for c in services.raci_template()]
    for c in cells:
        if c["workstream"] == "training" and c["phase"] == "late" and c["letter"] == "A":
            c["letter"] = "C"
    cells.append({"workstream": "training", "phase": "late", "staffing_role": "lead_consultant",
                  "letter": "A"})
    services.raci_save(actor=people["pm"], engagement=engagement, cells=cells)
    assert services.engagement_transition_warnings(engagement, "active")
    with pytest.raises(RuleViolation) as err:
        services.engagement_transition(actor=people["pm"], engagement=engagement, to="active")
    assert err.value.rule == "warnings_unacknowledged"
    client.force_login(people["pm"])
    page = client.get(f"/engagements/{engagement.pk}/move/active/").content.decode()
    assert "Type “active” to confirm" in page
    client.post(f"/engagements/{engagement.pk}/transition/", {"to": "active",
                                                              "acknowledge": "yes"})
    engagement.refresh_from_db()
    assert engagement.status == "draft"
    client.post(f"/engagements/{engagement.pk}/transition/", {"to": "active",
                                                              "acknowledge": "Active"})
    engagement.refresh_from_db()
    assert engagement.status == "active"


def test_knowledge_transfer_cadence_must_be_a_number_per_period(ladder, people):
    from common.errors import DomainError

    with pytest.raises(DomainError, match="number per period"):
        services.deliverable_add(actor=people["pm"], milestone=ladder[0], kind="runbook",
                                 title="Pairing", owner_role="mlops_engineer",
                                 acceptance="Held", cadence="as needed")
    ok = services.deliverable_add(actor=people["pm"], milestone=ladder[0], kind="runbook",
                                  title="Pairing", owner_role="mlops_engineer",
                                  acceptance="Held", cadence="twice a week, 1 hour")
    waived = services.deliverable_waive(actor=people["pm"], deliverable=ok,
                                        reason="Replaced by office hours")
    assert waived.waived_reason


# --- Production changes with two keys ------------------------------------------------------

def _change(engagement, actor):
    return services.change_request_open(
        actor=actor, engagement=engagement, kind="model_release",
        summary="Release the retrained reply model v3",
        ticket_url="https://tickets.example.com/CHG-12",
        evaluation_url="https://ci.example.com/eval/881", risk="medium")


def test_a_production_change_is_decided_by_two_keys_into_the_audit_chain(engagement, people):
    from engagement.models import ApprovalRequest, AuditEvent, ChangeRequest

    change = _change(engagement, people["vendor"])
    request = ApprovalRequest.objects.get(kind="production_change", subject_id=str(change.pk))
    services.approval_decide(actor=people["leader"], request=request, decision="approve")
    services.approval_decide(actor=people["pm"], request=request, decision="approve")
    change.refresh_from_db()
    assert change.status == ChangeRequest.Status.APPROVED and change.decided_at
    event = AuditEvent.objects.get(verb="change.approved")
    assert event.after["ticket"].endswith("CHG-12") and event.after["evaluation"]


def test_change_keys_follow_the_two_key_rule(engagement, people, orgs):
    from common.errors import NotAllowed, RuleViolation
    from engagement.models import ApprovalRequest
    from tests.engagement.factories import UserFactory

    change = _change(engagement, people["pm"])
    request = ApprovalRequest.objects.get(kind="production_change", subject_id=str(change.pk))
    with pytest.raises(NotAllowed) as err:
        services.approval_decide(actor=people["pm"], request=request, decision="approve")
    assert err.value.rule == "two_key_requester"
    services.approval_decide(actor=people["vendor"], request=request, decision="approve")
    with pytest.raises(RuleViolation) as err:
        services.approval_decide(actor=people["vendor"], request=request, decision="approve")
    assert err.value.rule == "two_key_same_user"
    second_vendor = UserFactory(username="vendor2", organisation=orgs["vendor"], role="vendor")
    with pytest.raises(RuleViolation) as err:
        services.approval_decide(actor=second_vendor, request=request, decision="approve")
    assert err.value.rule == "two_key_internal_required"
    request.refresh_from_db()
    assert request.status == "open"


def test_changes_page_and_api(client, engagement, people):
    from rest_framework.test import APIClient

    client.force_login(people["pm"])
    response = client.post(f"/engagements/{engagement.pk}/changes/", {
        "kind": "prompt_change", "summary": "Tone down refusals",
        "ticket_url": "https://tickets.example.com/CHG-13",
        "evaluation_url": "https://ci.example.com/eval/882", "risk": "low"}, follow=True)
    page = response.content.decode()
    assert "Prompt change: Tone down refusals" in page and "Two approvals" in page
    api = APIClient()
    api.force_authenticate(people["vendor"])
    listed = api.get(f"/api/v1/change-requests/?engagement={engagement.pk}").json()
    assert listed["count"] == 1 and listed["results"][0]["status"] == "open"
    outsider = APIClient()
    outsider.force_authenticate(people["outsider"])
    assert outsider.get("/api/v1/change-requests/").json()["count"] == 0


def test_changes_page_queries_do_not_grow(client, engagement, people):
    from tests.querycounts import counts_at_sizes

    def grow(n):
        from engagement.models import ChangeRequest

        while ChangeRequest.objects.count() < n:
            _change(engagement, people["vendor"])

    client.force_login(people["pm"])
    small, large = counts_at_sizes(grow, lambda: client.get(f"/engagements/{engagement.pk}/"
                                                            "changes/"), sizes=(2, 8))
    assert small == large


def test_knowledge_transfer_is_accepted_or_waived_on_the_ladder(client, ladder, people):
    from engagement.models import KnowledgeTransferDeliverable

    deliverable = KnowledgeTransferDeliverable.objects.filter(
        milestone__engagement=ladder[0].engagement).exclude(count=None).first()
    milestone = deliverable.milestone
    client.force_login(people["pm"])
    url = (f"/engagements/{milestone.engagement_id}/milestones/{milestone.pk}/deliverables/"
           f"{deliverable.pk}/settle/")
    short = client.post(url, {"action": "accept", "delivered": "0"}, HTTP_HX_REQUEST="true")
    assert "0 of" in short.content.decode()
    done = client.post(url, {"action": "accept", "delivered": str(deliverable.count)},
                       HTTP_HX_REQUEST="true")
    assert "Deliverable accepted." in done.content.decode()
    deliverable.refresh_from_db()
    assert deliverable.accepted_at and deliverable.accepted_by == people["pm"]
    client.force_login(people["vendor"])
    page = client.get(f"/engagements/{milestone.engagement_id}/ladder/").content.decode()
    assert 'data-control="deliverable-accept"' not in page


def test_an_accepted_knowledge_transfer_deliverable_releases_its_payment_gate(ladder, people,
                                                                             engagement):
    import datetime as dt
    from decimal import Decimal

    from engagement.models import KnowledgeTransferDeliverable
    from payments import services as pay
    from tests.engagement.factories import run_to

    deliverable = KnowledgeTransferDeliverable.objects.filter(
        milestone__engagement=engagement).first()
    payment = pay.payment_create(
        actor=people["procurement"], engagement=engagement, label="Enablement instalment",
        amount=Decimal("20000.00"), due_date=engagement.end_date - dt.timedelta(days=1),
        conditions=[{"kind": "deliverable", "deliverable": deliverable.pk}])
    pay.payment_create(
        actor=people["procurement"], engagement=engagement, label="Rest",
        amount=Decimal("100000.00"), due_date=engagement.end_date - dt.timedelta(days=1),
        conditions=[{"kind": "milestone", "milestone": ladder[-1].pk}])
    engagement = run_to(engagement, "active", people)
    today = engagement.start_date + dt.timedelta(days=1)
    assert not pay.payments_evaluate(engagement_ids=[engagement.pk], today=today)
    services.deliverable_accept(actor=people["pm"], deliverable=deliverable,
                                delivered=deliverable.count)
    moved = pay.payments_evaluate(engagement_ids=[engagement.pk], today=today)
    assert [m.payment_id for m in moved] == [payment.pk]
    payment.refresh_from_db()
    assert payment.status == "eligible"


# --- Draft engagements plan, active engagements prove ---------------------------------------

def test_a_draft_engagement_plans_but_proves_nothing(client, draft_engagement, people):
    import datetime as dt
    from decimal import Decimal

    from common.errors import RuleViolation
    from payments import services as pay

    engagement = draft_engagement
    ladder = services.ladder_generate(actor=people["pm"], engagement=engagement)
    criterion = ladder[0].criteria.first()
    payment = pay.payment_create(
        actor=people["procurement"], engagement=engagement, label="Gate", amount=Decimal("5"),
        due_date=dt.date(2026, 10, 30), conditions=[{"kind": "criterion",
                                                     "criterion": criterion.pk}])
    services.evidence_add(actor=people["pm"], criterion=criterion, kind="link",
                          url="https://ci.example.com/runs/3")
    with pytest.raises(RuleViolation) as err:
        services.criterion_verify(actor=people["pm"], criterion=criterion, status="met",
                                  note="seen")
    assert err.value.rule == "engagement_not_active"
    services.milestone_transition(actor=people["pm"], milestone=ladder[0], to="in_progress")
    with pytest.raises(RuleViolation) as err:
        services.milestone_transition(actor=people["pm"], milestone=ladder[0], to="submitted")
    assert err.value.rule == "engagement_not_active"
    from engagement.models import AcceptanceCriterion

    AcceptanceCriterion.objects.filter(milestone__engagement=engagement).update(
        status="met", verified_by=people["pm"], verified_at=dt.datetime(2026, 9, 8, tzinfo=dt.UTC))
    assert pay.payments_evaluate(engagement_ids=[engagement.pk],
                                 today=dt.date(2026, 9, 20)) == []
    payment.refresh_from_db()
    assert payment.status == "scheduled"
    client.force_login(people["pm"])
    page = client.get(f"/engagements/{engagement.pk}/ladder/").content.decode()
    assert 'data-control="criterion-verify"' not in page
    assert "Submit for acceptance" not in page


def test_knowledge_transfer_sessions_are_logged_and_count_as_delivered(client, ladder,
                                                                       people):
    import datetime as dt

    from engagement.models import AuditEvent, KnowledgeTransferDeliverable

    deliverable = KnowledgeTransferDeliverable.objects.filter(
        milestone__engagement=ladder[0].engagement).exclude(count=None).first()
    milestone = deliverable.milestone
    client.force_login(people["vendor"])
    url = (f"/engagements/{milestone.engagement_id}/milestones/{milestone.pk}/deliverables/"
           f"{deliverable.pk}/sessions/")
    response = client.post(url, {"held_on": "2026-09-15", "duration_minutes": "60",
                                 "attendees": "Sam Reyes, Olu Adeyemi",
                                 "materials_url": "https://wiki.example.com/retrain"},
                           HTTP_HX_REQUEST="true")
    assert "Session logged." in response.content.decode()
    deliverable.refresh_from_db()
    assert deliverable.delivered == 1 and deliverable.sessions.get().duration_minutes == 60
    assert AuditEvent.objects.filter(verb="deliverable.session_logged").exists()
    future = client.post(url, {"held_on": str(dt.date.today() + dt.timedelta(days=3)),
                               "duration_minutes": "30", "attendees": "x"},
                         HTTP_HX_REQUEST="true")
    assert "once it was held" in future.content.decode()


def test_a_payment_written_off_with_a_reason_lets_the_engagement_close(client, engagement,
                                                                        people):
    import datetime as dt
    from decimal import Decimal

    from common.errors import DomainError
    from payments import services as pay
    from payments.models import PaymentMilestone
    from tests.engagement.factories import run_to

    ladder = services.ladder_generate(actor=people["pm"], engagement=engagement)
    stuck = pay.payment_create(
        actor=people["procurement"], engagement=engagement, label="Bonus", amount=Decimal("1"),
        due_date=engagement.end_date - dt.timedelta(days=1),
        conditions=[{"kind": "criterion", "criterion": ladder[0].criteria.first().pk}])
    engagement = run_to(engagement, "transition", people)
    PaymentMilestone.objects.filter(pk=stuck.pk).update(status="scheduled")
    problems = services.engagement_transition_problems(engagement, "closed")
    assert any("neither paid nor written off" in p for p in problems)
    with pytest.raises(DomainError, match="Say why"):
        pay.payment_write_off(actor=people["leader"], payment=stuck, reason=" ")
    client.force_login(people["leader"])
    client.post(f"/engagements/{engagement.pk}/payments/{stuck.pk}/action/",
                {"action": "write_off", "reason": "Bonus dropped in the contract change"})
    stuck.refresh_from_db()
    assert stuck.status == "cancelled" and "contract change" in stuck.written_off_reason
    assert not any("written off" in p
                   for p in services.engagement_transition_problems(engagement, "closed"))


def test_an_approved_change_request_is_evidence_that_releases_go_through_two_keys(
        client, ladder, people, engagement):
    from common.errors import DomainError
    from engagement.models import ApprovalRequest

    criterion = next(m for m in ladder if m.kind == "go_live").criteria.first()
    change = _change(engagement, people["vendor"])
    with pytest.raises(DomainError, match="two keys approved"):
        services.evidence_add(actor=people["pm"], criterion=criterion, kind="change",
                              change_request=change)
    request = ApprovalRequest.objects.get(kind="production_change", subject_id=str(change.pk))
    services.approval_decide(actor=people["leader"], request=request, decision="approve")
    services.approval_decide(actor=people["procurement"], request=request, decision="approve")
    change.refresh_from_db()
    client.force_login(people["pm"])
    response = client.post(f"/engagements/{engagement.pk}/criteria/{criterion.pk}/evidence/",
                           {"kind": "change", "change_request": str(change.pk)},
                           HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "Evidence attached." in body and "Approved change: Release the retrained" in body


def test_knowledge_transfer_records_hours_and_participants(client, ladder, people):
    from decimal import Decimal

    milestone = ladder[0]
    client.force_login(people["pm"])
    response = client.post(
        f"/engagements/{milestone.engagement_id}/milestones/{milestone.pk}/deliverables/",
        {"kind": "runbook", "title": "Retrain runbook", "description": "How to retrain alone",
         "count": "2", "cadence": "weekly",
         "hours": "3", "participants": "ML engineers, on-call", "owner_role": "mlops_engineer",
         "acceptance": "The team ran it alone"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "3.0 h" in body and "with ML engineers, on-call" in body
    assert "How to retrain alone" in body
    deliverable = milestone.deliverables.get(title="Retrain runbook")
    assert deliverable.hours == Decimal("3.0")


def test_deliverables_and_evidence_can_be_edited_until_settled(client, ladder, people):
    from common.errors import RuleViolation
    from engagement.models import AuditEvent

    milestone = ladder[0]
    deliverable = milestone.deliverables.first()
    client.force_login(people["pm"])
    page = client.get(f"/engagements/{milestone.engagement_id}/ladder/").content.decode()
    assert 'data-control="deliverable-edit"' in page
    data = {f"d{deliverable.pk}-{k}": v for k, v in {
        "kind": deliverable.kind, "title": "Renamed walkthrough", "count": "",
        "cadence": "twice a week", "hours": "2", "participants": "ML engineers",
        "owner_role": deliverable.owner_role, "acceptance": "Held and recorded"}.items()}
    response = client.post(f"/engagements/{milestone.engagement_id}/milestones/{milestone.pk}"
                           f"/deliverables/{deliverable.pk}/edit/", data, HTTP_HX_REQUEST="true")
    assert "Deliverable updated." in response.content.decode()
    deliverable.refresh_from_db()
    assert deliverable.title == "Renamed walkthrough" and deliverable.cadence == "twice a week"
    evidence = services.evidence_add(actor=people["pm"], criterion=milestone.criteria.first(),
                                     kind="link", url="https://ci.example.com/runs/5")
    response = client.post(f"/engagements/{milestone.engagement_id}/evidence/{evidence.pk}"
                           "/edit/", {"url": "https://ci.example.com/runs/6", "note": ""},
                           HTTP_HX_REQUEST="true")
    assert "Evidence updated." in response.content.decode()
    evidence.refresh_from_db()
    assert evidence.url.endswith("/6")
    assert {"deliverable.updated", "evidence.updated"} <= set(
        AuditEvent.objects.values_list("verb", flat=True))
    services.deliverable_waive(actor=people["pm"], deliverable=deliverable, reason="Not needed")
    with pytest.raises(RuleViolation, match="settled"):
        services.deliverable_update(actor=people["pm"], deliverable=deliverable,
                                    data={"title": "Again"})


def test_a_criterion_can_be_edited_on_the_ladder_until_acceptance(client, ladder, people):
    criterion = ladder[0].criteria.first()
    client.force_login(people["pm"])
    response = client.post(
        f"/engagements/{ladder[0].engagement_id}/criteria/{criterion.pk}/edit/",
        {f"c{criterion.pk}-statement": "The internal team reran the pipeline alone",
         f"c{criterion.pk}-method": "runbook_run", f"c{criterion.pk}-performer": "internal"},
        HTTP_HX_REQUEST="true")
    assert "Criterion updated." in response.content.decode()
    criterion.refresh_from_db()
    assert criterion.statement.startswith("The internal team reran")
