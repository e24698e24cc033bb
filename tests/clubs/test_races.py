"""Membership changes that run at the same moment: the club keeps an organizer, and an
invitation is used as often as it allows, whichever request comes first."""

import threading
import time
from collections.abc import Callable
from functools import partial

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse

from clubs.models import Club, Invitation, Membership, Role
from clubs.services import ClubError, accept_invitation, change_role, remove_member

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite runs one writer at a time"
)


def at_once(*actions: Callable[[], object]) -> list[object]:
    """Run each action in its own thread, all released together; what each returned or
    raised, in order."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[object] = [None] * len(actions)

    def run(index: int, action: Callable[[], object]) -> None:
        try:
            barrier.wait()
            outcomes[index] = action()
        except Exception as error:
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def two_organizers(club: Club, alice, bob) -> tuple[Membership, Membership]:
    for user in (alice, bob):
        Membership.objects.update_or_create(club=club, user=user, defaults={"role": Role.ORGANIZER})
    return (
        Membership.objects.get(club=club, user=alice),
        Membership.objects.get(club=club, user=bob),
    )


def assert_one_failed(outcomes: list[object]) -> None:
    unexpected = [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, ClubError)]
    assert not unexpected, unexpected
    assert sum(isinstance(o, ClubError) for o in outcomes) == 1, outcomes


@pytest.mark.django_db(transaction=True)
@on_postgresql
def test_two_organizers_demoting_each_other_leave_one_organizer(club, alice, bob) -> None:
    for _ in range(10):
        mine, theirs = two_organizers(club, alice, bob)
        outcomes = at_once(
            partial(change_role, membership=theirs, role=Role.MEMBER, by=alice),
            partial(change_role, membership=mine, role=Role.MEMBER, by=bob),
        )
        assert_one_failed(outcomes)
        assert Membership.objects.filter(club=club, role=Role.ORGANIZER).count() == 1


@pytest.mark.django_db(transaction=True)
@on_postgresql
def test_two_organizers_removing_each_other_leave_one_organizer(club, alice, bob) -> None:
    for _ in range(10):
        mine, theirs = two_organizers(club, alice, bob)
        outcomes = at_once(
            partial(remove_member, membership=theirs, by=alice),
            partial(remove_member, membership=mine, by=bob),
        )
        assert_one_failed(outcomes)
        organizers = Membership.objects.filter(club=club, role=Role.ORGANIZER)
        assert organizers.count() == 1
        assert Membership.objects.filter(club=club, user__in=[alice, bob]).count() == 1


@pytest.mark.django_db(transaction=True)
@on_postgresql
def test_two_organizers_leaving_at_once_leave_one_organizer(club, alice, bob) -> None:
    url = reverse("clubs:leave", args=[club.slug])
    clients = []
    for user in (alice, bob):
        client = Client()
        client.force_login(user)
        clients.append(client)
    for _ in range(10):
        two_organizers(club, alice, bob)
        responses = at_once(*(partial(c.post, url, follow=True) for c in clients))
        bodies = [response.content.decode() for response in responses]
        assert sum("A club needs at least one organizer" in body for body in bodies) == 1
        assert sum("You left Journal Club" in body for body in bodies) == 1
        assert Membership.objects.filter(club=club, role=Role.ORGANIZER).count() == 1


@pytest.mark.django_db(transaction=True)
@on_postgresql
def test_two_people_accepting_one_single_use_invitation(club, charlie, make_user) -> None:
    dana = make_user("dana")
    for _ in range(10):
        Membership.objects.filter(user__in=[charlie, dana]).delete()
        invitation = Invitation.objects.create(club=club)
        outcomes = at_once(
            partial(accept_invitation, invitation=invitation, user=charlie),
            partial(accept_invitation, invitation=invitation, user=dana),
        )
        assert_one_failed(outcomes)
        assert Membership.objects.filter(club=club, user__in=[charlie, dana]).count() == 1
        invitation.refresh_from_db()
        assert invitation.uses == 1


def test_an_organizer_demoted_meanwhile_can_no_longer_change_roles(club, alice, bob, charlie):
    carol = Membership.objects.create(club=club, user=charlie, role=Role.ORGANIZER)
    with pytest.raises(ClubError, match="no longer an organizer"):
        change_role(membership=carol, role=Role.MEMBER, by=bob)
    with pytest.raises(ClubError, match="no longer an organizer"):
        remove_member(membership=carol, by=bob)
    carol.refresh_from_db()
    assert carol.role == Role.ORGANIZER
    remove_member(membership=Membership.objects.get(club=club, user=bob), by=bob)  # leaving
    assert not Membership.objects.filter(club=club, user=bob).exists()


def test_a_membership_removed_meanwhile_is_reported(club, alice, bob) -> None:
    stale = Membership.objects.get(club=club, user=bob)
    Membership.objects.filter(pk=stale.pk).delete()
    with pytest.raises(ClubError, match="no longer a member"):
        change_role(membership=stale, role=Role.ORGANIZER, by=alice)
    assert not Membership.objects.filter(club=club, user=bob).exists()


SQLITE_ALIAS = "races-file"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="about SQLite's single write lock")
def test_sqlite_writers_wait_for_each_other_instead_of_failing(tmp_path, django_db_blocker):
    """Two transactions that read and then write, as every service function does: with
    the settings' transaction mode the second waits for the first; without it, one of
    them fails with "database is locked" (the 503 page). A database file of its own,
    since the test database lives in memory."""
    connections.settings[SQLITE_ALIAS] = dict(
        settings.DATABASES["default"], NAME=str(tmp_path / "races.sqlite3")
    )

    def read_then_write() -> int:
        db = connections[SQLITE_ALIAS]
        with transaction.atomic(using=SQLITE_ALIAS), db.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM seen")
            (count,) = cursor.fetchone()
            time.sleep(0.2)
            cursor.execute("INSERT INTO seen (n) VALUES (%s)", [count])
        return count

    try:
        with django_db_blocker.unblock():
            with connections[SQLITE_ALIAS].cursor() as cursor:
                cursor.execute("CREATE TABLE seen (n INTEGER)")
            connections[SQLITE_ALIAS].close()
            outcomes = at_once(read_then_write, read_then_write)
        assert sorted(outcomes) == [0, 1], outcomes
    finally:
        connections[SQLITE_ALIAS].close()
        del connections.settings[SQLITE_ALIAS]
