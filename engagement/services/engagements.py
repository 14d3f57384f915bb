"""Every write to engagements, staffing and baselines. Pages and the API call these."""

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from common.errors import DomainError, RuleViolation
from common.versioning import create_clean

from ..audit import audit_record
from ..models import (
    Engagement,
    ReadinessBaseline,
    StaffingAssignment,
    side_of_staffing_role,
)
from ..rules import transition_problems
from ._common import check_version, full_clean, lock, require

S = Engagement.Status

# The one table of allowed status moves.
ENGAGEMENT_TRANSITIONS = {
    S.DRAFT: {S.ACTIVE},
    S.ACTIVE: {S.TRANSITION},
    S.TRANSITION: {S.CLOSED},
    S.CLOSED: set(),
}

# Fields that shape the contract: fixed once the engagement is under way.
DRAFT_ONLY_FIELDS = {"format", "start_date", "length_weeks", "contract_value", "currency"}
EDITABLE_FIELDS = {"title", "use_case", "off_ramp_date"} | DRAFT_ONLY_FIELDS

AUDITED_FIELDS = (
    "title", "client_id", "vendor_id", "format", "use_case", "start_date", "length_weeks",
    "contract_value", "currency", "off_ramp_date", "status",
)


def _snapshot(engagement, fields=AUDITED_FIELDS):
    """The fields as people read them: the parties by name, not by id."""
    out = {}
    for f in fields:
        if f in ("client_id", "vendor_id"):
            org = getattr(engagement, f.removesuffix("_id"))
            out[f.removesuffix("_id")] = org.name if org is not None else None
        else:
            out[f] = getattr(engagement, f)
    return out


@transaction.atomic
def engagement_create(*, actor, title, client, vendor, format, start_date, length_weeks,
                      contract_value, currency="EUR", use_case="", off_ramp_date=None):
    """1. check the actor may create it; 2. validate; 3. save; 4. audit `engagement.created`."""
    require(actor, "engagement.add_engagement")
    if not actor.is_superuser:
        if actor.organisation_id not in (client.pk, vendor.pk):
            raise DomainError(
                "Your organisation must be the client or the vendor of the engagement.",
                rule="tenancy", field="client",
            )
    engagement = Engagement(
        title=title, client=client, vendor=vendor, format=format, use_case=use_case,
        start_date=start_date, length_weeks=length_weeks, contract_value=contract_value,
        currency=(currency or "").upper(), off_ramp_date=off_ramp_date, updated_by=actor,
    )
    full_clean(engagement)
    engagement.save()
    audit_record(engagement=engagement, actor=actor, verb="engagement.created", obj=engagement,
                 after=_snapshot(engagement))
    return engagement


@transaction.atomic
def engagement_update(*, actor, engagement, data, expected_version=None):
    """Change descriptive fields. A stale `expected_version` is a conflict, never a silent win."""
    require(actor, "engagement.change_engagement", engagement)
    locked = lock(engagement)
    check_version(locked, expected_version, EDITABLE_FIELDS, noun="engagement")
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        raise DomainError(
            f"These fields cannot be changed here: {', '.join(sorted(unknown))}.",
            rule="read_only_field", field=sorted(unknown)[0],
        )
    if locked.status == S.CLOSED:
        raise RuleViolation("A closed engagement can no longer be edited.", rule="closed")
    changed = {f: v for f, v in data.items() if getattr(locked, f) != v}
    frozen = set(changed) & DRAFT_ONLY_FIELDS
    if frozen and locked.status != S.DRAFT:
        raise RuleViolation(
            f"{', '.join(sorted(frozen))} can only change while the engagement is a draft.",
            rule="draft_only_field", field=sorted(frozen)[0],
        )
    if not changed:
        return locked
    before = _snapshot(locked, tuple(changed))
    for field, value in changed.items():
        setattr(locked, field, value)
    if "currency" in changed:
        locked.currency = (locked.currency or "").upper()
    full_clean(locked)
    locked.version += 1
    locked.updated_by = actor
    locked.save()
    audit_record(engagement=locked, actor=actor, verb="engagement.updated", obj=locked,
                 before=before, after=_snapshot(locked, tuple(changed)))
    return locked


def engagement_transition_problems(engagement, to_status):
    """What stands between the engagement and `to_status`, in plain words (empty = allowed)."""
    problems = []
    if to_status not in ENGAGEMENT_TRANSITIONS.get(engagement.status, set()):
        allowed = ", ".join(sorted(ENGAGEMENT_TRANSITIONS[engagement.status])) or "none"
        return [f"An engagement cannot move from {engagement.status} to {to_status} "
                f"(allowed next: {allowed})."]
    if to_status == S.ACTIVE and engagement.format == Engagement.Format.RETAINER:
        if not engagement.off_ramp_date:
            problems.append("A retainer needs an off-ramp date before it goes active.")
    problems.extend(transition_problems(engagement, to_status))
    return problems


def engagement_transition_warnings(engagement, to_status):
    """The warn-rules a move goes past only with an explicit acknowledgement (activation: the
    ladder's and the RACI's)."""
    if to_status != S.ACTIVE:
        return []
    from ..models import Milestone
    from ..selectors import raci_for_page
    from .ladder import ladder_warnings
    from .raci import raci_warnings

    milestones = list(Milestone.objects.filter(engagement=engagement))
    return ([message for _, message in ladder_warnings(engagement, milestones)]
            + raci_warnings(raci_for_page(engagement=engagement)))


