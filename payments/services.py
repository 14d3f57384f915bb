"""Gated payment milestones: the schedule, the gate tracker's moves, release and settlement."""

from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Sum
from django.urls import reverse
from django.utils import timezone

from common.errors import DomainError, RuleViolation
from common.inputs import parse_id
from common.versioning import check_version, create_clean, full_clean
from engagement.audit import audit_record, audit_record_many
from engagement.models import (
    AcceptanceCriterion,
    ApprovalRequest,
    Engagement,
    KnowledgeTransferDeliverable,
    Milestone,
)
from engagement.outbox import outbox_enqueue
from engagement.rules import require
from engagement.services import approval_request_open, lock, register_approval_handler
from engagement.services.approvals import ApprovalHandler, approval_cancel, approval_reset
from engagement.services.notifications import engagement_stewards, notify_many
from engagement.transitions import transition, transition_many

from .gates import evaluate, gate_is_met, plugged_kinds
from .models import GateCondition, PaymentMilestone

PS = PaymentMilestone.Status

# The one table of payment moves: the gate tracker's (scheduled, eligible, overdue), then the
# people's (release by two keys, invoicing, payment).
PAYMENT_TRANSITIONS = {
    PS.SCHEDULED: {PS.ELIGIBLE, PS.OVERDUE, PS.CANCELLED},
    PS.OVERDUE: {PS.ELIGIBLE, PS.SCHEDULED, PS.CANCELLED},
    PS.ELIGIBLE: {PS.SCHEDULED, PS.OVERDUE, PS.APPROVED, PS.CANCELLED},
    PS.APPROVED: {PS.INVOICED},
    PS.INVOICED: {PS.PAID},
    PS.PAID: set(),
    PS.CANCELLED: set(),
}
PAYMENT_SUBJECT = PaymentMilestone._meta.label_lower
EDITABLE = {"label", "amount", "due_date", "commercial_model"}


# --- Validation --------------------------------------------------------------------------

def _check_amount(amount):
    if amount is None or not Decimal(amount).is_finite() or amount <= 0:
        raise DomainError("The amount must be more than zero.", rule="invalid_field",
                          field="amount")
    if Decimal(amount).as_tuple().exponent < -2:
        raise DomainError("Amounts have at most two decimal places.", rule="invalid_field",
                          field="amount")


def _check_due(engagement, due):
    last = max(filter(None, [engagement.end_date, engagement.off_ramp_date]))
    if not engagement.start_date <= due <= last:
        raise DomainError(
            f"The due date must fall within the engagement or its transition period: "
            f"{engagement.start_date:%-d %b %Y} to {last:%-d %b %Y}.",
            rule="invalid_field", field="due_date")


def _check_model(commercial_model):
    if commercial_model not in PaymentMilestone.CommercialModel.values:
        raise DomainError("The commercial model is fixed_fee or time_and_materials.",
                          rule="invalid_field", field="commercial_model")


def _check_total(engagement, amount, exclude_pk=None, previous=Decimal("0")):
    """Never over the contract value. Once the engagement is under way the fixed-fee total may
    only grow towards the value: money agreed in the schedule is never quietly taken out."""
    others = PaymentMilestone.objects.filter(
        engagement=engagement, commercial_model=PaymentMilestone.CommercialModel.FIXED_FEE)
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    rest = others.aggregate(s=Sum("amount"))["s"] or Decimal("0")
    total = rest + amount
    if total > engagement.contract_value:
        raise DomainError(
            f"The fixed-fee schedule would total {total:,.2f} {engagement.currency}, over the "
            f"contract value of {engagement.contract_value:,.2f}.", rule="schedule_over_value",
            field="amount")
    if engagement.status != Engagement.Status.DRAFT and total < rest + previous:
        raise DomainError(
            f"The engagement is {engagement.status}: its fixed-fee schedule cannot shrink "
            f"(from {rest + previous:,.2f} to {total:,.2f} {engagement.currency}). Record a "
            "contract change first.", rule="schedule_must_match_value", field="amount")


