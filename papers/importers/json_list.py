"""The canon's own JSON: what `export_reading_list --format json` writes and the bundled canon.

Either a list of paper objects, or an object with `papers` and the curricula they are
placed in::

    {"version": 2,
     "curricula": [{"name": …, "description": …, "source": …,
                    "phases": [{"number": 4, "title": …, "description": …}]}],
     "papers": [{"title": …, "phases": [{"curriculum": …, "number": 4, "tier": "must"}]}]}

A placement that names no curriculum (lists written before there were several, with a
top-level `phases` list) belongs to the bundled one.
"""

from __future__ import annotations

import json

from ..identity import normalize_arxiv_id, normalize_doi
from .records import (
    BUNDLED_CURRICULUM,
    KINDS,
    READ_STATES,
    TIERS,
    CurriculumRecord,
    ImportFormatError,
    PaperRecord,
    ParseResult,
    PhaseRecord,
    PlacementRecord,
)

STATUS_TO_READ_STATE = {state: state for state in READ_STATES if state}


def _text(item: dict, key: str, position: int) -> str:
    value = item.get(key) or ""
    if not isinstance(value, str):
        raise ImportFormatError(f"paper {position}: {key!r} must be text")
    return value.strip()


def _paper(item: object, position: int) -> PaperRecord:
    if not isinstance(item, dict):
        raise ImportFormatError(f"paper {position} is not an object")
    title = _text(item, "title", position)
    if not title:
        raise ImportFormatError(f"paper {position} has no title")
    authors = item.get("authors") or []
    if not isinstance(authors, list) or not all(isinstance(a, str) for a in authors):
        raise ImportFormatError(f"paper {position} ({title}): 'authors' must be a list of names")
    year = item.get("year")
    if year is not None and (not isinstance(year, int) or not 0 < year < 3000):
        raise ImportFormatError(f"paper {position} ({title}): 'year' must be a whole number")
    kind = item.get("kind") or "paper"
    if kind not in KINDS:
        raise ImportFormatError(f"paper {position} ({title}): unknown kind {kind!r}")
    tier = item.get("tier") or ""
    if tier and tier not in TIERS:
        raise ImportFormatError(f"paper {position} ({title}): unknown tier {tier!r}")
    placements = []
    for phase in item.get("phases") or []:
        if not isinstance(phase, dict) or not isinstance(phase.get("number"), int):
            raise ImportFormatError(f"paper {position} ({title}): each phase needs a number")
        phase_tier = phase.get("tier") or tier or "recommended"
        if phase_tier not in TIERS:
            raise ImportFormatError(f"paper {position} ({title}): unknown tier {phase_tier!r}")
        curriculum = phase.get("curriculum") or ""
        if not isinstance(curriculum, str):
            raise ImportFormatError(f"paper {position} ({title}): 'curriculum' must be a name")
        placements.append(
            PlacementRecord(
                phase_number=phase["number"],
                phase_title=str(phase.get("title") or ""),
                tier=phase_tier,
                note=str(phase.get("note") or ""),
                curriculum=" ".join(curriculum.split()),
            )
        )
    topics = item.get("topics") or []
    if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
        raise ImportFormatError(f"paper {position} ({title}): 'topics' must be a list of names")
    aliases = item.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise ImportFormatError(f"paper {position} ({title}): 'aliases' must be a list of titles")
    builds_on = item.get("builds_on") or []
    if not isinstance(builds_on, list) or not all(isinstance(r, str) for r in builds_on):
        raise ImportFormatError(f"paper {position} ({title}): 'builds_on' must be a list")
    return PaperRecord(
        title=title,
        line=position,
        authors=[a.strip() for a in authors if a.strip()],
        year=year,
        venue=_text(item, "venue", position),
        kind=kind,
        url=_text(item, "url", position),
        arxiv_id=normalize_arxiv_id(_text(item, "arxiv_id", position)),
        doi=normalize_doi(_text(item, "doi", position)),
        abstract=_text(item, "abstract", position),
        tldr=_text(item, "tldr", position),
        key_contribution=_text(item, "key_contribution", position),
        why_it_matters=_text(item, "why_it_matters", position),
        tier=tier,
        topics=[t.strip() for t in topics if t.strip()],
        placements=placements,
        read_state=STATUS_TO_READ_STATE.get(str(item.get("status") or ""), ""),
        builds_on=builds_on,
        aliases=[a.strip() for a in aliases if a.strip()],
    )


def _phases(items: object, curriculum: str, where: str) -> list[PhaseRecord]:
    if not isinstance(items, list):
        raise ImportFormatError(f"{where}: 'phases' must be a list")
    phases = []
    for phase in items:
        if not isinstance(phase, dict) or not isinstance(phase.get("number"), int):
            raise ImportFormatError(f"{where}: each entry of 'phases' needs a number")
        phases.append(
            PhaseRecord(
                number=phase["number"],
                title=str(phase.get("title") or ""),
                curriculum=curriculum,
                description=str(phase.get("description") or ""),
            )
        )
    return phases


def _curricula(items: object) -> tuple[list[CurriculumRecord], list[PhaseRecord]]:
    if not isinstance(items, list):
        raise ImportFormatError("'curricula' must be a list")
    curricula, phases = [], []
    for position, item in enumerate(items, start=1):
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise ImportFormatError(f"curriculum {position} has no name")
        name = " ".join(name.split())
        description, source = item.get("description") or "", item.get("source") or ""
        if not isinstance(description, str) or not isinstance(source, str):
            raise ImportFormatError(f"curriculum {name!r}: description and source must be text")
        curricula.append(CurriculumRecord(name, description.strip(), source.strip()))
        phases += _phases(item.get("phases") or [], name, f"curriculum {name!r}")
    return curricula, phases


def parse_json(text: str) -> ParseResult:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFormatError(f"not valid JSON: {error.msg}", line=error.lineno) from error
    phases: list[PhaseRecord] = []
    curricula: list[CurriculumRecord] = []
    aliases: dict[str, str] = {}
    if isinstance(data, dict):
        aliases = data.get("topic_aliases") or {}
        if not isinstance(aliases, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and k.strip() and v.strip()
            for k, v in aliases.items()
        ):
            raise ImportFormatError("'topic_aliases' must map old topic names to new ones")
        curricula, phases = _curricula(data.get("curricula") or [])
        phases += _phases(data.get("phases") or [], "", "the list")
        data = data.get("papers")
    if not isinstance(data, list):
        raise ImportFormatError("expected a list of papers (or an object with 'papers')")
    papers = [_paper(item, position) for position, item in enumerate(data, start=1)]
    if not papers:
        raise ImportFormatError("no papers found")
    topics = list(dict.fromkeys(t for p in papers for t in p.topics))
    return ParseResult(
        format="json",
        papers=papers,
        phases=phases,
        topics=topics,
        curriculum=BUNDLED_CURRICULUM,
        curricula=curricula,
        topic_aliases=aliases,
    )
