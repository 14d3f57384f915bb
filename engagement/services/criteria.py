"""Acceptance criteria, their evidence and knowledge-transfer deliverables."""

import mimetypes
from pathlib import PurePath

from django.conf import settings
from django.db import transaction
from django.db.models import Max, ProtectedError
from django.utils import timezone
from django.utils.text import Truncator

from common.errors import DomainError, RuleViolation
from common.versioning import create_clean

from ..audit import audit_record
from ..models import (
    AcceptanceCriterion,
    Evidence,
    KnowledgeTransferDeliverable,
    KnowledgeTransferSession,
    Milestone,
    Side,
)
from ..signals import gate_inputs_changed
from ._common import full_clean, lock, require
from .ladder import _reset_keys_if_under_review, send_back_if_under_review

CS = AcceptanceCriterion.Status
CRITERION_FIELDS = ("statement", "method", "performer")


def _open_for_changes(milestone):
    if milestone.status == Milestone.Status.ACCEPTED:
        raise RuleViolation("The milestone is accepted; its criteria are closed.",
                            rule="milestone_accepted")


@transaction.atomic
def criterion_add(*, actor, milestone, statement, method, performer=Side.INTERNAL):
    require(actor, "engagement.manage_ladder", milestone)
    milestone = lock(milestone)
    _open_for_changes(milestone)
    limit = settings.OFFRAMP_MAX_CRITERIA
    if milestone.criteria.count() >= limit:
        raise RuleViolation(f"A milestone has at most {limit} acceptance criteria.",
                            rule="too_many")
    last = milestone.criteria.aggregate(m=Max("position"))["m"] or 0
    criterion = AcceptanceCriterion(milestone=milestone, position=last + 1, statement=statement,
                                    method=method, performer=performer)
    full_clean(criterion)
    criterion.save()
    audit_record(engagement=milestone.engagement, actor=actor, verb="criterion.added",
                 obj=criterion, after={f: getattr(criterion, f) for f in CRITERION_FIELDS})
    # A new, open criterion means the submitted milestone no longer meets its bar.
    send_back_if_under_review(milestone, actor, "A criterion was added while under review.")
    return criterion


@transaction.atomic
def criterion_update(*, actor, criterion, data):
    require(actor, "engagement.manage_ladder", criterion.milestone)
    milestone = lock(criterion.milestone)  # lock order everywhere: milestone, then criterion
    _open_for_changes(milestone)
    locked = lock(criterion)
    changed = {f: v for f, v in data.items() if f in CRITERION_FIELDS and getattr(locked, f) != v}
    if not changed:
        return locked
    before = {f: getattr(locked, f) for f in changed}
    for f, v in changed.items():
        setattr(locked, f, v)
    full_clean(locked)
    locked.save(update_fields=list(changed))
    audit_record(engagement=milestone.engagement, actor=actor, verb="criterion.updated",
                 obj=locked, before=before, after=changed)
    _reset_keys_if_under_review(milestone, actor, "an acceptance criterion was edited")
    return locked


@transaction.atomic
def criterion_verify(*, actor, criterion, status, note=""):
    """Mark a criterion met, not met, or open again; who and when are recorded."""
    if status not in CS.values:
        raise DomainError("The status is open, met or not_met.", rule="invalid_field",
                          field="status")
    require(actor, "engagement.verify_criterion", criterion)
    milestone = lock(criterion.milestone)
    _open_for_changes(milestone)
    locked = lock(criterion)
    if locked.status == status and locked.note == note:
        return locked
    if status == CS.NOT_MET and not note.strip():
        raise DomainError("Say why the criterion is not met.", rule="invalid_field",
                          field="note")
    if status == CS.MET and not locked.evidence.exists() and not note.strip():
        raise DomainError("Attach evidence or write a note saying how it was verified.",
                          rule="evidence_required", field="note")
    before = {"status": locked.status}
    locked.status = status
    locked.note = note
    if status == CS.OPEN:
        locked.verified_by, locked.verified_at = None, None
    else:
        locked.verified_by, locked.verified_at = actor, timezone.now()
    locked.save(update_fields=["status", "note", "verified_by", "verified_at"])
    audit_record(engagement=milestone.engagement, actor=actor, verb="criterion.verified",
                 obj=locked, before=before, after={"status": status}, reason=note)
    if before["status"] == CS.MET and status != CS.MET:
        send_back_if_under_review(milestone, actor,
                                  f"Criterion “{Truncator(locked.statement).words(12)}” is no longer met.")
    gate_inputs_changed.send(sender=AcceptanceCriterion, engagement_id=milestone.engagement_id)
    return locked


