"""The milestone ladder: generation from a template, edits, ordering and the status flow."""

import json
import math
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Max, ProtectedError
from django.urls import reverse
from django.utils import timezone

from common.errors import DomainError, RuleViolation

from ..audit import audit_record
from ..models import (
    INTERNALLY_RUN,
    OWNERSHIP_ORDER,
    AcceptanceCriterion,
    ApprovalRequest,
    Engagement,
    Evidence,
    KnowledgeTransferDeliverable,
    Milestone,
    OwnershipMode,
    Side,
)
from ..signals import gate_inputs_changed
from ._common import check_version, full_clean, lock, require, require_under_way
from .approvals import (
    ApprovalHandler,
    approval_cancel,
    approval_request_open,
    approval_reset,
    open_request_for,
    register_approval_handler,
)

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "data" / "ladders"
MS = Milestone.Status

# The one table of allowed milestone moves. Acceptance happens only through the two-key
# request (milestone_accept_on_approval), never as a direct move.
MILESTONE_TRANSITIONS = {
    MS.PLANNED: {MS.IN_PROGRESS},
    MS.IN_PROGRESS: {MS.SUBMITTED},
    MS.CHANGES_REQUESTED: {MS.SUBMITTED},
    MS.SUBMITTED: {MS.CHANGES_REQUESTED},
    MS.ACCEPTED: set(),
}
MILESTONE_EDITABLE = {"title", "description", "ownership_mode", "start_week", "end_week",
                      "stream", "kind", "is_transition"}


@cache
def ladder_template(key):
    path = TEMPLATES_DIR / f"{key}.json"
    if not key.isidentifier() or not path.exists():
        known = ", ".join(sorted(p.stem for p in TEMPLATES_DIR.glob("*.json")))
        raise DomainError(f"There is no ladder template “{key}” (known: {known}).",
                          rule="unknown_template", field="template")
    return json.loads(path.read_text())


def scale_weeks(first, last, base, weeks):
    """Map a span of the template's `base` weeks onto `weeks`, keeping order and coverage."""
    start = math.floor((first - 1) * weeks / base) + 1
    end = max(start, math.ceil(last * weeks / base))
    return start, min(end, weeks)


def _has_work(engagement):
    milestones = Milestone.objects.filter(engagement=engagement)
    return (
        milestones.exclude(status=MS.PLANNED).exists()
        or AcceptanceCriterion.objects.filter(milestone__in=milestones)
        .exclude(status=AcceptanceCriterion.Status.OPEN).exists()
        or Evidence.objects.filter(criterion__milestone__in=milestones).exists()
    )


@transaction.atomic
def ladder_generate(*, actor, engagement, template="default", weeks=None):
    """Lay the template's milestones on the engagement's calendar.

    1. refuse when any milestone has work on it (started, verified criteria, evidence);
    2. drop the untouched plan; 3. scale the template's weeks to `weeks` (default: the
    engagement's length); hybrid engagements get a delivery and an enablement stream;
    4. audit `ladder.generated`.
    """
    require(actor, "engagement.manage_ladder", engagement)
    engagement = lock(engagement)
    spec = ladder_template(template)
    weeks = weeks or engagement.length_weeks
    if not 1 <= weeks <= engagement.length_weeks:
        raise DomainError(f"The ladder must fit the engagement: 1 to {engagement.length_weeks} "
                          "weeks.", rule="invalid_field", field="weeks")
    if _has_work(engagement):
        raise RuleViolation(
            "The ladder already has work on it (a milestone started, a criterion verified or "
            "evidence attached), so it cannot be regenerated. Edit the milestones instead.",
            rule="ladder_has_work")
    removed = Milestone.objects.filter(engagement=engagement).count()
    for request in ApprovalRequest.objects.filter(
            engagement=engagement, subject_type="engagement.milestone", status="open"):
        approval_cancel(actor=actor, request=request, reason="The ladder was regenerated.")
    try:
        with transaction.atomic():
            Milestone.objects.filter(engagement=engagement).delete()
    except ProtectedError as exc:
        raise RuleViolation("Other records (payment gates, for example) point at these "
                            "milestones; remove those first, or edit the milestones instead.",
                            rule="ladder_in_use") from exc
    hybrid = engagement.format == Engagement.Format.HYBRID
    items = spec["milestones"] + (spec.get("enablement", []) if hybrid else [])
    base = spec["base_weeks"]
    criteria, deliverables = [], []
    for position, item in enumerate(items, start=1):
        start, end = scale_weeks(*item["weeks"], base, weeks)
        milestone = Milestone.objects.create(
            engagement=engagement, position=position, stream=item["stream"] if hybrid else "",
            kind=item["kind"], title=item["title"], description=item.get("description", ""),
            ownership_mode=item["ownership_mode"], is_transition=item.get("is_transition", False),
            start_week=start, end_week=end, updated_by=actor,
        )
        criteria += [AcceptanceCriterion(milestone=milestone, position=i, **c)
                     for i, c in enumerate(item.get("criteria", []), start=1)]
        deliverables += [KnowledgeTransferDeliverable(
            milestone=milestone, kind=d["kind"], title=d["title"], count=d.get("count"),
            cadence=d.get("cadence", ""), owner_role=d["owner_role"], acceptance=d["acceptance"],
        ) for d in item.get("deliverables", [])]
    AcceptanceCriterion.objects.bulk_create(criteria)
    KnowledgeTransferDeliverable.objects.bulk_create(deliverables)
    audit_record(engagement=engagement, actor=actor, verb="ladder.generated", obj=engagement,
                 after={"template": template, "weeks": weeks, "milestones": len(items),
                        "replaced": removed})
    return list(Milestone.objects.filter(engagement=engagement))


