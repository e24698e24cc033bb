"""Durations said as people say them: "15 minutes", "1 hour 30 minutes", "2 days"."""

from __future__ import annotations

from datetime import timedelta

from django import template

register = template.Library()

_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


@register.filter
def duration_words(value: timedelta | int | float | None) -> str:
    """The two largest units of a duration: 900 → "15 minutes", 5400 → "1 hour 30 minutes"."""
    if value is None or value == "":
        return ""
    seconds = int(value.total_seconds() if isinstance(value, timedelta) else value)
    if seconds <= 0:
        return "a moment"
    parts = []
    for name, size in _UNITS:
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount} {name}{'' if amount == 1 else 's'}")
        if len(parts) == 2 or (parts and not amount):
            break
    return " ".join(parts)
