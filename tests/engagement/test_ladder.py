import pytest

from common.errors import DomainError, NotAllowed, RuleViolation
from engagement import services
from engagement.models import AcceptanceCriterion, AuditEvent, Milestone
from tests.engagement.factories import make_engagement

pytestmark = pytest.mark.django_db


def generate(engagement, actor, **kw):
    return services.ladder_generate(actor=actor, engagement=engagement, **kw)


@pytest.mark.parametrize("weeks", [6, 8, 12, 26])
def test_ladder_scales_to_the_engagement_length_in_order(people, orgs, weeks):
    engagement = make_engagement(actor=people["pm"], client=orgs["client"],
                                 vendor=orgs["vendor"], length_weeks=weeks)
    ladder = generate(engagement, people["pm"])
    assert [m.kind for m in ladder] == ["discovery", "pipeline", "evaluation", "deployment",
                                        "rehearsal_retrain", "go_live"]
    assert ladder[0].start_week == 1
    assert ladder[-1].end_week == weeks
    for earlier, later in zip(ladder, ladder[1:], strict=False):
        assert earlier.start_week <= later.start_week
        assert later.start_week <= earlier.end_week + 1  # no gaps in the calendar
    assert all(1 <= m.start_week <= m.end_week <= weeks for m in ladder)


def test_twelve_week_ladder_lands_on_calendar_dates(people, orgs):
    import datetime as dt

    engagement = make_engagement(actor=people["pm"], client=orgs["client"],
                                 vendor=orgs["vendor"], length_weeks=12,
                                 start_date=dt.date(2026, 9, 7))
    ladder = generate(engagement, people["pm"])
    assert (ladder[0].start_week, ladder[0].end_week) == (1, 3)
    assert ladder[0].start_date == dt.date(2026, 9, 7)
    assert ladder[-1].due_date == dt.date(2026, 11, 29)


def test_template_brings_criteria_and_deliverables(engagement, people):
    ladder = generate(engagement, people["pm"])
    rehearsal = next(m for m in ladder if m.kind == "rehearsal_retrain")
    assert rehearsal.ownership_mode == "internal_runs"
    assert rehearsal.criteria.filter(performer="internal", method="runbook_run").exists()
    assert all(m.deliverables.exists() for m in ladder)


def test_hybrid_engagement_gets_delivery_and_enablement_streams(people, orgs):
    engagement = make_engagement(actor=people["pm"], client=orgs["client"],
                                 vendor=orgs["vendor"], format="hybrid", length_weeks=12)
    ladder = generate(engagement, people["pm"])
    assert {m.stream for m in ladder} == {"delivery", "enablement"}
    assert sum(m.stream == "enablement" for m in ladder) == 3


def test_regenerating_an_untouched_ladder_replaces_it(engagement, people):
    generate(engagement, people["pm"])
    generate(engagement, people["pm"], weeks=6)
    assert Milestone.objects.filter(engagement=engagement).count() == 6
    assert Milestone.objects.filter(engagement=engagement).order_by("-end_week")[0].end_week == 6


def test_regenerating_a_ladder_with_work_is_refused(engagement, people):
    ladder = generate(engagement, people["pm"])
    services.milestone_transition(actor=people["pm"], milestone=ladder[0], to="in_progress")
    with pytest.raises(RuleViolation) as err:
        generate(engagement, people["pm"])
    assert err.value.rule == "ladder_has_work"
    assert Milestone.objects.filter(engagement=engagement).count() == 6


def test_ladder_longer_than_the_engagement_is_refused(engagement, people):
    with pytest.raises(DomainError) as err:
        generate(engagement, people["pm"], weeks=9)
    assert err.value.field == "weeks"


def test_unknown_template_is_named_in_the_error(engagement, people):
    with pytest.raises(DomainError, match="no ladder template “fancy”"):
        generate(engagement, people["pm"], template="fancy")


def test_vendor_cannot_generate_the_ladder(engagement, people):
    with pytest.raises(NotAllowed):
        generate(engagement, people["vendor"])


