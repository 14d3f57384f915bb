"""Every write in the SOW app: the clause library, SOW drafting, freezing, review and signing."""

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from common.errors import ConflictError, DomainError, RuleViolation
from engagement.audit import audit_record, audit_record_for_organisation
from engagement.models import ApprovalRequest, Milestone, Side
from engagement.rules import require
from engagement.services import approval_request_open, lock, register_approval_handler
from engagement.services.approvals import ApprovalHandler
from engagement.transitions import transition

from ..checks import ERROR, SectionFacts, SowFacts, run_checks, score
from ..context import VARIABLES, build_context
from ..models import (
    Clause,
    ClauseVersion,
    Schedule,
    SowDocument,
    SowSection,
    SowVersion,
)
from ..schedules import render_schedule
from ..templating import ClauseTemplateError, plain_text, render, validate

LIBRARY_FILE = Path(__file__).resolve().parent.parent / "data" / "clauses.toml"
MAX_SECTIONS = 200


class TemplateInvalid(DomainError):
    """A clause body with problems; `problems` lists them with line numbers."""

    def __init__(self, error: ClauseTemplateError, field="body"):
        super().__init__("The clause text has problems: " + str(error), rule="template_invalid",
                         field=field)
        self.problems = error.as_list()

    def as_dict(self):
        return {**super().as_dict(), "problems": self.problems}


def check_template(body, field="body"):
    try:
        validate(body, VARIABLES.keys())
    except ClauseTemplateError as exc:
        raise TemplateInvalid(exc, field) from exc


# --- Clause library ---------------------------------------------------------------------

def _library_hash(entry):
    text = "\n".join([entry["title"], entry["body"].strip(), entry.get("guidance", "")])
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class LoadReport:
    created: int = 0
    upgraded: int = 0
    kept_local: int = 0
    unchanged: int = 0


@transaction.atomic
def library_load(*, path=LIBRARY_FILE):
    """Load or upgrade the starter library without losing local edits.

    A clause new to the database gets version 1, published. When the library's text changed:
    if nobody edited the clause locally since the last library version, the new text becomes
    a new published version; otherwise it arrives as a draft beside the local edits, for
    procurement to merge. Existing versions are never modified.
    """
    entries = tomllib.loads(path.read_text())["clause"]
    report = LoadReport()
    for entry in entries:
        check_template(entry["body"].strip())
        digest = _library_hash(entry)
        clause, created = Clause.objects.get_or_create(key=entry["key"], defaults={
            "category": entry["category"], "title": entry["title"],
            "resolves": entry.get("resolves", []), "from_library": True})
        if not created:
            clause.resolves = sorted(set(clause.resolves) | set(entry.get("resolves", [])))
            clause.save(update_fields=["resolves"])
        versions = list(clause.versions.order_by("-number"))
        if versions and any(v.library_hash == digest for v in versions):
            report.unchanged += 1
            continue
        last_library = next((v for v in versions if v.library_hash), None)
        edited_locally = bool(versions) and (last_library is None
                                             or versions[0].number > last_library.number)
        status = ClauseVersion.Status.DRAFT if edited_locally else ClauseVersion.Status.PUBLISHED
        ClauseVersion.objects.create(
            clause=clause, number=(versions[0].number + 1) if versions else 1, status=status,
            body=entry["body"].strip(), guidance=entry.get("guidance", ""), library_hash=digest)
        if created:
            report.created += 1
        elif edited_locally:
            report.kept_local += 1
        else:
            report.upgraded += 1
    return report


def _library_chain(actor, clause):
    """Library writes belong to no engagement: they go on an organisation's own chain, the
    clause owner's, or for the shared starter library the curator's organisation. (A platform
    superuser outside any organisation changing the shared library leaves no chain entry; the
    Django admin log records it.)"""
    return clause.organisation or getattr(actor, "organisation", None)


def _audit_library(actor, clause, verb, obj, after):
    organisation = _library_chain(actor, clause)
    if organisation is not None:
        audit_record_for_organisation(organisation=organisation, actor=actor, verb=verb,
                                      obj=obj, after=after)


@transaction.atomic
def clause_version_create(*, actor, clause, body, guidance=""):
    """A new draft version of a clause; the text is checked before it is saved."""
    require(actor, "sow.curate_library", clause)
    check_template(body)
    clause = Clause.objects.select_for_update().get(pk=clause.pk)
    last = clause.versions.aggregate(m=Max("number"))["m"] or 0
    version = ClauseVersion.objects.create(clause=clause, number=last + 1, body=body,
                                           guidance=guidance, created_by=actor)
    _audit_library(actor, clause, "clause_version.created", version,
                   {"clause": clause.key, "number": version.number})
    return version


