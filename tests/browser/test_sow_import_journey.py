"""Procurement imports the vendor's DOCX, sees its red flags marked in the vendor's own words,
replaces one section with the library clause, acknowledges the warnings and freezes."""

import re

import pytest
from playwright.sync_api import expect

from engagement import services as engagement_services
from engagement.models import AuditEvent
from sow import services
from sow.models import SowVersion
from tests.sow.test_import import make_docx

pytestmark = pytest.mark.browser


def test_procurement_imports_a_vendor_docx_fixes_a_flag_and_freezes(page, people, engagement,
                                                                   tmp_path):
    services.library_load()
    engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)
    docx = tmp_path / "acme-sow.docx"
    docx.write_bytes(make_docx())

    page.goto("/login/")
    page.get_by_label("Username").fill("procurement")
    page.get_by_label("Password").fill("offramp-test")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/engagements/{engagement.pk}/sows/")
    page.get_by_label("Vendor SOW file").set_input_files(str(docx))
    page.get_by_role("button", name="Import and check").click()
    expect(page.get_by_role("status")).to_contain_text("Imported “Acme SOW”: 4 sections")

    sections = page.locator(".sections")
    expect(sections).to_contain_text("2. Intellectual Property")
    marks = sections.locator("mark.mark-error")
    expect(marks).to_have_count(3)
    expect(marks.nth(0)).to_have_text(re.compile("exclusive property of the Vendor"))
    expect(marks.nth(1)).to_have_text("on an as-needed basis")
    expect(marks.nth(2)).to_have_text("on signature")

    flag = page.locator(".finding").filter(has_text="exclusive property of the Vendor")
    flag.get_by_text("Replace this section…").click()
    flag.get_by_role("button", name=re.compile("Replace this section with")).click()
    expect(page.get_by_role("status")).to_contain_text("replaced by “Client ownership")
    expect(sections).to_contain_text("2. Client ownership of code, configuration and documents")
    expect(sections.locator("mark.mark-error")).to_have_count(2)
    expect(page.locator(".side-panel")).not_to_contain_text("exclusive property of the Vendor")

    page.get_by_label(re.compile("Justification")).fill(
        "Vendor draft frozen for the negotiation meeting; remaining flags go back to them.")
    page.get_by_role("button", name="Freeze version 1").click()
    expect(page.locator(".side-panel .note-error")).to_contain_text(
        "Acknowledge them to freeze anyway")
    page.get_by_label(re.compile("I have read the")).check()
    page.get_by_role("button", name="Freeze version 1").click()
    expect(page.get_by_role("status")).to_contain_text("Version 1 frozen")

    version = SowVersion.objects.get(sow__engagement=engagement)
    assert version.source["check"]["acknowledged"]["by"] == "procurement"
    assert AuditEvent.objects.filter(verb="sow.warnings_acknowledged").count() == 1
    assert AuditEvent.objects.filter(verb="sow.section_replaced").count() == 1
