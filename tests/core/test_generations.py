"""The counters' triggers come and go with migrations, forwards and backwards."""

import os
import sqlite3
import subprocess
import sys

from tests.support import ROOT


def test_migrations_run_both_ways_with_the_triggers_in_place(tmp_path) -> None:
    """SQLite refuses to rebuild a table that a trigger names, and rolling back the
    counters' columns must not leave triggers that write to them."""
    database = tmp_path / "roundtrip.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}

    def migrate(*target: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", *target, "-v0"], cwd=ROOT, env=env, check=True
        )

    def triggers() -> int:
        with sqlite3.connect(database) as db:
            return db.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'generation%'"
            ).fetchone()[0]

    migrate()
    installed = triggers()
    assert installed > 30
    migrate("accounts", "0001")  # drops User.generation: SQLite rebuilds accounts_user
    assert triggers() == 0
    migrate()
    assert triggers() == installed
    with sqlite3.connect(database) as db:
        db.execute(
            "INSERT INTO accounts_user (password, is_superuser, username, first_name, "
            "last_name, email, is_staff, is_active, date_joined, display_name, "
            "generation) VALUES ('', 0, 'ada', '', '', '', 0, 1, '2026-01-01', '', 0)"
        )
        db.execute("UPDATE accounts_user SET display_name = 'Ada' WHERE username = 'ada'")
        generation = db.execute("SELECT generation FROM accounts_user").fetchone()[0]
    assert generation == 1