def _conditions(engagement, conditions):
    """GateCondition objects from [{"kind", "criterion"|"milestone"|"deliverable": id}] or,
    for a kind another app plugs in, [{"kind", "ref": id, "threshold": n}], all of this
    engagement."""
    if not conditions:
        raise DomainError("A gate needs at least one condition: the criteria, milestones or "
                          "knowledge transfer that must be accepted before this money is "
                          "releasable.", rule="gate_without_condition", field="conditions")
    plugged = plugged_kinds()
    if any(c.get("kind") not in GATE_TARGETS and c.get("kind") not in plugged
           for c in conditions):
        raise DomainError("Each condition's kind is one of: "
                          + ", ".join([*GATE_TARGETS, *plugged]) + ".",
                          rule="invalid_field", field="conditions")
    ids = {kind: {parse_id(str(c.get(kind))) for c in conditions if c.get("kind") == kind}
           for kind in GATE_TARGETS}
    refs = {kind: {} for kind in plugged}
    for c in conditions:
        if c.get("kind") in plugged:
            ref = parse_id(str(c.get("ref")))
            threshold = _threshold(c.get("threshold"), plugged[c["kind"]].needs_threshold)
            if ref is None or ref in refs[c["kind"]]:
                refs[c["kind"]][None] = None
            else:
                refs[c["kind"]][ref] = threshold
    count = sum(map(len, ids.values())) + sum(map(len, refs.values()))
    if (None in set().union(*ids.values(), *refs.values()) or count != len(conditions)):
        raise DomainError("Each condition is a criterion, a milestone, a knowledge-transfer "
                          "deliverable or another kind's object, named once.",
                          rule="invalid_field", field="conditions")
    for kind, (model, path) in GATE_TARGETS.items():
        found = set(model.objects.filter(pk__in=ids[kind], **{path: engagement})
                    .values_list("pk", flat=True))
        if found != ids[kind]:
            raise DomainError("A gate condition must belong to the same engagement.",
                              rule="gate_other_engagement", field="conditions")
    for kind, chosen in refs.items():
        if chosen and set(plugged[kind].targets(engagement, list(chosen.items()))) != set(chosen):
            raise DomainError("A gate condition must belong to the same engagement.",
                              rule="gate_other_engagement", field="conditions")
    return ([GateCondition(kind=kind, **{f"{kind}_id": i})
             for kind in GATE_TARGETS for i in sorted(ids[kind])]
            + [GateCondition(kind=kind, ref_id=ref, threshold=threshold)
               for kind, chosen in refs.items() for ref, threshold in sorted(chosen.items())])


def _threshold(raw, needed):
    if raw is None or raw == "":
        if needed:
            raise DomainError("Give the threshold the KPI must reach.", rule="invalid_field",
                              field="conditions")
        return None
    try:
        value = Decimal(str(raw))
    except ArithmeticError:
        value = None
    if value is None or not value.is_finite() or abs(value) >= Decimal("1e10"):
        raise DomainError("The threshold must be a number.", rule="invalid_field",
                          field="conditions")
    return value


def _check_okrs(commercial_model, gate):
    """A time-and-materials month is released on its capability OKRs: KPI thresholds or
    acceptance criteria, not whole milestones."""
    if commercial_model == PaymentMilestone.CommercialModel.TIME_AND_MATERIALS and any(
            c.kind not in ("criterion", "kpi", "drill") for c in gate):
        raise DomainError("A time-and-materials month's gate is its OKRs: KPI thresholds, "
                          "acceptance criteria or incident drills.", rule="tm_okrs_only",
                          field="conditions")


# Which object each condition kind points at, and its path to the engagement.
GATE_TARGETS = {"criterion": (AcceptanceCriterion, "milestone__engagement"),
                "milestone": (Milestone, "engagement"),
                "deliverable": (KnowledgeTransferDeliverable, "milestone__engagement")}


# --- Schedule ----------------------------------------------------------------------------

