"""Settings shared by every run mode. Values come from the environment only (django-environ)."""

import datetime as dt
import logging.config
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.observability import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A developer's `.env` beside manage.py (see .env.example) is read when present; variables
# already in the environment win. Production sets its variables and has no such file.
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_structlog",
    "django_prometheus",
    "axes",
    "engagement",
    "kpis",
    "portfolio",
    "sow",
    "payments",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    "config.observability.EngagementContextMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Login throttling (django-axes) for the site and admin logins: after a few failures from one
# address, or for one username, logins are refused for a while. The refusal reads the same
# for known and unknown usernames.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("OFFRAMP_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("OFFRAMP_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "engagement.context_processors.approvals",
            ],
        },
    }
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "engagement.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Uploaded evidence and contract PDFs go through Django's storage API. An S3-compatible store
# is configuration only: install the `s3` extra and set DJANGO_DEFAULT_STORAGE to
# storages.backends.s3.S3Storage with DJANGO_STORAGE_OPTIONS as JSON (bucket_name, endpoint_url…).
STORAGES = {
    "default": {
        "BACKEND": env("DJANGO_DEFAULT_STORAGE",
                       default="django.core.files.storage.FileSystemStorage"),
        "OPTIONS": env.json("DJANGO_STORAGE_OPTIONS", default={}),
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Contract PDF downloads: Django checks who may have the file and logs who took it; who
# sends the bytes is configuration (sow/downloads.py). "" streams them from Django;
# "X-Accel-Redirect" has nginx send them from the internal location at
# OFFRAMP_SENDFILE_PREFIX (which maps to MEDIA_ROOT); "X-Sendfile" has Apache or lighttpd
# send them from their path. A remote store (S3) redirects to a signed URL valid this long.
OFFRAMP_SENDFILE_HEADER = env("OFFRAMP_SENDFILE_HEADER", default="")
if OFFRAMP_SENDFILE_HEADER not in ("", "X-Accel-Redirect", "X-Sendfile"):
    raise ImproperlyConfigured("OFFRAMP_SENDFILE_HEADER must be empty, X-Accel-Redirect or "
                               f"X-Sendfile, not {OFFRAMP_SENDFILE_HEADER!r}")
OFFRAMP_SENDFILE_PREFIX = env("OFFRAMP_SENDFILE_PREFIX", default="/protected-media/")
OFFRAMP_SIGNED_URL_SECONDS = env.int("OFFRAMP_SIGNED_URL_SECONDS", default=60)

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="offramp@localhost")
# Where links in e-mails point.
OFFRAMP_BASE_URL = env("OFFRAMP_BASE_URL", default="http://127.0.0.1:8000")

# --- Security headers that hold in every mode -------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- REST framework -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.rest.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.rest.exception_handler",
    # `?format=` is an engagement filter here, not DRF's renderer override.
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Offramp API",
    "DESCRIPTION": "Engagements that leave the client able to run its own models.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs describe every endpoint: for signed-in users only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "EngagementStatusEnum": "engagement.models.Engagement.Status",
        "ReadinessScoreEnum": "engagement.models.ReadinessBaseline.SCORE_CHOICES",
        "SideEnum": "engagement.models.Side",
        "StaffingRoleEnum": "engagement.models.StaffingRole",
        "OrganisationKindEnum": "engagement.models.Organisation.Kind",
        "MilestoneStatusEnum": "engagement.models.Milestone.Status",
        "MilestoneKindEnum": "engagement.models.Milestone.Kind",
        "CriterionStatusEnum": "engagement.models.AcceptanceCriterion.Status",
        "EvidenceKindEnum": "engagement.models.Evidence.Kind",
        "DeliverableKindEnum": "engagement.models.KnowledgeTransferDeliverable.Kind",
        "ApprovalStatusEnum": "engagement.models.ApprovalRequest.Status",
        "ApprovalKindEnum": "engagement.models.ApprovalRequest.Kind",
        "ChangeKindEnum": "engagement.models.ChangeRequest.Kind",
        "ChangeRiskEnum": "engagement.models.ChangeRequest.Risk",
        "ChangeStatusEnum": "engagement.models.ChangeRequest.Status",
        "GateConditionKindEnum": "payments.models.GateCondition.Kind",
        "ClauseVersionStatusEnum": "sow.models.ClauseVersion.Status",
        "SowVersionStatusEnum": "sow.models.SowVersion.Status",
        "ScheduleEnum": "sow.models.Schedule",
        "RenderJobStatusEnum": "sow.models.RenderJob.Status",
        "CommercialModelEnum": "payments.models.PaymentMilestone.CommercialModel",
    },
}

