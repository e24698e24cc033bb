"""A backup restored into a fresh database holds every row."""

import json
import os
import subprocess
import sys
import uuid

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from core.demo import create_demo_club
from tests.support import ROOT

PROJECT_APPS = ["accounts", "papers", "notes", "clubs"]
COUNT_SCRIPT = (
    "import json; from django.apps import apps; "
    "print(json.dumps({m._meta.label: m._default_manager.count() "
    f"for a in {PROJECT_APPS!r} for m in apps.get_app_config(a).get_models()}}))"
)


def counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models()
    }


def manage(*args: str, database_url: str) -> str:
    env = {**os.environ, "DATABASE_URL": database_url}
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.django_db(transaction=True)
def test_backup_restores_into_a_fresh_database(tmp_path, make_user, make_paper) -> None:
    call_command("load_canon", verbosity=0)
    organizer = make_user("olive", is_superuser=True, is_staff=True)
    create_demo_club(organizer)
    before = counts()
    assert before["papers.Paper"] > 50 and before["notes.Reading"] > 5 and before["notes.Note"] > 0

    if connection.vendor == "postgresql":
        path = tmp_path / "backup.dump"
        call_command("backup", str(path), verbosity=0)
        settings_dict = connection.settings_dict
        name = f"restore_{uuid.uuid4().hex[:8]}"
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        try:
            target = (
                f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:"
                f"{settings_dict['PORT']}/{name}"
            )
            manage("restore", str(path), database_url=target)
            after = json.loads(
                manage("shell", "--no-imports", "-c", COUNT_SCRIPT, database_url=target)
            )
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path / "backup.json"
        call_command("backup", str(path), verbosity=0)
        target = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        manage("restore", str(path), database_url=target)
        after = json.loads(manage("shell", "--no-imports", "-c", COUNT_SCRIPT, database_url=target))

    assert after == before


def test_restore_refuses_a_missing_file(tmp_path) -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="no such file"):
        call_command("restore", str(tmp_path / "nope.dump"))
