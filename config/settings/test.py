"""Settings for pytest. The same services as configured by the environment; fast hashing."""

from .base import *  # noqa: F403
from .base import DATABASES, INSTALLED_APPS, env

DEBUG = False
SECRET_KEY = "test-only-not-secret-offramp-key-0123456789abcdefghijklmnop"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = env.path("MEDIA_ROOT", default="/tmp/offramp-test-media")
# A fixed test database name so that a Celery worker started by CI can point at it.
DATABASES["default"]["TEST"] = {"NAME": env("OFFRAMP_TEST_DATABASE_NAME", default="offramp_test")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {}
# CI's worker-kill test needs a render's first attempt to last long enough to kill it; the
# delay lives in a test-only app, never in the production code path.
OFFRAMP_RENDER_FIRST_ATTEMPT_DELAY = env.float("OFFRAMP_RENDER_FIRST_ATTEMPT_DELAY", default=0.0)
if OFFRAMP_RENDER_FIRST_ATTEMPT_DELAY:
    INSTALLED_APPS = [*INSTALLED_APPS, "tests.worker_hooks"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}  # tests always use the local file system, whatever the environment says
