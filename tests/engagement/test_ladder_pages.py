import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from engagement import services
from engagement.models import ApprovalRequest, Milestone, RaciAssignment
from tests.engagement.factories import make_engagement, under_way
from tests.engagement.helpers import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def ladder(engagement, people):
    """The generated ladder of an engagement under way (work is proven only once active)."""
    milestones = services.ladder_generate(actor=people["pm"], engagement=engagement)
    under_way(engagement)
    return milestones


def url(engagement, suffix=""):
    return f"/engagements/{engagement.pk}/{suffix}"


def test_empty_ladder_offers_to_generate_it(client, people, engagement):
    client.force_login(people["pm"])
    body = client.get(url(engagement, "ladder/")).content.decode()
    assert "Generate the ladder" in body
    response = client.post(url(engagement, "ladder/generate/"),
                           {"template": "default", "weeks": "8"}, follow=True)
    assert "Ladder generated: 6 milestones over 8 weeks." in response.content.decode()
    assert Milestone.objects.filter(engagement=engagement).count() == 6


def test_ladder_page_shows_timeline_legend_and_warnings(client, people, engagement, ladder):
    services.milestone_update(actor=people["pm"], milestone=ladder[3],
                              data={"ownership_mode": "vendor_leads"})
    client.force_login(people["pm"])
    body = client.get(url(engagement, "ladder/")).content.decode()
    assert "<svg" in body and "Vendor leads" in body and "Internal team runs" in body
    assert "Ownership moves backwards at “Deployment path”" in body


