"""Main pages and list endpoints at a small and a large portfolio, against each other and
against bare views, so the numbers of issue 17 can be reproduced by anyone.

Run: .venv/bin/python bench/pages.py [--small 5] [--large 500] [--repeat 9]
     (PostgreSQL at $BENCH_ADMIN_URL, default postgres://postgres@127.0.0.1:5432/postgres)

Creates a throw-away PostgreSQL database with two organisation pairs: one with --small
engagements, one with --large, each engagement with an approved (or signed) SOW version
(about 30 KB of HTML and 30 KB of source, like a real one) and its final PDF. A leader of
each client signs in and, through Django's test client with DEBUG off, it measures:
  contracts     GET /contracts/ at the small and the large portfolio (target large/small <= 1.3);
  engagements   GET /engagements/ at both sizes (for reference);
  api           GET /api/v1/engagements/?page_size=50 against `bare`, a view reading the same
                50 rows with .values() and returning them as JSON (target api/bare <= 1.3);
  download      GET .../versions/1/pdf/ (the in-app download, permission checked) against
                `static`, django.views.static.serve of the same file (target <= 2.0);
  editor        GET the SOW editor of a SOW with 24 library clauses (the issue's 'before' was
                45 ms; target <= 0.6x of today's time).
It prints each request's statements and size, then median latencies and the ratios.
"""

import argparse
import datetime as dt
import gc
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from throwaway_db import URL, throwaway_database  # noqa: E402

MEDIA = tempfile.mkdtemp(prefix="offramp-bench-media-")
os.environ.update({
    "DJANGO_SETTINGS_MODULE": "config.settings.local",
    "DATABASE_URL": URL,
    "CELERY_BROKER_URL": "",
    "DJANGO_LOG_LEVEL": "WARNING",
})

urlpatterns = []  # filled in run(): the app's URLs plus the bare views
PDF_NAME = "contracts/bench/contract.pdf"
API_FIELDS = ("id", "title", "client_id", "client__name", "client__kind", "vendor_id",
              "vendor__name", "vendor__kind", "format", "use_case", "start_date", "length_weeks",
              "contract_value", "currency", "off_ramp_date", "status", "version", "created_at",
              "updated_at")


def bare(request):
    """The API list's 50 rows (same table, join, filter and order), .values(), as JSON."""
    from django.http import JsonResponse

    from engagement.models import Engagement

    rows = list(Engagement.objects.visible_to(request.user).values(*API_FIELDS)[:50])
    return JsonResponse({"results": rows}, json_dumps_params={"default": str})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=5)
    parser.add_argument("--large", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--only", default="", help="comma-separated case-name prefixes")
    parser.add_argument("--profile", default="", help="a case name: print its cProfile")
    args = parser.parse_args()
    try:
        with throwaway_database():
            run(args)
    finally:
        import shutil

        shutil.rmtree(MEDIA, ignore_errors=True)


def build(n, label, pdf):
    from decimal import Decimal

    from django.utils import timezone

    from engagement.models import Engagement, Organisation, User
    from sow.models import RenderJob, SowDocument, SowVersion

    client = Organisation.objects.create(name=f"Client {label}", kind="client")
    vendor = Organisation.objects.create(name=f"Vendor {label}", kind="vendor")
    leader = User.objects.create(username=f"leader-{label}", organisation=client,
                                 role="leadership", first_name="Lee", last_name=label)
    engagements = Engagement.objects.bulk_create([
        Engagement(title=f"Engagement {label} {i:04}", client=client, vendor=vendor,
                   format="project", start_date=dt.date(2026, 9, 7), length_weeks=8,
                   contract_value=Decimal("100000.00"), status="active")
        for i in range(n)])
    sows = SowDocument.objects.bulk_create([
        SowDocument(engagement=e, title=f"SOW of {e.title}") for e in engagements])
    html = "<section><p>" + "Clause text that is long enough. " * 900 + "</p></section>"
    source = {"sections": [{"heading": f"Section {k}", "body": "Body text. " * 250}
                           for k in range(12)], "check": {"score": 92}}
    now = timezone.now()
    versions = SowVersion.objects.bulk_create([
        SowVersion(sow=s, number=1, html=html, sha256=hashlib.sha256(html.encode()).hexdigest(),
                   source=source, author=leader, created_at=now, justification="Bench",
                   status="signed" if i % 2 else "approved",
                   signed_on=dt.date(2026, 10, 1) if i % 2 else None)
        for i, s in enumerate(sows)])
    RenderJob.objects.bulk_create([
        RenderJob(sow_version=v, variant="final", status="succeeded", pdf=PDF_NAME,
                  sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), page_count=12)
        for v in versions])
    return leader, engagements[0], versions[0]


def editor_sow(engagement, leader):
    """A draft SOW of the demo's 24 library clauses on the small portfolio's first
    engagement (the SOW `make seed` builds, without its generated schedules)."""
    from sow import services
    from sow.management.commands.seed_demo import DEMO_SOW
    from sow.models import SowDocument, SowSection
    from sow.selectors import fix_clauses

    services.library_load()
    versions = fix_clauses(DEMO_SOW)
    assert len(versions) == 24, sorted(set(DEMO_SOW) - set(versions))
    sow = SowDocument.objects.create(engagement=engagement, title="Editor bench SOW")
    SowSection.objects.bulk_create([SowSection(sow=sow, position=k + 1, clause_version=versions[key])
                                    for k, key in enumerate(DEMO_SOW)])
    return sow


