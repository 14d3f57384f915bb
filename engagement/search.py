"""The core's search kinds: engagements, milestones, criteria (registered in apps.py)."""

from django.urls import reverse

from common.search import matching, snippet

from .models import AcceptanceCriterion, Engagement, Milestone


def engagements(user, text, limit):
    rows = matching(Engagement.objects.visible_to(user), ["title", "use_case"], text)[:limit]
    return [(e.title, reverse("engagement:detail", args=[e.pk]),
             snippet(e.use_case, text.split())) for e in rows]


def milestones(user, text, limit):
    rows = matching(Milestone.objects.visible_to(user).select_related("engagement"),
                    ["title", "description"], text)[:limit]
    return [(f"{m.title} ({m.engagement.title})",
             reverse("engagement:ladder", args=[m.engagement_id]) + f"#m-{m.pk}",
             snippet(m.description, text.split())) for m in rows]


def criteria(user, text, limit):
    rows = matching(AcceptanceCriterion.objects.visible_to(user).select_related(
        "milestone__engagement"), ["statement"], text)[:limit]
    return [(f"{c.milestone.title} ({c.milestone.engagement.title})",
             reverse("engagement:ladder", args=[c.milestone.engagement_id]) + f"#c-{c.pk}",
             snippet(c.statement, text.split())) for c in rows]
