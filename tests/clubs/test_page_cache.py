"""Pages served from the cache: cheap when nothing changed, fresh the moment anything they
show changes, and never one member's page for another."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission, update_last_login
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from clubs.models import Club, Meeting, Membership, Role
from core.generations import CANON
from core.models import Generation
from notes.models import TEXT_FIELDS, Note, Reading, Status, Visibility
from notes.services import save_note, set_status
from papers.models import Paper, Phase, Placement, Topic

HTMX = {"HX-Request": "true"}


@pytest.fixture
def pages(club, meeting) -> dict[str, tuple[str, dict]]:
    """Every cached page, with the headers that ask for it (htmx fragments included)."""
    paper = meeting.papers.get()
    progress = reverse("clubs:progress", args=[club.slug])
    return {
        "today": (reverse("core:today"), {}),
        "canon": (reverse("papers:canon"), {}),
        "canon search": (reverse("papers:canon") + "?q=attention", HTMX),
        "curriculum": (reverse("papers:curriculum"), {}),
        "paper": (paper.get_absolute_url(), {}),
        "my reading": (reverse("notes:list"), {}),
        "clubs": (reverse("clubs:list"), {}),
        "club home": (club.get_absolute_url(), {}),
        "weekly": (meeting.get_absolute_url(), {}),
        "readiness": (meeting.get_absolute_url() + "?fragment=readiness", HTMX),
        "matrix": (progress, {}),
        "matrix fragment": (progress, HTMX),
    }


def get(client: Client, url: str, headers: dict | None = None) -> tuple[str, int]:
    """The page, with its CSRF tokens blanked (each response masks them anew), and the
    number of queries it took."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers or {})
    assert response.status_code == 200, (url, response.status_code)
    body = re.sub(TOKEN, r"\1-", response.content.decode())
    return body, len(captured)


TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[A-Za-z0-9]{64}')


def counters(user: User, club: Club) -> tuple[int, int, int]:
    canon = Generation.objects.filter(scope=CANON).values_list("value", flat=True).first()
    user.refresh_from_db(fields=["generation"])
    club.refresh_from_db(fields=["generation"])
    return user.generation, club.generation, canon or 0


def test_a_page_seen_again_costs_only_the_session_and_the_user(alice_client, pages) -> None:
    for name, (url, headers) in pages.items():
        first, _ = get(alice_client, url, headers)
        again, count = get(alice_client, url, headers)
        assert count == 2, (name, count)
        assert again == first, name


def token(body: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body) or re.search(
        r'"X-CSRFToken": "([^"]+)"', body
    )
    return found.group(1) if found else "\0"


def test_renaming_a_paper_shows_on_every_page_at_once(alice, alice_client, pages, meeting) -> None:
    paper = meeting.papers.get()
    set_status(user=alice, paper_id=paper.pk, status=Status.PASS1)  # on my reading list
    for url, headers in pages.values():
        get(alice_client, url, headers)
    # A bulk update, as an import or the shell would do it: no model signals.
    Paper.objects.filter(pk=paper.pk).update(title="Attention Is Still All You Need")
    for name, (url, headers) in pages.items():
        if name in {"clubs", "club home", "canon search", "curriculum"}:
            continue  # these do not show this paper (it is in no phase)
        body, _ = get(alice_client, url, headers)
        assert "Attention Is Still All You Need" in body, name


def test_a_members_status_change_shows_on_the_other_members_pages(
    alice_client, bob, club, meeting, pages
) -> None:
    paper = meeting.papers.get()
    before = {n: get(alice_client, *pages[n])[0] for n in ("weekly", "readiness", "matrix")}
    set_status(user=bob, paper_id=paper.pk, status=Status.DONE)
    for name, old in before.items():
        body, count = get(alice_client, *pages[name])
        assert body != old and count > 2, name
        assert re.search(r'data-status="done"|status-done|✔', body), name


def test_my_own_status_change_shows_on_my_pages(alice_client, alice, meeting, pages) -> None:
    paper = meeting.papers.get()
    names = ("today", "canon", "paper", "my reading")
    before = {n: get(alice_client, *pages[n])[0] for n in names}
    set_status(user=alice, paper_id=paper.pk, status=Status.PASS2)
    for name in names:
        body, _ = get(alice_client, *pages[name])
        assert body != before[name], name
    assert "Pass 2" in get(alice_client, *pages["my reading"])[0]


