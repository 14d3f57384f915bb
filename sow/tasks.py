from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError


@shared_task(name="sow.tasks.render_contract_pdf", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(OperationalError, InterfaceError, ConnectionError, OSError),
             retry_backoff=2, retry_backoff_max=60, retry_jitter=True, max_retries=4,
             soft_time_limit=120, time_limit=150)
def render_contract_pdf(job_id):
    """Render one contract PDF. Transient errors retry with backoff; the service is idempotent."""
    from .services.pdf import render_job_execute

    return render_job_execute(
        job_id, first_attempt_delay=getattr(settings, "OFFRAMP_RENDER_FIRST_ATTEMPT_DELAY", 0))


@shared_task(name="sow.tasks.payments_evaluate_all", acks_late=True,
             reject_on_worker_lost=True, autoretry_for=(OperationalError, InterfaceError),
             retry_backoff=True, max_retries=3)
def payments_evaluate_all():
    """Beat: evaluate every open payment's gate and due date (set-based)."""
    from .services.payments import payments_evaluate

    return len(payments_evaluate())


@shared_task(name="sow.tasks.payments_evaluate_engagement", acks_late=True,
             reject_on_worker_lost=True, autoretry_for=(OperationalError, InterfaceError),
             retry_backoff=True, max_retries=3)
def payments_evaluate_engagement(engagement_id):
    """After a change that can move a gate: the same evaluation, scoped to one engagement."""
    from .services.payments import payments_evaluate

    return len(payments_evaluate(engagement_ids=[engagement_id]))
