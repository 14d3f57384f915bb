"""Regressions found in review and in the browser walkthrough."""

import datetime as dt
from decimal import Decimal

import pytest

from common.errors import DomainError
from engagement import selectors, services

pytestmark = pytest.mark.django_db


def test_edit_form_shows_dates_in_iso_for_the_date_picker(client, people, engagement):
    client.force_login(people["pm"])
    body = client.get(f"/engagements/{engagement.pk}/edit/").content.decode()
    assert 'type="date"' in body and 'value="2026-09-07"' in body


def test_list_answer_varies_on_htmx(client, people, engagement):
    client.force_login(people["pm"])
    assert "HX-Request" in client.get("/engagements/")["Vary"]


def test_marking_not_met_needs_a_reason(engagement, people):
    ladder = services.ladder_generate(actor=people["pm"], engagement=engagement)
    with pytest.raises(DomainError, match="why the criterion is not met"):
        services.criterion_verify(actor=people["pm"], criterion=ladder[0].criteria.first(),
                                  status="not_met")


def test_vendor_inbox_leaves_out_client_only_decisions(engagement, people):
    from payments import services as pay

    ladder = services.ladder_generate(actor=people["pm"], engagement=engagement)
    c = ladder[0].criteria.first()
    p = pay.payment_create(actor=people["procurement"], engagement=engagement, label="G",
                           amount=Decimal("10.00"), due_date=dt.date(2026, 10, 1),
                           conditions=[{"kind": "criterion", "criterion": c.pk}])
    services.criterion_verify(actor=people["pm"], criterion=c, status="met", note="ok")
    pay.payments_evaluate(today=dt.date(2026, 9, 20))
    pay.payment_request_release(actor=people["procurement"], payment=p)
    assert list(selectors.approvals_inbox(user=people["vendor"])) == []
    assert len(selectors.approvals_inbox(user=people["leader"])) == 1


def test_vendor_sees_no_controls_it_cannot_use(client, people, engagement):
    client.force_login(people["vendor"])
    detail = client.get(f"/engagements/{engagement.pk}/").content.decode()
    assert "Edit engagement" not in detail and "Add a person" not in detail
    assert "Save RACI" not in client.get(f"/engagements/{engagement.pk}/raci/").content.decode()
    assert "Add KPI" not in client.get(f"/engagements/{engagement.pk}/kpis/").content.decode()
    assert "Create SOW" not in client.get(f"/engagements/{engagement.pk}/sows/").content.decode()


def test_redline_of_an_unknown_version_is_404(client, people, engagement):
    from sow import services as sow_services
    from tests.sow.factories import build_sow

    sow = build_sow(engagement, people["procurement"], keys=["two-key-rule"])
    sow_services.sow_freeze(actor=people["procurement"], sow=sow, justification="x",
                            acknowledge_warnings=True)
    sow_services.sow_freeze(actor=people["procurement"], sow=sow,
                            justification="y", acknowledge_warnings=True)
    client.force_login(people["procurement"])
    base = f"/engagements/{engagement.pk}/sows/{sow.pk}/redline/"
    assert client.get(base + "?a=1&b=2").status_code == 200
    assert client.get(base + "?a=1&b=9").status_code == 404
    assert client.get(base + "?a=1&b=²").status_code == 404


def test_unicode_digits_in_ids_do_not_crash(people, engagement):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(people["pm"])
    assert api.get("/api/v1/payment-milestones/?engagement=²").status_code == 400
    response = api.patch(f"/api/v1/engagements/{engagement.pk}/", {"title": "x"},
                         format="json", HTTP_IF_MATCH='"²"')
    assert response.status_code == 428  # an unreadable If-Match names no version


def test_a_closed_engagement_stops_changing_but_takes_its_closing_baseline(engagement, people):
    from common.errors import RuleViolation
    from tests.engagement.factories import define_outcomes, run_to

    define_outcomes(engagement, people["pm"])
    engagement = run_to(engagement, "closed", people)
    with pytest.raises(RuleViolation) as err:
        services.ladder_generate(actor=people["pm"], engagement=engagement)
    assert err.value.rule == "closed"
    services.baseline_record(actor=people["pm"], engagement=engagement, stage="close",
                             skills=3, process=2, tooling=2)
