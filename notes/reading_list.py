"""My reading list: every paper I have a status for, grouped, filtered, with progress."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django import forms
from django.db.models import OuterRef, Subquery
from django.db.models.fields.json import KT

from papers.models import Curriculum, Paper, Phase, Placement, Tier, paper_url_maker

from .models import STAGE_RANK, STATUS_LABELS, Note, Reading, Status

GROUPINGS = [("topic", "By topic"), ("phase", "By phase")]


class ReadingListFilter(forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status"), ("active", "In progress"), *Status.choices],
        widget=forms.Select(attrs={"aria-label": "Show papers with status"}),
    )
    group = forms.ChoiceField(
        required=False,
        choices=GROUPINGS,
        widget=forms.Select(attrs={"aria-label": "Group papers"}),
    )

    def selected(self, name: str, default: str = "") -> str:
        if self.is_bound and self.is_valid():
            return self.cleaned_data.get(name) or default
        return default


@dataclass
class TierProgress:
    label: str
    tier: int = 0
    done: int = 0
    total: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class PhaseProgress:
    phase: Phase
    tiers: list[TierProgress] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(t.done for t in self.tiers)

    @property
    def total(self) -> int:
        return sum(t.total for t in self.tiers)


def my_readings(user) -> list[Reading]:
    """My readings, each with its paper's title and year and my note's rendered thoughts
    (`thoughts_html`), in one query."""
    thoughts = Note.objects.filter(user=user, paper=OuterRef("paper_id")).values(
        html_thoughts=KT("html__thoughts")
    )[:1]
    return list(
        Reading.objects.filter(user=user)
        .select_related("paper")
        .only("id", "paper_id", "status", "paper__id", "paper__title", "paper__year")
        .annotate(thoughts_html=Subquery(thoughts))
        .order_by("paper__title")
    )


def phase_progress(placements: list[tuple], done_ids: set[int]) -> list[PhaseProgress]:
    """Per phase and tier, how many of its papers I have finished. `placements` are
    (paper id, tier, phase) rows in phase order."""
    by_phase: dict[int, PhaseProgress] = {}
    for paper_id, tier, phase in placements:
        item = by_phase.setdefault(phase.pk, PhaseProgress(phase=phase))
        counts = next((t for t in item.tiers if t.tier == tier), None)
        if counts is None:
            counts = TierProgress(label=Tier(tier).label, tier=tier)
            item.tiers.append(counts)
        counts.total += 1
        counts.done += paper_id in done_ids
    for item in by_phase.values():
        item.tiers.sort(key=lambda t: t.tier)
    return list(by_phase.values())


def canon_placements() -> list[tuple]:
    """Every placement as (paper id, tier, phase), one Phase object per phase, in one query;
    with several curricula, each phase's name says which it belongs to."""
    phases: dict[int, Phase] = {}
    rows = []
    for paper_id, tier, pk, number, title, curriculum in Placement.objects.order_by(
        "phase__curriculum__name", "phase__number", "tier"
    ).values_list(
        "paper_id", "tier", "phase_id", "phase__number", "phase__title", "phase__curriculum__name"
    ):
        phase = phases.get(pk)
        if phase is None:
            phase = Phase(pk=pk, number=number, title=title, curriculum=Curriculum(name=curriculum))
            phases[pk] = phase
        rows.append((paper_id, tier, phase))
    several = len({phase.curriculum.name for phase in phases.values()}) > 1
    for phase in phases.values():
        phase.label = phase.full_name if several else str(phase)
    return rows


def reading_list(user, filters: ReadingListFilter, with_progress: bool = True) -> dict:
    """Everything the My reading page shows, in three queries whatever the list's length
    (two for the list alone, grouped by topic, without the progress bars)."""
    readings = my_readings(user)
    url = paper_url_maker()
    for reading in readings:  # a long list: one reverse() and no choices lookup per row
        reading.url, reading.label = url(reading.paper_id), STATUS_LABELS[reading.status]
    done_ids = {r.paper_id for r in readings if r.status == Status.DONE}
    status = filters.selected("status")
    if status == "active":
        readings = [r for r in readings if 1 <= STAGE_RANK.get(r.status, -1) <= 3]
    elif status:
        readings = [r for r in readings if r.status == status]

    grouping = filters.selected("group", "topic")
    placements = canon_placements() if with_progress or grouping == "phase" else []
    groups: dict[str, list[Reading]] = defaultdict(list)
    if grouping == "phase":
        phases_of = defaultdict(list)
        for paper_id, _, phase in placements:
            phases_of[paper_id].append(phase)
        for reading in readings:
            for phase in phases_of.get(reading.paper_id) or [None]:
                groups[phase.label if phase else "Not in a phase"].append(reading)
        place = {
            phase.label: (0, phase.curriculum.name, phase.number) for _, _, phase in placements
        }
        ordered = sorted(groups.items(), key=lambda item: place.get(item[0], (1, "", 0)))
    else:
        first_topic: dict[int, str] = {}
        for paper_id, name in Paper.topics.through.objects.filter(
            paper__readings__user=user
        ).values_list("paper_id", "topic__name"):
            first_topic[paper_id] = min(name, first_topic.get(paper_id, name))
        for reading in readings:
            groups[first_topic.get(reading.paper_id, "Other")].append(reading)
        ordered = sorted(groups.items(), key=lambda item: (item[0] == "Other", item[0].casefold()))
    return {
        "filters": filters,
        "groups": ordered,
        "grouping": grouping,
        "count": len(readings),
        "progress": phase_progress(placements, done_ids) if with_progress else [],
        "done_count": len(done_ids),
    }


def panel_context(user, paper, *, edit: str = "", form=None, conflict=None) -> dict:
    """What the paper page shows of my own reading: status, the notebook, what to read first.

    `paper` comes from `Paper.objects.with_reading_of(user)` with `builds_on` prefetched
    through `with_status_for(user)`, so this runs no query. `edit` opens that section's
    editor (the page without script), with `form` and `conflict` after a refused save.
    """
    from .notebook import notebook, sharing_form

    reading = getattr(paper, "my_reading", None)
    note = getattr(paper, "my_note", None) or Note(user=user, paper=paper)
    return {
        "reading": reading,
        "note": note,
        "sections": notebook(note, reading, edit=edit, form=form, conflict=conflict),
        "sharing": sharing_form(note),
        "read_first": [p for p in paper.builds_on.all() if p.my_status != Status.DONE],
    }
