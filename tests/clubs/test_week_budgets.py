"""Query counts of the club's week that the other tests do not already hold: they stay the
same with 5 rows and with 50."""

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clubs.models import Away, Meeting, Membership, Question, QuestionVote, Role, Rsvp
from notes.models import Note, Reading, Status, Visibility

HTMX = {"HX-Request": "true"}


def queries(client, method: str, url: str, data=None, **headers) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data or {}, headers=headers)
    assert response.status_code in {200, 302}, (url, response.status_code)
    return len(captured)


def test_minutes_away_rsvp_and_the_paper_pages_club_section_stay_flat(
    alice_client, alice, club, meeting, make_user
) -> None:
    paper = meeting.papers.get()
    Reading.objects.create(user=alice, paper=paper, status=Status.PASS2)

    def grow(start: int, count: int) -> None:
        for n in range(start, start + count):
            user = make_user(f"grower{n}")
            Membership.objects.create(club=club, user=user, role=Role.MEMBER)
            Rsvp.objects.create(meeting=meeting, user=user, answer="going")
            note = Note(
                user=user, paper=paper, visibility=Visibility.CLUB, limitation=f"Q{n}?", version=1
            )
            note.render()
            note.save()
            question = Question.objects.create(club=club, paper=paper, author=user, text="q")
            QuestionVote.objects.create(question=question, user=user)
            Away.objects.create(
                user=alice,
                starts_on=date.today() + timedelta(days=n + 1),
                ends_on=date.today() + timedelta(days=n + 1),
            )

    minutes = reverse("clubs:minutes", args=[club.slug, meeting.pk])
    rsvp = reverse("clubs:rsvp", args=[club.slug, meeting.pk])
    answers = iter(["going", "maybe", "no", "going"])

    def measure() -> list[int]:
        return [
            queries(alice_client, "get", minutes),
            queries(alice_client, "get", reverse("clubs:away")),
            queries(alice_client, "post", rsvp, {"answer": next(answers)}, **HTMX),
            queries(alice_client, "get", paper.get_absolute_url() + "?fragment=clubs", **HTMX),
            queries(alice_client, "get", reverse("clubs:meeting-new", args=[club.slug])),
        ]

    grow(0, 5)
    queries(alice_client, "post", rsvp, {"answer": "no"}, **HTMX)  # the first answer inserts
    small = measure()
    grow(5, 45)
    for n in range(45):  # meetings that took place, for the rotation to count
        Meeting.objects.create(
            club=club, starts_at=timezone.now() - timedelta(days=n + 1), presenter=alice
        )
    assert measure() == small
    minutes_page, away_page, rsvp_fragment, clubs_fragment, meeting_form = small
    assert minutes_page <= 9 and away_page <= 4 and rsvp_fragment <= 5
    assert clubs_fragment <= 6 and meeting_form <= 10
