"""Every htmx fragment answers in at most four queries: the session, the user and two of
its own, whatever the size of the club, the canon or the reading list."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clubs.forms import MAX_MEETING_PAPERS
from clubs.models import Meeting, Membership, Role
from notes.models import Note, Reading, Status, Visibility
from papers.models import Curriculum, Tier

HTMX = {"HX-Request": "true"}
BUDGET = 4


def fragment_queries(client, url: str, method: str = "get", data=None) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data or {}, headers=HTMX)
    assert response.status_code == 200, (url, response.status_code)
    body = response.content.decode()
    assert "<html" not in body  # a fragment, not the page
    return len(captured), body


@pytest.fixture
def busy_club(club, meeting, alice, make_user, make_paper):
    """Thirty members, two phases of ten papers, three papers this week, readings and
    notes everywhere."""
    papers = [make_paper(topics=[f"Topic {n % 4}"], phase=1 + n % 2) for n in range(20)]
    club.curricula.set(Curriculum.objects.all())
    meeting.papers.add(*papers[:2])
    users = [alice]
    for n in range(30):
        user = make_user(f"reader{n}")
        Membership.objects.create(club=club, user=user, role=Role.MEMBER)
        users.append(user)
    for i, user in enumerate(users):
        for paper in papers[: 5 + i % 10]:
            Reading.objects.create(user=user, paper=paper, status=Status.values[i % 6])
            Note.objects.create(
                user=user,
                paper=paper,
                version=1,
                visibility=Visibility.CLUB,
                html={"thoughts": f"<p>thought {i}</p>"},
            )
    return club


def fragments(club, meeting, paper) -> list[tuple[str, str, dict | None]]:
    return [
        ("get", reverse("papers:canon") + "?q=paper", None),
        ("get", reverse("papers:canon") + "?tier=1&topic=topic-1", None),
        ("get", reverse("notes:list") + "?status=active", None),
        ("get", reverse("notes:list") + "?group=phase", None),
        ("get", meeting.get_absolute_url() + "?fragment=readiness", None),
        ("get", reverse("clubs:progress", args=[club.slug]) + "?phase=2", None),
        ("get", reverse("clubs:progress", args=[club.slug]), None),
        ("get", reverse("clubs:paper-search", args=[club.slug]) + "?q=paper", None),
        ("post", reverse("notes:status", args=[paper.pk]), {"status": "pass3"}),
        ("post", reverse("notes:preview"), {"problem": "Some *math* $x^2$"}),
        ("get", reverse("notes:section", args=[paper.pk, "log"]) + "?edit=1", None),
    ]


def test_every_fragment_stays_within_the_budget(alice_client, busy_club, meeting) -> None:
    paper = meeting.papers.order_by("pk").last()
    for method, url, data in fragments(busy_club, meeting, paper):
        count, _ = fragment_queries(alice_client, url, method, data)
        assert count <= BUDGET, (url, count)


def test_saving_notes_stays_within_the_budget(alice_client, busy_club, meeting) -> None:
    paper = meeting.papers.order_by("pk").last()
    note = Note.objects.get(user__username="alice", paper=paper)
    url = reverse("notes:save", args=[paper.pk])
    data = {"section": "log", "problem": "What it solves", "version": note.version}
    count, body = fragment_queries(alice_client, url, "post", data)
    # Plus the save limit's count: one upsert, and on a minute's first save the delete of
    # the minute before.
    assert count <= BUDGET + 2 and "saved" in body.lower()
    note.refresh_from_db()
    assert note.problem == "What it solves" and note.version == 2
    assert note.html["problem"] == "<p>What it solves</p>"
    # A second save from the same (now stale) copy changes nothing.
    response = alice_client.post(url, {**data, "problem": "Stale"}, headers=HTMX)
    assert response.status_code == 409
    note.refresh_from_db()
    assert note.problem == "What it solves" and note.version == 2


def test_readiness_fragment_matches_the_weekly_page(alice_client, bob, busy_club, meeting) -> None:
    Reading.objects.update_or_create(
        user=bob, paper=meeting.papers.first(), defaults={"status": Status.DONE}
    )

    def section(html: str) -> str:
        return re.search(r'<section id="readiness".*?</section>', html, re.S).group(0)

    page = alice_client.get(meeting.get_absolute_url()).content.decode()
    _, fragment = fragment_queries(alice_client, meeting.get_absolute_url() + "?fragment=readiness")
    assert section(fragment) == section(page)
    assert "of 32 ready" in fragment


def test_readiness_fragment_is_404_for_outsiders_and_other_clubs_meetings(
    charlie_client, alice_client, meeting, other_club
) -> None:
    url = meeting.get_absolute_url() + "?fragment=readiness"
    assert charlie_client.get(url, headers=HTMX).status_code == 404
    theirs = Meeting.objects.create(club=other_club, starts_at=timezone.now())
    wrong = reverse("clubs:meeting", args=["journal-club", theirs.pk]) + "?fragment=readiness"
    assert alice_client.get(wrong, headers=HTMX).status_code == 404


def test_matrix_of_a_club_without_phases_covers_its_assigned_papers(
    alice_client, alice, club, meeting, make_paper
) -> None:
    placed = make_paper("Placed in phase three", phase=3)
    unassigned = make_paper("Never assigned", phase=3)
    meeting.papers.add(placed)
    Reading.objects.create(user=alice, paper=placed, status=Status.DONE)
    url = reverse("clubs:progress", args=[club.slug])
    count, body = fragment_queries(alice_client, url)
    assert count <= BUDGET
    assert "Attention Is All You Need" in body and "Placed in phase three" in body
    assert unassigned.title not in body and 'class="cell s-done"' in body
    # Picking a phase shows all of that phase's papers.
    _, body = fragment_queries(alice_client, url + f"?phase={placed.placements.get().phase_id}")
    assert unassigned.title[:20] in body and "Attention" not in body
    page = alice_client.get(url).content.decode()
    assert "All assigned papers" in page and "Phase 3" in page


def test_matrix_for_a_phase_outside_the_club_is_empty(alice_client, club, make_paper) -> None:
    make_paper("Club phase paper", phase=1)
    elsewhere = make_paper("Elsewhere", phase=1, curriculum="Another track")
    club.curricula.set(Curriculum.objects.filter(name="Core ML curriculum"))
    other = elsewhere.placements.get().phase_id
    url = reverse("clubs:progress", args=[club.slug])
    _, body = fragment_queries(alice_client, url + f"?phase={other}")
    assert "Elsewhere" not in body and "No papers yet" in body
    page = alice_client.get(url, {"phase": other}).content.decode()  # the page shows them all
    assert "Club phase paper" in page and "Elsewhere" not in page
    for odd in ("99999999999999999999999", "-1", "1.5"):  # ignored: the club's phases
        _, body = fragment_queries(alice_client, url + f"?phase={odd}")
        assert "Club phase paper" in body


def test_a_meeting_covers_at_most_ten_papers(alice_client, club, make_paper) -> None:
    papers = [make_paper() for _ in range(MAX_MEETING_PAPERS + 1)]
    response = alice_client.post(
        reverse("clubs:meeting-new", args=[club.slug]),
        {
            "starts_at": "2030-01-10T18:00",
            "duration_minutes": 60,
            "papers": [p.pk for p in papers],
            "minimum_pass": "pass1",
        },
    )
    assert response.status_code == 200 and not Meeting.objects.exists()
    assert f"at most {MAX_MEETING_PAPERS} papers" in response.content.decode()


def test_canon_page_totals_with_filters_and_past_the_end(alice_client, make_paper) -> None:
    for n in range(30):
        make_paper(f"Tiered {n}", phase=1, tier=Tier.MUST if n % 2 else Tier.RECOMMENDED)
    make_paper("Own tier only", tier=Tier.MUST)
    url = reverse("papers:canon")
    page = alice_client.get(url, {"tier": Tier.MUST}).context["page"]
    assert page.paginator.count == 16 and len(page) == 16
    last = alice_client.get(url, {"page": 99}).context["page"]
    assert last.number == 2 and len(last) == 6 and last.paginator.count == 31
    odd = alice_client.get(url, {"page": "x"}).context["page"]
    assert odd.number == 1 and odd.paginator.count == 31
    empty = alice_client.get(url, {"q": "nothing-matches-this"}).context["page"]
    assert empty.paginator.count == 0 and len(empty) == 0


def test_reading_list_fragment_keeps_its_groups(alice_client, alice, make_paper) -> None:
    one = make_paper("Topic paper", topics=["Zeta", "Alpha"], phase=2)
    two = make_paper("Loose paper")
    for paper in (one, two):
        Reading.objects.create(user=alice, paper=paper, status=Status.PASS1)
    _, body = fragment_queries(alice_client, reverse("notes:list") + "?status=active")
    assert body.index("Alpha") < body.index("Topic paper") < body.index("Other")
    assert "Zeta" not in body
    _, body = fragment_queries(alice_client, reverse("notes:list") + "?group=phase")
    assert body.index("Phase 2") < body.index("Topic paper") < body.index("Not in a phase")


def test_old_meetings_do_not_change_the_budget(alice_client, busy_club, meeting) -> None:
    for n in range(20):
        old = Meeting.objects.create(
            club=busy_club, starts_at=timezone.now() - timedelta(days=7 * (n + 1))
        )
        old.papers.add(*meeting.papers.all())
    url = meeting.get_absolute_url() + "?fragment=readiness"
    assert fragment_queries(alice_client, url)[0] <= BUDGET
