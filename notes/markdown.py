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

Python-Markdown recurses on nesting and rescans a paragraph from every unclosed `[`,
`](` or `<tag`, and bleach's linkifier rescans runs of `(`: a few kilobytes of those
would take a worker for seconds or raise RecursionError. `check_renderable` measures
them in one pass and refuses such text with `MarkdownRefused` (a ValueError whose
message the forms show) before any parser runs; a render that fails anyway discards the
thread's parser, so the next render starts clean.
"""

from __future__ import annotations

import html
import re
import threading
import xml.etree.ElementTree as etree
from bisect import bisect_right
from collections import Counter, defaultdict
from functools import partial
from itertools import islice

import bleach
import markdown
from bleach.linkifier import LinkifyFilter, build_url_re
from markdown.util import AtomicString
from pymdownx.arithmatex import ArithmatexExtension, InlineArithmatexPattern

RENDERER_VERSION = 2

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


class _LinkifyFilter(LinkifyFilter):
    """bleach's linkifier, which also links the bare URLs in the words of a link it drops.

    bleach emits a dropped link's words as they are, and a second pass would then link
    any URL among them (`[see https://a.org](javascript:…)`): sanitizing its own output
    again must change nothing.
    """

    def handle_a_tag(self, token_buffer: list[dict]):
        tokens = list(super().handle_a_tag(token_buffer))
        if tokens and tokens[0]["type"] == "Characters":  # the link was dropped
            return self.handle_links(tokens)
        return tokens


def _new_cleaner() -> bleach.Cleaner:
    linkify = partial(
        _LinkifyFilter,
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


class MarkdownRefused(ValueError):
    """Text the renderer will not take, with a message for the person who wrote it."""


# Real notes nest lists and quotes a few levels deep; the parser recurses on each level.
MAX_NESTING = 20
# How much rescanning one piece of text may cost: the sum, over every `[`, `](` and
# `<tag` opener, of the characters between it and its closer (or the paragraph's end).
# About 0.4 µs a unit on a small server, so the worst text within it renders in ~0.1 s;
# links, footnotes and code spans close quickly and cost almost nothing.
MAX_SCAN_COST = 250_000
MAX_PAREN_RUN = 40

# Fenced code as Markdown finds it: an opening fence at the start of a line with at most a
# language name (its `{attrs}` form counts as text here, which only over-counts), closed by
# the same fence alone on a line. Markdown's search scans from every fence to its closer,
# or to the end when there is none, and rebuilds the text after each block: a few dozen
# blocks cost nothing, thousands of fences seconds.
_FENCE = re.compile(r"(`{3,}|~{3,}) *\.?[\w#.+-]* *")
_FENCE_CLOSE = re.compile(r"(`{3,}|~{3,}) *")
MAX_FENCE_SCAN = 2_000_000
MAX_BLOCK_LINES = 500
# Lines the block parsers split off a block one at a time (headings, rules and setext
# underlines, definitions, definition-list items, quotes, block math), each time testing
# the rest of the block again. About 0.6 µs a unit: the worst text within it takes 50 ms.
_BLOCK_EVENT = re.compile(
    r"#{1,6}|[ ]{0,3}(?:[-=_*][-=_* ]*$|\*?\[[^\]]*\]:|:[ ])|[ ]*(?:\$\$|\\\[|\\begin\{)"
)
_QUOTE = re.compile(r"[ ]{0,3}>")  # a quote takes the rest of its block: its first line splits
MAX_BLOCK_COST = 80_000
# The footnote parser numbers each further reference to one footnote by counting the
# ones before it: a few per footnote are normal, thousands take seconds. Each footnote is
# also a list item, a paragraph and a link at the end.
_FOOTNOTE_REF = re.compile(r"\[\^([^\]]*)\]")
MAX_FOOTNOTE_REFS = 100
MAX_FOOTNOTES = 300
# Every use of a defined abbreviation becomes an element: counted here, before Markdown
# makes them (the output limit below would find out only after).
_ABBREVIATION = re.compile(r"^[ ]{0,3}\*\[([^\]\n]+)\]", re.MULTILINE)
MAX_ABBREVIATIONS = 100
# Tags and character references in Markdown's output (each a "<" or a "&"): the sanitizer
# parses each at about 30 µs apiece. A 400-row table of links and math holds about 4,000.
# Markdown makes up to two tags of each of these characters (or each escape, or each line),
# so more of any of them than that is refused before Markdown spends its time on it.
MAX_OUTPUT_TAGS = 5_000
_BUSY_CHARACTERS = "*_`$|\\"
MAX_LINES = MAX_OUTPUT_TAGS // 2
MAX_DEFINITIONS_A_LINE = 3
# A line that starts inline text of its own: a list item, a heading, a table row.
_UNIT_START = re.compile(r"^\s*(?:[-*+]\s|\d{1,9}[.)]\s|#{1,6}\s|\|)")
# Nesting at a line's start: quote markers and list markers, in any mix ("> * > - x"),
# and indentation (two spaces or a tab a level).
_LINE_NESTING = re.compile(r"^(?P<indent>[ \t]*)(?P<marks>(?:(?:>|[-*+]|\d{1,9}[.)])[ \t]*)*)")
_MARK = re.compile(r">|[-*+](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$)")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_BACKTICKS = re.compile(r"`+")
_MATH_INLINE = re.compile(r"\\\(")
_MATH_DISPLAY = re.compile(r"\\\[")
MAX_BACKTICK_RUNS = 300
_PAREN_RUN = re.compile(rf"\({{{MAX_PAREN_RUN + 1},}}")
MAX_TAGS = 1000  # raw HTML tags in one text: each is an element for the sanitizer
MAX_ESCAPES = 5000  # `<`, `>` and `&`: each becomes a character reference to parse again
_ESCAPED = re.compile(r"[<>&]")

TOO_DEEP = (
    f"This text nests lists, quotes or brackets more than {MAX_NESTING} levels deep, "
    "more than it can show. Flatten it and try again."
)
TOO_TANGLED = (
    "This text has too many unclosed brackets, links, angle brackets or ampersands to "
    "show. Close them, or split the text into shorter paragraphs."
)
TOO_BUSY = (
    "This text has more formatting than one note can show (thousands of lines, links, "
    "emphasis marks, formulas, table cells, headings or code blocks). Shorten it or split "
    "it up."
)


def _nesting(line: str) -> int:
    match = _LINE_NESTING.match(line)
    indent = len(match.group("indent").expandtabs(4)) // 2
    return indent + len(_MARK.findall(match.group("marks")))


def _scan_cost(unit: str) -> tuple[int, int]:
    """(rescanning cost, bracket depth) of one piece of inline text, in one pass."""
    cost, end = 0, len(unit)
    squares: list[int] = []
    parens: list[tuple[int, bool]] = []  # (position, opened a link target)
    depth, index = 0, 0
    while index < end:
        char = unit[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            squares.append(index)
            depth = max(depth, len(squares))
        elif char == "]" and squares:
            cost += index - squares.pop()
        elif char == "(":
            parens.append((index, index > 0 and unit[index - 1] == "]"))
            depth = max(depth, len(parens))
        elif char == ")" and parens:
            start, target = parens.pop()
            cost += index - start if target else 0
        index += 1
    cost += sum(end - start for start in squares)
    cost += sum(end - start for start, target in parens if target)
    # The code span pattern may scan from each run of backticks to the end: past a few
    # hundred runs (real paragraphs hold a few code spans), each costs the rest of the text.
    for match in islice(_BACKTICKS.finditer(unit), MAX_BACKTICK_RUNS, None):
        cost += end - match.start()
    # Each `<tag` opener is scanned to the next `>`, and each `\(` or `\[` (math) to the
    # next `\)` or `\]`, or to the end.
    for opener, closer in ((_TAG_START, ">"), (_MATH_INLINE, "\\)"), (_MATH_DISPLAY, "\\]")):
        closers = [match.start() for match in re.finditer(re.escape(closer), unit)]
        position = 0
        for match in opener.finditer(unit):
            while position < len(closers) and closers[position] < match.start():
                position += 1
            cost += (closers[position] if position < len(closers) else end) - match.start()
    return cost, depth


def _normalized(text: str) -> str:
    """The text as Markdown's first step leaves it, so the check sees the lines the parser
    sees: a lone carriage return breaks a line, tabs are four columns."""
    text = text.replace("\x02", "").replace("\x03", "")
    return text.replace("\r\n", "\n").replace("\r", "\n").expandtabs(4)


def _closers(lines: list[str]) -> dict[str, list[int]]:
    """For each fence, the indexes of the lines that would close it, in order."""
    found: dict[str, list[int]] = defaultdict(list)
    for index, line in enumerate(lines):
        if line[:1] in "`~" and _FENCE_CLOSE.fullmatch(line):
            found[line.rstrip(" ")].append(index)
    return found


def check_renderable(text: str) -> None:
    """Refuse, in one linear pass, text the renderer would take too long (or recurse too
    deeply) to render. Closed fenced code is shown as it is and costs little."""
    text = _normalized(text)
    refs = Counter(_FOOTNOTE_REF.findall(text))
    if (
        _PAREN_RUN.search(text)
        or len(_TAG_START.findall(text)) > MAX_TAGS
        or len(_ESCAPED.findall(text)) > MAX_ESCAPES
        or (refs and max(refs.values()) > MAX_FOOTNOTE_REFS)
        or len(refs) > MAX_FOOTNOTES
    ):
        raise MarkdownRefused(TOO_TANGLED)
    if text.count("\n") > MAX_LINES or any(
        text.count(char) > MAX_OUTPUT_TAGS for char in _BUSY_CHARACTERS
    ):
        raise MarkdownRefused(TOO_BUSY)
    abbreviations = set(_ABBREVIATION.findall(text))
    uses = sum(len(re.findall(rf"\b{re.escape(word)}\b", text)) for word in abbreviations)
    if len(abbreviations) > MAX_ABBREVIATIONS or uses > MAX_OUTPUT_TAGS // 2:
        raise MarkdownRefused(TOO_BUSY)
    lines = text.split("\n")
    closers = _closers(lines)
    starts = [0]  # where each line starts in the text
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    unit: list[str] = []
    block_lines = block_events = block_cost = fence_scan = 0
    quoted = False  # the line before was quoted

    def close() -> None:
        cost, depth = _scan_cost("\n".join(unit))
        if depth > MAX_NESTING:
            raise MarkdownRefused(TOO_DEEP)
        if cost > MAX_SCAN_COST:
            raise MarkdownRefused(TOO_TANGLED)
        unit.clear()

    index = 0
    while index < len(lines):
        line = lines[index]
        fence = _FENCE.fullmatch(line) if line[:1] in "`~" else None
        if fence:
            after = closers.get(fence.group(1), [])
            position = bisect_right(after, index)
            end = after[position] if position < len(after) else None
            # Scanned to its closer, or to the end; a closed block also rebuilds the text.
            fence_scan += len(text) if end is not None else len(text) - starts[index]
            if fence_scan > MAX_FENCE_SCAN:
                raise MarkdownRefused(TOO_BUSY)
            if end is not None:  # only a closed fence is code; an open one is text
                close()
                index, block_lines, block_events = end + 1, 0, 0
                continue
        if _nesting(line) > MAX_NESTING:
            raise MarkdownRefused(TOO_DEEP)
        # The block parsers rescan a block's lines, and the footnote and reference parsers
        # a line's definitions: real notes hold one definition a line and short blocks.
        if not line.strip():
            block_lines = block_events = 0
            quoted = False
        else:
            block_lines += 1
            # After each event the parsers test the rest of the block again: a line costs
            # one pass for every event above it in its block.
            quote = bool(_QUOTE.match(line))
            block_events += bool(_BLOCK_EVENT.match(line)) or (quote and not quoted)
            block_cost += block_events
            quoted = quote
        if block_lines > MAX_BLOCK_LINES or line.count("]:") > MAX_DEFINITIONS_A_LINE:
            raise MarkdownRefused(TOO_TANGLED)
        if block_cost > MAX_BLOCK_COST:
            raise MarkdownRefused(TOO_BUSY)
        if not line.strip() or _UNIT_START.match(line):
            close()
        unit.append(line)
        index += 1
    close()


def validate_renderable(text: str) -> None:
    """A form field validator: the field's Markdown is text the renderer takes."""
    from django.core.exceptions import ValidationError

    try:
        check_renderable(text or "")
    except MarkdownRefused as error:
        raise ValidationError(str(error), code="unrenderable") from error


def render_markdown(text: str) -> str:
    """Render a user's Markdown (with `$…$` / `$$…$$` math) to HTML that is safe to show.

    Raises MarkdownRefused for text it will not render (see `check_renderable`).
    """
    if not text:
        return ""
    check_renderable(text)
    md = _renderers.markdown
    # Reset first: footnotes, abbreviations and link references from the previous note
    # (maybe another user's) must not leak into this one.
    md.reset()
    try:
        converted = md.convert(text)
    except Exception as error:
        # A parser that failed halfway keeps broken state: this thread gets new ones.
        _renderers.__init__()
        raise MarkdownRefused(
            "This text could not be shown. Simplify its formatting and try again."
        ) from error
    if converted.count("<") + converted.count("&") > MAX_OUTPUT_TAGS:
        raise MarkdownRefused(TOO_BUSY)
    return sanitize_html(converted)