def test_a_changed_agenda_and_a_renamed_member_show_at_once(
    alice_client, bob, meeting, pages
) -> None:
    get(alice_client, *pages["weekly"])
    get(alice_client, *pages["club home"])
    meeting.agenda = "Bring **questions** about positional encodings."
    meeting.save()
    assert "positional encodings" in get(alice_client, *pages["weekly"])[0]
    User.objects.filter(pk=bob.pk).update(display_name="Roberta")
    assert "Roberta" in get(alice_client, *pages["club home"])[0]
    assert "Roberta" in get(alice_client, *pages["weekly"])[0]


def test_pages_are_never_shared_between_members(alice, bob, club, meeting, pages) -> None:
    paper = meeting.papers.get()
    note = Note.objects.create(user=alice, paper=paper, visibility=Visibility.PRIVATE)
    save_note(
        user=alice,
        paper=paper,
        data={
            **dict.fromkeys(TEXT_FIELDS, ""),
            "problem": "ALICE-PRIVATE-MARKER",
            "implementation_url": "",
            "visibility": Visibility.PRIVATE,
        },
        version=note.version,
        note=note,
    )
    alice_client, bob_client = Client(), Client()
    alice_client.force_login(alice)
    bob_client.force_login(bob)
    for name, (url, headers) in pages.items():
        mine, _ = get(alice_client, url, headers)
        theirs, _ = get(bob_client, url, headers)
        assert "ALICE-PRIVATE-MARKER" not in theirs, name
        if name == "paper":
            assert "ALICE-PRIVATE-MARKER" in mine


def test_a_member_who_left_gets_404_not_the_stored_page(bob, club, pages) -> None:
    client = Client()
    client.force_login(bob)
    for name in ("club home", "weekly", "matrix"):
        get(client, *pages[name])
    Membership.objects.filter(club=club, user=bob).delete()
    for name in ("club home", "weekly", "matrix"):
        url, headers = pages[name]
        assert client.get(url, headers=headers).status_code == 404, name


def test_a_stored_page_carries_each_browsers_own_csrf_token(alice, meeting) -> None:
    paper = meeting.papers.get()
    laptop, phone = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    laptop.force_login(alice)
    phone.force_login(alice)
    laptop.get(paper.get_absolute_url())  # stores the page
    with CaptureQueriesContext(connection) as captured:
        body = phone.get(paper.get_absolute_url()).content.decode()
    assert len(captured) == 2  # served from the store
    assert stored_placeholders()[0] not in body
    assert len(TOKEN.findall(body)) >= 3  # the page's, the status form's, the note form's
    response = phone.post(
        reverse("notes:status", args=[paper.pk]),
        {"status": "pass1", "csrfmiddlewaretoken": token(body)},
    )
    assert response.status_code == 302
    assert Reading.objects.get(user=alice, paper=paper).status == Status.PASS1


def stored_placeholders() -> list[str]:
    store = caches[settings.PAGE_CACHE]
    return [store.get(key.split(":", 2)[-1])[2] for key in store._cache]


def test_each_stored_page_has_its_own_secret_placeholder(alice, bob, meeting) -> None:
    """A member who knew a placeholder could write it into a shared note and have every
    reader's CSRF token put in its place; each stored page's is random and never sent."""
    paper = meeting.papers.get()
    lookalike = "a" * 64
    note = Note(user=bob, paper=paper, problem=lookalike, visibility=Visibility.CLUB, version=1)
    note.render()
    note.save()
    alice_client, bob_client = Client(), Client()
    alice_client.force_login(alice)
    bob_client.force_login(bob)
    first = alice_client.get(meeting.get_absolute_url()).content.decode()
    again = alice_client.get(meeting.get_absolute_url()).content.decode()
    bob_client.get(meeting.get_absolute_url())
    marks = stored_placeholders()
    assert len(marks) == 2 and len(set(marks)) == 2
    assert all(re.fullmatch(r"[0-9a-f]{64}", mark) for mark in marks)
    for body in (first, again):
        assert not any(mark in body for mark in marks)
        assert lookalike in body  # a note's text is never taken for the placeholder


def test_a_page_with_a_message_is_neither_served_from_nor_put_in_the_store(
    alice_client, meeting
) -> None:
    paper = meeting.papers.get()
    url = paper.get_absolute_url()
    get(alice_client, url)
    alice_client.post(reverse("notes:status", args=[paper.pk]), {"status": "nonsense"})
    with_message, _ = get(alice_client, url)
    assert "nothing changed" in with_message
    after, count = get(alice_client, url)
    assert "nothing changed" not in after and count == 2


def test_staff_pages_are_not_stored(staff_client, pages) -> None:
    url, headers = pages["canon"]
    get(staff_client, url, headers)
    _, count = get(staff_client, url, headers)
    assert count > 2


