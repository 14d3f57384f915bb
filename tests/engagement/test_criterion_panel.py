"""A criterion's one panel: evidence (file, link, note) and the verdict in one submit.

The kind of evidence follows from what was filled, so a chosen file is never refused for a
missing link; a refusal writes nothing and is shown inside the criterion, with what was typed.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from common.errors import DomainError, NotAllowed
from engagement import services
from engagement.models import AcceptanceCriterion, AuditEvent, Evidence
from tests.engagement.factories import under_way

pytestmark = pytest.mark.django_db


@pytest.fixture
def milestone(engagement, people):
    first = services.ladder_generate(actor=people["pm"], engagement=engagement)[0]
    under_way(engagement)
    services.milestone_transition(actor=people["pm"], milestone=first, to="in_progress")
    first.refresh_from_db()
    return first


def internal(milestone):
    return milestone.criteria.filter(performer="internal").first()


def pdf(name="report.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 evidence", content_type="application/pdf")


def test_mark_met_with_a_file_attaches_it_and_verifies_in_one_step(milestone, people):
    c = internal(milestone)
    added = services.criterion_record(actor=people["pm"], criterion=c, status="met",
                                      file=pdf(), note="Read it at the review")
    c.refresh_from_db()
    assert [e.kind for e in added] == ["file"]
    assert (c.status, c.note, c.verified_by) == ("met", "Read it at the review", people["pm"])
    assert list(c.evidence.values_list("kind", "original_name")) == [("file", "report.pdf")]
    verbs = list(AuditEvent.objects.filter(engagement=milestone.engagement)
                 .order_by("-id").values_list("verb", flat=True)[:2])
    assert verbs == ["criterion.verified", "evidence.added"]


def test_mark_met_with_a_link_and_a_file_keeps_both(milestone, people):
    c = internal(milestone)
    services.criterion_record(actor=people["pm"], criterion=c, status="met", file=pdf(),
                              url="https://ci.example.com/run/7")
    assert sorted(c.evidence.values_list("kind", flat=True)) == ["file", "link"]


def test_mark_met_with_only_a_note_needs_no_evidence(milestone, people):
    c = internal(milestone)
    assert services.criterion_record(actor=people["pm"], criterion=c, status="met",
                                     note="Watched the retrain") == []
    c.refresh_from_db()
    assert c.status == "met" and not c.evidence.exists()


def test_attach_only_infers_the_kind_from_what_was_filled(milestone, people):
    c = internal(milestone)
    services.criterion_record(actor=people["vendor"], criterion=c, note="Logs in the share")
    services.criterion_record(actor=people["vendor"], criterion=c, file=pdf("log.txt"))
    services.criterion_record(actor=people["vendor"], criterion=c, url="https://x.example/a")
    assert list(c.evidence.order_by("id").values_list("kind", flat=True)) == [
        "note", "file", "link"]
    c.refresh_from_db()
    assert c.status == "open"


@pytest.mark.parametrize("kwargs, field", [
    ({}, "file"),  # nothing filled in, nothing to attach
    ({"status": "met"}, "note"),  # met with no evidence and no note
    ({"status": "not_met", "file": "pdf"}, "note"),  # not met needs the reason
    ({"status": "met", "file": "exe"}, "file"),  # a file type evidence does not take
])
def test_a_refused_submit_writes_nothing(milestone, people, kwargs, field):
    c = internal(milestone)
    files = {"pdf": pdf(), "exe": SimpleUploadedFile("x.exe", b"MZ\x90\x00",
                                                     content_type="application/x-msdownload")}
    if "file" in kwargs:
        kwargs = {**kwargs, "file": files[kwargs["file"]]}
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError) as err:
        services.criterion_record(actor=people["pm"], criterion=c, **kwargs)
    assert err.value.field == field
    c.refresh_from_db()
    assert c.status == "open" and not c.evidence.exists()
    assert AuditEvent.objects.count() == events


def test_a_verdict_the_user_may_not_give_attaches_nothing(milestone, people):
    c = internal(milestone)  # internal work: the vendor may not verify it
    with pytest.raises(NotAllowed):
        services.criterion_record(actor=people["vendor"], criterion=c, status="met",
                                  file=pdf())
    assert not Evidence.objects.filter(criterion=c).exists()


def card_post(client, engagement, c, data, **files):
    return client.post(f"/engagements/{engagement.pk}/criteria/{c.pk}/record/",
                       {**data, **files}, HTTP_HX_REQUEST="true")


def criterion_html(body, c):
    """The criterion's own list item, up to the next criterion."""
    start = body.index(f'id="c-{c.pk}"')
    end = body.find('<li class="criterion ', start)
    return body[start:end if end > 0 else len(body)]


