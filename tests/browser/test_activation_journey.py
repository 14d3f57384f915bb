"""A program manager tries to activate an engagement that is not ready, reads the checklist,
fixes what is missing, and activates it."""

import pytest
from playwright.sync_api import expect

from engagement.models import Engagement, StaffingAssignment
from tests.engagement.factories import define_outcomes

pytestmark = pytest.mark.browser


def test_pm_reads_the_checklist_fixes_it_and_activates(page, people, draft_engagement):
    engagement = draft_engagement
    define_outcomes(engagement, people["pm"])
    StaffingAssignment.objects.filter(engagement=engagement,
                                      staffing_role="ml_product_owner").delete()
    page.goto("/login/")
    page.get_by_label("Username").fill("pm")
    page.get_by_label("Password").fill("offramp-test")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/engagements/{engagement.pk}/")

    page.get_by_role("link", name="See the checklist for active").click()
    missing = page.get_by_role("alert")
    expect(missing).to_contain_text("Still missing (1)")
    expect(missing).to_contain_text("Name an internal ML product owner in staffing.")
    expect(page.get_by_role("button", name="Move to active")).to_have_count(0)

    missing.get_by_role("link", name="Go to staffing").click()
    page.get_by_text("Add a person").click()
    page.get_by_label("Staffing role").select_option("ml_product_owner")
    page.get_by_label("Or the person's name (no login)").fill("Olu Adeyemi")
    page.get_by_role("button", name="Add to staffing").click()
    expect(page.get_by_role("status")).to_be_visible()

    page.get_by_role("link", name="Review and move to active").click()
    expect(page.get_by_role("status")).to_contain_text("Everything this move requires")
    expect(page.locator("body")).to_contain_text("these contract fields are fixed")
    page.get_by_label("Reason").fill("Kick-off held")
    page.get_by_role("button", name="Move to active").click()
    expect(page.get_by_role("status")).to_contain_text("The engagement is now active.")
    assert Engagement.objects.get(pk=engagement.pk).status == "active"
