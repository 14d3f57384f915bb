import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from engagement.models import AuditEvent, Engagement
from tests.engagement.factories import define_outcomes

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def as_user(api, user):
    api.force_authenticate(user)
    return api


def payload(orgs, **overrides):
    data = {
        "title": "Churn model", "client": orgs["client"].pk, "vendor": orgs["vendor"].pk,
        "format": "project", "start_date": "2026-10-05", "length_weeks": 10,
        "contract_value": "90000.00", "currency": "EUR",
    }
    data.update(overrides)
    return data


def test_anonymous_requests_are_refused(api):
    assert api.get("/api/v1/engagements/").status_code in (401, 403)


def test_create_returns_201_with_the_draft(api, people, orgs):
    response = as_user(api, people["procurement"]).post("/api/v1/engagements/", payload(orgs),
                                                         format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["client"]["name"], body["version"]) == (
        "draft", "Northwind Retail", 1)
    assert AuditEvent.objects.filter(engagement_id=body["id"], verb="engagement.created").exists()


def test_invalid_fields_answer_400_with_a_message_per_field(api, people, orgs):
    response = as_user(api, people["procurement"]).post(
        "/api/v1/engagements/",
        payload(orgs, contract_value="-5", length_weeks=0, currency="XXY", format="sprint"),
        format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) >= {"contract_value", "length_weeks", "currency", "format"}


def test_model_rule_violation_answers_400_naming_the_field(api, people, orgs):
    response = as_user(api, people["procurement"]).post(
        "/api/v1/engagements/", payload(orgs, vendor=orgs["client"].pk), format="json")
    assert response.status_code == 400
    assert "vendor" in response.json()["errors"]


def test_vendor_staff_creating_answers_403_with_the_rule(api, people, orgs):
    response = as_user(api, people["vendor"]).post("/api/v1/engagements/", payload(orgs),
                                                    format="json")
    assert response.status_code == 403
    assert response.json()["rule"] == "role"


def test_patch_with_stale_if_match_answers_409_with_current_values(api, people, engagement):
    client = as_user(api, people["pm"])
    etag = client.get(f"/api/v1/engagements/{engagement.pk}/").headers["ETag"]
    assert client.patch(f"/api/v1/engagements/{engagement.pk}/", {"title": "One"},
                        format="json", HTTP_IF_MATCH=etag).status_code == 200
    response = client.patch(f"/api/v1/engagements/{engagement.pk}/", {"title": "Two"},
                            format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 409
    assert response.json()["rule"] == "concurrent_edit"
    assert response.json()["current"]["title"] == "One"


def test_patch_without_version_is_refused_with_428(api, people, engagement):
    client = as_user(api, people["pm"])
    response = client.patch(f"/api/v1/engagements/{engagement.pk}/", {"use_case": "Triage"},
                            format="json")
    assert response.status_code == 428 and response.json()["rule"] == "if_match_required"
    assert "If-Match" in response.json()["detail"]
    response = client.patch(f"/api/v1/engagements/{engagement.pk}/",
                            {"use_case": "Triage", "version": 1}, format="json")
    assert response.status_code == 200 and response.json()["use_case"] == "Triage"


def test_transition_refused_answers_409_naming_the_rule(api, people, draft_engagement):
    engagement = draft_engagement
    response = as_user(api, people["pm"]).post(
        f"/api/v1/engagements/{engagement.pk}/transition/", {"to": "active"}, format="json")
    assert response.status_code == 409
    assert response.json()["rule"] == "precondition"
    assert "KPI" in response.json()["detail"]


def test_transition_succeeds_when_outcomes_exist(api, people, draft_engagement):
    engagement = draft_engagement
    define_outcomes(engagement, people["pm"])
    response = as_user(api, people["pm"]).post(
        f"/api/v1/engagements/{engagement.pk}/transition/", {"to": "active"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "active"


def test_transition_with_bad_target_answers_400(api, people, engagement):
    response = as_user(api, people["pm"]).post(
        f"/api/v1/engagements/{engagement.pk}/transition/", {"to": "paused"}, format="json")
    assert response.status_code == 400
    assert "to" in response.json()


def test_list_is_paginated_and_honours_page_size(api, people, orgs):
    from tests.engagement.factories import make_engagement

    for i in range(3):
        make_engagement(actor=people["pm"], client=orgs["client"], vendor=orgs["vendor"],
                        title=f"E{i}")
    body = as_user(api, people["pm"]).get("/api/v1/engagements/?page_size=2").json()
    assert (body["count"], len(body["results"])) == (3, 2)
    assert body["next"]


def test_list_filters_by_status_format_and_client(api, people, orgs, draft_engagement):
    client = as_user(api, people["pm"])
    assert client.get("/api/v1/engagements/?status=draft").json()["count"] == 1
    assert client.get("/api/v1/engagements/?status=active").json()["count"] == 0
    assert client.get("/api/v1/engagements/?format=hybrid").json()["count"] == 0
    assert client.get(f"/api/v1/engagements/?client={orgs['client'].pk}").json()["count"] == 1


def test_audit_events_filtered_by_engagement(api, people, engagement):
    body = as_user(api, people["pm"]).get(
        f"/api/v1/audit-events/?engagement={engagement.pk}").json()
    assert [e["verb"] for e in body["results"]] == ["engagement.created"]
    assert len(body["results"][0]["hash"]) == 64


def test_token_auth_works_with_drf_create_token(people, engagement, capsys):
    call_command("drf_create_token", "pm")
    token = capsys.readouterr().out.split()[2]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/engagements/").json()["count"] == 1


def test_openapi_schema_and_docs_are_served(api, people):
    client = as_user(api, people["pm"])
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/engagements/{id}/transition/" in schema.content
    assert client.get("/api/docs/").status_code == 200


def test_organisations_list_shows_own_and_partner_organisations(api, people, engagement):
    names = [o["name"] for o in as_user(api, people["pm"]).get(
        "/api/v1/organisations/").json()["results"]]
    assert names == ["Acme ML Partners", "Northwind Retail"]
    assert Engagement.objects.count() == 1
