"""What a club has read: readiness for a meeting, the members × papers matrix, a weekly chart.

Each function runs a fixed number of queries, whatever the number of members or papers.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from notes.models import STAGE_RANK, Note, Reading, Status, Visibility, stage_rank
from papers.models import Paper, Phase

from .models import Club, Meeting, Membership

SHORT_LABELS = {
    "queued": "·",
    "pass1": "1",
    "pass2": "2",
    "pass3": "3",
    "done": "✔",
    "dropped": "–",
}


@dataclass
class MemberReadiness:
    membership: Membership
    statuses: list[str]  # one per assigned paper, "" when not started
    ready: bool

    @property
    def user(self):
        return self.membership.user


@dataclass
class Readiness:
    rows: list[MemberReadiness]
    papers: list[Paper]
    minimum: str

    @property
    def ready_count(self) -> int:
        return sum(row.ready for row in self.rows)

    @property
    def total(self) -> int:
        return len(self.rows)


def club_readings(memberships: list[Membership], papers: list[Paper]) -> dict:
    """{(user id, paper id): Reading} for the members, on the papers and what they build on."""
    paper_ids = {p.pk for p in papers} | {q.pk for p in papers for q in p.builds_on.all()}
    readings = Reading.objects.filter(
        user_id__in=[m.user_id for m in memberships], paper_id__in=paper_ids
    )
    return {(r.user_id, r.paper_id): r for r in readings}


def readiness(
    meeting: Meeting, memberships: list[Membership], papers: list[Paper], readings: dict
) -> Readiness:
    """Every member with the pass reached on each assigned paper, and who is ready."""
    status_of = {key: reading.status for key, reading in readings.items()}
    minimum = STAGE_RANK[meeting.minimum_pass]
    rows = []
    for membership in memberships:
        statuses = [status_of.get((membership.user_id, p.pk), "") for p in papers]
        ready = bool(papers) and all(stage_rank(s) >= minimum for s in statuses)
        rows.append(MemberReadiness(membership, statuses, ready))
    rows.sort(key=lambda row: (not row.ready, str(row.user).casefold()))
    return Readiness(rows=rows, papers=papers, minimum=meeting.minimum_pass)


def shared_notes(papers: list[Paper], user_ids: list[int]) -> list[Note]:
    """Club-visible notes of members on these papers. Private notes never leave here."""
    return list(
        Note.objects.filter(
            paper__in=[p.pk for p in papers], user_id__in=user_ids, visibility=Visibility.CLUB
        )
        .select_related("user", "paper")
        .order_by("paper__title", "user__username")
    )


@dataclass
class ReadFirst:
    paper: Paper
    not_done: list  # users


def read_first(
    papers: list[Paper], memberships: list[Membership], readings: dict
) -> list[ReadFirst]:
    """Papers the assigned ones build on, with the members who have not finished them."""
    prerequisites = {p.pk: p for paper in papers for p in paper.builds_on.all()}
    done = {key for key, reading in readings.items() if reading.status == Status.DONE}
    return [
        ReadFirst(paper, [m.user for m in memberships if (m.user_id, paper.pk) not in done])
        for paper in sorted(prerequisites.values(), key=lambda p: p.title)
    ]


@dataclass
class PhaseBar:
    phase: Phase
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class Matrix:
    memberships: list[Membership]
    papers: list[Paper]
    rows: list[tuple[Membership, SafeString, int]]  # member, rendered cells, papers done
    paper_totals: list[int]
    phase_bars: list[PhaseBar] = field(default_factory=list)


def matrix_papers(
    club: Club, phases: list[Phase], phase: Phase | None
) -> tuple[list[Paper], dict[int, int]]:
    """The papers the matrix covers (a phase, the club's phases, or all assigned papers)
    and the phase number of each, in curriculum order."""
    phases = [phase] if phase else phases
    if phases:
        papers, phase_of = [], {}
        placed = (
            Paper.objects.filter(placements__phase__in=phases)
            .order_by("placements__phase__number", "placements__tier", "placements__order")
            .values_list("id", "title", "placements__phase__number")
        )
        seen = set()
        for pk, title, number in placed:
            if pk not in seen:
                seen.add(pk)
                papers.append(Paper(pk=pk, title=title))
                phase_of[pk] = number
        return papers, phase_of
    assigned = (
        Paper.objects.filter(meetings__club=club).distinct().only("id", "title").order_by("title")
    )
    return list(assigned), {}


def build_matrix(
    club: Club,
    memberships: list[Membership],
    club_phases: list[Phase],
    phase: Phase | None,
    known_phases: list[Phase],
) -> Matrix:
    """The matrix over the club's phases (or `phase` alone, or, for a club without phases,
    its assigned papers). `known_phases` name the progress bars."""
    papers, phase_of = matrix_papers(club, club_phases, phase)
    index = {p.pk: i for i, p in enumerate(papers)}
    row_of = {m.user_id: i for i, m in enumerate(memberships)}
    grid = [[""] * len(papers) for _ in memberships]
    readings = Reading.objects.filter(
        user_id__in=list(row_of), paper_id__in=list(index)
    ).values_list("user_id", "paper_id", "status")
    for user_id, paper_id, status in readings:
        grid[row_of[user_id]][index[paper_id]] = status
    paper_totals = [0] * len(papers)
    rows = []
    # Cells are built here rather than in a template loop: the page may hold 20,000 of them.
    for membership, statuses in zip(memberships, grid, strict=True):
        cells = []
        for column, status in enumerate(statuses):
            if status == Status.DONE:
                paper_totals[column] += 1
            label = Status(status).label if status else "Not started"
            cells.append(
                f'<td class="cell s-{status or "none"}" title="{label}">'
                f"{SHORT_LABELS.get(status, '')}</td>"
            )
        rows.append((membership, mark_safe("".join(cells)), statuses.count(Status.DONE)))  # noqa: S308
    bars = []
    if phase_of:
        by_phase: dict[int, list[int]] = defaultdict(list)
        for pk, number in phase_of.items():
            by_phase[number].append(paper_totals[index[pk]])
        by_number = {p.number: p for p in known_phases}
        for number in sorted(by_phase):
            done = sum(by_phase[number])
            total = len(by_phase[number]) * len(memberships)
            bars.append(PhaseBar(by_number[number], done, total))
    return Matrix(memberships, papers, rows, paper_totals, bars)


def finished_per_week(club: Club, weeks: int = 12) -> list[tuple[object, int]]:
    """(week start, papers finished by members) for the last `weeks` weeks, oldest first."""
    today = timezone.localdate()
    start = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    counts = Counter(
        {
            row["week"].date() if hasattr(row["week"], "date") else row["week"]: row["n"]
            for row in Reading.objects.filter(
                user__memberships__club=club, status=Status.DONE, done_at__date__gte=start
            )
            .annotate(week=TruncWeek("done_at"))
            .values("week")
            .annotate(n=Count("id"))
        }
    )
    return [
        (start + timedelta(weeks=i), counts.get(start + timedelta(weeks=i), 0))
        for i in range(weeks)
    ]


def chart_svg(series: list[tuple[object, int]], width: int = 600, height: int = 160) -> SafeString:
    """A bar chart as inline SVG markup (no script, no styles: CSP-safe)."""
    top = max((n for _, n in series), default=0) or 1
    bar_width = width / max(len(series), 1)
    parts = [
        format_html(
            '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}">',
            width,
            height + 20,
            "Papers finished per week",
        )
    ]
    for i, (week, n) in enumerate(series):
        bar = (height - 14) * n / top
        x = i * bar_width + 4
        middle = x + (bar_width - 8) / 2
        parts.append(
            format_html(
                '<g><title>Week of {}: {}</title><rect x="{}" y="{}" width="{}" height="{}" '
                'class="bar"></rect><text x="{}" y="{}" class="value">{}</text>'
                '<text x="{}" y="{}" class="label">{}</text></g>',
                f"{week:%b %d}",
                n,
                f"{x:.1f}",
                f"{height - bar:.1f}",
                f"{bar_width - 8:.1f}",
                f"{bar:.1f}",
                f"{middle:.1f}",
                f"{height - bar - 3:.1f}",
                n or "",
                f"{middle:.1f}",
                height + 14,
                f"{week:%b %d}",
            )
        )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))  # noqa: S308
