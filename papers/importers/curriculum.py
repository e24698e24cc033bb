"""A course's reading list: tiers, one block per paper, and the phases that use it.

The shape (see `curriculum-reading-list.md` in the seeds)::

    ## Must Read                     (or ## Recommended)
    ### Short title
    **Citation:** Surname, A., & Other, B. (2017). "Title." *Venue*.
    **Key contribution:** …
    **Why it matters:** …
    **Curriculum connection:** Phase 4 (Phase title). You will implement …

    ## Further Reading by Topic
    ### Topic
    - Surname et al. (2020). "Title." -- why read it

Decisions:

- The citation is the source of truth for title, authors, year and venue; the `###`
  heading is only a label (it may carry a nickname such as "(GPT-3)") and is used
  only in error messages. A venue of `arXiv preprint arXiv:…` gives the arXiv id
  and the venue "arXiv".
- `**Curriculum connection:**` names one or more phases ("Phase 9 (…) and Phase 10
  (…)"); each becomes a placement with the block's tier. The parenthesis is the phase
  title unless it names a lesson ("Lesson 4.1 - …"), which is not the phase's title:
  then the title is left empty for another mention to supply. The sentences after
  the phase mentions ("You will implement …") are the placement's note.
- Front matter is the curriculum's own metadata (which phase this page belongs to),
  not a placement of any paper, and is skipped.
- Any other `##` section (such as advice on how to read papers) holds no papers and
  is skipped up to the next section this parser knows.
- A paper named twice (Must Read and again under a topic) is one paper; see
  `records.make_result`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..identity import arxiv_id_in_text
from .citation import parse_citation
from .markdown_list import skip_front_matter
from .records import ImportFormatError, PaperRecord, PlacementRecord

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_FIELD = re.compile(r"^\*\*(?P<label>[^*]+?)\s*(?::\*\*|\*\*\s*:)\s*(?P<value>.*)$")
_LIST_ITEM = re.compile(r"^\s{0,3}[-*+]\s+(?P<content>.*)$")
_RULE = re.compile(r"^\s{0,3}(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,})$")
_PHASE = re.compile(r"\bPhase\s+(?P<number>\d+)(?:\s*\((?P<title>[^()]*)\))?", re.IGNORECASE)
_BETWEEN_PHASES = re.compile(r"\s*(?:,\s*(?:and\s+)?|and\s+|&\s*|;\s*)", re.IGNORECASE)
_SECTIONS = (("must read", "must"), ("recommended", "recommended"), ("further reading", "further"))
_LABELS = {
    "citation": "citation",
    "key contribution": "key_contribution",
    "key contributions": "key_contribution",
    "why it matters": "why_it_matters",
    "curriculum connection": "connection",
    "tldr": "tldr",
    "tl;dr": "tldr",
    "abstract": "abstract",
}
_CITATION_SHAPE = 'Authors (year). "Title." *Venue*.'


@dataclass
class _Block:
    line: int
    heading: str
    tier: str
    # A field's first line and its continuation lines, joined once the block closes (joining
    # line by line would copy a long field over and over).
    parts: dict[str, list[str]] = field(default_factory=dict)

    @property
    def fields(self) -> dict[str, str]:
        return {label: " ".join(parts).strip() for label, parts in self.parts.items()}


def _section_tier(heading: str) -> str:
    lowered = heading.casefold()
    return next((tier for prefix, tier in _SECTIONS if lowered.startswith(prefix)), "")


def parse_connection(text: str, tier: str) -> list[PlacementRecord]:
    """Placements from `Phase 9 (Title) and Phase 10 (Title). Note sentences.`"""
    first = _PHASE.search(text)
    if first is None:
        return []
    mentions = [first]
    position = first.end()
    while True:
        separator = _BETWEEN_PHASES.match(text, position)
        following = _PHASE.match(text, separator.end()) if separator else None
        if following is None:
            break
        mentions.append(following)
        position = following.end()
    note = text[position:].lstrip(" .,;:").strip()
    placements = []
    for mention in mentions:
        title = " ".join((mention.group("title") or "").split())
        if title.casefold().startswith("lesson"):
            title = ""  # names a lesson inside the phase, not the phase itself
        placements.append(
            PlacementRecord(
                phase_number=int(mention.group("number")), phase_title=title, tier=tier, note=note
            )
        )
    return placements


def _paper_from_block(block: _Block) -> PaperRecord:
    fields = block.fields
    citation_text = fields.get("citation", "")
    if not citation_text:
        raise ImportFormatError(f'"{block.heading}" has no **Citation:** line', line=block.line)
    citation = parse_citation(citation_text)
    if citation is None:
        raise ImportFormatError(
            f'cannot read the citation of "{block.heading}"; expected {_CITATION_SHAPE}',
            line=block.line,
        )
    venue, arxiv_id = citation.venue, arxiv_id_in_text(citation.venue)
    if arxiv_id:
        venue = "arXiv"
    return PaperRecord(
        title=citation.title,
        line=block.line,
        authors=citation.authors,
        year=citation.year,
        venue=venue,
        arxiv_id=arxiv_id,
        abstract=fields.get("abstract", ""),
        tldr=fields.get("tldr", ""),
        key_contribution=fields.get("key_contribution", ""),
        why_it_matters=fields.get("why_it_matters", ""),
        tier=block.tier,
        placements=parse_connection(fields.get("connection", ""), block.tier),
        note=citation.note,
    )


def _further_reading(text: str, number: int, topic: str) -> PaperRecord:
    citation = parse_citation(text)
    if citation is None:
        raise ImportFormatError(
            'cannot read this further-reading citation; expected Authors (year). "Title." -- note',
            line=number,
        )
    venue, arxiv_id = citation.venue, arxiv_id_in_text(citation.venue)
    return PaperRecord(
        title=citation.title,
        line=number,
        authors=citation.authors,
        year=citation.year,
        venue="arXiv" if arxiv_id else venue,
        arxiv_id=arxiv_id,
        tier="further",
        topics=[topic] if topic else [],
        note=citation.note,
    )


def parse_curriculum(text: str) -> list[PaperRecord]:
    """The papers of a curriculum reading list, in the order they appear."""
    lines = text.split("\n")
    papers: list[PaperRecord] = []
    tier = ""  # "" while inside a section that holds no papers
    topic = ""
    block: _Block | None = None
    label = ""  # the field (or further-reading item) that continuation lines extend
    item: tuple[int, list[str]] | None = None  # (line, lines) of the open further-reading item

    def close() -> None:
        nonlocal block, item, label
        if block is not None:
            papers.append(_paper_from_block(block))
        if item is not None:
            papers.append(_further_reading(" ".join(item[1]), item[0], topic))
        block, item, label = None, None, ""

    for index in range(skip_front_matter(lines), len(lines)):
        number, line = index + 1, lines[index]
        stripped = line.strip()
        if heading := _HEADING.match(stripped):
            level, title = len(heading.group(1)), heading.group(2).strip()
            close()
            if level == 2:
                tier, topic = _section_tier(title), ""
            elif level == 3 and tier in ("must", "recommended"):
                block = _Block(line=number, heading=title, tier=tier)
            elif level == 3 and tier == "further":
                topic = title
            continue
        if not tier:
            continue
        if not stripped or _RULE.match(stripped):
            if item is not None:
                close()
            label = ""
            continue
        if tier == "further":
            if list_item := _LIST_ITEM.match(line):
                close()
                item = (number, [list_item.group("content")])
            elif item is not None and line[:1].isspace():
                item[1].append(stripped)  # a wrapped citation
            continue
        if block is None:
            continue  # the section's introduction
        if match := _FIELD.match(stripped):
            label = _LABELS.get(match.group("label").strip().casefold(), "")
            if label:
                block.parts[label] = [match.group("value").strip()]
        elif label:
            block.parts[label].append(stripped)
    close()
    return papers
