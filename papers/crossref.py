"""Pre-filling a paper from its DOI with Crossref's public REST API (`/works/<doi>`).

Best effort, like the arXiv lookup: when Crossref cannot be reached, answers late or
knows nothing of the DOI, the organizer gets a clear message and the DOI's fields, and
fills in the rest by hand. Crossref asks callers to name themselves in the User-Agent,
with a contact address (`CROSSREF_MAILTO`), in return for its more reliable "polite" pool.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser

from django.conf import settings

from .identity import normalize_doi

log = logging.getLogger(__name__)
UNREACHABLE = "Could not reach Crossref, fill in the fields."
UNREADABLE = "Crossref's answer for this DOI could not be read, fill in the fields."
MAX_RESPONSE = 5_000_000  # a work with thousands of references still fits

_KIND_BY_TYPE = {
    "book": "book",
    "monograph": "book",
    "edited-book": "book",
    "reference-book": "book",
    "book-chapter": "chapter",
    "book-section": "chapter",
    "book-part": "chapter",
}
_PARAGRAPHS = {"p", "jats:p", "jats:sec", "sec", "br"}
_SKIPPED = {"jats:title", "title"}  # the "Abstract" heading publishers put first


class NotFound(LookupError):
    """Crossref has no record of the DOI."""


class _PlainText(HTMLParser):
    """Text of a JATS or HTML fragment: tags dropped, entities read, paragraphs kept."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[list[str]] = [[]]
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in _PARAGRAPHS:
            self.paragraphs.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in _PARAGRAPHS:
            self.paragraphs.append([])

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.paragraphs[-1].append(data)


def plain_text(markup: str) -> str:
    """`<jats:p>Deep <jats:italic>learning</jats:italic> &amp; more</jats:p>` → plain text;
    paragraphs separated by a blank line."""
    parser = _PlainText()
    parser.feed(markup or "")
    parser.close()
    paragraphs = (" ".join("".join(parts).split()) for parts in parser.paragraphs)
    return "\n\n".join(p for p in paragraphs if p)


def _first(value: object) -> str:
    """Crossref gives titles and container titles as lists of strings."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), "")
    return plain_text(value) if isinstance(value, str) else ""


def _name(person: dict) -> str:
    """`{"given": "Geoffrey E.", "family": "Hinton"}` → `Hinton, G. E.`, the canon's form."""
    family = " ".join(str(person.get("family") or "").split())
    given = str(person.get("given") or "")
    initials = " ".join(f"{part[0]}." for part in re.split(r"[\s.]+", given) if part[:1].isalpha())
    if family and initials:
        return f"{family}, {initials}"
    return family or " ".join(str(person.get("name") or given).split())


def _year(work: dict) -> int | None:
    for key in ("issued", "published-print", "published-online", "published", "created"):
        parts = (work.get(key) or {}).get("date-parts") or [[None]]
        year = parts[0][0] if parts and isinstance(parts[0], list) and parts[0] else None
        if isinstance(year, int) and 0 < year < 3000:
            return year
    return None


def parse_work(body: bytes | str) -> dict:
    """The add-paper form's initial data from a Crossref `/works/<doi>` response."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise ValueError("Crossref's answer is not JSON.") from None
    work = data.get("message") if isinstance(data, dict) else None
    if not isinstance(work, dict) or not (title := _first(work.get("title"))):
        raise ValueError("Crossref returned no title for this DOI.")
    doi = normalize_doi(str(work.get("DOI") or ""))
    subtitle = _first(work.get("subtitle"))
    if subtitle and subtitle.casefold() not in title.casefold():
        title = f"{title}: {subtitle}"
    kind = _KIND_BY_TYPE.get(str(work.get("type") or ""), "paper")
    venue = _first(work.get("container-title"))
    if not venue and kind == "book":
        venue = _first(work.get("publisher"))
    people = [p for p in work.get("author") or [] if isinstance(p, dict)]
    return {
        "title": title,
        "authors": "\n".join(name for name in map(_name, people) if name),
        "year": _year(work),
        "abstract": plain_text(str(work.get("abstract") or "")),
        "venue": venue,
        "doi": doi,
        "arxiv_id": "",
        # Crossref's `URL` is the DOI's resolver link, written as http://dx.doi.org/….
        "url": f"https://doi.org/{doi}" if doi else "",
        "kind": kind,
    }


def user_agent() -> str:
    contact = f"; mailto:{settings.CROSSREF_MAILTO}" if settings.CROSSREF_MAILTO else ""
    return f"ReadingGroup/1.0 (paper lookup{contact})"


def fetch(doi: str) -> dict:
    url = f"{settings.CROSSREF_API_URL.rstrip('/')}/{urllib.parse.quote(doi, safe='/')}"
    if not url.startswith(("http://", "https://")):
        raise ValueError("The Crossref API address is not an http(s) URL.")
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url, headers={"User-Agent": user_agent(), "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.CROSSREF_API_TIMEOUT) as response:  # noqa: S310
            return parse_work(response.read(MAX_RESPONSE))
    except urllib.error.HTTPError as error:
        if error.code == 404:
            raise NotFound(doi) from None
        raise


def lookup(doi: str) -> tuple[dict, str]:
    """(initial form data, a problem to show or ""): Crossref's record, else the DOI alone."""
    fallback = {"doi": doi, "url": f"https://doi.org/{doi}"}
    try:
        return fetch(doi), ""
    except NotFound:
        problem = f"Crossref has no record of the DOI {doi}: check it, or fill in the fields."
        return fallback, problem
    except ValueError as error:
        log.info("Crossref's answer for %s could not be read: %s", doi, error)
        return fallback, UNREADABLE
    except OSError as error:  # refused, timed out, or an HTTP error other than 404
        log.info("Crossref lookup for %s failed: %s", doi, error)
        return fallback, UNREACHABLE
