"""The points ledger is append-only in the database: on PostgreSQL a trigger refuses every UPDATE
and DELETE of an entry (a mistake is answered by a reversal). SQLite, the embedded default, gets
the UPDATE guard; Django's test flush deletes rows there, so deletes stay allowed."""

from django.db import migrations

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION volunteers_ledgerentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'points ledger entries are append-only (% on entry %)', TG_OP, OLD.id;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER volunteers_ledgerentry_append_only
    BEFORE UPDATE OR DELETE ON volunteers_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION volunteers_ledgerentry_append_only();
"""
POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS volunteers_ledgerentry_append_only ON volunteers_ledgerentry;
DROP FUNCTION IF EXISTS volunteers_ledgerentry_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER volunteers_ledgerentry_append_only BEFORE UPDATE ON volunteers_ledgerentry
BEGIN
    SELECT RAISE(ABORT, 'points ledger entries are append-only');
END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS volunteers_ledgerentry_append_only;"


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
    dependencies = [("volunteers", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
