import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from engagement.audit import audit_verify
from engagement.models import AuditEvent, Engagement, User

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")


def test_seed_demo_is_idempotent_and_builds_the_demo(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    events = AuditEvent.objects.count()
    call_command("seed_demo", "--force")
    assert AuditEvent.objects.count() == events
    engagement = Engagement.objects.get(title="Support-reply LLM fine-tune")
    assert (engagement.title, engagement.format, engagement.status) == (
        "Support-reply LLM fine-tune", "hybrid", "active")
    assert (engagement.client.name, engagement.vendor.name) == (
        "Northwind Retail", "Acme ML Partners")
    assert engagement.staffing.count() >= 6
    assert engagement.baselines.filter(stage="discovery").exists()
    for username in ("procurement", "pm", "leader", "vendor"):
        assert User.objects.get(username=username).check_password("offramp-demo")
    assert User.objects.get(username="vendor").side_in(engagement) == "vendor"
    assert audit_verify()["ok"]
    assert "offramp-demo" in capsys.readouterr().out


def test_demo_has_a_ladder_raci_and_progress(settings):
    from engagement.models import ApprovalRequest, Milestone, RaciAssignment

    settings.DEBUG = True
    call_command("seed_demo")
    engagement = Engagement.objects.get(title="Support-reply LLM fine-tune")
    milestones = list(Milestone.objects.filter(engagement=engagement))
    assert {m.stream for m in milestones} == {"delivery", "enablement"}
    assert milestones[0].status == "accepted"
    assert ApprovalRequest.objects.get(subject_id=str(milestones[0].pk)).approvals.count() == 2
    assert milestones[1].status == "in_progress"
    assert milestones[1].criteria.filter(status="met").exists()
    assert {m.status for m in milestones[2:]} == {"planned"}
    assert RaciAssignment.objects.filter(engagement=engagement, letter="A").count() == 15


def test_demo_sow_renders_from_the_library_and_passes_the_check(settings):
    from sow.models import SowDocument
    from sow.services import sow_evaluate

    settings.DEBUG = True
    call_command("seed_demo")
    sow = SowDocument.objects.get(imported_from="", engagement__title="Support-reply LLM fine-tune")
    rendered, findings, score = sow_evaluate(sow)
    assert all(r.error is None for r in rendered)
    assert [f for f in findings if f.severity == "error"] == []
    assert score >= 90
    assert sow.versions.count() == 1
    draft = SowDocument.objects.get(imported_from="pasted text")
    flagged = {f.rule for f in sow_evaluate(draft)[1] if f.quote and f.source == "text"}
    assert {"no_client_ownership", "vague_knowledge_transfer", "payments_not_gated"} <= flagged


def test_demo_has_measured_kpis_a_kpi_gate_and_three_engagements(settings, client):
    from kpis.selectors import kpi_rows
    from payments.models import GateCondition, PaymentMilestone

    settings.DEBUG = True
    call_command("seed_demo")
    demo = Engagement.objects.get(title="Support-reply LLM fine-tune")
    kpis = kpi_rows(engagement=demo)
    assert {k.layer for k in kpis} == {"business", "system", "capability"}
    assert all(len(k.series) >= 3 for k in kpis)
    statuses = [k.status.code for k in kpis]
    assert statuses.count("at_risk") == 1 and "on_track" in statuses
    assert GateCondition.objects.filter(payment__engagement=demo, kind="kpi").exists()
    others = Engagement.objects.exclude(pk=demo.pk)
    assert sorted(others.values_list("format", flat=True)) == ["project", "retainer"]
    retainer = others.get(format="retainer")
    assert set(PaymentMilestone.objects.filter(engagement=retainer).values_list(
        "commercial_model", flat=True)) == {"time_and_materials"}
    project = others.get(format="project")
    assert "off_track" in [k.status.code for k in kpi_rows(engagement=project)]
    client.force_login(User.objects.get(username="leader"))
    rows = client.get("/api/v1/portfolio/").json()["results"]
    assert len(rows) == 3 and sum(r["at_risk"] for r in rows) >= 2
    assert any(r["sow_check_score"] is not None for r in rows)
    assert any(float(r["released"]) > 0 for r in rows)


def test_demo_has_competency_rounds_and_drills(settings):
    from kpis.models import CompetencyAssessment, IncidentDrill
    from kpis.selectors import heatmap

    settings.DEBUG = True
    call_command("seed_demo")
    demo = Engagement.objects.get(title="Support-reply LLM fine-tune")
    assert set(CompetencyAssessment.objects.filter(engagement=demo).values_list(
        "round", flat=True)) == {"start", "mid"}
    assert heatmap(engagement=demo)["index"]["index"] > 0
    results = sorted(IncidentDrill.objects.filter(engagement=demo).values_list("result",
                                                                                flat=True))
    assert results == ["fail", "pass", "planned"]
    failed = IncidentDrill.objects.get(engagement=demo, result="fail")
    assert "vendor was the primary responder" in failed.result_reason
