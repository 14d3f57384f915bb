"""Procurement logs in, creates an engagement, fixes an invalid field, finds it in the list."""

import re

import pytest
from playwright.sync_api import expect

from engagement.models import Engagement

pytestmark = pytest.mark.browser


def test_procurement_creates_an_engagement_after_fixing_an_error(page, people, orgs):
    page.goto("/engagements/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.get_by_label("Username").fill("procurement")
    page.get_by_label("Password").fill("offramp-test")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Engagements")).to_be_visible()

    page.get_by_role("link", name="Create engagement").first.click()
    page.get_by_label("Title").fill("Returns triage classifier")
    expect(page.get_by_label("Client")).to_have_value(str(orgs["client"].pk))
    page.get_by_label("Vendor").select_option(label="Acme ML Partners")
    page.get_by_label("Format").select_option("project")
    page.get_by_label("Start date").fill("2026-12-07")
    page.get_by_label("Length (weeks)").fill("0")
    page.get_by_label("Contract value").fill("64000")
    page.get_by_role("button", name="Create engagement").click()

    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link")).to_contain_text("Length (weeks)")
    expect(page.get_by_label("Title")).to_have_value("Returns triage classifier")
    assert not Engagement.objects.exists()

    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Length (weeks)")).to_be_focused()
    page.get_by_label("Length (weeks)").fill("10")
    page.get_by_role("button", name="Create engagement").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Returns triage classifier")
    expect(page.get_by_role("status")).to_contain_text("created as a draft")

    page.get_by_role("link", name="Engagements").first.click()
    page.get_by_label("Status").select_option("draft")
    row = page.get_by_role("row").filter(has_text="Returns triage classifier")
    expect(row).to_contain_text("Northwind Retail ↔ Acme ML Partners")
    expect(row).to_contain_text("64,000")
    assert Engagement.objects.get().length_weeks == 10