@transaction.atomic
def engagement_transition(*, actor, engagement, to, reason="", acknowledge_warnings=False):
    """Move the engagement along draft → active → transition → closed.

    1. lock the row; 2. refuse a move outside the table or with an unmet precondition;
    3. save; 4. audit `engagement.status_changed` with before/after.
    """
    require(actor, "engagement.transition_engagement", engagement)
    if to not in S.values:
        raise DomainError(f"“{to}” is not an engagement status.", rule="unknown_status", field="to")
    locked = lock(engagement)
    problems = engagement_transition_problems(locked, to)
    if problems:
        rule = "status_flow" if to not in ENGAGEMENT_TRANSITIONS[locked.status] else "precondition"
        raise RuleViolation(" ".join(problems), rule=rule)
    warnings = engagement_transition_warnings(locked, to)
    if warnings and not acknowledge_warnings:
        raise RuleViolation("These warnings need an explicit acknowledgement first: "
                            + " ".join(warnings), rule="warnings_unacknowledged")
    before = locked.status
    locked.status = to
    locked.version += 1
    locked.updated_by = actor
    locked.save(update_fields=["status", "version", "updated_by", "updated_at"])
    audit_record(engagement=locked, actor=actor, verb="engagement.status_changed", obj=locked,
                 before={"status": before}, after={"status": to}, reason=reason)
    return locked


@transaction.atomic
def staffing_assign(*, actor, engagement, staffing_role, user=None, person_name=""):
    """Put a person on the engagement. The side follows from the staffing role."""
    require(actor, "engagement.change_staffing", engagement)
    side = side_of_staffing_role(staffing_role)
    if user is not None:
        user_side = user.side_in(engagement)
        if user_side is None:
            raise DomainError(f"{user} does not belong to the client or the vendor.",
                              rule="tenancy", field="user")
        if user_side != side:
            raise DomainError(
                f"{user} is on the {user_side} side but the role is a {side} role.",
                rule="staffing_side", field="staffing_role",
            )
        person_name = ""
    elif not person_name.strip():
        raise DomainError("Name a person or choose a user.", rule="invalid_field",
                          field="person_name")
    lock(engagement)
    if user is not None and StaffingAssignment.objects.filter(
        engagement=engagement, user=user, staffing_role=staffing_role
    ).exists():
        raise DomainError(f"{user} already holds that role here.", rule="duplicate",
                          field="user")
    assignment = create_clean(
        StaffingAssignment,
        engagement=engagement, user=user, person_name=person_name.strip(), side=side,
        staffing_role=staffing_role,
    )
    audit_record(engagement=engagement, actor=actor, verb="staffing.assigned", obj=assignment,
                 after={"person": assignment.display_name, "side": side,
                        "staffing_role": staffing_role})
    return assignment


@transaction.atomic
def staffing_remove(*, actor, assignment):
    engagement = assignment.engagement
    require(actor, "engagement.change_staffing", engagement)
    lock(engagement)
    before = {"person": assignment.display_name, "side": assignment.side,
              "staffing_role": assignment.staffing_role}
    try:
        with transaction.atomic():
            audit_record(engagement=engagement, actor=actor, verb="staffing.removed",
                         obj=assignment, before=before)
            StaffingAssignment.objects.filter(pk=assignment.pk).delete()
    except ProtectedError:
        # Records name this person (a competency assessment, a drill): they leave the team
        # and the records keep them.
        StaffingAssignment.objects.filter(pk=assignment.pk).update(
            left_on=timezone.localdate())
        audit_record(engagement=engagement, actor=actor, verb="staffing.left", obj=assignment,
                     before=before)


@transaction.atomic
def baseline_record(*, actor, engagement, stage, skills, process, tooling, notes="",
                    assessed_on=None, **answers):
    """Record (or re-record) the readiness baseline for one stage: scores, the diagnostic
    questions' answers (ReadinessBaseline.QUESTIONS) and notes."""
    unknown = set(answers) - set(ReadinessBaseline.QUESTIONS)
    if unknown:
        raise DomainError(f"Unknown question: {', '.join(sorted(unknown))}.",
                          rule="invalid_field", field=sorted(unknown)[0])
    require(actor, "engagement.record_baseline", engagement)
    for name, score in (("skills", skills), ("process", process), ("tooling", tooling)):
        if score not in (0, 1, 2, 3):
            raise DomainError(f"{name.capitalize()} is scored from 0 to 3.",
                              rule="invalid_field", field=name)
    if stage not in ReadinessBaseline.Stage.values:
        raise DomainError("The stage is discovery or close.", rule="invalid_field", field="stage")
    lock(engagement)
    existing = ReadinessBaseline.objects.filter(engagement=engagement, stage=stage).first()
    before = None
    if existing:
        before = {f: getattr(existing, f) for f in ("skills", "process", "tooling", "notes",
                                                    *answers)}
    answers = {q: (v or "").strip() for q, v in answers.items()}
    baseline, _ = ReadinessBaseline.objects.update_or_create(
        engagement=engagement, stage=stage,
        defaults={"skills": skills, "process": process, "tooling": tooling, "notes": notes,
                  "assessed_on": assessed_on or timezone.localdate(), "assessed_by": actor,
                  **answers},
    )
    audit_record(engagement=engagement, actor=actor, verb="baseline.recorded", obj=baseline,
                 before=before, after={"stage": stage, "skills": skills, "process": process,
                                       "tooling": tooling, "notes": notes, **answers})
    return baseline