@transaction.atomic
def payment_create(*, actor, engagement, label, amount, due_date, conditions,
                   commercial_model=PaymentMilestone.CommercialModel.FIXED_FEE):
    require(actor, "payments.schedule_payment", engagement)
    engagement = lock(engagement)
    if not label.strip():
        raise DomainError("Give the payment a label.", rule="invalid_field", field="label")
    _check_amount(amount)
    _check_model(commercial_model)
    _check_due(engagement, due_date)
    if commercial_model == PaymentMilestone.CommercialModel.FIXED_FEE:
        _check_total(engagement, amount)
    gate = _conditions(engagement, conditions)
    _check_okrs(commercial_model, gate)
    last = PaymentMilestone.objects.filter(engagement=engagement).aggregate(
        m=Max("position"))["m"] or 0
    payment = create_clean(
        PaymentMilestone,
        engagement=engagement, position=last + 1, label=label.strip(), amount=amount,
        due_date=due_date, commercial_model=commercial_model, updated_by=actor)
    for c in gate:
        c.payment = payment
    GateCondition.objects.bulk_create(gate)
    audit_record(engagement=engagement, actor=actor, verb="payment.scheduled", obj=payment,
                 after={"label": payment.label, "amount": amount, "due_date": due_date,
                        "conditions": len(gate)})
    enqueue_evaluation(engagement.pk)
    return payment


@transaction.atomic
def payment_update(*, actor, payment, data, conditions=None, expected_version=None):
    """Change a payment that is not yet approved. Conditions, when given, replace the gate."""
    require(actor, "payments.schedule_payment", payment)
    locked = lock(payment)
    check_version(locked, expected_version, EDITABLE, noun="payment")
    if locked.status not in (PS.SCHEDULED, PS.ELIGIBLE, PS.OVERDUE):
        raise RuleViolation(f"A {locked.get_status_display().lower()} payment can no longer be "
                            "changed.", rule="payment_settled")
    unknown = set(data) - EDITABLE
    if unknown:
        raise DomainError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.",
                          rule="read_only_field", field=sorted(unknown)[0])
    engagement = locked.engagement
    changed = {f: v for f, v in data.items() if getattr(locked, f) != v}
    if "amount" in changed:
        _check_amount(changed["amount"])
    if "due_date" in changed:
        _check_due(engagement, changed["due_date"])
    if "commercial_model" in changed:
        _check_model(changed["commercial_model"])
    new_model = changed.get("commercial_model", locked.commercial_model)
    if new_model == PaymentMilestone.CommercialModel.FIXED_FEE:
        was_fixed = locked.commercial_model == PaymentMilestone.CommercialModel.FIXED_FEE
        _check_total(engagement, changed.get("amount", locked.amount), exclude_pk=locked.pk,
                     previous=locked.amount if was_fixed else Decimal("0"))
    before = {f: getattr(locked, f) for f in changed}
    for f, v in changed.items():
        setattr(locked, f, v)
    if conditions is not None:
        gate = _conditions(engagement, conditions)
        _check_okrs(new_model, gate)
        locked.conditions.all().delete()
        for c in gate:
            c.payment = locked
        GateCondition.objects.bulk_create(gate)
        changed["conditions"] = len(gate)
    if conditions is None and "commercial_model" in changed:
        _check_okrs(new_model, list(locked.conditions.all()))
    if not changed:
        return locked
    locked.version += 1
    locked.updated_by = actor
    full_clean(locked)
    locked.save()
    audit_record(engagement=engagement, actor=actor, verb="payment.updated", obj=locked,
                 before=before, after=changed)
    open_release = ApprovalRequest.objects.filter(
        kind=ApprovalRequest.Kind.PAYMENT_RELEASE, status=ApprovalRequest.Status.OPEN,
        subject_type=PAYMENT_SUBJECT, subject_id=str(locked.pk)).first()
    if open_release:
        # The keys were turned for the old amount or gate: they no longer count.
        approval_reset(actor=actor, request=open_release, reason="Keys reset: the payment was "
                                                                 "changed while under review.")
    enqueue_evaluation(engagement.pk)
    return locked


