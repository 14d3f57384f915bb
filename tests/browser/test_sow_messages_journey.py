"""The SOW editor says what happened where it happened: a refused save shows its error in
the section, in view, announced; a variable is inserted with a click."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.sow.factories import build_sow

pytestmark = pytest.mark.browser


def test_a_refused_save_shows_its_error_inside_the_section(page, people, engagement):
    sow = build_sow(engagement, people["procurement"], keys=["two-key-rule"])
    log_in(page, "procurement")
    page.goto(f"/engagements/{engagement.pk}/sows/{sow.pk}/")
    section = page.locator("li.section").filter(has_text="Two-key rule")
    section.get_by_text("Edit text").click()
    text = section.get_by_label(re.compile("Clause text"))
    text.fill("Approvals for {{ client.name")
    section.get_by_role("button", name="Save section text").click()
    section = page.locator("li.section").filter(has_text="Two-key rule")
    alert = section.get_by_role("alert").filter(has_text="never closed")
    expect(alert).to_be_visible()
    expect(alert).to_be_in_viewport()
    expect(alert).to_contain_text("line 1")
    # The text typed is kept, and the top of the page carries no copy of the message.
    expect(section.get_by_label(re.compile("Clause text"))).to_have_value(
        "Approvals for {{ client.name")
    expect(page.locator("main > .messages")).not_to_contain_text("never closed")

    section.get_by_label(re.compile("Clause text")).fill("Signed for ")
    section.get_by_role("group", name="Insert a variable").get_by_role(
        "button", name="client").click()
    expect(section.get_by_label(re.compile("Clause text"))).to_have_value(
        "Signed for {{ client.name }}")
    section.get_by_role("button", name="Save section text").click()
    done = page.locator("li.section").filter(has_text="Two-key rule").get_by_role("status")
    expect(done).to_contain_text("Section text saved")
    expect(done).to_be_in_viewport()
