"""Labels for the club's week: answers to a meeting."""

from django import template

from clubs.models import Answer

register = template.Library()

RSVP_LABELS = dict(Answer.choices)


@register.filter
def rsvp_label(value: str) -> str:
    return RSVP_LABELS.get(value, "")


@register.simple_tag
def rsvp_choices() -> list[tuple[str, str]]:
    return Answer.choices
