"""Gated payment milestones: money that becomes releasable when capability is proven."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from common.text import CleanTextMixin
from engagement.models import Engagement
from engagement.querysets import scoped_by


class PaymentMilestone(CleanTextMixin, models.Model):
    """Money that becomes releasable only when its gate (capability proven) is met."""

    class CommercialModel(models.TextChoices):
        FIXED_FEE = "fixed_fee", "Fixed fee with gates"
        TIME_AND_MATERIALS = "time_and_materials", "Time and materials with capability OKRs"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        ELIGIBLE = "eligible", "Eligible"
        APPROVED = "approved", "Approved"
        INVOICED = "invoiced", "Invoiced"
        PAID = "paid", "Paid"
        OVERDUE = "overdue", "Overdue"
        CANCELLED = "cancelled", "Written off"

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="payments")
    position = models.PositiveIntegerField(default=0)
    label = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    due_date = models.DateField()
    commercial_model = models.CharField(max_length=20, choices=CommercialModel.choices,
                                        default=CommercialModel.FIXED_FEE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    invoice_reference = models.CharField(max_length=100, blank=True)
    written_off_reason = models.TextField(blank=True)
    paid_on = models.DateField(null=True, blank=True)
    gate_met_at = models.DateTimeField(null=True, blank=True)
    # Time and materials: a month whose OKRs were not met can still be released once two
    # client-side keys waive them, with a reason (kept here and in the audit chain).
    okr_waiver_reason = models.TextField(blank=True)
    okr_waived_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")

    objects = scoped_by("engagement")

    class Meta:
        ordering = ["engagement_id", "due_date", "position", "id"]
        indexes = [models.Index(fields=["status"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self):
        return self.label


class GateCondition(models.Model):
    """One condition of a payment's gate. Kinds plug into payments.gates without changing it."""

    class Kind(models.TextChoices):
        CRITERION = "criterion", "Acceptance criterion met"
        MILESTONE = "milestone", "Milestone accepted"
        DELIVERABLE = "deliverable", "Knowledge transfer accepted"
        # Kinds other apps plug in (payments.gates.register_condition_kind): they point at
        # their object by `ref_id`, and may carry a `threshold`.
        KPI = "kpi", "KPI at or past a threshold"
        DRILL = "drill", "Incident drill passed"

    payment = models.ForeignKey(PaymentMilestone, on_delete=models.CASCADE,
                                related_name="conditions")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    criterion = models.ForeignKey("engagement.AcceptanceCriterion", on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+")
    deliverable = models.ForeignKey("engagement.KnowledgeTransferDeliverable",
                                    on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    milestone = models.ForeignKey("engagement.Milestone", on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="+")
    ref_id = models.PositiveBigIntegerField(null=True, blank=True,
                                            help_text="The object of a plugged-in kind.")
    threshold = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)

    objects = scoped_by("payment__engagement")

    class Meta:
        ordering = ["payment_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="criterion", criterion__isnull=False, milestone__isnull=True,
                             deliverable__isnull=True, ref_id__isnull=True)
                           | Q(kind="milestone", milestone__isnull=False, criterion__isnull=True,
                               deliverable__isnull=True, ref_id__isnull=True)
                           | Q(kind="deliverable", deliverable__isnull=False,
                               criterion__isnull=True, milestone__isnull=True,
                               ref_id__isnull=True)
                           | (~Q(kind__in=["criterion", "milestone", "deliverable"])
                              & Q(ref_id__isnull=False, criterion__isnull=True,
                                  milestone__isnull=True, deliverable__isnull=True))),
                name="gate_condition_points_at_its_kind_or_ref",
            ),
        ]

    def __str__(self):
        target = self.criterion or self.milestone or self.deliverable or self.ref_id
        return f"{self.get_kind_display()}: {target}"

    def is_met(self):
        """Whether a core kind's condition holds (on prefetched rows; the tracker decides in
        SQL). Plugged-in kinds are answered in batches by `payments.gates.conditions_state`."""
        if self.kind == self.Kind.CRITERION:
            return self.criterion.status == "met"
        if self.kind == self.Kind.MILESTONE:
            return self.milestone.status == "accepted"
        return self.deliverable.accepted_at is not None

    def describe(self):
        if self.kind == self.Kind.CRITERION:
            return f"criterion “{self.criterion.statement}” met"
        if self.kind == self.Kind.MILESTONE:
            return f"milestone “{self.milestone.title}” accepted"
        return f"knowledge transfer “{self.deliverable.title}” accepted"
