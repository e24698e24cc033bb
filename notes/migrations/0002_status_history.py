"""Status history, backfilled from the dates readings already carry.

Each stamped stage of a reading becomes one change, in the order of its dates, from the
stage before it: these dates are when the member first reached each stage, so the
history says no more than they do. A reading whose current status is not its latest
stamped stage (moved back before there was a history) gets one more change to its
status at its last update, and loses the dates of the stages after it, which the old code
kept and which no longer describe where the member is.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


STAGES = ["queued", "pass1", "pass2", "pass3", "done"]
RANK = {stage: rank for rank, stage in enumerate(STAGES)}


def backfill(apps, schema_editor):
    Reading = apps.get_model("notes", "Reading")
    StatusChange = apps.get_model("notes", "StatusChange")
    batch = []
    for reading in Reading.objects.iterator(chunk_size=2000):
        stamps = sorted(
            (when, stage)
            for stage in [*STAGES, "dropped"]
            if (when := getattr(reading, f"{stage}_at")) is not None
        )
        if reading.status != "dropped":
            # Stamps of stages after the current one: true once, not any more.
            later = [s for s in STAGES if RANK[s] > RANK[reading.status]] + ["dropped"]
            if any(getattr(reading, f"{stage}_at") for stage in later):
                Reading.objects.filter(pk=reading.pk).update(
                    **{f"{stage}_at": None for stage in later}
                )
        previous = ""
        for when, stage in stamps:
            batch.append(
                StatusChange(
                    user_id=reading.user_id,
                    paper_id=reading.paper_id,
                    from_status=previous,
                    to_status=stage,
                    at=when,
                )
            )
            previous = stage
        if previous != reading.status:
            batch.append(
                StatusChange(
                    user_id=reading.user_id,
                    paper_id=reading.paper_id,
                    from_status=previous,
                    to_status=reading.status,
                    at=reading.updated_at,
                )
            )
        if len(batch) >= 5000:
            StatusChange.objects.bulk_create(batch)
            batch = []
    StatusChange.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("notes", "0001_initial"),
        ("papers", "0006_title_trigrams"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="StatusChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "from_status",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("queued", "To read"),
                            ("pass1", "Pass 1"),
                            ("pass2", "Pass 2"),
                            ("pass3", "Pass 3"),
                            ("done", "Done"),
                            ("dropped", "Dropped"),
                        ],
                        max_length=10,
                    ),
                ),
                (
                    "to_status",
                    models.CharField(
                        choices=[
                            ("queued", "To read"),
                            ("pass1", "Pass 1"),
                            ("pass2", "Pass 2"),
                            ("pass3", "Pass 3"),
                            ("done", "Done"),
                            ("dropped", "Dropped"),
                        ],
                        max_length=10,
                    ),
                ),
                ("at", models.DateTimeField()),
                (
                    "paper",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="status_changes",
                        to="papers.paper",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="status_changes",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["user", "paper", "at"], name="notes_statu_user_id_3df998_idx"
                    )
                ],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