def _milestone_snapshot(m, fields=None):
    fields = fields or (*sorted(MILESTONE_EDITABLE), "position", "status")
    return {f: getattr(m, f) for f in fields}


def _check_weeks(engagement, start, end):
    if not (1 <= start <= end <= engagement.length_weeks):
        raise DomainError(
            f"Weeks must run forwards within the engagement: 1 to {engagement.length_weeks}.",
            rule="invalid_field", field="end_week" if start >= 1 else "start_week")


@transaction.atomic
def milestone_create(*, actor, engagement, title, start_week, end_week, ownership_mode,
                     description="", stream="", kind=Milestone.Kind.OTHER, is_transition=False):
    require(actor, "engagement.manage_ladder", engagement)
    engagement = lock(engagement)
    _check_weeks(engagement, start_week, end_week)
    limit = settings.OFFRAMP_MAX_MILESTONES
    if Milestone.objects.filter(engagement=engagement).count() >= limit:
        raise RuleViolation(f"An engagement has at most {limit} milestones; edit or remove "
                            "one instead.", rule="too_many")
    last = Milestone.objects.filter(engagement=engagement).aggregate(m=Max("position"))["m"] or 0
    milestone = Milestone(
        engagement=engagement, position=last + 1, title=title, description=description,
        start_week=start_week, end_week=end_week, ownership_mode=ownership_mode, stream=stream,
        kind=kind, is_transition=is_transition, updated_by=actor,
    )
    full_clean(milestone)
    milestone.save()
    audit_record(engagement=engagement, actor=actor, verb="milestone.created", obj=milestone,
                 after=_milestone_snapshot(milestone))
    return milestone


@transaction.atomic
def milestone_update(*, actor, milestone, data, expected_version=None):
    """Edit a milestone. A stale version is a conflict; an edit under review resets its keys."""
    require(actor, "engagement.manage_ladder", milestone)
    locked = lock(milestone)
    check_version(locked, expected_version, MILESTONE_EDITABLE, noun="milestone")
    unknown = set(data) - MILESTONE_EDITABLE
    if unknown:
        raise DomainError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.",
                          rule="read_only_field", field=sorted(unknown)[0])
    if locked.status == MS.ACCEPTED:
        raise RuleViolation("An accepted milestone can no longer be edited.",
                            rule="milestone_accepted")
    changed = {f: v for f, v in data.items() if getattr(locked, f) != v}
    if not changed:
        return locked
    before = _milestone_snapshot(locked, tuple(changed))
    for field, value in changed.items():
        setattr(locked, field, value)
    _check_weeks(locked.engagement, locked.start_week, locked.end_week)
    full_clean(locked)
    locked.version += 1
    locked.updated_by = actor
    locked.save()
    audit_record(engagement=locked.engagement, actor=actor, verb="milestone.updated", obj=locked,
                 before=before, after=_milestone_snapshot(locked, tuple(changed)))
    _reset_keys_if_under_review(locked, actor, "the milestone was edited")
    return locked


