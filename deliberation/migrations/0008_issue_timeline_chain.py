"""Chain each issue's timeline with SHA-256 (deliberation.timeline) and name the commitment an
entry is about. Entries written before this migration are chained here, in the order of their
time; 0009 then makes the chain required and protects it."""

import django.db.models.deletion
from django.db import migrations, models

from deliberation.timeline import GENESIS, link

# The canonical form (version 1) of an issue timeline entry, frozen as it was when this
# migration was written; the model's CHAINED_FIELDS must keep the same names.
CHAINED_FIELDS = (
    "issue_id",
    "seq",
    "kind",
    "at",
    "actor_id",
    "actor_role",
    "from_status",
    "to_status",
    "note",
    "organization_id",
    "area_id",
    "commitment_id",
)
ISSUES_PER_BATCH = 1000


def chain_existing_entries(apps, schema_editor):
    IssueEvent = apps.get_model("deliberation", "IssueEvent")
    names = [name for name in CHAINED_FIELDS if name != "seq"]
    issue_ids = list(IssueEvent.objects.order_by("issue_id").values_list("issue_id", flat=True).distinct())
    for start in range(0, len(issue_ids), ISSUES_PER_BATCH):
        batch = issue_ids[start : start + ISSUES_PER_BATCH]
        rows = IssueEvent.objects.filter(issue_id__in=batch).order_by("issue_id", "at", "pk").values_list("pk", *names)
        updated, current, seq, previous = [], None, 0, GENESIS
        for pk, *row in rows:
            values = dict(zip(names, row, strict=True))
            if values["issue_id"] != current:
                current, seq, previous = values["issue_id"], 0, GENESIS
            seq += 1
            previous = link(previous, "deliberation.issueevent", {**values, "seq": seq})
            updated.append(IssueEvent(pk=pk, seq=seq, hash=previous))
        IssueEvent.objects.bulk_update(updated, ["seq", "hash"], batch_size=2000)


class Migration(migrations.Migration):

    dependencies = [
        ("deliberation", "0007_commitments"),
    ]

    operations = [
        migrations.AddField(
            model_name="issueevent",
            name="commitment",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="issue_events", to="deliberation.commitment", verbose_name="public commitment"),
        ),
        migrations.AlterField(
            model_name="issueevent",
            name="kind",
            field=models.CharField(choices=[("submitted", "reported"), ("accepted", "accepted"), ("rejected", "not accepted"), ("merged", "merged"), ("assigned", "assigned"), ("started", "work started"), ("resolved", "resolved"), ("closed", "closed"), ("reopened", "reopened"), ("escalated", "escalated"), ("summoned", "department summoned"), ("checked_in", "department checked in"), ("rated", "rated"), ("mediated", "mediation outcome recorded"), ("discussed", "discussed"), ("committed", "publicly committed"), ("commit_result", "commitment result")], max_length=16, verbose_name="what"),
        ),
        migrations.AddField(
            model_name="issueevent",
            name="seq",
            field=models.PositiveIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="issueevent",
            name="hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing_entries, migrations.RunPython.noop),
    ]
