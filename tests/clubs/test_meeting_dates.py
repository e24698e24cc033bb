"""Meeting dates in a sane range, and stored dates that cannot break pages or feeds."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from clubs.models import STORABLE_RANGE, CalendarFeed, Club, Meeting, Membership, Role

FAR = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)


def form(starts_at: str, **fields) -> dict:
    return {"starts_at": starts_at, "duration_minutes": 60, "minimum_pass": "pass1", **fields}


@pytest.mark.parametrize("starts_at", ["9999-12-31T23:59", "0001-01-01T00:00", "2050-01-01T10:00"])
def test_a_meeting_far_from_today_is_refused_and_nothing_is_stored(alice_client, club, starts_at):
    response = alice_client.post(reverse("clubs:meeting-new", args=[club.slug]), form(starts_at))
    assert response.status_code == 200
    assert "Choose a date within 10 years of today" in response.content.decode()
    assert not Meeting.objects.exists()


def test_a_meeting_within_the_range_is_stored(alice_client, club):
    soon = (timezone.now() + timedelta(days=9 * 365)).strftime("%Y-%m-%dT%H:%M")
    alice_client.post(reverse("clubs:meeting-new", args=[club.slug]), form(soon))
    assert Meeting.objects.count() == 1


def test_a_meeting_stored_at_the_end_of_the_calendar_breaks_no_page_or_feed(
    alice, alice_client, club, make_user
):
    """The latest moment storable, with the longest meeting: its pages, its .ics and
    every member's private feed (which also carries their other clubs) keep working."""
    club.time_zone = "Pacific/Kiritimati"  # UTC+14: the local time is past year 9999
    club.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.create(club=club, starts_at=FAR, duration_minutes=600)
    # The latest a database takes; the upgrade moves anything later to it.
    broken = Meeting.objects.create(club=club, starts_at=STORABLE_RANGE[1], duration_minutes=600)
    other = Club.objects.create(name="Second", slug="second")
    Membership.objects.create(club=other, user=alice, role=Role.ORGANIZER)
    fine = Meeting.objects.create(club=other, starts_at=timezone.now() + timedelta(days=2))
    assert broken.ends_at.year == 9999

    for url in (
        broken.get_absolute_url(),
        reverse("clubs:meeting-ics", args=[club.slug, broken.pk]),
        reverse("clubs:meeting-edit", args=[club.slug, broken.pk]),
        reverse("clubs:club", args=[club.slug]),
    ):
        assert alice_client.get(url).status_code == 200, url

    feed = CalendarFeed.objects.create(user=alice)
    response = alice_client.get(feed.feed_url())
    assert response.status_code == 200
    assert f"meeting-{fine.pk}@".encode() in response.content
