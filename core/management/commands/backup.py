import os
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone


def pg_environment() -> dict[str, str]:
    """libpq environment variables for the default database."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    env.update(
        {
            "PGHOST": str(db.get("HOST") or ""),
            "PGPORT": str(db.get("PORT") or ""),
            "PGUSER": str(db.get("USER") or ""),
            "PGPASSWORD": str(db.get("PASSWORD") or ""),
            "PGDATABASE": str(db["NAME"]),
        }
    )
    return {k: v for k, v in env.items() if v != ""}


def pg_tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise CommandError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return path


class Command(BaseCommand):
    help = (
        "Back up the whole database to a file: pg_dump's custom format on PostgreSQL, "
        "a JSON fixture on SQLite. Restore it with `manage.py restore FILE`."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", nargs="?", help="Where to write (default: backups/…).")

    def handle(self, *args, path: str | None, **options) -> None:
        postgres = connection.vendor == "postgresql"
        if path is None:
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            suffix = "dump" if postgres else "json"
            path = str(Path(settings.BASE_DIR) / "backups" / f"readinggroup-{stamp}.{suffix}")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        if postgres:
            command = [pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", path]
            result = subprocess.run(command, env=pg_environment(), capture_output=True, text=True)
            if result.returncode:
                raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        else:
            call_command(
                "dumpdata",
                "--natural-foreign",
                "--natural-primary",
                "--exclude=contenttypes",
                "--exclude=auth.permission",
                "--exclude=sessions",
                "--exclude=axes",
                "--output",
                path,
                verbosity=0,
            )
        self.stdout.write(f"Backup written to {path}")
