import datetime as dt
from decimal import Decimal

import pytest

from common.errors import DomainError, NotAllowed, RuleViolation
from engagement import services as engagement_services
from engagement.models import ApprovalRequest, AuditEvent, Notification
from payments import services as pay
from payments.models import PaymentMilestone
from tests.engagement.factories import define_outcomes, under_way
from tests.engagement.helpers import accept

pytestmark = pytest.mark.django_db


@pytest.fixture
def ladder(engagement, people):
    """The generated ladder of an engagement under way (work is proven only once active)."""
    milestones = engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)
    under_way(engagement)
    return milestones


def schedule(engagement, people, amount="30000.00", due=None, conditions=None, **kw):
    return pay.payment_create(
        actor=people["procurement"], engagement=engagement, label=kw.pop("label", "Gate 1"),
        amount=Decimal(amount), due_date=due or dt.date(2026, 10, 30),
        conditions=conditions, **kw)


def crit(c):
    return {"kind": "criterion", "criterion": c.pk}


def met(c, people):
    engagement_services.criterion_verify(actor=people["pm"], criterion=c, status="met",
                                         note="seen")


TODAY = dt.date(2026, 9, 20)


@pytest.mark.parametrize("amount, message", [
    ("0", "more than zero"), ("-5.00", "more than zero"), ("10.005", "two decimal places"),
    ("130000.00", "over the contract value"),
])
def test_amount_rules(engagement, people, ladder, amount, message):
    c = ladder[0].criteria.first()
    with pytest.raises(DomainError, match=message):
        schedule(engagement, people, amount=amount, conditions=[crit(c)])


def test_due_date_must_fall_inside_the_engagement(engagement, people, ladder):
    with pytest.raises(DomainError, match="within the engagement"):
        schedule(engagement, people, due=dt.date(2027, 6, 1),
                 conditions=[crit(ladder[0].criteria.first())])


def test_gate_needs_a_condition_of_the_same_engagement(engagement, people, ladder, orgs):
    from tests.engagement.factories import make_engagement

    with pytest.raises(DomainError) as err:
        schedule(engagement, people, conditions=[])
    assert err.value.rule == "gate_without_condition"
    other = make_engagement(actor=people["other_pm"], client=orgs["other_client"],
                            vendor=orgs["other_vendor"])
    theirs = engagement_services.ladder_generate(actor=people["other_pm"], engagement=other)
    with pytest.raises(DomainError) as err:
        schedule(engagement, people, conditions=[crit(theirs[0].criteria.first())])
    assert err.value.rule == "gate_other_engagement"


def test_fixed_fee_schedule_must_match_the_contract_value_to_activate(draft_engagement, people):
    engagement = draft_engagement
    ladder = engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)
    schedule(engagement, people, amount="100000.00", conditions=[crit(ladder[0].criteria.first())])
    define_outcomes(engagement, people["pm"])
    with pytest.raises(RuleViolation, match="totals 100,000.00 EUR, not the contract value"):
        engagement_services.engagement_transition(actor=people["pm"], engagement=engagement,
                                                  to="active")
    schedule(engagement, people, amount="20000.00", label="Gate 2",
             conditions=[crit(ladder[1].criteria.first())])
    engagement_services.engagement_transition(actor=people["pm"], engagement=engagement,
                                              to="active")


def test_all_conditions_met_makes_it_eligible_once(engagement, people, ladder):
    a, b = ladder[0].criteria.all()[:2]
    p = schedule(engagement, people, conditions=[crit(a), crit(b)])
    met(a, people)
    assert pay.payments_evaluate(today=TODAY) == []
    met(b, people)
    moves = pay.payments_evaluate(today=TODAY)
    assert [(m.before, m.after) for m in moves] == [("scheduled", "eligible")]
    assert pay.payments_evaluate(today=TODAY) == []
    p.refresh_from_db()
    assert p.status == "eligible" and p.gate_met_at
    events = AuditEvent.objects.filter(verb="payment.status_changed", object_id=str(p.pk))
    assert events.count() == 1 and events.get().actor is None
    assert Notification.objects.filter(user=people["pm"], message__contains="eligible").exists()


def test_removing_the_open_condition_makes_it_eligible(engagement, people, ladder):
    a, b = ladder[0].criteria.all()[:2]
    p = schedule(engagement, people, conditions=[crit(a), crit(b)])
    met(a, people)
    pay.payment_update(actor=people["procurement"], payment=p, data={}, conditions=[crit(a)])
    assert [m.after for m in pay.payments_evaluate(today=TODAY)] == ["eligible"]


def test_milestone_condition_needs_acceptance(engagement, people, ladder):
    p = schedule(engagement, people, conditions=[{"kind": "milestone", "milestone": ladder[0].pk}])
    for c in ladder[0].criteria.all():
        met(c, people)
    assert pay.payments_evaluate(today=TODAY) == []
    accept(ladder[0], people["pm"], people["leader"], people["vendor"])
    assert [m.payment_id for m in pay.payments_evaluate(today=TODAY)] == [p.pk]


