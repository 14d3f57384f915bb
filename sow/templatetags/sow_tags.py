"""Lets engagement pages show SOW facts without the engagement app importing sow."""

from django import template

from ..models import SowVersion

register = template.Library()


@register.inclusion_tag("sow/_engagement_sow_summary.html")
def sow_summary(engagement):
    """Latest frozen version of each SOW with its check score at freezing (one query)."""
    latest = {}
    for v in SowVersion.objects.filter(sow__engagement=engagement).select_related("sow").defer(
            "html").order_by("sow_id", "number"):
        latest[v.sow_id] = v
    return {"engagement": engagement, "versions": list(latest.values())}
