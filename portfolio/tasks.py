from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(name="portfolio.tasks.render_summary", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(OperationalError, InterfaceError), retry_backoff=2,
             max_retries=5, soft_time_limit=60, time_limit=90)
def render_summary(job_id):
    """Render one summary PDF (the service claims the job, so a redelivery does nothing)."""
    from .services import summary_execute

    return summary_execute(job_id)
