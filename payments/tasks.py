"""Celery entry points of the gate tracker. Each loads, calls one service and returns."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

RETRY = {"acks_late": True, "reject_on_worker_lost": True,
         "autoretry_for": (OperationalError, InterfaceError), "retry_backoff": True,
         "max_retries": 3}


@shared_task(name="payments.tasks.payments_evaluate_all", **RETRY)
def payments_evaluate_all():
    """Beat: evaluate every open payment's gate and due date (set-based)."""
    from .services import payments_evaluate

    return len(payments_evaluate())


@shared_task(name="payments.tasks.payments_evaluate_engagement", **RETRY)
def payments_evaluate_engagement(engagement_id):
    """After a change that can move a gate: the same evaluation, scoped to one engagement."""
    from .services import payments_evaluate

    return len(payments_evaluate(engagement_ids=[engagement_id]))


# Messages queued before payments left the SOW app carry the old task names; a worker of this
# version still runs them.
@shared_task(name="sow.tasks.payments_evaluate_all", **RETRY)
def legacy_payments_evaluate_all():
    return payments_evaluate_all()


@shared_task(name="sow.tasks.payments_evaluate_engagement", **RETRY)
def legacy_payments_evaluate_engagement(engagement_id):
    return payments_evaluate_engagement(engagement_id)
