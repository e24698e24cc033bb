"""The load benchmark: a throwaway PostgreSQL with a large dataset, gunicorn, and wrk.

Run with `make bench`. It prints a table and writes bench/results.md. Every request goes
to 127.0.0.1, and every wrk run is bounded in time.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = 8


def run(*args: str, env: dict, capture: bool = True) -> str:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=capture, text=True)
    if result.returncode:
        sys.exit(f"{' '.join(args)} failed:\n{result.stderr}")
    return result.stdout if capture else ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SETUP = """
import json
import statistics
import time
from django.conf import settings
from django.core.cache import caches
from django.test import Client
from django.db import connection
from django.test.utils import CaptureQueriesContext
from accounts.models import User
from clubs.models import Meeting
from notes.models import Reading

user = User.objects.get(username="member1")
meeting = Meeting.objects.filter(club__slug="club-0").order_by("-starts_at")[5]
paper = meeting.papers.first()
reading_paper = Reading.objects.filter(user=user).first().paper
client = Client(HTTP_HOST="localhost")
client.force_login(user)
pages = {
    "Today": ("GET", "/", False),
    "Canon (filtered, searched)": ("GET", "/papers/?topic=topic-3&q=attention", False),
    "Canon search (htmx fragment)": ("GET", "/papers/?q=scaling+transformer", True),
    "Paper page": ("GET", f"/papers/{reading_paper.pk}/", False),
    "My reading list": ("GET", "/reading/", False),
    "Club home": ("GET", "/clubs/club-0/", False),
    "Weekly page": ("GET", meeting.get_absolute_url(), False),
    "Who has read what": ("GET", "/clubs/club-0/progress/", False),
    "Readiness (htmx fragment)": ("GET", meeting.get_absolute_url() + "?fragment=readiness", True),
    "Status change (htmx POST)": ("POST", f"/reading/paper/{paper.pk}/status/", True),
}
store = caches[settings.PAGE_CACHE]


def hit(method, url, headers):
    if method == "POST":
        return client.post(url, {"status": "pass2"}, headers=headers)
    return client.get(url, headers=headers)


queries, stored, cold = {}, {}, {}
for name, (method, url, htmx) in pages.items():
    headers = {"HX-Request": "true"} if htmx else {}
    store.clear()
    with CaptureQueriesContext(connection) as captured:
        response = hit(method, url, headers)
    assert response.status_code == 200, (name, response.status_code)
    queries[name] = len(captured)
    with CaptureQueriesContext(connection) as captured:
        hit(method, url, headers)
    stored[name] = len(captured)
    # The page rendered from scratch, in this process: what a first view (or the first
    # view after a change) costs.
    times = []
    for _ in range(15):
        store.clear()
        start = time.perf_counter()
        hit(method, url, headers)
        times.append((time.perf_counter() - start) * 1000)
    cold[name] = statistics.median(times)
