import threading

import pytest
from django.db import connection

from common.errors import DomainError, NotAllowed, RuleViolation
from engagement import services
from engagement.models import Approval, ApprovalRequest, AuditEvent, Milestone
from tests.engagement.factories import UserFactory, make_engagement, under_way
from tests.engagement.helpers import accept, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def ladder(engagement, people):
    """The generated ladder of an engagement under way (work is proven only once active)."""
    milestones = services.ladder_generate(actor=people["pm"], engagement=engagement)
    under_way(engagement)
    return milestones


@pytest.fixture
def second_vendor(orgs):
    return UserFactory(username="vendor2", organisation=orgs["vendor"], role="vendor")


def test_submitting_opens_a_request_and_two_keys_accept(ladder, people):
    request = submit(ladder[0], people["pm"])
    assert request.requested_by == people["pm"]
    services.approval_decide(actor=people["leader"], request=request, decision="approve")
    ladder[0].refresh_from_db()
    assert ladder[0].status == "submitted"
    services.approval_decide(actor=people["vendor"], request=request, decision="approve")
    ladder[0].refresh_from_db()
    request.refresh_from_db()
    assert (ladder[0].status, request.status) == ("accepted", "approved")
    verbs = list(AuditEvent.objects.filter(engagement=ladder[0].engagement)
                 .order_by("seq").values_list("verb", flat=True))
    assert verbs[-4:] == ["approval.approved", "approval.approved", "approval.closed",
                          "milestone.status_changed"]


def test_same_user_approving_twice_is_refused(ladder, people):
    request = submit(ladder[0], people["pm"])
    services.approval_decide(actor=people["leader"], request=request, decision="approve")
    with pytest.raises(RuleViolation) as err:
        services.approval_decide(actor=people["leader"], request=request, decision="approve")
    assert err.value.rule == "two_key_same_user"
    assert Approval.objects.filter(request=request).count() == 1


def test_requester_cannot_hold_a_key(ladder, people):
    request = submit(ladder[0], people["pm"])
    with pytest.raises(NotAllowed) as err:
        services.approval_decide(actor=people["pm"], request=request, decision="approve")
    assert err.value.rule == "two_key_requester"


def test_two_vendor_users_never_complete_it(ladder, people, second_vendor):
    request = submit(ladder[0], people["pm"])
    services.approval_decide(actor=people["vendor"], request=request, decision="approve")
    with pytest.raises(RuleViolation) as err:
        services.approval_decide(actor=second_vendor, request=request, decision="approve")
    assert err.value.rule == "two_key_internal_required"
    request.refresh_from_db()
    assert request.status == "open"
    assert services.keys_needed(request, list(request.approvals.all())) == (
        "One more approval, from a client-side user.")


def test_outsider_cannot_turn_a_key(ladder, people):
    request = submit(ladder[0], people["pm"])
    with pytest.raises(NotAllowed) as err:
        services.approval_decide(actor=people["outsider"], request=request, decision="approve")
    assert err.value.rule == "tenancy"


def test_rejection_closes_the_request_and_sends_the_milestone_back(ladder, people):
    request = submit(ladder[0], people["pm"])
    services.approval_decide(actor=people["leader"], request=request, decision="approve")
    with pytest.raises(DomainError):
        services.approval_decide(actor=people["vendor"], request=request, decision="reject")
    services.approval_decide(actor=people["vendor"], request=request, decision="reject",
                             reason="The runbook skips the rollback step")
    request.refresh_from_db()
    ladder[0].refresh_from_db()
    assert (request.status, ladder[0].status) == ("rejected", "changes_requested")
    with pytest.raises(RuleViolation, match="already rejected"):
        services.approval_decide(actor=people["procurement"], request=request,
                                 decision="approve")
    # The fix goes back for a fresh request.
    services.milestone_transition(actor=people["pm"], milestone=ladder[0], to="submitted")
    assert ApprovalRequest.objects.filter(subject_id=str(ladder[0].pk), status="open").exists()


def test_editing_a_criterion_under_review_resets_the_keys(ladder, people):
    request = submit(ladder[0], people["pm"])
    services.approval_decide(actor=people["leader"], request=request, decision="approve")
    criterion = ladder[0].criteria.first()
    services.criterion_update(actor=people["pm"], criterion=criterion,
                              data={"statement": "A sharper statement"})
    request.refresh_from_db()
    assert request.round == 2
    services.approval_decide(actor=people["vendor"], request=request, decision="approve")
    ladder[0].refresh_from_db()
    assert ladder[0].status == "submitted", "the leader's first-round key no longer counts"
    services.approval_decide(actor=people["leader"], request=request, decision="approve")
    ladder[0].refresh_from_db()
    assert ladder[0].status == "accepted"
    assert AuditEvent.objects.filter(verb="approval.reset").count() == 1


