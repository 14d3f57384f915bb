from django.db import models


class OutboxTask(models.Model):
    """Background work asked for by a change, written in the change's own transaction.

    The row, not the broker message, is the truth: a message only says "look at row N". The
    sweeper publishes rows nobody picked up and re-publishes rows whose message was lost; a
    worker claims a row with a conditional update, so a row runs once however often it is
    published.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=80, help_text="The registered handler that runs it.")
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    available_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "available_at"])]

    def __str__(self):
        return f"{self.kind} #{self.pk} ({self.status})"


class Heartbeat(models.Model):
    """When a periodic job last ran and how it went (read by /readyz and the operator)."""

    name = models.CharField(max_length=80, primary_key=True)
    at = models.DateTimeField()
    ok = models.BooleanField(default=True)
    detail = models.JSONField(default=dict, blank=True)

    def __str__(self):
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"
