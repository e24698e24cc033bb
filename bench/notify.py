"""How long `send_notifications` takes for 1,000 members in 20 clubs, to a local SMTP server.

Run with `make bench-notify` (or `python bench/notify.py`). It builds the clubs in a
throwaway database (a temporary PostgreSQL cluster, or SQLite with BENCH_DB=sqlite),
starts an aiosmtpd server on 127.0.0.1, and runs the command at a digest moment and at a
reminder moment, counting queries and delivered messages. Prints a Markdown table.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CLUBS, MEMBERS = 20, 50


def database() -> tuple[str, callable]:
    if os.environ.get("BENCH_DB") == "sqlite":
        path = Path(tempfile.mkdtemp()) / "notify.sqlite3"
        return f"sqlite:///{path}", lambda: None
    folder = tempfile.mkdtemp(prefix="readinggroup-notify.")
    cluster = ["bash", str(ROOT / "scripts" / "pgcluster.sh")]
    url = subprocess.run(
        [*cluster, "start", folder], capture_output=True, text=True, check=True
    ).stdout.strip()
    import psycopg

    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute("CREATE DATABASE " + url.rsplit("/", 1)[1])
    return url, lambda: subprocess.run([*cluster, "stop", folder], check=False)


def main() -> None:
    url, stop = database()
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readinggroup.settings")
    try:
        import django

        django.setup()
        measure()
    finally:
        stop()


def measure() -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from clubs.models import Club, Meeting, Membership
    from clubs.notifications import send_due
    from notes.models import Reading
    from papers.models import Paper
    from tests.servers import SmtpInbox

    call_command("migrate", verbosity=0)
    inbox = SmtpInbox().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", inbox.port

    meeting_at = datetime(2026, 12, 10, 16, 0, tzinfo=UTC)
    users = User.objects.bulk_create(
        User(username=f"m{n}", email=f"m{n}@example.org", display_name=f"Member {n}")
        for n in range(CLUBS * MEMBERS)
    )
    papers = Paper.objects.bulk_create(Paper(title=f"Paper {n}") for n in range(CLUBS * 2))
    for c in range(CLUBS):
        club = Club.objects.create(name=f"Club {c}", slug=f"club-{c}", time_zone="Europe/Berlin")
        members = users[c * MEMBERS : (c + 1) * MEMBERS]
        Membership.objects.bulk_create(Membership(club=club, user=u) for u in members)
        meeting = Meeting.objects.create(club=club, starts_at=meeting_at)
        meeting.papers.set(papers[c * 2 : c * 2 + 2])
        Reading.objects.bulk_create(
            Reading(user=u, paper=papers[c * 2], status="pass1") for u in members[::2]
        )

    rows = []
    for label, moment in (
        ("Monday digest", datetime(2026, 12, 7, 7, 0, tzinfo=UTC)),
        ("Reminder, 24 h before", meeting_at - timedelta(hours=24)),
        ("Second run at once (nothing due)", meeting_at - timedelta(hours=23, minutes=55)),
    ):
        inbox.clear()
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            report = send_due(moment)
            seconds = time.perf_counter() - start
        rows.append((label, report.sent, len(inbox.messages), len(queries), seconds))
    inbox.stop()

    print(f"`send_notifications`, {CLUBS} clubs × {MEMBERS} members, {connection.vendor}:\n")
    print("| run | sent | delivered | queries | seconds |")
    print("|---|---:|---:|---:|---:|")
    for label, sent, delivered, count, seconds in rows:
        print(f"| {label} | {sent} | {delivered} | {count} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
