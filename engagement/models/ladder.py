import datetime as dt

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q

from common.text import CleanTextMixin

from ..querysets import CriterionQuerySet, MilestoneQuerySet, scoped_by
from .core import Engagement, Side, StaffingRole


class OwnershipMode(models.TextChoices):
    """Who holds the keyboard, from vendor to client. The order is the direction of travel."""

    VENDOR_LEADS = "vendor_leads", "Vendor leads"
    INTERNAL_PAIRS = "internal_pairs", "Internal team pairs"
    INTERNAL_LEADS = "internal_leads", "Internal team leads"
    INTERNAL_RUNS = "internal_runs", "Internal team runs"


OWNERSHIP_ORDER = {mode.value: i for i, mode in enumerate(OwnershipMode)}
INTERNALLY_RUN = {OwnershipMode.INTERNAL_LEADS, OwnershipMode.INTERNAL_RUNS}


class Milestone(CleanTextMixin, models.Model):
    class Stream(models.TextChoices):
        NONE = "", "Single stream"
        DELIVERY = "delivery", "Delivery"
        ENABLEMENT = "enablement", "Enablement"

    class Kind(models.TextChoices):
        DISCOVERY = "discovery", "Discovery and baseline"
        PIPELINE = "pipeline", "Pipeline skeleton"
        EVALUATION = "evaluation", "Evaluation hardening"
        DEPLOYMENT = "deployment", "Deployment path"
        REHEARSAL_RETRAIN = "rehearsal_retrain", "Rehearsal retrain"
        GO_LIVE = "go_live", "Go-live and operations"
        ENABLEMENT = "enablement", "Enablement"
        TRANSITION = "transition", "Transition and handoff"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        SUBMITTED = "submitted", "Submitted"
        ACCEPTED = "accepted", "Accepted"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="milestones")
    position = models.PositiveIntegerField()
    stream = models.CharField(max_length=12, choices=Stream.choices, blank=True, default="")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    ownership_mode = models.CharField(max_length=16, choices=OwnershipMode.choices)
    is_transition = models.BooleanField(
        "transition milestone", default=False,
        help_text="A documented handoff, final teach-back or shrinking support.",
    )
    start_week = models.PositiveSmallIntegerField()
    end_week = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    accepted_at = models.DateTimeField(null=True, blank=True)
    # Set when the program managers were told it is past its end week: they hear it once.
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        ordering = ["engagement_id", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(start_week__gte=1), name="milestone_starts_week_1_on"),
            models.CheckConstraint(condition=Q(end_week__gte=F("start_week")),
                                   name="milestone_ends_after_start"),
        ]

    def __str__(self):
        return self.title

    @property
    def start_date(self):
        return self.engagement.start_date + dt.timedelta(weeks=self.start_week - 1)

    @property
    def due_date(self):
        return self.engagement.start_date + dt.timedelta(weeks=self.end_week, days=-1)

    # "This week" covers the current week and the next two.
    WEEKS_AHEAD = 2

    def is_current(self, today):
        """Open work of the current and next two weeks, overdue work included: the week's
        update. Accepted milestones and those starting later are shown collapsed."""
        return (self.status != self.Status.ACCEPTED
                and self.start_week <= self.engagement.week_of(today) + self.WEEKS_AHEAD)

    @property
    def internally_run(self):
        return self.ownership_mode in INTERNALLY_RUN


class AcceptanceCriterion(CleanTextMixin, models.Model):
    class Method(models.TextChoices):
        RUNBOOK_RUN = "runbook_run", "Runbook run"
        TEACH_BACK = "teach_back", "Teach-back"
        CI_LOG = "ci_log", "CI log"
        INCIDENT_DRILL = "incident_drill", "Incident drill"
        DOCUMENT_REVIEW = "document_review", "Document review"
        METRIC_THRESHOLD = "metric_threshold", "Metric threshold"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        MET = "met", "Met"
        NOT_MET = "not_met", "Not met"

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveIntegerField(default=0)
    statement = models.TextField()
    method = models.CharField(max_length=20, choices=Method.choices)
    performer = models.CharField(max_length=10, choices=Side.choices, default=Side.INTERNAL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    objects = CriterionQuerySet.as_manager()

    class Meta:
        ordering = ["milestone_id", "position", "id"]
        verbose_name_plural = "acceptance criteria"
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | Q(verified_at__isnull=False),
                name="criterion_verified_when_decided",
            )
        ]

    def __str__(self):
        return self.statement[:80]


