"""Keep working when Redis, PostgreSQL or a worker fails (issue 10): the signal path, a broker
that refuses connections, poison renders, stuck work, and a readiness check that tells the
truth. Tests that need the real worker are marked `worker` (CI starts one)."""

import contextlib
import datetime as dt
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from engagement import services as engagement_services
from engagement.models import Heartbeat, Notification, OutboxTask
from engagement.outbox import outbox_sweep
from payments import services as pay
from payments.models import PaymentMilestone
from sow.models import RenderJob
from sow.services import pdf as pdf_services
from tests.sow.pdf_helpers import frozen_version

ROOT = Path(__file__).resolve().parent.parent
REFUSING_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connections are refused


def test_every_domain_signal_keeps_its_receivers_under_the_production_settings():
    script = (
        "import gc, django; django.setup(); gc.collect();"
        "from django.dispatch import Signal; import engagement.signals as s, sow.signals as w;"
        "missing = [n for m in (s,) for n, v in vars(m).items() if isinstance(v, Signal)"
        " and not v._live_receivers(None)[0]];"
        "print('MISSING', missing) if missing else print('OK')"
    )
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_"))}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production",
               DJANGO_SECRET_KEY="k3y-" + "a1B2c3D4e5F6g7H8" * 4,
               DJANGO_ALLOWED_HOSTS="offramp.example.com",
               DATABASE_URL="sqlite:////tmp/offramp-prod-signals.sqlite3")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "OK", result.stdout + result.stderr


@pytest.fixture
def ladder(engagement, people):
    return engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)


@pytest.fixture
def gated_payment(engagement, people, ladder):
    criterion = ladder[0].criteria.first()
    payment = pay.payment_create(
        actor=people["procurement"], engagement=engagement, label="Discovery",
        amount=Decimal("10000.00"), due_date=engagement.start_date + dt.timedelta(weeks=6),
        conditions=[{"kind": "criterion", "criterion": criterion.pk}])
    return payment, criterion


@pytest.mark.django_db
def test_verifying_a_criterion_moves_the_payment_through_the_real_signal(
        gated_payment, people, django_capture_on_commit_callbacks,
        inline_tasks):
    payment, criterion = gated_payment
    with django_capture_on_commit_callbacks(execute=True):
        engagement_services.criterion_verify(actor=people["pm"], criterion=criterion,
                                             status="met", note="Seen in the CI log")
    payment.refresh_from_db()
    assert payment.status == "eligible"
    assert OutboxTask.objects.filter(kind="payments.evaluate_gates").last().status == "done"


@pytest.fixture
def refusing_broker():
    """Point the Celery app at a port where nothing listens (as when Redis is down)."""
    from config.celery_app import app

    with broker_at(app, REFUSING_BROKER) as restore:
        yield restore


@contextlib.contextmanager
def broker_at(app, url, *, then_inline=True):
    """Point the app's publishing at `url` (not eager); the returned callable puts it back.

    Producer pools are cached by the app (twice) and by kombu's global registry, which would
    hand back a pool for the old broker: all are dropped on the way in and out. Celery reads
    CELERY_BROKER_URL from the environment before its own `broker_url` (CI sets it), so the
    publishing side is pointed through `broker_write_url`, which it asks first."""
    from kombu import pools

    saved = (app.conf.broker_write_url if "broker_write_url" in app.conf.changes else None,
             app.conf.task_always_eager)

    def reset_pools():
        pools.reset()
        app._pool, app.amqp._producer_pool = None, None

    reset_pools()
    app.conf.broker_write_url, app.conf.task_always_eager = url, False
    done = []

    def restore():
        """The broker is back. With `then_inline`, published work runs in this process (the
        embedded mode), so the test sees it finish without a worker."""
        if not done:
            app.conf.broker_write_url = saved[0]
            reset_pools()
            app.conf.task_always_eager = True if then_inline else saved[1]
            done.append(True)

    try:
        yield restore
    finally:
        restore()
        app.conf.task_always_eager = saved[1]