def check_upload(upload):
    """The evidence rules for an uploaded file (size and accepted types): its content type,
    or a DomainError on `file`. Other apps storing evidence (drill postmortems, competency
    assessments) use the same rules."""
    return _check_upload(upload)


def _check_upload(upload):
    limit = settings.OFFRAMP_EVIDENCE_MAX_BYTES
    if upload.size > limit:
        raise DomainError(f"The file is {upload.size // 1024} KiB; the limit is "
                          f"{limit // (1024 * 1024)} MiB.", rule="file_too_large", field="file")
    suffix = PurePath(upload.name).suffix.lower()
    if suffix not in settings.OFFRAMP_EVIDENCE_TYPES:
        allowed = ", ".join(sorted(settings.OFFRAMP_EVIDENCE_TYPES))
        raise DomainError(f"Files of type “{suffix or 'none'}” are not accepted as evidence "
                          f"(accepted: {allowed}).", rule="file_type", field="file")
    return mimetypes.guess_type(upload.name)[0] or "application/octet-stream"


@transaction.atomic
def evidence_add(*, actor, criterion, kind="", url="", file=None, note="", change_request=None):
    """Attach a link, a file or a note. Anyone on either side may add evidence. Without a
    kind, the kind follows from what was given (`evidence_kind`)."""
    require(actor, "engagement.add_evidence", criterion.milestone)
    kind = kind or evidence_kind(file=file, url=url, note=note, change_request=change_request)
    if kind is None:
        raise DomainError(NOTHING_GIVEN, rule="invalid_field", field="file")
    milestone = lock(criterion.milestone)
    _open_for_changes(milestone)
    evidence = Evidence(criterion=criterion, kind=kind, url=url, note=note, added_by=actor)
    if kind == Evidence.Kind.FILE:
        if file is None:
            raise DomainError("Choose a file to upload.", rule="invalid_field", field="file")
        evidence.content_type = _check_upload(file)
        evidence.size = file.size
        evidence.original_name = PurePath(file.name).name[:200]
        evidence.file = file
    elif kind == Evidence.Kind.LINK and not url:
        raise DomainError("Give the link's address.", rule="invalid_field", field="url")
    elif kind == Evidence.Kind.NOTE and not note.strip():
        raise DomainError("Write the note.", rule="invalid_field", field="note")
    elif kind == Evidence.Kind.CHANGE:
        if (change_request is None or change_request.engagement_id != milestone.engagement_id
                or change_request.status != "approved"):
            raise DomainError("Choose a production change of this engagement that two keys "
                              "approved.", rule="invalid_field", field="change_request")
        evidence.change_request = change_request
    full_clean(evidence)
    evidence.save()
    audit_record(engagement=milestone.engagement, actor=actor, verb="evidence.added",
                 obj=evidence, after={"criterion": criterion.pk, "kind": kind,
                                      "name": str(evidence)[:200]})
    return evidence


NOTHING_GIVEN = "Choose a file, paste a link or write a note."


def evidence_kind(*, file=None, url="", note="", change_request=None):
    """The kind of evidence follows from what was filled: a file, else a link, else an approved
    change, else a note. None when nothing was given."""
    if file is not None:
        return Evidence.Kind.FILE
    if url and url.strip():
        return Evidence.Kind.LINK
    if change_request is not None:
        return Evidence.Kind.CHANGE
    if note and note.strip():
        return Evidence.Kind.NOTE
    return None


@transaction.atomic
def criterion_record(*, actor, criterion, status="", file=None, url="", note=""):
    """One submit of a criterion's panel: attach what was given (a file and/or a link) as
    evidence and, with a status, verify the criterion in the same transaction.

    Without a status this only attaches evidence; a note alone then becomes note evidence.
    With a status the note says how it was verified (or why it is not met). Either everything
    is recorded or nothing is."""
    url, note = (url or "").strip(), (note or "").strip()
    if status:
        # Refuse before anything is stored, so a refused verification leaves no evidence.
        require(actor, "engagement.verify_criterion", criterion)
        if file is None and not url and not note and status == CS.MET \
                and not criterion.evidence.exists():
            raise DomainError("Attach a file, paste a link or write how it was verified.",
                              rule="evidence_required", field="note")
    elif evidence_kind(file=file, url=url, note=note) is None:
        raise DomainError(NOTHING_GIVEN, rule="invalid_field", field="file")
    added = []
    if file is not None:
        added.append(evidence_add(actor=actor, criterion=criterion, kind=Evidence.Kind.FILE,
                                  file=file, note="" if status else note))
    if url:
        added.append(evidence_add(actor=actor, criterion=criterion, kind=Evidence.Kind.LINK,
                                  url=url, note="" if status or file is not None else note))
    if not status:
        if not added:
            added.append(evidence_add(actor=actor, criterion=criterion,
                                      kind=Evidence.Kind.NOTE, note=note))
        return added
    criterion_verify(actor=actor, criterion=criterion, status=status, note=note)
    return added


