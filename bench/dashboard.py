"""Portfolio dashboard benchmark: the page and the API at N engagements against a bare view
reading the same engagement rows with `.values()`.

Run: .venv/bin/python bench/dashboard.py [--engagements 500] [--repeat 9]
     (PostgreSQL at $BENCH_ADMIN_URL, default postgres://postgres@127.0.0.1:5432/postgres)

Creates a throw-away PostgreSQL database with N engagements (a ladder milestone with four
criteria, four gated payments, a KPI per layer with three values each), logs a leader in
and alternates, through Django's test client with DEBUG off:
  page — GET /portfolio/ (25 rows of N, sorted by risk: every row is computed);
  api  — GET /api/v1/portfolio/;
  bare — a view reading the same rows with .values() (same tables, same filters, one
         query each) and returning them as JSON, with no work per row;
then prints the statements each issues and the median latency ratios. Target: <= 2.0.
"""

import argparse
import datetime as dt
import gc
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from throwaway_db import URL, throwaway_database  # noqa: E402

os.environ.update({
    "DJANGO_SETTINGS_MODULE": "config.settings.local",
    "DATABASE_URL": URL,
    "CELERY_BROKER_URL": "",
    "DJANGO_LOG_LEVEL": "WARNING",
})

urlpatterns = []  # filled in run(): the app's URLs plus the bare view


def bare(request):
    """The same rows the dashboard reads (engagements, milestones, criteria and approval
    counts, payment sums, KPIs with their latest value, waypoints, SOW versions, contract
    jobs), each with .values() and no work per row beyond returning them."""
    from django.db.models import Count, OuterRef, Q, Subquery, Sum
    from django.db.models.fields.json import KeyTextTransform
    from django.http import JsonResponse

    from engagement.models import AcceptanceCriterion, ApprovalRequest, Engagement, Milestone
    from kpis.models import KPI, KPIWaypoint, Measurement
    from payments.models import PaymentMilestone
    from sow.models import RenderJob, SowVersion

    visible = Engagement.objects.visible_to(request.user)
    ids = visible.values("pk")
    latest = Measurement.objects.filter(kpi=OuterRef("pk")).order_by("-date", "-id")
    data = {
        "engagements": list(visible.values("id", "title", "format", "status", "currency",
                                           "contract_value", "client__name", "vendor__name")),
        "milestones": list(Milestone.objects.filter(engagement_id__in=ids).values(
            "engagement_id", "title", "ownership_mode", "status", "end_week")),
        "criteria": list(AcceptanceCriterion.objects.filter(
            milestone__engagement_id__in=ids).values("milestone__engagement_id").annotate(
            n=Count("id"), met=Count("id", filter=Q(status="met")))),
        "approvals": list(ApprovalRequest.objects.filter(
            engagement_id__in=ids, status="open").values("engagement_id").annotate(n=Count("id"))),
        "money": list(PaymentMilestone.objects.filter(engagement_id__in=ids).values(
            "engagement_id").annotate(released=Sum("amount", filter=Q(status="paid")),
                                      held=Sum("amount", filter=Q(status="scheduled")))),
        "kpis": list(KPI.objects.filter(engagement_id__in=ids).annotate(
            latest_date=Subquery(latest.values("date")[:1]),
            latest_value=Subquery(latest.values("value")[:1])).values(
            "id", "engagement_id", "layer", "direction", "baseline", "target", "target_date",
            "latest_date", "latest_value")),
        "waypoints": list(KPIWaypoint.objects.filter(kpi__engagement_id__in=ids).values(
            "kpi_id", "date", "value")),
        "versions": list(SowVersion.objects.filter(sow__engagement_id__in=ids).annotate(
            score=KeyTextTransform("score", KeyTextTransform("check", "source"))).values(
            "sow__engagement_id", "number", "score")),
        "jobs": list(RenderJob.objects.filter(sow_version__sow__engagement_id__in=ids,
                                              variant="final").values("sow_version_id")),
    }
    return JsonResponse(data, json_dumps_params={"default": str})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--engagements", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    with throwaway_database():
        run(args)


def build(n):
    from decimal import Decimal

    from engagement.models import Organisation, User
    from kpis.models import KPI, Measurement
    from tests.payments.factories import bulk_schedules

    client = Organisation.objects.create(name="Client", kind="client")
    vendor = Organisation.objects.create(name="Vendor", kind="vendor")
    engagements = []
    for done in range(0, n, 500):
        engagements += bulk_schedules(client, vendor, min(500, n - done))
    kpis = KPI.objects.bulk_create([
        KPI(engagement=e, layer=layer, name=f"{layer} {e.pk}", target=Decimal(100),
            baseline=Decimal(0), target_date=e.start_date + dt.timedelta(weeks=8))
        for e in engagements for layer in ("business", "system", "capability")])
    Measurement.objects.bulk_create([
        Measurement(kpi=k, date=dt.date(2026, 10, 26) + dt.timedelta(days=d),
                    value=Decimal(90 if k.layer != "capability" else 10), source=f"s{d}")
        for k in kpis for d in range(3)])
    return User.objects.create(username="leader", organisation=client, role="leadership")


def run(args):
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import include, path

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]
    urlpatterns.extend([path("bench-bare/", bare), path("", include("config.urls"))])
    settings.ROOT_URLCONF = __name__
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    leader = build(args.engagements)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"built {args.engagements} engagements in {time.perf_counter() - started:.1f}s")
    client = Client()
    client.force_login(leader)
    urls = {"page": "/portfolio/", "api": "/api/v1/portfolio/", "bare": "/bench-bare/"}
    for name, url in urls.items():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        print(f"{name:5} {url:22} {len(ctx.captured_queries):3} statements, "
              f"{len(response.content) // 1024} KiB")
    times = {name: [] for name in urls}
    for i in range(args.repeat):
        order = list(urls) if i % 2 == 0 else list(reversed(urls))
        for name in order:
            gc.collect()
            reset_queries()
            start = time.perf_counter()
            client.get(urls[name])
            times[name].append(time.perf_counter() - start)
    med = {name: statistics.median(t) for name, t in times.items()}
    for name, value in med.items():
        print(f"median {name}: {value * 1000:.1f} ms")
    print(f"ratio page/bare: {med['page'] / med['bare']:.2f}  "
          f"ratio api/bare: {med['api'] / med['bare']:.2f}  (target <= 2.0)")


if __name__ == "__main__":
    main()
