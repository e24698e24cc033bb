"""What a club has read: readiness for a meeting, the members × papers matrix, a weekly chart.

Each function runs a fixed number of queries, whatever the number of members or papers.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Exists, FilteredRelation, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from notes.models import STAGE_RANK, Note, Reading, Status, Visibility, stage_rank
from papers.models import Curriculum, Paper, Phase, Placement, paper_url_maker

from .models import Answer, Away, Club, Meeting, Membership, Rsvp

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

    def answered(self, answer: str) -> int:
        return sum(getattr(row.membership, "rsvp", "") == answer for row in self.rows)

    @property
    def going(self) -> int:
        return self.answered(Answer.GOING)

    @property
    def maybe(self) -> int:
        return self.answered(Answer.MAYBE)

    @property
    def not_going(self) -> int:
        return self.answered(Answer.NO)


def club_readings(memberships: list[Membership], papers: list[Paper]) -> dict:
    """{(user id, paper id): Reading} for the members, on the papers and what they build on."""
    paper_ids = {p.pk for p in papers} | {q.pk for p in papers for q in p.builds_on.all()}
    readings = Reading.objects.filter(
        user_id__in=[m.user_id for m in memberships], paper_id__in=paper_ids
    )
    return {(r.user_id, r.paper_id): r for r in readings}


def readiness(
    meeting: Meeting, memberships: list[Membership], papers: list[Paper], status_of: dict
) -> Readiness:
    """Every member with the pass reached on each assigned paper, and who is ready.
    `status_of` maps (user id, paper id) to a status."""
    minimum = STAGE_RANK[meeting.minimum_pass]
    rows = []
    for membership in memberships:
        statuses = [status_of.get((membership.user_id, p.pk), "") for p in papers]
        ready = bool(papers) and all(stage_rank(s) >= minimum for s in statuses)
        rows.append(MemberReadiness(membership, statuses, ready))
    rows.sort(key=lambda row: (not row.ready, str(row.user).casefold()))
    return Readiness(rows=rows, papers=papers, minimum=meeting.minimum_pass)


def status_annotations(papers: list[Paper]) -> dict:
    """Annotations for a membership query: `status_<paper id>`, the member's status of each
    paper, so readiness needs no query of its own."""
    return {
        f"status_{paper.pk}": Subquery(
            Reading.objects.filter(user=OuterRef("user_id"), paper=paper.pk).values("status")[:1]
        )
        for paper in papers
    }


def attendance(meeting_id: int, day) -> dict:
    """Annotations for a membership query: `rsvp`, the member's answer for the meeting
    ("" if none), and `is_away`, whether they marked its day away."""
    answer = Rsvp.objects.filter(meeting_id=meeting_id, user=OuterRef("user_id")).values("answer")
    away = Away.objects.filter(user=OuterRef("user_id"), starts_on__lte=day, ends_on__gte=day)
    return {"rsvp": Coalesce(Subquery(answer[:1]), Value("")), "is_away": Exists(away)}


def annotated_statuses(memberships: list[Membership], papers: list[Paper]) -> dict:
    """{(user id, paper id): status} from memberships fetched with `status_annotations`."""
    return {
        (m.user_id, p.pk): getattr(m, f"status_{p.pk}")
        for m in memberships
        for p in papers
        if getattr(m, f"status_{p.pk}")
    }


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
    label: str = ""

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class ClubPhaseBar:
    club: Club
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class CurriculumProgress:
    """How far a member, and each of their clubs that follows the curriculum, has read
    in each of its phases (papers finished)."""

    mine: dict[int, int]  # phase id -> papers I have finished
    clubs: list[Club]  # with `member_count`
    done: dict[tuple[int, int], int]  # (club id, phase id) -> finished readings of members

    def clubs_of(self, phase: Phase) -> list[ClubPhaseBar]:
        """A bar per club; `phase.size` must be set (PhaseQuerySet.with_sizes)."""
        return [
            ClubPhaseBar(
                club, self.done.get((club.pk, phase.pk), 0), phase.size * club.member_count
            )
            for club in self.clubs
        ]


def curriculum_progress(curriculum: Curriculum, user) -> CurriculumProgress:
    """In three queries, whatever the number of phases, papers, clubs or members."""
    finished = Reading.objects.filter(
        status=Status.DONE, paper__placements__phase__curriculum=curriculum
    )
    mine = {
        row["paper__placements__phase_id"]: row["n"]
        for row in finished.filter(user=user)
        .values("paper__placements__phase_id")
        .annotate(n=Count("pk"))
    }
    my_clubs = Membership.objects.filter(user=user).values("club_id")
    clubs = list(
        Club.objects.filter(pk__in=my_clubs, curricula=curriculum)
        .annotate(member_count=Count("memberships"))
        .order_by("name")
    )
    done = {}
    if clubs:
        rows = (
            finished.filter(user__memberships__club__in=[club.pk for club in clubs])
            .values("user__memberships__club_id", "paper__placements__phase_id")
            .annotate(n=Count("pk"))
        )
        done = {
            (row["user__memberships__club_id"], row["paper__placements__phase_id"]): row["n"]
            for row in rows
        }
    return CurriculumProgress(mine=mine, clubs=clubs, done=done)


@dataclass
class Matrix:
    memberships: list[Membership]
    papers: list[Paper]
    rows: list[tuple[Membership, SafeString, int]]  # member, rendered cells, papers done
    head: SafeString  # a header cell per paper
    paper_totals: list[int]
    phase_bars: list[PhaseBar] = field(default_factory=list)


def matrix_cells(club: Club, member_ids: list[int], follows: bool, phase_id: int | None):
    """The matrix's papers, each joined to the members' readings of it, in one query.

    Rows are (paper id, title, phase id, phase number, phase title, curriculum name, user
    id, status), in curriculum order, with user and status empty for a paper no member has
    started; a paper placed in two phases comes in rows of each. The papers are those of
    the club's curricula (or of phase `phase_id` among them); for a club that follows no
    curriculum, those assigned to its meetings (or every paper of phase `phase_id`).
    """
    if follows or phase_id is not None:
        placements = Placement.objects.all()
        if follows:
            mine = Club.curricula.through.objects.filter(
                club_id=club.pk, curriculum_id=OuterRef("phase__curriculum_id")
            )
            placements = placements.filter(Exists(mine))
        if phase_id is not None:
            placements = placements.filter(phase_id=phase_id)
        return (
            placements.annotate(
                reading=FilteredRelation(
                    "paper__readings", condition=Q(paper__readings__user_id__in=member_ids)
                )
            )
            .order_by("phase__curriculum__name", "phase__number", "tier", "order", "paper__title")
            .values_list(
                "paper_id",
                "paper__title",
                "phase_id",
                "phase__number",
                "phase__title",
                "phase__curriculum__name",
                "reading__user_id",
                "reading__status",
            )
        )
    assigned = Meeting.papers.through.objects.filter(meeting__club=club, paper_id=OuterRef("pk"))
    return (
        Paper.objects.filter(Exists(assigned))
        .annotate(
            reading=FilteredRelation("readings", condition=Q(readings__user_id__in=member_ids))
        )
        .order_by("title")
        .values_list(
            "id",
            "title",
            Value(0),
            Value(0),
            Value(""),
            Value(""),
            "reading__user_id",
            "reading__status",
        )
    )


def build_matrix(
    club: Club, memberships: list[Membership], follows: bool, phase_id: int | None
) -> Matrix:
    """Members × papers over the club's curricula (or phase `phase_id`), or, for a club
    that follows none, its assigned papers; with totals per paper and a bar per phase that
    counts every paper placed in it."""
    row_of = {m.user_id: i for i, m in enumerate(memberships)}
    papers: list[Paper] = []
    index: dict[int, int] = {}
    phases: dict[int, Phase] = {}  # by id, in curriculum order
    papers_of: dict[int, dict[int, None]] = defaultdict(dict)  # phase id -> its paper ids
    grid: list[list[str]] = [[] for _ in memberships]
    for row in matrix_cells(club, list(row_of), follows, phase_id):
        paper_id, title, phase_pk, number, phase_title, curriculum, user_id, status = row
        if paper_id not in index:
            index[paper_id] = len(papers)
            papers.append(Paper(pk=paper_id, title=title))
            for cells in grid:
                cells.append("")
        if phase_pk:
            if phase_pk not in phases:
                phases[phase_pk] = Phase(
                    pk=phase_pk,
                    number=number,
                    title=phase_title,
                    curriculum=Curriculum(name=curriculum),
                )
            papers_of[phase_pk][paper_id] = None
        if user_id is not None:
            grid[row_of[user_id]][index[paper_id]] = status
    paper_totals = [0] * len(papers)
    rows = []
    cell = {
        status: format_html(
            '<td class="cell s-{}" title="{}">{}</td>',
            status or "none",
            Status(status).label if status else "Not started",
            SHORT_LABELS.get(status, ""),
        )
        for status in ["", *Status.values]
    }
    # Cells are joined here rather than in a template loop: the page may hold 20,000 of them.
    for membership, statuses in zip(memberships, grid, strict=True):
        for column, status in enumerate(statuses):
            if status == Status.DONE:
                paper_totals[column] += 1
        cells = "".join(cell[status] for status in statuses)
        rows.append((membership, mark_safe(cells), statuses.count(Status.DONE)))  # noqa: S308
    several = len({phase.curriculum.name for phase in phases.values()}) > 1
    bars = []
    for phase_pk, phase in phases.items():
        done = sum(paper_totals[index[paper_id]] for paper_id in papers_of[phase_pk])
        total = len(papers_of[phase_pk]) * len(memberships)
        bars.append(PhaseBar(phase, done, total, phase.full_name if several else str(phase)))
    url = paper_url_maker()
    head = format_html_join(
        "",
        '<th class="paper-col"><a href="{}" title="{}">{}</a></th>',
        ((url(p.pk), p.title, shorten(p.title, 24)) for p in papers),
    )
    return Matrix(memberships, papers, rows, head, paper_totals, bars)


def shorten(text: str, length: int) -> str:
    """`text` cut to `length` characters with an ellipsis: the `truncatechars` filter's
    result for a header, without its per-call translation lookup (75 per matrix)."""
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


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
