from django.conf import settings
from django.db import models

from engagement.querysets import scoped_by


def summary_upload_to(job, filename):
    return f"summaries/{job.created_at:%Y/%m}/{filename}"


class SummaryJob(models.Model):
    """A one-page PDF summary (of one engagement, or of the portfolio as its requester sees
    it) rendered by a Celery worker with WeasyPrint, as contracts are."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Rendering"
        SUCCEEDED = "succeeded", "Ready"
        FAILED = "failed", "Failed"

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                     related_name="+")
    engagement = models.ForeignKey("engagement.Engagement", on_delete=models.CASCADE,
                                   null=True, blank=True, related_name="+",
                                   help_text="Empty for the portfolio summary.")
    filters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    reason = models.TextField(blank=True)
    pdf = models.FileField(upload_to=summary_upload_to, blank=True, max_length=300)
    pages = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    # An engagement's summary is visible to its parties; a portfolio summary (no engagement)
    # only to its requester, which the views check.
    objects = scoped_by("engagement")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Summary {self.pk} ({self.status})"
