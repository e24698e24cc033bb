import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    skip = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in skip}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )


def test_production_settings_pass_check_deploy() -> None:
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="reading.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = manage("check", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is missing or too short" in result.stderr


def test_production_refuses_a_short_secret_key() -> None:
    result = manage("check", DEBUG="false", SECRET_KEY="short")
    assert result.returncode != 0


def test_proxy_ssl_header_is_opt_in() -> None:
    script = "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)"
    result = manage("shell", "--no-imports", "-c", script, SECURE_PROXY_SSL_HEADER="true")
    assert result.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')", result.stderr
    result = manage("shell", "--no-imports", "-c", script)
    assert result.stdout.strip() == "None", result.stderr


def test_models_and_migrations_agree(db) -> None:
    # Exits non-zero (SystemExit) when a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
