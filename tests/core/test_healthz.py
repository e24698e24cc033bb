import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthz_answers_when_database_answers(client) -> None:
    response = client.get(reverse("core:healthz"))
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_when_database_is_unreachable() -> None:
    # A real refused connection: nothing listens on port 9 of 127.0.0.1.
    script = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz', headers={'host': 'localhost'});"
        "print(r.status_code, r.content.decode().strip())"
    )
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:9/readinggroup",
        "DJANGO_SETTINGS_MODULE": "readinggroup.settings",
    }
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip().splitlines()[-1] == "503 database unavailable"


def test_pages_answer_503_not_a_traceback_when_the_database_is_down() -> None:
    script = (
        "import django; django.setup();"
        "from django.test import Client;"
        "c = Client(raise_request_exception=False, headers={'host': 'localhost'});"
        "c.cookies['sessionid'] = 'x' * 32;"
        "r = c.get('/papers/');"
        "print(r.status_code, r['Retry-After'], 'Back in a moment' in r.content.decode())"
    )
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:9/readinggroup",
        "DJANGO_SETTINGS_MODULE": "readinggroup.settings",
        "DEBUG": "false",
        "SECRET_KEY": "s" * 60,
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "localhost",
    }
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.stdout.strip().splitlines()[-1] == "503 30 True", out.stderr[-2000:]
