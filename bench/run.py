"""The load benchmark: a throwaway PostgreSQL with a large dataset, gunicorn, and wrk.

Run with `make bench`. It prints two tables and writes bench/results.md: each page on its
own, asked by one member, and a club night, where the 50 members of one club, each with
their own session, open the week's pages and change their reading status at once. Every
request runs its view: nothing is cached. Every request goes to 127.0.0.1, and every wrk
run is bounded in time.
"""

from __future__ import annotations

import json
import os
import re
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
PACED_CONNECTIONS = 4
FLOOR = "Floor (one-line template, no queries)"
WRITE_SHARES = (0.1, 0.3)  # the club night's share of status changes
HISTORY = "<!-- history -->"
# Marks a results page written by this version of the benchmark (plain views, no store).
PLAIN = "<!-- plain views -->"
# In the history, where the page store's last run goes when a plain run first replaces it.
STORE_RUNS = "<!-- page store runs -->"


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
import itertools
import json
import statistics
import time
from django.conf import settings
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
week = Meeting.objects.filter(club__slug="club-0").upcoming().first()
week_paper = week.papers.first()
# The member has read the week's papers, so their discussions are open to them.
for read in (week_paper, paper):
    Reading.objects.update_or_create(user=user, paper=read, defaults={"status": "pass2"})
pages |= {
    "What to read next (proposals, voting open)": ("GET", "/clubs/club-0/proposals/", False),
    "The club on a paper (logs, questions, thread)": (
        "GET", f"/clubs/club-0/papers/{week_paper.pk}/", False
    ),
}
statuses = itertools.cycle(["pass2", "pass3", "pass1"])


def hit(method, url, headers):
    if method == "POST":
        return client.post(url, {"status": next(statuses)}, headers=headers)
    return client.get(url, headers=headers)


queries, in_process = {}, {}
for name, (method, url, htmx) in pages.items():
    headers = {"HX-Request": "true"} if htmx else {}
    with CaptureQueriesContext(connection) as captured:
        response = hit(method, url, headers)
    assert response.status_code == 200, (name, response.status_code)
    queries[name] = len(captured)
    times = []
    for _ in range(15):
        start = time.perf_counter()
        hit(method, url, headers)
        times.append((time.perf_counter() - start) * 1000)
    in_process[name] = statistics.median(times)

# Club night: every member of club-0 signed in with a session of their own, and the pages
# of the club's current week.
members = list(User.objects.filter(memberships__club__slug="club-0").order_by("pk"))
assert len(members) == 50, len(members)
sessions = []
for member in members:
    member_client = Client(HTTP_HOST="localhost")
    member_client.force_login(member)
    sessions.append(member_client.cookies["sessionid"].value)
club_pages = [
    (False, week.get_absolute_url()),
    (True, week.get_absolute_url() + "?fragment=readiness"),
    (False, "/clubs/club-0/"),
    (False, "/clubs/club-0/progress/"),
    (False, week_paper.get_absolute_url()),
    (False, "/"),
    (False, "/reading/"),
    (False, "/clubs/club-0/proposals/"),
    (False, f"/clubs/club-0/papers/{week_paper.pk}/"),
]
# The writes of a club night: mostly status changes, some answers to the meeting.
club_posts = [
    (3, f"/reading/paper/{week_paper.pk}/status/", "status", "pass1,pass2,pass3"),
    (1, f"/clubs/club-0/meetings/{week.pk}/rsvp/", "answer", "going,maybe,no"),
]
for htmx, url in club_pages:
    headers = {"HX-Request": "true"} if htmx else {}
    assert member_client.get(url, headers=headers).status_code == 200, url
