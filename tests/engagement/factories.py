import datetime as dt
from decimal import Decimal

import factory

from engagement import services
from engagement.models import Organisation, User


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.CLIENT


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    organisation = factory.SubFactory(OrganisationFactory)
    role = "program_manager"
    password = factory.django.Password("offramp-test")


def make_engagement(*, actor, client, vendor, **overrides):
    """Engagements are built through the service so the audit chain starts as in real use."""
    fields = {
        "title": "Support-reply LLM fine-tune",
        "format": "project",
        "start_date": dt.date(2026, 9, 7),
        "length_weeks": 8,
        "contract_value": Decimal("120000.00"),
        "currency": "EUR",
    }
    fields.update(overrides)
    return services.engagement_create(actor=actor, client=client, vendor=vendor, **fields)


def define_outcomes(engagement, actor, *, capability_dates=None):
    """One KPI per layer (and capability KPIs due on the given dates)."""
    from kpis.services import kpi_define

    due = engagement.start_date + dt.timedelta(weeks=engagement.length_weeks - 1)
    kpi_define(actor=actor, engagement=engagement, layer="business", name="Accepted drafts",
               target=Decimal("35"), target_date=due)
    kpi_define(actor=actor, engagement=engagement, layer="system", name="Eval pass rate",
               target=Decimal("95"), target_date=due)
    for when in capability_dates or [due]:
        kpi_define(actor=actor, engagement=engagement, layer="capability",
                   name=f"Time to retrain by {when}", target=Decimal("2"), target_date=when,
                   direction="down")
