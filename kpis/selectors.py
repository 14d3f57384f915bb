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


FIELDS = ("id", "engagement_id", "layer", "name", "unit", "direction", "baseline", "target",
          "lower", "upper", "target_date", "cadence")


def scorecards(engagement_ids, today=None):
    """{engagement_id: {"kpis": [row with .latest and .status], layer: {status: count}}} for
    many engagements at once (engagements without KPIs are absent: see empty_scorecard):
    two queries whatever their number. Rows are read with
    .values() (no model instances: the portfolio reads hundreds of engagements), and the
    latest value of each KPI by a subquery, not by loading every measurement."""
    from datetime import timedelta
    from types import SimpleNamespace

    from django.db.models import OuterRef, Subquery

    today = today or timezone.localdate()
    ids = _ids(engagement_ids)
    latest = Measurement.objects.filter(kpi=OuterRef("pk")).order_by("-date", "-id")
    rows = list(KPI.objects.filter(engagement_id__in=ids).annotate(
        latest_date=Subquery(latest.values("date")[:1]),
        latest_value=Subquery(latest.values("value")[:1]),
    ).values(*FIELDS, "latest_date", "latest_value", "engagement__start_date",
             "engagement__length_weeks", "engagement__off_ramp_date"))
    points = {}
    for kpi_id, day, value in KPIWaypoint.objects.filter(
            kpi__engagement_id__in=ids).values_list("kpi_id", "date", "value"):
        points.setdefault(kpi_id, []).append(SimpleNamespace(date=day, value=value))
    out = {}
    for row in rows:
        k = SimpleNamespace(**{f: row[f] for f in FIELDS})
        k.pk = k.id
        start = row["engagement__start_date"]
        end = start + timedelta(weeks=row["engagement__length_weeks"])
        last = max(end, row["engagement__off_ramp_date"] or end)
        k.points = points.get(k.id, [])
        k.latest = SimpleNamespace(date=row["latest_date"], value=row["latest_value"]) if (
            row["latest_date"] is not None) else None
        k.status = kpi_status(k, latest=k.latest, waypoints=k.points, start=start,
                              last_day=last, today=today, explain=False)
        if k.engagement_id not in out:
            out[k.engagement_id] = empty_scorecard()
        card = out[k.engagement_id]
        card["kpis"].append(k)
        card[k.layer][k.status.code] += 1
    return out


LAYERS = tuple(KPI.Layer.values)


def empty_scorecard():
    return {"kpis": [], **{layer: dict.fromkeys(STATUS_LABELS, 0) for layer in LAYERS}}


def _ids(engagement_ids):
    """A queryset of ids stays a subquery (no parameter per id); anything else a list."""
    from django.db.models import QuerySet

    return engagement_ids if isinstance(engagement_ids, QuerySet) else list(engagement_ids)


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


# --- People: competency and drills ----------------------------------------------------------

def internal_people(engagement):
    """The engagement's internal staffing (people whose competency is assessed)."""
    from engagement.models import Side, StaffingAssignment

    return list(StaffingAssignment.objects.filter(engagement=engagement, side=Side.INTERNAL,
                                                  left_on__isnull=True)
                .select_related("user").order_by("person_name", "id"))


def heatmap(*, engagement):
    """People × areas: each cell's latest assessment, its first, and the change between
    (+1 up a level, 0, -1 down), in three queries whatever the size."""
    from .models import LEVEL_RANK, Area, CompetencyAssessment
    from .services.competency import independence, independence_over_time, rubric_for

    people = internal_people(engagement)
    assessments = list(CompetencyAssessment.objects.filter(engagement=engagement)
                       .select_related("assessor").order_by("assessed_on", "id"))
    first, latest = {}, {}
    for a in assessments:
        first.setdefault((a.person_id, a.area), a)
        latest[(a.person_id, a.area)] = a
    rows = []
    for p in people:
        cells = []
        for area in Area:
            last, start = latest.get((p.pk, area.value)), first.get((p.pk, area.value))
            change = (LEVEL_RANK[last.level] - LEVEL_RANK[start.level]) if last else None
            cells.append({"area": area, "latest": last, "first": start, "change": change})
        rows.append({"person": p, "cells": cells})
    ids = {p.pk for p in people}
    return {"rows": rows, "areas": list(Area), "assessments": assessments,
            "index": independence(assessments, ids),
            "over_time": independence_over_time(assessments, ids),
            "rubric": rubric_for(engagement.client)}


def drills_for(*, engagement):
    from .models import IncidentDrill

    return list(IncidentDrill.objects.filter(engagement=engagement).select_related(
        "primary_responder__user", "reviewed_by", "criterion__milestone"))


def drills_visible(*, user):
    from .models import IncidentDrill

    return IncidentDrill.objects.visible_to(user).select_related(
        "engagement", "primary_responder__user", "reviewed_by", "criterion__milestone")


def assessments_visible(*, user):
    from .models import CompetencyAssessment

    return CompetencyAssessment.objects.visible_to(user).select_related(
        "engagement", "person__user", "assessor")


def people_panel(engagement, user):
    """The engagement overview's panel: the independence index and overdue drills."""
    from django.utils import timezone

    from .models import CompetencyAssessment, IncidentDrill
    from .services.competency import independence

    people = {p.pk for p in internal_people(engagement)}
    index = independence(list(CompetencyAssessment.objects.filter(engagement=engagement)),
                         people)
    overdue = list(IncidentDrill.objects.filter(engagement=engagement, held_on__isnull=True,
                                                planned_for__lt=timezone.localdate()))
    passed = IncidentDrill.objects.filter(engagement=engagement, result="pass").count()
    return {"index": index, "overdue": overdue, "passed": passed}


def independence_for(engagement_ids):
    """{engagement_id: {"index", "bus_factor"}} for many engagements in two queries (ids may
    be a queryset, kept as a subquery); engagements with no assessment are absent."""
    from types import SimpleNamespace

    from engagement.models import Side, StaffingAssignment

    from .models import CompetencyAssessment
    from .services.competency import independence

    ids = _ids(engagement_ids)
    people = {}
    for engagement_id, pk in StaffingAssignment.objects.filter(
            engagement_id__in=ids, side=Side.INTERNAL, left_on__isnull=True).values_list(
            "engagement_id", "pk"):
        people.setdefault(engagement_id, set()).add(pk)
    rows = {}
    for row in CompetencyAssessment.objects.filter(engagement_id__in=ids).values(
            "id", "engagement_id", "person_id", "area", "level", "assessed_on"):
        rows.setdefault(row["engagement_id"], []).append(SimpleNamespace(
            pk=row["id"], person_id=row["person_id"], area=row["area"], level=row["level"],
            assessed_on=row["assessed_on"]))
    out = {}
    for engagement_id, assessments in rows.items():
        value = independence(assessments, people.get(engagement_id, set()))
        out[engagement_id] = {"index": value["index"], "bus_factor": value["bus_factor"]}
    return out
