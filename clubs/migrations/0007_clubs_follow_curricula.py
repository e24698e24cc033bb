"""Clubs follow whole curricula instead of a hand-picked set of phases.

A club that followed any phase follows that phase's curriculum; going back, a club
follows every phase of its curricula.
"""

from django.db import migrations, models


def phases_to_curricula(apps, schema_editor) -> None:
    Club = apps.get_model("clubs", "Club")
    for club in Club.objects.prefetch_related("phases"):
        club.curricula.set({phase.curriculum_id for phase in club.phases.all()})


def curricula_to_phases(apps, schema_editor) -> None:
    Club = apps.get_model("clubs", "Club")
    Phase = apps.get_model("papers", "Phase")
    for club in Club.objects.prefetch_related("curricula"):
        club.phases.set(Phase.objects.filter(curriculum__in=club.curricula.all()))


class Migration(migrations.Migration):
    dependencies = [
        ("clubs", "0006_notifications"),
        ("papers", "0004_curricula"),
    ]

    operations = [
        migrations.AddField(
            model_name="club",
            name="curricula",
            field=models.ManyToManyField(
                blank=True,
                help_text="The curricula the club follows: its progress and matrix show their "
                "phases.",
                related_name="clubs",
                to="papers.curriculum",
            ),
        ),
        migrations.RunPython(phases_to_curricula, curricula_to_phases),
        migrations.RemoveField(model_name="club", name="phases"),
    ]
