"""The SOW app's search kinds: clauses of the library and sections of SOW documents."""

from django.urls import reverse

from common.search import matching, snippet

from .models import ClauseVersion, SowSection


def clauses(user, text, limit):
    """Clauses whose title or published text matches (one result per clause)."""
    rows = matching(ClauseVersion.objects.visible_to(user).filter(
        status=ClauseVersion.Status.PUBLISHED).select_related("clause"),
        ["clause__title", "body"], text).order_by("clause_id", "-number")
    seen, out = set(), []
    for v in rows[:limit * 3]:
        if v.clause_id in seen:
            continue
        seen.add(v.clause_id)
        out.append((v.clause.title, reverse("library:clause", args=[v.clause.key]),
                    snippet(v.body, text.split())))
    return out[:limit]


def sections(user, text, limit):
    """Sections of SOWs the user can see whose own text, edited text or clause matches."""
    rows = matching(SowSection.objects.visible_to(user).select_related(
        "sow__engagement", "clause_version__clause"),
        ["title", "override_body", "clause_version__body", "clause_version__clause__title"],
        text)[:limit]
    out = []
    for s in rows:
        heading = s.title or (s.clause_version.clause.title if s.clause_version_id else
                              s.get_schedule_display())
        body = s.override_body or (s.clause_version.body if s.clause_version_id else "")
        out.append((f"{heading} ({s.sow.title}, {s.sow.engagement.title})",
                    reverse("sow:editor", args=[s.sow.engagement_id, s.sow_id]) + f"#section-{s.pk}",
                    snippet(body, text.split())))
    return out
