import pytest
from rest_framework.test import APIClient

from engagement import services as engagement_services
from sow import services
from sow.models import SowVersion
from tests.engagement.factories import make_engagement
from tests.sow.factories import build_sow

pytestmark = pytest.mark.django_db


def api_for(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def sow(engagement, people):
    return build_sow(engagement, people["procurement"], schedules=("kpis",))


def test_clause_library_search_and_versions(people):
    services.library_load()
    api = api_for(people["procurement"])
    found = api.get("/api/v1/clauses/?q=rehearsal").json()
    assert "acceptance-rehearsal-retrain" in [c["key"] for c in found["results"]]
    clause_id = found["results"][0]["id"]
    assert api.get(f"/api/v1/clauses/{clause_id}/versions/").json()[0]["number"] == 1
    bad = api.post(f"/api/v1/clauses/{clause_id}/versions/",
                   {"body": "ok\n{% for m in milestones %}"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["rule"] == "template_invalid" and bad.json()["problems"][0]["line"] == 2
    good = api.post(f"/api/v1/clauses/{clause_id}/versions/",
                    {"body": "Rehearse before {{ engagement.end_date }}."}, format="json")
    assert good.status_code == 201 and good.json()["status"] == "draft"


def test_sow_create_sections_check_freeze_and_diff(engagement, people):
    services.library_load()
    api = api_for(people["procurement"])
    created = api.post("/api/v1/sows/", {"engagement": engagement.pk, "title": "SOW A"},
                       format="json")
    assert created.status_code == 201
    sow_id, revision = created.json()["id"], created.json()["version"]
    clause = api.get("/api/v1/clauses/?q=two-key-rule").json()["results"][0]
    added = api.post(f"/api/v1/sows/{sow_id}/sections/", {
        "clause_version": clause["published_version"], "version": revision}, format="json")
    assert added.status_code == 201 and added.json()["clause_key"] == "two-key-rule"
    stale = api.post(f"/api/v1/sows/{sow_id}/sections/", {"schedule": "kpis",
                                                          "version": revision}, format="json")
    assert stale.status_code == 409 and stale.json()["rule"] == "concurrent_edit"
    check = api.get(f"/api/v1/sows/{sow_id}/check/").json()
    assert check["score"] < 100
    assert {"no_eval_harness", "payments_not_gated"} <= {f["rule"] for f in check["findings"]}
    refused = api.post(f"/api/v1/sows/{sow_id}/freeze/", {}, format="json")
    assert refused.status_code == 409 and refused.json()["rule"] == "justification_required"
    v1 = api.post(f"/api/v1/sows/{sow_id}/freeze/", {"justification": "draft for comment",
                                                    "acknowledge_warnings": True},
                  format="json").json()
    api.post(f"/api/v1/sows/{sow_id}/sections/", {"schedule": "kpis"}, format="json")
    v2 = api.post(f"/api/v1/sows/{sow_id}/freeze/", {"justification": "second draft",
                                                    "acknowledge_warnings": True},
                  format="json").json()
    assert (v1["number"], v2["number"]) == (1, 2)
    detail = api.get(f"/api/v1/sow-versions/{v2['id']}/").json()
    assert detail["sha256"] == v2["sha256"]
    diff = api.get(f"/api/v1/sow-versions/{v2['id']}/diff/?against={v1['id']}").json()
    assert [s["status"] for s in diff["sections"]] == ["same", "added"]


def test_preview_renders_or_answers_400_with_lines(sow, people):
    api = api_for(people["procurement"])
    ok = api.post(f"/api/v1/sows/{sow.pk}/preview/", {"body": "For {{ client.name }}."},
                  format="json")
    assert ok.json() == {"html": "<p>For Northwind Retail.</p>"}
    bad = api.post(f"/api/v1/sows/{sow.pk}/preview/",
                   {"body": "fine\n{{ client.name }}\n{{ vendr.name }}"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["problems"] == [{"line": 3, "message": "“vendr” is not a variable you can "
                                                             "use here. Did you mean “vendor”?"}]


def test_frozen_versions_are_read_only_in_the_api(sow, people):
    v = services.sow_freeze(actor=people["procurement"], sow=sow, justification="Frozen for the test.",
                            acknowledge_warnings=True)
    api = api_for(people["procurement"])
    assert api.patch(f"/api/v1/sow-versions/{v.pk}/", {"html": "x"},
                     format="json").status_code == 405
    assert api.delete(f"/api/v1/sow-versions/{v.pk}/").status_code == 405
    assert SowVersion.objects.get(pk=v.pk).html == v.html


def test_other_tenants_get_404(sow, people, orgs):
    v = services.sow_freeze(actor=people["procurement"], sow=sow,
                            justification="Frozen for the test.", acknowledge_warnings=True)
    api = api_for(people["other_pm"])
    assert api.get(f"/api/v1/sows/{sow.pk}/").status_code == 404
    assert api.get(f"/api/v1/sows/{sow.pk}/check/").status_code == 404
    assert api.post(f"/api/v1/sows/{sow.pk}/preview/", {"body": "x"},
                    format="json").status_code == 404
    assert api.get(f"/api/v1/sow-versions/{v.pk}/").status_code == 404
    assert api.get("/api/v1/sows/").json()["count"] == 0
    other = make_engagement(actor=people["other_pm"], client=orgs["other_client"],
                            vendor=orgs["other_vendor"])
    mine = services.sow_create(actor=people["other_pm"], engagement=other, title="Mine")
    mine_v = services.sow_freeze(actor=people["other_pm"], sow=build_sow(
        other, people["other_pm"], keys=["two-key-rule"]), justification="x", acknowledge_warnings=True)
    assert api.get(f"/api/v1/sow-versions/{mine_v.pk}/diff/?against={v.pk}").status_code == 404
    assert mine


def test_sections_api_queries_do_not_grow(engagement, people):
    from tests.engagement.test_query_counts import count_queries

    engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)
    small = build_sow(engagement, people["procurement"], keys=["two-key-rule"] * 1,
                      schedules=("kpis",) * 4)
    large = build_sow(engagement, people["procurement"], keys=["two-key-rule"],
                      schedules=("kpis", "ladder", "raci", "staffing") * 12 + ("payments",))
    api = api_for(people["procurement"])
    assert count_queries(lambda: api.get(f"/api/v1/sows/{small.pk}/")) == count_queries(
        lambda: api.get(f"/api/v1/sows/{large.pk}/"))
    assert count_queries(lambda: api.get(f"/api/v1/sows/{small.pk}/check/")) == count_queries(
        lambda: api.get(f"/api/v1/sows/{large.pk}/check/"))