print("SETUP " + json.dumps({
    "session": client.cookies["sessionid"].value, "pages": pages, "queries": queries,
    "in_process": in_process, "caches": sorted(settings.CACHES), "club_sessions": sessions,
    "club_pages": club_pages, "club_posts": club_posts,
    "week": str(week.starts_at.date()), "week_paper": week_paper.pk,
}))
"""


def wrk(url: str, script: str, env_extra: dict, delay_ms: float, connections: int) -> dict:
    env = dict(os.environ)
    env.update(env_extra, BENCH_DELAY_MS=str(round(delay_ms)))
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
            str(ROOT / "bench" / script),
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
    # Socket errors and timeouts; responses outside 2xx are counted apart, as non2xx.
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "timeout"))
    return result


def measure(url: str, script: str, env_extra: dict) -> dict:
    # One connection, one request at a time: the time a request takes, free of queueing.
    alone = wrk(url, script, env_extra, 0, 1)
    saturated = wrk(url, script, env_extra, 0, CONNECTIONS)
    # Half the saturation rate, spread over 4 paced connections. Each connection waits
    # between a response and its next request, so the wait is the interval the rate asks
    # for less the time a request takes (its median on one connection).
    target = max(saturated["rps"], 1) / 2
    interval_ms = PACED_CONNECTIONS * 1000 / target
    wait_ms = max(interval_ms - alone["p50_us"] / 1000, 0)
    paced = wrk(url, script, env_extra, wait_ms, PACED_CONNECTIONS)
    return {"alone": alone, "saturated": saturated, "paced": paced}


def page_env(method: str, htmx: bool, cookie: str, csrf: str) -> dict:
    return {
        "BENCH_METHOD": method,
        "BENCH_BODY": "status=pass2",
        "BENCH_COOKIE": cookie,
        "BENCH_CSRF": csrf,
        "BENCH_HTMX": "1" if htmx else "0",
    }


def write_club_file(path: Path, setup: dict) -> None:
    """The club night's members (a session and a CSRF token each) and pages, for club.lua."""
    lines = [f"session {sid} {secrets.token_hex(16)}" for sid in setup["club_sessions"]]
    lines += [f"get {int(htmx)} {url}" for htmx, url in setup["club_pages"]]
    lines += [
        f"post {weight} {path} {field} {values}"
        for weight, path, field, values in setup["club_posts"]
    ]
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (make bench installs it with apt-get).")
    pgdir = tempfile.mkdtemp(prefix="readinggroup-bench-pg.")
    static_root = tempfile.mkdtemp(prefix="readinggroup-bench-static.")
    scratch = Path(tempfile.mkdtemp(prefix="readinggroup-bench."))
    cluster = ["bash", str(ROOT / "scripts" / "pgcluster.sh")]
    server = None
    started = time.monotonic()
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
        club_file = scratch / "club.txt"
        write_club_file(club_file, setup)

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
        rows = {FLOOR: measure(base + "/bench/floor", "wrk.lua", page_env("GET", False, "", ""))}
        for name, (method, path, htmx) in setup["pages"].items():
            rows[name] = measure(base + path, "wrk.lua", page_env(method, htmx, cookie, csrf))
            print(f"   {name}: {rows[name]['saturated']['rps']:.0f} req/s")
        club = {}
        for share in (*WRITE_SHARES, "writers"):
            writes = "1" if share == "writers" else str(share)
            env_extra = {"BENCH_CLUB_FILE": str(club_file), "BENCH_WRITES": writes}
            club[share] = measure(base + "/", "club.lua", env_extra)
            label = "50 writers" if share == "writers" else f"Club night, {share:.0%} writes"
            print(f"   {label}: {club[share]['saturated']['rps']:.0f} req/s")
        report(rows, club, setup)
        print(f"== done in {time.monotonic() - started:.0f} s")
    finally:
        if server:
            server.terminate()
            server.wait(timeout=10)
        subprocess.run([*cluster, "stop", pgdir], check=False)
        shutil.rmtree(static_root, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)


def ms(us: float) -> str:
    return f"{us / 1000:.1f}"


