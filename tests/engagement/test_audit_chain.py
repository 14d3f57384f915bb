import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from engagement import services
from engagement.audit import GENESIS, audit_verify
from engagement.models import AuditEvent, Engagement
from tests.engagement.factories import make_engagement


def _add_events(engagement, actor, n):
    for i in range(n):
        services.staffing_assign(actor=actor, engagement=engagement,
                                 staffing_role="ml_engineer", person_name=f"Engineer {i}")


def _tamper(sql, params):
    """What a DBA with superuser rights could do: switch the guard off, change a row."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # Django's deferred FK checks must fire before the table can be altered.
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute("ALTER TABLE engagement_auditevent DISABLE TRIGGER "
                        "engagement_auditevent_append_only")
        cur.execute(sql, params)
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE engagement_auditevent ENABLE TRIGGER "
                        "engagement_auditevent_append_only")


@pytest.mark.django_db
def test_events_link_into_one_chain_per_engagement(engagement, people):
    _add_events(engagement, people["pm"], 3)
    events = list(AuditEvent.objects.filter(engagement=engagement).order_by("seq"))
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert events[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))
    assert audit_verify() == {"ok": True, "events": 4}


@pytest.mark.django_db
def test_chains_of_two_engagements_are_independent(engagement, people, orgs):
    other = make_engagement(actor=people["pm"], client=orgs["client"], vendor=orgs["vendor"],
                            title="Second")
    _add_events(other, people["pm"], 2)
    assert AuditEvent.objects.get(engagement=other, seq=1).prev_hash == GENESIS
    assert audit_verify()["ok"]


@pytest.mark.django_db
def test_changed_content_is_detected_by_verify_audit(engagement, people, capsys):
    _add_events(engagement, people["pm"], 3)
    victim = AuditEvent.objects.get(engagement=engagement, seq=3)
    _tamper("UPDATE engagement_auditevent SET reason = %s WHERE id = %s", ["edited", victim.pk])
    result = audit_verify()
    assert (result["ok"], result["seq"], result["event"]) == (False, 3, victim.pk)
    assert "does not match its stored hash" in result["problem"]
    with pytest.raises(CommandError, match=r"event #3"):
        call_command("verify_audit")


@pytest.mark.django_db
def test_deleted_event_is_detected_as_a_gap(engagement, people):
    _add_events(engagement, people["pm"], 3)
    victim = AuditEvent.objects.get(engagement=engagement, seq=2)
    _tamper("DELETE FROM engagement_auditevent WHERE id = %s", [victim.pk])
    result = audit_verify(engagement_id=engagement.pk)
    assert (result["ok"], result["seq"]) == (False, 3)
    assert "sequence gap" in result["problem"]


@pytest.mark.django_db
def test_verify_audit_command_reports_success(engagement, capsys):
    call_command("verify_audit")
    assert "OK: 1 audit events intact." in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_audit_record_outside_a_transaction_is_refused(engagement, people):
    from engagement.audit import audit_record

    with pytest.raises(RuntimeError):
        audit_record(engagement=engagement, actor=None, verb="x", obj=engagement)


def test_postgres_refuses_update_of_an_audit_event(postgres, engagement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(engagement=engagement).update(reason="rewritten")


def test_postgres_refuses_delete_of_an_audit_event(postgres, engagement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("DELETE FROM engagement_auditevent")


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_fork_the_chain(people, orgs):
    if connection.vendor != "postgresql":
        from tests.conftest import missing_service

        missing_service("PostgreSQL", "concurrent row locks need DATABASE_URL=postgres://…")
    engagement = make_engagement(actor=people["pm"], client=orgs["client"],
                                 vendor=orgs["vendor"])
    barrier = threading.Barrier(6)
    errors = []

    def writer(i):
        try:
            barrier.wait(timeout=10)
            services.staffing_assign(actor=people["pm"],
                                     engagement=Engagement.objects.get(pk=engagement.pk),
                                     staffing_role="ml_engineer", person_name=f"Writer {i}")
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    seqs = list(AuditEvent.objects.filter(engagement=engagement).order_by("seq")
                .values_list("seq", flat=True))
    assert seqs == [1, 2, 3, 4, 5, 6, 7]
    assert audit_verify(engagement_id=engagement.pk)["ok"]
