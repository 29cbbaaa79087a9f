"""No two bookings that hold a room overlap: an exclusion constraint on PostgreSQL.

    EXCLUDE USING gist (space_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (status IN ('pending', 'approved'))

`btree_gist` lets the GiST index compare `space_id` with `=`. The constraint is kept out of the
model state on purpose: SQLite has no exclusion constraints, and a later migration that remakes
the table there would try to create it. On SQLite, `communities.services.spaces` checks for
overlaps inside a transaction that holds the write lock from BEGIN (ADR 0006).

Not `BtreeGistExtension()`: its backwards step queries `pg_extension` on every database, and
dropping an extension other tables may use is not this migration's business.
"""

from django.db import migrations
from django.db.models import Func, Q

NAME = "booking_never_overlaps"


def _constraint():
    from django.contrib.postgres.constraints import ExclusionConstraint
    from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators

    class TsTzRange(Func):
        function = "TSTZRANGE"
        output_field = DateTimeRangeField()

    return ExclusionConstraint(
        name=NAME,
        expressions=[
            ("space", RangeOperators.EQUAL),
            (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
        ],
        condition=Q(status__in=["pending", "approved"]),
    )


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.add_constraint(apps.get_model("communities", "Booking"), _constraint())


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.remove_constraint(apps.get_model("communities", "Booking"), _constraint())


class Migration(migrations.Migration):
    dependencies = [("communities", "0007_spaces")]

    operations = [migrations.RunPython(forwards, backwards)]
