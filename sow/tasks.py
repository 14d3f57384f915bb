from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(name="sow.tasks.render_contract_pdf", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(OperationalError, InterfaceError, ConnectionError, OSError),
             retry_backoff=2, retry_backoff_max=120, retry_jitter=True, max_retries=9,
             soft_time_limit=120, time_limit=150)
def render_contract_pdf(job_id):
    """Render one contract PDF. Transient errors retry with backoff; the service is idempotent."""
    from .services.pdf import render_job_execute

    return render_job_execute(job_id)
