"""On PostgreSQL the database itself refuses UPDATE and DELETE on audit events.

The application never changes an event; the trigger makes sure nobody else can through SQL
either, short of a superuser disabling it (which `verify_audit` would then catch).
"""

from django.db import migrations

from engagement.migration_ops import postgres_only

CREATE = """
CREATE OR REPLACE FUNCTION offramp_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused on engagement_auditevent', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER engagement_auditevent_append_only
    BEFORE UPDATE OR DELETE ON engagement_auditevent
    FOR EACH ROW EXECUTE FUNCTION offramp_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS engagement_auditevent_append_only ON engagement_auditevent;
DROP FUNCTION IF EXISTS offramp_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("engagement", "0001_initial")]

    operations = [postgres_only(CREATE, DROP)]
