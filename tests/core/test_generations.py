"""The counters' triggers come and go with migrations, forwards and backwards."""

import os
import sqlite3
import subprocess
import sys
import time

from tests.support import ROOT


def trigger_count(database) -> int:
    with sqlite3.connect(database) as db:
        return db.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'generation%'"
        ).fetchone()[0]


def test_migrations_run_both_ways_with_the_triggers_in_place(tmp_path) -> None:
    """SQLite refuses to rebuild a table that a trigger names, and rolling back the
    counters' columns must not leave triggers that write to them."""
    database = tmp_path / "roundtrip.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}

    def migrate(*target: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", *target, "-v0"], cwd=ROOT, env=env, check=True
        )

    migrate()
    installed = trigger_count(database)
    assert installed > 30
    migrate("accounts", "0001")  # drops User.generation: SQLite rebuilds accounts_user
    assert trigger_count(database) == 0
    migrate()
    assert trigger_count(database) == installed
    with sqlite3.connect(database) as db:
        db.execute(
            "INSERT INTO accounts_user (password, is_superuser, username, first_name, "
            "last_name, email, is_staff, is_active, date_joined, display_name, "
            "generation) VALUES ('', 0, 'ada', '', '', '', 0, 1, '2026-01-01', '', 0)"
        )
        db.execute("UPDATE accounts_user SET display_name = 'Ada' WHERE username = 'ada'")
        generation = db.execute("SELECT generation FROM accounts_user").fetchone()[0]
    assert generation == 1


def test_a_failed_migration_puts_the_triggers_back(tmp_path) -> None:
    """Without its triggers no write would move a counter, and stored pages would be
    served after the rows they show changed."""
    database = tmp_path / "failed.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    installed = trigger_count(database)
    # Rolling accounts back fails half-way, after pre_migrate took the triggers away.
    failing = (
        "import django; django.setup()\n"
        "from django.db.migrations.executor import MigrationExecutor\n"
        "def fail(*args, **kwargs): raise RuntimeError('migration failed')\n"
        "MigrationExecutor.unapply_migration = fail\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', 'accounts', '0001', verbosity=0)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", failing],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "readinggroup.settings"},
        capture_output=True,
        text=True,
    )
    assert run.returncode != 0 and "migration failed" in run.stderr
    assert trigger_count(database) == installed
    with sqlite3.connect(database) as db:
        db.execute(
            "INSERT INTO accounts_user (password, is_superuser, username, first_name, "
            "last_name, email, is_staff, is_active, date_joined, display_name, "
            "generation) VALUES ('', 0, 'ada', '', '', '', 0, 1, '2026-01-01', '', 0)"
        )
        db.execute("UPDATE accounts_user SET display_name = 'Ada' WHERE username = 'ada'")
        assert db.execute("SELECT generation FROM accounts_user").fetchone()[0] == 1


def test_a_new_epoch_passes_every_counter_value_in_use_before(db) -> None:
    """A restore brings back a backup's lower canon counter; the epoch that follows must
    still move past every value a running process keyed a page with."""
    from core.generations import CANON, install
    from core.models import Generation

    install()
    used = Generation.objects.get(scope=CANON).value
    assert abs(used - time.time() * 1_000_000) < 60 * 1_000_000  # the clock, in µs
    Generation.objects.filter(scope=CANON).update(value=5)  # as restored from a backup
    install()
    after = Generation.objects.get(scope=CANON).value
    assert after > used
    Generation.objects.filter(scope=CANON).update(value=after + 10**15)  # ahead of the clock
    install()
    assert Generation.objects.get(scope=CANON).value == after + 10**15 + 1


def test_a_migrate_that_fails_before_it_starts_leaves_the_triggers_alone(tmp_path) -> None:
    """A `migrate` refused before any migration runs (here: an unknown app) must not
    rebuild the triggers, nor start a new epoch, on its way out."""
    database = tmp_path / "refused.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    with sqlite3.connect(database) as db:
        # Named like the counters' triggers, so a reinstall would drop it.
        db.execute(
            "CREATE TRIGGER generation_marker AFTER INSERT ON core_generation BEGIN SELECT 1; END"
        )
        epoch = db.execute("SELECT value FROM core_generation").fetchone()[0]
    refused = subprocess.run(
        [sys.executable, "manage.py", "migrate", "no_such_app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0 and "no_such_app" in refused.stderr
    with sqlite3.connect(database) as db:
        names = {
            row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        }
        assert "generation_marker" in names
        assert db.execute("SELECT value FROM core_generation").fetchone()[0] == epoch
