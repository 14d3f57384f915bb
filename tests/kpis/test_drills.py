"""Incident drills: what counts (internal primary, within SLA, postmortem reviewed), the
criterion a passed drill proves, a payment it releases, the schedule, the overdue notice
sent once, and who may write what."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from common.errors import DomainError, NotAllowed, RuleViolation
from engagement import services as engagement_services
from engagement.models import Notification
from kpis.models import IncidentDrill
from kpis.services import (
    drill_plan,
    drill_record,
    drill_review,
    drills_overdue_notify,
    drills_schedule,
    kpi_add_from_catalogue,
)
from payments import services as pay

HELD = dt.date(2026, 10, 20)


@pytest.fixture
def staff(engagement, people):
    internal = engagement_services.staffing_assign(
        actor=people["pm"], engagement=engagement, staffing_role="ml_engineer",
        person_name="Aisha Bello")
    vendor = engagement_services.staffing_assign(
        actor=people["pm"], engagement=engagement, staffing_role="lead_consultant",
        user=people["vendor"])
    return {"internal": internal, "vendor": vendor}


@pytest.fixture
def go_live(engagement, people):
    ladder = engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)
    milestone = next(m for m in ladder if m.kind == "go_live")
    return milestone.criteria.get(method="incident_drill")


def held(people, drill, responder, **kw):
    fields = {"held_on": HELD, "detect_minutes": 9, "restore_minutes": 41,
              "primary_responder": responder, "vendor_role": "shadowing",
              "postmortem_url": "https://wiki.northwind.example/pm/1"}
    fields.update(kw)
    return drill_record(actor=people["pm"], drill=drill, **fields)


def plan(engagement, people, **kw):
    return drill_plan(actor=people["pm"], engagement=engagement, scenario="drift_alert",
                      planned_for=dt.date(2026, 10, 19), **kw)


def test_a_drill_counts_only_with_an_internal_primary_and_a_reviewed_postmortem(
        engagement, people, staff):
    drill = held(people, plan(engagement, people), staff["internal"])
    assert drill.result == "planned" and "waits for a client-side review" in drill.result_reason
    drill = drill_review(actor=people["leader"], drill=drill, review="complete")
    assert drill.result == "pass"
    # The vendor as primary responder: never counts, and the page says why.
    other = held(people, plan(engagement, people), staff["vendor"], vendor_role="primary")
    assert other.result == "fail" and "vendor was the primary responder" in other.result_reason
    slow = held(people, plan(engagement, people), staff["internal"], restore_minutes=75)
    assert slow.result == "fail" and "Outside the SLA" in slow.result_reason
    rework = held(people, plan(engagement, people), staff["internal"])
    with pytest.raises(DomainError):
        drill_review(actor=people["leader"], drill=rework, review="needs_work", note="")
    rework = drill_review(actor=people["leader"], drill=rework, review="needs_work",
                          note="No timeline of the alert.")
    assert rework.result == "fail"


def test_only_client_side_users_review_and_the_vendor_records_nothing(engagement, people,
                                                                     staff):
    drill = held(people, plan(engagement, people), staff["internal"])
    with pytest.raises(NotAllowed):
        drill_review(actor=people["vendor"], drill=drill, review="complete")
    with pytest.raises(NotAllowed):
        drill_plan(actor=people["vendor"], engagement=engagement, scenario="drift_alert",
                   planned_for=dt.date(2026, 10, 19))
    unheld = plan(engagement, people)
    with pytest.raises(RuleViolation):
        drill_review(actor=people["leader"], drill=unheld, review="complete")


def test_a_passed_drill_meets_its_criterion_and_releases_a_gated_payment(
        engagement, people, staff, go_live, django_capture_on_commit_callbacks, inline_tasks):
    drill = plan(engagement, people, criterion=go_live)
    payment = pay.payment_create(actor=people["procurement"], engagement=engagement,
                                 label="Holdback", amount=Decimal("20000.00"),
                                 due_date=dt.date(2026, 11, 1),
                                 conditions=[{"kind": "drill", "ref": drill.pk}])
    held(people, drill, staff["internal"])
    with django_capture_on_commit_callbacks(execute=True):
        drill_review(actor=people["leader"], drill=drill, review="complete")
    go_live.refresh_from_db()
    assert go_live.status == "met" and "Incident drill passed" in go_live.note
    payment.refresh_from_db()
    assert payment.status == "eligible"


def test_a_drill_held_after_the_due_date_does_not_release_the_payment(engagement, people,
                                                                     staff):
    drill = plan(engagement, people)
    pay.payment_create(actor=people["procurement"], engagement=engagement, label="Early",
                       amount=Decimal("1000.00"), due_date=dt.date(2026, 10, 10),
                       conditions=[{"kind": "drill", "ref": drill.pk}])
    held(people, drill, staff["internal"])
    drill_review(actor=people["leader"], drill=drill, review="complete")
    assert pay.payments_evaluate(today=dt.date(2026, 10, 5)) == []


def test_the_drill_success_kpi_is_fed(engagement, people, staff):
    kpi = kpi_add_from_catalogue(actor=people["pm"], engagement=engagement, key="drill_success")
    good = held(people, plan(engagement, people), staff["internal"])
    drill_review(actor=people["leader"], drill=good, review="complete")
    held(people, plan(engagement, people), staff["vendor"], vendor_role="primary")
    value = kpi.measurements.get(date=HELD)
    assert value.value == 50 and value.source == "drills"


def test_the_schedule_plans_go_live_drills_and_monthly_ones_on_a_retainer(people, orgs):
    from tests.engagement.factories import make_engagement, under_way

    retainer = under_way(make_engagement(actor=people["procurement"], client=orgs["client"],
                                         vendor=orgs["vendor"], format="retainer",
                                         length_weeks=26))
    engagement_services.ladder_generate(actor=people["pm"], engagement=retainer)
    new = drills_schedule(actor=people["pm"], engagement=retainer)
    linked = [d for d in new if d.criterion_id]
    assert len(linked) >= 1
    months = {(d.planned_for.year, d.planned_for.month) for d in new}
    assert len(months) >= 6
    assert drills_schedule(actor=people["pm"], engagement=retainer) == []


def test_an_overdue_drill_notifies_the_program_managers_exactly_once(engagement, people,
                                                                    mailoutbox):
    plan(engagement, people)
    assert drills_overdue_notify(today=dt.date(2026, 10, 18)) == 0
    assert drills_overdue_notify(today=dt.date(2026, 10, 21)) == 1
    assert drills_overdue_notify(today=dt.date(2026, 10, 22)) == 0
    notes = Notification.objects.filter(message__contains="has not been held")
    assert list(notes.values_list("user__username", flat=True)) == ["pm"]


def test_a_postmortem_file_follows_the_evidence_rules(engagement, people, staff):
    drill = plan(engagement, people)
    with pytest.raises(DomainError) as err:
        held(people, drill, staff["internal"], postmortem_url="",
             postmortem_file=SimpleUploadedFile("pm.exe", b"MZ"))
    assert err.value.field == "file"
    assert IncidentDrill.objects.get(pk=drill.pk).held_on is None


def test_the_drills_page_shows_the_rule_and_the_overview_the_overdue(client, engagement,
                                                                    people, staff):
    plan(engagement, people)
    vendor_drill = held(people, plan(engagement, people), staff["vendor"],
                        vendor_role="primary")
    client.force_login(people["pm"])
    page = client.get(f"/engagements/{engagement.pk}/drills/").content.decode()
    assert "vendor was the primary responder" in page and f"drill-{vendor_drill.pk}" in page
    overview = client.get(f"/engagements/{engagement.pk}/").content.decode()
    assert "1 drill overdue" in overview
