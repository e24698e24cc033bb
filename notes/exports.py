"""A member's reading list as Markdown (blog style), BibTeX, CSV or JSON."""

from __future__ import annotations

import csv
import io

from django.db.models import Prefetch
from django.http import Http404, HttpResponse

from papers.exports import FORMATS as CANON_FORMATS
from papers.exports import attachment, render_export
from papers.models import Paper, Placement

from .models import Note, Reading

# The canon's formats, with the member's statuses and thoughts; plus CSV with the dates.
FORMATS = {**CANON_FORMATS, "csv": ("text/csv", "csv")}


def papers_with_reading(user) -> tuple[list[Paper], dict[int, Reading], dict[int, Note]]:
    readings = {r.paper_id: r for r in Reading.objects.filter(user=user)}
    notes = {n.paper_id: n for n in Note.objects.filter(user=user, paper_id__in=readings)}
    papers = list(
        Paper.objects.filter(pk__in=readings)
        .prefetch_related(
            "topics", Prefetch("placements", queryset=Placement.objects.select_related("phase"))
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
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            [
                "title",
                "authors",
                "year",
                "url",
                "arxiv_id",
                "doi",
                "topics",
                "status",
                "pass1_at",
                "pass2_at",
                "pass3_at",
                "done_at",
            ]
        )
        for paper in papers:
            reading = readings[paper.pk]
            writer.writerow(
                [
                    paper.title,
                    "; ".join(paper.author_list),
                    paper.year or "",
                    paper.link,
                    paper.arxiv_id,
                    paper.doi,
                    "; ".join(t.name for t in paper.topics.all()),
                    reading.status,
                    *[
                        (getattr(reading, f"{s}_at") or "")
                        and getattr(reading, f"{s}_at").date().isoformat()
                        for s in ("pass1", "pass2", "pass3", "done")
                    ],
                ]
            )
        return out.getvalue()
    raise ValueError(f"unknown format {fmt!r}")


def download_reading_list(user, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404("No such export format.")
    content_type, extension = FORMATS[fmt]
    return attachment(render_reading_list(user, fmt), content_type, f"reading-list.{extension}")