def run(args):
    import django

    django.setup()
    import logging

    # The request log lines would be most of what the run prints (and measures).
    logging.getLogger("django_structlog").setLevel(logging.WARNING)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import include, path
    from django.views.static import serve

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]
    settings.MEDIA_ROOT = MEDIA
    urlpatterns.extend([
        path("bench-bare/", bare),
        path("bench-static/<path:path>", serve, {"document_root": MEDIA}),
        path("", include("config.urls")),
    ])
    settings.ROOT_URLCONF = __name__
    call_command("migrate", verbosity=0)
    # A PDF-sized file (about 100 KB) that the download and the static view both serve.
    pdf = b"%PDF-1.7\n" + os.urandom(100_000) + b"\n%%EOF\n"
    target = Path(MEDIA) / PDF_NAME
    target.parent.mkdir(parents=True)
    target.write_bytes(pdf)
    started = time.perf_counter()
    small_leader, small_engagement, small_version = build(args.small, "small", pdf)
    large_leader, _, _ = build(args.large, "large", pdf)
    sow = editor_sow(small_engagement, small_leader)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"built {args.small} + {args.large} engagements in "
          f"{time.perf_counter() - started:.1f}s")

    small, large = Client(), Client()
    small.force_login(small_leader)
    large.force_login(large_leader)
    e, s = small_version.sow.engagement_id, small_version.sow_id
    cases = {
        "contracts-small": (small, "/contracts/"),
        "contracts-large": (large, "/contracts/"),
        "engagements-small": (small, "/engagements/"),
        "engagements-large": (large, "/engagements/"),
        "api-list-large": (large, "/api/v1/engagements/?page_size=50"),
        "bare-list-large": (large, "/bench-bare/"),
        "download": (small, f"/engagements/{e}/sows/{s}/versions/1/pdf/"),
        "static": (small, f"/bench-static/{PDF_NAME}"),
        "editor-24": (small, f"/engagements/{sow.engagement_id}/sows/{sow.pk}/"),
    }

    if args.only:
        cases = {k: v for k, v in cases.items()
                 if any(k.startswith(p) for p in args.only.split(","))}

    def fetch(name):
        client, url = cases[name]
        response = client.get(url)
        body = (b"".join(response.streaming_content) if response.streaming
                else response.content)
        return response, body

    for name in cases:
        with CaptureQueriesContext(connection) as ctx:
            response, body = fetch(name)
        assert response.status_code == 200, (name, response.status_code)
        if name in ("download", "static") and not response.get(
                settings.OFFRAMP_SENDFILE_HEADER if hasattr(settings, "OFFRAMP_SENDFILE_HEADER")
                and settings.OFFRAMP_SENDFILE_HEADER else "X-None"):
            assert body == pdf, f"{name} did not serve the same bytes"
        if name == "api-list-large":
            assert len(json.loads(body)["results"]) == 50
        print(f"{name:18} {len(ctx.captured_queries):3} statements, {len(body) / 1024:6.1f} KiB"
              f"  {cases[name][1]}")
    if args.profile:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.runcall(lambda: [fetch(args.profile) for _ in range(args.repeat)])
        profile.dump_stats("/tmp/bench-pages.prof")
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
        return
    times = {name: [] for name in cases}
    for i in range(args.repeat):
        order = list(cases) if i % 2 == 0 else list(reversed(cases))
        for name in order:
            gc.collect()
            start = time.perf_counter()
            fetch(name)
            times[name].append(time.perf_counter() - start)
    if "editor-24" in cases:
        # The editor's own work, without the HTTP round trip: the SOW check (sow/checks) and
        # the rendering of the 24 clauses, where validation happens.
        from sow.context import build_context
        from sow.selectors import sow_sections
        from sow.services.evaluation import render_sections, sow_evaluate

        sections = sow_sections(sow=sow)
        context = build_context(sow.engagement_id)
        for name, fn in (("sow_evaluate-24", lambda: sow_evaluate(sow, sections)),
                         ("render_sections-24", lambda: render_sections(sections, context))):
            fn()
            times[name] = []
            for _ in range(args.repeat):
                gc.collect()
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
    med = {name: statistics.median(t) * 1000 for name, t in times.items()}
    for name, value in med.items():
        print(f"median {name:18} {value:7.1f} ms")

    def ratio(a, b, target):
        print(f"ratio {a} / {b}: {med[a] / med[b]:.2f}  (target {target})")

    for a, b, target in [("contracts-large", "contracts-small", "<= 1.3"),
                         ("engagements-large", "engagements-small", "for reference"),
                         ("api-list-large", "bare-list-large", "<= 1.3"),
                         ("download", "static", "<= 2.0")]:
        if a in med and b in med:
            ratio(a, b, target)
    if "editor-24" in med:
        print(f"editor-24: {med['editor-24']:.1f} ms (target <= 0.6x of the 'before' run)")


if __name__ == "__main__":
    main()
