"""Celery entry points of the kpis app. Each calls one service and returns."""

from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(name="kpis.tasks.drills_overdue_notify", acks_late=True,
             reject_on_worker_lost=True, autoretry_for=(OperationalError, InterfaceError),
             retry_backoff=True, max_retries=3)
def drills_overdue_notify():
    """Beat, hourly: notify program managers once about each overdue drill (set-based)."""
    from .services import drills_overdue_notify as notify

    return notify()
