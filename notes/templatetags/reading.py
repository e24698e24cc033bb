from django import template

from notes.models import STATUS_LABELS, Status

register = template.Library()


@register.simple_tag
def status_choices() -> list[tuple[str, str]]:
    return list(Status.choices)


@register.filter
def status_label(value: str) -> str:
    return STATUS_LABELS.get(value, "")
