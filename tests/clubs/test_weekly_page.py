from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clubs.models import Meeting, Membership, Role
from notes.models import Note, Reading, Status, Visibility


def add_members(club, make_user, count: int, start: int = 0) -> list:
    users = []
    for n in range(start, start + count):
        user = make_user(f"member{n}")
        Membership.objects.create(club=club, user=user, role=Role.MEMBER)
        users.append(user)
    return users


def test_weekly_page_shows_readiness_logs_and_questions(
    alice_client, alice, bob, club, meeting, make_paper
) -> None:
    paper = meeting.papers.get()
    base = make_paper("Neural Machine Translation by Jointly Learning to Align and Translate")
    paper.builds_on.add(base)
    Reading.objects.create(user=bob, paper=paper, status=Status.PASS2)
    Note.objects.create(
        user=bob,
        paper=paper,
        version=1,
        visibility=Visibility.CLUB,
        html={"problem": "<p>Sequence transduction</p>", "limitation": "<p>Why sinusoids?</p>"},
        problem="x",
        limitation="Why sinusoids?",
    )
    Note.objects.create(
        user=alice,
        paper=paper,
        version=1,
        visibility=Visibility.PRIVATE,
        html={"problem": "<p>ALICE-PRIVATE</p>"},
        problem="x",
    )
    locked = alice_client.get(meeting.get_absolute_url()).content.decode()
    # Alice has not read it yet: the spoiler lock keeps the club's log from her.
    assert "Sequence transduction" not in locked and "Why sinusoids?" not in locked
    assert "Reach Pass 1 to see the club" in locked
    Reading.objects.create(user=alice, paper=paper, status=Status.QUEUED)
    assert (
        "Sequence transduction" not in alice_client.get(meeting.get_absolute_url()).content.decode()
    )
    Reading.objects.filter(user=alice).update(status=Status.PASS1)
    page = alice_client.get(meeting.get_absolute_url()).content.decode()
    assert "2 of 2 ready" in page
    assert "Sequence transduction" in page and "Why sinusoids?" in page
    assert "ALICE-PRIVATE" not in page
    assert "Neural Machine Translation" in page and "not finished by 2 members" in page


def test_marking_a_pass_updates_readiness(alice_client, alice, club, meeting) -> None:
    paper = meeting.papers.get()
    alice_client.post(
        reverse("notes:status", args=[paper.pk]),
        {"status": "pass1"},
        headers={"HX-Request": "true"},
    )
    fragment = alice_client.get(
        meeting.get_absolute_url() + "?fragment=readiness", headers={"HX-Request": "true"}
    )
    body = fragment.content.decode()
    assert body.lstrip().startswith('<section id="readiness"')
    assert "1 of 2 ready" in body


def test_minimum_pass_counts(alice_client, bob, club, meeting) -> None:
    meeting.minimum_pass = "pass2"
    meeting.save()
    Reading.objects.create(user=bob, paper=meeting.papers.get(), status=Status.PASS1)
    assert "0 of 2 ready" in alice_client.get(meeting.get_absolute_url()).content.decode()


def queries_for(client, url: str, **headers) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, headers=headers).status_code == 200
    return len(captured)


def test_weekly_page_query_count_is_flat(
    alice_client, club, meeting, make_user, make_paper
) -> None:
    paper = meeting.papers.get()
    paper.builds_on.add(make_paper())
    users = add_members(club, make_user, 3)
    for user in users:
        Reading.objects.create(user=user, paper=paper, status=Status.PASS1)
        Note.objects.create(
            user=user,
            paper=paper,
            version=1,
            visibility=Visibility.CLUB,
            html={"limitation": "<p>q</p>"},
        )
    small = queries_for(alice_client, meeting.get_absolute_url())
    fragment = queries_for(
        alice_client, meeting.get_absolute_url() + "?fragment=readiness", **{"HX-Request": "true"}
    )
    for user in add_members(club, make_user, 95, start=3):
        Reading.objects.create(user=user, paper=paper, status=Status.PASS2)
        Note.objects.create(
            user=user,
            paper=paper,
            version=1,
            visibility=Visibility.CLUB,
            html={"limitation": "<p>q</p>"},
        )
    meeting.papers.add(*[make_paper() for _ in range(2)])
    paper.builds_on.add(*[make_paper() for _ in range(5)])
    assert queries_for(alice_client, meeting.get_absolute_url()) == small
    assert (
        queries_for(
            alice_client,
            meeting.get_absolute_url() + "?fragment=readiness",
            **{"HX-Request": "true"},
        )
        == fragment
    )