@transaction.atomic
def clause_version_set_status(*, actor, version, status):
    require(actor, "sow.curate_library", version)
    if status not in ClauseVersion.Status.values:
        raise DomainError("The status is draft, published or retired.", rule="invalid_field",
                          field="status")
    version = ClauseVersion.objects.select_for_update().select_related(
        "clause__organisation").get(pk=version.pk)
    if version.status == status:
        return version
    return transition(version, table=CLAUSE_VERSION_TRANSITIONS, to=status, actor=actor,
                      verb="clause_version.status_changed", noun="clause version",
                      organisation=_library_chain(actor, version.clause),
                      audit_after={"clause": version.clause.key, "number": version.number})


@transaction.atomic
def clause_create(*, actor, key, category, title, body, guidance="", resolves=()):
    require(actor, "sow.curate_library")
    check_template(body)
    try:
        with transaction.atomic():
            clause = Clause.objects.create(key=key, category=category, title=title,
                                           resolves=list(resolves),
                                           organisation=actor.organisation)
    except IntegrityError as exc:
        raise DomainError(f"A clause with the key “{key}” exists already.", rule="duplicate",
                          field="key") from exc
    ClauseVersion.objects.create(clause=clause, number=1, body=body, guidance=guidance,
                                 created_by=actor)
    _audit_library(actor, clause, "clause.created", clause,
                   {"key": key, "category": category, "title": title})
    return clause


