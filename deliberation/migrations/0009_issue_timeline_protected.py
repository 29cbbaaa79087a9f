"""The issue timeline's chain becomes required, one entry per place, and append-only like the
rest of the entry: the trigger of migration 0005 now also refuses changes to the new columns.

On SQLite, adding a column or a constraint rebuilds the table, which drops its triggers: the
trigger is created again last."""

from django.db import migrations, models

BEFORE = ("issue_id", "kind", "at", "actor_id", "actor_role", "from_status", "to_status", "note", "organization_id", "area_id")
AFTER = (*BEFORE, "commitment_id", "seq", "hash")


def postgres_function(protected):
    changed = " OR ".join(f"NEW.{column} IS DISTINCT FROM OLD.{column}" for column in protected)
    return f"""
CREATE OR REPLACE FUNCTION deliberation_issueevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'issue timeline entries are append-only: % cannot be deleted', OLD.id;
    END IF;
    IF ({changed}) THEN
        RAISE EXCEPTION 'issue timeline entries are append-only: % cannot be changed', OLD.id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def sqlite_trigger(protected):
    return [
        "DROP TRIGGER IF EXISTS deliberation_issueevent_append_only;",
        f"""
CREATE TRIGGER deliberation_issueevent_append_only
BEFORE UPDATE OF {", ".join(protected)} ON deliberation_issueevent
BEGIN
    SELECT RAISE(ABORT, 'issue timeline entries are append-only');
END;
""",
    ]


def protect(columns):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(postgres_function(columns), params=None)
        elif vendor == "sqlite":
            for statement in sqlite_trigger(columns):
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("deliberation", "0008_issue_timeline_chain"),
    ]

    operations = [
        migrations.AlterField(
            model_name="issueevent",
            name="seq",
            field=models.PositiveIntegerField(editable=False),
        ),
        migrations.AddIndex(
            model_name="issueevent",
            index=models.Index(fields=["at"], name="issue_event_at"),
        ),
        migrations.AddConstraint(
            model_name="issueevent",
            constraint=models.UniqueConstraint(fields=("issue", "seq"), name="issue_event_one_per_place"),
        ),
        migrations.RunPython(protect(AFTER), protect(BEFORE)),
    ]
