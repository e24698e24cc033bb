"""Generated Markdown of every construct: the renderer answers quickly, either with
sanitized HTML or with a refusal, and never with any other error."""

import contextlib
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notes.markdown import MarkdownRefused, render_markdown, sanitize_html

# Pieces of every construct the renderer knows (and of the ones attackers like), so that
# generated text combines them: links, images, emphasis, code, math, quotes, lists,
# headings, tables, footnotes, raw HTML, entities and autolinks.
PIECES = [
    "[", "]", "(", ")", "![", "](", "<", ">", "</", "<a href=", "<script>", "&", "&#x3c;",
    "*", "**", "_", "__", "`", "```", "~~~", "$", "$$", "\\(", "\\)", "\\", "#", "## ",
    "> ", ">", "- ", "* ", "1. ", "  ", "    ", "\t", "|", "|---|", "[^1]", "[^1]: ",
    "https://example.org/", "javascript:", "www.", "<http://", "a", "word", " ", "\n", "\n\n",
]  # fmt: skip

markdownish = st.lists(st.sampled_from(PIECES), max_size=300).map("".join)
# Generous against a busy test machine; the renderer's own goal is about 0.1 s.
SECONDS = 2.0


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(markdownish)
def test_any_markdown_renders_safely_or_is_refused_quickly(text) -> None:
    start = time.perf_counter()
    try:
        html = render_markdown(text)
    except MarkdownRefused:
        html = None
    assert time.perf_counter() - start < SECONDS
    if html is not None:
        assert sanitize_html(html) == html  # already sanitized: cleaning again changes nothing
        lowered = html.lower()
        assert "<script" not in lowered and 'href="javascript' not in lowered


def repeated_to_the_limit(pieces: list[str]) -> str:
    """A short pattern repeated to a full field: the shape of every slow input found."""
    pattern = "".join(pieces) or "["
    return (pattern * (20000 // len(pattern) + 1))[:20000]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=8).map(repeated_to_the_limit))
def test_a_full_field_of_any_repeated_pattern_stays_within_time(text) -> None:
    start = time.perf_counter()
    with contextlib.suppress(MarkdownRefused):
        render_markdown(text)
    assert time.perf_counter() - start < SECONDS, repr(text[:40])