@pytest.mark.django_db
@pytest.mark.usefixtures("weasyprint_available")
def test_a_render_asked_for_while_the_broker_is_down_answers_fast_and_runs_when_it_is_back(
        client, engagement, people, refusing_broker, django_capture_on_commit_callbacks):
    version = frozen_version(engagement, people, schedules=("ladder",))
    client.force_login(people["leader"])
    base = f"/engagements/{engagement.pk}/sows/{version.sow_id}/versions/{version.number}/"
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(base + "pdf/generate/", HTTP_HX_REQUEST="true")
    elapsed = time.monotonic() - started
    assert response.status_code == 200 and elapsed < 2, elapsed
    job = RenderJob.objects.get(sow_version=version)
    assert (job.status, job.published_at) == ("queued", None)
    panel = client.get(base + "pdf/status/").content.decode()
    assert "Queued: will start when the worker is reachable" in panel
    refusing_broker()  # the broker is back (the embedded mode runs published work inline)
    counts = outbox_sweep()
    job.refresh_from_db()
    assert counts["renders_published"] == 1 and job.status == "succeeded", job.reason
    assert job.attempts == 1


@pytest.mark.django_db
def test_gate_work_asked_for_while_the_broker_is_down_runs_on_the_next_sweep(
        gated_payment, people, refusing_broker, django_capture_on_commit_callbacks):
    payment, criterion = gated_payment
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        engagement_services.criterion_verify(actor=people["pm"], criterion=criterion,
                                             status="met", note="Seen in the CI log")
    assert time.monotonic() - started < 2
    row = OutboxTask.objects.filter(kind="payments.evaluate_gates").last()
    assert (row.status, row.published_at) == ("pending", None)
    waiting = OutboxTask.objects.filter(status="pending").count()
    refusing_broker()
    outbox_sweep()
    payment.refresh_from_db()
    row.refresh_from_db()
    assert (payment.status, row.status, row.attempts) == ("eligible", "done", 1)
    assert Heartbeat.objects.get(name="sweeper").detail["published"] == waiting


@pytest.mark.django_db
def test_an_outbox_row_runs_once_however_often_it_is_published(
        gated_payment, people, django_capture_on_commit_callbacks,
        inline_tasks):
    from engagement.outbox import outbox_run

    payment, criterion = gated_payment
    with django_capture_on_commit_callbacks(execute=True):
        engagement_services.criterion_verify(actor=people["pm"], criterion=criterion,
                                             status="met", note="ok")
    row = OutboxTask.objects.filter(kind="payments.evaluate_gates").last()
    assert [outbox_run(row.pk) for _ in range(3)] == ["skipped"] * 3
    row.refresh_from_db()
    assert row.attempts == 1


@pytest.mark.django_db
def test_a_failing_outbox_row_stops_after_the_allowed_attempts(settings, engagement):
    from engagement.outbox import outbox_run, register_outbox_handler

    def explode(payload):
        raise RuntimeError("the SMTP server said no")

    register_outbox_handler("tests.explode", explode)
    row = OutboxTask.objects.create(kind="tests.explode", available_at=timezone.now())
    outcomes = []
    for _ in range(settings.OFFRAMP_TASK_MAX_ATTEMPTS):
        OutboxTask.objects.filter(pk=row.pk).update(available_at=timezone.now())
        outcomes.append(outbox_run(row.pk))
    row.refresh_from_db()
    assert outcomes == ["retry", "retry", "failed"] and row.status == "failed"
    assert "Stopped after 3 attempts" in row.last_error and "SMTP" in row.last_error


