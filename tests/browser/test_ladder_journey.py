"""A program manager's weekly update on the ladder page, then two keys accept the milestone."""

import pytest
from playwright.sync_api import expect

from engagement import services
from engagement.models import Milestone
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser



def log_out(page):
    page.get_by_role("button", name="Log out").click()


def test_pm_submits_and_two_keys_accept_the_milestone(page, people, engagement):
    ladder = services.ladder_generate(actor=people["pm"], engagement=engagement)
    discovery = ladder[0]
    card = page.locator(f"#m-{discovery.pk}")

    log_in(page, "pm")
    page.goto(f"/engagements/{engagement.pk}/ladder/")
    expect(page.locator("svg.timeline")).to_be_visible()
    card.get_by_role("button", name="Start milestone").click()
    expect(card.get_by_role("status")).to_contain_text("Milestone started.")
    expect(card.locator(".milestone-head")).to_contain_text("In progress")
    expect(card).to_contain_text("3 of 3 acceptance criteria are not met yet.")

    for i, criterion in enumerate(discovery.criteria.order_by("position")):
        item = card.locator(f"#c-{criterion.pk}")
        if i == 0:
            item.get_by_label("Link").fill("https://wiki.example.com/discovery")
            item.get_by_role("button", name="Attach evidence only").click()
            expect(card.locator(f"#c-{criterion.pk}").get_by_role("status")).to_contain_text(
                "Evidence attached.")
            item = card.locator(f"#c-{criterion.pk}")
            expect(item.get_by_role("link", name="https://wiki.example.com/discovery")
                   ).to_be_visible()
        else:
            item.get_by_label("How it was verified").fill("Reviewed at steering")
        item.get_by_role("button", name="Mark met").click()
        # Wait for this criterion's own swap, not an earlier confirmation still on screen.
        expect(card.locator(f"#c-{criterion.pk} .criterion-head")).to_contain_text("✓ Met")
    expect(card).to_contain_text("3 of 3 met")

    card.get_by_role("button", name="Submit for acceptance").click()
    expect(card.get_by_role("status")).to_contain_text("two keys needed")
    expect(card.locator(".two-key")).to_contain_text(
        "Two approvals, at least one from a client-side user.")
    log_out(page)

    for approver, outcome in (("leader", "One more key is needed."),
                              ("procurement", "Both keys are turned")):
        log_in(page, approver)
        page.get_by_role("link", name="Approvals").click()
        request = page.locator("article.approval").filter(has_text="Discovery and baseline")
        request.get_by_role("button", name="Approve").click()
        expect(page.get_by_role("status")).to_contain_text(outcome)
        log_out(page)

    log_in(page, "pm")
    page.goto(f"/engagements/{engagement.pk}/ladder/")
    expect(card.locator(".milestone-head")).to_contain_text("Accepted")
    expect(card.locator(".two-key")).to_contain_text("Approved by")
    expect(page.locator("svg.timeline")).to_contain_text("✓ Accepted")
    assert Milestone.objects.get(pk=discovery.pk).status == "accepted"
