"""Production changes with two keys: model releases, prompt and configuration changes and
rollbacks are decided under the two-key rule (two people, at least one client-side, never
the requester); the decision, ticket and evaluation links land in the audit chain."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ..audit import audit_record
from ..models import ApprovalRequest, ChangeRequest
from ..transitions import transition
from ._common import full_clean, lock, require
from .approvals import ApprovalHandler, approval_request_open, register_approval_handler

CS = ChangeRequest.Status
CHANGE_TRANSITIONS = {CS.OPEN: {CS.APPROVED, CS.REJECTED}, CS.APPROVED: set(),
                      CS.REJECTED: set()}


@transaction.atomic
def change_request_open(*, actor, engagement, kind, summary, ticket_url, evaluation_url,
                        risk=ChangeRequest.Risk.MEDIUM):
    """1. validate; 2. record the change; 3. open its two-key request; 4. audit both."""
    require(actor, "engagement.request_change", engagement)
    engagement = lock(engagement)
    change = ChangeRequest(engagement=engagement, kind=kind, summary=summary.strip(),
                           ticket_url=ticket_url, evaluation_url=evaluation_url, risk=risk,
                           requested_by=actor)
    full_clean(change)
    change.save()
    audit_record(engagement=engagement, actor=actor, verb="change.requested", obj=change,
                 after={"kind": kind, "summary": change.summary, "ticket": ticket_url,
                        "evaluation": evaluation_url, "risk": risk})
    approval_request_open(
        actor=actor, engagement=engagement, kind=ApprovalRequest.Kind.PRODUCTION_CHANGE,
        subject=change, summary=f"{change.get_kind_display()}: {change.summary}",
        url=reverse("engagement:changes", kwargs={"pk": engagement.pk}) + f"#cr-{change.pk}")
    return change


def _change_of(request):
    change = ChangeRequest.objects.select_related("engagement").get(pk=request.subject_id)
    return lock(change)


def _decided(status, verb):
    def handler(*, request, actor, reason=""):
        change = _change_of(request)
        transition(change, table=CHANGE_TRANSITIONS, to=status, actor=actor, verb=verb,
                   engagement=change.engagement, noun="change request",
                   extra={"decided_at": timezone.now()},
                   audit_after={"ticket": change.ticket_url,
                                "evaluation": change.evaluation_url}, reason=reason)
    return handler


register_approval_handler(ApprovalRequest.Kind.PRODUCTION_CHANGE, ApprovalHandler(
    on_approved=_decided(CS.APPROVED, "change.approved"),
    on_rejected=_decided(CS.REJECTED, "change.rejected")))
