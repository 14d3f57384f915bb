import datetime as dt

import pytest

from common.errors import DomainError, NotAllowed, RuleViolation
from engagement import services
from engagement.models import AuditEvent
from tests.engagement.factories import define_outcomes, make_engagement

pytestmark = pytest.mark.django_db


def test_activation_is_refused_until_every_kpi_layer_has_a_kpi(draft_engagement, people):
    engagement = draft_engagement
    with pytest.raises(RuleViolation) as err:
        services.engagement_transition(actor=people["pm"], engagement=engagement, to="active")
    assert err.value.rule == "precondition"
    assert "business, system, capability" in err.value.message
    engagement.refresh_from_db()
    assert engagement.status == "draft"


def test_activation_with_outcomes_moves_to_active_and_audits(draft_engagement, people):
    engagement = draft_engagement
    define_outcomes(engagement, people["pm"])
    services.engagement_transition(actor=people["pm"], engagement=engagement, to="active",
                                   reason="Kick-off")
    engagement.refresh_from_db()
    assert engagement.status == "active"
    event = AuditEvent.objects.filter(engagement=engagement).latest("seq")
    assert event.verb == "engagement.status_changed"
    assert (event.before, event.after, event.reason) == (
        {"status": "draft"}, {"status": "active"}, "Kick-off")


def test_retainer_needs_an_off_ramp_date_to_go_active(people, orgs):
    engagement = make_engagement(actor=people["pm"], client=orgs["client"],
                                 vendor=orgs["vendor"], format="retainer", length_weeks=12)
    define_outcomes(engagement, people["pm"])
    with pytest.raises(RuleViolation) as err:
        services.engagement_transition(actor=people["pm"], engagement=engagement, to="active")
    assert "off-ramp date" in err.value.message


def test_retainer_needs_a_capability_target_in_every_quarter(people, orgs):
    start = dt.date(2026, 1, 5)
    engagement = make_engagement(actor=people["pm"], client=orgs["client"],
                                 vendor=orgs["vendor"], format="retainer", length_weeks=26,
                                 start_date=start, off_ramp_date=start + dt.timedelta(weeks=26))
    define_outcomes(engagement, people["pm"], capability_dates=[start + dt.timedelta(weeks=10)])
    with pytest.raises(RuleViolation) as err:
        services.engagement_transition(actor=people["pm"], engagement=engagement, to="active")
    assert "quarterly capability target" in err.value.message
    define_outcomes(engagement, people["pm"], capability_dates=[start + dt.timedelta(weeks=20)])
    services.engagement_transition(actor=people["pm"], engagement=engagement, to="active")
    engagement.refresh_from_db()
    assert engagement.status == "active"


def test_status_cannot_skip_steps(engagement, people):
    with pytest.raises(RuleViolation) as err:
        services.engagement_transition(actor=people["pm"], engagement=engagement, to="closed")
    assert err.value.rule == "status_flow"


def test_full_flow_ends_closed_and_closed_is_final(draft_engagement, people):
    engagement = draft_engagement
    from tests.engagement.factories import run_to

    engagement = run_to(engagement, "closed", people)
    assert engagement.status == "closed"
    with pytest.raises(RuleViolation):
        services.engagement_transition(actor=people["leader"], engagement=engagement,
                                       to="active")
    verbs = list(AuditEvent.objects.filter(engagement=engagement,
                                           verb="engagement.status_changed")
                 .values_list("after__status", flat=True))
    assert verbs == ["active", "transition", "closed"]


def test_transition_and_close_refuse_with_every_unmet_item_at_once(draft_engagement, people):
    engagement = draft_engagement
    from tests.engagement.factories import run_to

    engagement = run_to(engagement, "active", people)
    problems = services.engagement_transition_problems(engagement, "transition")
    assert any("Go-live must be accepted" in p for p in problems)
    assert any("knowledge-transfer deliverable" in p for p in problems)
    with pytest.raises(RuleViolation) as err:
        services.engagement_transition(actor=people["pm"], engagement=engagement,
                                       to="transition")
    assert "Go-live" in err.value.message and "knowledge-transfer" in err.value.message
    engagement = run_to(engagement, "transition", people)
    problems = services.engagement_transition_problems(engagement, "closed")
    assert any("neither paid nor written off" in p for p in problems)
    assert any("closing readiness baseline" in p for p in problems)


def test_vendor_staff_cannot_change_the_status(engagement, people):
    define_outcomes(engagement, people["pm"])
    with pytest.raises(NotAllowed):
        services.engagement_transition(actor=people["vendor"], engagement=engagement,
                                       to="active")


def test_unknown_status_is_a_clear_error(engagement, people):
    with pytest.raises(DomainError) as err:
        services.engagement_transition(actor=people["pm"], engagement=engagement, to="paused")
    assert err.value.field == "to"
