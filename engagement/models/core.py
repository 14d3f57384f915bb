from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from common.text import CleanTextMixin

from ..querysets import AuditEventQuerySet, EngagementQuerySet, OrganisationQuerySet, scoped_by


class Organisation(CleanTextMixin, models.Model):
    class Kind(models.TextChoices):
        CLIENT = "client", "Client"
        VENDOR = "vendor", "Vendor"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["client", "vendor"]), name="organisation_kind_valid"
            )
        ]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    PROCUREMENT = "procurement", "Procurement"
    PROGRAM_MANAGER = "program_manager", "Program manager"
    LEADERSHIP = "leadership", "Leadership"
    VENDOR = "vendor", "Vendor staff"
    ADMIN = "admin", "Admin"


class Side(models.TextChoices):
    INTERNAL = "internal", "Internal (client)"
    VENDOR = "vendor", "Vendor"


class User(AbstractUser):
    """A person with a login. Belongs to one organisation and holds one role."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PROGRAM_MANAGER)

    class EmailPreference(models.TextChoices):
        IMMEDIATE = "immediate", "Each notification by e-mail, as it happens"
        DIGEST = "digest", "One e-mail a day with the day's notifications"
        OFF = "off", "No e-mail (notifications stay in the app)"

    email_preference = models.CharField(max_length=10, choices=EmailPreference.choices,
                                        default=EmailPreference.IMMEDIATE)

    class Meta:
        constraints = [
            # Only platform superusers may exist outside an organisation.
            models.CheckConstraint(
                condition=Q(organisation__isnull=False) | Q(is_superuser=True),
                name="user_has_organisation_unless_superuser",
            ),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]), name="user_role_valid"
            ),
        ]

    def clean(self):
        super().clean()
        if self.organisation_id is None and not self.is_superuser:
            raise ValidationError({"organisation": "Every user belongs to an organisation."})
        if (
            self.organisation_id
            and self.role == Role.VENDOR
            and self.organisation.kind != Organisation.Kind.VENDOR
        ):
            raise ValidationError({"role": "Vendor staff must belong to a vendor organisation."})

    def side_in(self, engagement):
        """The user's side for one engagement, or None when the user is not a party to it."""
        if self.organisation_id and self.organisation_id == engagement.client_id:
            return Side.INTERNAL
        if self.organisation_id and self.organisation_id == engagement.vendor_id:
            return Side.VENDOR
        return None


