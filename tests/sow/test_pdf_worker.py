"""The contract task on a real Celery worker (started by .ci/run), including a worker child
killed with SIGKILL mid-render."""

import os
import signal
import time
from pathlib import Path

import pytest
from django.conf import settings

from sow.models import RenderJob
from sow.services import pdf as pdf_services
from tests.sow.pdf_helpers import frozen_version

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("weasyprint_available")]


def wait_for(job, statuses, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in statuses:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job stayed {job.status} ({job.step}) for {timeout}s")


def pdf_files(job):
    folder = Path(settings.MEDIA_ROOT) / f"contracts/engagement-{job.sow_version.sow.engagement_id}"
    return sorted(folder.rglob(f"job-{job.pk}-*.pdf"))


def test_real_worker_renders_the_contract(celery_worker, engagement, people):
    version = frozen_version(engagement, people, schedules=("ladder",))
    job, created = pdf_services.render_request(actor=people["leader"], version=version)
    assert created
    wait_for(job, {"succeeded", "failed"})
    assert job.status == "succeeded", job.reason
    assert job.page_count >= 5 and len(pdf_files(job)) == 1


def test_worker_killed_mid_render_leaves_exactly_one_pdf(celery_worker, engagement, people):
    if not getattr(settings, "OFFRAMP_RENDER_FIRST_ATTEMPT_DELAY", 0):
        pytest.skip("the worker must run with OFFRAMP_RENDER_FIRST_ATTEMPT_DELAY set (see .ci/run)")
    version = frozen_version(engagement, people, schedules=("ladder",))
    job, _ = pdf_services.render_request(actor=people["leader"], version=version)
    wait_for(job, {"running"}, timeout=30)
    stats = celery_worker.control.inspect(timeout=3).stats() or {}
    children = [pid for s in stats.values() for pid in s.get("pool", {}).get("processes", [])]
    assert children, "the worker reported no pool processes"
    for pid in children:
        os.kill(pid, signal.SIGKILL)
    wait_for(job, {"succeeded", "failed"})
    assert job.status == "succeeded", job.reason
    assert job.attempts >= 2, "the killed attempt was redelivered"
    assert len(pdf_files(job)) == 1
    assert RenderJob.objects.filter(sow_version=version).count() == 1


def test_a_render_that_kills_its_worker_stops_after_the_allowed_attempts(celery_worker,
                                                                         engagement, people):
    if not getattr(settings, "OFFRAMP_RENDER_FIRST_ATTEMPT_DELAY", 0):
        pytest.skip("the worker must run with the test hooks (see .ci/run)")
    from sow.models import SowDocument
    from tests.worker_hooks.apps import POISON_TITLE

    version = frozen_version(engagement, people, schedules=("ladder",))
    SowDocument.objects.filter(pk=version.sow_id).update(title=POISON_TITLE)
    job, _ = pdf_services.render_request(actor=people["leader"], version=version)
    wait_for(job, {"succeeded", "failed"}, timeout=120)
    assert job.status == "failed"
    assert job.attempts == settings.OFFRAMP_TASK_MAX_ATTEMPTS
    assert "Stopped after 3 attempts" in job.reason
    time.sleep(2)  # no further delivery claims it again
    job.refresh_from_db()
    assert job.attempts == settings.OFFRAMP_TASK_MAX_ATTEMPTS