def fixed_fee_problems(engagement):
    """Must-rule for activation: a fixed-fee schedule sums exactly to the contract value."""
    payments = PaymentMilestone.objects.filter(engagement=engagement)
    if not payments.exists() and engagement.contract_value:
        return [f"There is no payment schedule yet: schedule payments gated on capability that "
                f"add up to the contract value ({engagement.contract_value:,.2f} "
                f"{engagement.currency}) before the engagement goes active."]
    total = payments.filter(commercial_model=PaymentMilestone.CommercialModel.FIXED_FEE).aggregate(
        s=Sum("amount"))["s"]
    if total is None or total == engagement.contract_value:
        return []
    return [f"The fixed-fee payment schedule totals {total:,.2f} {engagement.currency}, not the "
            f"contract value of {engagement.contract_value:,.2f}."]


# --- Gate tracker ------------------------------------------------------------------------

EVALUATE_GATES = "payments.evaluate_gates"


def enqueue_evaluation(engagement_id):
    """Ask for the engagement's gates to be evaluated, through the outbox (in the caller's
    transaction, so the evaluation is asked for exactly when the change commits)."""
    outbox_enqueue(kind=EVALUATE_GATES, payload={"engagement_id": engagement_id})


def evaluate_from_outbox(payload):
    return len(payments_evaluate(engagement_ids=[payload["engagement_id"]]))


def _payments_url(engagement_id):
    return reverse("payments:schedule", kwargs={"pk": engagement_id})


def settlement_problems(engagement):
    """Must-rule for closing: every payment is paid (money approved after the end is still
    settled after close, but an engagement does not close with money in the air)."""
    unpaid = PaymentMilestone.objects.filter(engagement=engagement).exclude(
        status__in=[PS.PAID, PS.CANCELLED])
    count = unpaid.count()
    if not count:
        return []
    return [f"{count} payment{'s are' if count != 1 else ' is'} neither paid nor written off "
            "with a reason."]


@transaction.atomic
def payment_write_off(*, actor, payment, reason):
    """Money that will not be paid (its gate will never be met, the scope changed): written
    off with a reason, audited; an open release request for it is cancelled."""
    require(actor, "payments.write_off", payment)
    if not reason.strip():
        raise DomainError("Say why this payment is written off.", rule="invalid_field",
                          field="reason")
    locked = lock(payment)
    if locked.status not in (PS.SCHEDULED, PS.OVERDUE, PS.ELIGIBLE):
        raise RuleViolation(f"A {locked.get_status_display().lower()} payment cannot be written "
                            "off.", rule="status_flow")
    open_release = ApprovalRequest.objects.filter(
        kind=ApprovalRequest.Kind.PAYMENT_RELEASE, status=ApprovalRequest.Status.OPEN,
        subject_type=PAYMENT_SUBJECT, subject_id=str(locked.pk)).first()
    if open_release:
        approval_cancel(actor=actor, request=open_release, reason="The payment was written off.")
    return transition(locked, table=PAYMENT_TRANSITIONS, to=PS.CANCELLED, actor=actor,
                      verb="payment.written_off", engagement=locked.engagement, noun="payment",
                      extra={"written_off_reason": reason.strip(), "updated_by": actor,
                             "updated_at": timezone.now()},
                      reason=reason.strip())


def payments_check_gates(*, actor, engagement):
    """Someone asks for the gates to be checked now (the page's button and the API): the same
    set-based evaluation as the tracker, scoped to the engagement. Returns the applied moves."""
    require(actor, "payments.check_gates", engagement)
    return payments_evaluate(engagement_ids=[engagement.pk], actor=actor)


def _reason(move):
    if move.gate_met:
        return "The gate is met: every condition holds."
    if move.before == PS.ELIGIBLE:
        return "The gate is no longer met."
    if move.after == PS.OVERDUE:
        return "The due date passed with the gate unmet."
    return "The due date moved."