def test_htmx_start_returns_the_card_and_the_summary(client, people, engagement, ladder):
    client.force_login(people["pm"])
    m = ladder[0]
    response = client.post(url(engagement, f"milestones/{m.pk}/transition/"),
                           {"to": "in_progress", "version": m.version}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body
    assert f'id="m-{m.pk}"' in body and "Milestone started." in body
    assert 'id="ladder-summary" aria-labelledby="timeline-h" hx-swap-oob="true"' in body
    assert Milestone.objects.get(pk=m.pk).status == "in_progress"


def test_plain_post_redirects_to_the_card_with_a_message(client, people, engagement, ladder):
    client.force_login(people["pm"])
    m = ladder[0]
    response = client.post(url(engagement, f"milestones/{m.pk}/transition/"),
                           {"to": "submitted"})
    assert response.status_code == 302 and response["Location"].endswith(f"#m-{m.pk}")
    follow = client.get(response["Location"]).content.decode()
    assert "cannot move from planned to submitted" in follow


def test_blocking_reasons_are_shown_on_the_card(client, people, engagement, ladder):
    services.milestone_transition(actor=people["pm"], milestone=ladder[0], to="in_progress")
    client.force_login(people["pm"])
    body = client.get(url(engagement, "ladder/")).content.decode()
    assert "Blocking acceptance:" in body and "3 of 3 acceptance criteria are not met yet." in body


def test_verify_and_attach_evidence_on_the_page(client, people, engagement, ladder, settings,
                                                tmp_path):
    settings.MEDIA_ROOT = tmp_path
    c = ladder[0].criteria.filter(performer="internal").first()
    client.force_login(people["vendor"])
    upload = SimpleUploadedFile("runbook-run.txt", b"retrain ok", "text/plain")
    body = client.post(url(engagement, f"criteria/{c.pk}/evidence/"),
                       {"kind": "file", "file": upload}, HTTP_HX_REQUEST="true").content.decode()
    assert "Evidence attached." in body and "runbook-run.txt" in body
    ev = c.evidence.get()
    download = client.get(url(engagement, f"evidence/{ev.pk}/"))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="runbook-run.txt"')
    assert b"".join(download.streaming_content) == b"retrain ok"
    refused = client.post(url(engagement, f"criteria/{c.pk}/verify/"), {"status": "met"},
                          HTTP_HX_REQUEST="true").content.decode()
    assert "verified by a client-side user" in refused
    client.force_login(people["pm"])
    body = client.post(url(engagement, f"criteria/{c.pk}/verify/"), {"status": "met"},
                       HTTP_HX_REQUEST="true").content.decode()
    assert "Criterion marked met." in body


def test_evidence_of_another_tenant_is_404(client, people, orgs, ladder, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    c = ladder[0].criteria.first()
    ev = services.evidence_add(actor=people["pm"], criterion=c, kind="file",
                               file=SimpleUploadedFile("secret.pdf", b"%PDF", "application/pdf"))
    client.force_login(people["outsider"])
    assert client.get(f"/engagements/{c.milestone.engagement_id}/evidence/{ev.pk}/"
                      ).status_code == 404
    other = make_engagement(actor=people["other_pm"], client=orgs["other_client"],
                            vendor=orgs["other_vendor"])
    client.force_login(people["other_pm"])
    assert client.get(f"/engagements/{other.pk}/evidence/{ev.pk}/").status_code == 404


def test_stale_milestone_edit_shows_the_conflict(client, people, engagement, ladder):
    client.force_login(people["pm"])
    m = ladder[0]
    services.milestone_update(actor=people["pm"], milestone=m, data={"title": "Theirs"})
    body = client.post(url(engagement, f"milestones/{m.pk}/edit/"), {
        "title": "Mine", "ownership_mode": m.ownership_mode, "start_week": m.start_week,
        "end_week": m.end_week, "description": "", "stream": "", "kind": m.kind,
        "version": "1"}, HTTP_HX_REQUEST="true").content.decode()
    assert "changed by someone else" in body and "Theirs" in body
    assert Milestone.objects.get(pk=m.pk).title == "Theirs"


def test_raci_page_seeds_then_refuses_two_as(client, people, engagement):
    client.force_login(people["pm"])
    client.post(url(engagement, "raci/"), {"seed": "1"})
    assert RaciAssignment.objects.filter(engagement=engagement).count() > 0
    post = {f"{c['workstream']}.{c['phase']}.{c['staffing_role']}": c["letter"]
            for c in services.raci_template()}
    post["data.late.ml_product_owner"] = "A"
    body = client.post(url(engagement, "raci/"), post).content.decode()
    assert "Data in the late phase has 2 As" in body
    post["data.late.ml_product_owner"] = "I"
    assert client.post(url(engagement, "raci/"), post).status_code == 302


def test_inbox_lists_and_decides(client, people, engagement, ladder):
    request = submit(ladder[0], people["pm"])
    client.force_login(people["leader"])
    body = client.get("/approvals/").content.decode()
    assert "Accept milestone “Discovery and baseline”" in body
    assert 'aria-label="1 waiting for you"' in body
    response = client.post(f"/approvals/{request.pk}/decide/", {"decision": "reject"},
                           follow=True)
    assert "Say why you reject it" in response.content.decode()
    response = client.post(f"/approvals/{request.pk}/decide/", {"decision": "approve"},
                           follow=True)
    assert "One more key is needed." in response.content.decode()
    assert ApprovalRequest.objects.get(pk=request.pk).status == "open"


def test_vendor_does_not_see_manage_actions(client, people, engagement, ladder):
    client.force_login(people["vendor"])
    body = client.get(url(engagement, "ladder/")).content.decode()
    assert "Start milestone" not in body and "Edit milestone" not in body
    assert "Attach evidence" in body


def test_knowledge_transfer_deliverable_added_on_the_card(client, people, engagement, ladder):
    client.force_login(people["pm"])
    m = ladder[0]
    body = client.get(url(engagement, "ladder/")).content.decode()
    assert f'for="f-{m.pk}-cadence"' in body and f'id="f-{m.pk}-cadence"' in body
    body = client.post(url(engagement, f"milestones/{m.pk}/deliverables/"), {
        "kind": "office_hours", "title": "Data office hours", "count": "", "cadence": "",
        "owner_role": "data_steward", "acceptance": "Logged"},
        HTTP_HX_REQUEST="true").content.decode()
    assert "give a count or a cadence" in body
    body = client.post(url(engagement, f"milestones/{m.pk}/deliverables/"), {
        "kind": "office_hours", "title": "Data office hours", "count": "", "cadence": "weekly",
        "owner_role": "data_steward", "acceptance": "Logged"},
        HTTP_HX_REQUEST="true").content.decode()
    assert "Knowledge-transfer deliverable added." in body and "Data office hours" in body
