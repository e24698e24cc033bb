from django import template

from notes.models import Status

register = template.Library()


@register.simple_tag
def status_choices() -> list[tuple[str, str]]:
    return list(Status.choices)


@register.filter
def status_label(value: str) -> str:
    return Status(value).label if value in Status.values else ""
