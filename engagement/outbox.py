"""The transactional outbox: background work as rows, published after commit, swept when lost.

1. `outbox_enqueue(kind, payload)` writes a row in the caller's transaction and publishes it
   on commit. A broker that is down never fails the request: the row waits, logged.
2. `outbox_run(row_id)` (the worker) claims the row with a conditional update, runs the
   handler registered for its kind, and marks it done; a failure retries with backoff, and a
   row attempted `OFFRAMP_TASK_MAX_ATTEMPTS` times ends failed with the reason.
3. `outbox_sweep()` (beat, every minute) publishes rows nobody picked up, re-publishes rows
   whose message was lost, recovers rows left running past the hard time limit, and runs the
   sweep hooks other apps register (render jobs live in their own table and sweep themselves).

Apps register handlers and sweep hooks from their `AppConfig.ready()`; the core stays free of
their imports.
"""

import datetime as dt
import logging

import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import Heartbeat, OutboxTask

logger = logging.getLogger("offramp.outbox")
S = OutboxTask.Status

_handlers = {}
_sweep_hooks = []

# Errors that mean "the broker is not reachable now", whatever the transport raises.
try:
    from kombu.exceptions import OperationalError as KombuOperationalError
except ImportError:  # pragma: no cover - kombu comes with celery
    KombuOperationalError = OSError
PUBLISH_ERRORS = (KombuOperationalError, ConnectionError, OSError, TimeoutError)


def register_outbox_handler(kind, handler):
    """`handler(payload)` does the work; it must be safe to run again after a crash."""
    _handlers[kind] = handler


def register_sweep_hook(hook):
    """`hook(now)` recovers another app's own queue; returns a dict of counts for the log."""
    if hook not in _sweep_hooks:
        _sweep_hooks.append(hook)


def max_attempts():
    return settings.OFFRAMP_TASK_MAX_ATTEMPTS


def hard_limit():
    return dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)


def outbox_enqueue(*, kind, payload):
    """Ask for background work. Must run inside the transaction of the change that asks.

    Every request is its own row: a row already waiting may be claimed by a worker before
    this transaction commits, and would then miss the change that asked again.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox_enqueue must run inside the transaction that asks for it")
    if kind not in _handlers:
        raise LookupError(f"No outbox handler is registered for {kind!r}.")
    row = OutboxTask.objects.create(kind=kind, payload=payload, available_at=timezone.now())
    transaction.on_commit(lambda: publish([row.pk]))
    return row


def publish(row_ids):
    """Send one message per row; a broker that is down leaves the rows for the sweeper."""
    from .tasks import outbox_run

    sent = []
    for row_id in row_ids:
        try:
            outbox_run.apply_async(args=[row_id], retry=True, retry_policy={
                "max_retries": 1, "interval_start": 0, "interval_step": 0.2,
                "interval_max": 0.2})
        except PUBLISH_ERRORS as exc:
            logger.warning("outbox publish failed; the sweeper will retry",
                           extra={"outbox_id": row_id, "error": str(exc)})
            break
        sent.append(row_id)
    if sent:
        OutboxTask.objects.filter(pk__in=sent, published_at__isnull=True).update(
            published_at=timezone.now())
    return sent


def outbox_run(row_id):
    """Claim and run one row. Returns what happened, in a word."""
    with structlog.contextvars.bound_contextvars(outbox_id=row_id):
        return _run(row_id)


def _run(row_id):
    now = timezone.now()
    claimed = OutboxTask.objects.filter(pk=row_id, status=S.PENDING, available_at__lte=now).update(
        status=S.RUNNING, attempts=F("attempts") + 1, started_at=now)
    if not claimed:
        return "skipped"
    row = OutboxTask.objects.get(pk=row_id)
    try:
        _handlers[row.kind](row.payload)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row
        logger.exception("outbox task failed", extra={"outbox_id": row.pk, "kind": row.kind})
        _after_failure(row, f"{type(exc).__name__}: {exc}")
        return "failed" if row.attempts >= max_attempts() else "retry"
    OutboxTask.objects.filter(pk=row.pk, status=S.RUNNING).update(
        status=S.DONE, finished_at=timezone.now(), last_error="")
    return "done"


def _after_failure(row, error):
    if row.attempts >= max_attempts():
        OutboxTask.objects.filter(pk=row.pk, status=S.RUNNING).update(
            status=S.FAILED, finished_at=timezone.now(),
            last_error=f"Stopped after {row.attempts} attempts. {error}"[:2000])
        return
    backoff = dt.timedelta(seconds=30 * 2 ** (row.attempts - 1))
    OutboxTask.objects.filter(pk=row.pk, status=S.RUNNING).update(
        status=S.PENDING, available_at=timezone.now() + backoff, published_at=None,
        last_error=error[:2000])


def outbox_sweep(*, now=None):
    """One pass of the sweeper. Returns counts, and records its heartbeat."""
    now = now or timezone.now()
    republish_after = dt.timedelta(seconds=settings.OFFRAMP_OUTBOX_REPUBLISH_SECONDS)
    # Running past the hard time limit: its worker is gone. Try again, or stop for good.
    stuck = OutboxTask.objects.filter(status=S.RUNNING, started_at__lt=now - hard_limit())
    failed = stuck.filter(attempts__gte=max_attempts()).update(
        status=S.FAILED, finished_at=now,
        last_error="Stopped: its worker stopped answering on the last allowed attempt.")
    recovered = stuck.update(status=S.PENDING, available_at=now, published_at=None,
                             last_error="Its worker stopped answering; tried again.")
    due = list(OutboxTask.objects.filter(status=S.PENDING, available_at__lte=now).filter(
        published_at__isnull=True).values_list("pk", flat=True)[:500])
    lost = list(OutboxTask.objects.filter(
        status=S.PENDING, available_at__lte=now,
        published_at__lt=now - republish_after).values_list("pk", flat=True)[:500])
    if lost:
        OutboxTask.objects.filter(pk__in=lost).update(published_at=None)
    sent = publish(due + lost)
    counts = {"published": len(sent), "republished": len(set(lost) & set(sent)),
              "recovered": recovered, "failed": failed}
    for hook in _sweep_hooks:
        counts.update(hook(now) or {})
    Heartbeat.objects.update_or_create(name="sweeper", defaults={
        "at": now, "ok": True, "detail": counts})
    return counts


def backlog(*, now=None):
    """How much work waits: pending rows, and how old the oldest one is (seconds)."""
    now = now or timezone.now()
    pending = OutboxTask.objects.filter(status=S.PENDING)
    oldest = pending.order_by("created_at").values_list("created_at", flat=True).first()
    return {"pending": pending.count(),
            "oldest_seconds": (now - oldest).total_seconds() if oldest else 0,
            "running_stuck": OutboxTask.objects.filter(
                status=S.RUNNING, started_at__lt=now - hard_limit()).count(),
            "failed": OutboxTask.objects.filter(status=S.FAILED).count()}
