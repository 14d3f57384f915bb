"""The last criterion of a gate is met, the tracker makes the payment eligible, two client
keys release it, and the audit log shows every step."""

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from engagement import services as engagement_services
from payments import services as pay
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser



def test_gate_met_then_released_with_two_keys(page, people, engagement):
    ladder = engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)
    first, last = list(ladder[0].criteria.order_by("position"))[:2]
    engagement_services.criterion_verify(actor=people["pm"], criterion=first, status="met",
                                         note="Seen at steering")
    pay.payment_create(actor=people["procurement"], engagement=engagement,
                       label="Discovery instalment", amount=Decimal("30000.00"),
                       due_date=engagement.start_date + dt.timedelta(weeks=6),
                       conditions=[{"kind": "criterion", "criterion": first.pk},
                                   {"kind": "criterion", "criterion": last.pk}])

    log_in(page, "pm")
    page.goto(f"/engagements/{engagement.pk}/ladder/")
    item = page.locator(f"#c-{last.pk}")
    item.locator("summary", has_text="Mark met").click()  # the milestone is not started yet
    item.get_by_label("How it was verified").fill("Evaluation definitions signed off")
    item.get_by_role("button", name="Mark met").click()
    expect(page.locator(f"#c-{last.pk} .criterion-head")).to_contain_text("✓ Met")

    page.get_by_role("navigation", name="Engagement sections").get_by_role(
        "link", name="Payments").click()
    page.get_by_role("button", name="Check gates now").click()
    row = page.get_by_role("row").filter(has_text="Discovery instalment")
    expect(row).to_contain_text("Eligible")
    expect(row.locator("ul.gate")).not_to_contain_text("Open")
    row.get_by_role("button", name="Request release").click()
    expect(page.get_by_role("status")).to_contain_text("Release requested")
    page.get_by_role("button", name="Log out").click()

    for approver, outcome in (("leader", "One more key is needed."),
                              ("procurement", "Both keys are turned")):
        log_in(page, approver)
        page.get_by_role("link", name="Approvals").click()
        page.locator("article.approval").filter(has_text="Discovery instalment").get_by_role(
            "button", name="Approve").click()
        expect(page.get_by_role("status")).to_contain_text(outcome)
        if approver == "leader":
            page.get_by_role("button", name="Log out").click()

    page.goto(f"/engagements/{engagement.pk}/payments/")
    expect(page.get_by_role("row").filter(has_text="Discovery instalment")).to_contain_text(
        "Approved")
    page.goto(f"/engagements/{engagement.pk}/audit/")
    log = page.locator("table.data")
    for verb in ("criterion.verified", "payment.status_changed", "approval.requested",
                 "approval.approved", "approval.closed"):
        expect(log).to_contain_text(verb)
    expect(log).to_contain_text("Status: eligible → Status: approved")