@transaction.atomic
def milestone_move(*, actor, milestone, direction):
    """Swap the milestone with its neighbour (the keyboard alternative to drag and drop)."""
    require(actor, "engagement.manage_ladder", milestone)
    lock(milestone.engagement)
    if direction not in ("up", "down"):
        raise DomainError("Move up or down.", rule="invalid_field", field="direction")
    siblings = Milestone.objects.filter(engagement_id=milestone.engagement_id)
    neighbour = (siblings.filter(position__lt=milestone.position).order_by("-position")
                 if direction == "up" else
                 siblings.filter(position__gt=milestone.position).order_by("position")).first()
    if neighbour is None:
        return milestone
    milestone.refresh_from_db()
    before = milestone.position
    milestone.position, neighbour.position = neighbour.position, milestone.position
    milestone.version += 1
    neighbour.version += 1
    Milestone.objects.bulk_update([milestone, neighbour], ["position", "version"])
    audit_record(engagement=milestone.engagement, actor=actor, verb="milestone.moved",
                 obj=milestone, before={"position": before},
                 after={"position": milestone.position})
    return milestone


@transaction.atomic
def milestone_delete(*, actor, milestone):
    require(actor, "engagement.manage_ladder", milestone)
    locked = lock(milestone)
    if (locked.status != MS.PLANNED
            or locked.criteria.exclude(status=AcceptanceCriterion.Status.OPEN).exists()
            or Evidence.objects.filter(criterion__milestone=locked).exists()
            or ApprovalRequest.objects.filter(subject_type="engagement.milestone",
                                              subject_id=str(locked.pk)).exists()):
        raise RuleViolation(
            "This milestone has work on it (started, verified criteria, evidence or "
            "approvals), so it cannot be removed.", rule="milestone_has_work")
    audit_record(engagement=locked.engagement, actor=actor, verb="milestone.removed",
                 obj=locked, before=_milestone_snapshot(locked))
    try:
        with transaction.atomic():
            locked.delete()
    except ProtectedError as exc:
        raise RuleViolation("A payment gate points at this milestone or its criteria; change "
                            "the gate first.", rule="milestone_in_use") from exc


REHEARSAL_RULE = (
    "Go-live needs a rehearsal retrain the internal team really did: an accepted "
    "rehearsal-retrain milestone that comes before go-live on the ladder, run by the internal "
    "team (internal leads or internal runs), whose every acceptance criterion was performed by "
    "the internal team, verified by a client-side user, with evidence attached (a CI run link, "
    "a runbook checklist).")


def accepted_rehearsals(engagement_ids):
    """The accepted, internally run rehearsal retrains of these engagements with what proves
    them, in three queries: pass them to `rehearsal_proven` when checking many go-lives."""
    return Milestone.objects.filter(
        engagement_id__in=engagement_ids, kind=Milestone.Kind.REHEARSAL_RETRAIN,
        status=MS.ACCEPTED, ownership_mode__in=list(INTERNALLY_RUN),
    ).prefetch_related("criteria__evidence", "criteria__verified_by")


def rehearsal_proven(milestone, rehearsals=None):
    """Whether an accepted rehearsal retrain before this go-live proves the internal team did
    it (a label is not enough: who performed and verified every criterion, and the evidence).
    `rehearsals`, from `accepted_rehearsals`, saves the queries when many are checked."""
    engagement = milestone.engagement
    if rehearsals is None:
        rehearsals = accepted_rehearsals([milestone.engagement_id])
    rehearsals = [r for r in rehearsals if r.engagement_id == milestone.engagement_id
                  and r.position < milestone.position]
    for rehearsal in rehearsals:
        criteria = list(rehearsal.criteria.all())
        if criteria and all(
                c.performer == Side.INTERNAL and c.status == AcceptanceCriterion.Status.MET
                and c.verified_by is not None
                and (c.verified_by.side_in(engagement) == Side.INTERNAL
                     or c.verified_by.is_superuser)
                and c.evidence.all()
                for c in criteria):
            return True
    return False


