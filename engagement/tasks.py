import logging

from celery import shared_task

from .audit import audit_verify

logger = logging.getLogger("offramp.audit")


@shared_task(name="engagement.tasks.audit_verify_all", acks_late=True,
             reject_on_worker_lost=True, autoretry_for=(ConnectionError,), retry_backoff=True,
             max_retries=3)
def audit_verify_all():
    """Nightly: walk every engagement's chain once; log an error naming the first broken link."""
    result = audit_verify()
    if result["ok"]:
        logger.info("Audit chains verified: %s events intact.", result["events"])
    else:
        logger.error(
            "Audit chain broken: engagement %s, event #%s (id %s): %s",
            result["engagement"], result["seq"], result["event"], result["problem"],
        )
    return result