def test_milestones_can_be_added_moved_and_removed(engagement, people):
    ladder = generate(engagement, people["pm"])
    extra = services.milestone_create(actor=people["pm"], engagement=engagement,
                                      title="Security review", start_week=6, end_week=6,
                                      ownership_mode="internal_leads")
    assert extra.position == 7
    services.milestone_move(actor=people["pm"], milestone=extra, direction="up")
    order = list(Milestone.objects.filter(engagement=engagement).values_list("title", flat=True))
    assert order[-2:] == ["Security review", "Go-live and operations"]
    services.milestone_delete(actor=people["pm"], milestone=extra)
    assert not Milestone.objects.filter(pk=extra.pk).exists()
    assert AuditEvent.objects.filter(engagement=engagement, verb="milestone.removed").exists()
    assert ladder


def test_milestone_with_work_cannot_be_removed(engagement, people):
    ladder = generate(engagement, people["pm"])
    services.milestone_transition(actor=people["pm"], milestone=ladder[0], to="in_progress")
    with pytest.raises(RuleViolation):
        services.milestone_delete(actor=people["pm"], milestone=ladder[0])


def test_milestone_weeks_must_fit_the_engagement(engagement, people):
    with pytest.raises(DomainError):
        services.milestone_create(actor=people["pm"], engagement=engagement, title="Late",
                                  start_week=7, end_week=9, ownership_mode="internal_runs")


def test_concurrent_edit_with_stale_version_is_a_conflict(engagement, people):
    from common.errors import ConflictError

    m = generate(engagement, people["pm"])[0]
    services.milestone_update(actor=people["pm"], milestone=m, data={"title": "Mine"},
                              expected_version=1)
    with pytest.raises(ConflictError) as err:
        services.milestone_update(actor=people["pm"], milestone=m, data={"title": "Theirs"},
                                  expected_version=1)
    assert err.value.current["title"] == "Mine"


def test_backwards_ownership_and_missing_transition_are_warned(engagement, people):
    ladder = generate(engagement, people["pm"])
    assert services.ladder_warnings(engagement, ladder) == []
    services.milestone_update(actor=people["pm"], milestone=ladder[3],
                              data={"ownership_mode": "vendor_leads"})
    services.milestone_update(actor=people["pm"], milestone=ladder[5],
                              data={"is_transition": False})
    ladder = list(Milestone.objects.filter(engagement=engagement))
    messages = [w for _, w in services.ladder_warnings(engagement, ladder)]
    assert any("backwards at “Deployment path”" in w for w in messages)
    assert any("last 20%" in w for w in messages)


def test_status_flow_start_then_submit_needs_all_criteria_met(engagement, people):
    m = generate(engagement, people["pm"])[0]
    with pytest.raises(RuleViolation) as err:
        services.milestone_transition(actor=people["pm"], milestone=m, to="submitted")
    assert err.value.rule == "status_flow"
    services.milestone_transition(actor=people["pm"], milestone=m, to="in_progress")
    with pytest.raises(RuleViolation) as err:
        services.milestone_transition(actor=people["pm"], milestone=m, to="submitted")
    assert err.value.rule == "criteria_not_met"
    assert "3 of 3" in err.value.message


def test_direct_acceptance_is_refused_as_a_two_key_decision(engagement, people):
    m = generate(engagement, people["pm"])[0]
    with pytest.raises(RuleViolation) as err:
        services.milestone_transition(actor=people["pm"], milestone=m, to="accepted")
    assert err.value.rule == "two_key_required"


def test_milestone_with_no_criteria_cannot_be_submitted(engagement, people):
    m = services.milestone_create(actor=people["pm"], engagement=engagement, title="Empty",
                                  start_week=1, end_week=1, ownership_mode="vendor_leads")
    services.milestone_transition(actor=people["pm"], milestone=m, to="in_progress")
    with pytest.raises(RuleViolation, match="at least one acceptance criterion"):
        services.milestone_transition(actor=people["pm"], milestone=m, to="submitted")
    assert AcceptanceCriterion.objects.filter(milestone=m).count() == 0