def go_live_problem(milestone, rehearsals=None):
    """The go-live milestone waits for a rehearsal retrain the internal team did."""
    if milestone.kind != Milestone.Kind.GO_LIVE or rehearsal_proven(milestone, rehearsals):
        return None
    return REHEARSAL_RULE


def submit_problems(milestone, criteria, rehearsals=None):
    problems = []
    if not criteria:
        problems.append("Add at least one acceptance criterion before submitting.")
    open_ones = [c for c in criteria if c.status != AcceptanceCriterion.Status.MET]
    if open_ones:
        problems.append(f"{len(open_ones)} of {len(criteria)} acceptance criteria are not met yet.")
    problem = go_live_problem(milestone, rehearsals)
    if problem:
        problems.append(problem)
    return problems


@transaction.atomic
def milestone_transition(*, actor, milestone, to, reason="", expected_version=None):
    """Move a milestone along planned → in_progress → submitted (→ changes_requested).

    Submitting needs every criterion met and opens the two-key acceptance request;
    requesting changes cancels that request. Acceptance itself comes from the request.
    """
    if to == MS.CHANGES_REQUESTED:
        require(actor, "engagement.review_milestone", milestone)
    else:
        require(actor, "engagement.manage_ladder", milestone)
    locked = lock(milestone)
    check_version(locked, expected_version, MILESTONE_EDITABLE, noun="milestone")
    if to not in MS.values:
        raise DomainError(f"“{to}” is not a milestone status.", rule="unknown_status", field="to")
    if to == MS.SUBMITTED:
        require(actor, "engagement.submit_milestone", locked)
    if to == MS.ACCEPTED:
        raise RuleViolation("Accepting a milestone is a two-key decision: approve its open "
                            "request in the approvals inbox.", rule="two_key_required")
    if to not in MILESTONE_TRANSITIONS[locked.status]:
        allowed = ", ".join(sorted(MILESTONE_TRANSITIONS[locked.status])) or "none"
        raise RuleViolation(f"A milestone cannot move from {locked.status} to {to} "
                            f"(allowed next: {allowed}).", rule="status_flow")
    if to == MS.SUBMITTED:
        problems = submit_problems(locked, list(locked.criteria.all()))
        if problems:
            raise RuleViolation(" ".join(problems), rule="criteria_not_met"
                                if "criteria" in problems[0] else "go_live_needs_rehearsal")
    if to == MS.CHANGES_REQUESTED and not reason.strip():
        raise DomainError("Say what needs to change.", rule="invalid_field", field="reason")
    before = locked.status
    locked.status = to
    locked.version += 1
    locked.updated_by = actor
    locked.save(update_fields=["status", "version", "updated_by", "updated_at"])
    audit_record(engagement=locked.engagement, actor=actor, verb="milestone.status_changed",
                 obj=locked, before={"status": before}, after={"status": to}, reason=reason)
    if to == MS.SUBMITTED:
        approval_request_open(actor=actor, engagement=locked.engagement,
                              kind=ApprovalRequest.Kind.MILESTONE_ACCEPTANCE, subject=locked,
                              summary=f"Accept milestone “{locked.title}”",
                              url=reverse("engagement:ladder", kwargs={"pk": locked.engagement_id})
                              + f"#m-{locked.pk}")
    if to == MS.CHANGES_REQUESTED:
        request = open_request_for(locked, ApprovalRequest.Kind.MILESTONE_ACCEPTANCE)
        if request:
            approval_cancel(actor=actor, request=request, reason=f"Changes requested: {reason}")
    return locked


def _reset_keys_if_under_review(milestone, actor, why):
    if milestone.status != MS.SUBMITTED:
        return
    request = open_request_for(milestone, ApprovalRequest.Kind.MILESTONE_ACCEPTANCE)
    if request:
        approval_reset(actor=actor, request=request, reason=f"Keys reset: {why}.")


