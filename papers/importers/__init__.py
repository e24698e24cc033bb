"""Reading lists in, records out: the parsing half of importing (no Django here).

`parse(text, format=…)` turns a file's text into a `ParseResult`; the service in
`papers.services` merges that into the canon. Each format lives in its own module;
this one picks the format and applies what all of them share: line endings, NUL
bytes (PostgreSQL refuses them in text), de-duplication and the empty-file checks.
`json` is the app's own export and canon format (`json_list`), listed last so the
import command and form can name it like the others.

Every limit an import obeys is here, so the web form and the command line refuse the
same things with the same words: the size of the file and its number of papers (larger
on the command line, which is not bound by a request's time), how deeply it nests
(checked before any parser runs, since parsers recurse on nesting), and the length of
each field (what the canon's columns and the note form hold).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from pathlib import PurePath

from ..identity import normalize_arxiv_id
from .arxiv_list import meaningful_lines, parse_arxiv_list
from .bibtex import parse_bibtex
from .csl_json import parse_csl_json
from .curriculum import parse_curriculum
from .markdown_list import front_matter_title, parse_markdown
from .records import (
    KINDS,
    TIERS,
    CurriculumRecord,
    ImportFormatError,
    PaperRecord,
    ParseResult,
    PhaseRecord,
    PlacementRecord,
    make_result,
)
from .ris import parse_ris

__all__ = [
    "FORMATS",
    "KINDS",
    "TIERS",
    "CurriculumRecord",
    "ImportFormatError",
    "Limits",
    "PaperRecord",
    "ParseResult",
    "PhaseRecord",
    "PlacementRecord",
    "check_limits",
    "detect_format",
    "is_csl_json",
    "parse",
]

FORMATS = ("markdown", "curriculum", "bibtex", "arxiv", "ris", "csljson", "json")

_BIBTEX_START = re.compile(r"^@\s*[a-z]+\s*[{(]", re.IGNORECASE)
_CURRICULUM = re.compile(r"\*\*Citation:?\*\*|^##\s+Must Read\b", re.IGNORECASE | re.MULTILINE)
_MARKDOWN_ITEM = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,3}[.)])\s+.*\[[^\]]+\]\(", re.MULTILINE)
_MARKDOWN_SUFFIXES = ("", ".md", ".markdown", ".txt")

# How deeply a list may nest: JSON arrays and objects, BibTeX braces, Markdown quotes and
# sub-lists. Real lists stay under five levels; parsers and the Markdown renderer recurse
# on nesting, so a hostile file is refused before they see it.
MAX_DEPTH = 20


@dataclass(frozen=True)
class Limits:
    """How large a list may be: its size in bytes and its number of papers."""

    max_bytes: int
    max_papers: int

    @classmethod
    def for_web(cls) -> Limits:
        """The import form's: a list the request can read and merge in a few seconds."""
        from django.conf import settings

        return cls(settings.IMPORT_WEB_MAX_BYTES, settings.IMPORT_WEB_MAX_PAPERS)

    @classmethod
    def for_command(cls) -> Limits:
        """The import command's: large lists, read as fast as the database allows."""
        from django.conf import settings

        return cls(settings.IMPORT_MAX_BYTES, settings.IMPORT_MAX_PAPERS)

    def size_error(self, size: int) -> ImportFormatError | None:
        if size <= self.max_bytes:
            return None
        return ImportFormatError(
            f"the file is {_megabytes(size)}, larger than the {_megabytes(self.max_bytes)} "
            "an import takes here; split it into smaller lists"
        )


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 100_000 else f"{size:,} bytes"


def _from_json(text: str) -> ParseResult:
    from .json_list import parse_json  # the app's own format, kept in its own module

    return parse_json(text)


_PARSERS: dict[str, Callable[[str], list[PaperRecord]]] = {
    "markdown": parse_markdown,
    "curriculum": parse_curriculum,
    "bibtex": parse_bibtex,
    "arxiv": parse_arxiv_list,
    "ris": parse_ris,
    "csljson": parse_csl_json,
}


