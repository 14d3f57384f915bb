"""/api/v1/competency-rubric/, competency-assessments/, engagements/{id}/independence/ and
drills/ (with review)."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from engagement import services as engagement_services


@pytest.fixture
def api(people):
    def as_user(name):
        client = APIClient()
        client.force_authenticate(people[name])
        return client
    return as_user


@pytest.fixture
def ana(engagement, people):
    return engagement_services.staffing_assign(actor=people["pm"], engagement=engagement,
                                               staffing_role="ml_engineer",
                                               person_name="Ana Ruiz")


def test_rubric_lists_fifteen_cells_and_a_keeper_rewords_one(api):
    pm = api("pm")
    cells = pm.get("/api/v1/competency-rubric/").json()
    assert len(cells) == 15 and {"area", "level", "description"} <= set(cells[0])
    r = pm.put("/api/v1/competency-rubric/", {"area": "deployment", "level": "beginner",
                                              "description": "Watches a release."},
               format="json")
    assert r.status_code == 200
    assert api("vendor").put("/api/v1/competency-rubric/", {
        "area": "deployment", "level": "beginner", "description": "x"},
        format="json").status_code == 403


def test_assessments_crud_and_the_independence_index(api, engagement, ana):
    pm = api("pm")
    body = {"engagement": engagement.pk, "person": ana.pk, "area": "training_runs",
            "level": "independent", "assessed_on": "2026-10-01", "round": "mid",
            "evidence_url": "https://ci.northwind.example/run/77"}
    r = pm.post("/api/v1/competency-assessments/", body, format="json")
    assert r.status_code == 201 and r.json()["person"] == ana.pk
    assert r.json()["level"] == "independent" and r.json()["area"] == "training_runs"
    listed = api("vendor").get(f"/api/v1/competency-assessments/?engagement={engagement.pk}")
    assert listed.status_code == 200 and len(listed.json()) == 1
    assert api("vendor").post("/api/v1/competency-assessments/", body,
                              format="json").status_code == 403
    bad = pm.post("/api/v1/competency-assessments/", {**body, "level": "wizard"},
                  format="json")
    assert bad.status_code == 400 and "level" in bad.json()
    index = pm.get(f"/api/v1/engagements/{engagement.pk}/independence/").json()
    assert index["index"] == 0.2 and index["areas"]["training_runs"] == 1
    assert index["over_time"] == [{"date": "2026-10-01", "index": 0.2, "bus_factor": 0.0}]
    pk = r.json()["id"]
    assert pm.patch(f"/api/v1/competency-assessments/{pk}/", {"level": "intermediate"},
                    format="json").json()["level"] == "intermediate"
    assert pm.delete(f"/api/v1/competency-assessments/{pk}/").status_code == 400
    assert pm.delete(f"/api/v1/competency-assessments/{pk}/?reason=Wrong%20person"
                     ).status_code == 204
    assert api("outsider").get(
        f"/api/v1/engagements/{engagement.pk}/independence/").status_code == 404


def test_drills_are_planned_recorded_and_reviewed(api, engagement, ana, people):
    vendor_lead = engagement_services.staffing_assign(
        actor=people["pm"], engagement=engagement, staffing_role="lead_consultant",
        user=people["vendor"])
    pm = api("pm")
    r = pm.post("/api/v1/drills/", {"engagement": engagement.pk, "scenario": "bad_release",
                                    "planned_for": "2026-10-12"}, format="json")
    assert r.status_code == 201 and r.json()["result"] == "planned"
    pk = r.json()["id"]
    missing = pm.patch(f"/api/v1/drills/{pk}/", {"held_on": "2026-10-12"}, format="json")
    assert missing.status_code == 400 and "primary_responder" in missing.json()
    r = pm.patch(f"/api/v1/drills/{pk}/", {
        "held_on": "2026-10-12", "detect_minutes": 5, "restore_minutes": 30,
        "primary_responder": ana.pk, "postmortem_url": "https://wiki.example/pm"},
        format="json")
    assert r.json()["primary_side"] == "internal" and r.json()["result"] == "planned"
    assert api("vendor").post(f"/api/v1/drills/{pk}/review/", {"review": "complete"},
                              format="json").status_code == 403
    r = api("leader").post(f"/api/v1/drills/{pk}/review/", {"review": "complete"},
                           format="json")
    assert r.status_code == 200 and r.json()["result"] == "pass"
    assert pm.delete(f"/api/v1/drills/{pk}/").status_code == 409
    other = pm.post("/api/v1/drills/", {"engagement": engagement.pk, "scenario": "custom",
                                        "planned_for": "2026-10-13"}, format="json")
    assert other.status_code == 400 and "scenario_detail" in str(other.json())
    led = pm.post("/api/v1/drills/", {"engagement": engagement.pk, "scenario": "drift_alert",
                                      "planned_for": "2026-10-14"}, format="json").json()
    r = pm.patch(f"/api/v1/drills/{led['id']}/", {
        "held_on": "2026-10-14", "detect_minutes": 5, "restore_minutes": 30,
        "primary_responder": vendor_lead.pk, "vendor_role": "primary"}, format="json")
    assert (r.json()["primary_side"], r.json()["result"]) == ("vendor", "fail")
    listed = api("vendor").get(f"/api/v1/drills/?engagement={engagement.pk}").json()
    assert [d["result"] for d in listed] == ["pass", "fail"]
    assert dt.date.fromisoformat(listed[0]["held_on"]) == dt.date(2026, 10, 12)