def test_reopened_criterion_moves_it_back_and_cancels_the_release(engagement, people, ladder):
    c = ladder[0].criteria.first()
    p = schedule(engagement, people, conditions=[crit(c)])
    met(c, people)
    pay.payments_evaluate(today=TODAY)
    request = pay.payment_request_release(actor=people["procurement"], payment=p)
    engagement_services.criterion_verify(actor=people["pm"], criterion=c, status="open")
    moves = pay.payments_evaluate(today=TODAY)
    assert [(m.before, m.after) for m in moves] == [("eligible", "scheduled")]
    request.refresh_from_db()
    assert request.status == "cancelled"
    cancelled = AuditEvent.objects.get(verb="approval.cancelled", object_id=str(request.pk))
    assert "no longer met" in cancelled.reason
    assert AuditEvent.objects.filter(verb="payment.status_changed",
                                     reason="The gate is no longer met.").exists()


def test_overdue_when_due_passes_unmet_then_eligible_when_met(engagement, people, ladder):
    c = ladder[0].criteria.first()
    p = schedule(engagement, people, due=dt.date(2026, 9, 14), conditions=[crit(c)])
    assert [m.after for m in pay.payments_evaluate(today=TODAY)] == ["overdue"]
    assert Notification.objects.filter(message__contains="overdue").exists()
    met(c, people)
    assert [m.after for m in pay.payments_evaluate(today=TODAY)] == ["eligible"]
    p.refresh_from_db()
    assert p.status == "eligible"


def test_release_takes_two_client_keys_then_invoice_then_paid(engagement, people, ladder):
    c = ladder[0].criteria.first()
    p = schedule(engagement, people, conditions=[crit(c)])
    with pytest.raises(RuleViolation, match="Only an eligible payment"):
        pay.payment_request_release(actor=people["procurement"], payment=p)
    met(c, people)
    pay.payments_evaluate(today=TODAY)
    request = pay.payment_request_release(actor=people["pm"], payment=p)
    with pytest.raises(NotAllowed) as err:
        engagement_services.approval_decide(actor=people["vendor"], request=request,
                                            decision="approve")
    assert err.value.rule == "two_key_internal_only"
    engagement_services.approval_decide(actor=people["leader"], request=request,
                                        decision="approve")
    engagement_services.approval_decide(actor=people["procurement"], request=request,
                                        decision="approve")
    p.refresh_from_db()
    assert p.status == "approved"
    with pytest.raises(RuleViolation):
        pay.payment_mark_paid(actor=people["leader"], payment=p, paid_on=dt.date.today())
    pay.payment_mark_invoiced(actor=people["vendor"], payment=p, invoice_reference="INV-7")
    pay.payment_mark_paid(actor=people["leader"], payment=p, paid_on=dt.date.today())
    p.refresh_from_db()
    assert (p.status, p.invoice_reference) == ("paid", "INV-7")
    assert pay.payments_evaluate(today=TODAY) == []


def test_vendor_cannot_schedule_or_settle(engagement, people, ladder):
    with pytest.raises(NotAllowed):
        pay.payment_create(actor=people["vendor"], engagement=engagement, label="x",
                           amount=Decimal("1"), due_date=dt.date(2026, 10, 1),
                           conditions=[crit(ladder[0].criteria.first())])


def test_holdback_gate_on_drill_and_transition(engagement, people, ladder):
    go_live = next(m for m in ladder if m.kind == "go_live")
    drill = go_live.criteria.get(method="incident_drill")
    p = schedule(engagement, people, label="Holdback", due=engagement.end_date,
                 conditions=[crit(drill), {"kind": "milestone", "milestone": go_live.pk}])
    assert p.conditions.count() == 2
    met(drill, people)
    assert pay.payments_evaluate(today=TODAY) == []


