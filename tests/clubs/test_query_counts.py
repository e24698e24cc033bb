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
    # session, user, UPDATE, SELECT (+ existence check and INSERT the first time)
    assert again == 4 and first <= 8


def test_canon_search_fragment_is_cheap(alice_client, make_paper) -> None:
    for n in range(30):
        make_paper(f"Attention variant {n}", topics=["T"], phase=1)
    count = queries(
        alice_client, reverse("papers:canon") + "?q=attention", **{"HX-Request": "true"}
    )
    assert count <= 6
