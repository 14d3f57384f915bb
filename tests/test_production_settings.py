"""config.settings.production refuses to start without its secrets and passes check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_check(**env_overrides):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.production"}, **env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_check(DJANGO_ALLOWED_HOSTS="offramp.example.com",
                       DATABASE_URL="sqlite:////tmp/offramp-prod-check.sqlite3")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_check(DJANGO_SECRET_KEY="x" * 60,
                       DATABASE_URL="sqlite:////tmp/offramp-prod-check.sqlite3")
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in result.stderr


def test_check_deploy_passes_with_the_required_settings():
    result = run_check(
        DJANGO_SECRET_KEY="k3y-" + "a1B2c3D4e5F6g7H8" * 4,
        DJANGO_ALLOWED_HOSTS="offramp.example.com",
        DATABASE_URL="sqlite:////tmp/offramp-prod-check.sqlite3",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
