"""Layouts that broke before: the KPI page's three layer tables overlapped at 1366 and 1920
px wide; the portfolio must be usable on a 390 px phone (no sideways scrolling)."""

import datetime as dt

import pytest

from kpis.services import kpi_add_from_catalogue, kpi_define, measurements_record
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def boxes(page, selector):
    return page.eval_on_selector_all(selector, """els => els.map(e => {
        const r = e.getBoundingClientRect();
        return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
    })""")


@pytest.mark.parametrize("width", [1366, 1920])
def test_the_kpi_tables_do_not_overlap(page, people, engagement, width):
    for key in ("time_to_retrain", "internal_merged_share", "eval_pass_rate", "rollback_time",
                "support_deflection", "fraud_loss_rate"):
        kpi = kpi_add_from_catalogue(actor=people["pm"], engagement=engagement, key=key)
        measurements_record(actor=people["pm"], engagement=engagement, rows=[
            {"kpi": kpi.pk, "date": dt.date(2026, 9, 7) + dt.timedelta(weeks=w), "value": w}
            for w in range(4)])
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "pm")
    page.goto(f"/engagements/{engagement.pk}/kpis/")
    tables = boxes(page, "table.kpis")
    assert len(tables) == 3
    for a, b in zip(tables, tables[1:], strict=False):
        overlap_x = min(a["right"], b["right"]) - max(a["left"], b["left"])
        overlap_y = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
        assert overlap_x <= 0 or overlap_y <= 0, (a, b)
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_portfolio_fits_a_phone(page, people, engagement):
    kpi_define(actor=people["pm"], engagement=engagement, layer="capability",
               name="Internal share of merged changes with a long name to wrap", baseline=0,
               target=70, target_date=dt.date(2026, 11, 1))
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "leader")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    card = boxes(page, "table.portfolio tbody tr")[0]
    assert card["right"] <= 390 and card["left"] >= 0