@transaction.atomic
def deliverable_add(*, actor, milestone, kind, title, owner_role, acceptance, count=None,
                    cadence="", hours=None, participants="", description=""):
    require(actor, "engagement.manage_ladder", milestone)
    milestone = lock(milestone)
    _open_for_changes(milestone)
    if count is None and not cadence.strip():
        raise DomainError("Knowledge transfer is paid work: give a count or a cadence.",
                          rule="deliverable_needs_count_or_cadence", field="count")
    deliverable = KnowledgeTransferDeliverable(
        milestone=milestone, kind=kind, title=title, owner_role=owner_role,
        acceptance=acceptance, count=count, cadence=cadence, hours=hours,
        participants=participants, description=description)
    full_clean(deliverable)
    deliverable.save()
    audit_record(engagement=milestone.engagement, actor=actor, verb="deliverable.added",
                 obj=deliverable, after={"kind": kind, "title": title, "count": count,
                                         "cadence": cadence, "owner_role": owner_role,
                                         "hours": hours, "participants": participants})
    return deliverable


# --- Removal while the milestone is open (read-only once it is accepted) -----------------------

@transaction.atomic
def criterion_remove(*, actor, criterion):
    """Remove a criterion of a milestone not yet accepted (audited; a payment gate that
    points at it must change first)."""
    require(actor, "engagement.manage_ladder", criterion.milestone)
    milestone = lock(criterion.milestone)
    _open_for_changes(milestone)
    locked = lock(criterion)
    audit_record(engagement=milestone.engagement, actor=actor, verb="criterion.removed",
                 obj=locked, before={f: getattr(locked, f) for f in CRITERION_FIELDS})
    try:
        with transaction.atomic():
            locked.delete()
    except ProtectedError as exc:
        raise RuleViolation("A payment gate points at this criterion; change the gate first.",
                            rule="criterion_in_use") from exc
    _reset_keys_if_under_review(milestone, actor, "an acceptance criterion was removed")


@transaction.atomic
def evidence_remove(*, actor, evidence):
    """Take back evidence: its author, or whoever manages the ladder, while the milestone is
    open. A criterion already met keeps its verification note."""
    milestone = lock(evidence.criterion.milestone)
    _open_for_changes(milestone)
    if evidence.added_by_id != actor.pk:
        require(actor, "engagement.manage_ladder", milestone)
    else:
        require(actor, "engagement.add_evidence", milestone)
    audit_record(engagement=milestone.engagement, actor=actor, verb="evidence.removed",
                 obj=evidence, before={"criterion": evidence.criterion_id,
                                       "kind": evidence.kind, "name": str(evidence)[:200]})
    evidence.delete()


@transaction.atomic
def deliverable_remove(*, actor, deliverable):
    require(actor, "engagement.manage_ladder", deliverable.milestone)
    milestone = lock(deliverable.milestone)
    _open_for_changes(milestone)
    audit_record(engagement=milestone.engagement, actor=actor, verb="deliverable.removed",
                 obj=deliverable, before={"kind": deliverable.kind, "title": deliverable.title})
    deliverable.delete()


# --- Knowledge transfer delivered and accepted ----------------------------------------------

@transaction.atomic
def deliverable_accept(*, actor, deliverable, delivered=None):
    """A client-side user accepts a knowledge-transfer deliverable (how many were delivered,
    when a count was promised). It then counts for transition and for payment gates."""
    require(actor, "engagement.accept_deliverable", deliverable.milestone)
    lock(deliverable.milestone)
    locked = lock(deliverable, engagement_id=deliverable.milestone.engagement_id)
    if locked.accepted_at:
        raise RuleViolation("This deliverable is accepted already.", rule="status_flow")
    if delivered is not None:
        locked.delivered = delivered
    if locked.count and locked.delivered < locked.count:
        raise DomainError(f"{locked.delivered} of {locked.count} delivered: accept it when all "
                          "are delivered, or waive the rest with a reason.",
                          rule="deliverable_incomplete", field="delivered")
    locked.accepted_at, locked.accepted_by, locked.waived_reason = timezone.now(), actor, ""
    locked.save(update_fields=["delivered", "accepted_at", "accepted_by", "waived_reason"])
    audit_record(engagement=deliverable.milestone.engagement, actor=actor,
                 verb="deliverable.accepted", obj=locked,
                 after={"title": locked.title, "delivered": locked.delivered})
    gate_inputs_changed.send(sender=KnowledgeTransferDeliverable,
                             engagement_id=deliverable.milestone.engagement_id)
    return locked


