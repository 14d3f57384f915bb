from django.conf import settings
from django.db import models

from common.text import CleanTextMixin

from ..querysets import scoped_by
from .core import Engagement


class ChangeRequest(CleanTextMixin, models.Model):
    """A change that reaches production (a model release, a prompt or configuration change, a
    rollback), decided with two keys before it ships."""

    class Kind(models.TextChoices):
        MODEL_RELEASE = "model_release", "Model release"
        PROMPT_CHANGE = "prompt_change", "Prompt change"
        CONFIGURATION_CHANGE = "configuration_change", "Configuration change"
        ROLLBACK = "rollback", "Rollback"

    class Risk(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for two keys"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT,
                                   related_name="change_requests")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    summary = models.CharField(max_length=300)
    ticket_url = models.URLField("change ticket", max_length=500)
    evaluation_url = models.URLField("evaluation run", max_length=500)
    risk = models.CharField(max_length=8, choices=Risk.choices, default=Risk.MEDIUM)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_by("engagement")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.summary}"
