from django.conf import settings
from django.db import models
from django.db.models import Q

from common.text import CleanTextMixin
from engagement.models import Engagement
from engagement.querysets import scoped_by

from .querysets import ClauseQuerySet, ClauseVersionQuerySet


class Category(models.TextChoices):
    DELIVERABLES = "deliverables", "Deliverables"
    ACCEPTANCE = "acceptance", "Acceptance"
    IP_PORTABILITY = "ip_portability", "IP and portability"
    ENABLEMENT = "enablement", "Enablement"
    COMMERCIAL = "commercial", "Commercial"
    GOVERNANCE = "governance", "Governance"
    DATA_SECURITY = "data_security", "Data and security"


class Clause(CleanTextMixin, models.Model):
    """A reusable clause with a stable key; its text lives in numbered versions."""

    # Unique in the shared library and within one organisation's own clauses.
    key = models.SlugField(max_length=80)
    category = models.CharField(max_length=20, choices=Category.choices)
    title = models.CharField(max_length=200)
    # SOW-check rule ids this clause resolves (see sow.checks).
    resolves = models.JSONField(default=list, blank=True)
    from_library = models.BooleanField(default=False)
    # The owner: an organisation's own clauses are seen by it alone; the shared starter
    # library (loaded from sow/data/clauses.toml) has none and is readable by everyone.
    organisation = models.ForeignKey("engagement.Organisation", on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="clauses")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClauseQuerySet.as_manager()

    class Meta:
        ordering = ["category", "title"]
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=Q(organisation__isnull=True),
                                    name="clause_key_once_in_shared_library"),
            models.UniqueConstraint(fields=["organisation", "key"],
                                    name="clause_key_once_per_organisation"),
        ]

    def __str__(self):
        return self.title


