"""A payment gated on a KPI threshold (the `kpi` condition kind the kpis app plugs into the
payments registry): met by a value at or past the threshold dated on or before the due
date, re-evaluated after a measurement arrives, in one tracker query."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.errors import DomainError, RuleViolation
from engagement.models import OutboxTask
from kpis.services import kpi_define, kpi_delete, measurements_record
from payments import services as pay
from payments.models import PaymentMilestone
from payments.selectors import schedule_for_document, schedule_rows
from tests.engagement.factories import make_engagement

DUE = dt.date(2026, 10, 12)
TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def share(engagement, people):
    return kpi_define(actor=people["pm"], engagement=engagement, layer="capability",
                      name="Internal share of merged changes", unit="%", baseline=0,
                      target=Decimal(70), target_date=dt.date(2026, 11, 1))


@pytest.fixture
def gated(engagement, people, share):
    return pay.payment_create(actor=people["procurement"], engagement=engagement,
                              label="Internal team merges half", amount=Decimal("30000.00"),
                              due_date=DUE,
                              conditions=[{"kind": "kpi", "ref": share.pk, "threshold": "50"}])


def record(engagement, people, share, day, value):
    measurements_record(actor=people["pm"], engagement=engagement,
                        rows=[{"kpi": share.pk, "date": day, "value": value}])


def test_a_kpi_gate_opens_only_on_a_value_at_threshold_dated_by_the_due_date(
        engagement, people, share, gated):
    assert pay.payments_evaluate(today=DUE) == []
    record(engagement, people, share, dt.date(2026, 10, 5), 40)   # below the threshold
    record(engagement, people, share, dt.date(2026, 10, 19), 60)  # after the due date
    assert [m.after for m in pay.payments_evaluate(today=DUE)] == []
    record(engagement, people, share, dt.date(2026, 10, 12), 50)  # on the due date, at it
    moves = pay.payments_evaluate(today=DUE)
    assert [(m.payment_id, m.after) for m in moves] == [(gated.pk, "eligible")]
    row = schedule_rows(engagement)[0]
    assert row.gate_met and row.gate[0]["met"]
    assert "≥ 50 %" in row.gate[0]["words"]
    assert "Internal share of merged changes" in schedule_for_document(engagement.pk)[0]["gate"]


def test_lower_is_better_kpi_gate(engagement, people):
    retrain = kpi_define(actor=people["pm"], engagement=engagement, layer="capability",
                         name="Time to retrain", unit="hours", direction="down", baseline=40,
                         target=8, target_date=dt.date(2026, 11, 1))
    p = pay.payment_create(actor=people["procurement"], engagement=engagement, label="Fast",
                           amount=Decimal("10000.00"), due_date=DUE,
                           conditions=[{"kind": "kpi", "ref": retrain.pk, "threshold": 12}])
    record(engagement, people, retrain, dt.date(2026, 10, 1), 13)
    assert pay.payments_evaluate(today=DUE) == []
    record(engagement, people, retrain, dt.date(2026, 10, 2), 12)
    assert [m.payment_id for m in pay.payments_evaluate(today=DUE)] == [p.pk]


def test_a_measurement_re_evaluates_the_gates_through_the_tracker(
        engagement, people, share, gated, django_capture_on_commit_callbacks, inline_tasks):
    with django_capture_on_commit_callbacks(execute=True):
        record(engagement, people, share, dt.date(2026, 10, 9), 55)
    gated.refresh_from_db()
    assert gated.status == PaymentMilestone.Status.ELIGIBLE
    assert OutboxTask.objects.filter(kind="payments.evaluate_gates").last().status == "done"


def test_the_tracker_stays_one_query_with_kpi_gates(engagement, people, share, gated):
    record(engagement, people, share, dt.date(2026, 10, 9), 55)
    with CaptureQueriesContext(connection) as ctx:
        pay.payments_evaluate(today=TODAY, engagement_ids=[])
        pay.payments_evaluate(today=TODAY)
    # the second call finds the one move and applies it; the candidate search is one query
    assert ctx.captured_queries[0]["sql"].count("SELECT") >= 2  # EXISTS subquery inline
    PaymentMilestone.objects.filter(pk=gated.pk).update(status="eligible")
    with CaptureQueriesContext(connection) as idle:
        assert pay.payments_evaluate(today=TODAY) == []
    assert len(idle) == 1


def test_a_kpi_of_another_engagement_or_without_threshold_is_refused(
        engagement, people, share, orgs):
    other = make_engagement(actor=people["procurement"], client=orgs["client"],
                            vendor=orgs["vendor"])
    with pytest.raises(DomainError) as err:
        pay.payment_create(actor=people["procurement"], engagement=other, label="x",
                           amount=Decimal("1000.00"), due_date=DUE,
                           conditions=[{"kind": "kpi", "ref": share.pk, "threshold": 1}])
    assert err.value.rule == "gate_other_engagement"
    with pytest.raises(DomainError) as err:
        pay.payment_create(actor=people["procurement"], engagement=engagement, label="x",
                           amount=Decimal("1000.00"), due_date=DUE,
                           conditions=[{"kind": "kpi", "ref": share.pk}])
    assert "threshold" in err.value.message
    with pytest.raises(DomainError):
        pay.payment_create(actor=people["procurement"], engagement=engagement, label="x",
                           amount=Decimal("1000.00"), due_date=DUE,
                           conditions=[{"kind": "kpi", "ref": share.pk, "threshold": "NaN"}])


def test_a_kpi_that_gates_a_payment_cannot_be_deleted(draft_engagement, people):
    k = kpi_define(actor=people["pm"], engagement=draft_engagement, layer="system",
                   name="Eval pass rate", target=95, target_date=dt.date(2026, 10, 20))
    pay.payment_create(actor=people["procurement"], engagement=draft_engagement, label="x",
                       amount=Decimal("1000.00"), due_date=DUE,
                       conditions=[{"kind": "kpi", "ref": k.pk, "threshold": 90}])
    with pytest.raises(RuleViolation) as err:
        kpi_delete(actor=people["pm"], kpi=k)
    assert err.value.rule == "kpi_gates_payment"


def test_the_payments_api_takes_and_shows_a_kpi_condition(client, engagement, people, share):
    client.force_login(people["procurement"])
    r = client.post("/api/v1/payment-milestones/", {
        "engagement": engagement.pk, "label": "KPI gate", "amount": "5000.00",
        "due_date": "2026-10-12",
        "conditions": [{"kind": "kpi", "ref": share.pk, "threshold": "50"}]},
        content_type="application/json")
    assert r.status_code == 201, r.json()
    condition = r.json()["conditions"][0]
    assert condition["kind"] == "kpi" and condition["ref"] == share.pk
    assert Decimal(condition["threshold"]) == 50 and condition["met"] is False


def test_a_kpi_condition_beside_an_open_criterion_does_not_open_the_gate(
        engagement, people, share):
    from engagement import services as engagement_services

    ladder = engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)
    criterion = ladder[0].criteria.first()
    p = pay.payment_create(actor=people["procurement"], engagement=engagement, label="Both",
                           amount=Decimal("1000.00"), due_date=DUE,
                           conditions=[{"kind": "kpi", "ref": share.pk, "threshold": 50},
                                       {"kind": "criterion", "criterion": criterion.pk}])
    record(engagement, people, share, dt.date(2026, 10, 9), 55)
    assert pay.payments_evaluate(today=DUE) == []
    engagement_services.criterion_verify(actor=people["pm"], criterion=criterion,
                                         status="met", note="seen")
    assert [m.payment_id for m in pay.payments_evaluate(today=DUE)] == [p.pk]
