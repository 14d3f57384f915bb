"""Hold under attack (issue 11): regression tests, one per finding."""

import time
import tracemalloc

import pytest

pytestmark = pytest.mark.django_db

# --- Login throttling ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_logins_are_throttled_after_repeated_failures(client, people, settings, path):
    user = people["pm"]
    user.set_password("right-password-1")
    user.is_staff = True
    user.save()
    statuses = [client.post(path, {"username": user.username, "password": "wrong"}).status_code
                for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    locked = client.post(path, {"username": user.username, "password": "right-password-1"})
    assert locked.status_code == 429
    assert "Too many failed log-in attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_locked_unknown_username_reads_the_same_as_a_known_one(client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "nobody-here", "password": "wrong"},
                    REMOTE_ADDR="198.51.100.7")
    unknown = client.post("/login/", {"username": "nobody-here", "password": "x"},
                          REMOTE_ADDR="198.51.100.7")
    assert unknown.status_code == 429
    assert "Too many failed log-in attempts" in unknown.content.decode()


# --- Clause templates: a budget that does not depend on output -------------------------------

def test_output_free_nested_loops_stop_within_the_budget(engagement):
    from sow.context import VARIABLES, build_context
    from sow.templating import ClauseTemplateError, render

    grow = "client.name|replace('', 'aaaaaaaaaa')|replace('', 'bbbbbbbbbb')|list"
    body = f"{{% for a in {grow} %}}{{% for b in {grow} %}}{{% endfor %}}{{% endfor %}}done"
    started = time.monotonic()
    with pytest.raises(ClauseTemplateError, match="too much work|too long"):
        render(body, build_context(engagement.pk), known_variables=VARIABLES.keys())
    assert time.monotonic() - started < 4.0


def test_a_replace_expansion_is_refused_before_it_allocates(engagement):
    from sow.context import VARIABLES, build_context
    from sow.templating import ClauseTemplateError, render

    body = "{{ ('a' * 9000)|replace('a', 'b' * 9000) }}"
    context = build_context(engagement.pk)
    tracemalloc.start()
    try:
        with pytest.raises(ClauseTemplateError, match="more text than a clause may hold"):
            render(body, context, known_variables=VARIABLES.keys())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"


# --- Truncating the audit chain -----------------------------------------------------------

def _delete_newest_event(engagement):
    from django.db import connection

    from engagement.models import AuditEvent

    newest = AuditEvent.objects.filter(engagement=engagement).order_by("-seq").first()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute("ALTER TABLE engagement_auditevent DISABLE TRIGGER "
                        "engagement_auditevent_append_only")
        cur.execute("DELETE FROM engagement_auditevent WHERE id = %s", [newest.pk])
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE engagement_auditevent ENABLE TRIGGER "
                        "engagement_auditevent_append_only")
    return newest


def test_deleting_the_newest_audit_event_is_reported(engagement, people):
    from engagement import services
    from engagement.audit import audit_verify

    services.staffing_assign(actor=people["pm"], engagement=engagement,
                             staffing_role="ml_engineer", person_name="Aisha Bello")
    assert audit_verify()["ok"]
    newest = _delete_newest_event(engagement)
    result = audit_verify()
    assert not result["ok"] and result["engagement"] == engagement.pk
    assert f"checkpoint records #{newest.seq}" in result["problem"]


def test_rewriting_the_checkpoint_without_the_key_is_reported(engagement, people):
    from engagement import services
    from engagement.audit import audit_verify
    from engagement.models import AuditEvent, ChainCheckpoint

    services.staffing_assign(actor=people["pm"], engagement=engagement,
                             staffing_role="ml_engineer", person_name="Aisha Bello")
    _delete_newest_event(engagement)
    head = AuditEvent.objects.filter(engagement=engagement).order_by("-seq").first()
    ChainCheckpoint.objects.filter(engagement=engagement).update(seq=head.seq, hash=head.hash)
    result = audit_verify()
    assert not result["ok"] and "signature is not valid" in result["problem"]


# --- Keys re-checked when a request completes ------------------------------------------------

@pytest.fixture
def release(engagement, people):
    """An eligible payment with its release request open and one client key turned (leader)."""
    import datetime as dt
    from decimal import Decimal

    from engagement import services as engagement_services
    from payments import services as pay

    ladder = engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)
    criterion = ladder[0].criteria.first()
    payment = pay.payment_create(
        actor=people["procurement"], engagement=engagement, label="Gate",
        amount=Decimal("1000.00"), due_date=dt.date(2026, 10, 30),
        conditions=[{"kind": "criterion", "criterion": criterion.pk}])
    engagement_services.criterion_verify(actor=people["pm"], criterion=criterion, status="met",
                                         note="seen")
    pay.payments_evaluate(today=dt.date(2026, 9, 20))
    request = pay.payment_request_release(actor=people["pm"], payment=payment)
    engagement_services.approval_decide(actor=people["leader"], request=request,
                                        decision="approve")
    return payment, request


def _revoke_deactivate(user, orgs):
    user.is_active = False
    user.save()


def _revoke_move(user, orgs):
    user.organisation = orgs["other_client"]
    user.save()


