import pytest
from rest_framework.test import APIClient

from engagement import services
from engagement.models import Milestone
from tests.engagement.factories import make_engagement, under_way

pytestmark = pytest.mark.django_db


def api_for(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def ladder(engagement, people):
    """The generated ladder of an engagement under way (work is proven only once active)."""
    milestones = services.ladder_generate(actor=people["pm"], engagement=engagement)
    under_way(engagement)
    return milestones


def test_generate_ladder_answers_201_with_milestones_and_warnings(engagement, people):
    response = api_for(people["pm"]).post(f"/api/v1/engagements/{engagement.pk}/ladder/",
                                          {"template": "default", "weeks": 8}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert len(body["milestones"]) == 6 and body["warnings"] == []
    assert body["milestones"][4]["kind"] == "rehearsal_retrain"


def test_regenerating_with_work_answers_409_naming_the_rule(ladder, engagement, people):
    services.milestone_transition(actor=people["pm"], milestone=ladder[0], to="in_progress")
    response = api_for(people["pm"]).post(f"/api/v1/engagements/{engagement.pk}/ladder/",
                                          {"template": "default"}, format="json")
    assert response.status_code == 409
    assert response.json()["rule"] == "ladder_has_work"


def test_milestone_list_filters_by_engagement_and_carries_warnings(ladder, engagement, people):
    services.milestone_update(actor=people["pm"], milestone=ladder[4],
                              data={"ownership_mode": "vendor_leads"})
    body = api_for(people["pm"]).get(f"/api/v1/milestones/?engagement={engagement.pk}").json()
    assert body["count"] == 6
    rehearsal = body["results"][4]
    assert rehearsal["warnings"] and "backwards" in rehearsal["warnings"][0]
    assert len(rehearsal["criteria"]) == 2


def test_milestone_create_and_patch_with_stale_if_match_conflicts(engagement, people):
    api = api_for(people["pm"])
    created = api.post("/api/v1/milestones/", {
        "engagement": engagement.pk, "title": "Security review", "start_week": 2,
        "end_week": 3, "ownership_mode": "internal_pairs"}, format="json")
    assert created.status_code == 201, created.json()
    mid = created.json()["id"]
    etag = created.headers["ETag"]
    assert api.patch(f"/api/v1/milestones/{mid}/", {"title": "A"}, format="json",
                     HTTP_IF_MATCH=etag).status_code == 200
    stale = api.patch(f"/api/v1/milestones/{mid}/", {"title": "B"}, format="json",
                      HTTP_IF_MATCH=etag)
    assert stale.status_code == 409
    assert stale.json()["current"]["title"] == "A"


def test_milestone_create_with_missing_fields_answers_400(engagement, people):
    response = api_for(people["pm"]).post("/api/v1/milestones/", {"engagement": engagement.pk},
                                          format="json")
    assert response.status_code == 400
    assert {"title", "start_week", "end_week", "ownership_mode"} <= set(response.json())


def test_submit_then_decide_through_the_api(ladder, people):
    m = ladder[0]
    pm, leader, vendor = (api_for(people[u]) for u in ("pm", "leader", "vendor"))
    assert pm.post(f"/api/v1/milestones/{m.pk}/transition/", {"to": "in_progress"},
                   format="json").status_code == 200
    early = pm.post(f"/api/v1/milestones/{m.pk}/transition/", {"to": "submitted"}, format="json")
    assert early.status_code == 409 and early.json()["rule"] == "criteria_not_met"
    for c in m.criteria.all():
        r = pm.post(f"/api/v1/criteria/{c.pk}/verify/", {"status": "met", "note": "seen"},
                    format="json")
        assert r.status_code == 200 and r.json()["status"] == "met"
    assert pm.post(f"/api/v1/milestones/{m.pk}/transition/", {"to": "submitted"},
                   format="json").json()["status"] == "submitted"
    mine = leader.get("/api/v1/approval-requests/?mine=true").json()
    assert mine["count"] == 1
    request_id = mine["results"][0]["id"]
    assert mine["results"][0]["still_needed"].startswith("Two approvals")
    assert pm.get("/api/v1/approval-requests/?mine=true").json()["count"] == 0
    self_approve = pm.post(f"/api/v1/approval-requests/{request_id}/decide/",
                           {"decision": "approve"}, format="json")
    assert self_approve.status_code == 403
    assert self_approve.json()["rule"] == "two_key_requester"
    leader.post(f"/api/v1/approval-requests/{request_id}/decide/", {"decision": "approve"},
                format="json")
    twice = leader.post(f"/api/v1/approval-requests/{request_id}/decide/",
                        {"decision": "approve"}, format="json")
    assert twice.status_code == 409
    done = vendor.post(f"/api/v1/approval-requests/{request_id}/decide/",
                       {"decision": "approve"}, format="json").json()
    assert done["status"] == "approved"
    assert Milestone.objects.get(pk=m.pk).status == "accepted"


def test_vendor_verifying_internal_work_answers_403(ladder, people):
    c = ladder[0].criteria.filter(performer="internal").first()
    response = api_for(people["vendor"]).post(f"/api/v1/criteria/{c.pk}/verify/",
                                              {"status": "met", "note": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["rule"] == "internal_verification"


def test_criterion_create_through_the_api(ladder, people):
    response = api_for(people["pm"]).post("/api/v1/criteria/", {
        "milestone": ladder[1].pk, "statement": "Model card reviewed by compliance",
        "method": "document_review", "performer": "internal"}, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "open"


def test_raci_get_and_put(engagement, people):
    api = api_for(people["pm"])
    assert api.get(f"/api/v1/engagements/{engagement.pk}/raci/").json()["cells"] == []
    cells = services.raci_template()
    ok = api.put(f"/api/v1/engagements/{engagement.pk}/raci/", {"cells": cells}, format="json")
    assert ok.status_code == 200 and len(ok.json()["cells"]) == len(cells)
    bad = [c for c in cells if not (c["workstream"] == "data" and c["letter"] == "A"
                                    and c["phase"] == "early")]
    refused = api.put(f"/api/v1/engagements/{engagement.pk}/raci/", {"cells": bad},
                      format="json")
    assert refused.status_code == 400
    assert refused.json()["rule"] == "raci_one_accountable"
    assert "data-early" in refused.json()["errors"]


def test_other_tenants_get_404_on_ladder_endpoints(ladder, engagement, people, orgs):
    other = make_engagement(actor=people["other_pm"], client=orgs["other_client"],
                            vendor=orgs["other_vendor"], title="B")
    theirs = services.ladder_generate(actor=people["other_pm"], engagement=other)
    api = api_for(people["vendor"])
    assert api.get(f"/api/v1/milestones/{theirs[0].pk}/").status_code == 404
    assert api.get(f"/api/v1/milestones/?engagement={other.pk}").json()["count"] == 0
    c = theirs[0].criteria.first()
    assert api.post(f"/api/v1/criteria/{c.pk}/verify/", {"status": "met"},
                    format="json").status_code == 404
    assert api.get(f"/api/v1/engagements/{other.pk}/raci/").status_code == 404
    assert api.post(f"/api/v1/engagements/{other.pk}/ladder/", {}, format="json"
                    ).status_code == 404
    assert api.get(f"/api/v1/criteria/?engagement={other.pk}").json()["count"] == 0
