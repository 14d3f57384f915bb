"""Time and materials with monthly capability OKRs: each month's line is released when its
OKRs (KPI thresholds or criteria) are met, or waived with a reason by two client-side keys."""

import datetime as dt
from decimal import Decimal

import pytest

from common.errors import DomainError, NotAllowed, RuleViolation
from engagement import services as engagement_services
from engagement.models import AuditEvent
from kpis.services import kpi_define, measurements_record
from payments import services as pay

TM = "time_and_materials"
SEPT, OCT = dt.date(2026, 9, 30), dt.date(2026, 10, 31)


@pytest.fixture
def okr(engagement, people):
    return kpi_define(actor=people["pm"], engagement=engagement, layer="capability",
                      name="Training runs started by the internal team", unit="%", baseline=0,
                      target=80, target_date=dt.date(2026, 11, 1))


@pytest.fixture
def months(engagement, people, okr):
    return [pay.payment_create(actor=people["procurement"], engagement=engagement,
                               label=f"{label} (T&M)", amount=Decimal("20000.00"), due_date=due,
                               commercial_model=TM,
                               conditions=[{"kind": "kpi", "ref": okr.pk, "threshold": t}])
            for label, due, t in (("September", SEPT, 30), ("October", OCT, 60))]


def test_a_month_is_released_when_its_okr_is_met(engagement, people, okr, months):
    measurements_record(actor=people["pm"], engagement=engagement,
                        rows=[{"kpi": okr.pk, "date": dt.date(2026, 9, 28), "value": 35}])
    moves = pay.payments_evaluate(today=dt.date(2026, 10, 1))
    assert {(m.payment_id, m.after) for m in moves} == {(months[0].pk, "eligible")}
    request = pay.payment_request_release(actor=people["pm"], payment=months[0])
    for who in ("leader", "procurement"):
        engagement_services.approval_decide(actor=people[who], request=request,
                                            decision="approve")
    months[0].refresh_from_db()
    assert months[0].status == "approved"


def test_a_missed_month_is_waived_by_two_client_keys_with_a_reason(engagement, people, okr,
                                                                  months):
    october = months[1]
    measurements_record(actor=people["pm"], engagement=engagement,
                        rows=[{"kpi": okr.pk, "date": dt.date(2026, 10, 26), "value": 50}])
    pay.payments_evaluate(today=dt.date(2026, 11, 2))
    october.refresh_from_db()
    assert october.status == "overdue"
    with pytest.raises(DomainError) as err:
        pay.payment_request_waiver(actor=people["pm"], payment=october, reason="")
    assert err.value.field == "reason"
    with pytest.raises(NotAllowed):
        pay.payment_request_waiver(actor=people["vendor"], payment=october,
                                   reason="The data team was on strike for two weeks.")
    request = pay.payment_request_waiver(
        actor=people["pm"], payment=october,
        reason="The platform outage cost the team two weeks of runs.")
    with pytest.raises(NotAllowed):
        engagement_services.approval_decide(actor=people["vendor"], request=request,
                                            decision="approve")
    engagement_services.approval_decide(actor=people["leader"], request=request,
                                        decision="approve")
    october.refresh_from_db()
    assert october.okr_waived_at is None  # one key is not enough
    engagement_services.approval_decide(actor=people["procurement"], request=request,
                                        decision="approve")
    october.refresh_from_db()
    assert october.okr_waived_at is not None
    moves = pay.payments_evaluate(today=dt.date(2026, 11, 2))
    assert [(m.payment_id, m.after) for m in moves] == [(october.pk, "eligible")]
    event = AuditEvent.objects.get(verb="payment.okrs_waived")
    assert "platform outage" in event.reason
    assert pay.gate_is_met(october.pk)


def test_a_rejected_waiver_leaves_the_month_open(engagement, people, okr, months):
    request = pay.payment_request_waiver(actor=people["pm"], payment=months[0],
                                         reason="We would like to be paid regardless.")
    engagement_services.approval_decide(actor=people["leader"], request=request,
                                        decision="reject", reason="The OKR is the point.")
    months[0].refresh_from_db()
    assert months[0].okr_waived_at is None and months[0].okr_waiver_reason == ""
    assert pay.payments_evaluate(today=dt.date(2026, 9, 20)) == []


def test_fixed_fee_gates_are_not_waivable_and_tm_gates_are_okrs(engagement, people, okr):
    from engagement.services import ladder_generate

    ladder = ladder_generate(actor=people["pm"], engagement=engagement)
    fixed = pay.payment_create(actor=people["procurement"], engagement=engagement, label="F",
                               amount=Decimal("1000.00"), due_date=SEPT,
                               conditions=[{"kind": "kpi", "ref": okr.pk, "threshold": 1}])
    with pytest.raises(RuleViolation) as err:
        pay.payment_request_waiver(actor=people["pm"], payment=fixed,
                                   reason="Not possible for fixed fee, surely.")
    assert err.value.rule == "waiver_fixed_fee"
    with pytest.raises(DomainError) as err:
        pay.payment_create(actor=people["procurement"], engagement=engagement, label="M",
                           amount=Decimal("1000.00"), due_date=SEPT, commercial_model=TM,
                           conditions=[{"kind": "milestone", "milestone": ladder[0].pk}])
    assert err.value.rule == "tm_okrs_only"


def test_the_waiver_is_offered_on_the_page_and_through_the_api(client, engagement, people,
                                                               months):
    client.force_login(people["pm"])
    page = client.get(f"/engagements/{engagement.pk}/payments/").content.decode()
    assert "Waive this month" in page
    r = client.post(f"/api/v1/payment-milestones/{months[0].pk}/waive/",
                    {"reason": "The upstream vendor delayed the data by a month."},
                    content_type="application/json")
    assert r.status_code == 202
    page = client.get(f"/engagements/{engagement.pk}/payments/").content.decode()
    assert "Waiver of this month's OKRs requested: 0 of 2 keys" in page
