"""Reads composed for pages and endpoints, already joined and prefetched."""

from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404

from .models import (
    Approval,
    ApprovalRequest,
    AuditEvent,
    Engagement,
    Organisation,
    ReadinessBaseline,
    StaffingAssignment,
)


def engagement_list(*, user):
    return Engagement.objects.visible_to(user).select_related("client", "vendor")


def engagement_get(*, user, pk, for_page=False):
    """One visible engagement or 404. With for_page, everything the engagement page shows."""
    qs = engagement_list(user=user)
    if for_page:
        qs = qs.select_related("updated_by").prefetch_related(
            Prefetch(
                "staffing",
                queryset=StaffingAssignment.objects.select_related("user"),
            ),
            Prefetch("baselines", queryset=ReadinessBaseline.objects.select_related("assessed_by")),
        )
    return get_object_or_404(qs, pk=pk)


def audit_events_for(*, user, engagement_id=None):
    qs = AuditEvent.objects.visible_to(user).select_related("engagement")
    if engagement_id is not None:
        qs = qs.filter(engagement_id=engagement_id)
    return qs.order_by("-at", "-seq")


def latest_audit_events(*, engagement, limit=8):
    return list(engagement.audit_events.order_by("-seq")[:limit])


def baselines_side_by_side(engagement):
    """Rows of (area, discovery score, close score, change) from prefetched baselines."""
    by_stage = {b.stage: b for b in engagement.baselines.all()}
    start, end = by_stage.get("discovery"), by_stage.get("close")
    rows = []
    for area in ("skills", "process", "tooling"):
        a = getattr(start, area) if start else None
        b = getattr(end, area) if end else None
        rows.append({"area": area, "discovery": a, "close": b,
                     "change": (b - a) if a is not None and b is not None else None})
    field = ReadinessBaseline._meta.get_field
    answers = [{"question": field(q).verbose_name, "discovery": getattr(start, q, ""),
                "close": getattr(end, q, "")} for q in ReadinessBaseline.QUESTIONS]
    return {"rows": rows, "discovery": start, "close": end, "answers": answers}


def organisation_partner_choices(*, user):
    """Organisations a user may pick as client or vendor when creating an engagement.

    Names of organisations are a shared directory; what they do together stays behind
    `Engagement.objects.visible_to`.
    """
    return Organisation.objects.all()


def organisations_visible(*, user):
    return Organisation.objects.visible_to(user)


def engagement_people(*, engagement):
    """Users of the client and the vendor: who can be staffed with a login."""
    return get_user_model().objects.filter(
        Q(organisation_id=engagement.client_id) | Q(organisation_id=engagement.vendor_id)
    ).select_related("organisation").order_by("organisation__name", "username")


def approvals_inbox(*, user):
    """Open requests this user could turn a key on now: a party, not the requester, no key yet
    in the current round."""
    from .services.approvals import internal_only_kinds

    already = Approval.objects.filter(request=OuterRef("pk"), round=OuterRef("round"), user=user)
    vendor_user = bool(user.organisation_id) and user.organisation.kind == "vendor"
    return (
        ApprovalRequest.objects.visible_to(user).filter(status=ApprovalRequest.Status.OPEN)
        .exclude(requested_by=user)
        .exclude(Exists(already))
        .exclude(kind__in=internal_only_kinds() if vendor_user else [])
        .select_related("engagement", "requested_by")
        .order_by("requested_at", "id")
    )


def ladder_for_page(*, engagement):
    """Milestones with criteria, evidence, deliverables and their acceptance requests: a fixed
    number of queries whatever the ladder's size."""
    from .models import Milestone

    return _prepared_milestones(Milestone.objects.filter(engagement=engagement),
                                engagement_ids=[engagement.pk])


def this_week(*, user, today):
    """The week's work across the user's engagements under way: open milestones of the current
    and next two weeks (overdue ones included), by due date, then the later ones. Each is
    prepared as on the ladder, with its engagement's approved changes; a fixed number of
    queries whatever the number of engagements."""
    from .models import ChangeRequest, Milestone

    engagements = Engagement.objects.visible_to(user).filter(
        status__in=[Engagement.Status.ACTIVE, Engagement.Status.TRANSITION])
    milestones = _prepared_milestones(
        Milestone.objects.filter(engagement__in=engagements.values("pk"))
        .exclude(status=Milestone.Status.ACCEPTED)
        .select_related("engagement__client", "engagement__vendor"),
        engagement_ids=engagements.values("pk"))
    changes = {}
    for change in ChangeRequest.objects.filter(engagement__in=engagements.values("pk"),
                                               status="approved"):
        changes.setdefault(change.engagement_id, []).append(change)
    for m in milestones:
        m.approved_changes = changes.get(m.engagement_id, [])
    current = [m for m in milestones if m.is_current(today)]
    # Grouped by engagement, the engagement with the earliest due date first.
    first_due = {}
    for m in current:
        first_due[m.engagement_id] = min(m.due_date, first_due.get(m.engagement_id, m.due_date))
    current.sort(key=lambda m: (first_due[m.engagement_id], m.engagement.title,
                                m.engagement_id, m.due_date, m.position))
    later = sorted((m for m in milestones if not m.is_current(today)),
                   key=lambda m: (m.start_date, m.engagement.title, m.position))
    return current, later


