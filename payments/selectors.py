"""Reads for the payment schedule, already prefetched for a page, an endpoint or a document."""

from decimal import Decimal

from django.db.models import Prefetch

from engagement.models import AcceptanceCriterion, ApprovalRequest, Engagement, Milestone

from .gates import conditions_state, plugged_kinds
from .models import GateCondition, PaymentMilestone

# Audit events written before payments left the SOW app name the old model; the chain is
# append-only, so readers accept both.
PAYMENT_OBJECT_TYPES = ("payments.paymentmilestone", "sow.paymentmilestone")


def payments_visible(*, user):
    return PaymentMilestone.objects.visible_to(user).select_related("engagement")


def schedule_rows(engagement):
    payments = list(PaymentMilestone.objects.filter(engagement=engagement).prefetch_related(
        Prefetch("conditions", queryset=GateCondition.objects.select_related(
            "criterion__milestone", "milestone", "deliverable"))))
    requests, waivers = {}, {}
    for r in ApprovalRequest.objects.filter(
            kind__in=[ApprovalRequest.Kind.PAYMENT_RELEASE, ApprovalRequest.Kind.OKR_WAIVER],
            engagement=engagement).exclude(status="cancelled").prefetch_related(
            "approvals").order_by("requested_at"):
        (requests if r.kind == ApprovalRequest.Kind.PAYMENT_RELEASE else waivers)[
            r.subject_id] = r
    plugged = conditions_state([c for p in payments for c in p.conditions.all()],
                               {p.pk: p.due_date for p in payments})
    for p in payments:
        p.request = requests.get(str(p.pk))
        p.keys_turned = sum(1 for a in p.request.current_keys(p.request.approvals.all())
                            if a.decision == "approve") if p.request else 0
        p.waiver = waivers.get(str(p.pk))
        p.waiver_keys = sum(1 for a in p.waiver.current_keys(p.waiver.approvals.all())
                            if a.decision == "approve") if p.waiver else 0
        p.gate = [{"condition": c, "met": plugged[c.pk][0] if c.pk in plugged else c.is_met(),
                   "words": plugged[c.pk][1] if c.pk in plugged else c.describe()}
                  for c in p.conditions.all()]
        p.gate_met = (bool(p.gate) and all(g["met"] for g in p.gate)) or bool(p.okr_waived_at)
    return payments



def payment_row(payment):
    """One payment as `schedule_rows` shows it (gate state and keys)."""
    return next(p for p in schedule_rows(payment.engagement) if p.pk == payment.pk)


def capability_proven(engagement):
    """Acceptance criteria met out of all of the engagement's criteria."""
    criteria = AcceptanceCriterion.objects.filter(milestone__engagement=engagement)
    return criteria.filter(status="met").count(), criteria.count()


def gate_choices(engagement):
    """The milestones (with their criteria and knowledge-transfer deliverables) a payment of
    this engagement may be gated on."""
    return Milestone.objects.filter(engagement=engagement).prefetch_related("criteria",
                                                                            "deliverables")


def schedule_for_document(engagement_id):
    """The schedule as plain data for a contract: label, amount, due date, gate in words."""
    out = []
    payments = list(PaymentMilestone.objects.filter(engagement_id=engagement_id)
                    .prefetch_related("conditions__criterion", "conditions__milestone",
                                      "conditions__deliverable"))
    plugged = conditions_state([c for p in payments for c in p.conditions.all()],
                               {p.pk: p.due_date for p in payments})
    for p in payments:
        gate = "; ".join(
            plugged[c.pk][1] if c.pk in plugged else c.describe() for c in p.conditions.all())
        out.append({"label": p.label, "amount": p.amount, "due_date": p.due_date,
                    "gate": gate, "model": p.get_commercial_model_display()})
    return out


def payment_history(payment):
    """The payment's audit events, including those recorded under its old object type."""
    from engagement.models import AuditEvent

    return AuditEvent.objects.filter(engagement_id=payment.engagement_id,
                                     object_type__in=PAYMENT_OBJECT_TYPES,
                                     object_id=str(payment.pk)).order_by("seq")


def gate_facts(engagement_id):
    """Each payment and what its gate waits for, as plain data for the SOW check: for every
    condition, the performers of the criteria it covers ("internal", "vendor")."""
    out = []
    for p in PaymentMilestone.objects.filter(engagement_id=engagement_id).prefetch_related(
            Prefetch("conditions", queryset=GateCondition.objects.select_related("criterion")),
            "conditions__milestone__criteria"):
        conditions = []
        for c in p.conditions.all():
            if c.kind == "criterion":
                performers = [c.criterion.performer]
            elif c.kind == "milestone":
                performers = [x.performer for x in c.milestone.criteria.all()]
            elif c.kind in ("deliverable", "kpi", "drill"):
                # Knowledge transfer is accepted only when the client's team shows it; a KPI
                # is measured from the client's own systems.
                performers = ["internal"]
            else:
                performers = []
            conditions.append({"kind": c.kind, "performers": performers})
        out.append({"id": p.pk, "label": p.label, "amount": p.amount,
                    "model": p.commercial_model, "conditions": conditions})
    return out


def condition_refs(*, kind, ref_ids):
    """Ids of the payments whose gate has a condition of `kind` on any of `ref_ids`."""
    return list(GateCondition.objects.filter(kind=kind, ref_id__in=list(ref_ids))
                .values_list("payment_id", flat=True).distinct())


def plugged_choices(engagement):
    """[(kind, label, [(ref_id, label)])] for the condition kinds other apps plug in."""
    return [(kind, plug.label, plug.choices(engagement))
            for kind, plug in plugged_kinds().items()]


NO_MONEY = {"released": Decimal("0"), "eligible": Decimal("0"), "held": Decimal("0"),
            "overdue": 0}


def money_for(engagement_ids):
    """{engagement_id: {"released", "eligible", "held", "overdue" (count)}} in one query.
    Released is approved, invoiced or paid; held is scheduled or overdue (written off is
    neither). `engagement_ids` may be a queryset of ids (kept as a subquery); engagements
    without payments are absent (see NO_MONEY)."""
    from django.db.models import Count, Q, QuerySet, Sum

    if not isinstance(engagement_ids, QuerySet):
        engagement_ids = list(engagement_ids)
    zero = NO_MONEY["released"]
    out = {}
    for row in PaymentMilestone.objects.filter(engagement_id__in=engagement_ids).values(
            "engagement_id").annotate(
            released=Sum("amount", filter=Q(status__in=["approved", "invoiced", "paid"])),
            eligible=Sum("amount", filter=Q(status="eligible")),
            held=Sum("amount", filter=Q(status__in=["scheduled", "overdue"])),
            overdue=Count("id", filter=Q(status="overdue"))):
        out[row["engagement_id"]] = {k: row[k] or (0 if k == "overdue" else zero)
                                     for k in ("released", "eligible", "held", "overdue")}
    return out


def released_column(engagement_ids):
    """The engagement list's "Money released" cell for a page of engagements (two queries)."""
    values = dict(Engagement.objects.filter(pk__in=list(engagement_ids)).values_list(
        "pk", "contract_value"))
    out = {}
    for pk, money in money_for(list(engagement_ids)).items():
        value = values.get(pk) or 0
        share = float(money["released"] / value) if value else None
        out[pk] = {"text": f"{money['released']:,.0f} ({share:.0%})" if share is not None
                   else f"{money['released']:,.0f}", "share": share}
    return out
