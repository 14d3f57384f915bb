"""/api/v1/kpis/ (CRUD with status), /kpis/{id}/measurements/ (ingestion with a token,
idempotent, 400 naming the field), /api/v1/kpi-catalogue/."""

import datetime as dt

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kpis.models import KPI, Measurement
from kpis.services import kpi_define


@pytest.fixture
def api(people):
    client = APIClient()
    token = Token.objects.create(user=people["pm"])
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def share(engagement, people):
    return kpi_define(actor=people["pm"], engagement=engagement, layer="capability",
                      name="Internal share of merged changes", unit="%", baseline=0, target=70,
                      target_date=dt.date(2026, 11, 1))


def url(kpi):
    return f"/api/v1/kpis/{kpi.pk}/measurements/"


def test_a_pipeline_posts_with_a_token_and_a_retry_records_nothing_new(api, share):
    batch = [{"date": "2026-09-21", "value": 12, "source": "ci"},
             {"date": "2026-09-28", "value": "18.5", "source": "ci"}]
    first = api.post(url(share), batch, format="json")
    assert first.status_code == 201 and first.json()["created"] == 2
    retry = api.post(url(share), batch, format="json")
    assert retry.status_code == 200
    assert (retry.json()["created"], retry.json()["unchanged"]) == (0, 2)
    assert Measurement.objects.count() == 2
    assert [m["value"] for m in api.get(url(share)).json()] == ["18.5000", "12.0000"]


@pytest.mark.parametrize(("item", "field"), [
    ({"date": "2026-09-21", "value": "NaN"}, "value"),
    ({"date": "2026-09-21", "value": "Infinity"}, "value"),
    ({"date": "2026-09-21", "value": "lots"}, "value"),
    ({"date": "2026-09-21", "value": True}, "value"),
    ({"date": "2026-09-21"}, "value"),
    ({"date": "2025-01-01", "value": 3}, "date"),
    ({"date": "not a date", "value": 3}, "date"),
    ({"date": "2026-09-21", "value": 3, "source": "<script>"}, "source"),
])
def test_a_bad_measurement_is_a_400_naming_the_field(api, share, item, field):
    r = api.post(url(share), item, format="json")
    assert r.status_code == 400
    assert field in r.json()["errors"]
    assert not Measurement.objects.exists()


def test_a_bad_item_in_a_bulk_post_names_its_row_and_saves_nothing(api, share):
    r = api.post(url(share), [{"date": "2026-09-21", "value": 1},
                              {"date": "2026-09-22", "value": "nan"}], format="json")
    assert r.status_code == 400 and r.json()["row"] == 1
    assert not Measurement.objects.exists()


def test_non_json_numbers_in_the_body_are_refused(api, share):
    r = api.post(url(share), '{"date": "2026-09-21", "value": NaN}',
                 content_type="application/json")
    assert r.status_code == 400 and not Measurement.objects.exists()


def test_a_vendor_token_cannot_post_and_an_outsider_sees_nothing(people, share):
    vendor, outsider = APIClient(), APIClient()
    vendor.force_authenticate(people["vendor"])
    outsider.force_authenticate(people["outsider"])
    r = vendor.post(url(share), {"date": "2026-09-21", "value": 1}, format="json")
    assert r.status_code == 403
    assert outsider.get(url(share)).status_code == 404
    assert outsider.get(f"/api/v1/kpis/?engagement={share.engagement_id}").status_code == 404


def test_kpi_crud_with_status_and_version(api, engagement, share):
    listed = api.get(f"/api/v1/kpis/?engagement={engagement.pk}").json()
    assert listed[0]["status"] == "stale" and listed[0]["latest"] is None
    r = api.post("/api/v1/kpis/", {
        "engagement": engagement.pk, "layer": "system", "name": "Calibration",
        "direction": "range", "lower": "0.9", "upper": "1.1", "target_date": "2026-10-20",
        "waypoints": []}, format="json")
    assert r.status_code == 201, r.json()
    kpi_id = r.json()["id"]
    api.post(f"/api/v1/kpis/{kpi_id}/measurements/", {"date": "2026-10-26", "value": "1.3"},
             format="json")
    got = api.get(f"/api/v1/kpis/{kpi_id}/").json()
    assert got["status"] in ("off_track", "stale") and got["latest"]["value"] == "1.3000"
    stale = api.patch(f"/api/v1/kpis/{kpi_id}/", {"name": "x", "version": 7}, format="json")
    assert stale.status_code == 409
    missing = api.patch(f"/api/v1/kpis/{kpi_id}/", {"name": "x"}, format="json")
    assert missing.status_code == 428
    ok = api.patch(f"/api/v1/kpis/{kpi_id}/", {"upper": "1.4", "version": 1}, format="json")
    assert ok.status_code == 200 and ok.json()["upper"] == "1.4000"
    # The engagement is under way and the KPI has values: deleting it is refused.
    assert api.delete(f"/api/v1/kpis/{kpi_id}/").status_code == 409
    assert KPI.objects.filter(pk=kpi_id).exists()


def test_bad_definitions_are_400s_naming_the_field(api, engagement):
    base = {"engagement": engagement.pk, "layer": "system", "name": "X",
            "target_date": "2026-10-20"}
    for extra, field in (({"target": "NaN"}, "target"), ({}, "target"),
                         ({"direction": "range", "lower": 2, "upper": 1}, "upper"),
                         ({"target": 1, "target_date": "2030-01-01"}, "target_date"),
                         ({"target": 1, "owner": 999999}, "owner")):
        r = api.post("/api/v1/kpis/", {**base, **extra}, format="json")
        assert r.status_code == 400, (extra, r.json())
        assert field in str(r.json()), (extra, r.json())


def test_the_catalogue_lists_and_adds(api, draft_engagement):
    entries = api.get("/api/v1/kpi-catalogue/").json()
    assert any(e["key"] == "internal_merged_share" and e["how"] for e in entries)
    r = api.post("/api/v1/kpis/from-catalogue/", {"engagement": draft_engagement.pk,
                                                  "key": "rollback_time"}, format="json")
    assert r.status_code == 201 and r.json()["catalogue_key"] == "rollback_time"


def test_kpi_list_queries_do_not_grow(api, engagement, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(f"/api/v1/kpis/?engagement={engagement.pk}").status_code == 200
        return len(ctx)

    for i in range(2):
        kpi_define(actor=people["pm"], engagement=engagement, layer="system", name=f"K{i}",
                   target=1, target_date=dt.date(2026, 10, 1))
    small = count()
    for i in range(2, 10):
        k = kpi_define(actor=people["pm"], engagement=engagement, layer="system", name=f"K{i}",
                       target=1, target_date=dt.date(2026, 10, 1),
                       waypoints=[{"date": dt.date(2026, 9, 20), "value": 0}])
        Measurement.objects.create(kpi=k, date=dt.date(2026, 9, 21), value=1)
    assert count() == small
