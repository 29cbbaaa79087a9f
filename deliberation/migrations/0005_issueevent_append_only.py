"""The public timeline is append-only, in the database too.

Only `notified_at` may change after an entry is written (the notification sweep stamps it).
PostgreSQL also refuses deletes; SQLite does not, because Django's test flush empties tables
with DELETE there, and SQLite is the embedded default, not where records are kept for years.
"""

from django.db import migrations

PROTECTED = ("issue_id", "kind", "at", "actor_id", "actor_role", "from_status", "to_status", "note", "organization_id", "area_id")

POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION deliberation_issueevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'issue timeline entries are append-only: % cannot be deleted', OLD.id;
    END IF;
    IF ({" OR ".join(f"NEW.{column} IS DISTINCT FROM OLD.{column}" for column in PROTECTED)}) THEN
        RAISE EXCEPTION 'issue timeline entries are append-only: % cannot be changed', OLD.id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER deliberation_issueevent_append_only
    BEFORE UPDATE OR DELETE ON deliberation_issueevent
    FOR EACH ROW EXECUTE FUNCTION deliberation_issueevent_append_only();
"""

POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS deliberation_issueevent_append_only ON deliberation_issueevent;
DROP FUNCTION IF EXISTS deliberation_issueevent_append_only();
"""

SQLITE_FORWARD = f"""
CREATE TRIGGER deliberation_issueevent_append_only
BEFORE UPDATE OF {", ".join(PROTECTED)} ON deliberation_issueevent
BEGIN
    SELECT RAISE(ABORT, 'issue timeline entries are append-only');
END;
"""

SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS deliberation_issueevent_append_only;"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("deliberation", "0004_event_notified_at")]

    operations = [migrations.RunPython(forwards, backwards)]