def _revoke_role_and_side(user, orgs):
    user.organisation, user.role = orgs["vendor"], "vendor"
    user.save()


@pytest.mark.parametrize("revoke", [_revoke_deactivate, _revoke_move, _revoke_role_and_side])
def test_a_key_whose_holder_lost_the_right_is_voided_at_completion(release, people, orgs,
                                                                   revoke):
    from engagement import services as engagement_services
    from engagement.models import Approval, AuditEvent

    payment, request = release
    revoke(people["leader"], orgs)
    engagement_services.approval_decide(actor=people["procurement"], request=request,
                                        decision="approve")
    payment.refresh_from_db()
    request.refresh_from_db()
    assert payment.status == "eligible" and request.status == "open"
    voided = Approval.objects.get(request=request, user=people["leader"])
    assert voided.voided_at is not None and voided.voided_reason
    assert AuditEvent.objects.filter(verb="approval.key_voided").exists()
    from tests.engagement.factories import UserFactory

    another = UserFactory(username="cfo", organisation=orgs["client"], role="leadership")
    engagement_services.approval_decide(actor=another, request=request, decision="approve")
    payment.refresh_from_db()
    assert payment.status == "approved"


def test_deactivating_a_user_in_the_admin_voids_their_open_keys_at_once(client, release,
                                                                        people, orgs):
    from engagement.models import Approval, User

    payment, request = release
    admin = User.objects.create_superuser("root", "root@example.com", "pw-123456789")
    client.force_login(admin)
    leader = people["leader"]
    response = client.post(f"/admin/engagement/user/{leader.pk}/change/", {
        "username": leader.username, "organisation": orgs["client"].pk, "role": "leadership",
        "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00", "is_active": "",
    })
    assert response.status_code == 302, response.content.decode()[:500]
    key = Approval.objects.get(request=request, user=leader)
    assert key.voided_at is not None and "deactivated" in key.voided_reason


# --- Stored hashes re-checked -------------------------------------------------------------

@pytest.fixture
def rendered(engagement, people, weasyprint_available):
    from sow.services import pdf as pdf_services
    from tests.sow.pdf_helpers import frozen_version

    version = frozen_version(engagement, people, schedules=("ladder",))
    job, _ = pdf_services.render_request(actor=people["leader"], version=version)
    pdf_services.render_job_execute(job.pk)
    job.refresh_from_db()
    return version, job


def _flip_a_byte(job):
    path = job.pdf.path
    data = bytearray(open(path, "rb").read())
    data[len(data) // 2] ^= 0x01
    open(path, "wb").write(bytes(data))


def test_a_flipped_byte_in_a_stored_pdf_is_refused_and_reported(client, rendered, people):
    from django.core.management import CommandError, call_command
    from rest_framework.test import APIClient

    from engagement.models import AuditEvent, Notification

    version, job = rendered
    _flip_a_byte(job)
    with pytest.raises(CommandError, match=f"render job {job.pk}"):
        call_command("verify_audit")
    api = APIClient()
    api.force_authenticate(people["leader"])
    response = api.get(f"/api/v1/sow-versions/{version.pk}/pdf/")
    assert response.status_code == 409 and response.json()["rule"] == "pdf_damaged"
    job.refresh_from_db()
    assert job.status == "failed" and "SHA-256" in job.reason
    assert AuditEvent.objects.filter(verb="pdf.damaged").exists()
    assert Notification.objects.filter(user=people["leader"], message__contains="damaged")
    client.force_login(people["leader"])
    base = f"/engagements/{version.sow.engagement_id}/sows/{version.sow_id}/versions/1/"
    assert client.get(base + "pdf/").status_code == 302  # nothing served


def test_a_frozen_version_changed_in_the_database_is_flagged(client, rendered, people):
    from django.core.management import CommandError, call_command
    from django.db import connection

    version, _ = rendered
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute("ALTER TABLE sow_sowversion DISABLE TRIGGER USER")
        cur.execute("UPDATE sow_sowversion SET html = html || ' ' WHERE id = %s", [version.pk])
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE sow_sowversion ENABLE TRIGGER USER")
    with pytest.raises(CommandError, match="HTML no longer matches"):
        call_command("verify_audit")
    client.force_login(people["leader"])
    page = client.get(f"/engagements/{version.sow.engagement_id}/sows/{version.sow_id}"
                      "/versions/1/").content.decode()
    assert "no longer matches its recorded SHA-256" in page


# --- Clean names ----------------------------------------------------------------------------

@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u0001"])
def test_names_with_control_or_bidi_characters_are_refused_naming_the_character(
        client, people, engagement, char):
    from common.errors import DomainError
    from engagement import services

    with pytest.raises(DomainError) as err:
        services.engagement_update(actor=people["pm"], engagement=engagement,
                                   data={"title": f"Support{char}reply"})
    assert f"U+{ord(char):04X}" in err.value.message and err.value.field == "title"
    client.force_login(people["pm"])
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(people["procurement"])
    response = api.post("/api/v1/payment-milestones/", {
        "engagement": engagement.pk, "label": f"Gate{char}one", "amount": "10.00",
        "due_date": "2026-10-30", "conditions": [{"kind": "milestone", "milestone": 1}]},
        format="json")
    assert response.status_code == 400


def test_zero_width_characters_are_removed_from_names(people, engagement):
    from engagement import services

    updated = services.engagement_update(actor=people["pm"], engagement=engagement,
                                         data={"title": "Support\u200b-reply"})
    assert updated.title == "Support-reply"


def test_exports_drop_what_a_spreadsheet_cannot_hold(client, people, engagement):
    import datetime as dt
    from decimal import Decimal

    from engagement import services as engagement_services
    from payments import services as pay
    from payments.models import PaymentMilestone

    ladder = engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)
    payment = pay.payment_create(
        actor=people["procurement"], engagement=engagement, label="Gate", amount=Decimal("5"),
        due_date=dt.date(2026, 10, 30), conditions=[{"kind": "milestone",
                                                     "milestone": ladder[0].pk}])
    # A label stored before names were checked (or by SQL) still exports.
    PaymentMilestone.objects.filter(pk=payment.pk).update(label="Gate\u0001one")
    client.force_login(people["leader"])
    response = client.get(f"/engagements/{engagement.pk}/payments/export.xlsx")
    assert response.status_code == 200