def test_reopening_a_criterion_under_review_cancels_the_request(ladder, people):
    request = submit(ladder[0], people["pm"])
    services.criterion_verify(actor=people["pm"], criterion=ladder[0].criteria.first(),
                              status="not_met", note="Re-ran: it failed")
    request.refresh_from_db()
    ladder[0].refresh_from_db()
    assert (request.status, ladder[0].status) == ("cancelled", "changes_requested")


def test_go_live_is_refused_until_an_internal_rehearsal_is_accepted(ladder, people):
    go_live = next(m for m in ladder if m.kind == "go_live")
    services.milestone_transition(actor=people["pm"], milestone=go_live, to="in_progress")
    for c in go_live.criteria.all():
        services.criterion_verify(actor=people["pm"], criterion=c, status="met", note="done")
    with pytest.raises(RuleViolation) as err:
        services.milestone_transition(actor=people["pm"], milestone=go_live, to="submitted")
    assert err.value.rule == "go_live_needs_rehearsal"
    rehearsal = next(m for m in ladder if m.kind == "rehearsal_retrain")
    for c in rehearsal.criteria.all():
        services.evidence_add(actor=people["pm"], criterion=c, kind="link",
                              url="https://ci.example.com/runs/42")
    accept(rehearsal, people["pm"], people["leader"], people["vendor"])
    services.milestone_transition(actor=people["pm"], milestone=go_live, to="submitted")
    go_live.refresh_from_db()
    assert go_live.status == "submitted"


def test_vendor_led_rehearsal_does_not_unlock_go_live(ladder, people):
    rehearsal = next(m for m in ladder if m.kind == "rehearsal_retrain")
    services.milestone_update(actor=people["pm"], milestone=rehearsal,
                              data={"ownership_mode": "vendor_leads"})
    accept(rehearsal, people["pm"], people["leader"], people["vendor"])
    go_live = Milestone.objects.get(engagement=rehearsal.engagement, kind="go_live")
    assert "run by the internal team" in services.submit_problems(
        go_live, list(go_live.criteria.all()))[-1]


def test_inbox_lists_requests_i_can_act_on(ladder, people):
    from engagement import selectors

    request = submit(ladder[0], people["pm"])
    assert list(selectors.approvals_inbox(user=people["leader"])) == [request]
    assert list(selectors.approvals_inbox(user=people["pm"])) == []  # the requester
    assert list(selectors.approvals_inbox(user=people["outsider"])) == []
    services.approval_decide(actor=people["leader"], request=request, decision="approve")
    assert list(selectors.approvals_inbox(user=people["leader"])) == []
    assert list(selectors.approvals_inbox(user=people["vendor"])) == [request]


@pytest.mark.django_db(transaction=True)
def test_parallel_double_submit_of_one_key_records_one_approval(people, orgs):
    if connection.vendor != "postgresql":
        from tests.conftest import missing_service

        missing_service("PostgreSQL", "concurrent transactions need DATABASE_URL=postgres://…")
    engagement = make_engagement(actor=people["pm"], client=orgs["client"],
                                 vendor=orgs["vendor"])
    ladder = services.ladder_generate(actor=people["pm"], engagement=engagement)
    under_way(engagement)
    request = submit(ladder[0], people["pm"])
    results = _race([(people["leader"], request)] * 4)
    assert Approval.objects.filter(request=request).count() == 1
    assert sorted(type(r).__name__ for r in results) == [
        "Approval", "RuleViolation", "RuleViolation", "RuleViolation"]


@pytest.mark.django_db(transaction=True)
def test_parallel_second_keys_complete_the_request_once(people, orgs):
    if connection.vendor != "postgresql":
        from tests.conftest import missing_service

        missing_service("PostgreSQL", "concurrent transactions need DATABASE_URL=postgres://…")
    engagement = make_engagement(actor=people["pm"], client=orgs["client"],
                                 vendor=orgs["vendor"])
    ladder = services.ladder_generate(actor=people["pm"], engagement=engagement)
    under_way(engagement)
    request = submit(ladder[0], people["pm"])
    services.approval_decide(actor=people["leader"], request=request, decision="approve")
    _race([(people["vendor"], request), (people["procurement"], request)])
    assert AuditEvent.objects.filter(engagement=engagement, verb="approval.closed").count() == 1
    assert AuditEvent.objects.filter(engagement=engagement,
                                     after__status="accepted").count() == 1
    assert services.approval_request_open is not None


def _race(calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, user, request):
        try:
            barrier.wait(timeout=10)
            results[i] = services.approval_decide(actor=user, request=request,
                                                  decision="approve")
        except Exception as exc:  # noqa: BLE001 - asserted by the caller
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, u, r)) for i, (u, r) in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results
