import logging

import pytest
from django.db import connection

from engagement import services
from engagement.models import AuditEvent
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

    result = audit_verify_all.delay().get(timeout=60)
    assert result == {"ok": True, "events": total}

    victim = AuditEvent.objects.get(engagement=engagement, seq=2)
    _tamper_reason(victim.pk)
    result = audit_verify_all.delay().get(timeout=60)
    assert (result["ok"], result["engagement"], result["seq"]) == (False, engagement.pk, 2)
