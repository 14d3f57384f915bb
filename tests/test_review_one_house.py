"""Regression tests for defects a review of the one-house refactor found: admin write paths
that skipped the services, django-rules granting Django model permissions, another
organisation's draft text matching a library search, clause keys that leaked across
organisations, and admin dropdowns listing every user."""

import pytest

from engagement.models import Organisation, User
from sow import services as sow_services
from sow.models import Clause

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_client(db):
    org = Organisation.objects.create(name="Contoso Foods", kind="client")
    return User.objects.create_user("contoso-buyer", organisation=org, role="procurement")


def test_rules_do_not_grant_django_model_permissions(people):
    staff = people["procurement"]
    staff.is_staff = True
    staff.save()
    assert not staff.has_perm("engagement.add_engagement")
    assert not staff.has_perm("engagement.change_engagement")


def test_another_organisations_draft_text_does_not_match_a_library_search(client, people,
                                                                         other_client):
    sow_services.library_load()
    clause = Clause.objects.get(key="two-key-rule")
    sow_services.clause_version_create(actor=people["procurement"], clause=clause,
                                       body="Confidential rebate thirtyseven percent.")
    client.force_login(other_client)
    assert "Two-key rule" not in client.get("/library/?q=thirtyseven").content.decode()
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(other_client)
    assert api.get("/api/v1/clauses/?q=thirtyseven").json()["count"] == 0
    api.force_authenticate(people["procurement"])
    assert api.get("/api/v1/clauses/?q=thirtyseven").json()["count"] == 1


def test_clause_keys_are_private_to_their_organisation(people, other_client):
    body = "Our own text for {{ client.name }}."
    sow_services.clause_create(actor=people["procurement"], key="secret-falcon",
                               category="governance", title="Falcon", body=body)
    twin = sow_services.clause_create(actor=other_client, key="secret-falcon",
                                      category="governance", title="Falcon too", body=body)
    assert twin.organisation_id == other_client.organisation_id
    from common.errors import DomainError

    with pytest.raises(DomainError, match="exists already"):
        sow_services.clause_create(actor=other_client, key="secret-falcon",
                                   category="governance", title="Again", body=body)


def test_loading_the_starter_library_never_touches_an_organisations_own_clause(people):
    body = "Our own text for {{ client.name }}."
    own = sow_services.clause_create(actor=people["procurement"], key="two-key-rule",
                                     category="governance", title="Our two keys", body=body)
    sow_services.library_load()
    assert own.versions.count() == 1
    assert Clause.objects.filter(key="two-key-rule", organisation__isnull=True).exists()


def test_payments_are_read_only_in_the_admin(client, people, engagement):
    from django.contrib.admin.sites import site

    from payments.models import PaymentMilestone

    model_admin = site._registry[PaymentMilestone]
    request = type("R", (), {"user": people["procurement"]})()
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_admin_user_dropdowns_offer_only_visible_organisations(people, other_client):
    from django.contrib.admin.sites import site

    from kpis.models import KPI

    model_admin = site._registry[KPI]
    choices = model_admin.scoped_choices(User, people["procurement"])
    assert other_client not in choices and people["pm"] in choices


def test_a_notification_is_its_recipients_alone(people, engagement):
    from engagement.models import Notification

    note = Notification.objects.create(user=people["pm"], engagement=engagement, message="x")
    assert list(Notification.objects.visible_to(people["pm"])) == [note]
    assert not Notification.objects.visible_to(people["leader"]).exists()
