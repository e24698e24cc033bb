"""Meetings start where every time zone can show them.

A meeting stored before dates were checked (year 9999, say) is moved to the nearest
moment inside the range first, so the constraint can be added and its pages, feeds and
reminders work again; the organizer sees it at that date and can correct it.
"""

import datetime

from django.db import migrations, models

UTC = datetime.UTC
FIRST = datetime.datetime(1, 1, 2, tzinfo=UTC)
LAST = datetime.datetime(9999, 12, 30, tzinfo=UTC)


def bring_into_range(apps, schema_editor) -> None:
    Meeting = apps.get_model("clubs", "Meeting")
    Meeting.objects.filter(starts_at__gt=LAST).update(starts_at=LAST)
    Meeting.objects.filter(starts_at__lt=FIRST).update(starts_at=FIRST)


class Migration(migrations.Migration):
    dependencies = [
        ("clubs", "0004_remove_club_generation"),
    ]

    operations = [
        migrations.RunPython(bring_into_range, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="meeting",
            constraint=models.CheckConstraint(
                condition=models.Q(starts_at__range=(FIRST, LAST)),
                name="meeting_starts_storable",
            ),
        ),
    ]