def test_page_marks_met_with_a_file_and_answers_inside_the_criterion(client, people,
                                                                      engagement, milestone):
    c = internal(milestone)
    client.force_login(people["pm"])
    response = card_post(client, engagement, c, {"status": "met", "note": ""}, file=pdf())
    body = response.content.decode()
    assert response.status_code == 200
    part = criterion_html(body, c)
    assert 'role="status"' in part and "Criterion marked met." in part and "autofocus" in part
    assert AcceptanceCriterion.objects.get(pk=c.pk).status == "met"


def test_page_refusal_is_inside_the_criterion_and_keeps_what_was_typed(client, people,
                                                                      engagement, milestone):
    c = internal(milestone)
    client.force_login(people["pm"])
    body = card_post(client, engagement, c, {"status": "not_met", "url": "https://ci.example/9",
                                             "note": ""}, file=pdf()).content.decode()
    part = criterion_html(body, c)
    assert 'role="alert"' in part and "Say why the criterion is not met." in part
    assert "The chosen file was not kept: choose it again." in part
    assert 'value="https://ci.example/9"' in part
    assert "<details class=\"criterion-panel\"" in part and " open>" in part
    # nothing at the top of the card: the message sits where the action happened
    card_top = body[:body.index(f'id="c-{c.pk}"')]
    assert 'role="alert"' not in card_top
    assert not Evidence.objects.filter(criterion=c).exists()


def test_evidence_form_without_a_kind_takes_the_chosen_file(client, people, engagement,
                                                            milestone):
    """The old form defaulted to "Link", so a chosen file failed with "Give the link's
    address"; the kind now follows from what was filled."""
    c = internal(milestone)
    client.force_login(people["vendor"])
    response = client.post(f"/engagements/{engagement.pk}/criteria/{c.pk}/evidence/",
                           {"url": "", "note": "", "file": pdf()}, HTTP_HX_REQUEST="true")
    assert "Evidence attached." in response.content.decode()
    assert list(c.evidence.values_list("kind", flat=True)) == ["file"]


def test_vendor_sees_attach_evidence_not_mark_met_on_internal_work(client, people, engagement,
                                                                  milestone):
    c = internal(milestone)
    client.force_login(people["vendor"])
    body = client.get(f"/engagements/{engagement.pk}/ladder/").content.decode()
    part = criterion_html(body, c)
    assert "Attach evidence" in part and "Mark met" not in part


def test_plain_post_lands_on_the_criterion_with_its_message_there(client, people, engagement,
                                                                  milestone):
    c = internal(milestone)
    client.force_login(people["pm"])
    response = client.post(f"/engagements/{engagement.pk}/criteria/{c.pk}/record/",
                           {"status": "met", "note": "Seen at the demo"}, follow=True)
    assert response.redirect_chain[-1][0].endswith(f"/ladder/#c-{c.pk}")
    body = response.content.decode()
    top = body[:body.index('id="milestone-cards"')]
    assert "Criterion marked met." not in top  # not at the top of a long page
    assert "Criterion marked met." in criterion_html(body, c)
