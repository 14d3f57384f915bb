"""Rendering every section with the engagement's data and running the SOW check (reads only)."""

import html as html_lib
from dataclasses import dataclass, field

from django.urls import reverse

from engagement import selectors as engagement_selectors
from engagement.models import Engagement, Milestone
from engagement.services.ladder import ladder_warnings
from engagement.services.raci import raci_warnings
from kpis import selectors as kpi_selectors
from kpis import services as kpi_services
from payments import selectors as payment_selectors

from ..checks import PlanFacts, SectionFacts, SowFacts, run_checks, score
from ..context import VARIABLES, build_context
from ..models import ClauseVersion, SowSection
from ..schedules import render_schedule
from ..templating import (
    MISSING_VALUE,
    ClauseTemplateError,
    check_text,
    empty_loops,
    render,
    to_html,
)
from .library import TemplateInvalid


@dataclass
class RenderedSection:
    section: SowSection
    number: int
    heading: str
    html: str
    body: str
    error: TemplateInvalid | None
    empty_spots: list = field(default_factory=list)
    text: str = ""
    findings: list = field(default_factory=list)
    # The number shown: the original document's for an imported section; in a SOW that
    # keeps an original numbering, a section added to it takes the number before it plus a
    # letter (2a, 2b), so no two sections share a number.
    label: str = ""

    @property
    def key(self):
        if self.section.schedule:
            return f"schedule:{self.section.schedule}"
        if self.section.is_own:
            return f"own:{self.section.pk}"
        return self.section.clause_version.clause.key


def own_html(text):
    """An own (imported) section's literal text as HTML: escaped, never a template."""
    return to_html(html_lib.escape(text, quote=False))


def render_sections(sections, context):
    out = []
    for number, s in enumerate(sections, start=1):
        body, html, error, spots = "", "", None, []
        if s.schedule:
            html = render_schedule(s.schedule, context)
        elif s.is_own:
            body = s.override_body
            html = own_html(body)
        else:
            body = s.override_body or s.clause_version.body
            # A published clause version's text was validated when it was saved.
            trusted = (not s.override_body
                       and s.clause_version.status == ClauseVersion.Status.PUBLISHED)
            try:
                html = render(body, context, known_variables=VARIABLES.keys(),
                              validated=trusted)
            except ClauseTemplateError as exc:
                error = TemplateInvalid(exc, field=f"section-{s.pk}")
            else:
                spots = empty_loops(body, context)
        out.append(RenderedSection(s, number, s.heading, html, body, error, spots,
                                   check_text(html)))
    _label(out)
    return out


def _label(rendered):
    if not any(r.section.number_label for r in rendered):
        for r in rendered:
            r.label = str(r.number)
        return
    last, letter = "0", 0
    for r in rendered:
        if r.section.number_label:
            last, letter = r.section.number_label, 0
            r.label = last
        else:
            r.label = f"{last}{chr(ord('a') + letter % 26)}"
            letter += 1


def _section_facts(r):
    s = r.section
    clause = s.clause_version.clause if s.clause_version_id else None
    return SectionFacts(
        id=s.pk, heading=r.heading, text=r.text,
        category=clause.category if clause else s.category,
        clause_key=clause.key if clause else "",
        resolves=list(clause.resolves) if clause else [],
        from_library=bool(clause and clause.from_library and clause.organisation_id is None),
        edited=bool(clause and s.override_body),
        empty_spots=r.empty_spots,
        has_missing_value=not s.is_own and MISSING_VALUE in r.text,
    )


def plan_facts(engagement):
    """The engagement's ladder, payments, KPIs and RACI as the plan rules read them, in a fixed
    number of queries."""
    milestones = list(Milestone.objects.filter(engagement=engagement).prefetch_related(
        "criteria"))
    ladder = [{
        "id": m.pk, "title": m.title, "kind": m.kind, "position": m.position,
        "ownership": m.ownership_mode, "is_transition": m.is_transition,
        "start_week": m.start_week, "end_week": m.end_week,
        "criteria": [{"method": c.method, "performer": c.performer} for c in m.criteria.all()],
    } for m in milestones]
    e = engagement
    return PlanFacts(
        format=e.format, length_weeks=e.length_weeks, start_date=e.start_date,
        end_date=e.end_date, off_ramp_date=e.off_ramp_date, milestones=ladder,
        currency=e.currency, quarters=kpi_services.quarters(e),
        payments=payment_selectors.gate_facts(e.pk),
        kpis=[{"layer": k.layer, "target_date": k.target_date}
              for k in kpi_selectors.kpis_for(engagement=e)],
        raci_warnings=raci_warnings(engagement_selectors.raci_for_page(engagement=e)),
        ladder_warnings=ladder_warnings(e, milestones),
        links={
            "engagement": reverse("engagement:detail", args=[e.pk]),
            "engagement_edit": reverse("engagement:edit", args=[e.pk]),
            "ladder": reverse("engagement:ladder", args=[e.pk]),
            "raci": reverse("engagement:raci", args=[e.pk]),
            "payments": reverse("payments:schedule", args=[e.pk]),
            "kpis": reverse("kpis:list", args=[e.pk]),
        },
    )


def sow_facts(sow, rendered, engagement=None):
    engagement = engagement or Engagement.objects.select_related("client", "vendor").get(
        pk=sow.engagement_id)
    return SowFacts(
        sections=[_section_facts(r) for r in rendered if not r.error],
        plan=plan_facts(engagement),
        vendor_names=(engagement.vendor.name,), client_names=(engagement.client.name,),
    )


def sow_evaluate(sow, sections=None):
    """Render every section and run the SOW check. Returns (rendered, findings, score); each
    rendered section also carries its own findings (`r.findings`) for the editor."""
    sections = sections if sections is not None else list(
        sow.sections.select_related("clause_version__clause"))
    context = build_context(sow.engagement_id)
    rendered = render_sections(sections, context)
    findings = run_checks(sow_facts(sow, rendered))
    by_section = {}
    for f in findings:
        by_section.setdefault(f.section_id, []).append(f)
    for r in rendered:
        r.findings = by_section.get(r.section.pk, [])
    return rendered, findings, score(findings)
