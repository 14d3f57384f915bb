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
    """{engagement_id: {"kpis": [KPI with .latest and .status], layer: {status: count}}} for
    many engagements at once: two queries whatever their number (the latest value of each
    KPI is read by a subquery, not by loading every measurement)."""
    from types import SimpleNamespace

    from django.db.models import OuterRef, Subquery

    today = today or timezone.localdate()
    latest = Measurement.objects.filter(kpi=OuterRef("pk")).order_by("-date", "-id")
    kpis = list(KPI.objects.filter(engagement_id__in=list(engagement_ids)).annotate(
        latest_date=Subquery(latest.values("date")[:1]),
        latest_value=Subquery(latest.values("value")[:1]),
    ).select_related("engagement").prefetch_related("waypoints").only(
        *[f.name for f in KPI._meta.concrete_fields if f.name != "how_to_measure"],
        "engagement__start_date", "engagement__length_weeks", "engagement__off_ramp_date"))
    out = {pk: {"kpis": [], **{layer: dict.fromkeys(STATUS_LABELS, 0)
                               for layer in KPI.Layer.values}} for pk in engagement_ids}
    for k in kpis:
        e = k.engagement
        k.points = list(k.waypoints.all())
        k.latest = SimpleNamespace(date=k.latest_date, value=k.latest_value) if (
            k.latest_date is not None) else None
        k.status = kpi_status(k, latest=k.latest, waypoints=k.points, start=e.start_date,
                              last_day=last_day(e), today=today)
        out[k.engagement_id]["kpis"].append(k)
        out[k.engagement_id][k.layer][k.status.code] += 1
    return out


def measurements_for(*, kpi):
    return list(Measurement.objects.filter(kpi=kpi).select_related("entered_by")
                .order_by("-date", "-id"))


def kpi_rows_with_charts(*, engagement, width=420, height=150, today=None):
    """kpi_rows, each with .chart: the SVG line chart (for pages and print)."""
    from .charts import line_chart

    kpis = kpi_rows(engagement=engagement, today=today)
    for k in kpis:
        k.chart = line_chart(k, start=engagement.start_date, end=last_day(engagement),
                             width=width, height=height)
    return kpis
