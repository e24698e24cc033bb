r"""The one renderer for user Markdown: Markdown with math in, sanitized HTML out.

Pipeline: Python-Markdown (`extra`, `sane_lists`, `pymdownx.arithmatex` in generic mode)
→ bleach with an explicit allowlist → bleach's linkify filter, which turns bare
`https://…` text into links and puts `rel` on every link.

Arithmatex claims `$…$` / `$$…$$` before the emphasis and escape rules run and stores the
TeX as an atomic string, so `$a*b*c$` keeps its stars. It emits

    <span class="arithmatex">\(a*b*c\)</span>           inline
    <div class="arithmatex">\[\sum_i x_i^2\]</div>      display, a block of its own
    <span class="arithmatex">\[\sum_i x_i^2\]</span>    display, on a line inside a paragraph

with `<`, `>` and `&` in the TeX escaped. `static/js/math.js` renders those elements with
KaTeX in the browser. The sanitizer keeps `class` on span/div only when it is exactly
`arithmatex`, so no other class (and so no other styling or script hook) gets through.

The output is stored (see `notes.services`), so pages never re-render Markdown. Bump
`RENDERER_VERSION` whenever a change here changes the output; stored notes are then
re-rendered.
"""

from __future__ import annotations

import html
import re
import threading
import xml.etree.ElementTree as etree
from functools import partial

import bleach
import markdown
from bleach.linkifier import LinkifyFilter, build_url_re
from markdown.util import AtomicString
from pymdownx.arithmatex import ArithmatexExtension, InlineArithmatexPattern

RENDERER_VERSION = 1

MATH_CLASS = "arithmatex"
# Display math written inside a paragraph: a span (a div cannot sit in a <p>) whose
# delimiters tell math.js to use display mode.
DISPLAY_WRAP = "\\[{}\\]"

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
        "strong", "em", "b", "i", "del", "s", "sup", "sub",
        "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "code", "pre",
        "table", "thead", "tbody", "tr", "th", "td",
        "a", "img", "span", "div", "abbr",
    }
)  # fmt: skip

# `rel` is ours (set on every link below); it is listed so that sanitizing stored HTML
# again leaves it as it is.
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "title", "rel"}),
    "img": frozenset({"src", "alt", "title"}),
    "abbr": frozenset({"title"}),
    "span": frozenset({"class"}),
    "div": frozenset({"class"}),
    "th": frozenset({"align"}),
    "td": frozenset({"align"}),
}

ALLOWED_PROTOCOLS: frozenset[str] = frozenset({"http", "https", "mailto"})
# An http image would be mixed content and is a plain-text tracking beacon.
IMAGE_PROTOCOLS: frozenset[str] = frozenset({"https"})

LINK_REL = "nofollow noopener noreferrer"

_TABLE_ALIGNMENTS = frozenset({"left", "center", "right"})

# What browsers skip inside a URL (ASCII whitespace and controls) plus what hides a scheme
# from the eye (NBSP, soft hyphen, zero-width space/joiners, word joiner, BOM). We remove
# more than any browser does, so a value that passes here cannot name another scheme there.
_URL_NOISE = re.compile(r"[\s\x00-\x20\x7f-\xa0\xad\u200b-\u200d\u2060\ufeff]")


def _url_scheme(value: str) -> str:
    """The scheme a URL attribute value names, lower-cased; "" when it names none.

    Relative and protocol-relative URLs ("/x", "//evil.example/x.js") have no scheme and
    so are refused: a note should not point into the app itself (a logout URL, say) in
    words another member wrote, nor load from a host that merely inherits our scheme.
    """
    url = _URL_NOISE.sub("", html.unescape(value)).lower()
    scheme, colon, _ = url.partition(":")
    return scheme if colon else ""


def _allow_attribute(tag: str, name: str, value: str) -> bool:
    if name not in ALLOWED_ATTRIBUTES.get(tag, ()):
        return False
    if name == "class":
        return value == MATH_CLASS
    if name == "align":
        return value in _TABLE_ALIGNMENTS
    if name == "href":
        return _url_scheme(value) in ALLOWED_PROTOCOLS
    if name == "src":
        return _url_scheme(value) in IMAGE_PROTOCOLS
    return True


