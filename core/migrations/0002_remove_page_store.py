"""Take out the page store's counters: their triggers first, then the `Generation` table.

The triggers were installed outside migrations (by a `post_migrate` handler), so no
migration state knows of them; they are found by their name prefix and dropped before
any migration removes a column they name. On SQLite, dropping a column rebuilds the
table, which must not carry them either.
"""

from django.db import migrations

PREFIX = "generation\\_%"


def drop_triggers(apps, schema_editor) -> None:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname, tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE %s",
                [PREFIX],
            )
            for name, table in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}" ON {table}')
            cursor.execute("SELECT proname FROM pg_proc WHERE proname LIKE %s", [PREFIX])
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP FUNCTION IF EXISTS "{name}"()')
        elif connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s "
                "ESCAPE '\\'",
                [PREFIX],
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("accounts", "0002_generations"),
        ("clubs", "0003_generations"),
    ]

    operations = [
        migrations.RunPython(drop_triggers, migrations.RunPython.noop, elidable=True),
        migrations.DeleteModel(name="Generation"),
    ]
