"""A member's reading list as Markdown (blog style), BibTeX, CSV or JSON, with their notes.

Private notes are in these files because only their author can download them.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Prefetch
from django.http import Http404, HttpResponse

from papers.exports import FORMATS as CANON_FORMATS
from papers.exports import attachment, paper_dict, render_export
from papers.importers.markdown_list import NOTE_SECTIONS
from papers.models import Paper, Placement

from .models import TEXT_FIELDS, Note, Reading, StatusChange

# The canon's formats, with the member's statuses and thoughts; plus CSV with the dates.
FORMATS = {**CANON_FORMATS, "csv": ("text/csv", "csv")}

# A cell a spreadsheet would run as a formula (OWASP's list). Cells that already start
# with quotes before one of these get one more, so that removing one quote from every
# cell matching `'+[=+\-@\t\r]` gives back exactly what was written.
_FORMULA_START = re.compile(r"'*[=+\-@\t\r]")
STAGE_DATES = ("queued", "pass1", "pass2", "pass3", "done", "dropped")
NOTE_COLUMNS = [*TEXT_FIELDS, "implementation_url", "visibility"]
CSV_COLUMNS = [
    "title",
    "authors",
    "year",
    "url",
    "arxiv_id",
    "doi",
    "topics",
    "status",
    *[f"{stage}_at" for stage in STAGE_DATES],
    *NOTE_COLUMNS,
]


def spreadsheet_cell(value: object) -> str:
    """A CSV cell that spreadsheets show as text: a quote before a formula's first character."""
    text = str(value)
    return f"'{text}" if _FORMULA_START.match(text) else text


def csv_text(rows: list[list[object]]) -> str:
    """Rows as CSV, every cell through `spreadsheet_cell`."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows([spreadsheet_cell(cell) for cell in row] for row in rows)
    return out.getvalue()


@dataclass
class MyReading:
    """Everything of mine about the papers I read or wrote notes on, read in five queries."""

    papers: list[Paper]
    readings: dict[int, Reading]
    notes: dict[int, Note]
    history: dict[int, list[StatusChange]]

    def status_of(self, paper: Paper) -> str:
        reading = self.readings.get(paper.pk)
        return reading.status if reading else ""

    def thoughts_of(self, paper: Paper) -> str:
        note = self.notes.get(paper.pk)
        return note.thoughts if note else ""

    def notes_of(self, paper: Paper) -> dict[str, str]:
        note = self.notes.get(paper.pk)
        return {name: getattr(note, name) for name in NOTE_SECTIONS} if note else {}


def my_reading(user) -> MyReading:
    readings = {r.paper_id: r for r in Reading.objects.filter(user=user)}
    notes = {n.paper_id: n for n in Note.objects.filter(user=user)}
    history: dict[int, list[StatusChange]] = defaultdict(list)
    for change in StatusChange.objects.filter(user=user).order_by("at", "pk"):
        history[change.paper_id].append(change)
    papers = list(
        Paper.objects.filter(pk__in={*readings, *notes})
        .prefetch_related(
            "topics",
            Prefetch("placements", queryset=Placement.objects.select_related("phase__curriculum")),
        )
        .order_by("title")
    )
    return MyReading(papers, readings, notes, history)


def _date(value) -> str | None:
    return value.isoformat() if value else None


def reading_dict(mine: MyReading, paper: Paper) -> dict:
    """A paper with my reading of it, its true stage dates and history, and my notes."""
    reading, note = mine.readings.get(paper.pk), mine.notes.get(paper.pk)
    item = paper_dict(paper) | {"status": mine.status_of(paper)}
    item["reading"] = reading and {
        "status": reading.status,
        "dates": {stage: _date(getattr(reading, f"{stage}_at")) for stage in STAGE_DATES},
        "minutes_spent": reading.minutes_spent,
        "history": [
            {"from": change.from_status, "to": change.to_status, "at": _date(change.at)}
            for change in mine.history.get(paper.pk, [])
        ],
    }
    item["note"] = note and {
        **{name: getattr(note, name) for name in NOTE_COLUMNS},
        "created_at": _date(note.created_at),
        "updated_at": _date(note.updated_at),
    }
    return item


def member_data(user) -> list[dict]:
    """My readings, notes and status history, for the account's download."""
    mine = my_reading(user)
    return [reading_dict(mine, paper) for paper in mine.papers]


def render_reading_list(user, fmt: str) -> str:
    mine = my_reading(user)
    if fmt == "json":
        data = [reading_dict(mine, paper) for paper in mine.papers]
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt in CANON_FORMATS:
        return render_export(
            mine.papers,
            fmt,
            status_of=mine.status_of,
            thoughts_of=mine.thoughts_of,
            notes_of=mine.notes_of,
            title=f"{user}'s reading list",
        )
    if fmt == "csv":
        rows = []
        for paper in mine.papers:
            reading, note = mine.readings.get(paper.pk), mine.notes.get(paper.pk)
            dates = [getattr(reading, f"{stage}_at") if reading else None for stage in STAGE_DATES]
            rows.append(
                [
                    paper.title,
                    "; ".join(paper.author_list),
                    paper.year or "",
                    paper.link,
                    paper.arxiv_id,
                    paper.doi,
                    "; ".join(t.name for t in paper.topics.all()),
                    mine.status_of(paper),
                    *[date.date().isoformat() if date else "" for date in dates],
                    *[getattr(note, name) if note else "" for name in NOTE_COLUMNS],
                ]
            )
        return csv_text([CSV_COLUMNS, *rows])
    raise ValueError(f"unknown format {fmt!r}")


def download_reading_list(user, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404("No such export format.")
    content_type, extension = FORMATS[fmt]
    return attachment(render_reading_list(user, fmt), content_type, f"reading-list.{extension}")
