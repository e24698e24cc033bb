"""Phases belong to a curriculum; phase numbers are unique within one curriculum only.

An install that already has phases keeps every one of them, with its placements, in one
curriculum named for the bundled canon; going back folds the curricula into one list of
phases again (refused if two curricula share a phase number, which cannot be folded).
"""

import django.db.models.deletion
from django.db import migrations, models

BUNDLED_CURRICULUM = "Core ML curriculum"


def into_one_curriculum(apps, schema_editor) -> None:
    Phase = apps.get_model("papers", "Phase")
    Curriculum = apps.get_model("papers", "Curriculum")
    if not Phase.objects.exists():
        return
    curriculum = Curriculum.objects.create(
        name=BUNDLED_CURRICULUM,
        slug="core-ml-curriculum",
        description="The phases this server had before it held several curricula.",
        source="papers/data/canon.json",
    )
    Phase.objects.update(curriculum=curriculum)


def out_of_curricula(apps, schema_editor) -> None:
    Phase = apps.get_model("papers", "Phase")
    numbers = list(Phase.objects.values_list("number", flat=True))
    if len(numbers) != len(set(numbers)):
        raise RuntimeError("Two curricula share a phase number: they cannot be folded into one.")


class Migration(migrations.Migration):
    dependencies = [("papers", "0003_paper_aliases_table")]

    operations = [
        migrations.CreateModel(
            name="Curriculum",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200, unique=True)),
                ("slug", models.SlugField(max_length=120, unique=True)),
                ("description", models.TextField(blank=True)),
                (
                    "source",
                    models.CharField(
                        blank=True,
                        help_text="Where it came from: a file, a course, a link.",
                        max_length=300,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={"ordering": ["name"], "verbose_name_plural": "curricula"},
        ),
        migrations.AddField(
            model_name="phase",
            name="curriculum",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="phases",
                to="papers.curriculum",
            ),
        ),
        migrations.RunPython(into_one_curriculum, out_of_curricula),
        migrations.AlterField(
            model_name="phase",
            name="curriculum",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="phases",
                to="papers.curriculum",
            ),
        ),
        migrations.AlterField(
            model_name="phase",
            name="number",
            field=models.PositiveSmallIntegerField(),
        ),
        migrations.AlterModelOptions(
            name="phase",
            options={"ordering": ["curriculum__name", "number"]},
        ),
        migrations.AlterModelOptions(
            name="placement",
            options={
                "ordering": [
                    "phase__curriculum__name",
                    "phase__number",
                    "tier",
                    "order",
                    "paper__title",
                ]
            },
        ),
        migrations.AddConstraint(
            model_name="phase",
            constraint=models.UniqueConstraint(
                fields=("curriculum", "number"), name="phase_number_unique_in_curriculum"
            ),
        ),
    ]
