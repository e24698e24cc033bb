"""Pages whose query count must not grow with members, meetings or papers."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clubs.models import Meeting, Membership, Role
from notes.models import Reading, Status


def queries(client, url: str, method: str = "get", data=None, **headers) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data or {}, headers=headers)
    assert response.status_code == 200
    return len(captured)


def grow(club, make_user, make_paper, start: int, count: int) -> None:
    for n in range(start, start + count):
        user = make_user(f"grown{n}")
        Membership.objects.create(club=club, user=user, role=Role.MEMBER)
        meeting = Meeting.objects.create(
            club=club,
            starts_at=timezone.now() + timedelta(days=n - start - count // 2),
            presenter=user,
        )
        paper = make_paper()
        meeting.papers.add(paper)
        Reading.objects.create(user=user, paper=paper, status=Status.PASS1)


def test_club_home_and_today_query_counts_are_flat(
    alice_client, alice, club, make_user, make_paper
) -> None:
    grow(club, make_user, make_paper, 0, 5)
    Reading.objects.create(user=alice, paper=make_paper(), status=Status.QUEUED)
    home = queries(alice_client, club.get_absolute_url())
    today = queries(alice_client, reverse("core:today"))
    grow(club, make_user, make_paper, 5, 60)
    for meeting in Meeting.objects.filter(starts_at__gte=timezone.now()):
        Reading.objects.get_or_create(user=alice, paper=meeting.papers.get())
    assert queries(alice_client, club.get_absolute_url()) == home
    assert queries(alice_client, reverse("core:today")) == today
    assert home <= 8 and today <= 8


def test_status_change_fragment_is_cheap(alice_client, make_paper) -> None:
    paper = make_paper()
    url = reverse("notes:status", args=[paper.pk])
    first = queries(alice_client, url, "post", {"status": "pass1"}, **{"HX-Request": "true"})
    again = queries(alice_client, url, "post", {"status": "pass2"}, **{"HX-Request": "true"})
    # session, user, the history row (one INSERT … SELECT) and one INSERT … ON CONFLICT DO
    # UPDATE … RETURNING, first time or not
    assert first == 4 and again == 4


def test_canon_search_fragment_is_cheap(alice_client, make_paper) -> None:
    for n in range(30):
        make_paper(f"Attention variant {n}", topics=["T"], phase=1)
    count = queries(
        alice_client, reverse("papers:canon") + "?q=attention", **{"HX-Request": "true"}
    )
    assert count <= 4


def test_manage_page_and_club_list_query_counts_are_flat(
    alice_client, alice, club, make_user
) -> None:
    from clubs.models import Club, Invitation

    def add(start: int, count: int) -> None:
        for n in range(start, start + count):
            Membership.objects.create(club=club, user=make_user(f"extra{n}"))
            Invitation.objects.create(club=club, email=f"x{n}@example.org")
            other = Club.objects.create(name=f"Other {n}", slug=f"other-{n}")
            Membership.objects.create(club=other, user=alice)

    add(0, 5)
    manage, clubs = (
        queries(alice_client, reverse("clubs:manage", args=[club.slug])),
        queries(alice_client, reverse("clubs:list")),
    )
    add(5, 45)
    assert queries(alice_client, reverse("clubs:manage", args=[club.slug])) == manage
    assert queries(alice_client, reverse("clubs:list")) == clubs


def test_matrix_phase_filter_returns_the_fragment(alice_client, alice, club, make_paper) -> None:
    from papers.models import Curriculum, Phase

    make_paper("In phase one", phase=1)
    make_paper("In phase two", phase=2)
    club.curricula.set(Curriculum.objects.all())
    url = reverse("clubs:progress", args=[club.slug])
    two = Phase.objects.get(number=2).pk
    response = alice_client.get(url, {"phase": two}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="matrix">')
    assert "<html" not in body and "In phase two" in body and "In phase one" not in body
    assert "HX-Request" in response["Vary"]
    full = alice_client.get(url, {"phase": "²"})  # odd input is ignored, not a crash
    assert full.status_code == 200 and "In phase one" in full.content.decode()