@transaction.atomic
def deliverable_waive(*, actor, deliverable, reason):
    """Agree that a deliverable is not needed after all; the reason is kept and audited."""
    require(actor, "engagement.accept_deliverable", deliverable.milestone)
    if not reason.strip():
        raise DomainError("Say why it is waived.", rule="invalid_field", field="reason")
    lock(deliverable.milestone)
    locked = lock(deliverable, engagement_id=deliverable.milestone.engagement_id)
    if locked.accepted_at:
        raise RuleViolation("This deliverable is accepted already.", rule="status_flow")
    locked.waived_reason = reason.strip()
    locked.save(update_fields=["waived_reason"])
    audit_record(engagement=deliverable.milestone.engagement, actor=actor,
                 verb="deliverable.waived", obj=locked, after={"title": locked.title},
                 reason=locked.waived_reason)
    return locked


@transaction.atomic
def deliverable_session_log(*, actor, deliverable, held_on, duration_minutes, attendees,
                            materials_url=""):
    """Record a knowledge-transfer session (either side holds them); a deliverable promised as
    a count counts its sessions as delivered."""
    require(actor, "engagement.add_evidence", deliverable.milestone)
    lock(deliverable.milestone)
    locked = lock(deliverable, engagement_id=deliverable.milestone.engagement_id)
    if locked.accepted_at or locked.waived_reason:
        raise RuleViolation("This deliverable is settled already; its sessions are closed.",
                            rule="status_flow")
    if held_on > timezone.localdate():
        raise DomainError("A session is logged once it was held.", rule="invalid_field",
                          field="held_on")
    session = create_clean(KnowledgeTransferSession, deliverable=locked, held_on=held_on,
                           duration_minutes=duration_minutes, attendees=attendees,
                           materials_url=materials_url, logged_by=actor)
    locked.delivered += 1
    locked.save(update_fields=["delivered"])
    audit_record(engagement=deliverable.milestone.engagement, actor=actor,
                 verb="deliverable.session_logged", obj=session,
                 after={"deliverable": locked.title, "held_on": held_on,
                        "minutes": duration_minutes, "attendees": attendees})
    return session


DELIVERABLE_FIELDS = ("kind", "title", "description", "count", "cadence", "hours",
                      "participants", "owner_role", "acceptance")


@transaction.atomic
def deliverable_update(*, actor, deliverable, data):
    """Change a knowledge-transfer deliverable while its milestone is open and it is not yet
    accepted or waived (audited with before and after)."""
    require(actor, "engagement.manage_ladder", deliverable.milestone)
    milestone = lock(deliverable.milestone)
    _open_for_changes(milestone)
    locked = lock(deliverable, engagement_id=milestone.engagement_id)
    if locked.accepted_at or locked.waived_reason:
        raise RuleViolation("This deliverable is settled already; it can no longer change.",
                            rule="status_flow")
    changed = {f: v for f, v in data.items()
               if f in DELIVERABLE_FIELDS and getattr(locked, f) != v}
    if not changed:
        return locked
    before = {f: getattr(locked, f) for f in changed}
    for f, v in changed.items():
        setattr(locked, f, v)
    if locked.count is None and not (locked.cadence or "").strip():
        raise DomainError("Knowledge transfer is paid work: give a count or a cadence.",
                          rule="deliverable_needs_count_or_cadence", field="count")
    full_clean(locked)
    locked.save(update_fields=list(changed))
    audit_record(engagement=milestone.engagement, actor=actor, verb="deliverable.updated",
                 obj=locked, before=before, after=changed)
    return locked


@transaction.atomic
def evidence_update(*, actor, evidence, url=None, note=None):
    """Correct a link or a note (a file is replaced by removing it and attaching another),
    by its author or whoever manages the ladder, while the milestone is open."""
    milestone = lock(evidence.criterion.milestone)
    _open_for_changes(milestone)
    if evidence.added_by_id != actor.pk:
        require(actor, "engagement.manage_ladder", milestone)
    else:
        require(actor, "engagement.add_evidence", milestone)
    before = {"url": evidence.url, "note": evidence.note}
    if url is not None and evidence.kind == Evidence.Kind.LINK:
        evidence.url = url
    if note is not None:
        evidence.note = note
    if evidence.kind == Evidence.Kind.LINK and not evidence.url:
        raise DomainError("Give the link's address.", rule="invalid_field", field="url")
    full_clean(evidence)
    evidence.save(update_fields=["url", "note"])
    audit_record(engagement=milestone.engagement, actor=actor, verb="evidence.updated",
                 obj=evidence, before=before, after={"url": evidence.url, "note": evidence.note})
    return evidence