def payments_evaluate(*, engagement_ids=None, today=None, actor=None):
    """Evaluate gates (one query) and apply the resulting moves in bulk, exactly once.

    1. compute the moves; 2. lock the engagements (in id order) and the payments concerned;
    3. apply them through `transition_many`: one conditional UPDATE per move kind claims the
    rows still in the status the move starts from (a concurrent evaluator may have applied
    some), bumps their `version` and appends their audit events in bulk; 4. cancel open
    release requests of payments whose gate became unmet; 5. notify in bulk. Returns the
    applied moves.
    """
    moves = evaluate(engagement_ids=engagement_ids, today=today)
    if not moves:
        return []
    with transaction.atomic():
        engagement_ids = sorted({m.engagement_id for m in moves})
        engagements = {e.pk: e for e in Engagement.objects.select_for_update()
                       .filter(pk__in=engagement_ids).order_by("pk")}
        current = {p.pk: p for p in PaymentMilestone.objects.select_for_update()
                   .filter(pk__in=[m.payment_id for m in moves]).order_by("pk")}
        stale = {m.payment_id for m in moves if current[m.payment_id].status != m.before}
        now = timezone.now()
        done = {row[0] for row in transition_many(
            PaymentMilestone,
            [(m.payment_id, m.engagement_id, m.before, m.after, _reason(m)) for m in moves
             if m.payment_id not in stale],
            table=PAYMENT_TRANSITIONS, verb="payment.status_changed", engagements=engagements,
            actor=actor,
            extra_for={PS.ELIGIBLE: {"gate_met_at": now}, PS.SCHEDULED: {"gate_met_at": None},
                       PS.OVERDUE: {"gate_met_at": None}})}
        applied = [m for m in moves if m.payment_id in done]
        unmet = [m for m in applied if m.before == PS.ELIGIBLE]
        if unmet:
            requests = list(ApprovalRequest.objects.select_for_update().filter(
                kind=ApprovalRequest.Kind.PAYMENT_RELEASE, status=ApprovalRequest.Status.OPEN,
                subject_type=PAYMENT_SUBJECT,
                subject_id__in=[str(m.payment_id) for m in unmet]))
            ApprovalRequest.objects.filter(pk__in=[r.pk for r in requests]).update(
                status=ApprovalRequest.Status.CANCELLED, closed_at=now,
                closed_reason="The payment's gate is no longer met.")
            audit_record_many([{"engagement": engagements[r.engagement_id], "actor": None,
                                "verb": "approval.cancelled", "obj": r,
                                "before": {"status": "open"}, "after": {"status": "cancelled"},
                                "reason": "The payment's gate is no longer met."}
                               for r in requests])
        noteworthy = [m for m in applied if m.after in (PS.ELIGIBLE, PS.OVERDUE)]
        if noteworthy:
            stewards = watchers_for({m.engagement_id for m in noteworthy})
            notify_many([
                (engagements[m.engagement_id], stewards[m.engagement_id],
                 f"{engagements[m.engagement_id].title}: payment “{current[m.payment_id].label}” "
                 + ("is eligible for release." if m.after == PS.ELIGIBLE else
                    "is overdue: its gate is not met."),
                 _payments_url(m.engagement_id))
                for m in noteworthy])
    return applied


# --- Release and settlement --------------------------------------------------------------

@transaction.atomic
def payment_request_release(*, actor, payment):
    """Open the two-key release of an eligible payment."""
    require(actor, "payments.request_release", payment)
    locked = lock(payment)
    if locked.status != PS.ELIGIBLE:
        raise RuleViolation(f"Only an eligible payment can be released; this one is "
                            f"{locked.get_status_display().lower()}.", rule="payment_not_eligible")
    return approval_request_open(
        actor=actor, engagement=locked.engagement, kind=ApprovalRequest.Kind.PAYMENT_RELEASE,
        subject=locked, summary=f"Release payment “{locked.label}” "
                                f"({locked.amount:,.2f} {locked.engagement.currency})",
        url=_payments_url(locked.engagement_id) + f"#p-{locked.pk}")


def _payment_of(request):
    payment = PaymentMilestone.objects.select_related("engagement").get(pk=request.subject_id)
    return lock(payment)


