"""The two-key rule, one mechanism for every kind of decision.

A request collects keys in rounds. It completes when two distinct users approve in the
current round, at least one from the client side and neither the requester; any rejection
closes it. Changing the subject after the request opened starts a new round (the keys
collected so far stop counting). The owner of each kind registers what completion and
rejection do to the subject.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from common.errors import DomainError, RuleViolation

from ..audit import audit_record
from ..models import Approval, ApprovalRequest, Side
from ..rules import can
from ..transitions import transition
from ._common import lock_engagement, require, require_party
from .notifications import notify_many


@dataclass(frozen=True)
class ApprovalHandler:
    """What a completed or rejected request does to its subject (called in the same transaction)."""

    on_approved: object
    on_rejected: object
    check: object = None  # refuses to open a request (or to complete it) with a RuleViolation
    internal_only: bool = False  # both keys from the client side (money leaving the client)


_handlers = {}


def register_approval_handler(kind, handler):
    _handlers[kind] = handler


def handler_for(kind):
    return _handlers.get(kind)


def internal_only_kinds():
    """Kinds whose keys only client-side users hold (a vendor's inbox never lists them)."""
    return [kind for kind, handler in _handlers.items() if handler.internal_only]


AS = ApprovalRequest.Status
# The one table of request moves: an open request closes once, one way.
APPROVAL_TRANSITIONS = {
    AS.OPEN: {AS.APPROVED, AS.REJECTED, AS.CANCELLED},
    AS.APPROVED: set(),
    AS.REJECTED: set(),
    AS.CANCELLED: set(),
}


def _close(request, actor, to, verb, reason):
    return transition(request, table=APPROVAL_TRANSITIONS, to=to, actor=actor, verb=verb,
                      engagement=request.engagement, noun="approval request",
                      extra={"closed_at": timezone.now(), "closed_reason": reason},
                      audit_after={"round": request.round}, reason=reason)


def _snapshot(request):
    return {"status": request.status, "round": request.round}


def approval_request_open(*, actor, engagement, kind, subject, summary, url=""):
    """Open the two-key request for `subject`. Must run inside the caller's transaction."""
    subject_type = subject._meta.label_lower
    try:
        with transaction.atomic():
            request = ApprovalRequest.objects.create(
                engagement=engagement, kind=kind, subject_type=subject_type,
                subject_id=str(subject.pk), summary=summary[:300], requested_by=actor,
                url=url,
            )
    except IntegrityError as exc:
        raise RuleViolation("An approval request for this is already open.",
                            rule="two_key_already_open") from exc
    audit_record(engagement=engagement, actor=actor, verb="approval.requested", obj=request,
                 after={"kind": kind, "subject": f"{subject_type}:{subject.pk}",
                        "summary": request.summary})
    holders = key_holders(request, exclude=actor)
    if holders:
        notify_many([(engagement, holders, f"{engagement.title}: {request.summary} waits for your "
                                           "key.", reverse("approvals:inbox"))])
    return request


def key_holders(request, *, exclude=None):
    """The active users who could turn a key on `request` now (both parties, or the client
    side alone for internal-only kinds), without `exclude`."""
    from django.contrib.auth import get_user_model

    engagement = request.engagement
    handler = _handlers.get(request.kind)
    orgs = [engagement.client_id] if handler and handler.internal_only else [
        engagement.client_id, engagement.vendor_id]
    users = get_user_model().objects.filter(organisation_id__in=orgs, is_active=True)
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return [u for u in users if can(u, "engagement.decide_approval", request)]


def keys_needed(request, approvals):
    """Plain words for what the request still needs, from this round's approvals."""
    current = [a for a in request.current_keys(approvals) if a.decision == "approve"]
    if request.status != ApprovalRequest.Status.OPEN:
        return ""
    handler = _handlers.get(request.kind)
    if handler and handler.internal_only:
        return ("Two approvals from client-side users." if not current else
                "One more approval, from another client-side user.")
    if not current:
        return "Two approvals, at least one from a client-side user."
    if any(a.side == Side.INTERNAL for a in current):
        return "One more approval, from any other party user."
    return "One more approval, from a client-side user."


@transaction.atomic
def approval_decide(*, actor, request, decision, reason=""):
    """Turn one key.

    1. lock the request and refuse a closed one; 2. refuse the requester, a second key by
    the same user in this round, and a second vendor key; 3. record the key and audit it;
    4. on a rejection close the request and tell the subject; on the second valid approval
    complete it and tell the subject.
    """
    if decision not in Approval.Decision.values:
        raise DomainError("The decision is approve or reject.", rule="invalid_field",
                          field="decision")
    lock_engagement(request.engagement_id)
    request = ApprovalRequest.objects.select_for_update().select_related("engagement").get(
        pk=request.pk)
    engagement = request.engagement
    if request.status != ApprovalRequest.Status.OPEN:
        raise RuleViolation(f"This request is already {request.get_status_display().lower()}.",
                            rule="two_key_closed")
    side = require_party(actor, engagement, action="decide on approvals")
    require(actor, "engagement.decide_approval", request)
    handler = _handlers[request.kind]
    if decision == Approval.Decision.REJECT and not reason.strip():
        raise DomainError("Say why you reject it; the requester sees your reason.",
                          rule="invalid_field", field="reason")
    current = list(request.approvals.filter(round=request.round, voided_at__isnull=True))
    if any(a.user_id == actor.pk for a in current):
        raise RuleViolation("You already turned a key on this request.", rule="two_key_same_user")
    approvals_so_far = [a for a in current if a.decision == Approval.Decision.APPROVE]
    if (decision == Approval.Decision.APPROVE and side == Side.VENDOR
            and any(a.side == Side.VENDOR for a in approvals_so_far)):
        raise RuleViolation("The second key must be held by a client-side user.",
                            rule="two_key_internal_required")
    try:
        with transaction.atomic():
            key = Approval.objects.create(request=request, round=request.round, user=actor,
                                          side=side, decision=decision, reason=reason)
    except IntegrityError as exc:
        raise RuleViolation("You already turned a key on this request.",
                            rule="two_key_same_user") from exc
    audit_record(engagement=engagement, actor=actor, verb=f"approval.{decision}d", obj=request,
                 after={"request": request.summary, "round": request.round, "side": side,
                        "decision": decision}, reason=reason)
    if decision == Approval.Decision.REJECT:
        _close(request, actor, AS.REJECTED, "approval.closed", reason)
        handler.on_rejected(request=request, actor=actor, reason=reason)
        _tell_requester(request, f"rejected by {actor}: {reason.strip()}")
        return key
    # Keys turned earlier count only if their holders could still turn them now.
    approvals = [*_still_valid(request, approvals_so_far, actor), key]
    if len({a.user_id for a in approvals}) >= 2 and any(a.side == Side.INTERNAL for a in approvals):
        if handler.check:
            handler.check(request=request)
        _close(request, actor, AS.APPROVED, "approval.closed", "")
        handler.on_approved(request=request, actor=actor)
        _tell_requester(request, "approved with two keys")
    return key


def _tell_requester(request, outcome):
    engagement = request.engagement
    notify_many([(engagement, [request.requested_by],
                  f"{engagement.title}: {request.summary} was {outcome}.",
                  request.url or reverse("approvals:inbox"))])


def _why_void(key, request):
    """Why a key no longer counts (in words), or "" when it still does."""
    holder = key.user
    if not holder.is_active:
        return f"{holder} was deactivated."
    if holder.is_superuser:
        return ""
    side = holder.side_in(request.engagement)
    if side != key.side:
        return (f"{holder} no longer belongs to the {key.get_side_display().lower()} side of "
                "this engagement.")
    if not can(holder, "engagement.decide_approval", request):
        return f"{holder}'s role can no longer turn this key."
    return ""


def _void(key, request, actor, reason):
    key.voided_at, key.voided_reason = timezone.now(), reason
    Approval.objects.filter(pk=key.pk).update(voided_at=key.voided_at, voided_reason=reason)
    audit_record(engagement=request.engagement, actor=actor, verb="approval.key_voided",
                 obj=request, after={"request": request.summary, "round": request.round,
                                     "key_holder": str(key.user), "side": key.side},
                 reason=reason)


def _still_valid(request, keys, actor):
    """The keys that still count; the others are voided (audited with why)."""
    valid = []
    for key in keys:
        reason = _why_void(key, request)
        if reason:
            _void(key, request, actor, reason)
        else:
            valid.append(key)
    return valid


@transaction.atomic
def approval_keys_revalidate(*, actor, user):
    """A user was deactivated, moved or given another role: their keys on open requests that
    no longer count are voided at once (each request then waits for another key)."""
    keys = list(Approval.objects.filter(user=user, voided_at__isnull=True,
                                        request__status=ApprovalRequest.Status.OPEN)
                .select_related("request__engagement", "user"))
    voided = 0
    for key in keys:
        if key.round != key.request.round:
            continue
        lock_engagement(key.request.engagement_id)
        reason = _why_void(key, key.request)
        if reason:
            _void(key, key.request, actor, reason)
            voided += 1
    return voided


def approval_reset(*, actor, request, reason):
    """The subject changed: keys collected so far stop counting. Runs in the caller's transaction."""
    lock_engagement(request.engagement_id)
    request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != ApprovalRequest.Status.OPEN:
        return request
    before = _snapshot(request)
    request.round += 1
    request.save(update_fields=["round"])
    audit_record(engagement=request.engagement, actor=actor, verb="approval.reset", obj=request,
                 before=before, after=_snapshot(request), reason=reason)
    return request


def approval_cancel(*, actor, request, reason):
    """Close an open request without a decision (its subject went back to work)."""
    lock_engagement(request.engagement_id)
    request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != ApprovalRequest.Status.OPEN:
        return request
    return _close(request, actor, AS.CANCELLED, "approval.cancelled", reason)


def open_request_for(subject, kind):
    return ApprovalRequest.objects.filter(
        kind=kind, subject_type=subject._meta.label_lower, subject_id=str(subject.pk),
        status=ApprovalRequest.Status.OPEN,
    ).first()