# --- Celery ---------------------------------------------------------------------------
# An empty or missing broker URL is the embedded mode: tasks run inline, in the caller.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="") or None
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
# No result backend: the app reads no task results (work and its outcome are rows in the
# database), and a result backend made every enqueue subscribe to Redis first, which blocked
# requests for ~19 s while Redis was down.
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_MEMORY_PER_CHILD = 300_000  # KiB
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A down Redis must not hang a web request that enqueues work: fail fast on publish.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 3,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    # An unacknowledged message (its worker died) comes back just after the hard time limit,
    # not after Redis's default hour.
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + 60,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 3
CELERY_REDIS_SOCKET_TIMEOUT = 5
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2,
                                    "interval_max": 0.2}
# Background work (outbox rows, render jobs) is attempted at most this many times, then it
# ends failed with its reason; a published row nobody picked up is published again after
# this many seconds.
OFFRAMP_TASK_MAX_ATTEMPTS = env.int("OFFRAMP_TASK_MAX_ATTEMPTS", default=3)
OFFRAMP_OUTBOX_REPUBLISH_SECONDS = env.int("OFFRAMP_OUTBOX_REPUBLISH_SECONDS", default=120)
# /readyz: how long to wait for a worker's ping, and the outbox backlog that means trouble.
OFFRAMP_READY_PING_SECONDS = env.float("OFFRAMP_READY_PING_SECONDS", default=1.0)
OFFRAMP_READY_MAX_BACKLOG = env.int("OFFRAMP_READY_MAX_BACKLOG", default=500)
CELERY_BEAT_SCHEDULE = {
    "sweep-outbox": {
        "task": "engagement.tasks.outbox_sweep",
        "schedule": 60,
        "options": {"expires": 50},
    },
    "evaluate-payment-gates": {
        "task": "payments.tasks.payments_evaluate_all",
        "schedule": 15 * 60,
        "options": {"expires": 10 * 60},
    },
    "send-daily-digests": {
        "task": "engagement.tasks.digests_send",
        "schedule": crontab(hour=7, minute=0),
        "options": {"expires": 60 * 60},
    },
    "notify-overdue-milestones": {
        "task": "engagement.tasks.milestones_overdue_notify",
        "schedule": crontab(minute=10),
        "options": {"expires": 30 * 60},
    },
    "notify-overdue-drills": {
        "task": "kpis.tasks.drills_overdue_notify",
        "schedule": crontab(minute=15),
        "options": {"expires": 30 * 60},
    },
    "verify-audit-chains-nightly": {
        "task": "engagement.tasks.audit_verify_all",
        "schedule": crontab(hour=2, minute=30),
        "options": {"expires": 60 * 60},
    },
}

# Structured logs (config/observability.py): JSON lines with request, user, engagement and
# job ids; `DJANGO_LOG_FORMAT=console` for readable lines on a developer's machine.
LOG_FORMAT = env("DJANGO_LOG_FORMAT", default="json")
LOGGING_CONFIG = None  # applied below, after structlog is configured
LOGGING = logging_config(LOG_FORMAT, env("DJANGO_LOG_LEVEL", default="INFO"))
logging.config.dictConfig(LOGGING)
DJANGO_STRUCTLOG_CELERY_ENABLED = True

# Prometheus metrics on /metrics: for the scraper's address or a bearer token only.
OFFRAMP_METRICS_ALLOWED_IPS = env.list("OFFRAMP_METRICS_ALLOWED_IPS", default=["127.0.0.1"])
OFFRAMP_METRICS_TOKEN = env("OFFRAMP_METRICS_TOKEN", default="")

OFFRAMP_PAGE_SIZE = 25
# Signs each audit chain's checkpoint (engagement.audit); kept only in the environment, never in
# the database. Empty: a key derived from DJANGO_SECRET_KEY.
OFFRAMP_AUDIT_KEY = env("OFFRAMP_AUDIT_KEY", default="")
# Size limits that keep one engagement's pages and contracts bounded.
OFFRAMP_MAX_MILESTONES = env.int("OFFRAMP_MAX_MILESTONES", default=200)
OFFRAMP_MAX_CRITERIA = env.int("OFFRAMP_MAX_CRITERIA", default=50)

# Evidence uploads: size cap and accepted file types.
OFFRAMP_EVIDENCE_MAX_BYTES = env.int("OFFRAMP_EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
OFFRAMP_EVIDENCE_TYPES = {".pdf", ".png", ".jpg", ".jpeg", ".txt", ".md", ".csv", ".json",
                          ".log", ".ipynb", ".zip", ".docx", ".xlsx", ".pptx"}
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

