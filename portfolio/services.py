"""Summary PDFs: request (the job and its message, on commit) and render (claimed once)."""

import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from common.pdf import STATIC_DIR, render_pdf
from engagement import selectors as engagement_selectors
from kpis import selectors as kpi_selectors

from . import selectors
from .models import SummaryJob

logger = logging.getLogger("offramp.pdf")
JS = SummaryJob.Status


def summary_request(*, actor, engagement=None, filters=None):
    """Queue a summary of `engagement` (which `actor` can see) or of the portfolio with
    `filters`. The render starts when the transaction commits."""
    from .tasks import render_summary

    with transaction.atomic():
        job = SummaryJob.objects.create(requested_by=actor, engagement=engagement,
                                        filters=filters or {})
        transaction.on_commit(lambda: _publish(render_summary, job.pk))
    return job


def _publish(task, job_id):
    try:
        task.apply_async(args=[job_id], retry=True, retry_policy={"max_retries": 1})
    except Exception as exc:  # noqa: BLE001 - a down broker must not fail the request
        logger.warning("summary publish failed", extra={"job_id": job_id, "error": str(exc)})
        SummaryJob.objects.filter(pk=job_id, status=JS.QUEUED).update(
            reason="Waiting for the worker to be reachable; try again in a minute.")


def summary_html(job, today=None):
    """The one-page print HTML: an engagement's scorecard with charts, or the portfolio."""
    today = today or timezone.localdate()
    user = job.requested_by
    context = {"job": job, "today": today,
               "stylesheet": (STATIC_DIR / "css" / "print.css").read_text()}
    if job.engagement_id:
        engagement = engagement_selectors.engagement_get(user=user, pk=job.engagement_id)
        row = selectors.dashboard_rows(user=user, filters={"ids": [engagement.pk]},
                                       today=today)[0]
        kpis = kpi_selectors.kpi_rows_with_charts(engagement=engagement, today=today)
        context.update(engagement=engagement, row=row, kpis=kpis)
        return render_to_string("portfolio/print/engagement.html", context)
    filters = {k: v for k, v in job.filters.items() if k != "sort"}
    rows = selectors.dashboard_rows(user=user, filters=filters, sort=job.filters.get("sort",
                                                                                     "risk"),
                                    today=today)
    context.update(rows=rows[:40], more=max(0, len(rows) - 40), totals=selectors.totals(rows))
    return render_to_string("portfolio/print/portfolio.html", context)


def summary_execute(job_id):
    """Render one job; safe to run twice (claimed by a conditional update)."""
    if not SummaryJob.objects.filter(pk=job_id, status=JS.QUEUED).update(status=JS.RUNNING):
        return "already-taken"
    job = SummaryJob.objects.select_related("requested_by", "engagement").get(pk=job_id)
    try:
        pdf, pages, _refused = render_pdf(summary_html(job))
    except Exception as exc:  # noqa: BLE001 - any failure ends the job with a reason
        logger.exception("summary %s failed", job_id)
        SummaryJob.objects.filter(pk=job_id, status=JS.RUNNING).update(
            status=JS.FAILED, finished_at=timezone.now(),
            reason=f"The summary could not be rendered ({type(exc).__name__}). Try again.")
        return "failed"
    name = job.pdf.storage.save(job.pdf.field.generate_filename(job, f"summary-{job.pk}.pdf"),
                                ContentFile(pdf))
    SummaryJob.objects.filter(pk=job_id, status=JS.RUNNING).update(
        status=JS.SUCCEEDED, pdf=name, pages=pages, finished_at=timezone.now(), reason="")
    return "succeeded"
