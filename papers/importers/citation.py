"""Pieces of reading lists that several formats share: author-year citations and links.

A citation here is the APA-like line curricula use:
`Vaswani, A., Shazeer, N., & Polosukhin, I. (2017). "Attention Is All You Need." *Venue*.`
optionally followed by ` -- a note`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

_QUOTES = '"\u201c\u201d'
_CITATION = re.compile(
    rf"""^(?P<authors>.+?)\s*
    \(\s*(?P<year>\d{{4}})[a-z]?\s*\)\.?\s*          # (2017) or (2020a)
    [{_QUOTES}](?P<title>[^{_QUOTES}]+)[{_QUOTES}]   # "Title."
    \s*(?P<rest>.*)$""",
    re.VERBOSE,
)
_NOTE_SEPARATOR = re.compile(r"\s(?:--|\u2014|\u2013)\s|^(?:--|\u2014|\u2013)\s")
_ITALIC = re.compile(r"^\*(?P<star>[^*]+)\*|^_(?P<underscore>[^_]+)_")
_INITIALS = re.compile(r"^(?:[A-Z][a-z]?\.(?:\s*-\s*|\s+)?)+$")
_ET_AL = re.compile(r",?\s*\bet\s+al\.?", re.IGNORECASE)
_AND = re.compile(r",?\s*(?:&|\band\b)\s*")
# `"Training Compute-Optimal Large Language Models (Chinchilla)."`: the nickname in
# parentheses is the list's gloss, not part of the title, and would spoil matching.
_SHORT_NAME = re.compile(r"\s*\((?:[^()\s]{1,15})\)$")


@dataclass
class Citation:
    authors: list[str]
    year: int
    title: str
    venue: str = ""
    note: str = ""


def split_authors(text: str) -> list[str]:
    """`Vaswani, A., Shazeer, N., & Polosukhin, I.` -> `["Vaswani, A.", …]`.

    Also takes surname-only lists (`Ho & Salimans`, `Devlin et al.`); "et al." is dropped
    because the names it stands for are unknown.
    """
    text = _ET_AL.sub("", text).strip().rstrip(",")
    tokens = [t.strip() for t in _AND.sub(", ", text).split(",") if t.strip()]
    names: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if following and _INITIALS.match(following) and not _INITIALS.match(token):
            names.append(f"{token}, {following}")
            index += 2
        else:
            names.append(token)
            index += 1
    return names


def clean_title(title: str) -> str:
    """The title without its closing full stop or a trailing `(Nickname)`."""
    title = " ".join(title.split()).rstrip(".,").strip()
    return _SHORT_NAME.sub("", title).strip() or title


def parse_citation(text: str) -> Citation | None:
    """The parts of an author-year citation, or None if the text is not shaped like one."""
    match = _CITATION.match(" ".join(text.split()))
    if not match:
        return None
    authors = split_authors(match.group("authors"))
    title = clean_title(match.group("title"))
    if not authors or not title:
        return None
    rest = match.group("rest").strip()
    note = ""
    separator = _NOTE_SEPARATOR.search(rest)
    if separator:
        rest, note = rest[: separator.start()].strip(), rest[separator.end() :].strip()
    # The venue is the italic part when there is one (volume and pages may follow it).
    italic = _ITALIC.match(rest)
    venue = (italic.group("star") or italic.group("underscore")) if italic else rest
    venue = venue.strip().rstrip(".").strip()
    return Citation(
        authors=authors, year=int(match.group("year")), title=title, venue=venue, note=note
    )


_BLOG_HOSTS = ("medium.com", "substack.com", "wordpress.com", "blogspot.com", "ghost.io")


def kind_from_url(url: str) -> str:
    """A best guess at what a link points to: code, a book, a blog post, else a paper.

    Only unambiguous signs count (a GitHub repository, a `/book/` path, a `blog.` host or
    `/blog/` path); anything else stays a paper, which an organizer can correct.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "paper"
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.lower()
    segments = [s for s in path.split("/") if s]
    if host in ("github.com", "gitlab.com", "codeberg.org") and len(segments) >= 2:
        return "code"
    if "book" in segments:
        return "book"
    if host.startswith("blog.") or "blog" in segments or "posts" in segments:
        return "post"
    if any(host == h or host.endswith("." + h) for h in _BLOG_HOSTS):
        return "post"
    return "paper"
