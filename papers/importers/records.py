"""The records every importer produces, and the one way they become a ParseResult.

The parsers know nothing of the database: they turn a file into these plain
dataclasses, and `papers.services` merges them into the canon. Keeping the records
free of Django lets the parsers be tested (and reused) without a database.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from ..identity import identity_key, normalize_arxiv_id, normalize_doi, normalize_title

TIERS = ("must", "recommended", "further")  # Must Read / Recommended / Further Reading
KINDS = ("paper", "book", "chapter", "post", "code")
READ_STATES = ("", "done", "queued", "pass1", "pass2", "pass3", "dropped")
# The bundled canon's curriculum, and the one that phases of lists written before there
# were several curricula (JSON exports with bare phase numbers) belong to.
BUNDLED_CURRICULUM = "Core ML curriculum"


class ImportFormatError(ValueError):
    """The input cannot be read as the format it claims to be; `line` says where."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line is not None else self.message


@dataclass
class PlacementRecord:
    phase_number: int
    phase_title: str  # "" when the source does not say
    tier: str  # one of TIERS
    note: str = ""  # e.g. what the learner builds with the paper in that phase
    curriculum: str = ""  # the curriculum's name; "" for the one the whole file is about

    @property
    def phase_key(self) -> tuple[str, int]:
        return (self.curriculum, self.phase_number)


@dataclass
class PaperRecord:
    title: str
    line: int  # 1-based line in the source where the item starts
    authors: list[str] = field(default_factory=list)  # as written, in order
    year: int | None = None
    venue: str = ""
    kind: str = "paper"
    url: str = ""
    arxiv_id: str = ""  # normalized
    doi: str = ""  # normalized
    abstract: str = ""
    tldr: str = ""
    key_contribution: str = ""
    why_it_matters: str = ""
    tier: str = ""  # overall tier in this list ("" if none)
    topics: list[str] = field(default_factory=list)
    placements: list[PlacementRecord] = field(default_factory=list)
    read_state: str = ""  # "" or a reading status: "done" (✔️), "queued" (*TO READ*), …
    blurb: str = ""  # the reader's own paragraph(s) after the item, Markdown as written
    # The reader's labelled notes after the item (the paper log, pass notes), by note field.
    notes: dict[str, str] = field(default_factory=dict)
    note: str = ""  # a free note on this mention, e.g. the "-- note" of a citation
    builds_on: list[str] = field(default_factory=list)  # references (JSON canon only)
    aliases: list[str] = field(default_factory=list)  # other titles it is listed under

    @property
    def key(self) -> str:
        """The identity this record merges on: arXiv id, else DOI, else title and year."""
        return identity_key(arxiv_id=self.arxiv_id, doi=self.doi, title=self.title, year=self.year)


@dataclass
class PhaseRecord:
    number: int
    title: str
    curriculum: str = ""  # as in PlacementRecord
    description: str = ""


@dataclass
class CurriculumRecord:
    name: str
    description: str = ""
    source: str = ""


@dataclass
class ParseResult:
    format: str
    papers: list[PaperRecord]
    phases: list[PhaseRecord]  # distinct, sorted by number; title from the best mention
    topics: list[str]  # distinct, in order of first appearance
    # The curriculum the file's phases belong to when a placement names none: a curriculum
    # file's front matter `title`, or "" when the file does not say.
    curriculum: str = ""
    curricula: list[CurriculumRecord] = field(default_factory=list)  # described in the file
    # Topic names the list has merged: old name -> the topic it now belongs to.
    topic_aliases: dict[str, str] = field(default_factory=dict)


# Fields a later mention of the same paper may fill when the first left them empty.
# `note` is left out on purpose: it annotates one mention ("listed above"), not the paper.
_FILLABLE = (
    "venue",
    "url",
    "arxiv_id",
    "doi",
    "abstract",
    "tldr",
    "key_contribution",
    "why_it_matters",
    "blurb",
)
_TIER_RANK = {tier: rank for rank, tier in enumerate(TIERS)}


def _same_paper(a: PaperRecord, b: PaperRecord) -> bool:
    if a.arxiv_id and b.arxiv_id:
        return a.arxiv_id == b.arxiv_id
    if a.doi and b.doi and a.doi == b.doi:
        return True
    if normalize_title(a.title) != normalize_title(b.title):
        return False
    return a.year is None or b.year is None or a.year == b.year


def _absorb(first: PaperRecord, later: PaperRecord) -> None:
    """Fold a later mention's single values into the first mention of the same paper.

    Its lists (topics, placements, links, aliases) are folded by `_fold_lists`, once per
    paper at the end: merging lists mention by mention would cost the square of a paper
    named many times.
    """
    for name in _FILLABLE:
        if not getattr(first, name) and getattr(later, name):
            setattr(first, name, getattr(later, name))
    if not first.authors:
        first.authors = list(later.authors)
    if first.year is None:
        first.year = later.year
    if later.tier and (not first.tier or _TIER_RANK[later.tier] < _TIER_RANK[first.tier]):
        first.tier = later.tier
    if later.read_state == "done" or not first.read_state:
        first.read_state = later.read_state or first.read_state
    first.notes = later.notes | first.notes


