"""The one place Celery is wired. Settings come from Django's settings (CELERY_ prefix)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("offramp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Structured logs in the worker too: task id (and the ids services bind) on every line.
from django_structlog.celery.steps import DjangoStructLogInitStep  # noqa: E402

app.steps["worker"].add(DjangoStructLogInitStep)
