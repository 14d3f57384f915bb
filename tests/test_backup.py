"""Backup and restore (issue 10): the demo after a full journey is backed up, restored into
an empty database and empty storage by a separate process, and checked: every row count,
every PDF hash and the audit chains."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from engagement.backup import sha256_file
from sow.models import RenderJob, SowVersion
from sow.services import pdf as pdf_services

ROOT = Path(__file__).resolve().parent.parent

CHECK_PDFS = """
import django, hashlib, json; django.setup()
from django.core.files.storage import default_storage
from sow.models import RenderJob
out = {}
for job in RenderJob.objects.filter(status="succeeded"):
    with default_storage.open(job.pdf.name, "rb") as f:
        out[job.pk] = [job.sha256, hashlib.sha256(f.read()).hexdigest()]
print(json.dumps(out))
"""


def run(args, **env):
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "OFFRAMP_RENDER"))}
    base.update(DJANGO_SETTINGS_MODULE="config.settings.test", **env)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=base, capture_output=True,
                          text=True, timeout=600)


def journey():
    """The seeded demo (engagement, ladder, approvals, SOW versions, payments), plus the
    contract PDFs of every frozen version rendered and stored."""
    call_command("seed_demo", force=True, verbosity=0)
    for version in SowVersion.objects.all():
        job, _ = pdf_services.render_request(actor=None, version=version)
        if job.status != "succeeded":
            pdf_services.render_job_execute(job.pk)
    assert RenderJob.objects.filter(status="succeeded").exists()


def restore_and_check(backup_dir, database_url, media_root):
    restored = run(["manage.py", "restore", str(backup_dir)], DATABASE_URL=database_url,
                   MEDIA_ROOT=str(media_root))
    assert restored.returncode == 0, restored.stderr + restored.stdout
    assert "Restored and checked" in restored.stdout
    verified = run(["manage.py", "verify_audit"], DATABASE_URL=database_url,
                   MEDIA_ROOT=str(media_root))
    assert verified.returncode == 0 and "intact" in verified.stdout, verified.stderr
    pdfs = run(["-c", CHECK_PDFS], DATABASE_URL=database_url, MEDIA_ROOT=str(media_root))
    hashes = json.loads(pdfs.stdout.strip().splitlines()[-1])
    assert hashes and all(stored == actual for stored, actual in hashes.values()), hashes
    again = run(["manage.py", "restore", str(backup_dir)], DATABASE_URL=database_url,
                MEDIA_ROOT=str(media_root))
    assert again.returncode != 0 and "not empty" in again.stderr


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("weasyprint_available", "inline_tasks")
def test_backup_and_restore_keep_every_row_file_and_chain(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    journey()
    backup_dir = tmp_path / "backup"
    call_command("backup", output=str(backup_dir), verbosity=0)
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["counts"]["payments.PaymentMilestone"] >= 1
    assert any(f["path"].endswith(".pdf") for f in manifest["media"])
    for entry in manifest["media"]:
        assert sha256_file(backup_dir / "media" / entry["path"]) == entry["sha256"]
    if connection.vendor == "postgresql":
        import psycopg

        name = f"offramp_restore_{os.getpid()}"
        admin = dict(host=connection.settings_dict["HOST"] or "127.0.0.1",
                     port=connection.settings_dict["PORT"] or 5432,
                     user=connection.settings_dict["USER"] or "postgres",
                     password=connection.settings_dict["PASSWORD"] or None,
                     dbname="postgres", autocommit=True)
        with psycopg.connect(**admin) as pg:
            pg.execute(f'DROP DATABASE IF EXISTS "{name}"')
            pg.execute(f'CREATE DATABASE "{name}"')
        try:
            url = (f"postgres://{admin['user']}@{admin['host']}:{admin['port']}/{name}")
            restore_and_check(backup_dir, url, tmp_path / "restored-media")
        finally:
            with psycopg.connect(**admin) as pg:
                pg.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        restore_and_check(backup_dir, f"sqlite:///{tmp_path / 'restored.sqlite3'}",
                          tmp_path / "restored-media")


@pytest.mark.django_db
def test_backup_refuses_a_folder_that_is_not_empty(tmp_path):
    from django.core.management import CommandError

    (tmp_path / "old.txt").write_text("x")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", output=str(tmp_path))
