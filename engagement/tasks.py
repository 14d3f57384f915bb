"""Celery entry points of the core: the outbox runner and sweeper, the nightly audit check."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

logger = logging.getLogger("offramp.audit")

# A database outage is retried with backoff for minutes (about ten), not seconds; a row left
# running meanwhile is recovered by the sweeper.
DB_RETRY = {"autoretry_for": (OperationalError, InterfaceError), "retry_backoff": 2,
            "retry_backoff_max": 120, "retry_jitter": True, "max_retries": 9}


@shared_task(name="engagement.tasks.outbox_run", acks_late=True, reject_on_worker_lost=True,
             **DB_RETRY)
def outbox_run(row_id):
    """Run one outbox row (claimed once, however often it is delivered)."""
    from .outbox import outbox_run as run

    return run(row_id)


@shared_task(name="engagement.tasks.outbox_sweep", acks_late=True, **DB_RETRY)
def outbox_sweep():
    """Beat, every minute: publish what waits, recover what was lost or stuck."""
    from .outbox import outbox_sweep as sweep

    return sweep()


@shared_task(name="engagement.tasks.audit_verify_all", acks_late=True,
             reject_on_worker_lost=True, **DB_RETRY)
def audit_verify_all():
    """Nightly: walk every chain once; a broken one is logged and its admins are told."""
    from .services.audit_check import audit_check_all

    return audit_check_all()


@shared_task(name="engagement.tasks.milestones_overdue_notify", acks_late=True,
             reject_on_worker_lost=True, **DB_RETRY)
def milestones_overdue_notify():
    """Beat, hourly: program managers hear once about each overdue milestone."""
    from .services.notifications import milestones_overdue_notify as notify

    return notify()


@shared_task(name="engagement.tasks.digests_send", acks_late=True, reject_on_worker_lost=True,
             **DB_RETRY)
def digests_send():
    """Beat, daily: one e-mail per user on the digest with the day's notifications."""
    from .services.notifications import digests_send as send

    return send()