def test_exports_neutralise_formulas(client, engagement, people, ladder):
    import io

    from openpyxl import load_workbook

    schedule(engagement, people, label="=HYPERLINK(\"http://evil\")",
             conditions=[crit(ladder[0].criteria.first())])
    client.force_login(people["leader"])
    csv_body = client.get(f"/engagements/{engagement.pk}/payments/export.csv").content.decode()
    assert "'=HYPERLINK" in csv_body and "\n=HYPERLINK" not in csv_body
    xlsx = client.get(f"/engagements/{engagement.pk}/payments/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["A2"].value.startswith("'=") and sheet["B2"].value == 30000
    assert client.get(f"/engagements/{engagement.pk}/payments/export.exe").status_code == 404


def test_schedule_is_available_to_clauses(engagement, people, ladder):
    from sow.context import build_context

    schedule(engagement, people, conditions=[crit(ladder[0].criteria.first())])
    payments = build_context(engagement.pk)["payments"]
    assert payments[0]["label"] == "Gate 1" and "criterion" in payments[0]["gate"]
    assert PaymentMilestone.objects.count() == 1
    assert ApprovalRequest.objects.count() == 0


def test_eligible_payment_sends_an_email_with_a_full_link(engagement, people, ladder, mailoutbox,
                                                           django_capture_on_commit_callbacks,
                                                           inline_tasks):
    people["pm"].email = "pm@example.com"
    people["pm"].save()
    c = ladder[0].criteria.first()
    schedule(engagement, people, conditions=[crit(c)])
    met(c, people)
    with django_capture_on_commit_callbacks(execute=True):
        pay.payments_evaluate(today=TODAY)
    mail = next(m for m in mailoutbox if m.to == ["pm@example.com"])
    assert "is eligible for release" in mail.subject
    assert f"http://127.0.0.1:8000/engagements/{engagement.pk}/payments/" in mail.body


def test_active_schedule_cannot_shrink(draft_engagement, people):
    engagement = draft_engagement
    ladder = engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)
    p = schedule(engagement, people, amount="120000.00",
                 conditions=[crit(ladder[0].criteria.first())])
    define_outcomes(engagement, people["pm"])
    engagement_services.engagement_transition(actor=people["pm"], engagement=engagement,
                                              to="active")
    with pytest.raises(DomainError) as err:
        pay.payment_update(actor=people["procurement"], payment=p,
                           data={"amount": Decimal("1.00")})
    assert err.value.rule == "schedule_must_match_value"
    with pytest.raises(DomainError, match="fixed_fee or time_and_materials"):
        pay.payment_update(actor=people["procurement"], payment=p,
                           data={"commercial_model": "bogus"})


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_amounts_are_refused(engagement, people, ladder, amount):
    with pytest.raises(DomainError, match="more than zero"):
        pay.payment_create(actor=people["procurement"], engagement=engagement, label="x",
                           amount=Decimal(amount), due_date=dt.date(2026, 10, 1),
                           conditions=[crit(ladder[0].criteria.first())])


def test_editing_a_payment_under_release_resets_the_keys(engagement, people, ladder):
    c = ladder[0].criteria.first()
    p = schedule(engagement, people, conditions=[crit(c)])
    met(c, people)
    pay.payments_evaluate(today=TODAY)
    request = pay.payment_request_release(actor=people["procurement"], payment=p)
    engagement_services.approval_decide(actor=people["leader"], request=request,
                                        decision="approve")
    pay.payment_update(actor=people["procurement"], payment=p,
                       data={"amount": Decimal("90000.00")})
    engagement_services.approval_decide(actor=people["pm"], request=request, decision="approve")
    p.refresh_from_db()
    request.refresh_from_db()
    assert (p.status, request.round) == ("eligible", 2), "the first key no longer counts"


def test_release_is_refused_when_the_gate_broke_before_the_tracker_ran(engagement, people,
                                                                       ladder):
    c = ladder[0].criteria.first()
    p = schedule(engagement, people, conditions=[crit(c)])
    met(c, people)
    pay.payments_evaluate(today=TODAY)
    request = pay.payment_request_release(actor=people["procurement"], payment=p)
    engagement_services.approval_decide(actor=people["leader"], request=request,
                                        decision="approve")
    engagement_services.criterion_verify(actor=people["pm"], criterion=c, status="not_met",
                                         note="re-run failed")
    with pytest.raises(RuleViolation, match="gate is not met now"):
        engagement_services.approval_decide(actor=people["pm"], request=request,
                                            decision="approve")


@pytest.mark.parametrize("post", [
    {"amount": "NaN"}, {"amount": "Infinity"}, {"due_date": "2026-02-31"},
    {"criteria": "abc"}, {"criteria": "²"}, {"commercial_model": "bogus"},
])
def test_bad_payment_form_input_is_a_message_not_a_500(client, engagement, people, ladder, post):
    client.force_login(people["procurement"])
    data = {"label": "G", "amount": "100.00", "due_date": "2026-10-01",
            "commercial_model": "fixed_fee", "criteria": str(ladder[0].criteria.first().pk)}
    data.update(post)
    response = client.post(f"/engagements/{engagement.pk}/payments/new/", data, follow=True)
    assert response.status_code == 200
    assert "The payment was not scheduled." in response.content.decode()
    assert not PaymentMilestone.objects.exists()


def test_payments_page_queries_do_not_grow_with_payments(client, engagement, people, ladder):
    from tests.engagement.test_query_counts import count_queries

    client.force_login(people["pm"])
    c = ladder[0].criteria.first()
    first = schedule(engagement, people, amount="1000.00", conditions=[crit(c)])
    met(c, people)
    pay.payments_evaluate(today=TODAY)
    pay.payment_request_release(actor=people["procurement"], payment=first)
    small = count_queries(lambda: client.get(f"/engagements/{engagement.pk}/payments/"))
    for i in range(6):
        schedule(engagement, people, amount="1000.00", label=f"G{i}", conditions=[crit(c)])
    pay.payments_evaluate(today=TODAY)
    for p in PaymentMilestone.objects.exclude(pk=first.pk)[:3]:
        pay.payment_request_release(actor=people["procurement"], payment=p)
    large = count_queries(lambda: client.get(f"/engagements/{engagement.pk}/payments/"))
    assert small == large
