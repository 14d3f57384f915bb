import pytest
from django.contrib.admin.sites import site
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from common.errors import ConflictError, NotAllowed, RuleViolation
from engagement import services as engagement_services
from engagement.models import ApprovalRequest, AuditEvent
from sow import services
from sow.models import FrozenVersionError, SowVersion
from sow.redline import diff_words, redline
from tests.sow.factories import build_sow

pytestmark = pytest.mark.django_db


@pytest.fixture
def sow(engagement, people):
    engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)
    return build_sow(engagement, people["procurement"], schedules=("ladder",))


def test_freeze_stores_html_hash_and_source(sow, people):
    import hashlib

    v = services.sow_freeze(actor=people["procurement"], sow=sow, justification="Frozen for the test.",
                            acknowledge_warnings=True)
    assert v.number == 1 and v.sha256 == hashlib.sha256(v.html.encode()).hexdigest()
    assert [s["key"] for s in v.source["sections"]][-1] == "schedule:ladder"
    assert "Support-reply LLM fine-tune" in v.html and '<table data-schedule="ladder">' in v.html
    assert AuditEvent.objects.filter(verb="sow.frozen", after__sha256=v.sha256).exists()


def test_freezing_with_error_findings_needs_a_justification(engagement, people):
    sow = build_sow(engagement, people["procurement"], keys=["deliverables-by-milestone"])
    with pytest.raises(RuleViolation) as err:
        services.sow_freeze(actor=people["procurement"], sow=sow, acknowledge_warnings=True)
    assert err.value.rule == "justification_required"
    v = services.sow_freeze(actor=people["procurement"], sow=sow,
                            justification="Pilot only; full clauses follow in v2.", acknowledge_warnings=True)
    event = AuditEvent.objects.get(verb="sow.frozen")
    assert event.reason == "Pilot only; full clauses follow in v2." and v.justification


def test_stale_editor_gets_a_conflict(sow, people):
    services.sow_section_edit(actor=people["procurement"], section=sow.sections.first(),
                              override_body="Our text for {{ client.name }}.",
                              expected_version=sow.version)
    with pytest.raises(ConflictError):
        services.sow_section_edit(actor=people["pm"], section=sow.sections.last(),
                                  override_body="Theirs", expected_version=sow.version)


def test_override_is_kept_shown_and_checked(sow, people):
    section = sow.sections.get(clause_version__clause__key="two-key-rule")
    with pytest.raises(services.TemplateInvalid) as err:
        services.sow_section_edit(actor=people["procurement"], section=section,
                                  override_body="{{ client.nam }}")
    assert err.value.problems[0]["line"] == 1
    services.sow_section_edit(actor=people["procurement"], section=section,
                              override_body="Two keys for {{ client.name }}.")
    section.refresh_from_db()
    assert section.is_overridden
    rendered, _, _ = services.sow_evaluate(sow)
    assert any(r.html == "<p>Two keys for Northwind Retail.</p>" for r in rendered)


def test_reorder_and_remove(sow, people):
    ids = list(sow.sections.values_list("pk", flat=True))
    services.sow_reorder(actor=people["procurement"], sow=sow, order=list(reversed(ids)))
    assert list(sow.sections.order_by("position").values_list("pk", flat=True)) == ids[::-1]
    services.sow_section_remove(actor=people["procurement"], section=sow.sections.first())
    assert list(sow.sections.values_list("position", flat=True)) == list(range(1, len(ids)))


def test_vendor_cannot_draft(sow, people):
    with pytest.raises(NotAllowed):
        services.sow_section_remove(actor=people["vendor"], section=sow.sections.first())


def test_frozen_version_cannot_be_changed_or_deleted_through_the_orm(sow, people):
    v = services.sow_freeze(actor=people["procurement"], sow=sow,
                            justification="Frozen for the test.", acknowledge_warnings=True)
    v.html = "<p>forged</p>"
    with pytest.raises(FrozenVersionError):
        v.save()
    with pytest.raises(FrozenVersionError):
        v.delete()
    assert SowVersion.objects.get(pk=v.pk).html != "<p>forged</p>"


