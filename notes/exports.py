"""A member's reading list as Markdown (blog style), BibTeX, CSV or JSON."""

from __future__ import annotations

import csv
import io
import re

from django.db.models import Prefetch
from django.http import Http404, HttpResponse

from papers.exports import FORMATS as CANON_FORMATS
from papers.exports import attachment, render_export
from papers.models import Paper, Placement

from .models import Note, Reading

# The canon's formats, with the member's statuses and thoughts; plus CSV with the dates.
FORMATS = {**CANON_FORMATS, "csv": ("text/csv", "csv")}

# A cell a spreadsheet would run as a formula (OWASP's list). Cells that already start
# with quotes before one of these get one more, so that removing one quote from every
# cell matching `'+[=+\-@\t\r]` gives back exactly what was written.
_FORMULA_START = re.compile(r"'*[=+\-@\t\r]")
STAGE_DATES = ("pass1", "pass2", "pass3", "done")
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


def papers_with_reading(user) -> tuple[list[Paper], dict[int, Reading], dict[int, Note]]:
    readings = {r.paper_id: r for r in Reading.objects.filter(user=user)}
    notes = {n.paper_id: n for n in Note.objects.filter(user=user, paper_id__in=readings)}
    papers = list(
        Paper.objects.filter(pk__in=readings)
        .prefetch_related(
            "topics",
            Prefetch("placements", queryset=Placement.objects.select_related("phase__curriculum")),
        )
        .order_by("title")
    )
    return papers, readings, notes


def render_reading_list(user, fmt: str) -> str:
    papers, readings, notes = papers_with_reading(user)

    def status_of(paper: Paper) -> str:
        return readings[paper.pk].status

    def thoughts_of(paper: Paper) -> str:
        note = notes.get(paper.pk)
        return note.thoughts if note else ""

    if fmt in CANON_FORMATS:
        title = f"{user}'s reading list"
        return render_export(papers, fmt, status_of=status_of, thoughts_of=thoughts_of, title=title)
    if fmt == "csv":
        rows = []
        for paper in papers:
            reading = readings[paper.pk]
            dates = [getattr(reading, f"{stage}_at") for stage in STAGE_DATES]
            rows.append(
                [
                    paper.title,
                    "; ".join(paper.author_list),
                    paper.year or "",
                    paper.link,
                    paper.arxiv_id,
                    paper.doi,
                    "; ".join(t.name for t in paper.topics.all()),
                    reading.status,
                    *[date.date().isoformat() if date else "" for date in dates],
                ]
            )
        return csv_text([CSV_COLUMNS, *rows])
    raise ValueError(f"unknown format {fmt!r}")


def download_reading_list(user, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404("No such export format.")
    content_type, extension = FORMATS[fmt]
    return attachment(render_reading_list(user, fmt), content_type, f"reading-list.{extension}")
