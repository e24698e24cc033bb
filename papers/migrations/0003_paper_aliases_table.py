"""Alias keys move from a text column scanned with LIKE to an indexed table of their own.

Every paper's aliases (one per line in `Paper.aliases`, which stays as it is) get one row per
distinct match key, so existing installs keep matching the titles their papers are also
listed as; going back rebuilds the old column from the rows.
"""

import django.db.models.deletion
from django.db import migrations, models

from papers.identity import normalize_title

KEY_LENGTH = 500


def keys_of(aliases: str) -> list[str]:
    keys = (normalize_title(line)[:KEY_LENGTH] for line in aliases.splitlines() if line.strip())
    return list(dict.fromkeys(key for key in keys if key))


def fill_alias_rows(apps, schema_editor) -> None:
    Paper = apps.get_model("papers", "Paper")
    PaperAlias = apps.get_model("papers", "PaperAlias")
    rows = []
    for pk, aliases in Paper.objects.exclude(aliases="").values_list("pk", "aliases").iterator():
        rows += [PaperAlias(paper_id=pk, key=key) for key in keys_of(aliases)]
        if len(rows) >= 1000:
            PaperAlias.objects.bulk_create(rows)
            rows = []
    PaperAlias.objects.bulk_create(rows)


def fill_alias_column(apps, schema_editor) -> None:
    Paper = apps.get_model("papers", "Paper")
    for paper in Paper.objects.exclude(aliases="").only("pk", "aliases").iterator():
        keys = keys_of(paper.aliases)
        Paper.objects.filter(pk=paper.pk).update(alias_keys="".join(f"|{k}|" for k in keys))


class Migration(migrations.Migration):
    dependencies = [("papers", "0002_search_document")]

    operations = [
        migrations.CreateModel(
            name="PaperAlias",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(db_index=True, max_length=500)),
                (
                    "paper",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="alias_rows",
                        to="papers.paper",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("paper", "key"), name="paperalias_unique_paper_key"
                    )
                ],
            },
        ),
        migrations.RunPython(fill_alias_rows, fill_alias_column),
        migrations.RemoveField(model_name="paper", name="alias_keys"),
    ]
