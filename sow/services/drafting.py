"""Drafting a SOW: sections from the library or generated schedules, edits, order, preview."""

from django.db import transaction

from common.errors import ConflictError, DomainError, RuleViolation
from common.versioning import create_clean
from engagement.audit import audit_record
from engagement.rules import require
from engagement.services import lock

from ..context import VARIABLES, build_context
from ..models import (
    ClauseVersion,
    Schedule,
    SowDocument,
    SowSection,
)
from ..templating import ClauseTemplateError, render
from .library import TemplateInvalid, check_template

MAX_SECTIONS = 200


def _lock_sow(sow, expected_version):
    locked = lock(sow)
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            "Someone else changed this SOW after you opened it. Nothing of yours was saved; "
            "reload to see their changes, then make yours again.",
            current={"sections": str(locked.sections.count()), "version": str(locked.version)},
            changed_by=str(locked.updated_by or "someone"), changed_at=locked.updated_at)
    return locked


def _touch(sow, actor):
    sow.version += 1
    sow.updated_by = actor
    sow.save(update_fields=["version", "updated_by", "updated_at"])


@transaction.atomic
def sow_create(*, actor, engagement, title):
    require(actor, "sow.draft_sow", engagement)
    if not title.strip():
        raise DomainError("Give the SOW a title.", rule="invalid_field", field="title")
    sow = create_clean(SowDocument, engagement=engagement, title=title.strip(),
                                     updated_by=actor)
    audit_record(engagement=engagement, actor=actor, verb="sow.created", obj=sow,
                 after={"title": sow.title})
    return sow


@transaction.atomic
def sow_section_add(*, actor, sow, clause_version=None, schedule="", expected_version=None):
    """Append a pinned clause version (or a generated schedule) at the end of the SOW."""
    require(actor, "sow.draft_sow", sow.engagement)
    sow = _lock_sow(sow, expected_version)
    if (clause_version is None) == (not schedule):
        raise DomainError("Add either a clause or a schedule.", rule="invalid_field",
                          field="clause_version")
    if schedule and schedule not in Schedule.values:
        raise DomainError(f"“{schedule}” is not a schedule.", rule="invalid_field",
                          field="schedule")
    if clause_version is not None and clause_version.status != ClauseVersion.Status.PUBLISHED:
        raise RuleViolation(f"Version {clause_version.number} of that clause is "
                            f"{clause_version.get_status_display().lower()}; SOWs use published "
                            "versions only.", rule="clause_not_published")
    count = sow.sections.count()
    if count >= MAX_SECTIONS:
        raise RuleViolation(f"A SOW has at most {MAX_SECTIONS} sections.", rule="too_many")
    section = SowSection.objects.create(sow=sow, position=count + 1,
                                        clause_version=clause_version, schedule=schedule)
    _touch(sow, actor)
    audit_record(engagement=sow.engagement, actor=actor, verb="sow.section_added", obj=sow,
                 after={"section": section.pk, "heading": section.heading,
                        "clause_version": str(clause_version) if clause_version else "",
                        "schedule": schedule})
    return section


@transaction.atomic
def sow_section_edit(*, actor, section, override_body, expected_version=None):
    """Keep an edited text for one section (an override of its pinned clause version)."""
    require(actor, "sow.draft_sow", section.sow.engagement)
    sow = _lock_sow(section.sow, expected_version)
    if section.schedule:
        raise RuleViolation("Schedules are generated from the engagement; edit the ladder, "
                            "RACI or KPIs instead.", rule="schedule_generated")
    body = override_body.strip()
    if body == section.clause_version.body.strip():
        body = ""
    if body:
        check_template(body, field="override_body")
        # Fields of documented variables are only known against real data: try it.
        try:
            render(body, build_context(sow.engagement_id), known_variables=VARIABLES.keys())
        except ClauseTemplateError as exc:
            raise TemplateInvalid(exc, field="override_body") from exc
    before = {"override": bool(section.override_body)}
    section.override_body = body
    section.save(update_fields=["override_body"])
    _touch(sow, actor)
    audit_record(engagement=sow.engagement, actor=actor, verb="sow.section_edited", obj=sow,
                 before=before, after={"section": section.pk, "override": bool(body)})
    return section


@transaction.atomic
def sow_section_remove(*, actor, section, expected_version=None):
    require(actor, "sow.draft_sow", section.sow.engagement)
    sow = _lock_sow(section.sow, expected_version)
    heading = section.heading
    section.delete()
    for i, s in enumerate(sow.sections.order_by("position", "id"), start=1):
        if s.position != i:
            SowSection.objects.filter(pk=s.pk).update(position=i)
    _touch(sow, actor)
    audit_record(engagement=sow.engagement, actor=actor, verb="sow.section_removed", obj=sow,
                 before={"heading": heading})


@transaction.atomic
def sow_reorder(*, actor, sow, order, expected_version=None):
    """Put the sections in the given order (a list of every section id, once)."""
    require(actor, "sow.draft_sow", sow.engagement)
    sow = _lock_sow(sow, expected_version)
    ids = list(sow.sections.values_list("pk", flat=True))
    if sorted(ids) != sorted(order):
        raise DomainError("The new order must list every section of the SOW exactly once.",
                          rule="invalid_field", field="order")
    sections = {s.pk: s for s in sow.sections.all()}
    for position, pk in enumerate(order, start=1):
        sections[pk].position = position
    SowSection.objects.bulk_update(sections.values(), ["position"])
    _touch(sow, actor)
    audit_record(engagement=sow.engagement, actor=actor, verb="sow.reordered", obj=sow,
                 after={"order": list(order)})


def sow_section_move(*, actor, section, direction, expected_version=None):
    order = list(section.sow.sections.order_by("position", "id").values_list("pk", flat=True))
    i = order.index(section.pk)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
    return sow_reorder(actor=actor, sow=section.sow, order=order,
                       expected_version=expected_version)


def sow_preview(*, actor, sow, body):
    """Render text with the engagement's real data, without saving anything."""
    require(actor, "sow.draft_sow", sow.engagement)
    try:
        return render(body, build_context(sow.engagement_id), known_variables=VARIABLES.keys())
    except ClauseTemplateError as exc:
        raise TemplateInvalid(exc) from exc
