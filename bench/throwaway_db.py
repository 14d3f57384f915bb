"""A throw-away PostgreSQL database for one benchmark run: created at the start, dropped at
the end whatever happens (shared by the benchmarks that need PostgreSQL)."""

import contextlib
import os
import uuid

import psycopg

ADMIN = os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
NAME = f"offramp_bench_{uuid.uuid4().hex[:8]}"
URL = ADMIN.rsplit("/", 1)[0] + "/" + NAME


@contextlib.contextmanager
def throwaway_database():
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{NAME}"')
    try:
        yield URL
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
