"""The KPI pages: the week form, CSV import with a preview, the catalogue, edit, the chart."""

import datetime as dt
from decimal import Decimal

import pytest

from engagement.models import AuditEvent
from kpis.models import KPI, Measurement
from kpis.services import kpi_define


@pytest.fixture
def kpis(engagement, people):
    due = dt.date(2026, 11, 1)
    return [
        kpi_define(actor=people["pm"], engagement=engagement, layer="capability",
                   name="Internal share of merged changes", unit="%", baseline=0, target=70,
                   target_date=due),
        kpi_define(actor=people["pm"], engagement=engagement, layer="system",
                   name="Rollback time", unit="minutes", direction="down", baseline=60,
                   target=15, target_date=due),
    ]


def test_the_week_form_saves_every_kpis_value_at_once(client, engagement, people, kpis):
    client.force_login(people["pm"])
    url = f"/engagements/{engagement.pk}/kpis/record/"
    assert "Internal share of merged changes" in client.get(url).content.decode()
    r = client.post(url, {"date": "2026-09-28", f"value-{kpis[0].pk}": "20",
                          f"value-{kpis[1].pk}": "45", f"note-{kpis[1].pk}": "drill"})
    assert r.status_code == 302
    assert sorted(Measurement.objects.values_list("value", flat=True)) == [20, 45]
    assert Measurement.objects.get(kpi=kpis[1]).note == "drill"


def test_a_bad_value_on_the_week_form_saves_nothing_and_keeps_what_was_typed(
        client, engagement, people, kpis):
    client.force_login(people["pm"])
    r = client.post(f"/engagements/{engagement.pk}/kpis/record/", {
        "date": "2026-09-28", f"value-{kpis[0].pk}": "20", f"value-{kpis[1].pk}": "inf"})
    body = r.content.decode()
    assert r.status_code == 200 and "Nothing was saved" in body
    assert 'value="20"' in body and 'value="inf"' in body and 'aria-invalid="true"' in body
    assert not Measurement.objects.exists()


def test_csv_with_mixed_rows_saves_nothing_and_reports_each_row(client, engagement, people,
                                                                kpis):
    client.force_login(people["pm"])
    text = ("kpi,date,value,note\n"
            "Internal share of merged changes,2026-09-21,12,ok\n"
            "Internal share of merged changes,2026-02-01,14,\n"       # outside the engagement
            f"{kpis[1].pk},2026-09-21,NaN,\n"                          # not a number
            "No such KPI,2026-09-21,1,\n"                               # unknown KPI
            "Rollback time,21/09/2026,30,\n")                          # unreadable date
    r = client.post(f"/engagements/{engagement.pk}/kpis/import/", {"text": text})
    body = r.content.decode()
    assert "4 problems: nothing was saved" in body
    for line in ("<td>3</td><td>date</td>", "<td>4</td><td>value</td>",
                 "<td>5</td><td>kpi</td>", "<td>6</td><td>date</td>"):
        assert line in body
    assert "Save 1 value" not in body
    # Even a forged confirmation of the bad text saves nothing.
    client.post(f"/engagements/{engagement.pk}/kpis/import/", {"text": text, "confirm": "1"})
    assert not Measurement.objects.exists()


def test_a_valid_csv_is_previewed_then_saved_on_confirmation(client, engagement, people, kpis):
    client.force_login(people["pm"])
    text = ("kpi;date;value;source\n"
            "internal share of merged changes;2026-09-21;12;git\n"
            f"{kpis[1].pk};2026-09-21;50;\n")
    url = f"/engagements/{engagement.pk}/kpis/import/"
    r = client.post(url, {"text": text})
    assert "Save 2 values" in r.content.decode()
    assert not Measurement.objects.exists()
    r = client.post(url, {"text": text, "confirm": "1"})
    assert r.status_code == 302
    assert dict(Measurement.objects.values_list("kpi__name", "source")) == {
        "Internal share of merged changes": "git", "Rollback time": "csv"}
    assert AuditEvent.objects.filter(verb="kpi.measurements_recorded",
                                     after__via="csv import").exists()


def test_an_uploaded_file_that_is_not_text_is_refused(client, engagement, people, kpis):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(people["pm"])
    r = client.post(f"/engagements/{engagement.pk}/kpis/import/",
                    {"file": SimpleUploadedFile("v.csv", b"\xff\xfe\x00bad\x9c")})
    assert "not UTF-8 text" in r.content.decode()


def test_the_catalogue_adds_a_kpi_with_one_click(client, draft_engagement, people):
    client.force_login(people["pm"])
    page = client.get(f"/engagements/{draft_engagement.pk}/kpis/").content.decode()
    assert "Time to retrain" in page and "How to measure it" in page
    r = client.post(f"/engagements/{draft_engagement.pk}/kpis/catalogue/",
                    {"key": "time_to_retrain"})
    kpi = KPI.objects.get(engagement=draft_engagement)
    assert r.url == f"/engagements/{draft_engagement.pk}/kpis/{kpi.pk}/"
    assert kpi.catalogue_key == "time_to_retrain" and kpi.direction == "down"


def test_the_detail_page_draws_an_accessible_chart_and_edits(client, engagement, people, kpis):
    from kpis.services import measurements_record

    measurements_record(actor=people["pm"], engagement=engagement, rows=[
        {"kpi": kpis[0].pk, "date": dt.date(2026, 9, 7) + dt.timedelta(weeks=w), "value": 9 * w}
        for w in range(1, 8)])
    client.force_login(people["pm"])
    url = f"/engagements/{engagement.pk}/kpis/{kpis[0].pk}/"
    body = client.get(url).content.decode()
    assert '<svg class="chart"' in body and 'role="img"' in body and "<title id=" in body
    assert "7 values from" in body  # the description says what the chart shows
    assert "<polyline class=\"plan\"" in body and "<polyline class=\"values\"" in body
    assert "<caption class=\"visually-hidden\">Values of" in body  # the same values as a table
    r = client.post(url, {"layer": "capability", "name": "Internal share of merged changes",
                          "unit": "%", "direction": "up", "baseline": "0", "target": "75",
                          "target_date": "2026-11-01", "cadence": "weekly", "source": "git_history",
                          "waypoints": "2026-10-05 30", "version": "1"})
    assert r.status_code == 302, r.content.decode()[:3000]
    kpis[0].refresh_from_db()
    assert kpis[0].target == Decimal(75) and kpis[0].waypoints.get().value == 30
    # A stale form is refused with the conflict, not saved over the newer version.
    r = client.post(url, {"layer": "capability", "name": "Other", "direction": "up",
                          "target": "1", "target_date": "2026-11-01", "cadence": "weekly",
                          "source": "manual", "version": "1"})
    assert r.status_code == 200 and "changed by someone else" in r.content.decode()


def test_the_vendor_sees_kpis_but_cannot_record(client, engagement, people, kpis):
    client.force_login(people["vendor"])
    page = client.get(f"/engagements/{engagement.pk}/kpis/").content.decode()
    assert "Internal share of merged changes" in page and "Record this week" not in page
    r = client.post(f"/engagements/{engagement.pk}/kpis/record/",
                    {"date": "2026-09-28", f"value-{kpis[0].pk}": "99"})
    assert r.status_code == 200 and not Measurement.objects.exists()


def test_the_status_and_its_rule_are_on_the_page(client, engagement, people, kpis):
    client.force_login(people["leader"])
    body = client.get(f"/engagements/{engagement.pk}/kpis/").content.decode()
    assert "kpi-stale" in body and "No value recorded yet." in body
    assert "How the status is decided" in body and "two cadences" in body