def evidence_upload_to(instance, filename):
    criterion = instance.criterion
    return (f"evidence/engagement-{criterion.milestone.engagement_id}/"
            f"criterion-{criterion.pk}/{filename}")


class Evidence(CleanTextMixin, models.Model):
    class Kind(models.TextChoices):
        LINK = "link", "Link"
        FILE = "file", "File"
        NOTE = "note", "Note"
        CHANGE = "change", "Approved production change"

    criterion = models.ForeignKey(AcceptanceCriterion, on_delete=models.CASCADE,
                                  related_name="evidence")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # "Releases go through two keys" is proven by a change request that two keys approved.
    change_request = models.ForeignKey("engagement.ChangeRequest", on_delete=models.PROTECT,
                                       null=True, blank=True, related_name="+")
    url = models.URLField(blank=True, max_length=500)
    file = models.FileField(upload_to=evidence_upload_to, blank=True, max_length=300)
    original_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_by("criterion__milestone__engagement")

    class Meta:
        ordering = ["criterion_id", "added_at", "id"]
        verbose_name_plural = "evidence"

    def __str__(self):
        if self.change_request_id:
            return f"Approved change: {self.change_request.summary}"[:200]
        return self.original_name or self.url or self.note[:60]


# A number per period: "weekly", "twice a week", "2 per month", optionally ", 1 hour".
CADENCE = (r"^(?i:(daily|weekly|fortnightly|biweekly|monthly|quarterly)|"
           r"((\d+|once|twice|three times)( times)? (a|per|every) "
           r"(day|week|fortnight|month|quarter|sprint)))(, .*)?$")


class KnowledgeTransferDeliverable(CleanTextMixin, models.Model):
    class Kind(models.TextChoices):
        RUNBOOK = "runbook", "Runbook"
        WALKTHROUGH = "walkthrough", "Recorded walkthrough"
        OFFICE_HOURS = "office_hours", "Office hours"
        PAIRING = "pairing", "Code-review pairing"
        TEACH_BACK = "teach_back", "Teach-back demo"
        COMPETENCY_CHECK = "competency_check", "Competency check"

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="deliverables")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    count = models.PositiveSmallIntegerField(null=True, blank=True)
    cadence = models.CharField(
        max_length=60, blank=True, validators=[RegexValidator(
            CADENCE, "Give the cadence as a number per period (“weekly”, “twice a week”, "
                     "“2 per month, 1 hour”), not “as needed”.")])
    owner_role = models.CharField(max_length=30, choices=StaffingRole.choices)
    acceptance = models.TextField()
    description = models.TextField(blank=True, help_text="What is transferred, in a sentence "
                                                         "or two.")
    hours = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True,
                                help_text="Hours of knowledge transfer it stands for.")
    participants = models.CharField(max_length=300, blank=True,
                                    help_text="Who takes part (roles or names).")
    delivered = models.PositiveSmallIntegerField(default=0)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    waived_reason = models.TextField(blank=True)

    objects = scoped_by("milestone__engagement")

    class Meta:
        ordering = ["milestone_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(count__isnull=False) | ~Q(cadence=""),
                name="deliverable_has_count_or_cadence",
                violation_error_message="Knowledge transfer is paid work: give a count or a "
                                        "cadence.",
            ),
        ]

    def __str__(self):
        return self.title


class KnowledgeTransferSession(CleanTextMixin, models.Model):
    """One session held for a knowledge-transfer deliverable: when, how long, who came, and
    where its materials are."""

    deliverable = models.ForeignKey(KnowledgeTransferDeliverable, on_delete=models.CASCADE,
                                    related_name="sessions")
    held_on = models.DateField()
    duration_minutes = models.PositiveSmallIntegerField()
    attendees = models.CharField(max_length=500)
    materials_url = models.URLField(max_length=500, blank=True)
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    logged_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_by("deliverable__milestone__engagement")

    class Meta:
        ordering = ["deliverable_id", "held_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(duration_minutes__gt=0),
                                              name="session_has_a_duration")]

    def __str__(self):
        return f"{self.deliverable} on {self.held_on}"