# --- No blanks in contracts; print-safe clause HTML; limits; If-Match --------------------------

def test_an_empty_documented_variable_shows_a_placeholder_and_is_an_error(engagement):
    from sow.checks import SectionFacts, SowFacts, run_checks
    from sow.context import VARIABLES, build_context
    from sow.templating import MISSING_VALUE, check_text, render

    assert engagement.off_ramp_date is None
    html = render("The off-ramp date is {{ engagement.off_ramp_date }}.",
                  build_context(engagement.pk), known_variables=VARIABLES.keys())
    assert MISSING_VALUE in html
    text = check_text(html)
    facts = SowFacts(sections=[SectionFacts(id=1, heading="Off-ramp", text=text,
                                            has_missing_value=MISSING_VALUE in text)])
    found = [f for f in run_checks(facts) if f.rule == "empty_data"]
    assert [f.severity for f in found] == ["error"] and found[0].quote == MISSING_VALUE
    assert text[found[0].start:found[0].end] == MISSING_VALUE


def test_clause_text_cannot_carry_the_running_header_classes():
    from sow.templating import to_html

    html = to_html('<span class="running">Another engagement</span> '
                   '<p class="running-data" id="x">Signed</p>')
    assert "class=" not in html and "id=" not in html


@pytest.mark.usefixtures("weasyprint_available")
def test_a_clause_with_running_header_classes_leaves_the_pdf_header_intact(engagement, people):
    import io

    from pypdf import PdfReader

    from engagement import services as engagement_services
    from sow import services as sow_services
    from sow.services import pdf as pdf_services
    from tests.sow.factories import build_sow

    engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)
    sow = build_sow(engagement, people["procurement"], keys=["two-key-rule"])
    section = sow.sections.first()
    forged = ('<span class="running-data"><span class="running">FORGED ENGAGEMENT</span>'
              '<span class="version">9</span></span>Text.')
    sow_services.sow_section_edit(actor=people["procurement"], section=section,
                                  override_body=forged)
    version = sow_services.sow_freeze(actor=people["procurement"], sow=sow,
                                      justification="test", acknowledge_warnings=True)
    job, _ = pdf_services.render_request(actor=people["leader"], version=version)
    pdf_services.render_job_execute(job.pk)
    job.refresh_from_db()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(job.pdf.read())).pages)
    assert engagement.title in text and "FORGED ENGAGEMENT" not in text.split("Text.")[-1]
    assert "Version 9" not in text


def test_milestones_per_engagement_are_capped(engagement, people, settings):
    from common.errors import RuleViolation
    from engagement import services

    settings.OFFRAMP_MAX_MILESTONES = 3
    for i in range(3):
        services.milestone_create(actor=people["pm"], engagement=engagement, title=f"M{i}",
                                  start_week=1, end_week=2, ownership_mode="vendor_leads")
    with pytest.raises(RuleViolation, match="at most 3 milestones"):
        services.milestone_create(actor=people["pm"], engagement=engagement, title="M4",
                                  start_week=1, end_week=2, ownership_mode="vendor_leads")


def test_a_milestone_patch_without_if_match_is_428(engagement, people):
    from rest_framework.test import APIClient

    from engagement import services

    milestone = services.milestone_create(actor=people["pm"], engagement=engagement,
                                          title="M", start_week=1, end_week=2,
                                          ownership_mode="vendor_leads")
    api = APIClient()
    api.force_authenticate(people["pm"])
    response = api.patch(f"/api/v1/milestones/{milestone.pk}/", {"title": "A"}, format="json")
    assert response.status_code == 428 and response.json()["rule"] == "if_match_required"


def test_api_schema_and_docs_need_a_login(client, people):
    assert client.get("/api/schema/").status_code in (401, 403)
    assert client.get("/api/docs/").status_code in (401, 403)
    client.force_login(people["pm"])
    assert client.get("/api/schema/").status_code == 200
