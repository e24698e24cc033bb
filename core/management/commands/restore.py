import subprocess
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from .backup import pg_environment, pg_tool


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the configured database, replacing "
        "what is there. Stop the app first."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path")

    def handle(self, *args, path: str, **options) -> None:
        if not Path(path).is_file():
            raise CommandError(f"{path}: no such file")
        if connection.vendor == "postgresql":
            command = [
                pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--dbname",
                pg_environment()["PGDATABASE"],
                path,
            ]
            result = subprocess.run(command, env=pg_environment(), capture_output=True, text=True)
            if result.returncode:
                raise CommandError(f"pg_restore failed: {result.stderr.strip()}")
        else:
            call_command("migrate", verbosity=0, interactive=False)
            call_command("flush", verbosity=0, interactive=False)
            call_command("loaddata", path, verbosity=0)
        self.stdout.write(f"Restored {path}")
