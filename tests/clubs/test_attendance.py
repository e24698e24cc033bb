"""Who comes: RSVPs on the weekly page, the club home and the calendar; away dates and the
presenter rotation; the meeting form's next free slot."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from clubs.models import Away, CalendarFeed, Meeting, Membership, Role, Rsvp
from notes.models import Reading, Status

HTMX = {"HX-Request": "true"}


def rsvp(client, club, meeting, answer, **headers):
    return client.post(
        reverse("clubs:rsvp", args=[club.slug, meeting.pk]), {"answer": answer}, headers=headers
    )


def test_rsvp_on_the_weekly_page_and_the_club_home(
    alice_client, bob_client, alice, bob, club, meeting
) -> None:
    response = rsvp(bob_client, club, meeting, "going", **HTMX)
    assert response["HX-Trigger"] == "rsvp-changed"
    body = response.content.decode()
    assert body.lstrip().startswith('<form id="rsvp"') and 'aria-pressed="true">Going' in body
    rsvp(alice_client, club, meeting, "maybe")
    rsvp(bob_client, club, meeting, "no")  # changed their mind
    assert Rsvp.objects.get(user=bob).answer == "no" and Rsvp.objects.count() == 2
    fragment = alice_client.get(
        meeting.get_absolute_url() + "?fragment=readiness", headers=HTMX
    ).content.decode()
    assert "0 going · 1 maybe · 1 not going" in fragment
    assert "Not going" in fragment and "Maybe" in fragment
    home = alice_client.get(club.get_absolute_url()).content.decode()
    assert "0 going · 1 maybe · 1 not going · you: maybe" in home


def test_a_bad_or_late_answer_is_refused(bob_client, bob, club, meeting, charlie_client) -> None:
    response = rsvp(bob_client, club, meeting, "perhaps", **HTMX)
    assert "Answer going, maybe or not going" in response.content.decode()
    assert "HX-Trigger" not in response
    assert rsvp(charlie_client, club, meeting, "going").status_code == 404
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(days=2))
    response = rsvp(bob_client, club, meeting, "going")
    assert "This meeting is over" in bob_client.get(response["Location"]).content.decode()
    assert not Rsvp.objects.exists()


def test_the_weekly_page_polls_readiness_while_it_is_open(
    bob_client, club, meeting, settings
) -> None:
    settings.READINESS_POLL_SECONDS = 30
    page = bob_client.get(meeting.get_absolute_url()).content.decode()
    assert "every 30s" in page and "rsvp-changed from:body" in page
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(days=2))
    assert "every 30s" not in bob_client.get(meeting.get_absolute_url()).content.decode()


def test_the_readiness_fragment_stays_within_its_budget(
    bob_client, club, meeting, make_user
) -> None:
    def add(start: int, count: int) -> None:
        for n in range(start, start + count):
            user = make_user(f"attendee{n}")
            Membership.objects.create(club=club, user=user, role=Role.MEMBER)
            Rsvp.objects.create(meeting=meeting, user=user, answer="going")
            Away.objects.create(user=user, starts_on=date(2020, 1, 1), ends_on=date(2020, 1, 2))
            Reading.objects.create(user=user, paper=meeting.papers.get(), status=Status.PASS1)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            url = meeting.get_absolute_url() + "?fragment=readiness"
            assert bob_client.get(url, headers=HTMX).status_code == 200
        return len(captured)

    add(0, 5)
    small = count()
    add(5, 45)
    assert count() == small <= 4


def test_the_calendar_says_whether_i_come(bob_client, bob, club, meeting) -> None:
    feed = CalendarFeed.objects.create(user=bob)
    Rsvp.objects.create(meeting=meeting, user=bob, answer="maybe")
    event = Calendar.from_ical(bob_client.get(feed.feed_url()).content).walk("VEVENT")[0]
    assert event["STATUS"] == "TENTATIVE"
    assert event["ATTENDEE"].params["PARTSTAT"] == "TENTATIVE"
    Rsvp.objects.filter(user=bob).update(answer="no")
    ics = bob_client.get(reverse("clubs:meeting-ics", args=[club.slug, meeting.pk])).content
    assert Calendar.from_ical(ics).walk("VEVENT")[0]["STATUS"] == "CANCELLED"
    Rsvp.objects.all().delete()
    event = Calendar.from_ical(bob_client.get(feed.feed_url()).content).walk("VEVENT")[0]
    assert "STATUS" not in event


def test_away_dates_are_mine_and_checked(bob_client, alice_client, bob) -> None:
    url = reverse("clubs:away")
    today = timezone.localdate()
    response = bob_client.post(
        url, {"starts_on": today + timedelta(days=5), "ends_on": today + timedelta(days=1)}
    )
    assert response.status_code == 200 and "The last day comes after the first" in (
        response.content.decode()
    )
    assert not Away.objects.exists()
    response = bob_client.post(
        url, {"starts_on": today, "ends_on": today + timedelta(days=3), "note": "ICML trip"}
    )
    assert response.status_code == 302
    away = Away.objects.get()
    assert away.user == bob and "ICML trip" in bob_client.get(url).content.decode()
    assert "ICML trip" not in alice_client.get(url).content.decode()
    delete = reverse("clubs:away-delete", args=[away.pk])
    assert alice_client.post(delete).status_code == 404
    assert bob_client.post(delete).status_code == 302 and not Away.objects.exists()


def test_the_rotation_counts_past_meetings_and_skips_who_is_away(
    alice_client, alice, bob, charlie, club, make_user
) -> None:
    Membership.objects.create(club=club, user=charlie, role=Role.MEMBER)
    now = timezone.now()
    Meeting.objects.create(club=club, starts_at=now - timedelta(days=14), presenter=alice)
    Meeting.objects.create(club=club, starts_at=now - timedelta(days=7), presenter=bob)
    # Down to present in the future is not having presented.
    Meeting.objects.create(club=club, starts_at=now + timedelta(days=30), presenter=charlie)
    form = alice_client.get(reverse("clubs:meeting-new", args=[club.slug]))
    assert form.context["form"].initial["presenter"] == charlie.pk
    slot = form.context["form"].instance.starts_at
    day = timezone.localtime(slot, ZoneInfo(club.time_zone)).date()
    Away.objects.create(user=charlie, starts_on=day, ends_on=day)
    form = alice_client.get(reverse("clubs:meeting-new", args=[club.slug]))
    assert form.context["form"].initial["presenter"] == alice.pk  # presented longest ago
    assert [m.user for m in form.context["rotation"]] == [alice, bob]


def test_the_meeting_form_proposes_the_next_free_slot(alice_client, club) -> None:
    zone = ZoneInfo(club.time_zone)
    first = club.next_slot()
    Meeting.objects.create(club=club, starts_at=first)
    Meeting.objects.create(club=club, starts_at=first + timedelta(days=7, hours=2))
    form = alice_client.get(reverse("clubs:meeting-new", args=[club.slug]))
    proposed = form.context["form"].instance.starts_at
    assert proposed.astimezone(zone).date() == (first + timedelta(days=14)).astimezone(zone).date()
    assert proposed.astimezone(zone).time() == club.meeting_time
    # Saving a second meeting at a taken time is refused with a message.
    taken = timezone.localtime(first, zone).strftime("%Y-%m-%dT%H:%M")
    response = alice_client.post(
        reverse("clubs:meeting-new", args=[club.slug]),
        {"starts_at": taken, "duration_minutes": 60, "minimum_pass": "pass1"},
    )
    assert response.status_code == 200 and "already meets at that time" in response.content.decode()
    assert Meeting.objects.count() == 2


def test_the_free_slot_keeps_its_local_hour_across_a_clock_change(club) -> None:
    club.time_zone, club.meeting_time = "Europe/Berlin", time(18, 0)
    club.save()
    zone = ZoneInfo("Europe/Berlin")
    first = club.next_slot()
    for week in range(30):  # a half-year of meetings spans a daylight-saving change
        start = datetime.combine(first.date() + timedelta(weeks=week), time(18, 0), zone)
        Meeting.objects.create(club=club, starts_at=start)
    slot = club.next_free_slot().astimezone(zone)
    assert slot.time() == time(18, 0) and slot.date() == first.date() + timedelta(weeks=30)
