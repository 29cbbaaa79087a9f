"""Indexes for deliberation.search: a GIN index on PostgreSQL, an FTS5 table on SQLite.

Kept out of the model state on purpose (the index is on an expression Django generates, the
FTS5 table is a virtual table). On SQLite, a later migration that *remakes* deliberation_issue
(most AlterField/RemoveField operations) drops the table's triggers with it; the triggers must
then be created again (tests/deliberation/test_search.py checks that they exist).
"""

from django.db import migrations

# Exactly the expression SearchVector("search_text", config="simple") compiles to, so that the
# planner can use the index for deliberation.search.matching.
PG_CREATE = (
    "CREATE INDEX deliberation_issue_search_gin ON deliberation_issue "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(search_text, '')))"
)
PG_DROP = "DROP INDEX IF EXISTS deliberation_issue_search_gin"

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE deliberation_issue_fts USING fts5("
    "search_text, content='deliberation_issue', content_rowid='id', tokenize='unicode61')",
    """CREATE TRIGGER deliberation_issue_fts_insert AFTER INSERT ON deliberation_issue BEGIN
        INSERT INTO deliberation_issue_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER deliberation_issue_fts_delete AFTER DELETE ON deliberation_issue BEGIN
        INSERT INTO deliberation_issue_fts(deliberation_issue_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    END""",
    """CREATE TRIGGER deliberation_issue_fts_update AFTER UPDATE OF search_text ON deliberation_issue
    BEGIN
        INSERT INTO deliberation_issue_fts(deliberation_issue_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO deliberation_issue_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    # Index the issues that already exist.
    "INSERT INTO deliberation_issue_fts(deliberation_issue_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS deliberation_issue_fts_update",
    "DROP TRIGGER IF EXISTS deliberation_issue_fts_delete",
    "DROP TRIGGER IF EXISTS deliberation_issue_fts_insert",
    "DROP TABLE IF EXISTS deliberation_issue_fts",
]


def _require_fts5(connection):
    # FTS5 is compiled into most SQLite builds, but may be missing or a loadable extension.
    with connection.cursor() as cursor:
        try:
            cursor.execute("CREATE VIRTUAL TABLE temp.deliberation_fts5_probe USING fts5(x)")
            cursor.execute("DROP TABLE temp.deliberation_fts5_probe")
        except Exception as exc:
            version = connection.Database.sqlite_version
            raise RuntimeError(
                f"Issue search needs SQLite with FTS5, which this Python's sqlite3 (SQLite "
                f"{version}) lacks. Use a Python built against an SQLite with FTS5 enabled, "
                f"or PostgreSQL."
            ) from exc


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute(PG_CREATE)
    elif connection.vendor == "sqlite":
        _require_fts5(connection)
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute(PG_DROP)
    elif connection.vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("deliberation", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
