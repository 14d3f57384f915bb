import datetime as dt
from decimal import Decimal

import pytest

from common.errors import DomainError, NotAllowed
from engagement.models import AuditEvent, Engagement
from tests.engagement.factories import UserFactory, make_engagement

pytestmark = pytest.mark.django_db


def test_created_engagement_is_a_draft_with_an_audit_event(people, orgs):
    engagement = make_engagement(actor=people["procurement"], client=orgs["client"],
                                 vendor=orgs["vendor"])
    assert engagement.status == Engagement.Status.DRAFT
    event = AuditEvent.objects.get(engagement=engagement)
    assert event.verb == "engagement.created"
    assert event.actor == people["procurement"]
    assert event.after["contract_value"] == "120000.00"
    assert event.seq == 1


def test_client_and_vendor_must_differ(people, orgs):
    with pytest.raises(DomainError) as err:
        make_engagement(actor=people["procurement"], client=orgs["client"],
                        vendor=orgs["client"])
    assert err.value.fields["vendor"]


def test_vendor_organisation_cannot_be_the_client(people, orgs):
    admin = UserFactory(username="root", organisation=None, is_superuser=True)
    with pytest.raises(DomainError) as err:
        make_engagement(actor=admin, client=orgs["vendor"],
                        vendor=orgs["other_vendor"])
    assert "client" in err.value.fields


def test_currency_must_be_iso_4217(people, orgs):
    with pytest.raises(DomainError) as err:
        make_engagement(actor=people["procurement"], client=orgs["client"],
                        vendor=orgs["vendor"], currency="ZZZ")
    assert "ISO 4217" in err.value.fields["currency"][0]


def test_lowercase_currency_is_normalised(people, orgs):
    engagement = make_engagement(actor=people["procurement"], client=orgs["client"],
                                 vendor=orgs["vendor"], currency="gbp")
    assert engagement.currency == "GBP"


def test_negative_contract_value_is_refused(people, orgs):
    with pytest.raises(DomainError) as err:
        make_engagement(actor=people["procurement"], client=orgs["client"],
                        vendor=orgs["vendor"], contract_value=Decimal("-1.00"))
    assert "contract_value" in err.value.fields


def test_off_ramp_before_start_is_refused(people, orgs):
    with pytest.raises(DomainError) as err:
        make_engagement(actor=people["procurement"], client=orgs["client"],
                        vendor=orgs["vendor"], off_ramp_date=dt.date(2026, 9, 1))
    assert "off_ramp_date" in err.value.fields


def test_length_outside_1_to_260_weeks_is_refused(people, orgs):
    with pytest.raises(DomainError) as err:
        make_engagement(actor=people["procurement"], client=orgs["client"],
                        vendor=orgs["vendor"], length_weeks=0)
    assert "length_weeks" in err.value.fields


def test_leadership_cannot_create_engagements(people, orgs):
    with pytest.raises(NotAllowed):
        make_engagement(actor=people["leader"], client=orgs["client"], vendor=orgs["vendor"])


def test_creator_must_belong_to_a_party(people, orgs):
    with pytest.raises(DomainError) as err:
        make_engagement(actor=people["other_pm"], client=orgs["client"], vendor=orgs["vendor"])
    assert err.value.rule == "tenancy"
    assert not Engagement.objects.exists()


def test_side_is_derived_from_the_organisation(engagement, people):
    assert people["pm"].side_in(engagement) == "internal"
    assert people["vendor"].side_in(engagement) == "vendor"
    assert people["outsider"].side_in(engagement) is None
