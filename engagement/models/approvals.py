from django.conf import settings
from django.db import models
from django.db.models import Q

from ..querysets import ApprovalRequestQuerySet, scoped_by
from .core import Engagement, Side


class ApprovalRequest(models.Model):
    """A two-key decision about one object (a milestone, a SOW version, a payment…)."""

    class Kind(models.TextChoices):
        MILESTONE_ACCEPTANCE = "milestone_acceptance", "Accept milestone"
        SOW_VERSION = "sow_version", "Approve SOW version"
        PAYMENT_RELEASE = "payment_release", "Release payment"
        OKR_WAIVER = "okr_waiver", "Waive a month's OKRs"
        PRODUCTION_CHANGE = "production_change", "Production-affecting change"

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for approvals"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        CANCELLED = "cancelled", "Cancelled"

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE,
                                   related_name="approval_requests")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    subject_type = models.CharField(max_length=80)
    subject_id = models.CharField(max_length=64)
    summary = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True, help_text="Where the subject is shown.")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # Bumped when the subject changes after the request opened: earlier keys stop counting.
    round = models.PositiveIntegerField(default=1)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.TextField(blank=True)

    objects = ApprovalRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject_type", "subject_id"],
                                    condition=Q(status="open"), name="approval_one_open_per_subject"),
        ]

    def __str__(self):
        return self.summary

    def current_keys(self, approvals):
        """The keys that count now: this round's, not voided."""
        return [a for a in approvals if a.round == self.round and a.voided_at is None]


class Approval(models.Model):
    """One key: a user's decision in one round of a request."""

    class Decision(models.TextChoices):
        APPROVE = "approve", "Approved"
        REJECT = "reject", "Rejected"

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="approvals")
    round = models.PositiveIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=10, choices=Side.choices)
    decision = models.CharField(max_length=8, choices=Decision.choices)
    reason = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)
    # A key whose holder has since lost the right to turn it (deactivated, moved to another
    # organisation, another role) stops counting; when and why is kept.
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_reason = models.TextField(blank=True)

    objects = scoped_by("request__engagement")

    class Meta:
        ordering = ["request_id", "round", "at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "round", "user"],
                                    name="approval_one_key_per_user_per_round"),
        ]

    def __str__(self):
        return f"{self.user} {self.decision}"
