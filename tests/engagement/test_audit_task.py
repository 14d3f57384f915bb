import datetime as dt
import logging
import time

import pytest
from django.db import connection
from django.utils import timezone

from engagement import services
from engagement.models import AuditEvent, Heartbeat, Notification, User
from engagement.tasks import audit_verify_all
from tests.engagement.factories import make_engagement


def _tamper_reason(event_id):
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute("ALTER TABLE engagement_auditevent DISABLE TRIGGER "
                        "engagement_auditevent_append_only")
        cur.execute("UPDATE engagement_auditevent SET reason = 'forged' WHERE id = %s",
                    [event_id])
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE engagement_auditevent ENABLE TRIGGER "
                        "engagement_auditevent_append_only")


@pytest.mark.django_db
def test_nightly_task_logs_an_error_naming_the_broken_link(engagement, people, caplog):
    services.staffing_assign(actor=people["pm"], engagement=engagement,
                             staffing_role="ml_engineer", person_name="Aisha Bello")
    assert audit_verify_all.apply().get()["ok"] is True
    victim = AuditEvent.objects.get(engagement=engagement, seq=2)
    _tamper_reason(victim.pk)
    with caplog.at_level(logging.ERROR, logger="offramp.audit"):
        result = audit_verify_all.apply().get()
    assert (result["ok"], result["event"]) == (False, victim.pk)
    assert f"engagement {engagement.pk}, event #2" in caplog.text
    assert Heartbeat.objects.get(name="audit_verify").ok is False


@pytest.mark.django_db
def test_a_broken_chain_tells_the_organisation_admins_in_the_app_and_by_mail(
        engagement, people, orgs, mailoutbox, django_capture_on_commit_callbacks, inline_tasks):
    admin = User.objects.create_user("client-admin", email="admin@northwind.example",
                                     organisation=orgs["client"], role="admin")
    services.staffing_assign(actor=people["pm"], engagement=engagement,
                             staffing_role="ml_engineer", person_name="Aisha Bello")
    _tamper_reason(AuditEvent.objects.get(engagement=engagement, seq=2).pk)
    with django_capture_on_commit_callbacks(execute=True):
        audit_verify_all.apply()
    note = Notification.objects.get(user=admin)
    assert "audit chain" in note.message and note.url.endswith("/audit/")
    assert [m.to for m in mailoutbox] == [["admin@northwind.example"]]


def test_nightly_task_is_scheduled_in_beat():
    from django.conf import settings

    entries = {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "engagement.tasks.audit_verify_all" in entries


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_the_nightly_verification(celery_worker, people, orgs):
    engagement = make_engagement(actor=people["pm"], client=orgs["client"],
                                 vendor=orgs["vendor"])
    services.staffing_assign(actor=people["pm"], engagement=engagement,
                             staffing_role="ml_engineer", person_name="Aisha Bello")
    total = AuditEvent.objects.count()

    # No result backend: the task's outcome is its heartbeat row (what /readyz reads).
    audit_verify_all.delay()
    beat = wait_for_heartbeat("audit_verify", after=timezone.now() - dt.timedelta(seconds=1))
    assert (beat.ok, beat.detail) == (True, {"ok": True, "events": total, "integrity": []})

    victim = AuditEvent.objects.get(engagement=engagement, seq=2)
    _tamper_reason(victim.pk)
    started = timezone.now()
    audit_verify_all.delay()
    beat = wait_for_heartbeat("audit_verify", after=started)
    assert (beat.ok, beat.detail["engagement"], beat.detail["seq"]) == (False, engagement.pk, 2)


def wait_for_heartbeat(name, *, after, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        beat = Heartbeat.objects.filter(name=name, at__gte=after).first()
        if beat:
            return beat
        time.sleep(0.2)
    raise AssertionError(f"no {name} heartbeat after {after} within {timeout}s")
