import pytest

from common.errors import ConflictError, DomainError, NotAllowed, RuleViolation
from engagement import services
from engagement.models import AuditEvent
from tests.engagement.factories import define_outcomes

pytestmark = pytest.mark.django_db


def test_update_bumps_the_version_and_audits_before_and_after(engagement, people):
    updated = services.engagement_update(actor=people["pm"], engagement=engagement,
                                         data={"title": "Reply drafting"}, expected_version=1)
    assert (updated.title, updated.version) == ("Reply drafting", 2)
    event = AuditEvent.objects.filter(engagement=engagement).latest("seq")
    assert event.before == {"title": "Support-reply LLM fine-tune"}
    assert event.after == {"title": "Reply drafting"}


def test_stale_version_is_a_conflict_showing_current_values(engagement, people):
    services.engagement_update(actor=people["pm"], engagement=engagement,
                               data={"title": "First edit"}, expected_version=1)
    with pytest.raises(ConflictError) as err:
        services.engagement_update(actor=people["procurement"], engagement=engagement,
                                   data={"title": "Second edit"}, expected_version=1)
    assert err.value.current["title"] == "First edit"
    assert "pm" in err.value.changed_by
    engagement.refresh_from_db()
    assert engagement.title == "First edit"


def test_contract_fields_are_fixed_once_active(draft_engagement, people):
    engagement = draft_engagement
    define_outcomes(engagement, people["pm"])
    services.engagement_transition(actor=people["pm"], engagement=engagement, to="active")
    with pytest.raises(RuleViolation) as err:
        services.engagement_update(actor=people["pm"], engagement=engagement,
                                   data={"length_weeks": 20})
    assert err.value.rule == "draft_only_field"
    services.engagement_update(actor=people["pm"], engagement=engagement,
                               data={"use_case": "Now with a clearer scope"})


def test_client_and_vendor_cannot_be_changed(engagement, people, orgs):
    with pytest.raises(DomainError) as err:
        services.engagement_update(actor=people["pm"], engagement=engagement,
                                   data={"vendor": orgs["other_vendor"]})
    assert err.value.rule == "read_only_field"


def test_vendor_staff_cannot_edit(engagement, people):
    with pytest.raises(NotAllowed):
        services.engagement_update(actor=people["vendor"], engagement=engagement,
                                   data={"title": "x"})


def test_outsider_cannot_edit(engagement, people):
    with pytest.raises(NotAllowed) as err:
        services.engagement_update(actor=people["other_pm"], engagement=engagement,
                                   data={"title": "x"})
    assert err.value.rule == "tenancy"


def test_unchanged_data_writes_no_event(engagement, people):
    before = AuditEvent.objects.count()
    services.engagement_update(actor=people["pm"], engagement=engagement,
                               data={"title": engagement.title})
    assert AuditEvent.objects.count() == before
