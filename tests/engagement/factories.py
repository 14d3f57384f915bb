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


def define_outcomes(engagement, actor, *, capability_dates=None, ready=True):
    """One KPI per layer (and capability KPIs due on the given dates); with `ready`, also
    everything else activation needs (see prepare_for_activation)."""
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
    if ready:
        prepare_for_activation(engagement, actor)


def prepare_for_activation(engagement, actor):
    """What activation asks besides KPIs, where it is missing: the ladder (a rehearsal on it,
    streams for hybrids), the internal owners named in staffing, and a payment schedule gated
    on capability that adds up to the contract value."""
    from engagement.models import Milestone, StaffingAssignment
    from payments import services as pay
    from payments.models import PaymentMilestone

    if not Milestone.objects.filter(engagement=engagement).exists():
        services.ladder_generate(actor=actor, engagement=engagement)
    for role, name in (("ml_product_owner", "Olu Adeyemi"), ("ml_engineer", "Sam Reyes")):
        if not StaffingAssignment.objects.filter(engagement=engagement, side="internal",
                                                 staffing_role=role).exists():
            services.staffing_assign(actor=actor, engagement=engagement, staffing_role=role,
                                     person_name=name)
    if not PaymentMilestone.objects.filter(engagement=engagement).exists() and (
            engagement.contract_value):
        first = Milestone.objects.filter(engagement=engagement).order_by("position").first()
        pay.payment_create(actor=actor, engagement=engagement, label="Whole fee",
                           amount=engagement.contract_value,
                           due_date=engagement.end_date - dt.timedelta(days=1),
                           conditions=[{"kind": "milestone", "milestone": first.pk}])


def run_to(engagement, status, people):
    """Take an engagement through the real work to `status` (active, transition or closed):
    every milestone proven and accepted with two keys, knowledge transfer waived, the fee
    released, invoiced and paid, and the closing baseline recorded."""
    from engagement.models import ApprovalRequest, KnowledgeTransferDeliverable, Milestone
    from payments import services as pay
    from payments.models import PaymentMilestone

    pm, leader = people["pm"], people["leader"]
    if engagement.status == "draft":
        if not engagement.kpis.exists():
            define_outcomes(engagement, pm)
        prepare_for_activation(engagement, pm)
        engagement = services.engagement_transition(actor=pm, engagement=engagement, to="active")
    if status == "active":
        return engagement
    for milestone in Milestone.objects.filter(engagement=engagement).order_by("position"):
        if milestone.status == "accepted":
            continue
        if milestone.status == "planned":
            milestone = services.milestone_transition(actor=pm, milestone=milestone,
                                                      to="in_progress")
        for criterion in milestone.criteria.all():
            services.evidence_add(actor=pm, criterion=criterion, kind="link",
                                  url="https://ci.example.com/runs/1")
            verifier = pm if criterion.performer == "internal" else people["vendor"]
            services.criterion_verify(actor=verifier, criterion=criterion, status="met",
                                      note="Seen")
        milestone.refresh_from_db()
        services.milestone_transition(actor=pm, milestone=milestone, to="submitted")
        request = ApprovalRequest.objects.get(subject_id=str(milestone.pk), status="open",
                                              subject_type="engagement.milestone")
        services.approval_decide(actor=leader, request=request, decision="approve")
        services.approval_decide(actor=people["procurement"], request=request,
                                 decision="approve")
    for deliverable in KnowledgeTransferDeliverable.objects.filter(
            milestone__engagement=engagement, accepted_at__isnull=True, waived_reason=""):
        services.deliverable_waive(actor=pm, deliverable=deliverable,
                                   reason="Covered by the pairing sessions.")
    engagement.refresh_from_db()
    engagement = services.engagement_transition(actor=pm, engagement=engagement,
                                                to="transition")
    if status == "transition":
        return engagement
    pay.payments_evaluate(engagement_ids=[engagement.pk],
                          today=engagement.start_date + dt.timedelta(days=1))
    for payment in PaymentMilestone.objects.filter(engagement=engagement):
        if payment.status == "eligible":
            request = pay.payment_request_release(actor=pm, payment=payment)
            services.approval_decide(actor=leader, request=request, decision="approve")
            services.approval_decide(actor=people["procurement"], request=request,
                                     decision="approve")
            payment.refresh_from_db()
        if payment.status == "approved":
            payment = pay.payment_mark_invoiced(actor=people["vendor"], payment=payment,
                                                invoice_reference="INV-1")
        if payment.status == "invoiced":
            pay.payment_mark_paid(actor=leader, payment=payment,
                                  paid_on=payment.due_date - dt.timedelta(days=60))
    services.baseline_record(actor=pm, engagement=engagement, stage="close", skills=3,
                             process=2, tooling=2)
    engagement.refresh_from_db()
    return services.engagement_transition(actor=pm, engagement=engagement, to="closed")


def under_way(engagement):
    """Put an engagement in force without its activation checklist, for tests about the work
    done during it (tests of activation itself go through engagement_transition)."""
    from engagement.models import Engagement

    Engagement.objects.filter(pk=engagement.pk).update(status=Engagement.Status.ACTIVE)
    engagement.refresh_from_db()
    return engagement
