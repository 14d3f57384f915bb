"""Rendering every section with the engagement's data and running the SOW check (reads only)."""

from dataclasses import dataclass

from engagement.models import Milestone

from ..checks import SectionFacts, SowFacts, run_checks, score
from ..context import VARIABLES, build_context
from ..models import (
    SowSection,
)
from ..schedules import render_schedule
from ..templating import ClauseTemplateError, plain_text, render
from .library import TemplateInvalid


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
