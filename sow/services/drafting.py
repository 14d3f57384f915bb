"""Drafting a SOW: sections from the library or generated schedules, edits, order, preview."""

from django.db import transaction
from django.db.models import F

from common.errors import ConflictError, DomainError, RuleViolation
from common.versioning import create_clean
from engagement.audit import audit_record
from engagement.rules import require
from engagement.services import lock

from ..context import VARIABLES, build_context
from ..models import (
    Category,
    ClauseVersion,
    Schedule,
    SowDocument,
    SowSection,
)
from ..templating import ClauseTemplateError, render
from .library import TemplateInvalid, check_template

MAX_SECTIONS = 200
MAX_OWN_TEXT = 50_000


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


CATEGORY_ORDER = {value: i for i, value in enumerate(Category.values)}


def _category_of(section):
    if section.clause_version_id:
        return section.clause_version.clause.category
    return section.category


def _category_position(sow, category):
    """Where a clause of `category` belongs: after the last section of the same or an earlier
    category, else before the first later one or the first schedule, else at the end."""
    rank = CATEGORY_ORDER.get(category, len(CATEGORY_ORDER))
    sections = list(sow.sections.select_related("clause_version__clause").order_by(
        "position", "id"))
    after = [i for i, s in enumerate(sections, start=1)
             if not s.schedule and _category_of(s)
             and CATEGORY_ORDER.get(_category_of(s), 99) <= rank]
    if after:
        return max(after) + 1
    later = [i for i, s in enumerate(sections, start=1) if s.schedule or (
        _category_of(s) and CATEGORY_ORDER.get(_category_of(s), 99) > rank)]
    return min(later) if later else len(sections) + 1


def _make_room(sow, position):
    """Shift the sections at `position` and after down by one (positions stay 1..n)."""
    sow.sections.filter(position__gte=position).update(position=F("position") + 1)


@transaction.atomic
def sow_section_add(*, actor, sow, clause_version=None, schedule="", expected_version=None,
                    placement="end"):
    """Add a pinned clause version (or a generated schedule): at the end of the SOW, or with
    `placement="category"` in its category's place (how the check's fixes are inserted)."""
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
    position = count + 1
    if placement == "category" and clause_version is not None:
        position = _category_position(sow, clause_version.clause.category)
        _make_room(sow, position)
    section = SowSection.objects.create(sow=sow, position=position,
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
    if section.is_own:
        # The engagement's own text is literal: never a template, and never empty (remove
        # the section instead).
        if not body:
            raise DomainError("An imported section needs its text; to drop it, remove the "
                              "section.", rule="invalid_field", field="override_body")
        if len(body) > MAX_OWN_TEXT:
            raise DomainError(f"A section holds at most {MAX_OWN_TEXT:,} characters.",
                              rule="invalid_field", field="override_body")
    elif body == section.clause_version.body.strip():
        body = ""
    if body and not section.is_own:
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
def sow_section_replace(*, actor, section, clause_version, expected_version=None):
    """Put a library clause in place of a section (an imported one that contradicts it, or an
    edited clause that lost its commitment), in the same position. The replaced text stays
    in the audit event, so nothing is lost."""
    require(actor, "sow.draft_sow", section.sow.engagement)
    sow = _lock_sow(section.sow, expected_version)
    if section.schedule:
        raise RuleViolation("Schedules are generated from the engagement; they are not "
                            "replaced by clauses.", rule="schedule_generated")
    if clause_version.status != ClauseVersion.Status.PUBLISHED:
        raise RuleViolation(f"Version {clause_version.number} of that clause is "
                            f"{clause_version.get_status_display().lower()}; SOWs use published "
                            "versions only.", rule="clause_not_published")
    twin = sow.sections.filter(clause_version__clause=clause_version.clause).exclude(
        pk=section.pk).first()
    if twin is not None:
        raise RuleViolation(f"“{clause_version.clause.title}” is already section {twin.position} "
                            "of this SOW; remove this section instead, or edit it.",
                            rule="clause_already_present")
    before = {"section": section.pk, "heading": section.heading,
              "number_label": section.number_label,
              "clause_version": str(section.clause_version) if section.clause_version_id
              else "", "text": section.override_body}
    # It keeps its place and its number in the original's numbering.
    section.clause_version = clause_version
    section.override_body = section.title = section.category = ""
    section.save(update_fields=["clause_version", "override_body", "title", "category"])
    _touch(sow, actor)
    audit_record(engagement=sow.engagement, actor=actor, verb="sow.section_replaced", obj=sow,
                 before=before, after={"section": section.pk,
                                       "clause_version": str(clause_version)})
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