def _fold_lists(first: PaperRecord, later: list[PaperRecord]) -> None:
    mentions = [first, *later]
    first.topics = list(dict.fromkeys(t for m in mentions for t in m.topics))
    first.builds_on = list(dict.fromkeys(r for m in mentions for r in m.builds_on))
    first.aliases = list(dict.fromkeys(a for m in mentions for a in m.aliases))
    placements: dict[tuple[str, int], PlacementRecord] = {}
    for mention in mentions:
        for placement in mention.placements:
            placements.setdefault(placement.phase_key, placement)
    first.placements = list(placements.values())


_ANY_YEAR = object()


class _TitleIndex:
    """Kept records by normalized title, year and whether they have an arXiv id.

    A mention matches a kept record of the same title when their years agree (or either
    has none) and they do not carry two different arXiv ids; each bucket holds records
    that all satisfy that, so its first entry is the match. A record whose year or arXiv
    id is filled later moves to its new buckets; its old entries are dropped when met.
    """

    def __init__(self) -> None:
        self.buckets: dict[tuple, deque[tuple[int, PaperRecord]]] = {}
        self.order: dict[int, int] = {}  # id of a record -> when it was first kept

    @staticmethod
    def _fits(record: PaperRecord, key: tuple) -> bool:
        _, year, has_arxiv = key
        return bool(record.arxiv_id) == has_arxiv and (year is _ANY_YEAR or year == record.year)

    def add(self, record: PaperRecord, title: str) -> None:
        order = self.order.setdefault(id(record), len(self.order))
        for year in (record.year, _ANY_YEAR):
            key = (title, year, bool(record.arxiv_id))
            self.buckets.setdefault(key, deque()).append((order, record))

    def find(self, paper: PaperRecord, title: str) -> PaperRecord | None:
        years = (_ANY_YEAR,) if paper.year is None else (paper.year, None)
        flags = (False,) if paper.arxiv_id else (False, True)
        found: list[tuple[int, PaperRecord]] = []
        for year in years:
            for has_arxiv in flags:
                key = (title, year, has_arxiv)
                bucket = self.buckets.get(key)
                while bucket and not self._fits(bucket[0][1], key):
                    bucket.popleft()
                if bucket:
                    found.append(bucket[0])
        return min(found, key=lambda entry: entry[0])[1] if found else None


def _merge_duplicates(papers: list[PaperRecord]) -> list[PaperRecord]:
    """One record per paper: a list that names a paper twice still means one paper.

    Every lookup is a dictionary's, so a list of any length is read in linear time.
    """
    kept: list[PaperRecord] = []
    later: dict[int, list[PaperRecord]] = {}  # id of a kept record -> its later mentions
    titles = _TitleIndex()
    by_arxiv: dict[str, PaperRecord] = {}
    by_doi: dict[str, PaperRecord] = {}
    for paper in papers:
        title = normalize_title(paper.title)
        by_id = [by_arxiv.get(paper.arxiv_id), by_doi.get(paper.doi)]
        match = next((c for c in by_id if c is not None and _same_paper(c, paper)), None)
        match = match or titles.find(paper, title)
        if match is None:
            kept.append(paper)
            later[id(paper)] = []
            titles.add(paper, title)
            match = paper
        else:
            before = (match.year, bool(match.arxiv_id))
            _absorb(match, paper)
            later[id(match)].append(paper)
            if (match.year, bool(match.arxiv_id)) != before:
                titles.add(match, normalize_title(match.title))
        for index, value in ((by_arxiv, match.arxiv_id), (by_doi, match.doi)):
            if value:
                index.setdefault(value, match)
    for record in kept:
        if later[id(record)]:
            _fold_lists(record, later[id(record)])
    return kept


def make_result(format: str, papers: list[PaperRecord], curriculum: str = "") -> ParseResult:
    """Check, de-duplicate and summarize the records of one parsed file."""
    for paper in papers:
        paper.arxiv_id = normalize_arxiv_id(paper.arxiv_id)
        paper.doi = normalize_doi(paper.doi)
    # Topics in the order the file introduces them, even when a later mention of a
    # paper carries its topic back to the paper's first mention.
    topics = list(dict.fromkeys(topic for paper in papers for topic in paper.topics))
    papers = _merge_duplicates(papers)
    if not papers:
        raise ImportFormatError(f"no papers found (read as {format})")
    phase_titles: dict[tuple[str, int], str] = {}
    for paper in papers:
        for placement in paper.placements:
            # The first mention that names the phase wins; bare "Phase 4" names nothing.
            if not phase_titles.get(placement.phase_key):
                phase_titles[placement.phase_key] = placement.phase_title
    phases = [
        PhaseRecord(number=number, title=phase_titles[key], curriculum=key[0])
        for key in sorted(phase_titles)
        for number in [key[1]]
    ]
    return ParseResult(
        format=format, papers=papers, phases=phases, topics=topics, curriculum=curriculum
    )
