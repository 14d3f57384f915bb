"""On PostgreSQL the database refuses any change to a frozen SOW version's content, and any
delete. Status and the signing record stay writable: they move through the approval flow."""

from django.db import migrations

from engagement.migration_ops import postgres_only

CREATE = """
CREATE OR REPLACE FUNCTION offramp_sow_version_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'frozen SOW versions cannot be deleted' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.html IS DISTINCT FROM OLD.html OR NEW.sha256 IS DISTINCT FROM OLD.sha256
       OR NEW.source IS DISTINCT FROM OLD.source OR NEW.number IS DISTINCT FROM OLD.number
       OR NEW.sow_id IS DISTINCT FROM OLD.sow_id OR NEW.author_id IS DISTINCT FROM OLD.author_id
       OR NEW.created_at IS DISTINCT FROM OLD.created_at
       OR NEW.justification IS DISTINCT FROM OLD.justification THEN
        RAISE EXCEPTION 'frozen SOW versions cannot be changed' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER sow_sowversion_frozen
    BEFORE UPDATE OR DELETE ON sow_sowversion
    FOR EACH ROW EXECUTE FUNCTION offramp_sow_version_frozen();
"""

DROP = """
DROP TRIGGER IF EXISTS sow_sowversion_frozen ON sow_sowversion;
DROP FUNCTION IF EXISTS offramp_sow_version_frozen();
"""


class Migration(migrations.Migration):
    dependencies = [("sow", "0001_initial")]

    operations = [postgres_only(CREATE, DROP)]
