"""Reads of KPIs for pages, the API, other apps and the portfolio, already prefetched."""

from django.db.models import Prefetch
from django.utils import timezone

from .models import KPI, KPIWaypoint, Measurement
from .services.definitions import last_day
from .status import STATUS_LABELS, kpi_status


def kpis_visible(*, user):
    return KPI.objects.visible_to(user).select_related("engagement")


def kpis_for(*, engagement):
    return list(KPI.objects.filter(engagement=engagement))


def _attach(kpis, engagements, today, series=True):
    """Give each KPI .points (waypoints), .series (measurements, oldest first), .latest and
    .status: three queries whatever the number of KPIs."""
    ids = [k.pk for k in kpis]
    values = {}
    rows = Measurement.objects.filter(kpi_id__in=ids).order_by("kpi_id", "date", "id")
    if not series:
        rows = rows.only("kpi_id", "date", "value")
    for m in rows:
        values.setdefault(m.kpi_id, []).append(m)
    for k in kpis:
        e = engagements[k.engagement_id]
        k.series = values.get(k.pk, [])
        k.points = list(k.waypoints.all())
        # The latest by date; among values of one date the last recorded.
        k.latest = k.series[-1] if k.series else None
        k.status = kpi_status(k, latest=k.latest, waypoints=k.points, start=e.start_date,
                              last_day=last_day(e), today=today)
    return kpis


def kpi_rows(*, engagement, today=None):
    """The engagement's KPIs with waypoints, measurements, latest value and status."""
    kpis = list(KPI.objects.filter(engagement=engagement).select_related("owner")
                .prefetch_related(Prefetch("waypoints", queryset=KPIWaypoint.objects.all())))
    return _attach(kpis, {engagement.pk: engagement}, today or timezone.localdate())


def kpi_detail(*, user, pk, today=None):
    from django.shortcuts import get_object_or_404

    kpi = get_object_or_404(kpis_visible(user=user).select_related("owner")
                            .prefetch_related("waypoints"), pk=pk)
    return _attach([kpi], {kpi.engagement_id: kpi.engagement}, today or timezone.localdate())[0]


def scorecards(engagement_ids, today=None):
    """{engagement_id: {layer: {status: count}}} plus each engagement's KPIs under "kpis",
    for many engagements at once (three queries whatever their number)."""
    from engagement.models import Engagement

    engagements = {e.pk: e for e in Engagement.objects.filter(pk__in=list(engagement_ids))}
    kpis = list(KPI.objects.filter(engagement_id__in=list(engagements))
                .prefetch_related("waypoints"))
    _attach(kpis, engagements, today or timezone.localdate(), series=False)
    out = {pk: {"kpis": [], **{layer: dict.fromkeys(STATUS_LABELS, 0)
                               for layer in KPI.Layer.values}} for pk in engagements}
    for k in kpis:
        out[k.engagement_id]["kpis"].append(k)
        out[k.engagement_id][k.layer][k.status.code] += 1
    return out


def measurements_for(*, kpi):
    return list(Measurement.objects.filter(kpi=kpi).select_related("entered_by")
                .order_by("-date", "-id"))