class ClauseVersion(CleanTextMixin, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    clause = models.ForeignKey(Clause, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    body = models.TextField(help_text="Jinja2 template over the engagement's data.")
    guidance = models.TextField(blank=True, help_text="Drafting guidance for procurement.")
    # SHA-256 of the library text this version was loaded from; empty for local edits.
    library_hash = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClauseVersionQuerySet.as_manager()

    class Meta:
        ordering = ["clause_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["clause", "number"], name="clause_version_number_once"),
        ]

    def __str__(self):
        return f"{self.clause.key} v{self.number}"


class Schedule(models.TextChoices):
    LADDER = "ladder", "Milestone ladder"
    PAYMENTS = "payments", "Payment schedule"
    RACI = "raci", "RACI by phase"
    KPIS = "kpis", "Capability outcomes (KPIs)"
    STAFFING = "staffing", "Staffing"
    ENABLEMENT = "enablement", "Enablement sessions"


class SowDocument(CleanTextMixin, models.Model):
    """The working draft of one SOW for an engagement. Frozen versions are snapshots of it."""

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="sows")
    title = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    # Set when the SOW was imported from a vendor's document: its file name (or "pasted
    # text") and what the import removed or changed, in words.
    imported_from = models.CharField(max_length=255, blank=True)
    import_notes = models.JSONField(default=list, blank=True)

    objects = scoped_by("engagement")

    class Meta:
        ordering = ["engagement_id", "created_at"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("sow:editor", kwargs={"pk": self.engagement_id, "sow_pk": self.pk})


class SowSection(CleanTextMixin, models.Model):
    """One section: a pinned clause version (optionally with edited text), a generated
    schedule, or the engagement's own text (an imported vendor section: `title` and
    `override_body`, literal text that is never a template and never enters the library)."""

    sow = models.ForeignKey(SowDocument, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveIntegerField()
    clause_version = models.ForeignKey(ClauseVersion, on_delete=models.PROTECT, null=True,
                                       blank=True, related_name="sections")
    schedule = models.CharField(max_length=12, choices=Schedule.choices, blank=True)
    override_body = models.TextField(blank=True)
    # Own sections only: the heading and numbering as the original document had them, and
    # the category guessed from the heading (where a fixing clause is inserted).
    title = models.CharField(max_length=200, blank=True)
    number_label = models.CharField(max_length=20, blank=True)
    category = models.CharField(max_length=20, choices=Category.choices, blank=True)

    objects = scoped_by("sow__engagement")

    class Meta:
        ordering = ["sow_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(clause_version__isnull=False) & Q(schedule="") & Q(title=""))
                | (Q(clause_version__isnull=True) & ~Q(schedule="") & Q(title=""))
                | (Q(clause_version__isnull=True) & Q(schedule="") & ~Q(title="")),
                name="section_is_clause_schedule_or_own",
            ),
        ]

    def __str__(self):
        return self.heading

    @property
    def heading(self):
        if self.clause_version_id:
            return self.clause_version.clause.title
        if self.schedule:
            return Schedule(self.schedule).label
        return self.title

    @property
    def is_own(self):
        return not self.clause_version_id and not self.schedule

    @property
    def is_overridden(self):
        return bool(self.override_body)


class SowVersion(models.Model):
    """A frozen, immutable snapshot. Only its status (and signing record) may change."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Frozen"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"
        SIGNED = "signed", "Signed"

    CONTENT_FIELDS = ("sow_id", "number", "html", "sha256", "source", "author_id",
                      "created_at", "justification")

    sow = models.ForeignKey(SowDocument, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    html = models.TextField()
    sha256 = models.CharField(max_length=64)
    source = models.JSONField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    created_at = models.DateTimeField()
    justification = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    signed_on = models.DateField(null=True, blank=True)
    signatories = models.JSONField(default=list, blank=True)

    objects = scoped_by("sow__engagement")

    class Meta:
        ordering = ["sow_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["sow", "number"], name="sow_version_number_once"),
        ]

    def __str__(self):
        return f"{self.sow} v{self.number}"

    def save(self, *args, update_fields=None, **kwargs):
        if self.pk and (update_fields is None
                        or set(update_fields) & {f.removesuffix("_id") for f in
                                                 self.CONTENT_FIELDS}
                        or set(update_fields) & set(self.CONTENT_FIELDS)):
            raise FrozenVersionError("A frozen SOW version cannot be changed; freeze a new one.")
        super().save(*args, update_fields=update_fields, **kwargs)

    def delete(self, *args, **kwargs):
        raise FrozenVersionError("A frozen SOW version cannot be deleted.")

    @property
    def short_hash(self):
        return self.sha256[:12]


class FrozenVersionError(Exception):
    pass


def pdf_upload_to(job, filename):
    version = job.sow_version
    return f"contracts/engagement-{version.sow.engagement_id}/sow-{version.sow_id}/{filename}"


class RenderJob(models.Model):
    """One PDF rendering of a frozen SOW version, in the draft or the final (approved) variant."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Rendering"
        SUCCEEDED = "succeeded", "Ready"
        FAILED = "failed", "Failed"

    class Variant(models.TextChoices):
        DRAFT = "draft", "Draft (watermarked)"
        FINAL = "final", "Approved"

    sow_version = models.ForeignKey(SowVersion, on_delete=models.PROTECT, related_name="render_jobs")
    variant = models.CharField(max_length=5, choices=Variant.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    step = models.CharField(max_length=80, blank=True)
    reason = models.TextField(blank=True)
    warnings = models.JSONField(default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When its message last went to the broker (None: not yet, the sweeper publishes it).
    published_at = models.DateTimeField(null=True, blank=True)
    pdf = models.FileField(upload_to=pdf_upload_to, blank=True, max_length=300)
    thumbnail = models.FileField(upload_to=pdf_upload_to, blank=True, max_length=300)
    sha256 = models.CharField(max_length=64, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    render_seconds = models.FloatField(null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_by("sow_version__sow__engagement")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Concurrent requests share one job; a finished PDF is reused, never re-rendered.
            models.UniqueConstraint(fields=["sow_version", "variant"], condition=~Q(status="failed"),
                                    name="render_one_live_job_per_variant"),
        ]

    def __str__(self):
        return f"{self.sow_version} PDF ({self.variant}, {self.status})"

    @property
    def download_name(self):
        version = self.sow_version
        return self.file_name(engagement_title=version.sow.engagement.title,
                              number=version.number, variant=self.variant)

    @classmethod
    def file_name(cls, *, engagement_title, number, variant):
        """The name a download is saved under (from values, so a download need not load the
        version, whose HTML and source are tens of KB)."""
        from django.utils.text import slugify

        title = slugify(engagement_title)[:60] or "sow"
        suffix = "" if variant == cls.Variant.FINAL else "-draft"
        return f"{title}-sow-v{number}{suffix}.pdf"


class ContractDownload(models.Model):
    """Who took which contract PDF, written by the download itself in one INSERT.

    The engagement's audit chain gets the event a little later: the sweeper folds new rows
    into the chain in one batch (`sow.services.pdf.downloads_fold`), so a download never waits
    for the chain's per-engagement lock."""

    job = models.ForeignKey(RenderJob, on_delete=models.PROTECT, related_name="downloads")
    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="+")
    at = models.DateTimeField()
    via = models.CharField(max_length=20, help_text="Who sent the bytes: django, "
                                                    "X-Accel-Redirect, X-Sendfile, signed-url.")
    folded_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_by("engagement")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["id"], condition=Q(folded_at__isnull=True),
                                name="sow_download_to_fold")]

    def __str__(self):
        return f"{self.user_id} took job {self.job_id} at {self.at:%Y-%m-%d %H:%M:%S}"
