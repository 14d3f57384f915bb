"""Contract PDF benchmark: the full app path against plain WeasyPrint on the same HTML.

Run: .venv/bin/python bench/pdf_render.py [--repeat 5]

Builds the demo data in a throw-away SQLite database, freezes the demo SOW at three sizes
(about 10, 20 and 40 pages) and, for each size, alternates:
  app   — a render job through sow.services.pdf.render_job_execute: claim, print HTML, WeasyPrint
          behind the safe fetcher, thumbnail, storage, conditional finish and audit event;
  plain — weasyprint.HTML(filename=…).write_pdf() on the same final HTML saved to a file.
Prints per size the median of each and the ratio app/plain, then the growth from 10 to 40
pages. Targets: ratio ≤ 1.15 at 40 pages; time(40)/time(10) ≤ 4.6.
"""

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="offramp-bench-"))
os.environ.update({
    "DJANGO_SETTINGS_MODULE": "config.settings.local",
    "DATABASE_URL": f"sqlite:///{WORK / 'bench.sqlite3'}",
    "CELERY_BROKER_URL": "",
    "MEDIA_ROOT": str(WORK / "media"),
    "DJANGO_LOG_LEVEL": "WARNING",
})

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from weasyprint import HTML  # noqa: E402

from engagement.models import User  # noqa: E402
from sow import services  # noqa: E402
from sow.models import RenderJob, SowDocument  # noqa: E402
from sow.rendering import print_html  # noqa: E402
from sow.services import pdf as pdf_services  # noqa: E402

# Each size repeats the same unit of the demo SOW (clauses and schedules in the same mix), so
# the comparison measures how rendering grows with length, not a change of content.
SIZES = {"~10 pages": 2, "~20 pages": 4, "~40 pages": 8}
UNIT_CLAUSES = 10
UNIT_SCHEDULES = ("ladder", "kpis")


def build_versions():
    call_command("migrate", verbosity=0)
    call_command("seed_demo", force=True, stdout=open(os.devnull, "w"))
    actor = User.objects.get(username="procurement")
    demo = SowDocument.objects.get()
    sections = list(demo.sections.order_by("position").select_related("clause_version"))
    clauses = [s for s in sections if s.clause_version_id][:UNIT_CLAUSES]
    schedules = [s for s in sections if s.schedule in UNIT_SCHEDULES]
    half = len(clauses) // 2
    unit = clauses[:half] + schedules[:1] + clauses[half:] + schedules[1:]
    versions = {}
    for label, repeat in SIZES.items():  # noqa: B007 - label names the SOW
        sow = services.sow_create(actor=actor, engagement=demo.engagement, title=f"Bench {label}")
        for s in unit * repeat:
            services.sow_section_add(actor=actor, sow=sow, clause_version=s.clause_version,
                                     schedule=s.schedule)
        sow.refresh_from_db()
        versions[label] = services.sow_freeze(actor=actor, sow=sow, justification="benchmark")
    return versions


def app_once(version):
    RenderJob.objects.filter(sow_version=version).exclude(status="failed").update(
        status="failed")
    job = RenderJob.objects.create(sow_version=version, variant="draft")
    start = time.perf_counter()
    assert pdf_services.render_job_execute(job.pk) == "succeeded"
    elapsed = time.perf_counter() - start
    job.refresh_from_db()
    return elapsed, job.page_count


def plain_once(path):
    start = time.perf_counter()
    HTML(filename=str(path)).write_pdf()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    versions = build_versions()
    results = {}
    for label, version in versions.items():
        path = WORK / f"{label.strip('~ ').replace(' ', '-')}.html"
        path.write_text(print_html(version, [], draft=True))
        app, plain, pages = [], [], 0
        app_once(version)  # warm-up: fonts and caches
        for i in range(args.repeat):
            # Alternate which goes first, and start each from a collected heap.
            order = (True, False) if i % 2 == 0 else (False, True)
            for run_app in order:
                gc.collect()
                if run_app:
                    t, pages = app_once(version)
                    app.append(t)
                else:
                    plain.append(plain_once(path))
        results[label] = (statistics.median(app), statistics.median(plain), pages)
    print(f"{'size':<11}{'pages':>6}{'app s':>9}{'plain s':>9}{'app/plain':>11}")
    for label, (a, p, pages) in results.items():
        print(f"{label:<11}{pages:>6}{a:>9.3f}{p:>9.3f}{a / p:>11.3f}")
    small, large = results["~10 pages"][0], results["~40 pages"][0]
    ratio_40 = results["~40 pages"][0] / results["~40 pages"][1]
    print(f"growth app time(40)/time(10): {large / small:.2f} (target <= 4.6); "
          f"pages {results['~40 pages'][2]}/{results['~10 pages'][2]}")
    print(f"ratio app/plain at 40 pages: {ratio_40:.3f} (target <= 1.15)")


if __name__ == "__main__":
    main()
