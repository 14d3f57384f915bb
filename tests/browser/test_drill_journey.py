"""The program manager records an incident drill, leadership reviews the postmortem, and the
go-live criterion it proves turns met."""

import re

import pytest
from playwright.sync_api import expect

from engagement import services as engagement_services
from kpis.services import drill_plan
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_pm_records_a_drill_and_leader_review_meets_the_go_live_criterion(page, people,
                                                                        engagement):
    ladder = engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)
    go_live = next(m for m in ladder if m.kind == "go_live")
    criterion = go_live.criteria.get(method="incident_drill")
    engagement_services.staffing_assign(actor=people["pm"], engagement=engagement,
                                        staffing_role="ml_engineer", person_name="Aisha Bello")
    drill = drill_plan(actor=people["pm"], engagement=engagement, scenario="drift_alert",
                       planned_for=go_live.due_date, criterion=criterion)

    log_in(page, "pm")
    page.goto(f"/engagements/{engagement.pk}/drills/")
    card = page.locator(f"#drill-{drill.pk}")
    form = card.locator("details").first
    if form.get_attribute("open") is None:  # open by itself once the drill's day has come
        card.get_by_text("Record what happened").click()
    card.get_by_label("Held on").fill("2026-10-20")
    card.get_by_label("Minutes to detect").fill("7")
    card.get_by_label("Minutes to restore").fill("38")
    card.get_by_label("Primary responder").select_option(label="Aisha Bello (client)")
    card.get_by_label("The vendor's role").select_option("shadowing")
    card.get_by_label("Postmortem link").fill("https://wiki.northwind.example/pm/7")
    card.get_by_role("button", name="Record the drill").click()
    expect(page.get_by_role("status")).to_contain_text("waits for a client-side review")
    page.get_by_role("button", name="Log out").click()

    log_in(page, "leader")
    page.goto(f"/engagements/{engagement.pk}/drills/")
    card = page.locator(f"#drill-{drill.pk}")
    card.get_by_label("Complete").check()
    card.get_by_role("button", name="Save review").click()
    expect(page.get_by_role("status")).to_contain_text("passed")
    expect(page.locator(f"#drill-{drill.pk} .badge").first).to_have_text("Passed")

    page.goto(f"/engagements/{engagement.pk}/ladder/")
    expect(page.locator(f"#c-{criterion.pk}")).to_contain_text(re.compile("Met"))
    criterion.refresh_from_db()
    assert criterion.status == "met"
