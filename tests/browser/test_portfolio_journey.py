"""Leadership lands on the portfolio, filters to engagements at risk, opens one, sees its KPI
chart and downloads the one-page summary PDF."""

import datetime as dt
import io

import pytest
from playwright.sync_api import expect

from kpis.services import kpi_define, measurements_record
from tests.browser.conftest import log_in
from tests.engagement.factories import make_engagement

pytestmark = pytest.mark.browser


def test_leader_filters_to_at_risk_and_downloads_a_summary(page, people, orgs, engagement,
                                                           weasyprint_available):
    from pypdf import PdfReader

    kpi = kpi_define(actor=people["pm"], engagement=engagement, layer="capability",
                     name="Internal share of merged changes", unit="%", baseline=0, target=70,
                     target_date=dt.date(2026, 11, 1))
    measurements_record(actor=people["pm"], engagement=engagement, rows=[
        {"kpi": kpi.pk, "date": dt.date(2026, 9, 7) + dt.timedelta(weeks=w), "value": 2 * w}
        for w in range(8)])
    make_engagement(actor=people["procurement"], client=orgs["client"], vendor=orgs["vendor"],
                    title="Calm retainer", format="retainer", length_weeks=26)

    log_in(page, "leader")
    expect(page.get_by_role("heading", name="Portfolio")).to_be_visible()
    table = page.locator("table.portfolio")
    expect(table).to_contain_text("Calm retainer")
    page.get_by_label("Risk").select_option("yes")
    page.get_by_role("button", name="Apply").click()
    expect(table).to_contain_text("1 KPI off track")
    expect(table).not_to_contain_text("Calm retainer")

    table.get_by_role("link", name=f"KPIs of {engagement.title}").click()
    page.get_by_role("link", name="Internal share of merged changes").click()
    chart = page.get_by_role("img", name="Internal share of merged changes: Off track")
    expect(chart).to_be_visible()
    expect(page.get_by_role("table", name="Values of Internal share of merged changes, "
                                           "newest first")).to_contain_text("14")

    page.get_by_role("link", name="Portfolio").first.click()
    page.get_by_role("button", name=f"Summary PDF of {engagement.title}").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"summary-engagement-{engagement.pk}.pdf"
    text = PdfReader(io.BytesIO(open(download.path(), "rb").read())).pages[0].extract_text()
    assert engagement.title in text and "Internal share of merged changes" in text
