"""Operator visibility: structured logs with request, user, engagement and job ids on every
line (web and worker), and Prometheus metrics on /metrics.

Logs go through the standard library (every `logging.getLogger(...)` call in the apps) and are
rendered by structlog: JSON in deployments, readable key=value lines on a developer's machine
(`DJANGO_LOG_FORMAT`). django-structlog binds request_id and user_id per request and task_id
per Celery task; the middleware below adds the engagement a page or endpoint is about, and the
services bind job_id / outbox_id while they run background work.
"""

import structlog
from django.conf import settings
from django.http import Http404
from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

SHARED_PROCESSORS = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.ExtraAdder(),
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def logging_config(fmt, level):
    """The LOGGING dict for settings: every record through structlog's formatter."""
    renderer = (structlog.processors.JSONRenderer() if fmt == "json"
                else structlog.dev.ConsoleRenderer(colors=False))
    structlog.configure(
        processors=[*SHARED_PROCESSORS, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structured": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processors": [structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                           structlog.processors.format_exc_info, renderer],
            "foreign_pre_chain": SHARED_PROCESSORS,
        }},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "WARNING"},
                    "weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"},
                    "django_structlog": {"level": "INFO"}},
    }


ENGAGEMENT_NAMESPACES = {"engagement", "sow", "payments", "kpis"}


class EngagementContextMiddleware:
    """Binds `engagement_id` to every log line of a request about one engagement."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match and ENGAGEMENT_NAMESPACES & set(match.namespaces) and "pk" in view_kwargs:
            structlog.contextvars.bind_contextvars(engagement_id=view_kwargs["pk"])
        return None


# --- Metrics -------------------------------------------------------------------------------

class OfframpCollector:
    """Work-state metrics read from the database at scrape time (a handful of aggregate
    queries): they hold whichever process ran the work, web or worker."""

    def collect(self):
        from django.db.models import Count, F, Max, Q, Sum
        from django.utils import timezone

        from engagement.models import Heartbeat, OutboxTask
        from engagement.outbox import hard_limit
        from sow.models import RenderJob

        now = timezone.now()
        rows = GaugeMetricFamily("offramp_outbox_rows", "Outbox rows by kind and status",
                                 labels=["kind", "status"])
        attempts = CounterMetricFamily("offramp_task_attempts", "Attempts of background work "
                                       "by task (runs; more than one per row means retries)",
                                       labels=["task"])
        failures = GaugeMetricFamily("offramp_task_failed", "Background work that ended failed",
                                     labels=["task"])
        for r in OutboxTask.objects.values("kind", "status").annotate(n=Count("id")):
            rows.add_metric([r["kind"], r["status"]], r["n"])
        for r in OutboxTask.objects.values("kind").annotate(
                a=Sum("attempts"), f=Count("id", filter=Q(status="failed"))):
            attempts.add_metric([r["kind"]], r["a"] or 0)
            failures.add_metric([r["kind"]], r["f"])
        renders = GaugeMetricFamily("offramp_render_jobs", "Contract PDF jobs by status",
                                    labels=["status"])
        for r in RenderJob.objects.values("status").annotate(n=Count("id")):
            renders.add_metric([r["status"]], r["n"])
        done = RenderJob.objects.filter(status="succeeded").aggregate(
            n=Count("id"), seconds=Sum("render_seconds"), pages=Sum("page_count"),
            a=Sum("attempts"))
        failed = RenderJob.objects.filter(status="failed").aggregate(n=Count("id"),
                                                                     a=Sum("attempts"))
        attempts.add_metric(["render_contract_pdf"], (done["a"] or 0) + (failed["a"] or 0))
        failures.add_metric(["render_contract_pdf"], failed["n"])
        yield rows
        yield attempts
        yield failures
        yield renders
        yield CounterMetricFamily("offramp_render_seconds", "Seconds spent rendering finished "
                                  "PDFs", value=done["seconds"] or 0)
        yield CounterMetricFamily("offramp_render_pages", "Pages of finished PDFs",
                                  value=done["pages"] or 0)
        pending = OutboxTask.objects.filter(status="pending")
        first = pending.order_by("created_at").values_list("created_at", flat=True).first()
        yield GaugeMetricFamily("offramp_outbox_backlog", "Outbox rows waiting",
                                value=pending.count())
        yield GaugeMetricFamily("offramp_outbox_oldest_pending_seconds", "Age of the oldest "
                                "waiting outbox row", value=(now - first).total_seconds()
                                if first else 0)
        stuck = (OutboxTask.objects.filter(status="running",
                                           started_at__lt=now - hard_limit()).count()
                 + RenderJob.objects.filter(status="running",
                                            started_at__lt=now - hard_limit()).count())
        yield GaugeMetricFamily("offramp_jobs_stuck", "Work running past the hard time limit",
                                value=stuck)
        lag = OutboxTask.objects.filter(
            kind="payments.evaluate_gates", status="done",
            finished_at__gte=now - timezone.timedelta(hours=1)).aggregate(
            max=Max(F("finished_at") - F("created_at")))
        yield GaugeMetricFamily("offramp_gate_evaluation_lag_seconds", "From the change that "
                                "asked to the end of the gate evaluation (last hour, max)",
                                value=lag["max"].total_seconds() if lag["max"] else 0)
        beats = GaugeMetricFamily("offramp_heartbeat_age_seconds", "Seconds since a periodic "
                                  "job last ran", labels=["name"])
        for beat in Heartbeat.objects.all():
            beats.add_metric([beat.name], (now - beat.at).total_seconds())
        yield beats
        yield GaugeMetricFamily("offramp_celery_queue_depth", "Messages waiting in the "
                                "broker's default queue (-1: unknown)", value=queue_depth())


def queue_depth():
    """Length of the default Celery queue in Redis; -1 when there is no broker or no answer."""
    if not settings.CELERY_BROKER_URL:
        return 0
    try:
        import redis

        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=0.5,
                                      socket_timeout=0.5)
        return client.llen("celery")
    except Exception:  # noqa: BLE001 - the metric says "unknown" rather than failing a scrape
        return -1


_registered = []


def register_collector():
    if not _registered:
        REGISTRY.register(OfframpCollector())
        _registered.append(True)


def metrics(request):
    """Prometheus exposition, for the scraper only: a listed address or the bearer token."""
    from django_prometheus.exports import ExportToDjangoView

    token = settings.OFFRAMP_METRICS_TOKEN
    address = request.META.get("REMOTE_ADDR", "")
    authorised = (address in settings.OFFRAMP_METRICS_ALLOWED_IPS
                  or (token and request.headers.get("Authorization") == f"Bearer {token}"))
    if not authorised:
        raise Http404
    register_collector()
    return ExportToDjangoView(request)
