"""Backup and restore: a consistent database dump plus every stored file, with a manifest of
hashes and row counts, and a restore that brings them back into an empty installation and
checks them.

PostgreSQL is dumped with `pg_dump --format=custom` (one snapshot, so the dump is consistent
while the app runs) and restored with `pg_restore`; the embedded SQLite database is copied with
SQLite's online backup API. Files are read and written through Django's storage API, so the
same commands work with the file system or an S3-compatible bucket.
"""

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

MANIFEST = "manifest.json"


class BackupError(Exception):
    pass


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def row_counts():
    """Rows of every model of the project's own apps (not Django's or libraries')."""
    root = str(settings.BASE_DIR)
    return {m._meta.label: m._base_manager.count() for m in apps.get_models()
            if m._meta.app_config.path.startswith(root) and not m._meta.proxy}


def _pg_env(db):
    env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
    return env, ["--host", str(db.get("HOST") or "127.0.0.1"), "--port",
                 str(db.get("PORT") or 5432), "--username", str(db.get("USER") or "postgres")]


def _walk(storage, folder=""):
    dirs, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for sub in dirs:
        yield from _walk(storage, f"{folder}/{sub}" if folder else sub)


def backup(output):
    """Write the database and the stored files into `output` (a new folder). Returns the
    manifest."""
    output = Path(output)
    if output.exists() and any(output.iterdir()):
        raise BackupError(f"{output} is not empty; choose a new folder.")
    (output / "media").mkdir(parents=True, exist_ok=True)
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        env, args = _pg_env(db)
        dump = output / "database.dump"
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", *args,
                        "--file", str(dump), db["NAME"]], env=env, check=True,
                       capture_output=True, timeout=3600)
    elif connection.vendor == "sqlite":
        dump = output / "database.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(dump)
        with target:
            connection.connection.backup(target)
        target.close()
    else:  # pragma: no cover - the two supported databases
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")
    files = []
    for name in sorted(_walk(default_storage)) if default_storage.exists("") else []:
        target = output / "media" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(name, "rb") as source, open(target, "wb") as copy:
            shutil.copyfileobj(source, copy)
        files.append({"path": name, "sha256": sha256_file(target), "size": target.stat().st_size})
    manifest = {
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "database": {"vendor": connection.vendor, "file": dump.name,
                     "sha256": sha256_file(dump)},
        "migrations": sorted(f"{a}.{n}" for a, n in MigrationRecorder(connection)
                             .migration_qs.values_list("app", "name")),
        "counts": row_counts(),
        "media": files,
    }
    (output / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return manifest


def _database_is_empty():
    return "django_migrations" not in connection.introspection.table_names()


def restore(source):
    """Bring a backup back into an empty installation (the configured database has no tables,
    the storage has none of the files), then check it. Returns a report."""
    source = Path(source)
    manifest = json.loads((source / MANIFEST).read_text())
    dump = source / manifest["database"]["file"]
    if sha256_file(dump) != manifest["database"]["sha256"]:
        raise BackupError("The database dump does not match its manifest hash.")
    for entry in manifest["media"]:
        if sha256_file(source / "media" / entry["path"]) != entry["sha256"]:
            raise BackupError(f"{entry['path']} does not match its manifest hash.")
    if not _database_is_empty():
        raise BackupError("The target database is not empty: restore into a new installation.")
    clash = [e["path"] for e in manifest["media"] if default_storage.exists(e["path"])]
    if clash:
        raise BackupError(f"The target storage already holds {clash[0]} (and "
                          f"{len(clash) - 1} more): restore into empty storage.")
    db = connection.settings_dict
    if manifest["database"]["vendor"] != connection.vendor:
        raise BackupError(f"This backup is of {manifest['database']['vendor']}; the target is "
                          f"{connection.vendor}.")
    if connection.vendor == "postgresql":
        env, args = _pg_env(db)
        connection.close()
        subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                        *args, "--dbname", db["NAME"], str(dump)], env=env, check=True,
                       capture_output=True, timeout=3600)
    else:
        connection.ensure_connection()
        with sqlite3.connect(dump) as backup_db:
            backup_db.backup(connection.connection)
    for entry in manifest["media"]:
        with open(source / "media" / entry["path"], "rb") as handle:
            saved = default_storage.save(entry["path"], ContentFile(handle.read()))
        if saved != entry["path"]:
            raise BackupError(f"The storage renamed {entry['path']} to {saved}.")
    return check(manifest)


def check(manifest):
    """Counts, file hashes and audit chains of the installation against a manifest."""
    from .audit import audit_verify

    counts = row_counts()
    problems = [f"{label}: {counts[label]} rows, the backup had {n}"
                for label, n in manifest["counts"].items() if counts.get(label) != n]
    for entry in manifest["media"]:
        with default_storage.open(entry["path"], "rb") as handle:
            if hashlib.sha256(handle.read()).hexdigest() != entry["sha256"]:
                problems.append(f"{entry['path']}: its hash differs from the backup's")
    audit = audit_verify()
    if not audit["ok"]:
        problems.append(f"audit chain broken: {audit}")
    return {"ok": not problems, "problems": problems, "counts": counts,
            "files": len(manifest["media"]), "audit_events": audit["events"]}
