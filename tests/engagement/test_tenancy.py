"""A user whose organisation is neither client nor vendor sees nothing of an engagement."""

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from rest_framework.test import APIClient

from engagement.models import AuditEvent, Engagement
from tests.engagement.factories import make_engagement

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(people, orgs):
    """Engagement A (Northwind ↔ Acme) and B (Contoso ↔ Globex)."""
    a = make_engagement(actor=people["pm"], client=orgs["client"], vendor=orgs["vendor"],
                        title="A")
    b = make_engagement(actor=people["other_pm"], client=orgs["other_client"],
                        vendor=orgs["other_vendor"], title="B")
    return a, b


def api_for(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_vendor_of_a_gets_404_for_b_detail(people, two):
    _, b = two
    api = api_for(people["vendor"])
    assert api.get(f"/api/v1/engagements/{b.pk}/").status_code == 404
    assert api.patch(f"/api/v1/engagements/{b.pk}/", {"title": "x"},
                     format="json").status_code == 404
    assert api.post(f"/api/v1/engagements/{b.pk}/transition/", {"to": "active"},
                    format="json").status_code == 404


def test_vendor_of_a_lists_only_a_even_when_filtering_for_b(people, orgs, two):
    a, b = two
    api = api_for(people["vendor"])
    assert [e["id"] for e in api.get("/api/v1/engagements/").json()["results"]] == [a.pk]
    response = api.get(f"/api/v1/engagements/?client={orgs['other_client'].pk}")
    # Filtering by an organisation you cannot see is a validation error, not a leak.
    assert response.status_code == 400 or response.json()["count"] == 0
    assert api.get("/api/v1/engagements/?q=B").json()["count"] == 0


def test_vendor_of_a_sees_no_audit_events_of_b(people, two):
    _, b = two
    api = api_for(people["vendor"])
    body = api.get(f"/api/v1/audit-events/?engagement={b.pk}").json()
    assert body["count"] == 0
    event = AuditEvent.objects.filter(engagement=b).first()
    assert api.get(f"/api/v1/audit-events/{event.pk}/").status_code == 404
    all_ids = {e["engagement"] for e in api.get("/api/v1/audit-events/").json()["results"]}
    assert b.pk not in all_ids


def test_organisations_of_b_are_not_listed_for_a(people, two):
    names = {o["name"] for o in api_for(people["vendor"]).get(
        "/api/v1/organisations/").json()["results"]}
    assert names == {"Acme ML Partners", "Northwind Retail"}


@pytest.mark.parametrize("suffix", ["", "edit/", "audit/", "kpis/", "baseline/discovery/"])
def test_pages_of_b_answer_404_to_a_user(client, people, two, suffix):
    _, b = two
    client.force_login(people["vendor"])
    assert client.get(f"/engagements/{b.pk}/{suffix}").status_code == 404


def test_posts_to_b_answer_404_to_a_user(client, people, two):
    _, b = two
    client.force_login(people["pm"])
    assert client.post(f"/engagements/{b.pk}/transition/", {"to": "active"}).status_code == 404
    assert client.post(f"/engagements/{b.pk}/staffing/",
                       {"staffing_role": "ml_engineer", "person_name": "x"}).status_code == 404
    assert Engagement.objects.get(pk=b.pk).staffing.count() == 0


def test_page_list_shows_only_visible_engagements(client, people, two):
    client.force_login(people["vendor"])
    body = client.get("/engagements/").content.decode()
    assert ">A</a>" in body and ">B</a>" not in body


def test_admin_lists_are_scoped_to_the_users_organisation(people, two):
    a, b = two
    request = RequestFactory().get("/admin/")
    request.user = people["pm"]
    engagements = site._registry[Engagement].get_queryset(request)
    events = site._registry[AuditEvent].get_queryset(request)
    assert list(engagements) == [a]
    assert set(events.values_list("engagement_id", flat=True)) == {a.pk}


def test_admin_dropdowns_offer_only_visible_rows(people, two):
    a, b = two
    request = RequestFactory().get("/admin/")
    request.user = people["pm"]
    from engagement.models import StaffingAssignment, User

    model_admin = site._registry[StaffingAssignment]
    engagement_field = model_admin.formfield_for_foreignkey(
        StaffingAssignment._meta.get_field("engagement"), request)
    user_field = model_admin.formfield_for_foreignkey(
        StaffingAssignment._meta.get_field("user"), request)
    assert list(engagement_field.queryset) == [a]
    assert "other_pm" not in {u.username for u in user_field.queryset}
    user_admin = site._registry[User]
    assert "organisation" in user_admin.get_readonly_fields(request)
    assert "is_superuser" in user_admin.get_readonly_fields(request)
