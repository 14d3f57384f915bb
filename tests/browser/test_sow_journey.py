"""Procurement builds a SOW from the library, fixes a finding, freezes v1 and v2, reads the
redline."""

import re

import pytest
from playwright.sync_api import expect

from engagement import services as engagement_services
from sow import services
from sow.models import SowVersion

pytestmark = pytest.mark.browser


def test_procurement_drafts_freezes_and_compares(page, people, engagement):
    services.library_load()
    engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)

    page.goto("/login/")
    page.get_by_label("Username").fill("procurement")
    page.get_by_label("Password").fill("offramp-test")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/engagements/{engagement.pk}/")
    page.get_by_role("navigation", name="Engagement sections").get_by_role(
        "link", name="SOW").click()
    page.get_by_label("Title").fill("Main SOW")
    page.get_by_role("button", name="Create SOW").click()
    expect(page.get_by_role("heading", name="Main SOW")).to_be_visible()

    page.get_by_label("Search the clause library").fill("two approvals")
    add = page.get_by_role("button", name=re.compile("Add “Two-key rule”"))
    add.click()
    expect(page.locator(".sections")).to_contain_text("1. Two-key rule")
    expect(page.locator(".sections")).to_contain_text("two approvals from two different people")

    finding = page.locator(".finding").filter(has_text="No evaluation harness")
    expect(finding).to_be_visible()
    # The fixing clause goes in its category's place: deliverables come before governance.
    finding.get_by_role("button", name=re.compile("Insert")).click()
    expect(page.locator(".sections")).to_contain_text("1. Evaluation harness with regression gates")
    expect(page.locator(".side-panel")).not_to_contain_text("No evaluation harness")

    page.get_by_label(re.compile("Justification")).fill("First draft for the steering group")
    page.get_by_label(re.compile("I have read the")).check()
    page.get_by_role("button", name="Freeze version 1").click()
    expect(page.get_by_role("status")).to_contain_text("Version 1 frozen")

    page.get_by_role("link", name="Back to the editor").click()
    section = page.locator("li.section").filter(has_text="Two-key rule")
    section.get_by_text("Edit text").click()
    text = section.get_by_label(re.compile("Clause text"))
    text.fill("No model goes to production without two approvals, one from "
              "{{ client.name }}.")
    expect(section.locator(".preview")).to_contain_text("one from Northwind Retail")
    section.get_by_role("button", name="Save section text").click()
    expect(page.get_by_role("status")).to_contain_text("Section text saved.")
    expect(page.locator("li.section").filter(has_text="Two-key rule")).to_contain_text(
        "Edited text")

    page.get_by_label(re.compile("Justification")).fill("Second draft")
    page.get_by_label(re.compile("I have read the")).check()
    page.get_by_role("button", name="Freeze version 2").click()
    expect(page.get_by_role("status")).to_contain_text("Version 2 frozen")
    page.get_by_role("button", name="Open the redline").click()
    expect(page.get_by_role("heading", name=re.compile("Version 1 → version 2"))).to_contain_text(
        "1 section changed")
    changed = page.locator(".redline-section").filter(has_text="Two-key rule")
    expect(changed.locator("ins").first).to_be_visible()
    expect(changed.locator("del").first).to_be_visible()
    assert SowVersion.objects.filter(sow__engagement=engagement).count() == 2
