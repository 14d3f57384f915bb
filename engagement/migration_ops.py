"""Operations shared by migrations that only apply to PostgreSQL (triggers, functions)."""

from django.db import migrations


def postgres_only(create_sql, drop_sql):
    """A RunPython that runs `create_sql` forwards and `drop_sql` backwards on PostgreSQL,
    and does nothing on other databases (the embedded SQLite mode)."""

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(create_sql, params=None)

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(drop_sql, params=None)

    return migrations.RunPython(forwards, backwards)
