"""Embedded default for `make run`: SQLite, Celery inline, DEBUG on unless told otherwise."""

import logging.config

from config.observability import logging_config

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-only-not-secret-offramp-demo-key-0123456789abcdef")

# Readable log lines on a developer's machine (JSON everywhere else).
LOG_FORMAT = env("DJANGO_LOG_FORMAT", default="console")
LOGGING = logging_config(LOG_FORMAT, env("DJANGO_LOG_LEVEL", default="INFO"))
logging.config.dictConfig(LOGGING)
