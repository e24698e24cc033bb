"""CSL-JSON, the citation data Zotero, Pandoc and citeproc exchange: a JSON list of items.

An item looks like::

    {"id": "vaswani2017attention", "type": "paper-conference",
     "title": "Attention Is All You Need",
     "author": [{"family": "Vaswani", "given": "Ashish"}, {"literal": "OpenAI"}],
     "issued": {"date-parts": [[2017, 6, 12]]},
     "container-title": "Advances in Neural Information Processing Systems",
     "DOI": "…", "URL": "…", "abstract": "…"}

Decisions:

- Names become "Family, Given" as written (particles such as "van der" join the family
  name, a suffix such as "Jr." follows the given name); a `literal` name is kept whole.
- The year is the first part of `issued` (`date-parts`, else a `raw` or `literal` date).
- Types give the kind: book → book, chapter → chapter, webpage / post / post-weblog →
  post, software → code; everything else is a paper.
- The arXiv id comes from the `URL`, an arXiv `DOI`, or an `arXiv:` mention in `number`
  (where Zotero writes it for preprints), `note`, `archive_location` or the container;
  such a preprint with no venue (or an "arXiv …" one) gets the venue "arXiv", as in the
  BibTeX and RIS readers.
- A value of the wrong JSON type (a title that is a number, an author that is a string)
  is an error naming the item's number and the line it starts on.
"""

from __future__ import annotations

import json
import re

from ..identity import arxiv_id_in_text, normalize_arxiv_id, normalize_doi
from .records import ImportFormatError, PaperRecord

_KIND_BY_TYPE = {
    "book": "book",
    "chapter": "chapter",
    "webpage": "post",
    "post": "post",
    "post-weblog": "post",
    "software": "code",
}
_YEAR = re.compile(r"\b(?:1[89]|20)\d{2}\b")
# As in the JSON shape check: strings never span lines, so blanking them keeps every
# bracket on its own line.
_JSON_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def item_lines(text: str) -> list[int]:
    """The line each object of a top-level JSON list starts on."""
    skeleton = _JSON_STRING.sub('""', text)
    lines, depth, line, last = [], 0, 1, 0
    for match in _JSON_BRACKET.finditer(skeleton):
        if match.group() in "]}":
            depth -= 1
            continue
        depth += 1
        if depth == 2 and match.group() == "{":
            line += skeleton.count("\n", last, match.start())
            last = match.start()
            lines.append(line)
    return lines


class _Item:
    """One item and where it is, so every complaint about it names both."""

    def __init__(self, item: dict, position: int, line: int | None) -> None:
        self.item, self.position, self.line = item, position, line

    def error(self, message: str) -> ImportFormatError:
        return ImportFormatError(f"item {self.position}: {message}", line=self.line)

    def text(self, key: str, numbers: bool = False) -> str:
        value = self.item.get(key)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = value[0] if value else ""  # Crossref-style lists of titles
        if value is None:
            return ""
        if numbers and isinstance(value, int) and not isinstance(value, bool):
            return str(value)  # CSL allows numbers for fields such as `number`
        if not isinstance(value, str):
            raise self.error(f"{key!r} must be text")
        return value.strip()

    def name(self, person: object) -> str:
        if not isinstance(person, dict):
            raise self.error("each author must be an object with 'family' and 'given' names")
        parts = {}
        for key in ("family", "given", "literal", "non-dropping-particle", "suffix"):
            value = person.get(key) or ""
            if not isinstance(value, str):
                raise self.error(f"an author's {key!r} must be text")
            # A name is one line of the canon's author list: line breaks become spaces.
            parts[key] = " ".join(line.strip() for line in value.splitlines() if line.strip())
        if parts["literal"]:
            return parts["literal"]
        family = " ".join(p for p in (parts["non-dropping-particle"], parts["family"]) if p)
        given = ", ".join(p for p in (parts["given"], parts["suffix"]) if p)
        if not family and not given:
            raise self.error("an author has neither a family name nor a literal name")
        return f"{family}, {given}" if family and given else family or given

    def authors(self) -> list[str]:
        people = self.item.get("author") or []
        if not isinstance(people, list):
            raise self.error("'author' must be a list of names")
        return [self.name(person) for person in people]

    def year(self) -> int | None:
        issued = self.item.get("issued")
        if issued is None:
            return None
        if not isinstance(issued, dict):
            raise self.error("'issued' must be a date such as {\"date-parts\": [[2017, 6, 12]]}")
        parts = issued.get("date-parts")
        if parts:
            first = parts[0] if isinstance(parts, list) and isinstance(parts[0], list) else None
            if not first:
                raise self.error("'issued' has date-parts that are not [[year, month, day]]")
            year = first[0]
            if year is None:  # `[[null]]`: the date is not known
                return None
            if isinstance(year, str) and year.strip().isdigit():
                year = int(year)
            if not isinstance(year, int) or isinstance(year, bool) or not 0 < year < 3000:
                raise self.error(f"the year {year!r} is not a year")
            return year
        for key in ("raw", "literal"):
            if isinstance(issued.get(key), str) and (found := _YEAR.search(issued[key])):
                return int(found.group())
        return None

    def arxiv_id(self, url: str, doi: str, venue: str) -> str:
        number = self.text("number", numbers=True)
        for value in (url, doi, number, self.text("archive_location")):
            if found := normalize_arxiv_id(value):
                return found
        for value in (number, self.text("note"), venue):
            if found := arxiv_id_in_text(value):
                return found
        return ""

    def record(self) -> PaperRecord:
        title = self.text("title")
        if not title:
            raise self.error("it has no title")
        kind = _KIND_BY_TYPE.get(self.text("type"), "paper")
        url, doi = self.text("URL"), self.text("DOI")
        venue = self.text("container-title")
        if not venue and kind == "book":
            venue = self.text("publisher")
        arxiv_id = self.arxiv_id(url, doi, venue)
        if arxiv_id and (not venue or "arxiv" in venue.casefold()):
            venue = "arXiv"  # as the BibTeX and RIS readers name a preprint's venue
        return PaperRecord(
            title=title,
            line=self.line or self.position,
            authors=self.authors(),
            year=self.year(),
            venue=venue,
            kind=kind,
            url=url,
            arxiv_id=arxiv_id,
            doi=normalize_doi(doi),
            abstract=self.text("abstract"),
        )


def parse_csl_json(text: str) -> list[PaperRecord]:
    """The items of a CSL-JSON file as records, in file order."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFormatError(
            f"this is not valid JSON ({error.msg})", line=error.lineno
        ) from None
    if isinstance(data, dict) and "type" in data:
        # One item on its own, as some tools write a single reference.
        data, lines = [data], [text.count("\n", 0, text.find("{")) + 1]
    elif isinstance(data, list):
        lines = item_lines(text)
    else:
        raise ImportFormatError("CSL-JSON is a list of items, and this file is not a list")
    records = []
    for position, item in enumerate(data, start=1):
        line = lines[position - 1] if len(lines) == len(data) else None
        if not isinstance(item, dict):
            raise ImportFormatError(f"item {position} is not an object", line=line)
        records.append(_Item(item, position, line).record())
    return records