def _link_attributes(attrs: dict, new: bool = False) -> dict | None:
    """Linkify callback: every link gets `rel`; a link without a usable URL becomes text."""
    href = attrs.get((None, "href"))
    if href is None or _url_scheme(href) not in ALLOWED_PROTOCOLS:
        return None  # the sanitizer dropped its URL; keep the words, lose the dead link
    if new and not attrs["_text"].lower().startswith(("http://", "https://")):
        return None  # "train.py" is a file name, not a link to a site in Paraguay
    attrs[(None, "rel")] = LINK_REL
    return attrs


class _InlineMath(InlineArithmatexPattern):
    r"""Arithmatex's inline pattern, plus Pandoc's rule for prices and `$$…$$` inside text.

    Smart dollars already need a non-space right after the opening `$` and right before
    the closing one, which keeps "costs $5 and $10" as text. Pandoc adds: the closing `$`
    must not be followed by a digit, which keeps "$5-$10" and "$5/$10" as text too.

    Arithmatex knows `$$…$$` only as a block of its own; written on a line inside a
    paragraph it would come out as `$` + inline math + `$`. Like KaTeX's and MathJax's own
    scanners, we take it as display math there: a span whose TeX is wrapped in `\[…\]`.
    """

    def handleMatch(self, m: re.Match[str], data: str):  # Markdown's (camelCase) API
        start, end = m.start(0), m.end(0)
        if m.group(2) != "$":  # an escape or \(…\): nothing to add
            return super().handleMatch(m, data)
        if data[end : end + 1].isdecimal():
            return None, None, None
        doubled = (
            start > 0
            and data[start - 1] == "$"
            and data[start - 2 : start - 1] != "\\"
            and data[end : end + 1] == "$"
        )
        if doubled:
            span = etree.Element("span", {"class": MATH_CLASS})
            span.text = AtomicString(DISPLAY_WRAP.format(m.group(3)))
            return span, start - 1, end + 1
        return super().handleMatch(m, data)


class _MathExtension(ArithmatexExtension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        super().extendMarkdown(md)
        stock = md.inlinePatterns["arithmatex-inline"]
        md.inlinePatterns.register(
            _InlineMath(stock.pattern, self.getConfigs()), "arithmatex-inline", 189.9
        )


def _new_markdown() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=["extra", "sane_lists", _MathExtension(generic=True, smart_dollar=True)],
        extension_configs={
            "extra": {
                # Alignment as an attribute we can check, not a style we would have to drop.
                "tables": {"use_align_attribute": True},
                # Footnote anchors need ids, which we drop (several notes share a page and
                # ids invite DOM clobbering); without them a back-link arrow is noise.
                "footnotes": {"BACKLINK_TEXT": ""},
            },
        },
        output_format="html",
    )


def _new_cleaner() -> bleach.Cleaner:
    linkify = partial(
        LinkifyFilter,
        callbacks=[_link_attributes],
        # Code stays verbatim; inline math is TeX (display math relies on math.js reading
        # textContent, which a link inside it does not change).
        skip_tags={"pre", "code", "span"},
        url_re=build_url_re(protocols=ALLOWED_PROTOCOLS - {"mailto"}),
    )
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=_allow_attribute,
        protocols=ALLOWED_PROTOCOLS,
        # Escape rather than strip: "f<T>(x)" in a note stays readable, and a pasted
        # <script> shows up as text instead of leaving its body behind without a trace.
        strip=False,
        strip_comments=True,
        filters=[linkify],
    )


class _Renderers(threading.local):
    """One Markdown instance and one Cleaner per thread: neither is thread-safe.

    Built at import for the importing thread and on first use in any other thread, so a
    render costs a reset and a conversion, not the extension set-up.
    """

    def __init__(self) -> None:
        self.markdown = _new_markdown()
        self.cleaner = _new_cleaner()


_renderers = _Renderers()


def sanitize_html(html_text: str) -> str:
    """Sanitize HTML with the note allowlist. Idempotent: sanitizing its output changes nothing."""
    return _renderers.cleaner.clean(html_text)


def render_markdown(text: str) -> str:
    """Render a user's Markdown (with `$…$` / `$$…$$` math) to HTML that is safe to show."""
    if not text:
        return ""
    md = _renderers.markdown
    # Reset first: footnotes, abbreviations and link references from the previous note
    # (maybe another user's) must not leak into this one, even after a failed render.
    md.reset()
    return sanitize_html(md.convert(text))
