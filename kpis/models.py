from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

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
        MONITORING = "monitoring", "Monitoring"
        PIPELINE = "pipeline", "Pipeline (API)"
        MANUAL = "manual", "Manual entry"

    class Cadence(models.TextChoices):
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="kpis")
    layer = models.CharField(max_length=12, choices=Layer.choices)
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=40, blank=True)
    direction = models.CharField(max_length=6, choices=Direction.choices, default=Direction.UP)
    baseline = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    target = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True,
                                 help_text="Where the KPI should be by the target date (up or "
                                           "down). A range KPI uses its bounds instead.")
    lower = models.DecimalField("lower bound", max_digits=14, decimal_places=4, null=True,
                                blank=True)
    upper = models.DecimalField("upper bound", max_digits=14, decimal_places=4, null=True,
                                blank=True)
    target_date = models.DateField()
    cadence = models.CharField(max_length=8, choices=Cadence.choices, default=Cadence.WEEKLY,
                               help_text="How often a value is expected; none within two "
                                         "cadences makes the KPI stale.")
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.MANUAL)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+",
                              help_text="Who makes sure values arrive.")
    how_to_measure = models.TextField(blank=True)
    catalogue_key = models.CharField(max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")

    objects = scoped_by("engagement")

    class Meta:
        ordering = ["layer", "target_date", "name"]
        verbose_name = "KPI"
        constraints = [
            models.CheckConstraint(
                condition=Q(layer__in=["business", "system", "capability"]), name="kpi_layer_valid"
            ),
            models.CheckConstraint(
                condition=(Q(direction="range", lower__isnull=False, upper__isnull=False,
                             lower__lt=F("upper"))
                           | (~Q(direction="range") & Q(target__isnull=False))),
                name="kpi_target_or_range",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.layer})"

    def clean(self):
        super().clean()
        if self.direction == self.Direction.RANGE:
            if self.lower is None or self.upper is None:
                raise ValidationError({"lower": "A range KPI needs a lower and an upper bound."})
            if self.lower >= self.upper:
                raise ValidationError({"upper": "The upper bound must be above the lower one."})
        elif self.target is None:
            raise ValidationError({"target": "Give the target value."})

    @property
    def goal_text(self):
        """The goal in words: "≥ 70", "≤ 4", "between 0.9 and 1.1"."""
        if self.direction == self.Direction.RANGE:
            return f"between {_num(self.lower)} and {_num(self.upper)}"
        return f"{'≥' if self.direction == self.Direction.UP else '≤'} {_num(self.target)}"


def _num(value):
    return "—" if value is None else f"{value.normalize():f}"


class KPIWaypoint(models.Model):
    """A value the KPI should have reached by a date on the way to its target (for example
    30% of merged changes by the internal team mid-engagement, 70% by the end)."""

    kpi = models.ForeignKey(KPI, on_delete=models.CASCADE, related_name="waypoints")
    date = models.DateField()
    value = models.DecimalField(max_digits=14, decimal_places=4)

    objects = scoped_by("kpi__engagement")

    class Meta:
        ordering = ["kpi_id", "date"]
        constraints = [models.UniqueConstraint(fields=["kpi", "date"],
                                               name="kpi_waypoint_one_per_date")]

    def __str__(self):
        return f"{self.kpi}: {self.value} by {self.date}"


class Measurement(CleanTextMixin, models.Model):
    """One value of a KPI on a date. (KPI, date, source) is unique, so a pipeline that posts
    the same value twice records it once."""

    kpi = models.ForeignKey(KPI, on_delete=models.CASCADE, related_name="measurements")
    date = models.DateField()
    value = models.DecimalField(max_digits=14, decimal_places=4)
    source = models.CharField(max_length=60, default="manual",
                              help_text="Where the value came from: manual, csv, git, ci, or a "
                                        "pipeline's name.")
    note = models.CharField(max_length=500, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_by("kpi__engagement")

    class Meta:
        ordering = ["kpi_id", "date", "id"]
        constraints = [models.UniqueConstraint(fields=["kpi", "date", "source"],
                                               name="measurement_one_per_kpi_date_source")]
        indexes = [models.Index(fields=["kpi", "-date"])]

    def __str__(self):
        return f"{self.kpi.name} = {self.value} on {self.date}"
