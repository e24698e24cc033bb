"""Upgrading a database that still has the page store's counters and their triggers.

The triggers were installed outside migrations, so migration state does not know them;
the upgrade must find and drop them before it drops the columns they write.
"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import User
from notes.models import Reading, Status

BEFORE = [("core", "0001_initial"), ("accounts", "0002_generations"), ("clubs", "0003_generations")]

# A sample of what the store installed: a note or reading bumps its author's counter, and
# the user row's own update trigger.
OLD_TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER generation_notes_reading_insert AFTER INSERT ON notes_reading BEGIN "
        "UPDATE accounts_user SET generation = generation + 1 WHERE id = NEW.user_id; END",
        "CREATE TRIGGER generation_accounts_user_update AFTER UPDATE ON accounts_user "
        "WHEN NEW.generation <= OLD.generation BEGIN UPDATE accounts_user "
        "SET generation = OLD.generation + 1 WHERE id = NEW.id; END",
    ],
    "postgresql": [
        "CREATE FUNCTION generation_notes_reading_insert() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN UPDATE accounts_user SET generation = generation + 1 WHERE id IN "
        "(SELECT user_id FROM changed); RETURN NULL; END $$",
        "CREATE TRIGGER generation_notes_reading_insert AFTER INSERT ON notes_reading "
        "REFERENCING NEW TABLE AS changed FOR EACH STATEMENT "
        "EXECUTE FUNCTION generation_notes_reading_insert()",
        "CREATE FUNCTION generation_accounts_user_update() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN IF NEW.generation <= OLD.generation THEN "
        "NEW.generation := OLD.generation + 1; END IF; RETURN NEW; END $$",
        "CREATE TRIGGER generation_accounts_user_update BEFORE UPDATE ON accounts_user "
        "FOR EACH ROW EXECUTE FUNCTION generation_accounts_user_update()",
    ],
}


def triggers() -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'generation%%' UNION ALL "
                "SELECT proname FROM pg_proc WHERE proname LIKE 'generation%%'"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'generation%%'"
            )
        return [name for (name,) in cursor.fetchall()]


def columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return {c.name for c in connection.introspection.get_table_description(cursor, table)}


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_an_old_database_upgrades_without_the_page_store(make_paper) -> None:
    migrate(BEFORE)
    with connection.cursor() as cursor:
        for statement in OLD_TRIGGERS[connection.vendor]:
            cursor.execute(statement)
    assert len(triggers()) >= 2 and "generation" in columns("accounts_user")
    assert "core_generation" in connection.introspection.table_names()

    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    migrate(latest)

    assert triggers() == []
    assert "generation" not in columns("accounts_user")
    assert "generation" not in columns("clubs_club")
    assert "core_generation" not in connection.introspection.table_names()
    # Writes the triggers used to follow work on the upgraded tables.
    user = User.objects.create_user("upgraded", password="x" * 12)
    Reading.objects.create(user=user, paper=make_paper(), status=Status.PASS1)
    user.display_name = "Upgraded"
    user.save()
    assert Reading.objects.filter(user__display_name="Upgraded").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_migrate_with_nothing_to_do_only_reads() -> None:
    """A deploy that runs `migrate` with nothing to apply must not lock tables that
    signed-in requests use: no DDL, no LOCK, no write to an app table."""
    from django.core.management import call_command
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    with CaptureQueriesContext(connection) as captured:
        call_command("migrate", verbosity=0)
    statements = [q["sql"].lstrip().split(None, 1)[0].upper() for q in captured.captured_queries]
    assert statements, "migrate ran no query at all"
    writes = {"CREATE", "DROP", "ALTER", "LOCK", "INSERT", "UPDATE", "DELETE", "TRUNCATE"}
    assert not writes & set(statements), captured.captured_queries