store.clear()
print("SETUP " + json.dumps({
    "session": client.cookies["sessionid"].value, "pages": pages, "queries": queries,
    "stored": stored, "cold": cold,
}))
"""


def wrk(
    url: str, cookie: str, csrf: str, method: str, htmx: bool, delay_ms: float, connections: int
) -> dict:
    env = dict(os.environ)
    env.update(
        BENCH_METHOD=method,
        BENCH_BODY="status=pass2",
        BENCH_COOKIE=cookie,
        BENCH_CSRF=csrf,
        BENCH_HTMX="1" if htmx else "0",
        BENCH_DELAY_MS=str(int(delay_ms)),
    )
    out = subprocess.run(
        [
            "wrk",
            "-t",
            str(min(2, connections)),
            "-c",
            str(connections),
            "-d",
            f"{SECONDS}s",
            "--timeout",
            "5s",
            "-s",
            str(ROOT / "bench" / "wrk.lua"),
            url,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=SECONDS + 30,
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    result = json.loads(line[len("RESULT ") :])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    return result


def measure(base: str, path: str, method: str, htmx: bool, cookie: str, csrf: str) -> dict:
    # One connection, one request at a time: the time a request takes, free of queueing.
    alone = wrk(base + path, cookie, csrf, method, htmx, 0, 1)
    saturated = wrk(base + path, cookie, csrf, method, htmx, 0, CONNECTIONS)
    # Half the saturation rate, spread over 4 paced connections.
    target = saturated["rps"] / 2
    paced = wrk(base + path, cookie, csrf, method, htmx, 4 * 1000 / target, 4)
    return {"alone": alone, "saturated": saturated, "paced": paced}


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (make bench installs it with apt-get).")
    pgdir = tempfile.mkdtemp(prefix="readinggroup-bench-pg.")
    static_root = tempfile.mkdtemp(prefix="readinggroup-bench-static.")
    cluster = ["bash", str(ROOT / "scripts" / "pgcluster.sh")]
    server = None
    try:
        url = subprocess.run(
            [*cluster, "start", pgdir], capture_output=True, text=True, check=True
        ).stdout.strip()
        import psycopg

        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE readinggroup")
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
        env.update(
            DATABASE_URL=url,
            DEBUG="false",
            SECRET_KEY=secrets.token_urlsafe(50),
            SECURE_SSL_REDIRECT="false",
            SECURE_COOKIES="false",
            SECURE_HSTS_SECONDS="0",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            STATIC_ROOT=static_root,
            BENCH_FLOOR="true",
        )
        print("== migrating and seeding (1,000 papers, 1,000 members, 100,000 readings)")
        run(PYTHON, "manage.py", "migrate", "--noinput", "-v0", env=env)
        run(PYTHON, "manage.py", "collectstatic", "--noinput", "-v0", env=env)
        print(run(PYTHON, "manage.py", "seed_bench", env=env).strip())
        run(
            PYTHON,
            "manage.py",
            "shell",
            "--no-imports",
            "-c",
            "from django.db import connection; connection.cursor().execute('VACUUM ANALYZE')",
            env=env,
        )
        setup_out = run(PYTHON, "manage.py", "shell", "--no-imports", "-c", SETUP, env=env)
        setup = json.loads(
            next(line for line in setup_out.splitlines() if line.startswith("SETUP "))[6:]
        )
        csrf = secrets.token_hex(16)
        cookie = f"sessionid={setup['session']}; csrftoken={csrf}"

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [
                GUNICORN,
                "readinggroup.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(WORKERS),
                "--worker-class",
                "sync",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)  # noqa: S310
                break
            except OSError:
                time.sleep(0.1)

        print(f"== gunicorn, {WORKERS} sync workers, DEBUG off; wrk {SECONDS}s per run")
        rows = {
            "Floor (one-line template, no queries)": measure(
                base, "/bench/floor", "GET", False, "", ""
            )
        }
        for name, (method, path, htmx) in setup["pages"].items():
            rows[name] = measure(base, path, method, htmx, cookie, csrf)
            print(f"   {name}: {rows[name]['saturated']['rps']:.0f} req/s")
        report(rows, setup)
    finally:
        if server:
            server.terminate()
            server.wait(timeout=10)
        subprocess.run([*cluster, "stop", pgdir], check=False)
        shutil.rmtree(static_root, ignore_errors=True)


def report(rows: dict, setup: dict) -> None:
    floor_row = rows["Floor (one-line template, no queries)"]
    floor_alone, floor_paced = floor_row["alone"]["p50_us"], floor_row["paced"]["p50_us"]
    header = (
        "| page | req/s per worker (saturated) | median ms, one connection | ÷ floor | "
        "median ms at half saturation | ÷ floor | p95 ms at half saturation | "
        "queries, first view / stored | first view ms (in process) | errors |"
    )
    lines = [header, "|---|---|---|---|---|---|---|---|---|---|"]
    for name, row in rows.items():
        alone, sat, paced = row["alone"], row["saturated"], row["paced"]
        first, again = setup["queries"].get(name, 0), setup["stored"].get(name, 0)
        cold = f"{setup['cold'][name]:.1f}" if name in setup["cold"] else "—"
        errors = alone["errors"] + sat["errors"] + paced["errors"]
        lines.append(
            f"| {name} | {sat['rps'] / WORKERS:.0f} | {alone['p50_us'] / 1000:.1f} | "
            f"{alone['p50_us'] / floor_alone:.1f}× | {paced['p50_us'] / 1000:.1f} | "
            f"{paced['p50_us'] / floor_paced:.1f}× | {paced['p95_us'] / 1000:.1f} | "
            f"{first} / {again} | {cold} | {errors} |"
        )
    table = "\n".join(lines)
    print(table)
    summary = (
        f"\nWorst median, one connection: "
        f"{max(r['alone']['p50_us'] for r in rows.values()) / floor_alone:.1f}× the floor; "
        f"at half saturation: "
        f"{max(r['paced']['p50_us'] for r in rows.values()) / floor_paced:.1f}× the floor; "
        f"worst p95 at half saturation: "
        f"{max(r['paced']['p95_us'] for r in rows.values()) / 1000:.1f} ms."
    )
    print(summary)
    results = ROOT / "bench" / "results.md"
    previous = results.read_text() if results.exists() else ""
    history = previous.split("<!-- history -->", 1)[1] if "<!-- history -->" in previous else ""
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    results.write_text(
        f"# Benchmark results\n\nLatest run: {stamp}, {os.cpu_count()} cores, "
        f"gunicorn with {WORKERS} sync workers, PostgreSQL on the same machine, "
        f"wrk for {SECONDS} s per run (one connection; {CONNECTIONS} connections saturated; "
        f"4 paced connections at half the saturated rate).\n\n{table}\n{summary}\n\n"
        f"<!-- history -->{history}"
    )


if __name__ == "__main__":
    main()