class Engagement(CleanTextMixin, models.Model):
    class Format(models.TextChoices):
        PROJECT = "project", "Project"
        RETAINER = "retainer", "Retainer"
        HYBRID = "hybrid", "Hybrid"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        TRANSITION = "transition", "Transition"
        CLOSED = "closed", "Closed"

    title = models.CharField(max_length=200)
    client = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="engagements_as_client"
    )
    vendor = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="engagements_as_vendor"
    )
    format = models.CharField(max_length=10, choices=Format.choices)
    use_case = models.TextField(blank=True)
    start_date = models.DateField()
    length_weeks = models.PositiveSmallIntegerField(
        "length (weeks)", validators=[MinValueValidator(1), MaxValueValidator(260)]
    )
    contract_value = models.DecimalField(
        max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(max_length=3, default="EUR")
    off_ramp_date = models.DateField("off-ramp date", null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    # Bumped by every write through the services; a stale form or PATCH is a conflict.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = EngagementQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(client=F("vendor")), name="engagement_client_is_not_vendor"
            ),
            models.CheckConstraint(
                condition=Q(contract_value__gte=0), name="engagement_value_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(length_weeks__gte=1) & Q(length_weeks__lte=260),
                name="engagement_length_in_range",
            ),
            models.CheckConstraint(
                condition=Q(format__in=["project", "retainer", "hybrid"]),
                name="engagement_format_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "active", "transition", "closed"]),
                name="engagement_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(off_ramp_date__isnull=True) | Q(off_ramp_date__gt=F("start_date")),
                name="engagement_off_ramp_after_start",
            ),
        ]
        indexes = [models.Index(fields=["status", "format"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("engagement:detail", kwargs={"pk": self.pk})

    @property
    def end_date(self):
        from datetime import timedelta

        return self.start_date + timedelta(weeks=self.length_weeks)

    def week_of(self, today):
        """Week N of M for the header; 0 before the start, M after the end."""
        if today < self.start_date:
            return 0
        return min(self.length_weeks, (today - self.start_date).days // 7 + 1)

    def clean(self):
        super().clean()
        errors = {}
        if self.client_id and self.vendor_id:
            if self.client_id == self.vendor_id:
                errors["vendor"] = "The vendor must be a different organisation from the client."
            if self.client.kind != Organisation.Kind.CLIENT:
                errors["client"] = f"{self.client} is not a client organisation."
            if self.vendor.kind != Organisation.Kind.VENDOR:
                errors["vendor"] = f"{self.vendor} is not a vendor organisation."
        if self.currency:
            from ..currencies import is_iso_4217

            if not is_iso_4217(self.currency):
                errors["currency"] = (
                    f"“{self.currency}” is not an ISO 4217 currency code (for example EUR, USD, GBP)."
                )
        if self.off_ramp_date and self.start_date and self.off_ramp_date <= self.start_date:
            errors["off_ramp_date"] = "The off-ramp date must fall after the start date."
        if errors:
            raise ValidationError(errors)


class StaffingRole(models.TextChoices):
    LEAD_CONSULTANT = "lead_consultant", "Lead consultant"
    ENABLEMENT_LEAD = "enablement_lead", "Enablement lead"
    MLOPS_ENGINEER = "mlops_engineer", "MLOps engineer"
    ML_PRODUCT_OWNER = "ml_product_owner", "ML product owner"
    ML_ENGINEER = "ml_engineer", "ML engineer"
    DATA_STEWARD = "data_steward", "Data steward"
    PLATFORM_PARTNER = "platform_partner", "Platform/DevOps partner"
    COMPLIANCE_REVIEWER = "compliance_reviewer", "Compliance/security reviewer"
    ON_CALL_ENGINEER = "on_call_engineer", "On-call engineer"
    EXECUTIVE_SPONSOR = "executive_sponsor", "Executive sponsor"


VENDOR_STAFFING_ROLES = {
    StaffingRole.LEAD_CONSULTANT,
    StaffingRole.ENABLEMENT_LEAD,
    StaffingRole.MLOPS_ENGINEER,
}


def side_of_staffing_role(role):
    return Side.VENDOR if role in VENDOR_STAFFING_ROLES else Side.INTERNAL


class StaffingAssignment(CleanTextMixin, models.Model):
    """A person on an engagement: a user with a login, or a named person without one."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="staffing")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="assignments",
    )
    person_name = models.CharField(max_length=200, blank=True)
    side = models.CharField(max_length=10, choices=Side.choices)
    staffing_role = models.CharField(max_length=30, choices=StaffingRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    # Someone removed after records name them (assessments, drills) leaves instead of being
    # deleted: the records keep their person, and who is on the team now excludes them.
    left_on = models.DateField(null=True, blank=True)

    objects = scoped_by("engagement")

    class Meta:
        ordering = ["side", "staffing_role", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(person_name=""),
                name="staffing_names_a_person",
            ),
            models.UniqueConstraint(
                fields=["engagement", "user", "staffing_role"],
                condition=Q(user__isnull=False),
                name="staffing_user_role_once",
            ),
        ]

    def __str__(self):
        return f"{self.display_name} ({self.get_staffing_role_display()})"

    @property
    def display_name(self):
        if self.user_id:
            return self.user.get_full_name() or self.user.username
        return self.person_name


class ReadinessBaseline(CleanTextMixin, models.Model):
    """The client's maturity at discovery and again at close (0 none … 3 independent)."""

    class Stage(models.TextChoices):
        DISCOVERY = "discovery", "At discovery"
        CLOSE = "close", "At close"

    SCORE_CHOICES = [(0, "0 · none"), (1, "1 · beginner"), (2, "2 · practising"), (3, "3 · independent")]

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="baselines")
    stage = models.CharField(max_length=10, choices=Stage.choices)
    skills = models.PositiveSmallIntegerField(choices=SCORE_CHOICES)
    process = models.PositiveSmallIntegerField(choices=SCORE_CHOICES)
    tooling = models.PositiveSmallIntegerField(choices=SCORE_CHOICES)
    notes = models.TextField(blank=True)
    # The diagnostic questions, answered in words at discovery and again at close.
    who_can_train = models.TextField("Who can run training today?", blank=True,
                                     help_text="Names or roles, and with how much help.")
    who_can_diagnose_drift = models.TextField("Who can diagnose drift?", blank=True,
                                              help_text="Who notices, who finds the cause.")
    where_docs_live = models.TextField("Where does the documentation live?", blank=True,
                                       help_text="Runbooks, model cards, data contracts.")
    if_someone_leaves = models.TextField("What happens when someone leaves?", blank=True,
                                         help_text="Who else could carry on, and how fast.")
    assessed_on = models.DateField()
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    QUESTIONS = ("who_can_train", "who_can_diagnose_drift", "where_docs_live",
                 "if_someone_leaves")

    objects = scoped_by("engagement")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["engagement", "stage"], name="baseline_once_per_stage"),
            models.CheckConstraint(
                condition=Q(skills__lte=3) & Q(process__lte=3) & Q(tooling__lte=3),
                name="baseline_scores_0_to_3",
            ),
        ]

    def __str__(self):
        return f"{self.engagement} baseline {self.stage}"


class ChainEvent(models.Model):
    """The fields of one append-only, hash-chained event (see engagement.audit)."""

    seq = models.PositiveIntegerField()
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200)
    verb = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        abstract = True

    def __str__(self):
        return f"#{self.seq} {self.verb} by {self.actor_label}"


class AuditEvent(ChainEvent):
    """One entry of an engagement's hash chain."""

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="audit_events")

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["engagement_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "seq"], name="audit_seq_unique"),
            # Two events claiming the same predecessor would fork the chain.
            models.UniqueConstraint(fields=["engagement", "prev_hash"], name="audit_no_fork"),
        ]


class OrganisationAuditEvent(ChainEvent):
    """One entry of an organisation's own hash chain: writes that belong to no engagement
    (its clause library). Same fields and hashing as AuditEvent."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="audit_events")

    class Meta:
        ordering = ["organisation_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "seq"], name="org_audit_seq_unique"),
            models.UniqueConstraint(fields=["organisation", "prev_hash"], name="org_audit_no_fork"),
        ]


class ChainCheckpoint(models.Model):
    """The head of one hash chain (an engagement's, or an organisation's), signed with a key
    that lives only in the environment. Written in the same transaction as every event, so
    deleting the newest events, or rewriting events and checkpoint without the key, shows."""

    engagement = models.OneToOneField(Engagement, on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="+")
    organisation = models.OneToOneField(Organisation, on_delete=models.PROTECT, null=True,
                                        blank=True, related_name="+")
    seq = models.PositiveIntegerField()
    hash = models.CharField(max_length=64)
    mac = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_by("engagement")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(engagement__isnull=True) ^ Q(organisation__isnull=True),
                name="checkpoint_of_one_chain"),
        ]

    def __str__(self):
        return f"checkpoint #{self.seq}"
