import pytest

from engagement import services as engagement_services
from sow import services
from sow.models import SowDocument, SowVersion
from sow.selectors import fix_clauses
from tests.engagement.test_query_counts import count_queries
from tests.sow.factories import build_sow

pytestmark = pytest.mark.django_db


def editor_url(sow):
    return f"/engagements/{sow.engagement_id}/sows/{sow.pk}/"


def test_create_sow_on_the_page(client, people, engagement):
    client.force_login(people["procurement"])
    response = client.post(f"/engagements/{engagement.pk}/sows/", {"title": "Main SOW"},
                           follow=True)
    assert "Add clauses from the library" in response.content.decode()
    assert SowDocument.objects.get().title == "Main SOW"


def test_editor_shows_findings_with_fix_buttons_and_inserting_fixes_them(client, people,
                                                                        engagement):
    sow = build_sow(engagement, people["procurement"], keys=["deliverables-by-milestone"])
    client.force_login(people["procurement"])
    body = client.get(editor_url(sow)).content.decode()
    assert "No evaluation harness with agreed thresholds" in body
    assert "Insert “Evaluation harness with regression gates”" in body
    fix = fix_clauses(["evaluation-harness"])["evaluation-harness"]
    response = client.post(editor_url(sow) + "sections/",
                           {"clause_version": fix.pk, "sow_version": sow.version,
                            "placement": "category"}, follow=True)
    body = response.content.decode()
    assert "Added “Evaluation harness with regression gates” as section 2" in body
    assert "No evaluation harness with agreed thresholds" not in body


def test_library_search_partial_lists_add_buttons(client, people, engagement):
    sow = build_sow(engagement, people["procurement"], keys=["two-key-rule"])
    client.force_login(people["procurement"])
    body = client.get(editor_url(sow) + "library/?q=retrain").content.decode()
    assert "Add “Rehearsal retrain before go-l…”" in body
    assert "No clause matches" in client.get(editor_url(sow) + "library/?q=zzzz").content.decode()


def test_live_preview_renders_or_lists_problems(client, people, engagement):
    sow = build_sow(engagement, people["procurement"], keys=["two-key-rule"])
    client.force_login(people["procurement"])
    ok = client.post(editor_url(sow) + "preview/", {"override_body": "Hi {{ client.name }}"})
    assert "Hi Northwind Retail" in ok.content.decode()
    bad = client.post(editor_url(sow) + "preview/", {"override_body": "x\n{{ nope }}"})
    assert "Line 2: “nope” is not a variable" in bad.content.decode()


def test_conflicting_section_edit_keeps_the_users_text(client, people, engagement):
    sow = build_sow(engagement, people["procurement"], keys=["two-key-rule", "raci"])
    stale = sow.version
    section = sow.sections.first()
    services.sow_section_add(actor=people["pm"], sow=sow, schedule="kpis")
    client.force_login(people["procurement"])
    response = client.post(editor_url(sow) + f"sections/{section.pk}/edit/", {
        "override_body": "My careful wording", "sow_version": stale}, follow=True)
    assert response.redirect_chain[-1][0].endswith(f"#section-{section.pk}")
    body = response.content.decode()
    assert "Someone else changed this SOW" in body and "My careful wording" in body


def test_freeze_with_errors_asks_for_justification_then_shows_the_version(client, people,
                                                                         engagement):
    sow = build_sow(engagement, people["procurement"], keys=["two-key-rule"])
    client.force_login(people["procurement"])
    response = client.post(editor_url(sow) + "freeze/", {
        "sow_version": sow.version, "justification": " "}, follow=True)
    assert response.redirect_chain[-1][0].endswith("#freeze-h")
    assert "needs a written justification" in response.content.decode()
    seen = [f.key for f in services.sow_evaluate(sow)[1] if f.severity == "warning"]
    response = client.post(editor_url(sow) + "freeze/", {
        "sow_version": sow.version, "justification": "Early draft for discussion",
        "acknowledge_warnings": "on", "acknowledged": seen}, follow=True)
    body = response.content.decode()
    assert "Version 1 frozen" in body and "Request approval of version 1" in body
    assert SowVersion.objects.get().justification == "Early draft for discussion"


def test_redline_page_compares_two_versions(client, people, engagement):
    sow = build_sow(engagement, people["procurement"])
    services.sow_freeze(actor=people["procurement"], sow=sow, justification="Frozen for the test.",
                        acknowledge_warnings=True)
    services.sow_section_add(actor=people["procurement"], sow=sow, schedule="staffing")
    services.sow_freeze(actor=people["procurement"], sow=sow,
                        justification="Frozen for the test.", acknowledge_warnings=True)
    client.force_login(people["procurement"])
    body = client.get(editor_url(sow) + "redline/?a=1&b=2").content.decode()
    assert "Version 1 → version 2: 1 section changed" in body and "Added" in body
    side = client.get(editor_url(sow) + "redline/?a=1&b=2&mode=side").content.decode()
    assert "side-by-side" in side


def test_library_pages_browse_search_diff_and_usage(client, people, engagement):
    sow = build_sow(engagement, people["procurement"], keys=["two-key-rule"])
    client.force_login(people["procurement"])
    assert "Two-key rule" in client.get("/library/?q=approvals").content.decode()
    assert "Data and security" in client.get("/library/?category=data_security").content.decode()
    response = client.post("/library/two-key-rule/", {
        "body": "Two approvals are needed, one from {{ client.name }}.", "guidance": ""},
        follow=True)
    body = response.content.decode()
    assert "Version 2 saved as a draft" in body
    assert "Changes from version 1 to 2" in body and "<ins>" in body
    assert sow.title in body
    bad = client.post("/library/two-key-rule/", {"body": "{{ client.name", "guidance": ""})
    assert "Line 1" in bad.content.decode()


def test_editor_queries_do_not_grow_with_sections(client, people, engagement):
    engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)
    keys = ["two-key-rule", "raci", "off-ramp", "evaluation-harness", "model-card"]
    small = build_sow(engagement, people["procurement"], keys=keys)
    large = build_sow(engagement, people["procurement"], keys=keys * 10,
                      schedules=("ladder", "kpis"))
    client.force_login(people["procurement"])
    assert count_queries(lambda: client.get(editor_url(small))) == count_queries(
        lambda: client.get(editor_url(large)))


def test_other_tenants_get_404_on_sow_pages(client, people, engagement):
    sow = build_sow(engagement, people["procurement"], keys=["two-key-rule"])
    client.force_login(people["outsider"])
    assert client.get(editor_url(sow)).status_code == 404
    assert client.get(f"/engagements/{engagement.pk}/sows/").status_code == 404
    assert client.post(editor_url(sow) + "freeze/", {"justification": "x"}).status_code == 404
