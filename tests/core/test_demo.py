"""`setup_demo`, what `make run` loads on a fresh database: accounts that sign in, the
canon, and a club whose meetings fall on its own meeting day."""

import io
import re
from zoneinfo import ZoneInfo

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import User
from clubs.models import Club, Meeting
from notes.models import Note, Reading, Visibility
from papers.models import Paper


def setup_demo() -> str:
    out = io.StringIO()
    call_command("setup_demo", "--url", "http://127.0.0.1:8123/", stdout=out)
    return out.getvalue()


def test_demo_accounts_sign_in_and_see_the_club(db) -> None:
    out = setup_demo()
    assert "sign in at http://127.0.0.1:8123/accounts/login/" in out
    accounts = dict(re.findall(r"^  (\w+) +(\S+)   ", out, flags=re.MULTILINE))
    assert set(accounts) == {"organizer", "ada", "grace", "alan", "katherine", "claude"}
    assert Paper.objects.count() > 90
    for username, password in accounts.items():
        client = Client()
        signed_in = client.post("/accounts/login/", {"username": username, "password": password})
        assert signed_in.status_code == 302, username
        page = client.get("/clubs/demo-journal-club/")
        assert page.status_code == 200
        assert "Demo Journal Club" in page.content.decode()
    assert User.objects.get(username="organizer").is_superuser


def test_demo_meetings_keep_the_clubs_weekday_and_time(db) -> None:
    setup_demo()
    club = Club.objects.get(slug="demo-journal-club")
    zone = ZoneInfo(club.time_zone)
    meetings = list(Meeting.objects.filter(club=club))
    assert len(meetings) == 8
    for meeting in meetings:
        local = meeting.starts_at.astimezone(zone)
        assert local.weekday() == club.meeting_weekday
        assert local.time() == club.meeting_time
    now = timezone.now()
    assert sum(m.starts_at < now for m in meetings) == 4
    assert min(m.starts_at for m in meetings if m.starts_at > now) == club.next_slot()


def test_demo_has_progress_and_both_kinds_of_log(db) -> None:
    setup_demo()
    assert Reading.objects.filter(status="done").exists()
    assert Reading.objects.filter(status__in=["pass1", "pass2", "pass3"]).exists()
    assert Note.objects.filter(visibility=Visibility.CLUB).exists()
    assert Note.objects.filter(visibility=Visibility.PRIVATE).exists()


def test_setup_demo_twice_creates_nothing_more(db) -> None:
    setup_demo()
    counts = (User.objects.count(), Club.objects.count(), Meeting.objects.count())
    again = setup_demo()
    assert (User.objects.count(), Club.objects.count(), Meeting.objects.count()) == counts
    assert "passwords are shown only this once" not in again
    assert "changepassword organizer" in again