def _check_release(*, request):
    payment = _payment_of(request)
    if payment.status != PS.ELIGIBLE or not gate_is_met(payment.pk):
        raise RuleViolation("The payment is no longer eligible: its gate is not met now.",
                            rule="payment_not_eligible")


def _released(*, request, actor):
    payment = _payment_of(request)
    transition(payment, table=PAYMENT_TRANSITIONS, to=PS.APPROVED, actor=actor,
               verb="payment.status_changed", engagement=payment.engagement, noun="payment",
               reason="Two keys turned.")
    _tell_both_sides(payment, "is approved for release: the vendor can invoice it")


def payment_watchers(engagement):
    return watchers_for({engagement.pk})[engagement.pk]


def watchers_for(engagement_ids):
    """Who hears of money moving, per engagement (three queries whatever their number): the
    client's program managers and leadership, the vendor's program managers and its lead
    consultant on the engagement."""
    from django.contrib.auth import get_user_model

    from engagement.models import Role, StaffingAssignment

    out = {pk: dict() for pk in engagement_ids}
    for pk, users in engagement_stewards(set(engagement_ids)).items():
        out[pk].update({u.pk: u for u in users})
    vendors = dict(Engagement.objects.filter(pk__in=list(engagement_ids)).values_list(
        "pk", "vendor_id"))
    by_org = {}
    for u in get_user_model().objects.filter(organisation_id__in=set(vendors.values()),
                                             role=Role.PROGRAM_MANAGER, is_active=True):
        by_org.setdefault(u.organisation_id, []).append(u)
    for pk, org in vendors.items():
        out[pk].update({u.pk: u for u in by_org.get(org, [])})
    for a in StaffingAssignment.objects.filter(
            engagement_id__in=list(engagement_ids), staffing_role="lead_consultant",
            user__isnull=False, user__is_active=True, left_on__isnull=True).select_related(
            "user"):
        out[a.engagement_id][a.user_id] = a.user
    return {pk: list(users.values()) for pk, users in out.items()}


def _tell_both_sides(payment, what):
    engagement = payment.engagement
    notify_many([(engagement, payment_watchers(engagement),
                  f"{engagement.title}: payment “{payment.label}” ({payment.amount:,.2f} "
                  f"{engagement.currency}) {what}.",
                  _payments_url(engagement.pk) + f"#p-{payment.pk}")])


def _release_rejected(*, request, actor, reason):
    payment = _payment_of(request)
    audit_record(engagement=payment.engagement, actor=actor, verb="payment.release_rejected",
                 obj=payment, after={"status": payment.status}, reason=reason)


register_approval_handler(ApprovalRequest.Kind.PAYMENT_RELEASE, ApprovalHandler(
    on_approved=_released, on_rejected=_release_rejected, check=_check_release,
    internal_only=True))


# --- Time and materials: a month's OKRs waived by two client-side keys -----------------------

TM = PaymentMilestone.CommercialModel.TIME_AND_MATERIALS
OKR_KINDS = ("criterion", "kpi")


@transaction.atomic
def payment_request_waiver(*, actor, payment, reason):
    """Ask two client-side keys to waive a time-and-materials month whose OKRs are not met.
    Once they agree the month counts as met (then it is released as any other payment)."""
    require(actor, "payments.request_waiver", payment)
    locked = lock(payment)
    if locked.commercial_model != TM:
        raise RuleViolation("Only a time-and-materials month's OKRs can be waived; a fixed-fee "
                            "gate is met or changed through a contract change.",
                            rule="waiver_fixed_fee")
    if locked.status not in (PS.SCHEDULED, PS.OVERDUE) or locked.okr_waived_at:
        raise RuleViolation("Only a month whose OKRs are still open can be waived.",
                            rule="waiver_not_open")
    if gate_is_met(locked.pk):
        raise RuleViolation("This month's OKRs are met: nothing to waive.", rule="waiver_not_open")
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise DomainError("Say why the OKRs are waived (at least a sentence).",
                          rule="invalid_field", field="reason")
    PaymentMilestone.objects.filter(pk=locked.pk).update(okr_waiver_reason=reason)
    return approval_request_open(
        actor=actor, engagement=locked.engagement, kind=ApprovalRequest.Kind.OKR_WAIVER,
        subject=locked, summary=f"Waive the OKRs of “{locked.label}”: {reason}",
        url=_payments_url(locked.engagement_id) + f"#p-{locked.pk}")


