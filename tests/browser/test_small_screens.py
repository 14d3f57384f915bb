"""At 390 px every main page fits (no sideways scrolling of the page) and the navigation
folds behind a Menu button that opens it."""

import pytest
from playwright.sync_api import expect

from engagement import services as engagement_services
from kpis.services import kpi_define
from tests.browser.conftest import log_in
from tests.sow.factories import build_sow

pytestmark = pytest.mark.browser


def test_main_pages_fit_a_phone(page, people, engagement):
    import datetime as dt

    engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)
    engagement_services.raci_seed(actor=people["pm"], engagement=engagement)
    kpi_define(actor=people["pm"], engagement=engagement, layer="capability",
               name="Internal share of merged changes", target=70,
               target_date=dt.date(2026, 11, 1))
    sow = build_sow(engagement, people["procurement"], keys=["two-key-rule"])
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "pm")
    e = engagement.pk
    for url in ("/portfolio/", "/engagements/", "/engagements/this-week/",
                f"/engagements/{e}/", f"/engagements/{e}/ladder/",
                f"/engagements/{e}/raci/", f"/engagements/{e}/payments/",
                f"/engagements/{e}/kpis/", f"/engagements/{e}/drills/",
                f"/engagements/{e}/competency/", f"/engagements/{e}/sows/{sow.pk}/",
                "/approvals/", "/library/", "/contracts/", "/search/?q=retrain"):
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (url, width)


def test_the_navigation_folds_behind_a_menu_button(page, people):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "pm")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(nav).to_be_visible()
    expect(nav.get_by_role("link", name="Contracts")).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()


def test_list_and_payments_tables_become_cards_on_a_phone(page, people, engagement):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "pm")
    page.goto("/engagements/")
    cell = page.locator("table.cards td[data-label='Status']").first
    expect(cell).to_be_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('table.cards tr')).display"
                         ) == "block"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_raci_and_knowledge_transfer_become_cards_on_a_phone(page, people, engagement):
    ladder = engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)
    engagement_services.raci_seed(actor=people["pm"], engagement=engagement)
    with_kt = next(m for m in ladder if m.deliverables.exists())
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "pm")
    page.goto(f"/engagements/{engagement.pk}/raci/")
    row = page.locator("table.raci tbody tr").first
    assert row.evaluate("r => getComputedStyle(r).display") == "grid"
    # every cell says which workstream and phase it is, and nothing scrolls sideways
    assert row.locator("td").first.evaluate(
        "td => getComputedStyle(td, '::before').content").startswith('"Data')
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    table = page.locator("table.raci")
    assert table.evaluate("t => t.scrollWidth <= t.parentElement.clientWidth")
    expect(page.get_by_role("button", name="Save RACI")).to_be_visible()

    page.goto(f"/engagements/{engagement.pk}/ladder/#m-{with_kt.pk}")
    kt = page.locator(f"#m-{with_kt.pk} table.cards")
    assert kt.locator("tr").last.evaluate("r => getComputedStyle(r).display") == "block"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
