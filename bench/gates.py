"""Gate tracker benchmark: the app's full evaluation against one hand-written SQL query.

Run: .venv/bin/python bench/gates.py [--engagements 10000] [--repeat 7]
     (PostgreSQL at $BENCH_ADMIN_URL, default postgres://postgres@127.0.0.1:5432/postgres)

Creates a throw-away PostgreSQL database, bulk-creates N engagements with 4 payment milestones
and 4 gate conditions each (nothing met, nothing due: an evaluation that changes no state),
then alternates
  app  — payments.services.payments_evaluate(): the tracker's full evaluation;
  sql  — one hand-written query computing the same set of payments that must move;
and prints the number of SQL statements the evaluator issued, both medians and the ratio.
Targets: at most 5 statements whatever the size; ratio <= 1.5 when nothing changes state.
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

HAND_SQL = """
SELECT p.id
FROM payments_paymentmilestone p
LEFT JOIN payments_gatecondition g ON g.payment_id = p.id
LEFT JOIN engagement_acceptancecriterion c ON c.id = g.criterion_id
LEFT JOIN engagement_milestone m ON m.id = g.milestone_id
WHERE p.status IN ('scheduled', 'eligible', 'overdue')
GROUP BY p.id
HAVING (COUNT(g.id) > 0 AND COUNT(g.id) = COUNT(g.id) FILTER (
            WHERE (g.kind = 'criterion' AND c.status = 'met')
               OR (g.kind = 'milestone' AND m.status = 'accepted'))) <> (p.status = 'eligible')
    OR (p.status = 'scheduled' AND p.due_date < %(today)s)
    OR (p.status = 'overdue' AND p.due_date >= %(today)s)
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--engagements", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with throwaway_database():
        run(args)


def run(args):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from engagement.models import Organisation
    from payments.services import payments_evaluate
    from tests.payments.factories import bulk_schedules

    call_command("migrate", verbosity=0)
    client = Organisation.objects.create(name="Client", kind="client")
    vendor = Organisation.objects.create(name="Vendor", kind="vendor")
    started = time.perf_counter()
    for done in range(0, args.engagements, 1000):
        bulk_schedules(client, vendor, min(1000, args.engagements - done))
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"built {args.engagements} engagements, {args.engagements * 4} payments, "
          f"{args.engagements * 16} gate conditions in {time.perf_counter() - started:.1f}s")
    today = dt.date(2026, 9, 20)

    def app():
        return payments_evaluate(today=today)

    def hand():
        with connection.cursor() as cur:
            cur.execute(HAND_SQL, {"today": today})
            return cur.fetchall()

    with CaptureQueriesContext(connection) as ctx:
        moved = app()
    statements = len(ctx.captured_queries)
    assert moved == [] and hand() == [], "the benchmark measures an evaluation with no moves"
    app_times, sql_times = [], []
    for i in range(args.repeat):
        for run_app in ((True, False) if i % 2 == 0 else (False, True)):
            gc.collect()
            start = time.perf_counter()
            app() if run_app else hand()
            (app_times if run_app else sql_times).append(time.perf_counter() - start)
    a, s = statistics.median(app_times), statistics.median(sql_times)
    print(f"evaluator SQL statements: {statements} (target <= 5)")
    print(f"median app evaluation: {a * 1000:.1f} ms; median hand-written SQL: {s * 1000:.1f} ms")
    print(f"ratio app/sql: {a / s:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