def send_back_if_under_review(milestone, actor, why):
    """A criterion stopped being met while the milestone awaited acceptance."""
    locked = lock(milestone)
    if locked.status != MS.SUBMITTED:
        return
    request = open_request_for(locked, ApprovalRequest.Kind.MILESTONE_ACCEPTANCE)
    if request:
        approval_cancel(actor=actor, request=request, reason=why)
    locked.status = MS.CHANGES_REQUESTED
    locked.version += 1
    locked.save(update_fields=["status", "version", "updated_at"])
    audit_record(engagement=locked.engagement, actor=actor, verb="milestone.status_changed",
                 obj=locked, before={"status": MS.SUBMITTED},
                 after={"status": MS.CHANGES_REQUESTED}, reason=why)


def _milestone_of(request):
    return Milestone.objects.select_for_update().get(pk=request.subject_id)


def _check_acceptance(*, request):
    milestone = _milestone_of(request)
    require_under_way(milestone.engagement, action="accept milestones")
    problems = submit_problems(milestone, list(milestone.criteria.all()))
    if milestone.status != MS.SUBMITTED:
        problems.insert(0, "Only a submitted milestone can be accepted.")
    if problems:
        raise RuleViolation(" ".join(problems), rule="go_live_needs_rehearsal"
                            if go_live_problem(milestone) else "criteria_not_met")


def _accept(*, request, actor):
    milestone = _milestone_of(request)
    milestone.status = MS.ACCEPTED
    milestone.accepted_at = timezone.now()
    milestone.version += 1
    milestone.save(update_fields=["status", "accepted_at", "version", "updated_at"])
    audit_record(engagement=milestone.engagement, actor=actor, verb="milestone.status_changed",
                 obj=milestone, before={"status": MS.SUBMITTED},
                 after={"status": MS.ACCEPTED}, reason="Two keys turned.")
    gate_inputs_changed.send(sender=Milestone, engagement_id=milestone.engagement_id)


def _reject(*, request, actor, reason):
    milestone = _milestone_of(request)
    milestone.status = MS.CHANGES_REQUESTED
    milestone.version += 1
    milestone.save(update_fields=["status", "version", "updated_at"])
    audit_record(engagement=milestone.engagement, actor=actor, verb="milestone.status_changed",
                 obj=milestone, before={"status": MS.SUBMITTED},
                 after={"status": MS.CHANGES_REQUESTED}, reason=f"Rejected: {reason}")


register_approval_handler(
    ApprovalRequest.Kind.MILESTONE_ACCEPTANCE,
    ApprovalHandler(on_approved=_accept, on_rejected=_reject, check=_check_acceptance),
)


def ladder_warnings(engagement, milestones):
    """The glossary's warn rules for a ladder, as (milestone id or None, message) pairs."""
    warnings = []
    highest = {}
    for m in sorted(milestones, key=lambda m: (m.position, m.pk)):
        rank = OWNERSHIP_ORDER[m.ownership_mode]
        previous = highest.get(m.stream)
        if previous is not None and rank < previous[0]:
            warnings.append((m.pk, f"Ownership moves backwards at “{m.title}”: "
                             f"{OwnershipMode(m.ownership_mode).label.lower()} after "
                             f"{OwnershipMode(previous[1]).label.lower()} earlier in the ladder."))
        if previous is None or rank >= previous[0]:
            highest[m.stream] = (rank, m.ownership_mode)
    by_stream = {}
    for m in sorted(milestones, key=lambda m: (m.start_week, m.end_week, m.pk)):
        by_stream.setdefault(m.stream, []).append(m)
    for ladder in by_stream.values():
        for earlier, later in zip(ladder, ladder[1:], strict=False):
            # A shared boundary week is the handover; more than that is two at once.
            if later.start_week < earlier.end_week:
                warnings.append((later.pk, f"“{later.title}” (weeks {later.start_week}–"
                                 f"{later.end_week}) overlaps “{earlier.title}” (weeks "
                                 f"{earlier.start_week}–{earlier.end_week}) in the same "
                                 "stream: one team cannot hand over and take over at once."))
    if milestones:
        cutoff = engagement.length_weeks * 0.8
        if not any(m.is_transition and m.end_week > cutoff for m in milestones):
            warnings.append((None, "No transition milestone (documented handoff, final "
                             "teach-back, shrinking support) in the last 20% of the engagement "
                             f"(after week {math.floor(cutoff)})."))
    return warnings

