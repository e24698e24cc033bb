"""Reading lists in, records out: the parsing half of importing (no Django here).

`parse(text, format=…)` turns a file's text into a `ParseResult`; the service in
`papers.services` merges that into the canon. Each format lives in its own module;
this one picks the format and applies what all of them share: line endings, NUL
bytes (PostgreSQL refuses them in text), de-duplication and the empty-file checks.
`json` is the app's own export and canon format (`json_list`), listed last so the
import command and form can name it like the others.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import PurePath

from ..identity import normalize_arxiv_id
from .arxiv_list import meaningful_lines, parse_arxiv_list
from .bibtex import parse_bibtex
from .curriculum import parse_curriculum
from .markdown_list import parse_markdown
from .records import (
    KINDS,
    TIERS,
    ImportFormatError,
    PaperRecord,
    ParseResult,
    PhaseRecord,
    PlacementRecord,
    make_result,
)

__all__ = [
    "FORMATS",
    "KINDS",
    "TIERS",
    "ImportFormatError",
    "PaperRecord",
    "ParseResult",
    "PhaseRecord",
    "PlacementRecord",
    "detect_format",
    "parse",
]

FORMATS = ("markdown", "curriculum", "bibtex", "arxiv", "json")

_BIBTEX_START = re.compile(r"^@\s*[a-z]+\s*[{(]", re.IGNORECASE)
_CURRICULUM = re.compile(r"\*\*Citation:?\*\*|^##\s+Must Read\b", re.IGNORECASE | re.MULTILINE)
_MARKDOWN_ITEM = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,3}[.)])\s+.*\[[^\]]+\]\(", re.MULTILINE)
_MARKDOWN_SUFFIXES = ("", ".md", ".markdown", ".txt")


def _from_json(text: str) -> ParseResult:
    from .json_list import parse_json  # the app's own format, kept in its own module

    return parse_json(text)


_PARSERS: dict[str, Callable[[str], list[PaperRecord]]] = {
    "markdown": parse_markdown,
    "curriculum": parse_curriculum,
    "bibtex": parse_bibtex,
    "arxiv": parse_arxiv_list,
}


def _looks_like_json(text: str) -> bool:
    if not text.lstrip().startswith(("{", "[")):
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def detect_format(text: str, filename: str = "") -> str:
    """The format of a reading list, from its file name and its first lines."""
    suffix = PurePath(filename).suffix.casefold() if filename else ""
    if suffix == ".bib":
        return "bibtex"
    if suffix == ".json" or _looks_like_json(text):
        return "json"
    first = next((line.strip() for line in text.split("\n") if line.strip()[:1] not in "%"), "")
    if _BIBTEX_START.match(first):
        return "bibtex"
    if _CURRICULUM.search(text):
        return "curriculum"
    lines = meaningful_lines(text)
    if lines and all(normalize_arxiv_id(line) for _, line in lines):
        return "arxiv"
    if suffix in _MARKDOWN_SUFFIXES and _MARKDOWN_ITEM.search(text):
        return "markdown"
    name = filename or "this text"
    raise ImportFormatError(
        f"could not tell the format of {name}: it is not a Markdown list of [Title](link) "
        "items, a curriculum with **Citation:** lines, BibTeX, or arXiv ids one per line; "
        "pass --format (or choose the format) to read it as one of them"
    )


def _clean(text: str) -> str:
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\x00", "")


def parse(text: str, *, format: str = "auto", filename: str = "") -> ParseResult:
    """Read a reading list. Raises ImportFormatError (with a line when it helps)."""
    text = _clean(text or "")
    if not text.strip():
        raise ImportFormatError("the file is empty")
    if format == "auto":
        format = detect_format(text, filename)
    if format == "json":
        return check_limits(_from_json(text))
    parser = _PARSERS.get(format)
    if parser is None:
        raise ImportFormatError(
            f"unknown format {format!r}; choose one of {', '.join(FORMATS)} or auto"
        )
    return check_limits(make_result(format, parser(text)))


# What the canon's columns hold; a record past them is refused here, with its line,
# rather than by the database halfway through an import.
LIMITS = {"title": 500, "url": 500, "doi": 200, "arxiv_id": 40, "venue": 300}


def _whole_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_limits(result: ParseResult) -> ParseResult:
    for record in result.papers:
        for name, limit in LIMITS.items():
            if len(getattr(record, name) or "") > limit:
                raise ImportFormatError(
                    f"{record.title[:60]!r}: {name} is longer than {limit} characters",
                    line=record.line,
                )
        if record.year is not None and not (_whole_number(record.year) and 0 < record.year < 3000):
            raise ImportFormatError(
                f"{record.title[:60]!r}: year {record.year!r} is not a year", line=record.line
            )
        if any(len(topic) > 120 for topic in record.topics):
            raise ImportFormatError("a topic name is longer than 120 characters", line=record.line)
        for placement in record.placements:
            number = placement.phase_number
            if not (_whole_number(number) and 0 <= number <= 32767):
                raise ImportFormatError(f"phase {number!r} is not a phase number", line=record.line)
            if len(placement.phase_title) > 200:
                raise ImportFormatError(
                    "a phase title is longer than 200 characters", line=record.line
                )
    for phase in result.phases:
        if not (_whole_number(phase.number) and 0 <= phase.number <= 32767):
            raise ImportFormatError(f"phase {phase.number!r} is not a phase number")
        if len(phase.title) > 200:
            raise ImportFormatError("a phase title is longer than 200 characters")
    return result
