"""Real servers for operations tests: a throwaway PostgreSQL cluster and gunicorn processes."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support import ROOT

CLUSTER = ["bash", str(ROOT / "scripts" / "pgcluster.sh")]
SECRET = "operations-test-secret-" + "x" * 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="readinggroup-ops-pg.")
        self.url = subprocess.run(
            [*CLUSTER, "start", self.dir], capture_output=True, text=True, check=True
        ).stdout.strip()

    def pause(self) -> None:
        subprocess.run([*CLUSTER, "pause", self.dir], check=True, capture_output=True)

    def resume(self) -> None:
        subprocess.run([*CLUSTER, "resume", self.dir], check=True, capture_output=True)

    def stop(self) -> None:
        subprocess.run([*CLUSTER, "stop", self.dir], check=False, capture_output=True)


def app_env(database_url: str, static_root: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        DATABASE_URL=database_url,
        DEBUG="false",
        SECRET_KEY=SECRET,
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        SECURE_HSTS_SECONDS="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        STATIC_ROOT=static_root,
        DB_CONN_MAX_AGE="0",
    )
    return env


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    cluster = Cluster()
    try:
        base = cluster.url.rsplit("/", 1)[0]
        subprocess.run(
            [
                sys.executable,
                "-c",
                f"import psycopg; c = psycopg.connect('{base}/postgres', "
                "autocommit=True); c.execute('CREATE DATABASE readinggroup')",
            ],
            check=True,
        )
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def deployed(cluster) -> Iterator[dict[str, str]]:
    """A migrated database with a user and a paper, and collected static files: what a
    deploy does."""
    static_root = tempfile.mkdtemp(prefix="readinggroup-static.")
    env = app_env(cluster.url, static_root)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    script = (
        "from accounts.models import User; "
        "User.objects.create_user('alice', 'alice@example.org', 'correct horse battery staple'); "
        "from papers.models import Paper; "
        "Paper.objects.create(title='Attention Is All You Need', year=2017)"
    )
    subprocess.run([*manage, "shell", "--no-imports", "-c", script], cwd=ROOT, env=env, check=True)
    yield env
    shutil.rmtree(static_root, ignore_errors=True)


@pytest.fixture
def start_server(deployed) -> Iterator[Callable[[], str]]:
    """Start gunicorn processes on free ports; returns each one's base URL."""
    processes = []

    def start() -> str:
        port = free_port()
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "readinggroup.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--timeout",
                "30",
            ],
            cwd=ROOT,
            env=deployed,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        processes.append(process)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(url + "/healthz", timeout=2)
                return url
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=10)
