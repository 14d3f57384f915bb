import pytest

from common.errors import DomainError, NotAllowed
from engagement import selectors, services
from engagement.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_person_without_login_can_be_staffed_and_side_follows_role(engagement, people):
    a = services.staffing_assign(actor=people["pm"], engagement=engagement,
                                 staffing_role="data_steward", person_name="Jonas Berg")
    assert (a.side, a.display_name) == ("internal", "Jonas Berg")
    assert AuditEvent.objects.filter(engagement=engagement, verb="staffing.assigned").exists()


def test_vendor_user_cannot_hold_an_internal_role(engagement, people):
    with pytest.raises(DomainError) as err:
        services.staffing_assign(actor=people["pm"], engagement=engagement,
                                 staffing_role="ml_engineer", user=people["vendor"])
    assert err.value.rule == "staffing_side"


def test_outsider_user_cannot_be_staffed(engagement, people):
    with pytest.raises(DomainError) as err:
        services.staffing_assign(actor=people["pm"], engagement=engagement,
                                 staffing_role="lead_consultant", user=people["outsider"])
    assert err.value.rule == "tenancy"


def test_same_user_same_role_twice_is_refused(engagement, people):
    services.staffing_assign(actor=people["pm"], engagement=engagement,
                             staffing_role="lead_consultant", user=people["vendor"])
    with pytest.raises(DomainError) as err:
        services.staffing_assign(actor=people["pm"], engagement=engagement,
                                 staffing_role="lead_consultant", user=people["vendor"])
    assert err.value.rule == "duplicate"


def test_removing_staffing_is_audited(engagement, people):
    a = services.staffing_assign(actor=people["pm"], engagement=engagement,
                                 staffing_role="ml_engineer", person_name="Aisha Bello")
    services.staffing_remove(actor=people["pm"], assignment=a)
    event = AuditEvent.objects.filter(engagement=engagement).latest("seq")
    assert (event.verb, event.before["person"]) == ("staffing.removed", "Aisha Bello")
    assert not engagement.staffing.exists()


def test_baselines_show_side_by_side_with_change(engagement, people):
    services.baseline_record(actor=people["pm"], engagement=engagement, stage="discovery",
                             skills=1, process=0, tooling=1)
    services.baseline_record(actor=people["pm"], engagement=engagement, stage="close",
                             skills=3, process=2, tooling=1)
    page = selectors.engagement_get(user=people["pm"], pk=engagement.pk, for_page=True)
    rows = {r["area"]: r for r in selectors.baselines_side_by_side(page)["rows"]}
    assert rows["skills"] == {"area": "skills", "discovery": 1, "close": 3, "change": 2}
    assert rows["tooling"]["change"] == 0


def test_rerecording_a_baseline_keeps_one_row_and_audits_the_old_values(engagement, people):
    services.baseline_record(actor=people["pm"], engagement=engagement, stage="discovery",
                             skills=1, process=0, tooling=1)
    services.baseline_record(actor=people["pm"], engagement=engagement, stage="discovery",
                             skills=2, process=0, tooling=1)
    assert engagement.baselines.count() == 1
    event = AuditEvent.objects.filter(engagement=engagement).latest("seq")
    assert (event.before["skills"], event.after["skills"]) == (1, 2)


def test_baseline_score_outside_0_to_3_is_refused(engagement, people):
    with pytest.raises(DomainError) as err:
        services.baseline_record(actor=people["pm"], engagement=engagement, stage="discovery",
                                 skills=4, process=0, tooling=1)
    assert err.value.field == "skills"


def test_vendor_cannot_record_the_clients_baseline(engagement, people):
    with pytest.raises(NotAllowed):
        services.baseline_record(actor=people["vendor"], engagement=engagement,
                                 stage="discovery", skills=1, process=1, tooling=1)