def test_admin_offers_no_change_or_delete_for_versions(sow, people):
    request = RequestFactory().get("/admin/")
    request.user = people["procurement"]
    model_admin = site._registry[SowVersion]
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert not model_admin.has_add_permission(request)


def test_postgres_refuses_changing_a_frozen_version(postgres, sow, people):
    v = services.sow_freeze(actor=people["procurement"], sow=sow, acknowledge_warnings=True,
                            justification="Frozen for the test.")
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        SowVersion.objects.filter(pk=v.pk).update(html="<p>forged</p>")
    with pytest.raises(DatabaseError, match="cannot be deleted"), transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("DELETE FROM sow_sowversion WHERE id = %s", [v.pk])
    # The review flow may still move its status.
    SowVersion.objects.filter(pk=v.pk).update(status="in_review")


def test_version_goes_through_two_keys_and_signature(sow, people):
    import datetime as dt

    v = services.sow_freeze(actor=people["procurement"], sow=sow, acknowledge_warnings=True,
                            justification="Frozen for the test.")
    services.sow_version_submit(actor=people["procurement"], version=v)
    request = ApprovalRequest.objects.get(kind="sow_version", status="open")
    engagement_services.approval_decide(actor=people["leader"], request=request,
                                        decision="approve")
    engagement_services.approval_decide(actor=people["vendor"], request=request,
                                        decision="approve")
    v.refresh_from_db()
    assert v.status == "approved"
    with pytest.raises(Exception, match="one for the vendor"):
        services.sow_version_sign(actor=people["leader"], version=v, signed_on=dt.date.today(),
                                  signatories=[{"side": "internal", "name": "Leon Okafor"}])
    services.sow_version_sign(actor=people["leader"], version=v, signed_on=dt.date.today(),
                              signatories=[{"side": "internal", "name": "Leon Okafor"},
                                           {"side": "vendor", "name": "Victor Hale"}])
    v.refresh_from_db()
    assert (v.status, len(v.signatories)) == ("signed", 2)


def test_rejected_version_returns_to_draft(sow, people):
    v = services.sow_freeze(actor=people["procurement"], sow=sow, acknowledge_warnings=True,
                            justification="Frozen for the test.")
    services.sow_version_submit(actor=people["procurement"], version=v)
    request = ApprovalRequest.objects.get(kind="sow_version", status="open")
    engagement_services.approval_decide(actor=people["leader"], request=request,
                                        decision="reject", reason="Payment terms missing")
    v.refresh_from_db()
    assert v.status == "draft"


def test_redline_marks_word_level_changes_per_section(sow, people):
    v1 = services.sow_freeze(actor=people["procurement"], sow=sow, acknowledge_warnings=True,
                             justification="Frozen for the test.")
    section = sow.sections.get(clause_version__clause__key="two-key-rule")
    services.sow_section_edit(actor=people["procurement"], section=section,
                              override_body="No release without two approvals from "
                                            "{{ client.name }} and its vendor.")
    services.sow_section_remove(actor=people["procurement"],
                                section=sow.sections.get(clause_version__clause__key="model-card"))
    v2 = services.sow_freeze(actor=people["procurement"], sow=sow, acknowledge_warnings=True,
                             justification="Frozen for the test.")
    rows = {r["heading"]: r for r in redline(v1.source, v2.source)}
    assert rows["Two-key rule"]["status"] == "changed"
    assert "<ins>Northwind</ins>" in rows["Two-key rule"]["inline"] or \
        "<del>" in rows["Two-key rule"]["inline"]
    assert rows["Model card"]["status"] == "removed"
    assert rows["Evaluation harness with regression gates"]["status"] == "same"


@pytest.mark.parametrize("old, new, inline", [
    ("<p>pay in three instalments</p>", "<p>pay in four instalments</p>",
     "pay in <del>three</del><ins>four</ins> instalments"),
    ("<p>one two</p>", "<p>one two three</p>", "one two<ins> three</ins>"),
    ("<p>a &lt;b&gt;</p>", "<p>a</p>", "a<del> &lt;b&gt;</del>"),
])
def test_diff_words_on_known_pairs(old, new, inline):
    assert diff_words(old, new)[0] == inline