def page_table(rows: dict, setup: dict) -> str:
    floor_row = rows[FLOOR]
    floor_alone, floor_paced = floor_row["alone"]["p50_us"], floor_row["paced"]["p50_us"]
    lines = [
        "| page | req/s per worker (saturated) | median ms, one connection | ÷ floor | "
        "median ms at half saturation | ÷ floor | p95 ms at half saturation | queries | "
        "in-process median ms | errors | non-2xx |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, row in rows.items():
        alone, sat, paced = row["alone"], row["saturated"], row["paced"]
        runs = (alone, sat, paced)
        in_process = f"{setup['in_process'][name]:.1f}" if name in setup["in_process"] else "—"
        lines.append(
            f"| {name} | {sat['rps'] / WORKERS:.0f} | {ms(alone['p50_us'])} | "
            f"{alone['p50_us'] / floor_alone:.1f}× | {ms(paced['p50_us'])} | "
            f"{paced['p50_us'] / floor_paced:.1f}× | {ms(paced['p95_us'])} | "
            f"{setup['queries'].get(name, 0)} | {in_process} | "
            f"{sum(r['errors'] for r in runs)} | {sum(r['non2xx'] for r in runs)} |"
        )
    return "\n".join(lines)


LOADS = (
    ("alone", "one connection"),
    ("saturated", f"{CONNECTIONS} connections, saturated"),
    ("paced", f"half saturation, {PACED_CONNECTIONS} paced connections"),
)


def club_table(floor: dict, club: dict) -> str:
    lines = [
        "| run | load | req/s | ÷ floor | median ms | ÷ floor | p95 ms | writes | "
        "errors | non-2xx |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    named = [(FLOOR, floor)]
    named += [(f"Club night, {share:.0%} writes", club[share]) for share in WRITE_SHARES]
    named.append(("50 writers (status changes and answers only)", club["writers"]))
    for name, row in named:
        for key, load in LOADS:
            result, base = row[key], floor[key]
            changes = (
                f"{result['sent_writes'] / max(result['sent'], 1):.0%}" if "sent" in result else "—"
            )
            lines.append(
                f"| {name} | {load} | {result['rps']:.0f} | {result['rps'] / base['rps']:.2f}× | "
                f"{ms(result['p50_us'])} | {result['p50_us'] / base['p50_us']:.1f}× | "
                f"{ms(result['p95_us'])} | {changes} | {result['errors']} | "
                f"{result['non2xx']} |"
            )
    return "\n".join(lines)


def goals_table(floor: dict, club: dict) -> tuple[str, bool]:
    low, high, writers = club[WRITE_SHARES[0]], club[WRITE_SHARES[1]], club["writers"]
    runs = [row[key] for row in (low, high, writers) for key, _ in LOADS]
    failures = sum(r["errors"] + r["non2xx"] for r in runs)
    worse = max(
        high["alone"]["p50_us"] / low["alone"]["p50_us"],
        high["paced"]["p95_us"] / low["paced"]["p95_us"],
        low["saturated"]["rps"] / max(high["saturated"]["rps"], 1e-9),
    )
    goals = [
        (
            "10% writes: median on one connection ≤ 10× the floor's",
            f"{low['alone']['p50_us'] / floor['alone']['p50_us']:.1f}×",
            low["alone"]["p50_us"] <= 10 * floor["alone"]["p50_us"],
        ),
        (
            "10% writes: saturated throughput ≥ 1/10 of the floor's",
            f"{low['saturated']['rps'] / floor['saturated']['rps']:.2f}×",
            low["saturated"]["rps"] >= floor["saturated"]["rps"] / 10,
        ),
        (
            "10% writes: p95 at half saturation ≤ 25 ms",
            f"{ms(low['paced']['p95_us'])} ms",
            low["paced"]["p95_us"] <= 25_000,
        ),
        (
            "0 errors and 0 non-2xx responses (all club-night runs)",
            str(failures),
            failures == 0,
        ),
        (
            "30% writes no worse than 1.5× the 10% figures (median on one connection, "
            "p95 at half saturation, saturated throughput)",
            f"{worse:.2f}× at worst",
            worse <= 1.5,
        ),
        (
            "50 writers: p95 at half saturation ≤ 20 ms",
            f"{ms(writers['paced']['p95_us'])} ms",
            writers["paced"]["p95_us"] <= 20_000,
        ),
    ]
    lines = ["| goal | measured | met |", "|---|---|---|"]
    for goal, figure, met in goals:
        lines.append(f"| {goal} | {figure} | {'yes' if met else '**no**'} |")
    return "\n".join(lines), all(met for _, _, met in goals)


def page_store_section(top: str) -> str:
    """The page store's last run, as a history section (its figures are cache hits)."""
    body = top.replace("# Benchmark results", "", 1).strip()
    found = re.search(r"Latest run: ([^,]*?)(?: UTC)?,", body)
    when = found.group(1) if found else "date unknown"
    body = re.sub(r"^Latest run: ", "Run ", body, count=1)
    return f"\n## Page store on (cache hits): the fourth round ({when})\n\n{body}"


def report(rows: dict, club: dict, setup: dict) -> None:
    pages = page_table(rows, setup)
    floor_row = rows[FLOOR]
    floor_alone, floor_paced = floor_row["alone"]["p50_us"], floor_row["paced"]["p50_us"]
    summary = (
        f"Worst median, one connection: "
        f"{max(r['alone']['p50_us'] for r in rows.values()) / floor_alone:.1f}× the floor; "
        f"at half saturation: "
        f"{max(r['paced']['p50_us'] for r in rows.values()) / floor_paced:.1f}× the floor; "
        f"worst p95 at half saturation: "
        f"{max(r['paced']['p95_us'] for r in rows.values()) / 1000:.1f} ms."
    )
    nights = club_table(floor_row, club)
    goals, all_met = goals_table(floor_row, club)
    others = [alias for alias in setup["caches"] if alias != "default"]
    caches = (
        "No cache in use: every request runs its view."
        if not others
        else f"**Caches configured besides the default: {', '.join(others)}** (this run may "
        "include cache hits; the benchmark no longer clears or counts them)."
    )
    print(pages, summary, nights, goals, caches, sep="\n\n")
    results = ROOT / "bench" / "results.md"
    previous = results.read_text() if results.exists() else ""
    top, history = previous.split(HISTORY, 1) if HISTORY in previous else ("", "")
    if "Latest run:" in top and PLAIN not in top:
        # The first plain run: the page store's last figures move into the history.
        moved = page_store_section(top)
        if STORE_RUNS in history:
            history = history.replace(STORE_RUNS, STORE_RUNS + "\n" + moved, 1)
        else:
            history = moved + history
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    mix = ", ".join(url for _, url in setup["club_pages"])
    total = sum(weight for weight, *_ in setup["club_posts"])
    writes_mix = " or ".join(
        f"{weight / total:.0%} htmx POSTs to {path} ({field}: {values.replace(',', ', ')})"
        for weight, path, field, values in setup["club_posts"]
    )
    results.write_text(
        f"# Benchmark results\n\n{PLAIN}\n"
        f"Latest run: {stamp}, {os.cpu_count()} cores, gunicorn with {WORKERS} sync "
        f"workers, PostgreSQL on the same machine, wrk for {SECONDS} s per run (one "
        f"connection; {CONNECTIONS} connections saturated; {PACED_CONNECTIONS} paced "
        f"connections at half the saturated rate). {caches} Each table's ÷ floor compares "
        "with the floor measured in the same run. Errors are socket errors and timeouts; "
        "non-2xx counts every other response.\n\n"
        "## Club night: uncached plain views, 50 members at once\n\n"
        "The 50 members of club-0, each signed in with a session of their own. Each request "
        "comes from a random member and asks for a random page of the week "
        f"({setup['week']}): {mix} (the second as the htmx readiness fragment). With the "
        f"given share, it is instead a write by that member: {writes_mix}, each to another "
        "value than the member's last one of its kind, so every write changes a row. The "
        "50 writers send writes only.\n\n"
        f"{nights}\n\n"
        f"Goals ({'all met' if all_met else 'not all met'}):\n\n{goals}\n\n"
        "## Per page: uncached plain views, one member\n\n"
        "One member (member1) asks for the same page over and over. Queries: one view's, "
        "captured in process; in-process median: 15 renders with the test client.\n\n"
        f"{pages}\n\n{summary}\n\n"
        f"{HISTORY}{history}"
    )


if __name__ == "__main__":
    main()