# --- SOW drafting ----------------------------------------------------------------------

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
    sow = SowDocument.objects.create(engagement=engagement, title=title.strip(),
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


# --- Rendering, checking, freezing -------------------------------------------------------

@dataclass
class RenderedSection:
    section: SowSection
    number: int
    heading: str
    html: str
    body: str
    error: TemplateInvalid | None

    @property
    def key(self):
        if self.section.schedule:
            return f"schedule:{self.section.schedule}"
        return self.section.clause_version.clause.key


def render_sections(sections, context):
    out = []
    for number, s in enumerate(sections, start=1):
        body, html, error = "", "", None
        if s.schedule:
            html = render_schedule(s.schedule, context)
        else:
            body = s.override_body or s.clause_version.body
            try:
                html = render(body, context, known_variables=VARIABLES.keys())
            except ClauseTemplateError as exc:
                error = TemplateInvalid(exc, field=f"section-{s.pk}")
        out.append(RenderedSection(s, number, s.heading, html, body, error))
    return out


def sow_facts(sow, rendered, milestone_kinds):
    engagement = sow.engagement
    return SowFacts(
        engagement_format=engagement.format, off_ramp_date=engagement.off_ramp_date,
        milestone_kinds=milestone_kinds,
        sections=[SectionFacts(
            id=r.section.pk, heading=r.heading,
            clause_key=r.section.clause_version.clause.key if r.section.clause_version_id else "",
            resolves=r.section.clause_version.clause.resolves if r.section.clause_version_id
            else [], text=plain_text(r.html)) for r in rendered],
    )


def sow_evaluate(sow, sections=None):
    """Render every section and run the SOW check. Returns (rendered, findings, score)."""
    sections = sections if sections is not None else list(
        sow.sections.select_related("clause_version__clause"))
    context = build_context(sow.engagement_id)
    rendered = render_sections(sections, context)
    kinds = list(Milestone.objects.filter(engagement_id=sow.engagement_id)
                 .values_list("kind", flat=True))
    findings = run_checks(sow_facts(sow, rendered, kinds))
    return rendered, findings, score(findings)


def sow_preview(*, actor, sow, body):
    """Render text with the engagement's real data, without saving anything."""
    require(actor, "sow.draft_sow", sow.engagement)
    try:
        return render(body, build_context(sow.engagement_id), known_variables=VARIABLES.keys())
    except ClauseTemplateError as exc:
        raise TemplateInvalid(exc) from exc


def engagement_facts(engagement):
    """The contract's parties and terms as frozen with a version (and covered by its hash)."""
    return {
        "title": engagement.title, "client": engagement.client.name,
        "vendor": engagement.vendor.name, "format": engagement.get_format_display(),
        "length_weeks": engagement.length_weeks,
        "start_date": f"{engagement.start_date.day} {engagement.start_date:%B %Y}",
        "contract_value": f"{engagement.contract_value:,.2f}", "currency": engagement.currency,
    }


def document_html(sow, rendered, facts):
    parts = [f'<article class="sow-document"><h1>{_esc(sow.title)}</h1>',
             f'<p class="parties">{_esc(facts["client"])} and {_esc(facts["vendor"])}: '
             f'{_esc(facts["title"])}, {_esc(facts["format"]).lower()}, '
             f'{facts["length_weeks"]} weeks from {_esc(facts["start_date"])}, '
             f'{_esc(facts["contract_value"])} {_esc(facts["currency"])}.</p>']
    for r in rendered:
        parts.append(f'<section class="sow-section" id="s-{r.number}" data-key="{_esc(r.key)}">'
                     f"<h2>{r.number}. {_esc(r.heading)}</h2>{r.html}</section>")
    parts.append("</article>")
    return "\n".join(parts)


def _esc(text):
    import html as _html

    return _html.escape(str(text))


@transaction.atomic
def sow_freeze(*, actor, sow, justification="", expected_version=None):
    """Freeze the draft into an immutable version.

    1. lock the SOW (a stale editor is a conflict); 2. render every section — any template
    error refuses the freeze; 3. run the check — error findings need a written justification;
    4. store HTML, SHA-256 and the source structure; 5. audit `sow.frozen`.
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
    if errors and not justification.strip():
        raise RuleViolation(
            f"The SOW check found {len(errors)} error{'s' if len(errors) != 1 else ''}; "
            "freezing anyway needs a written justification.", rule="justification_required")
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
            "body": r.body, "html": r.html,
        } for r in rendered],
        "check": {"score": check_score, "findings": [f.as_dict() for f in findings]},
    }
    version = SowVersion.objects.create(
        sow=sow, number=last + 1, html=html, sha256=hashlib.sha256(html.encode()).hexdigest(),
        source=source, author=actor, created_at=timezone.now(),
        justification=justification.strip())
    audit_record(engagement=sow.engagement, actor=actor, verb="sow.frozen", obj=version,
                 after={"version": version.number, "sha256": version.sha256,
                        "score": check_score, "errors": len(errors)},
                 reason=justification.strip())
    return version


# --- Version status: draft → in_review → approved (two keys) → signed ---------------------

VS = SowVersion.Status
# The one table of SOW version moves; approval comes only from the two-key request.
SOW_VERSION_TRANSITIONS = {
    VS.DRAFT: {VS.IN_REVIEW},
    VS.IN_REVIEW: {VS.APPROVED, VS.DRAFT},
    VS.APPROVED: {VS.SIGNED},
    VS.SIGNED: set(),
}
CV = ClauseVersion.Status
CLAUSE_VERSION_TRANSITIONS = {
    CV.DRAFT: {CV.PUBLISHED, CV.RETIRED},
    CV.PUBLISHED: {CV.RETIRED},
    CV.RETIRED: {CV.PUBLISHED},
}


def _set_status(version, actor, to, reason=""):
    transition(version, table=SOW_VERSION_TRANSITIONS, to=to, actor=actor,
               verb="sow_version.status_changed", engagement=version.sow.engagement,
               noun="SOW version", reason=reason)


@transaction.atomic
def sow_version_submit(*, actor, version):
    """Ask for the two keys on a frozen version."""
    require(actor, "sow.draft_sow", version.sow.engagement)
    version = lock(version, engagement_id=version.sow.engagement_id)
    if version.status != SowVersion.Status.DRAFT:
        raise RuleViolation(f"Version {version.number} is {version.get_status_display().lower()}"
                            "; only a draft version can go to review.", rule="status_flow")
    _set_status(version, actor, SowVersion.Status.IN_REVIEW)
    approval_request_open(actor=actor, engagement=version.sow.engagement,
                          kind=ApprovalRequest.Kind.SOW_VERSION, subject=version,
                          summary=f"Approve {version.sow.title}, version {version.number}",
                          url=reverse("sow:version", kwargs={
                              "pk": version.sow.engagement_id, "sow_pk": version.sow_id,
                              "number": version.number}))
    return version


def _version_of(request):
    version = SowVersion.objects.select_related("sow__engagement").get(pk=request.subject_id)
    return lock(version, engagement_id=version.sow.engagement_id)


def _approved(*, request, actor):
    from .pdf import render_request

    version = _version_of(request)
    _set_status(version, actor, SowVersion.Status.APPROVED, "Two keys turned.")
    render_request(actor=None, version=version)  # the approved contract renders by itself


def _rejected(*, request, actor, reason):
    _set_status(_version_of(request), actor, SowVersion.Status.DRAFT, f"Rejected: {reason}")


register_approval_handler(ApprovalRequest.Kind.SOW_VERSION,
                          ApprovalHandler(on_approved=_approved, on_rejected=_rejected))


@transaction.atomic
def sow_version_sign(*, actor, version, signed_on, signatories):
    """Record the signature of an approved version: the date and who signed for each side."""
    engagement = version.sow.engagement
    require(actor, "sow.sign_version", engagement)
    version = lock(version, engagement_id=engagement.pk)
    if version.status != SowVersion.Status.APPROVED:
        raise RuleViolation("Only an approved version can be signed.", rule="status_flow")
    names = [s for s in signatories if s.get("name", "").strip()]
    sides = {s.get("side") for s in names}
    if not {Side.INTERNAL, Side.VENDOR} <= sides:
        raise DomainError("Record at least one signatory for the client and one for the vendor.",
                          rule="invalid_field", field="signatories")
    if signed_on > timezone.localdate():
        raise DomainError("The signature date cannot be in the future.", rule="invalid_field",
                          field="signed_on")
    SowVersion.objects.filter(pk=version.pk).update(signed_on=signed_on, signatories=names)
    version.signed_on, version.signatories = signed_on, names
    _set_status(version, actor, SowVersion.Status.SIGNED)
    return version
