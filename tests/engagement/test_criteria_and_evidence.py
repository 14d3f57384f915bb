import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from common.errors import DomainError, NotAllowed, RuleViolation
from engagement import services
from engagement.models import AuditEvent
from tests.engagement.factories import under_way

pytestmark = pytest.mark.django_db


@pytest.fixture
def milestone(engagement, people):
    first = services.ladder_generate(actor=people["pm"], engagement=engagement)[0]
    under_way(engagement)
    return first


def internal(milestone):
    return milestone.criteria.filter(performer="internal").first()


def vendor_done(milestone):
    return milestone.criteria.filter(performer="vendor").first()


def test_vendor_may_attach_evidence_but_not_verify_internal_work(milestone, people):
    c = internal(milestone)
    services.evidence_add(actor=people["vendor"], criterion=c, kind="link",
                          url="https://ci.example.com/run/42")
    with pytest.raises(NotAllowed) as err:
        services.criterion_verify(actor=people["vendor"], criterion=c, status="met")
    assert err.value.rule == "internal_verification"
    services.criterion_verify(actor=people["pm"], criterion=c, status="met")
    c.refresh_from_db()
    assert (c.status, c.verified_by, c.verified_at is not None) == ("met", people["pm"], True)


def test_vendor_may_verify_work_the_vendor_performs(milestone, people):
    c = vendor_done(milestone)
    services.criterion_verify(actor=people["vendor"], criterion=c, status="met",
                              note="Data inventory shared")
    c.refresh_from_db()
    assert c.verified_by == people["vendor"]


def test_met_without_evidence_or_note_is_refused(milestone, people):
    with pytest.raises(DomainError) as err:
        services.criterion_verify(actor=people["pm"], criterion=internal(milestone),
                                  status="met")
    assert err.value.rule == "evidence_required"


def test_reopening_clears_who_verified(milestone, people):
    c = internal(milestone)
    services.criterion_verify(actor=people["pm"], criterion=c, status="met", note="ok")
    services.criterion_verify(actor=people["pm"], criterion=c, status="open")
    c.refresh_from_db()
    assert (c.status, c.verified_by, c.verified_at) == ("open", None, None)


def test_file_evidence_is_stored_with_size_and_type(milestone, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("eval-report.pdf", b"%PDF-1.4 report", "application/pdf")
    ev = services.evidence_add(actor=people["vendor"], criterion=internal(milestone),
                               kind="file", file=upload)
    assert (ev.original_name, ev.size, ev.content_type) == (
        "eval-report.pdf", 15, "application/pdf")
    assert (tmp_path / ev.file.name).read_bytes() == b"%PDF-1.4 report"
    assert AuditEvent.objects.filter(verb="evidence.added").exists()


def test_file_of_a_refused_type_is_rejected(milestone, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("payload.exe", b"MZ", "application/octet-stream")
    with pytest.raises(DomainError) as err:
        services.evidence_add(actor=people["pm"], criterion=internal(milestone), kind="file",
                              file=upload)
    assert err.value.rule == "file_type"
    assert not list(tmp_path.rglob("*.exe"))


def test_file_over_the_size_cap_is_rejected(milestone, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.OFFRAMP_EVIDENCE_MAX_BYTES = 10
    upload = SimpleUploadedFile("log.txt", b"x" * 11, "text/plain")
    with pytest.raises(DomainError) as err:
        services.evidence_add(actor=people["pm"], criterion=internal(milestone), kind="file",
                              file=upload)
    assert err.value.rule == "file_too_large"


def test_outsider_cannot_attach_evidence(milestone, people):
    with pytest.raises(NotAllowed):
        services.evidence_add(actor=people["outsider"], criterion=internal(milestone),
                              kind="note", note="hi")


def test_knowledge_transfer_needs_a_count_or_cadence(milestone, people):
    with pytest.raises(DomainError) as err:
        services.deliverable_add(actor=people["pm"], milestone=milestone, kind="office_hours",
                                 title="Office hours", owner_role="enablement_lead",
                                 acceptance="Logged")
    assert err.value.rule == "deliverable_needs_count_or_cadence"
    d = services.deliverable_add(actor=people["pm"], milestone=milestone, kind="office_hours",
                                 title="Office hours", owner_role="enablement_lead",
                                 acceptance="Logged", cadence="weekly")
    assert d.cadence == "weekly"


def test_criteria_of_an_accepted_milestone_are_closed(milestone, people):
    from tests.engagement.helpers import accept

    accept(milestone, people["pm"], people["leader"], people["vendor"])
    with pytest.raises(RuleViolation):
        services.criterion_verify(actor=people["pm"], criterion=internal(milestone),
                                  status="not_met", note="changed my mind")