def _line_at(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


# --- Shape checks: nesting and counts, by cheap scans before any parser runs. -----------

# JSON strings never span lines, so blanking them keeps every bracket on its line.
_JSON_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def _check_json_shape(text: str, max_papers: int) -> None:
    """Bracket depth and the number of paper objects: those of the top-level list, or of
    the lists inside the top-level object (the canon's `papers` and `phases`)."""
    skeleton = _JSON_STRING.sub('""', text)
    depth, top, papers = 0, "", 0
    for match in _JSON_BRACKET.finditer(skeleton):
        char = match.group()
        if char in "]}":
            depth = max(depth - 1, 0)
            continue
        depth += 1
        top = top or char
        if depth > MAX_DEPTH:
            raise ImportFormatError(
                f"the JSON nests deeper than {MAX_DEPTH} levels",
                line=_line_at(skeleton, match.start()),
            )
        if char == "{" and depth == (2 if top == "[" else 3):
            papers += 1
            if papers > max_papers:
                raise _too_many(max_papers, _line_at(skeleton, match.start()))


_BRACE = re.compile(r"(?<!\\)[{}]")


def _check_bibtex_shape(text: str, max_papers: int) -> None:
    depth = 0
    for match in _BRACE.finditer(text):
        if match.group() == "}":
            depth = max(depth - 1, 0)
            continue
        depth += 1
        if depth > MAX_DEPTH:
            raise ImportFormatError(
                f"braces nest deeper than {MAX_DEPTH} levels", line=_line_at(text, match.start())
            )
    _check_count(_BIBTEX_ENTRY, text, max_papers)


# Markdown nests with `>` quotes and indented sub-lists; each counts as a level.
_MARKDOWN_NESTING = re.compile(
    r"^(?P<quotes>(?:[ \t]*>)+)|^(?P<indent>[ \t]+)(?:[-*+]|\d{1,9}[.)])\s"
)


def _check_markdown_shape(text: str, item: re.Pattern[str], max_papers: int) -> None:
    for number, line in enumerate(text.split("\n"), start=1):
        if not line[:1].isspace() and line[:1] != ">":
            continue
        match = _MARKDOWN_NESTING.match(line)
        if match is None:
            continue
        if match.group("quotes"):
            levels = match.group("quotes").count(">")
        else:
            levels = len(match.group("indent").expandtabs(4)) // 2 + 1
        if levels > MAX_DEPTH:
            raise ImportFormatError(
                f"quotes or sub-lists nest deeper than {MAX_DEPTH} levels", line=number
            )
    _check_count(item, text, max_papers)


# What each format's papers look like to a counter (at least one match per paper).
_BIBTEX_ENTRY = re.compile(r"@\s*(?!(?:string|comment|preamble)\b)[a-z]+\s*[{(]", re.IGNORECASE)
_ARXIV_LINE = re.compile(r"^[ \t]*[^\s#]", re.MULTILINE)
_RIS_RECORD = re.compile(r"^TY  -", re.MULTILINE)
_MARKDOWN_LINK_ITEM = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,3}[.)])\s+\S*\s*\[", re.MULTILINE)
_CURRICULUM_ITEM = re.compile(r"^(?:###\s|\s{0,3}[-*+]\s)", re.MULTILINE)


def _too_many(max_papers: int, line: int) -> ImportFormatError:
    return ImportFormatError(
        f"the list holds more than {max_papers:,} papers, the most an import takes here "
        "(this is the first one past that); split it into smaller lists",
        line=line,
    )


def _check_count(pattern: re.Pattern[str], text: str, max_papers: int) -> None:
    past = next(islice(pattern.finditer(text), max_papers, None), None)
    if past is not None:
        raise _too_many(max_papers, _line_at(text, past.start()))


def check_shape(text: str, format: str, limits: Limits) -> None:
    """Refuse a list that nests too deeply or holds too many papers, naming the line."""
    if format == "json":
        _check_json_shape(text, limits.max_papers)
    elif format == "bibtex":
        _check_bibtex_shape(text, limits.max_papers)
    elif format == "markdown":
        _check_markdown_shape(text, _MARKDOWN_LINK_ITEM, limits.max_papers)
    elif format == "curriculum":
        _check_markdown_shape(text, _CURRICULUM_ITEM, limits.max_papers)
    elif format == "arxiv":
        _check_count(_ARXIV_LINE, text, limits.max_papers)
    elif format == "ris":
        _check_count(_RIS_RECORD, text, limits.max_papers)
    elif format == "csljson":
        _check_json_shape(text, limits.max_papers)


def _looks_like_json(text: str) -> bool:
    if not text.lstrip().startswith(("{", "[")):
        return False
    try:
        _check_json_shape(text, max_papers=len(text))
    except ImportFormatError:
        return True  # JSON too deep to read: reading it as JSON says so
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


# A first line `TY  - JOUR`, perhaps after the `1.` rispy's writer numbers records with.
_RIS_START = re.compile(r"\A\s*(?:\d+\.[ \t]*\n\s*)?TY  - ")


def _looks_like_ris(text: str) -> bool:
    return bool(_RIS_START.match(text[:1000]))


def is_csl_json(text: str) -> bool:
    """Whether JSON text is CSL-JSON (Zotero's, Pandoc's) rather than the app's own JSON.

    CSL-JSON is a list of items with a `type` and a `title` or `author`. The app's JSON is
    an object with `papers`, or (a member's export) a list of papers that carry `phases`
    and `topics`, which no CSL item has.
    """
    if not text.lstrip().startswith("["):
        return False
    try:
        _check_json_shape(text, max_papers=len(text))
        data = json.loads(text)
    except (ImportFormatError, ValueError):
        return False
    items = [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []
    if any("phases" in item or "topics" in item for item in items):
        return False
    return any("type" in item and ("title" in item or "author" in item) for item in items)


def detect_format(text: str, filename: str = "") -> str:
    """The format of a reading list, from its file name and its first lines."""
    suffix = PurePath(filename).suffix.casefold() if filename else ""
    if suffix == ".bib":
        return "bibtex"
    if suffix == ".ris" or _looks_like_ris(text):
        return "ris"
    if filename.casefold().endswith(".csl.json"):
        return "csljson"
    if suffix == ".json" or _looks_like_json(text):
        return "csljson" if is_csl_json(text) else "json"
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
        "items, a curriculum with **Citation:** lines, BibTeX, RIS, JSON, or arXiv ids one "
        "per line; pass --format (or choose the format) to read it as one of them"
    )


def _clean(text: str) -> str:
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\x00", "")


def parse(
    text: str, *, format: str = "auto", filename: str = "", limits: Limits | None = None
) -> ParseResult:
    """Read a reading list. Raises ImportFormatError (with a line when it helps).

    `limits` defaults to the import command's; the web form passes its own.
    """
    limits = limits or Limits.for_command()
    text = _clean(text or "")
    if error := limits.size_error(len(text)):
        raise error
    if not text.strip():
        raise ImportFormatError("the file is empty")
    if format != "auto" and format not in FORMATS:
        raise ImportFormatError(
            f"unknown format {format!r}; choose one of {', '.join(FORMATS)} or auto"
        )
    if format == "auto":
        format = detect_format(text, filename)
    check_shape(text, format, limits)
    if format == "json":
        result = _from_json(text)
    else:
        # A curriculum file names itself in its front matter; other lists hold no phases.
        name = front_matter_title(text.split("\n", 200)[:200]) if format == "curriculum" else ""
        result = make_result(format, _PARSERS[format](text), curriculum=name)
    if len(result.papers) > limits.max_papers:
        raise _too_many(limits.max_papers, result.papers[limits.max_papers].line)
    return check_limits(result)


# What the canon's columns hold; a record past them is refused here, with its line,
# rather than by the database halfway through an import.
LIMITS = {"title": 500, "url": 500, "doi": 200, "arxiv_id": 40, "venue": 300}


def _whole_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_limits(result: ParseResult) -> ParseResult:
    """Refuse a record whose fields the canon or a member's note would not hold."""
    from notes.forms import MAX_TEXT  # what the note form takes; a blurb becomes a note

    for record in result.papers:
        for name, limit in LIMITS.items():
            if len(getattr(record, name) or "") > limit:
                raise ImportFormatError(
                    f"{record.title[:60]!r}: {name} is longer than {limit} characters",
                    line=record.line,
                )
        if max([len(record.blurb), *map(len, record.notes.values())]) > MAX_TEXT:
            raise ImportFormatError(
                f"{record.title[:60]!r}: the text about it is longer than {MAX_TEXT:,} "
                "characters, the most a note holds",
                line=record.line,
            )
        if any(len(alias) > LIMITS["title"] for alias in record.aliases):
            raise ImportFormatError(
                f"{record.title[:60]!r}: a title it is also listed as is longer than "
                f"{LIMITS['title']} characters",
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
            if len(placement.curriculum) > 200:
                raise ImportFormatError(
                    "a curriculum name is longer than 200 characters", line=record.line
                )
    for phase in result.phases:
        if not (_whole_number(phase.number) and 0 <= phase.number <= 32767):
            raise ImportFormatError(f"phase {phase.number!r} is not a phase number")
        if len(phase.title) > 200:
            raise ImportFormatError("a phase title is longer than 200 characters")
    if any(len(name) > 120 for pair in result.topic_aliases.items() for name in pair):
        raise ImportFormatError("a topic name is longer than 120 characters")
    names = [result.curriculum, *(c.name for c in result.curricula)]
    if any(len(name) > 200 for name in names):
        raise ImportFormatError("a curriculum name is longer than 200 characters")
    return result
