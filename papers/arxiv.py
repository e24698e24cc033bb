"""Pre-filling a paper from an identifier: arXiv (fetched from its public API), DOI
(fetched from Crossref, in `papers.crossref`), BibTeX.

Fetching is best effort: when arXiv or Crossref cannot be reached the organizer gets a
clear message and fills in the fields by hand.
"""

from __future__ import annotations

import logging
import re
import urllib.error
import urllib.parse
import urllib.request

from defusedxml import ElementTree
from django.conf import settings

from . import crossref
from .identity import normalize_arxiv_id, normalize_doi
from .importers import ImportFormatError, parse
from .models import Paper

log = logging.getLogger(__name__)
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
UNREACHABLE = "Could not reach arXiv, fill in the fields."


def _short_name(full_name: str) -> str:
    """`Ashish Vaswani` -> `Vaswani, A.`, the form the canon uses."""
    parts = full_name.split()
    if len(parts) < 2:
        return full_name.strip()
    initials = " ".join(f"{p[0]}." for p in parts[:-1] if p[0].isalpha())
    return f"{parts[-1]}, {initials}"


def parse_atom(xml: bytes | str) -> dict:
    """The form's initial data from an arXiv API (Atom) response with one entry."""
    root = ElementTree.fromstring(xml)
    entry = root.find(f"{ATOM}entry")
    if entry is None or entry.find(f"{ATOM}title") is None:
        raise ValueError("arXiv returned no paper for this id.")

    def text(element, tag: str) -> str:
        found = element.find(tag)
        return " ".join(found.text.split()) if found is not None and found.text else ""

    arxiv_id = normalize_arxiv_id(text(entry, f"{ATOM}id"))
    published = text(entry, f"{ATOM}published")
    authors = [_short_name(text(a, f"{ATOM}name")) for a in entry.findall(f"{ATOM}author")]
    return {
        "title": text(entry, f"{ATOM}title"),
        "authors": "\n".join(a for a in authors if a),
        "year": int(published[:4]) if re.match(r"\d{4}", published) else None,
        "abstract": text(entry, f"{ATOM}summary"),
        "venue": text(entry, f"{ARXIV}journal_ref") or "arXiv",
        "doi": normalize_doi(text(entry, f"{ARXIV}doi")),
        "arxiv_id": arxiv_id,
        "url": f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else "",
        "kind": "paper",
    }


def fetch(arxiv_id: str) -> dict:
    query = urllib.parse.urlencode({"id_list": arxiv_id, "max_results": 1})
    url = f"{settings.ARXIV_API_URL}?{query}"
    if not url.startswith(("http://", "https://")):
        raise ValueError("The arXiv API address is not an http(s) URL.")
    with urllib.request.urlopen(url, timeout=settings.ARXIV_API_TIMEOUT) as response:  # noqa: S310
        return parse_atom(response.read(1_000_000))


def existing_paper(arxiv_id: str = "", doi: str = "") -> Paper | None:
    if arxiv_id:
        return Paper.objects.filter(arxiv_id=arxiv_id).first()
    if doi:
        return Paper.objects.filter(doi=doi).first()
    return None


def prefill(identifier: str) -> tuple[dict, str, Paper | None]:
    """(initial form data, a problem to show or "", the paper if already in the canon)."""
    text = identifier.strip()
    if text.startswith("@"):
        try:
            record = parse(text, format="bibtex").papers[0]
        except ImportFormatError as error:
            return {}, f"That BibTeX entry could not be read: {error}", None
        initial = {
            "title": record.title,
            "authors": "\n".join(record.authors),
            "year": record.year,
            "venue": record.venue,
            "kind": record.kind,
            "url": record.url,
            "arxiv_id": record.arxiv_id,
            "doi": record.doi,
        }
        return initial, "", existing_paper(record.arxiv_id, record.doi)
    # arXiv's own DOIs (10.48550/arXiv.…) are looked up at arXiv, below.
    if (doi := normalize_doi(text)) and not normalize_arxiv_id(text):
        if paper := existing_paper(doi=doi):
            return {}, "", paper
        return *crossref.lookup(doi), None
    if arxiv_id := normalize_arxiv_id(text):
        if paper := existing_paper(arxiv_id=arxiv_id):
            return {}, "", paper
        try:
            return fetch(arxiv_id), "", None
        except (OSError, urllib.error.URLError, ValueError, ElementTree.ParseError) as error:
            log.info("arXiv lookup for %s failed: %s", arxiv_id, error)
            fallback = {"arxiv_id": arxiv_id, "url": f"https://arxiv.org/abs/{arxiv_id}"}
            return fallback, UNREACHABLE, None
    return {}, "That is not an arXiv id or URL, a DOI, or a BibTeX entry.", None
