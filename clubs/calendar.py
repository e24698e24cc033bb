"""Meetings as iCalendar, for calendar apps."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from icalendar import Calendar, Event, vCalAddress

from .models import Answer, Meeting

# A member's answer, as the event's status in their calendar and their part in it.
STATUS = {Answer.GOING: "CONFIRMED", Answer.MAYBE: "TENTATIVE", Answer.NO: "CANCELLED"}
PARTSTAT = {Answer.GOING: "ACCEPTED", Answer.MAYBE: "TENTATIVE", Answer.NO: "DECLINED"}


def meetings_calendar(
    meetings: Iterable[Meeting],
    base_url: str,
    name: str,
    answers: dict[int, str] | None = None,
    attendee=None,
) -> bytes:
    """The meetings as iCalendar; with `answers` ({meeting id: answer}) each event's
    status says whether `attendee` comes."""
    answers = answers or {}
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.SITE_NAME}//Reading Group//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for meeting in meetings:
        event = Event()
        event.add("uid", f"meeting-{meeting.pk}@readinggroup")
        event.add("dtstamp", meeting.updated_at)
        event.add("dtstart", meeting.starts_at)
        event.add("dtend", meeting.ends_at)
        titles = ", ".join(p.title for p in meeting.papers.all())
        event.add("summary", f"{meeting.club.name}: {titles}" if titles else meeting.club.name)
        lines = []
        if meeting.presenter:
            lines.append(f"Presenter: {meeting.presenter}")
        if meeting.agenda:
            lines.append(meeting.agenda)
        lines.append(base_url + meeting.get_absolute_url())
        event.add("description", "\n\n".join(lines))
        event.add("url", base_url + meeting.get_absolute_url())
        if meeting.place:
            event.add("location", meeting.place)
        if answer := answers.get(meeting.pk):
            event.add("status", STATUS[answer])
            if attendee is not None and attendee.email:
                person = vCalAddress(f"mailto:{attendee.email}")
                person.params["cn"] = str(attendee)
                person.params["partstat"] = PARTSTAT[answer]
                event.add("attendee", person)
        calendar.add_component(event)
    return calendar.to_ical()
