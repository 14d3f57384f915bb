"""The tracker at scale and under concurrency, and on the real worker."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagement.models import AcceptanceCriterion, AuditEvent
from payments import services as pay
from payments.models import PaymentMilestone
from payments.tasks import payments_evaluate_all
from tests.payments.factories import bulk_schedules

TODAY = dt.date(2026, 9, 20)


def queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return len(ctx.captured_queries), result


@pytest.mark.django_db
def test_evaluator_query_count_is_the_same_for_10_and_1000_engagements(orgs):
    bulk_schedules(orgs["client"], orgs["vendor"], 10)
    idle_small, _ = queries(lambda: pay.payments_evaluate(today=TODAY))
    bulk_schedules(orgs["other_client"], orgs["other_vendor"], 990)
    idle_large, _ = queries(lambda: pay.payments_evaluate(today=TODAY))
    assert idle_small == idle_large == 1

    AcceptanceCriterion.objects.filter(milestone__engagement__client=orgs["client"]).update(
        status="met", verified_at=dt.datetime(2026, 9, 9, tzinfo=dt.UTC))
    busy_small, moved_small = queries(lambda: pay.payments_evaluate(today=TODAY))
    AcceptanceCriterion.objects.update(status="met",
                                       verified_at=dt.datetime(2026, 9, 9, tzinfo=dt.UTC))
    busy_large, moved_large = queries(lambda: pay.payments_evaluate(today=TODAY))
    assert (len(moved_small), len(moved_large)) == (40, 3960)
    if connection.vendor == "postgresql":
        # SQLite splits bulk inserts into batches of its variable limit; PostgreSQL does not.
        assert busy_small == busy_large
    assert AuditEvent.objects.filter(verb="payment.status_changed").count() == 4000


@pytest.mark.django_db(transaction=True)
def test_concurrent_evaluators_apply_each_move_once(orgs):
    if connection.vendor != "postgresql":
        from tests.conftest import missing_service

        missing_service("PostgreSQL", "concurrent transactions need DATABASE_URL=postgres://…")
    bulk_schedules(orgs["client"], orgs["vendor"], 20, met=True)
    barrier = threading.Barrier(4)
    applied = []

    def run():
        try:
            barrier.wait(timeout=10)
            applied.append(len(pay.payments_evaluate(today=TODAY)))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(applied) == 80
    assert PaymentMilestone.objects.filter(status="eligible").count() == 80
    assert AuditEvent.objects.filter(verb="payment.status_changed").count() == 80
    from engagement.audit import audit_verify

    assert audit_verify()["ok"]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_beat_task_runs_on_the_real_worker(celery_worker, orgs):
    bulk_schedules(orgs["client"], orgs["vendor"], 3, met=True)
    payments_evaluate_all.delay()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and PaymentMilestone.objects.filter(
            status="eligible").count() < 12:
        time.sleep(0.2)
    assert PaymentMilestone.objects.filter(status="eligible").count() == 12
