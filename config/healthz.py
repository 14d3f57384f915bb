"""Health that tells the truth.

- `/healthz` is liveness: the process answers (a load balancer restarts it when it does not).
- `/readyz` is readiness: the database, the broker, at least one worker answering a ping,
  beat's last heartbeat (the outbox sweeper runs every minute), no work stuck past the hard
  time limit, and the outbox backlog below a bound.

Everyone gets `{"status": "ok"}` or `{"status": "fail"}`; the per-check detail (which may name
hosts and errors) is shown only to signed-in admins.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from .celery_app import app

logger = logging.getLogger("offramp.health")


@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"vendor": connection.vendor}


def _broker():
    if not settings.CELERY_BROKER_URL:
        return {"mode": "inline"}
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=1)
    return {"mode": "redis"}


def _workers():
    if not settings.CELERY_BROKER_URL:
        return {"mode": "inline"}
    replies = app.control.ping(timeout=settings.OFFRAMP_READY_PING_SECONDS)
    if not replies:
        raise RuntimeError("no worker answered a ping")
    return {"answering": len(replies)}


def _beat():
    from engagement.models import Heartbeat

    if not settings.CELERY_BROKER_URL:
        return {"mode": "inline"}
    beat = Heartbeat.objects.filter(name="sweeper").first()
    limit = dt.timedelta(seconds=2 * settings.CELERY_BEAT_SCHEDULE["sweep-outbox"]["schedule"])
    if beat is None or timezone.now() - beat.at > limit:
        raise RuntimeError("the outbox sweeper (run by beat) has not run in two intervals"
                           + (f"; last at {beat.at.isoformat()}" if beat else ""))
    return {"last": beat.at.isoformat()}


def _work():
    from engagement.outbox import backlog, hard_limit
    from sow.models import RenderJob

    now = timezone.now()
    state = backlog(now=now)
    state["renders_stuck"] = RenderJob.objects.filter(
        status="running", started_at__lt=now - hard_limit()).count()
    if state["running_stuck"] or state["renders_stuck"]:
        raise RuntimeError(f"work is stuck past the hard time limit: {state}")
    if state["pending"] > settings.OFFRAMP_READY_MAX_BACKLOG:
        raise RuntimeError(f"the outbox backlog is {state['pending']} rows")
    return state


CHECKS = {"database": _database, "broker": _broker, "workers": _workers, "beat": _beat,
          "work": _work}


def readiness():
    """Every check's result; a failing database skips the checks that read it."""
    results = {}
    for name, check in CHECKS.items():
        if name in ("beat", "work") and not results["database"]["ok"]:
            results[name] = {"ok": False, "error": "the database is not reachable"}
            continue
        try:
            results[name] = {"ok": True, **check()}
        except Exception as exc:  # noqa: BLE001 - any failure is a failed check, not a 500
            results[name] = {"ok": False, "error": str(exc)}
    return results


def _is_admin(user):
    return user.is_authenticated and (user.is_superuser or getattr(user, "role", "") == "admin")


@never_cache
def readyz(request):
    results = readiness()
    ok = all(r["ok"] for r in results.values())
    if not ok:
        logger.warning("not ready", extra={"checks": results})
    body = {"status": "ok" if ok else "fail"}
    if _is_admin(request.user):
        body["checks"] = results
    return JsonResponse(body, status=200 if ok else 503)