def test_pages_are_not_stored_when_the_store_is_turned_off(alice_client, pages, settings) -> None:
    settings.PAGE_CACHE_SECONDS = 0
    url, headers = pages["canon"]
    get(alice_client, url, headers)
    _, count = get(alice_client, url, headers)
    assert count > 2


def test_counters_move_with_every_kind_of_write(alice, bob, club, other_club, meeting, make_paper):
    """What each write bumps: the writer, the clubs that show it, or the canon."""
    paper = meeting.papers.get()

    def moved(write) -> tuple[bool, bool, bool, bool]:
        before = (*counters(bob, club), counters(bob, other_club)[1])
        write()
        after = (*counters(bob, club), counters(bob, other_club)[1])
        return tuple(a != b for a, b in zip(after, before, strict=True))

    # (bob, club, canon, other club)
    assert moved(lambda: set_status(user=bob, paper_id=paper.pk, status=Status.PASS1)) == (
        True,
        True,
        False,
        False,
    )
    assert moved(lambda: Reading.objects.filter(user=bob).delete()) == (True, True, False, False)
    assert moved(lambda: Note.objects.create(user=bob, paper=paper)) == (True, True, False, False)
    assert moved(lambda: Membership.objects.filter(user=bob).update(role=Role.ORGANIZER)) == (
        True,
        True,
        False,
        False,
    )
    assert moved(lambda: meeting.papers.add(make_paper())) == (False, True, True, False)
    assert moved(lambda: meeting.papers.clear()) == (False, True, False, False)
    assert moved(lambda: club.phases.add(Phase.objects.create(number=9, title="P9"))) == (
        False,
        True,
        True,
        False,
    )
    assert moved(lambda: meeting.delete()) == (False, True, False, False)
    assert moved(lambda: Topic.objects.create(name="Optimisation")) == (False, False, True, False)
    assert moved(lambda: Placement.objects.create(paper=paper, phase=Phase.objects.get())) == (
        False,
        False,
        True,
        False,
    )
    assert moved(lambda: paper.topics.add(Topic.objects.get())) == (False, False, True, False)
    # Saving objects that hold an old counter still moves it forward.
    stale_bob, stale_club = User.objects.get(pk=bob.pk), Club.objects.get(pk=club.pk)
    set_status(user=bob, paper_id=paper.pk, status=Status.PASS2)
    current = counters(bob, club)
    stale_bob.display_name = "Roberta"
    stale_bob.save()
    stale_club.description = "Papers, weekly."
    stale_club.save()
    assert counters(bob, club)[0] > current[0]
    assert counters(bob, club)[1] > current[1] + 1  # bob's rename, then the club's own edit
    # A meeting moved to another club bumps both clubs.
    moving = Meeting.objects.create(club=club, starts_at=meeting_time())
    assert moved(lambda: Meeting.objects.filter(pk=moving.pk).update(club=other_club)) == (
        False,
        True,
        False,
        True,
    )
    # Signing in touches the member's row, not what their clubs show.
    assert moved(lambda: update_last_login(None, bob)) == (True, False, False, False)
    assert moved(lambda: Membership.objects.create(user=bob, club=other_club)) == (
        True,
        False,
        False,
        True,
    )


def test_a_permission_granted_to_staff_shows_at_once(staff, staff_client) -> None:
    staff.user_permissions.clear()
    assert "Import" not in get(staff_client, reverse("papers:canon"))[0]
    staff.user_permissions.add(Permission.objects.get(codename="add_paper"))
    assert ">Import<" in get(staff_client, reverse("papers:canon"))[0]


def test_renaming_a_presenter_who_left_the_club_shows_on_its_pages(
    alice_client, bob, club, meeting, pages
) -> None:
    meeting.presenter = bob
    meeting.save()
    Membership.objects.filter(club=club, user=bob).delete()
    assert "Bob" in get(alice_client, *pages["weekly"])[0]
    User.objects.filter(pk=bob.pk).update(display_name="Roberta")
    assert "Roberta" in get(alice_client, *pages["weekly"])[0]


def meeting_time():
    return timezone.now() + timedelta(days=10)


def test_a_session_begun_with_djangos_own_backend_stays_signed_in(alice, pages) -> None:
    client = Client()
    client.force_login(alice, backend="django.contrib.auth.backends.ModelBackend")
    url, headers = pages["canon"]
    first, _ = get(client, url, headers)
    again, count = get(client, url, headers)
    assert again == first and count == 3  # the counters come in a query of their own
