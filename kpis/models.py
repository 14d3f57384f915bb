from django.conf import settings
from django.db import models
from django.db.models import Q

from common.text import CleanTextMixin
from engagement.models import Engagement
from engagement.querysets import scoped_by


class KPI(CleanTextMixin, models.Model):
    """A capability outcome the engagement commits to, in one of three layers."""

    class Layer(models.TextChoices):
        BUSINESS = "business", "Business"
        SYSTEM = "system", "System"
        CAPABILITY = "capability", "Capability"

    class Direction(models.TextChoices):
        UP = "up", "Higher is better"
        DOWN = "down", "Lower is better"
        RANGE = "range", "Stay within a range"

    class Source(models.TextChoices):
        CI_LOGS = "ci_logs", "CI logs"
        GIT_HISTORY = "git_history", "Git history"
        TICKETS = "tickets", "Tickets"
        MANUAL = "manual", "Manual entry"

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="kpis")
    layer = models.CharField(max_length=12, choices=Layer.choices)
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=40, blank=True)
    direction = models.CharField(max_length=6, choices=Direction.choices, default=Direction.UP)
    baseline = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    target = models.DecimalField(max_digits=14, decimal_places=4)
    target_date = models.DateField()
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.MANUAL)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = scoped_by("engagement")

    class Meta:
        ordering = ["layer", "target_date", "name"]
        verbose_name = "KPI"
        constraints = [
            models.CheckConstraint(
                condition=Q(layer__in=["business", "system", "capability"]), name="kpi_layer_valid"
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.layer})"
