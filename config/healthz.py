"""GET /healthz: the database and the broker, as JSON (503 when one is down)."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from .celery_app import app


@never_cache
def healthz(request):
    """Liveness and dependencies: the database always, the broker when one is configured."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001 - any failure is reported, not raised
        checks["database"] = {"ok": False, "error": str(exc)}
    broker = settings.CELERY_BROKER_URL
    if not broker:
        checks["broker"] = {"ok": True, "mode": "inline"}
    else:
        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            checks["broker"] = {"ok": True, "mode": "redis"}
        except Exception as exc:  # noqa: BLE001
            checks["broker"] = {"ok": False, "mode": "redis", "error": str(exc)}
    ok = all(c["ok"] for c in checks.values())
    return JsonResponse({"ok": ok, **checks}, status=200 if ok else 503)