def test_matrix_shows_passes_and_totals(alice_client, alice, bob, club, make_paper) -> None:
    from papers.models import Phase

    p1 = make_paper("First paper", phase=4)
    p2 = make_paper("Second paper", phase=4)
    club.curricula.add(Phase.objects.get(number=4).curriculum)
    Reading.objects.create(user=bob, paper=p1, status=Status.DONE, done_at=timezone.now())
    Reading.objects.create(user=alice, paper=p1, status=Status.PASS2)
    Reading.objects.create(user=alice, paper=p2, status=Status.DONE, done_at=timezone.now())
    page = alice_client.get(reverse("clubs:progress", args=[club.slug])).content.decode()
    assert 'class="cell s-done"' in page and 'class="cell s-pass2"' in page
    assert "50% read" in page  # 2 of 4 member-paper pairs done in phase 4
    assert "Papers finished per week" in page and "<svg" in page


def test_matrix_query_count_is_flat(alice_client, club, make_user, make_paper) -> None:
    from papers.models import Phase

    def add_papers(count: int) -> list:
        return [make_paper(phase=1 + n % 3) for n in range(count)]

    papers = add_papers(5)
    club.curricula.set({phase.curriculum for phase in Phase.objects.all()})
    users = add_members(club, make_user, 3)
    for user in users:
        for paper in papers:
            Reading.objects.create(
                user=user, paper=paper, status=Status.DONE, done_at=timezone.now()
            )
    url = reverse("clubs:progress", args=[club.slug])
    small = queries_for(alice_client, url)
    two = f"?phase={Phase.objects.get(number=2).pk}"
    small_phase = queries_for(alice_client, url + two)
    more = add_papers(195)
    for user in add_members(club, make_user, 97, start=3):
        Reading.objects.bulk_create(
            [Reading(user=user, paper=p, status=Status.PASS1) for p in more[:50]]
        )
    assert queries_for(alice_client, url) == small
    assert queries_for(alice_client, url + two) == small_phase


def test_meeting_ics_and_calendar_feed(alice_client, club, meeting) -> None:
    ics = alice_client.get(reverse("clubs:meeting-ics", args=[club.slug, meeting.pk]))
    assert ics["Content-Type"].startswith("text/calendar")
    body = ics.content.decode()
    assert "BEGIN:VEVENT" in body and "Attention Is All You Need" in body

    settings_page = alice_client.get(reverse("clubs:calendar")).content.decode()
    feed_url = settings_page.split('id="feed-url"')[0].rsplit('value="', 1)[1].split('"')[0]
    path = feed_url.split("testserver", 1)[1]
    from django.test import Client

    anonymous = Client()
    assert "Attention Is All You Need" in anonymous.get(path).content.decode()
    alice_client.post(reverse("clubs:calendar"))
    assert anonymous.get(path).status_code == 404


def test_today_shows_meetings_and_what_to_read(
    alice_client, alice, club, meeting, make_paper
) -> None:
    queued = make_paper("Something queued")
    Reading.objects.create(user=alice, paper=queued, status=Status.QUEUED)
    Meeting.objects.create(club=club, starts_at=timezone.now() - timedelta(days=30))
    page = alice_client.get(reverse("core:today")).content.decode()
    assert "Journal Club" in page and "Attention Is All You Need" in page
    assert "Pass 1 by" in page
    assert "Something queued" in page


def test_calendar_feed_closes_for_inactive_members(alice, alice_client, club, meeting) -> None:
    from django.test import Client

    from clubs.models import CalendarFeed

    feed = CalendarFeed.objects.create(user=alice)
    assert Client().get(feed.feed_url()).status_code == 200
    alice.is_active = False
    alice.save()
    assert Client().get(feed.feed_url()).status_code == 404


def test_a_paper_in_two_phases_counts_in_both_bars(alice_client, alice, bob, club, make_paper):
    from papers.models import Phase, Tier

    both = make_paper("Placed twice", phase=9)
    make_paper("Only in ten", phase=10)
    both.placements.create(phase=Phase.objects.get(number=10), tier=Tier.RECOMMENDED)
    club.curricula.add(Phase.objects.get(number=9).curriculum)
    Reading.objects.create(user=bob, paper=both, status=Status.DONE, done_at=timezone.now())
    page = alice_client.get(reverse("clubs:progress", args=[club.slug])).content.decode()
    assert "P9: 50% read" in page  # 1 of 2 member-paper pairs
    assert "P10: 25% read" in page  # 1 of 4: the paper counts in phase 10 too
    assert page.count('class="paper-col"') == 2  # one column per paper, not per placement
    weekly = club.meetings.create(starts_at=timezone.now() + timedelta(days=1))
    weekly.papers.add(both)
    body = alice_client.get(weekly.get_absolute_url()).content.decode()
    assert "Core ML curriculum · Phase 9: P9" in body and "Phase 10: P10" in body
