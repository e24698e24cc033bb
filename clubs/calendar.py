"""Meetings as iCalendar, for calendar apps."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from icalendar import Calendar, Event

from .models import Meeting


def meetings_calendar(meetings: Iterable[Meeting], base_url: str, name: str) -> bytes:
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
        calendar.add_component(event)
    return calendar.to_ical()