def _prepared_milestones(queryset, *, engagement_ids):
    from .models import AcceptanceCriterion, Evidence

    milestones = list(
        queryset
        .select_related("engagement")
        .prefetch_related(
            Prefetch(
                "criteria",
                queryset=AcceptanceCriterion.objects.select_related("verified_by").prefetch_related(
                    Prefetch("evidence", queryset=Evidence.objects.select_related(
                        "added_by", "change_request"))
                ),
            ),
            "deliverables__sessions",
        )
    )
    requests = (
        ApprovalRequest.objects.filter(engagement__in=engagement_ids,
                                       subject_type="engagement.milestone",
                                       kind=ApprovalRequest.Kind.MILESTONE_ACCEPTANCE)
        .exclude(status=ApprovalRequest.Status.CANCELLED)
        .select_related("requested_by")
        .prefetch_related(Prefetch("approvals", queryset=Approval.objects.select_related("user")))
        .order_by("requested_at", "id")
    )
    latest = {}
    for request in requests:
        latest[request.subject_id] = request  # later requests replace earlier ones
    for m in milestones:
        m.acceptance_request = latest.get(str(m.pk))
    return milestones


def milestone_get(*, user, engagement_pk, pk):
    from .models import Milestone

    return get_object_or_404(
        Milestone.objects.visible_to(user).select_related("engagement"),
        engagement_id=engagement_pk, pk=pk,
    )


def criterion_get(*, user, engagement_pk, pk):
    from .models import AcceptanceCriterion

    return get_object_or_404(
        AcceptanceCriterion.objects.visible_to(user).select_related("milestone__engagement"),
        milestone__engagement_id=engagement_pk, pk=pk,
    )


def evidence_get(*, user, engagement_pk, pk):
    from .models import Evidence

    return get_object_or_404(
        Evidence.objects.filter(
            criterion__milestone__engagement__in=Engagement.objects.visible_to(user).values("pk")),
        criterion__milestone__engagement_id=engagement_pk, pk=pk,
    )


def approved_changes(*, engagement):
    """Production changes two keys approved: evidence that releases go through two keys."""
    from .models import ChangeRequest

    return list(ChangeRequest.objects.filter(engagement=engagement, status="approved"))


def approved_change(*, engagement, pk):
    from .models import ChangeRequest

    if pk is None:
        return None
    return ChangeRequest.objects.filter(engagement=engagement, status="approved", pk=pk).first()


def raci_for_page(*, engagement):
    from .models import RaciAssignment

    return list(RaciAssignment.objects.filter(engagement=engagement).values(
        "workstream", "phase", "staffing_role", "letter"))


def approval_request_get(*, user, pk):
    return get_object_or_404(
        ApprovalRequest.objects.visible_to(user)
        .select_related("engagement", "requested_by")
        .prefetch_related(Prefetch("approvals", queryset=Approval.objects.select_related("user"))),
        pk=pk,
    )


def approvals_inbox_count(*, user):
    return approvals_inbox(user=user).count()


def progress_for(engagement_ids, *, today):
    """Ladder progress of many engagements at once (three queries whatever their number;
    `engagement_ids` may be a queryset of ids, kept as a subquery; see NO_PROGRESS):
    {engagement_id: {"milestones", "accepted", "current" (title, ownership mode label) or None,
    "overdue" (milestones past their end week and not accepted), "criteria_met",
    "criteria_total", "open_approvals"}}."""
    from datetime import timedelta

    from django.db.models import Count, QuerySet

    from .models import AcceptanceCriterion, Milestone, OwnershipMode

    ids = engagement_ids if isinstance(engagement_ids, QuerySet) else list(engagement_ids)
    out = defaultdict(lambda: dict(NO_PROGRESS))
    modes = dict(OwnershipMode.choices)
    for row in Milestone.objects.filter(engagement_id__in=ids).order_by(
            "engagement_id", "position", "id").values(
            "engagement_id", "title", "ownership_mode", "status", "end_week",
            "engagement__start_date"):
        facts = out[row["engagement_id"]]
        facts["milestones"] += 1
        if row["status"] == Milestone.Status.ACCEPTED:
            facts["accepted"] += 1
            continue
        if facts["current"] is None:
            facts["current"] = {"title": row["title"], "mode": modes.get(row["ownership_mode"], "")}
        if row["engagement__start_date"] + timedelta(weeks=row["end_week"]) < today:
            facts["overdue"] += 1
    for row in AcceptanceCriterion.objects.filter(milestone__engagement_id__in=ids).values(
            "milestone__engagement_id").annotate(
            total=Count("id"), met=Count("id", filter=Q(status="met"))):
        facts = out[row["milestone__engagement_id"]]
        facts["criteria_total"], facts["criteria_met"] = row["total"], row["met"]
    for row in ApprovalRequest.objects.filter(
            engagement_id__in=ids, status=ApprovalRequest.Status.OPEN).values(
            "engagement_id").annotate(n=Count("id")):
        out[row["engagement_id"]]["open_approvals"] = row["n"]
    return dict(out)


NO_PROGRESS = {"milestones": 0, "accepted": 0, "current": None, "overdue": 0,
               "criteria_met": 0, "criteria_total": 0, "open_approvals": 0}
