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


# --- Competency and incident drills (issue: people can run it) -----------------------------

class Area(models.TextChoices):
    DATA_PIPELINE = "data_pipeline", "Data pipeline"
    TRAINING_RUNS = "training_runs", "Training runs"
    EVALUATION = "evaluation", "Evaluation"
    DEPLOYMENT = "deployment", "Deployment"
    MONITORING = "monitoring_incidents", "Monitoring and incidents"


class Level(models.TextChoices):
    BEGINNER = "beginner", "Beginner"
    INTERMEDIATE = "intermediate", "Intermediate"
    INDEPENDENT = "independent", "Independent"


LEVEL_RANK = {Level.BEGINNER: 1, Level.INTERMEDIATE: 2, Level.INDEPENDENT: 3}


class RubricCell(CleanTextMixin, models.Model):
    """An organisation's own wording of one cell of the competency rubric (area × level);
    cells it has not changed come from kpis/data/rubric.toml."""

    organisation = models.ForeignKey("engagement.Organisation", on_delete=models.CASCADE,
                                     related_name="+")
    area = models.CharField(max_length=24, choices=Area.choices)
    level = models.CharField(max_length=12, choices=Level.choices)
    description = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "area", "level"],
                                               name="rubric_cell_once_per_organisation")]

    def __str__(self):
        return f"{self.area}/{self.level}"


def assessment_upload_to(instance, filename):
    return f"evidence/engagement-{instance.engagement_id}/competency/{filename}"


class CompetencyAssessment(CleanTextMixin, models.Model):
    """One internal person's level in one area at one round, with its evidence."""

    class Round(models.TextChoices):
        START = "start", "Start"
        MID = "mid", "Mid-engagement"
        END = "end", "End"
        OTHER = "other", "Between rounds"

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE,
                                   related_name="assessments")
    person = models.ForeignKey("engagement.StaffingAssignment", on_delete=models.PROTECT,
                               related_name="assessments")
    area = models.CharField(max_length=24, choices=Area.choices)
    level = models.CharField(max_length=12, choices=Level.choices)
    round = models.CharField(max_length=6, choices=Round.choices, default=Round.OTHER)
    deliverable = models.ForeignKey("engagement.KnowledgeTransferDeliverable",
                                    on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+",
                                    help_text="The ladder's competency check it belongs to.")
    assessed_on = models.DateField()
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    note = models.TextField(blank=True)
    evidence_url = models.URLField(blank=True, max_length=500)
    evidence_file = models.FileField(upload_to=assessment_upload_to, blank=True, max_length=300)
    evidence_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_by("engagement")

    class Meta:
        ordering = ["engagement_id", "assessed_on", "id"]
        indexes = [models.Index(fields=["engagement", "person", "area", "assessed_on"])]

    def __str__(self):
        return f"{self.person_id} {self.area}: {self.level}"


def drill_upload_to(instance, filename):
    return f"evidence/engagement-{instance.engagement_id}/drills/{filename}"


class IncidentDrill(CleanTextMixin, models.Model):
    """A simulated incident the internal on-call team handles: planned, held, reviewed."""

    class Scenario(models.TextChoices):
        DRIFT_ALERT = "drift_alert", "Drift alert"
        BAD_RELEASE = "bad_release", "Bad release needing a rollback"
        PIPELINE_FAILURE = "pipeline_failure", "Data pipeline failure"
        UPSTREAM_OUTAGE = "upstream_outage", "Upstream outage"
        CUSTOM = "custom", "Custom"

    class VendorRole(models.TextChoices):
        SHADOWING = "shadowing", "Shadowing"
        NONE = "none", "Not present"
        PRIMARY = "primary", "Primary responder"

    class Review(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        COMPLETE = "complete", "Complete"
        NEEDS_WORK = "needs_work", "Needs work"

    class Result(models.TextChoices):
        PLANNED = "planned", "Planned"
        PASS = "pass", "Passed"
        FAIL = "fail", "Did not count"

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="drills")
    scenario = models.CharField(max_length=20, choices=Scenario.choices)
    scenario_detail = models.CharField(max_length=300, blank=True)
    planned_for = models.DateField()
    criterion = models.ForeignKey("engagement.AcceptanceCriterion", on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+",
                                  help_text="The incident-drill criterion it proves.")
    sla_detect_minutes = models.PositiveIntegerField(default=15)
    sla_restore_minutes = models.PositiveIntegerField(default=60)
    held_on = models.DateField(null=True, blank=True)
    detect_minutes = models.PositiveIntegerField(null=True, blank=True)
    restore_minutes = models.PositiveIntegerField(null=True, blank=True)
    primary_responder = models.ForeignKey("engagement.StaffingAssignment",
                                          on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="+")
    vendor_role = models.CharField(max_length=10, choices=VendorRole.choices,
                                   default=VendorRole.NONE)
    postmortem_url = models.URLField(blank=True, max_length=500)
    postmortem_file = models.FileField(upload_to=drill_upload_to, blank=True, max_length=300)
    postmortem_name = models.CharField(max_length=200, blank=True)
    review = models.CharField(max_length=10, choices=Review.choices, default=Review.PENDING)
    review_note = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=8, choices=Result.choices, default=Result.PLANNED)
    result_reason = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_by("engagement")

    class Meta:
        ordering = ["engagement_id", "planned_for", "id"]
        indexes = [models.Index(fields=["result", "planned_for"])]

    def __str__(self):
        return f"{self.get_scenario_display()} drill on {self.planned_for}"
