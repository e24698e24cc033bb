"""RIS (`.ris`) files, the tagged format reference managers (Zotero, EndNote, Mendeley) and
publishers' "export citation" buttons write, read with rispy.

A record is a run of `XX  - value` lines from `TY  - <type>` to `ER  - `; a line without a
tag continues the value of the tag before it. Decisions:

- rispy is lenient: it skips whatever stands between records and silently drops a record
  that never ends. Before it reads the file, `_records` walks the lines once and refuses,
  naming the line, text outside a record, a record that opens before the last one closed,
  and a record left open at the end. The numbered `1.` lines rispy's own writer puts
  before each record are allowed between records.
- Authors come from `AU` and `A1`, in order and as written (RIS writes "Vaswani, Ashish").
- The year is the first four-digit year in `PY`, `Y1` or `DA` (`2017/06/12/` → 2017).
- The venue is the journal (`JO`, `JF`, `JA`, `J2`), else the secondary title (`T2`, a
  chapter's book or a paper's conference), else `BT`; a book with none of them gets its
  publisher (`PB`), as in the BibTeX reader.
- The link is the first `UR`; the arXiv id comes from any `UR`, an arXiv DOI, or an
  `arXiv:` mention in the notes (`N1`, `M1`, `M3`), the accession number or the journal.
- Types give the kind: BOOK / EBOOK / EDBOOK → book, CHAP / ECHAP → chapter,
  BLOG / ELEC / WEB → post, COMP → code; everything else is a paper.
"""

from __future__ import annotations

import re

import rispy

from ..identity import arxiv_id_in_text, normalize_arxiv_id, normalize_doi
from .records import ImportFormatError, PaperRecord

_KIND_BY_TYPE = {
    "BOOK": "book",
    "EBOOK": "book",
    "EDBOOK": "book",
    "CHAP": "chapter",
    "ECHAP": "chapter",
    "BLOG": "post",
    "ELEC": "post",
    "WEB": "post",
    "COMP": "code",
}
_YEAR = re.compile(r"\b(?:1[89]|20)\d{2}\b")
_HEADER = re.compile(r"^\d+\.$")  # what rispy's writer puts before each record
_VENUE_KEYS = (
    "journal_name",  # JO
    "alternate_title3",  # JF
    "alternate_title2",  # JA
    "alternate_title1",  # J2
    "secondary_title",  # T2
)


def _tag(line: str) -> str:
    """The tag of a line as rispy reads it (two capitals or a capital and a digit), or ""."""
    if line[2:5] == "  -" and line[:2].isupper() and line[:1].isalpha():
        return line[:2]
    return ""


def _records(text: str) -> list[int]:
    """The line where each record starts, once the file is known to be well formed."""
    starts: list[int] = []
    open_at = 0  # the line of the open record's `TY`, or 0 between records
    for number, line in enumerate(text.split("\n"), start=1):
        tag = _tag(line)
        if open_at:
            if tag == "TY":
                raise ImportFormatError(
                    f"a new record starts here, but the one from line {open_at} has no "
                    "closing 'ER  - ' line",
                    line=number,
                )
            if tag == "ER":
                open_at = 0
            continue
        stripped = line.strip()
        if not stripped or _HEADER.match(stripped):
            continue
        if tag == "TY":
            open_at = number
            starts.append(number)
        elif tag:
            raise ImportFormatError(
                f"'{tag}  - ' stands outside a record: each record starts with 'TY  - ' "
                "and ends with 'ER  - '",
                line=number,
            )
        else:
            raise ImportFormatError(
                "this line is not part of a record: RIS lines are tagged 'XX  - value', and "
                "each record starts with 'TY  - ' and ends with 'ER  - '",
                line=number,
            )
    if open_at:
        raise ImportFormatError("this record has no closing 'ER  - ' line", line=open_at)
    return starts


def _one_line(value: object) -> str:
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    return " ".join(str(value or "").split())


def _first(entry: dict, *keys: str) -> str:
    for key in keys:
        if value := _one_line(entry.get(key)):
            return value
    return ""


def _arxiv_id(entry: dict, urls: list[str], doi: str) -> str:
    for value in [*urls, doi]:
        if found := normalize_arxiv_id(value):
            return found
    notes = entry.get("notes") or []
    texts = [*notes, entry.get("note"), entry.get("type_of_work"), entry.get("accession_number")]
    texts += [entry.get(key) for key in _VENUE_KEYS]
    for text in texts:
        if found := arxiv_id_in_text(_one_line(text)):
            return found
    return ""


def _record(entry: dict, line: int) -> PaperRecord:
    title = _first(entry, "title", "primary_title")
    if not title:
        raise ImportFormatError("this record has no title ('TI  - ' or 'T1  - ')", line=line)
    record_type = _one_line(entry.get("type_of_reference")).upper()
    kind = _KIND_BY_TYPE.get(record_type, "paper")
    names = [*entry.get("authors", []), *entry.get("first_authors", [])]
    authors = [_one_line(name) for name in names]
    year = _YEAR.search(_first(entry, "year", "publication_year", "date"))
    urls = [url for url in (_one_line(u) for u in entry.get("urls", [])) if url]
    doi_text = _first(entry, "doi")
    arxiv_id = _arxiv_id(entry, urls, doi_text)
    unknown = entry.get("unknown_tag") or {}
    venue = _first(entry, *_VENUE_KEYS) or _one_line(unknown.get("BT"))
    if not venue and kind == "book":
        venue = _first(entry, "publisher")
    if arxiv_id and (not venue or "arxiv" in venue.casefold() or venue.casefold() == "corr"):
        venue = "arXiv"
    return PaperRecord(
        title=title,
        line=line,
        authors=[name for name in authors if name],
        year=int(year.group()) if year else None,
        venue=venue,
        kind=kind,
        url=urls[0] if urls else "",
        arxiv_id=arxiv_id,
        doi=normalize_doi(doi_text),
        abstract=_first(entry, "abstract", "notes_abstract"),
    )


def parse_ris(text: str) -> list[PaperRecord]:
    """The records of an RIS file, in file order."""
    starts = _records(text)
    entries = rispy.loads(text)
    if len(entries) != len(starts):  # the line walk above keeps this from happening
        raise ImportFormatError("the records of this file could not be told apart")
    return [_record(entry, line) for entry, line in zip(entries, starts, strict=True)]
