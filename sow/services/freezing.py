"""Freezing a draft into an immutable, hashed version."""

import hashlib

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from common.errors import RuleViolation
from engagement.audit import audit_record
from engagement.rules import require

from ..checks import ERROR, WARNING
from ..models import (
    SowVersion,
)
from .composition import document_html, engagement_facts
from .drafting import _lock_sow
from .evaluation import sow_evaluate


@transaction.atomic
def sow_freeze(*, actor, sow, justification="", acknowledge_warnings=False,
               expected_version=None):
    """Freeze the draft into an immutable version.

    1. lock the SOW (a stale editor is a conflict); 2. render every section — any template
    error refuses the freeze; 3. run the check — error findings need a written justification,
    and warnings are never passed silently: they need `acknowledge_warnings` (True, or the
    keys of the warnings the person read: one not among them refuses) and the written why;
    4. store HTML, SHA-256 and the source structure, with who acknowledged which warnings,
    when and why; 5. audit `sow.warnings_acknowledged` and `sow.frozen`.
    """
    require(actor, "sow.draft_sow", sow.engagement)
    sow = _lock_sow(sow, expected_version)
    sections = list(sow.sections.select_related("clause_version__clause"))
    if not sections:
        raise RuleViolation("Add at least one section before freezing.", rule="empty_sow")
    rendered, findings, check_score = sow_evaluate(sow, sections)
    broken = [r for r in rendered if r.error]
    if broken:
        raise RuleViolation("These sections do not render: " + "; ".join(
            f"{r.number}. {r.heading} ({r.error.message})" for r in broken),
            rule="template_invalid")
    errors = [f for f in findings if f.severity == ERROR]
    warnings = [f for f in findings if f.severity == WARNING]
    if errors and not justification.strip():
        raise RuleViolation(
            f"The SOW check found {len(errors)} error{'s' if len(errors) != 1 else ''}; "
            "freezing anyway needs a written justification.", rule="justification_required")
    if warnings and not acknowledge_warnings:
        raise RuleViolation(
            f"The SOW check found {len(warnings)} warning{'s' if len(warnings) != 1 else ''} "
            "(" + "; ".join(f.message for f in warnings[:3])
            + ("; …" if len(warnings) > 3 else "") + "). Acknowledge them to freeze anyway.",
            rule="warnings_unacknowledged")
    if warnings and not isinstance(acknowledge_warnings, bool):
        # The keys of the warnings the person read: any other is new since then.
        unseen = [f for f in warnings if f.key not in set(acknowledge_warnings)]
        if unseen:
            raise RuleViolation(
                f"{len(unseen)} warning{'s' if len(unseen) != 1 else ''} appeared since you read "
                "the check (" + "; ".join(f.message for f in unseen[:3]) + "). Read "
                f"{'them' if len(unseen) != 1 else 'it'} and acknowledge again.",
                rule="warnings_changed")
    if warnings and not justification.strip():
        raise RuleViolation("Say why you freeze with these warnings: the acknowledgement is "
                            "recorded with your reason.", rule="justification_required")
    now = timezone.now()
    acknowledged = {
        "by": actor.get_username(), "by_id": actor.pk, "at": now.isoformat(),
        "why": justification.strip(),
        "warnings": [{"key": f.key, "rule": f.rule, "message": f.message} for f in warnings],
    } if warnings else None
    facts = engagement_facts(sow.engagement)
    html = document_html(sow, rendered, facts)
    last = sow.versions.aggregate(m=Max("number"))["m"] or 0
    source = {
        "title": sow.title,
        "engagement": facts,
        "sections": [{
            "position": r.number, "key": r.key, "heading": r.heading,
            "clause_version": r.section.clause_version_id,
            "clause_version_number": r.section.clause_version.number
            if r.section.clause_version_id else None,
            "schedule": r.section.schedule, "override": bool(r.section.override_body),
            "own": r.section.is_own, "number_label": r.section.number_label,
            "label": r.label,
            "body": r.body, "html": r.html,
        } for r in rendered],
        "check": {"score": check_score, "findings": [f.as_dict() for f in findings],
                  "acknowledged": acknowledged},
    }
    version = SowVersion.objects.create(
        sow=sow, number=last + 1, html=html, sha256=hashlib.sha256(html.encode()).hexdigest(),
        source=source, author=actor, created_at=now,
        justification=justification.strip())
    if acknowledged:
        audit_record(engagement=sow.engagement, actor=actor,
                     verb="sow.warnings_acknowledged", obj=version,
                     after={"version": version.number, "warnings": acknowledged["warnings"]},
                     reason=justification.strip())
    audit_record(engagement=sow.engagement, actor=actor, verb="sow.frozen", obj=version,
                 after={"version": version.number, "sha256": version.sha256,
                        "score": check_score, "errors": len(errors),
                        "warnings": len(warnings)},
                 reason=justification.strip())
    return version