def _check_waiver(*, request):
    payment = _payment_of(request)
    if payment.status not in (PS.SCHEDULED, PS.OVERDUE):
        raise RuleViolation("The month is no longer open: nothing to waive.",
                            rule="waiver_not_open")


def _waived(*, request, actor):
    payment = _payment_of(request)
    now = timezone.now()
    PaymentMilestone.objects.filter(pk=payment.pk).update(okr_waived_at=now, updated_at=now,
                                                          version=payment.version + 1)
    audit_record(engagement=payment.engagement, actor=actor, verb="payment.okrs_waived",
                 obj=payment, after={"waived_at": now}, reason=payment.okr_waiver_reason)
    enqueue_evaluation(payment.engagement_id)


def _waiver_rejected(*, request, actor, reason):
    payment = _payment_of(request)
    PaymentMilestone.objects.filter(pk=payment.pk).update(okr_waiver_reason="")
    audit_record(engagement=payment.engagement, actor=actor, verb="payment.waiver_rejected",
                 obj=payment, reason=reason)


register_approval_handler(ApprovalRequest.Kind.OKR_WAIVER, ApprovalHandler(
    on_approved=_waived, on_rejected=_waiver_rejected, check=_check_waiver,
    internal_only=True))


@transaction.atomic
def payment_mark_invoiced(*, actor, payment, invoice_reference):
    require(actor, "payments.mark_invoiced", payment)
    if not invoice_reference.strip():
        raise DomainError("Give the invoice reference.", rule="invalid_field",
                          field="invoice_reference")
    locked = lock(payment)
    if locked.status != PS.APPROVED:
        raise RuleViolation("Only an approved payment can be invoiced.", rule="status_flow")
    reference = invoice_reference.strip()
    moved = transition(locked, table=PAYMENT_TRANSITIONS, to=PS.INVOICED, actor=actor,
                       verb="payment.status_changed", engagement=locked.engagement,
                       noun="payment", extra={"invoice_reference": reference,
                                              "updated_at": timezone.now(),
                                              "updated_by": actor},
                       audit_after={"invoice_reference": reference})
    _tell_both_sides(locked, f"is invoiced ({reference})")
    return moved


@transaction.atomic
def payment_mark_paid(*, actor, payment, paid_on):
    require(actor, "payments.mark_paid", payment)
    locked = lock(payment)
    if locked.status != PS.INVOICED:
        raise RuleViolation("Only an invoiced payment can be marked paid.", rule="status_flow")
    if paid_on > timezone.localdate():
        raise DomainError("The payment date cannot be in the future.", rule="invalid_field",
                          field="paid_on")
    moved = transition(locked, table=PAYMENT_TRANSITIONS, to=PS.PAID, actor=actor,
                       verb="payment.status_changed", engagement=locked.engagement,
                       noun="payment", extra={"paid_on": paid_on, "updated_at": timezone.now(),
                                              "updated_by": actor},
                       audit_after={"paid_on": paid_on})
    _tell_both_sides(locked, f"is paid ({paid_on:%-d %b %Y})")
    return moved


def schedule_totals(payments, contract_value):
    totals = {s: Decimal("0") for s in PS.values}
    for p in payments:
        totals[p.status] += p.amount
    fixed = sum((p.amount for p in payments
                 if p.commercial_model == PaymentMilestone.CommercialModel.FIXED_FEE),
                Decimal("0"))
    return {"by_status": totals, "scheduled_total": fixed,
            "difference": contract_value - fixed,
            "released": totals[PS.APPROVED] + totals[PS.INVOICED] + totals[PS.PAID]}

