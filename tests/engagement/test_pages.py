import pytest

from engagement import services
from engagement.models import Engagement
from tests.engagement.factories import define_outcomes

pytestmark = pytest.mark.django_db


def form_data(orgs, **overrides):
    data = {
        "title": "Demand forecast", "client": orgs["client"].pk, "vendor": orgs["vendor"].pk,
        "format": "project", "use_case": "Weekly demand", "start_date": "2026-10-05",
        "length_weeks": "10", "contract_value": "80000", "currency": "EUR",
        "off_ramp_date": "",
    }
    data.update(overrides)
    return data


def test_login_required_redirects_to_login(client):
    response = client.get("/engagements/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_login_page_logs_in_and_shows_the_list(client, people):
    response = client.post("/login/", {"username": "pm", "password": "offramp-test"},
                           follow=True)
    assert response.redirect_chain[-1][0] == "/engagements/"
    assert b"Create engagement" in response.content


def test_wrong_password_says_so(client, people):
    response = client.post("/login/", {"username": "pm", "password": "nope"})
    assert b"do not match" in response.content


def test_create_form_shows_field_errors_and_keeps_input(client, people, orgs):
    client.force_login(people["procurement"])
    response = client.post("/engagements/new/", form_data(orgs, length_weeks="0"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert 'href="#id_length_weeks"' in body
    assert 'value="Demand forecast"' in body
    assert not Engagement.objects.exists()


def test_create_form_creates_and_redirects_to_the_engagement(client, people, orgs):
    client.force_login(people["procurement"])
    response = client.post("/engagements/new/", form_data(orgs), follow=True)
    engagement = Engagement.objects.get()
    assert response.redirect_chain[-1][0] == f"/engagements/{engagement.pk}/"
    assert b"created as a draft" in response.content


def test_create_form_shows_a_rule_error_from_the_service(client, people, orgs):
    client.force_login(people["procurement"])
    response = client.post("/engagements/new/", form_data(
        orgs, client=orgs["other_client"].pk))
    assert "must be the client or the vendor" in response.content.decode()


def test_edit_form_with_stale_version_shows_both_values(client, people, engagement):
    client.force_login(people["procurement"])
    services.engagement_update(actor=people["pm"], engagement=engagement,
                               data={"title": "Renamed by PM"})
    response = client.post(f"/engagements/{engagement.pk}/edit/", {
        "title": "Renamed by procurement", "format": "project", "use_case": "",
        "start_date": "2026-09-07", "length_weeks": "8", "contract_value": "120000.00",
        "currency": "EUR", "off_ramp_date": "", "version": "1",
    })
    body = response.content.decode()
    assert "Changed by" in body and "Renamed by PM" in body and "Renamed by procurement" in body
    engagement.refresh_from_db()
    assert engagement.title == "Renamed by PM"
    # Saving again after seeing the conflict keeps the user's value.
    response = client.post(f"/engagements/{engagement.pk}/edit/", {
        "title": "Renamed by procurement", "format": "project", "use_case": "",
        "start_date": "2026-09-07", "length_weeks": "8", "contract_value": "120000.00",
        "currency": "EUR", "off_ramp_date": "", "version": "2",
    })
    assert response.status_code == 302
    engagement.refresh_from_db()
    assert engagement.title == "Renamed by procurement"


def test_detail_page_shows_blockers_then_lets_pm_activate(client, people, draft_engagement):
    engagement = draft_engagement
    client.force_login(people["pm"])
    body = client.get(f"/engagements/{engagement.pk}/").content.decode()
    assert "Before it can become active" in body
    checklist = client.get(f"/engagements/{engagement.pk}/move/active/").content.decode()
    assert "Still missing" in checklist and "Name an internal ML product owner" in checklist
    define_outcomes(engagement, people["pm"])
    body = client.get(f"/engagements/{engagement.pk}/").content.decode()
    assert "Review and move to active" in body
    checklist = client.get(f"/engagements/{engagement.pk}/move/active/").content.decode()
    assert "Everything this move requires is in place" in checklist
    assert "contract_value" in checklist and "Move to active" in checklist
    response = client.post(f"/engagements/{engagement.pk}/transition/",
                           {"to": "active", "reason": "go"}, follow=True)
    assert b"The engagement is now active." in response.content
    engagement.refresh_from_db()
    assert engagement.status == "active"


def test_refused_transition_shows_the_reason(client, people, draft_engagement):
    engagement = draft_engagement
    client.force_login(people["pm"])
    response = client.post(f"/engagements/{engagement.pk}/transition/", {"to": "closed"},
                           follow=True)
    assert b"cannot move from draft to closed" in response.content


def test_staffing_added_on_the_page_appears_in_the_table(client, people, engagement):
    client.force_login(people["pm"])
    response = client.post(f"/engagements/{engagement.pk}/staffing/",
                           {"staffing_role": "data_steward", "person_name": "Jonas Berg"},
                           follow=True)
    assert b"Jonas Berg" in response.content
    response = client.post(f"/engagements/{engagement.pk}/staffing/",
                           {"staffing_role": "data_steward"}, follow=True)
    assert b"type a name" in response.content


def test_baseline_form_records_and_page_shows_it(client, people, engagement):
    client.force_login(people["pm"])
    response = client.post(f"/engagements/{engagement.pk}/baseline/discovery/", {
        "skills": "1", "process": "2", "tooling": "0", "notes": "Notebooks only",
        "assessed_on": "2026-09-08"}, follow=True)
    assert b"Readiness baseline saved." in response.content
    assert b"Notebooks only" in response.content


def test_audit_page_lists_events_and_says_the_chain_is_intact(client, people, engagement):
    client.force_login(people["pm"])
    body = client.get(f"/engagements/{engagement.pk}/audit/").content.decode()
    assert "Chain intact" in body and "engagement.created" in body


def test_list_filters_and_htmx_partial(client, people, draft_engagement):
    engagement = draft_engagement
    client.force_login(people["pm"])
    body = client.get("/engagements/?status=active").content.decode()
    assert "No engagement matches these filters." in body
    partial = client.get("/engagements/?status=draft", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and engagement.title in partial


def test_kpi_page_adds_a_kpi_and_lists_missing_layers(client, people, draft_engagement):
    engagement = draft_engagement
    client.force_login(people["pm"])
    body = client.get(f"/engagements/{engagement.pk}/kpis/").content.decode()
    assert "missing: business, system, capability" in body
    response = client.post(f"/engagements/{engagement.pk}/kpis/", {
        "layer": "capability", "name": "Time to retrain", "unit": "days", "direction": "down",
        "baseline": "20", "target": "2", "target_date": "2026-10-30", "source": "manual"},
        follow=True)
    assert b"KPI added." in response.content
    assert b"missing: business, system." in response.content


def test_healthz_is_liveness_and_readyz_details_are_for_admins(client, people, settings):
    settings.CELERY_BROKER_URL = None  # embedded mode (tests/test_resilience.py: the rest)
    assert client.get("/healthz").json() == {"status": "ok"}
    anonymous = client.get("/readyz")
    assert anonymous.status_code == 200 and anonymous.json() == {"status": "ok"}
    from engagement.models import User

    admin = User.objects.create_user("ops", organisation=people["pm"].organisation, role="admin")
    client.force_login(admin)
    checks = client.get("/readyz").json()["checks"]
    assert set(checks) == {"database", "broker", "workers", "beat", "work"}
    assert all(c["ok"] for c in checks.values())
