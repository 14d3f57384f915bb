import datetime as dt

import pytest
from rest_framework.test import APIClient

from engagement import services as engagement_services

pytestmark = pytest.mark.django_db


def api_for(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def ladder(engagement, people):
    return engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)


def test_schedule_crud_transition_and_tenancy(engagement, people, ladder):
    c = ladder[0].criteria.first()
    api = api_for(people["procurement"])
    bad = api.post("/api/v1/payment-milestones/", {
        "engagement": engagement.pk, "label": "G1", "amount": "0", "due_date": "2026-10-01",
        "conditions": []}, format="json")
    assert bad.status_code == 400
    created = api.post("/api/v1/payment-milestones/", {
        "engagement": engagement.pk, "label": "G1", "amount": "40000.00",
        "due_date": "2026-10-01", "conditions": [{"kind": "criterion", "criterion": c.pk}]},
        format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "scheduled" and body["conditions"][0]["met"] is False
    pid, etag = body["id"], created.headers["ETag"]
    listed = api.get(f"/api/v1/payment-milestones/?engagement={engagement.pk}").json()
    assert [p["id"] for p in listed] == [pid]
    assert api.get("/api/v1/payment-milestones/").status_code == 400
    assert api.patch(f"/api/v1/payment-milestones/{pid}/", {"label": "Gate one"}, format="json",
                     HTTP_IF_MATCH=etag).status_code == 200
    stale = api.patch(f"/api/v1/payment-milestones/{pid}/", {"label": "x"}, format="json",
                      HTTP_IF_MATCH=etag)
    assert stale.status_code == 409
    early = api.post(f"/api/v1/payment-milestones/{pid}/transition/", {"to": "approved"},
                     format="json")
    assert early.status_code == 409 and early.json()["rule"] == "payment_not_eligible"
    engagement_services.criterion_verify(actor=people["pm"], criterion=c, status="met",
                                         note="ok")
    from payments.services import payments_evaluate

    payments_evaluate(today=dt.date(2026, 9, 20))
    assert api.get(f"/api/v1/payment-milestones/{pid}/").json()["status"] == "eligible"
    release = api.post(f"/api/v1/payment-milestones/{pid}/transition/", {"to": "approved"},
                       format="json")
    assert release.status_code == 202
    queued = api.post(f"/api/v1/engagements/{engagement.pk}/evaluate-gates/")
    assert queued.status_code == 202
    outsider = api_for(people["outsider"])
    assert outsider.get(f"/api/v1/payment-milestones/{pid}/").status_code == 404
    assert outsider.get(f"/api/v1/payment-milestones/?engagement={engagement.pk}"
                        ).status_code == 404
    assert outsider.post(f"/api/v1/engagements/{engagement.pk}/evaluate-gates/"
                         ).status_code == 404
