from django import template
from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe

from notes.markdown import MarkdownRefused, render_markdown
from notes.models import STATUS_LABELS, Status

register = template.Library()


@register.simple_tag
def status_choices() -> list[tuple[str, str]]:
    return list(Status.choices)


@register.filter
def status_label(value: str) -> str:
    return STATUS_LABELS.get(value, "")


@register.filter
def markdown(text: str) -> SafeString:
    """Short organizer-written Markdown (a club's description) through the one sanitizer.

    Rendered where shown rather than stored: one short text per page, well under a
    millisecond; text the renderer refuses shows as escaped paragraphs.
    """
    try:
        return mark_safe(render_markdown(text))  # noqa: S308 -- the one sanitizer's output
    except MarkdownRefused:
        return linebreaks(text, autoescape=True)
