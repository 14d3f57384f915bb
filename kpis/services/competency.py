"""The competency rubric, assessments of internal people, and the independence index."""

import tomllib
from functools import cache
from pathlib import PurePath

from django.db import transaction
from django.utils import timezone

from common.errors import DomainError
from engagement.audit import audit_record, audit_record_for_organisation
from engagement.models import Side, StaffingAssignment
from engagement.rules import require
from engagement.services import check_upload

from ..models import Area, CompetencyAssessment, Level, RubricCell
from .definitions import CATALOGUE

RUBRIC = CATALOGUE.parent / "rubric.toml"


@cache
def _default_rubric():
    with RUBRIC.open("rb") as fh:
        data = tomllib.load(fh)
    return {(area, level): data[area][level] for area in Area.values for level in Level.values}


def rubric_for(organisation):
    """{(area, level): description}: the organisation's own cells over the defaults."""
    cells = dict(_default_rubric())
    if organisation is not None:
        cells.update({(c.area, c.level): c.description
                      for c in RubricCell.objects.filter(organisation=organisation)})
    return cells


@transaction.atomic
def rubric_cell_update(*, actor, organisation, area, level, description):
    require(actor, "kpis.edit_rubric", organisation)
    if area not in Area.values or level not in Level.values:
        raise DomainError("No such rubric cell.", rule="invalid_field", field="area")
    description = (description or "").strip()
    if not description:
        raise DomainError("Describe what a person at this level can do without help.",
                          rule="invalid_field", field="description")
    before = rubric_for(organisation)[(area, level)]
    RubricCell.objects.update_or_create(organisation=organisation, area=area, level=level,
                                        defaults={"description": description,
                                                  "updated_by": actor})
    audit_record_for_organisation(organisation=organisation, actor=actor,
                                  verb="rubric.changed", obj=organisation,
                                  before={"cell": f"{area}/{level}", "text": before},
                                  after={"cell": f"{area}/{level}", "text": description})


@transaction.atomic
def assessment_record(*, actor, engagement, person, area, level, assessed_on, round="other",
                      note="", evidence_url="", evidence_file=None, deliverable=None):
    """An internal person's level in an area, with evidence (a link or a file) or a note."""
    require(actor, "kpis.assess_competency", engagement)
    if not isinstance(person, StaffingAssignment) or person.engagement_id != engagement.pk:
        raise DomainError("Choose a person staffed on this engagement.", rule="invalid_field",
                          field="person")
    if person.side != Side.INTERNAL:
        raise DomainError("Competency is assessed for the client's own people; this person "
                          "is on the vendor's side.", rule="invalid_field", field="person")
    if area not in Area.values:
        raise DomainError("Choose an area of the rubric.", rule="invalid_field", field="area")
    if level not in Level.values:
        raise DomainError("The level is beginner, intermediate or independent.",
                          rule="invalid_field", field="level")
    if round not in CompetencyAssessment.Round.values:
        raise DomainError("The round is start, mid, end or other.", rule="invalid_field",
                          field="round")
    if assessed_on > timezone.localdate() or assessed_on < engagement.start_date:
        raise DomainError("The date must fall between the engagement's start and today.",
                          rule="invalid_field", field="assessed_on")
    if deliverable is not None and (deliverable.milestone.engagement_id != engagement.pk
                                    or deliverable.kind != "competency_check"):
        raise DomainError("Link the assessment to one of this engagement's competency checks.",
                          rule="invalid_field", field="deliverable")
    if not (evidence_url or evidence_file or (note or "").strip()):
        raise DomainError("Give the evidence (a link or a file) or a note on how the level was "
                          "judged.", rule="evidence_required", field="evidence_url")
    assessment = CompetencyAssessment(
        engagement=engagement, person=person, area=area, level=level, round=round,
        deliverable=deliverable, assessed_on=assessed_on, assessor=actor, note=note or "",
        evidence_url=evidence_url or "")
    if evidence_file is not None:
        check_upload(evidence_file)
        assessment.evidence_file = evidence_file
        assessment.evidence_name = PurePath(evidence_file.name).name[:200]
    assessment.full_clean()
    assessment.save()
    audit_record(engagement=engagement, actor=actor, verb="competency.assessed",
                 obj=assessment, after={"person": person.display_name, "area": area,
                                        "level": level, "round": round,
                                        "assessed_on": assessed_on})
    return assessment


@transaction.atomic
def assessment_delete(*, actor, assessment, reason):
    require(actor, "kpis.assess_competency", assessment.engagement)
    if not (reason or "").strip():
        raise DomainError("Say why the assessment is removed.", rule="invalid_field",
                          field="reason")
    audit_record(engagement=assessment.engagement, actor=actor, verb="competency.removed",
                 obj=assessment, before={"person": assessment.person_id,
                                         "area": assessment.area, "level": assessment.level},
                 reason=reason.strip())
    assessment.delete()


def independence(assessments, people, *, on=None):
    """The independence index from assessments (any order) as of `on` (or all of them).

    Only people in `people` (the engagement's internal staffing now) count: someone who left
    takes their level with them. For each area, a person's level is their latest assessment
    dated on or before `on`. Returns {"index": share of areas with at least one person at
    independent, "bus_factor": share with at least two, "areas": {area: [person ids]}}.
    """
    latest = {}
    for a in sorted(assessments, key=lambda a: (a.assessed_on, a.pk or 0)):
        if a.person_id in people and (on is None or a.assessed_on <= on):
            latest[(a.person_id, a.area)] = a.level
    areas = {area: sorted(p for (p, ar), lvl in latest.items()
                          if ar == area and lvl == Level.INDEPENDENT) for area in Area.values}
    total = len(Area.values)
    return {"index": sum(1 for v in areas.values() if v) / total,
            "bus_factor": sum(1 for v in areas.values() if len(v) >= 2) / total,
            "areas": areas}


def independence_over_time(assessments, people):
    """[(date, index, bus factor)] at each date an assessment was recorded."""
    dates = sorted({a.assessed_on for a in assessments if a.person_id in people})
    out = []
    for day in dates:
        value = independence(assessments, people, on=day)
        out.append((day, value["index"], value["bus_factor"]))
    return out


@transaction.atomic
def assessment_update(*, actor, assessment, data):
    """Correct an assessment's level, note or evidence link (audited, before and after)."""
    require(actor, "kpis.assess_competency", assessment.engagement)
    allowed = {"level", "note", "evidence_url", "round"}
    unknown = set(data) - allowed
    if unknown:
        raise DomainError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.",
                          rule="invalid_field", field=sorted(unknown)[0])
    if "level" in data and data["level"] not in Level.values:
        raise DomainError("The level is beginner, intermediate or independent.",
                          rule="invalid_field", field="level")
    locked = CompetencyAssessment.objects.select_for_update().get(pk=assessment.pk)
    before = {f: getattr(locked, f) for f in data}
    for field, value in data.items():
        setattr(locked, field, value)
    locked.full_clean()
    locked.save()
    audit_record(engagement=locked.engagement, actor=actor, verb="competency.corrected",
                 obj=locked, before=before, after=data)
    return locked
