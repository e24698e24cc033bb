"""My reading list: every paper I have a status for, grouped, filtered, with progress."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django import forms
from django.db.models import Prefetch

from papers.models import Phase, Placement, Tier

from .models import STAGE_RANK, Note, Reading, Status

GROUPINGS = [("topic", "By topic"), ("phase", "By phase")]


class ReadingListFilter(forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status"), ("active", "In progress"), *Status.choices],
    )
    group = forms.ChoiceField(required=False, choices=GROUPINGS)

    def selected(self, name: str, default: str = "") -> str:
        if self.is_bound and self.is_valid():
            return self.cleaned_data.get(name) or default
        return default


@dataclass
class TierProgress:
    label: str
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


def my_readings(user):
    """My readings with each paper's topics and phases, in a fixed number of queries."""
    placements = Placement.objects.select_related("phase")
    return (
        Reading.objects.filter(user=user)
        .select_related("paper")
        .prefetch_related("paper__topics", Prefetch("paper__placements", queryset=placements))
        .order_by("paper__title")
    )


def phase_progress(done_ids: set[int]) -> list[PhaseProgress]:
    progress = []
    for phase in Phase.objects.prefetch_related("placements"):
        tiers = {tier: TierProgress(label=tier.label) for tier in Tier}
        for placement in phase.placements.all():
            tiers[Tier(placement.tier)].total += 1
            tiers[Tier(placement.tier)].done += placement.paper_id in done_ids
        counted = [t for t in tiers.values() if t.total]
        if counted:
            progress.append(PhaseProgress(phase=phase, tiers=counted))
    return progress


def reading_list(user, filters: ReadingListFilter) -> dict:
    readings = list(my_readings(user))
    done_ids = {r.paper_id for r in readings if r.status == Status.DONE}
    status = filters.selected("status")
    if status == "active":
        readings = [r for r in readings if 1 <= STAGE_RANK.get(r.status, -1) <= 3]
    elif status:
        readings = [r for r in readings if r.status == status]
    notes = {n.paper_id: n for n in Note.objects.filter(user=user).only("paper_id", "html")}
    for reading in readings:
        reading.note = notes.get(reading.paper_id)

    grouping = filters.selected("group", "topic")
    groups: dict[str, list[Reading]] = defaultdict(list)
    for reading in readings:
        if grouping == "phase":
            keys = [str(p.phase) for p in reading.paper.placements.all()] or ["Not in a phase"]
        else:
            keys = [min((t.name for t in reading.paper.topics.all()), default="Other")]
        for key in keys:
            groups[key].append(reading)
    if grouping == "phase":
        number = {str(p.phase): p.phase.number for r in readings for p in r.paper.placements.all()}
        ordered = sorted(groups.items(), key=lambda item: number.get(item[0], 10**6))
    else:
        ordered = sorted(groups.items(), key=lambda item: (item[0] == "Other", item[0].casefold()))
    return {
        "filters": filters,
        "groups": ordered,
        "grouping": grouping,
        "count": len(readings),
        "progress": phase_progress(done_ids),
        "done_count": len(done_ids),
    }


def panel_context(user, paper) -> dict:
    """What the paper page shows of my own reading: status, notes, what to read first.

    `paper` comes from `Paper.objects.with_reading_of(user)` with `builds_on` prefetched
    through `with_status_for(user)`, so this runs no query.
    """
    from .forms import NoteForm

    reading = getattr(paper, "my_reading", None)
    note = getattr(paper, "my_note", None) or Note(user=user, paper=paper)
    return {
        "reading": reading,
        "note": note,
        "form": NoteForm(instance=note),
        "read_first": [p for p in paper.builds_on.all() if p.my_status != Status.DONE],
    }
