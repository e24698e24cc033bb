"""The counters' triggers under concurrent writers on PostgreSQL: members' rows are locked
before clubs' rows, so no write misses a club's bump and no two writes deadlock.

Row locks and snapshots taken per statement are PostgreSQL's; SQLite runs one writer at
a time, so there is no interleaving to test there.
"""

import threading
import time

import psycopg
import pytest
from django.db import connection

from clubs.models import Club, Membership, Role
from notes.models import Note, Visibility

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]


def connect() -> psycopg.Connection:
    settings = connection.settings_dict
    conn = psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"],
        port=settings["PORT"] or None,
    )
    conn.execute("SET lock_timeout = '10s'")
    return conn


def in_background(sql: str, params: list) -> tuple[threading.Thread, list, int]:
    """Run one statement and commit, in a thread; returns it, its errors and its pid."""
    conn = connect()
    errors = []

    def work() -> None:
        try:
            conn.execute(sql, params)
            conn.commit()
        except psycopg.Error as error:
            errors.append(error)
        finally:
            conn.close()

    thread = threading.Thread(target=work)
    thread.start()
    return thread, errors, conn.info.backend_pid


def wait_until_blocked(pid: int) -> None:
    with connect() as watcher:
        for _ in range(200):
            row = watcher.execute(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid]
            ).fetchone()
            if row and row[0] == "Lock":
                return
            time.sleep(0.025)
    raise AssertionError("the second writer never waited for the first")


@pytest.fixture
def note_of_newcomer(make_user, make_paper) -> tuple[Club, Note]:
    """A club, and a shared note by someone who is about to join it."""
    club = Club.objects.create(name="Journal Club", slug="journal-club")
    Membership.objects.create(club=club, user=make_user("olive"), role=Role.ORGANIZER)
    note = Note(
        user=make_user("nina"),
        paper=make_paper(),
        problem="First draft",
        visibility=Visibility.CLUB,
        version=1,
    )
    note.render()
    note.save()
    return club, note


def club_generation(club: Club) -> int:
    club.refresh_from_db(fields=["generation"])
    return club.generation


def test_a_note_saved_while_its_author_joins_bumps_the_new_club(note_of_newcomer) -> None:
    club, note = note_of_newcomer
    before = club_generation(club)
    with connect() as joining:
        joining.execute(
            "INSERT INTO clubs_membership (user_id, club_id, role, joined_at) "
            "VALUES (%s, %s, 'member', now())",
            [note.user_id, club.pk],
        )
        thread, errors, pid = in_background(
            "UPDATE notes_note SET problem = 'Second draft' WHERE id = %s", [note.pk]
        )
        wait_until_blocked(pid)
        joining.commit()
    thread.join(timeout=15)
    assert not errors
    # One bump for the join, one for the note: a page the club stored between the two
    # commits showed the first draft, and must not be served after the second.
    assert club_generation(club) == before + 2


def test_a_rename_and_a_note_save_at_once_do_not_deadlock(note_of_newcomer) -> None:
    club, note = note_of_newcomer
    Membership.objects.create(club=club, user=note.user, role=Role.MEMBER)
    before = club_generation(club)
    with connect() as profile:
        profile.execute("UPDATE accounts_user SET last_login = now() WHERE id = %s", [note.user_id])
        thread, errors, pid = in_background(
            "UPDATE notes_note SET problem = 'Second draft' WHERE id = %s", [note.pk]
        )
        wait_until_blocked(pid)
        # The rename bumps the member's clubs while the note save waits on the member.
        profile.execute(
            "UPDATE accounts_user SET display_name = 'Nina R.' WHERE id = %s", [note.user_id]
        )
        profile.commit()
    thread.join(timeout=15)
    assert not errors, errors
    assert club_generation(club) == before + 2
