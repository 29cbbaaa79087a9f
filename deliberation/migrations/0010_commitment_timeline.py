"""The commitments' public timeline (made, progress, result, remarks and answers), hash-chained
per commitment; photos as evidence; reminder rows for overdue commitments; the daily seals.

Timeline entries and seals are append-only in the database, as issue timeline entries are
(migration 0005): PostgreSQL refuses UPDATE and DELETE, SQLite refuses UPDATE (Django's test
flush deletes rows there). A commitment made before this migration gets its "made" entry here.
"""

import deliberation.models.commitments
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from deliberation.timeline import GENESIS, link

# The canonical form (version 1) of a commitment timeline entry, frozen as it was written.
CHAINED_FIELDS = (
    "commitment_id",
    "seq",
    "kind",
    "at",
    "actor_id",
    "actor_role",
    "progress",
    "text",
    "result",
    "due_on",
    "answer_to_id",
)
APPEND_ONLY = {
    "deliberation_commitmentupdate": "commitment timeline entries",
    "deliberation_timelineseal": "timeline seals",
}


def record_commitments_made(apps, schema_editor):
    Commitment = apps.get_model("deliberation", "Commitment")
    CommitmentUpdate = apps.get_model("deliberation", "CommitmentUpdate")
    for commitment in Commitment.objects.select_related("organization").order_by("pk").iterator():
        entry = CommitmentUpdate(
            commitment_id=commitment.pk,
            kind="made",
            at=commitment.made_at,
            actor_id=commitment.made_by_id,
            actor_role=commitment.organization.name,
            text="\n\n".join(part for part in (commitment.title, commitment.description) if part),
            result="",
            due_on=commitment.due_on,
            seq=1,
        )
        values = {name: getattr(entry, name) for name in CHAINED_FIELDS}
        entry.hash = link(GENESIS, "deliberation.commitmentupdate", values)
        entry.save()


def append_only(apps, schema_editor):
    for table, what in APPEND_ONLY.items():
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"""
CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{what} are append-only (% on %)', TG_OP, OLD.id;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {table}_append_only
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_append_only();
""",
                params=None,
            )
        elif schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(
                f"""
CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table}
BEGIN
    SELECT RAISE(ABORT, '{what} are append-only');
END;
"""
            )


def no_longer_append_only(apps, schema_editor):
    for table in APPEND_ONLY:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_append_only();")
        elif schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only;")


class Migration(migrations.Migration):

    dependencies = [
        ('deliberation', '0009_issue_timeline_protected'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='TimelineSeal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(unique=True, verbose_name='day')),
                ('hash', models.CharField(max_length=64, verbose_name='head hash')),
                ('previous', models.CharField(max_length=64)),
                ('entries', models.PositiveIntegerField(verbose_name='entries sealed')),
                ('sealed_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                'verbose_name': 'timeline seal',
                'verbose_name_plural': 'timeline seals',
                'ordering': ['-day'],
            },
        ),
        migrations.CreateModel(
            name='CommitmentUpdate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('made', 'commitment made'), ('progress', 'progress'), ('result', 'result'), ('remark', 'supervision remark'), ('answer', 'answer to a remark')], max_length=16, verbose_name='what')),
                ('at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='when')),
                ('actor_role', models.CharField(max_length=120, verbose_name='who')),
                ('progress', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='progress (%)')),
                ('text', models.TextField(blank=True, max_length=4000, verbose_name='text')),
                ('result', models.CharField(blank=True, choices=[('active', 'in progress'), ('fulfilled', 'fulfilled'), ('partly', 'partly fulfilled'), ('not_fulfilled', 'not fulfilled')], max_length=16, verbose_name='result')),
                ('due_on', models.DateField(blank=True, null=True, verbose_name='due by')),
                ('submission_key', models.UUIDField(blank=True, editable=False, null=True, unique=True)),
                ('seq', models.PositiveIntegerField(editable=False)),
                ('hash', models.CharField(editable=False, max_length=64)),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('answer_to', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='answer', to='deliberation.commitmentupdate', verbose_name='answers the remark')),
                ('commitment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='updates', to='deliberation.commitment')),
            ],
            options={
                'verbose_name': 'commitment timeline entry',
                'verbose_name_plural': 'commitment timeline entries',
                'ordering': ['at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='CommitmentPhoto',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('image', models.ImageField(height_field='height', upload_to=deliberation.models.commitments._photo_path, verbose_name='photo', width_field='width')),
                ('width', models.PositiveIntegerField(default=0)),
                ('height', models.PositiveIntegerField(default=0)),
                ('uploaded_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('update', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='photos', to='deliberation.commitmentupdate')),
            ],
            options={
                'verbose_name': 'commitment photo',
                'verbose_name_plural': 'commitment photos',
                'ordering': ['uploaded_at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='CommitmentReminder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('due_at', models.DateTimeField()),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
                ('commitment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='deliberation.commitment')),
            ],
            options={
                'verbose_name': 'commitment reminder',
                'verbose_name_plural': 'commitment reminders',
                'ordering': ['due_at'],
                'indexes': [models.Index(condition=models.Q(('sent_at__isnull', True)), fields=['due_at'], name='commitment_reminder_waiting')],
                'constraints': [models.UniqueConstraint(fields=('commitment', 'due_at'), name='commitment_reminder_once_per_time')],
            },
        ),
        migrations.AddIndex(
            model_name='commitmentupdate',
            index=models.Index(fields=['at'], name='commitment_update_at'),
        ),
        migrations.AddConstraint(
            model_name='commitmentupdate',
            constraint=models.UniqueConstraint(fields=('commitment', 'seq'), name='commitment_update_one_per_place'),
        ),
        migrations.AddConstraint(
            model_name='commitmentupdate',
            constraint=models.CheckConstraint(condition=models.Q(('progress__isnull', True), ('progress__lte', 100), _connector='OR'), name='commitment_update_progress_0_100'),
        ),
        migrations.AddConstraint(
            model_name='commitmentupdate',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'progress'), _negated=True), ('progress__isnull', False), _connector='OR'), name='commitment_update_progress_has_a_percentage'),
        ),
        migrations.AddConstraint(
            model_name='commitmentupdate',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'result'), _negated=True), ('result__in', ['fulfilled', 'partly', 'not_fulfilled']), _connector='OR'), name='commitment_update_result_names_it'),
        ),
        migrations.AddConstraint(
            model_name='commitmentupdate',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('answer_to__isnull', False), ('kind', 'answer')), models.Q(models.Q(('kind', 'answer'), _negated=True), ('answer_to__isnull', True)), _connector='OR'), name='commitment_update_answer_names_its_remark'),
        ),
        migrations.RunPython(record_commitments_made, migrations.RunPython.noop),
        migrations.RunPython(append_only, no_longer_append_only),
    ]
