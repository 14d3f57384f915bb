"""The portfolio dashboard: rows from every app's selectors, filters and sorts, constant
queries, exports, the summary PDF, the API and where leadership lands."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagement.models import Engagement
from kpis.models import KPI, Measurement
from kpis.services import kpi_define, measurements_record
from payments.models import PaymentMilestone
from tests.payments.factories import bulk_schedules

TODAY = dt.date(2026, 11, 27)


def with_kpis(engagements):
    """Each engagement: a KPI per layer with a few values (one layer off track)."""
    kpis = KPI.objects.bulk_create([
        KPI(engagement=e, layer=layer, name=f"{layer} {e.pk}", target=Decimal(100),
            baseline=Decimal(0), target_date=e.start_date + dt.timedelta(weeks=8))
        for e in engagements for layer in ("business", "system", "capability")])
    Measurement.objects.bulk_create([
        Measurement(kpi=k, date=dt.date(2026, 10, 26) + dt.timedelta(days=d),
                    value=Decimal(95 if k.layer != "capability" else 10), source=f"s{d}")
        for k in kpis for d in range(3)])


def grow(orgs, n):
    have = Engagement.objects.filter(client=orgs["client"]).count()
    if n > have:
        engagements = bulk_schedules(orgs["client"], orgs["vendor"], n - have)
        with_kpis(engagements)


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx), response


@pytest.mark.parametrize("url", ["/portfolio/", "/api/v1/portfolio/",
                                 "/portfolio/?at_risk=yes&sort=title&order=asc",
                                 "/portfolio/export.xlsx"])
def test_the_dashboard_costs_the_same_queries_at_5_and_100_engagements(client, people, orgs,
                                                                       url):
    client.force_login(people["leader"])
    grow(orgs, 5)
    small, _ = queries(client, url)
    grow(orgs, 100)
    large, response = queries(client, url)
    assert small == large
    if url.startswith("/api"):
        assert response.json()["count"] == 100 and len(response.json()["results"]) == 25


def test_rows_carry_what_leadership_asks(client, people, engagement):
    from engagement.services import ladder_generate
    from payments import services as pay

    ladder = ladder_generate(actor=people["pm"], engagement=engagement)
    kpi = kpi_define(actor=people["pm"], engagement=engagement, layer="capability",
                     name="Internal share", baseline=0, target=70,
                     target_date=dt.date(2026, 11, 1))
    measurements_record(actor=people["pm"], engagement=engagement,
                        rows=[{"kpi": kpi.pk, "date": dt.date(2026, 11, 1), "value": 20}])
    c = ladder[0].criteria.first()
    p = pay.payment_create(actor=people["procurement"], engagement=engagement, label="G",
                           amount=Decimal("30000.00"), due_date=dt.date(2026, 10, 1),
                           conditions=[{"kind": "criterion", "criterion": c.pk}])
    PaymentMilestone.objects.filter(pk=p.pk).update(status="eligible")
    client.force_login(people["leader"])
    row = client.get("/api/v1/portfolio/").json()["results"][0]
    assert row["title"] == engagement.title
    assert row["current_milestone"] == ladder[0].title
    assert row["ownership_mode"] == "Vendor leads"
    assert row["eligible"] == "30000.00" and row["released"] == "0.00"
    assert row["criteria_total"] > 0
    assert row["kpi_status"]["capability"]["off_track"] == 1
    assert row["at_risk"] is True and "1 KPI off track" in row["reasons"]
    page = client.get("/portfolio/").content.decode()
    assert "1 KPI off track" in page and "Vendor leads" in page


def test_filters_and_sorts(client, people, orgs):
    from tests.engagement.factories import make_engagement

    make_engagement(actor=people["procurement"], client=orgs["client"], vendor=orgs["vendor"],
                    title="Alpha retainer", format="retainer", length_weeks=26)
    beta = make_engagement(actor=people["procurement"], client=orgs["client"],
                           vendor=orgs["other_vendor"], title="Beta project")
    with_kpis([beta])  # its capability KPI is off track
    client.force_login(people["leader"])

    def titles(query):
        return [r["title"] for r in client.get(f"/api/v1/portfolio/?{query}").json()["results"]]

    assert titles("at_risk=yes") == ["Beta project"]
    assert titles("at_risk=no") == ["Alpha retainer"]
    assert titles("format=retainer") == ["Alpha retainer"]
    assert titles(f"vendor={orgs['other_vendor'].pk}") == ["Beta project"]
    assert titles("sort=title&order=desc") == ["Beta project", "Alpha retainer"]
    assert titles("sort=title&order=asc") == ["Alpha retainer", "Beta project"]
    assert titles("sort=nonsense&format=bogus") == ["Beta project", "Alpha retainer"]
    body = client.get("/portfolio/?at_risk=yes").content.decode()
    assert "Beta project" in body and "Alpha retainer" not in body


def test_outsiders_see_only_their_engagements(client, people, engagement):
    client.force_login(people["other_pm"])
    assert client.get("/api/v1/portfolio/").json()["count"] == 0
    assert engagement.title not in client.get("/portfolio/").content.decode()


def test_leadership_lands_on_the_portfolio_and_others_on_engagements(client, people):
    for who, where in (("leader", "/portfolio/"), ("pm", "/engagements/")):
        r = client.post("/login/", {"username": who, "password": "offramp-test"})
        assert r.status_code == 302 and client.get(r.url).url == where, who
        client.logout()
    client.force_login(people["vendor"])
    page = client.get("/engagements/").content.decode()
    assert 'href="/portfolio/"' in page  # a tab for every role


def test_the_xlsx_export_has_every_row_and_no_formulas(client, people, orgs):
    from openpyxl import load_workbook

    from tests.engagement.factories import make_engagement

    make_engagement(actor=people["procurement"], client=orgs["client"], vendor=orgs["vendor"],
                    title="=HYPERLINK(\"http://x\")")
    client.force_login(people["leader"])
    r = client.get("/portfolio/export.xlsx")
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet["A1"].value == "Engagement"
    assert sheet["A2"].value.startswith("'=")


def test_summary_pdfs_render_through_the_task(client, people, engagement, inline_tasks,
                                              django_capture_on_commit_callbacks,
                                              weasyprint_available):
    from pypdf import PdfReader

    kpi = kpi_define(actor=people["pm"], engagement=engagement, layer="capability",
                     name="Internal share of merged changes", baseline=0, target=70,
                     target_date=dt.date(2026, 11, 1))
    measurements_record(actor=people["pm"], engagement=engagement, rows=[
        {"kpi": kpi.pk, "date": dt.date(2026, 9, 14) + dt.timedelta(weeks=w), "value": 10 * w}
        for w in range(6)])
    client.force_login(people["leader"])
    for query, expect in ((f"?engagement={engagement.pk}", "Internal share of merged changes"),
                          ("?at_risk=no", "Portfolio summary")):
        with django_capture_on_commit_callbacks(execute=True):
            r = client.post(f"/portfolio/summaries/{query}")
        page = client.get(r.url).content.decode()
        assert "Download the PDF" in page, page[-2000:]
        pdf = client.get(r.url + "pdf/")
        reader = PdfReader(io.BytesIO(b"".join(pdf.streaming_content)))
        assert len(reader.pages) == 1
        assert expect in reader.pages[0].extract_text()
    # another user cannot fetch someone else's summary
    client.force_login(people["pm"])
    assert client.get(r.url).status_code == 404


def test_rows_show_the_independence_index(client, people, engagement):
    from engagement.services import staffing_assign
    from kpis.services import assessment_record

    ana = staffing_assign(actor=people["pm"], engagement=engagement,
                          staffing_role="ml_engineer", person_name="Ana Ruiz")
    client.force_login(people["leader"])
    assert client.get("/api/v1/portfolio/").json()["results"][0]["independence"] is None
    for area in ("data_pipeline", "evaluation"):
        assessment_record(actor=people["pm"], engagement=engagement, person=ana, area=area,
                          level="independent", assessed_on=dt.date(2026, 10, 1), note="seen")
    row = client.get("/api/v1/portfolio/?sort=independence").json()["results"][0]
    assert row["independence"] == 0.4 and row["bus_factor"] == 0.0
    assert "Independence 40%" in client.get("/portfolio/").content.decode()