@pytest.mark.django_db
@pytest.mark.usefixtures("weasyprint_available")
def test_a_poison_render_stops_after_the_allowed_attempts_and_tells_who_asked(
        engagement, people, settings):
    version = frozen_version(engagement, people, schedules=("ladder",))
    job, _ = pdf_services.render_request(actor=people["leader"], version=version)
    # Each earlier delivery killed its worker mid-render: claimed, never finished.
    RenderJob.objects.filter(pk=job.pk).update(status="running",
                                               attempts=settings.OFFRAMP_TASK_MAX_ATTEMPTS,
                                               started_at=timezone.now())
    assert pdf_services.render_job_execute(job.pk) == "already-finished"
    job.refresh_from_db()
    assert job.status == "failed" and "Stopped after 3 attempts" in job.reason
    assert Notification.objects.filter(user=people["leader"], message__contains="failed").exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("weasyprint_available")
def test_a_render_stuck_in_running_is_recovered_by_the_sweeper(engagement, people, inline_tasks):
    version = frozen_version(engagement, people, schedules=("ladder",))
    job, _ = pdf_services.render_request(actor=people["leader"], version=version)
    RenderJob.objects.filter(pk=job.pk).update(
        status="running", attempts=1, started_at=timezone.now() - dt.timedelta(hours=1))
    counts = outbox_sweep()
    job.refresh_from_db()
    assert counts["renders_requeued"] == 1
    assert job.status == "succeeded" and job.attempts == 2


@pytest.mark.django_db
def test_outbox_work_stuck_in_running_is_recovered(gated_payment, people, inline_tasks):
    row = OutboxTask.objects.create(
        kind="payments.evaluate_gates", payload={"engagement_id": gated_payment[0].engagement_id},
        status="running", attempts=1, available_at=timezone.now(),
        started_at=timezone.now() - dt.timedelta(hours=1))
    assert outbox_sweep()["recovered"] == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("done", 2)


@pytest.fixture
def broker_without_workers(settings):
    """A reachable Redis where no worker listens (as when the workers are stopped)."""
    import redis

    from config.celery_app import app

    url = "redis://127.0.0.1:6379/14"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        from tests.conftest import missing_service

        missing_service("Redis", "start redis-server on 127.0.0.1:6379")
    settings.CELERY_BROKER_URL = url
    with broker_at(app, url, then_inline=False):
        yield


@pytest.mark.django_db
def test_readyz_fails_when_no_worker_answers(client, people, broker_without_workers):
    from engagement.models import User

    Heartbeat.objects.create(name="sweeper", at=timezone.now())
    anonymous = client.get("/readyz")
    assert anonymous.status_code == 503 and anonymous.json() == {"status": "fail"}
    client.force_login(User.objects.create_user(
        "ops", organisation=people["pm"].organisation, role="admin"))
    checks = client.get("/readyz").json()["checks"]
    assert checks["broker"]["ok"] and not checks["workers"]["ok"]
    assert "no worker answered" in checks["workers"]["error"]


@pytest.mark.django_db
def test_readyz_fails_when_beat_stopped_or_work_is_stuck(client, people, settings):
    settings.CELERY_BROKER_URL = None  # embedded: broker, workers and beat are inline
    assert client.get("/readyz").status_code == 200
    OutboxTask.objects.create(kind="payments.evaluate_gates", status="running", attempts=1,
                              available_at=timezone.now(),
                              started_at=timezone.now() - dt.timedelta(hours=1))
    assert client.get("/readyz").json() == {"status": "fail"}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_moves_the_payment_after_a_verification(celery_worker, gated_payment,
                                                            people):
    payment, criterion = gated_payment
    engagement_services.criterion_verify(actor=people["pm"], criterion=criterion,
                                         status="met", note="Seen in the CI log")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if PaymentMilestone.objects.get(pk=payment.pk).status == "eligible":
            break
        time.sleep(0.2)
    assert PaymentMilestone.objects.get(pk=payment.pk).status == "eligible"
    row = OutboxTask.objects.filter(kind="payments.evaluate_gates").last()
    assert row.status == "done" and row.published_at is not None
