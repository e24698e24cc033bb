"""Writes to the canon that span models: importing reading lists."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max

from accounts.models import User

from .identity import normalize_arxiv_id, normalize_doi, normalize_title
from .importers.records import PaperRecord, ParseResult
from .models import Paper, Phase, Placement, Tier, Topic

# Fields an import may fill when they are empty; it never overwrites a curated value.
FILLABLE = ["venue", "url", "abstract", "tldr", "key_contribution", "why_it_matters"]


@dataclass
class ImportSummary:
    papers_created: int = 0
    papers_merged: int = 0
    topics_created: int = 0
    phases_created: int = 0
    placements_added: int = 0
    links_added: int = 0
    statuses_set: int = 0
    dry_run: bool = False
    remarks: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        prefix = "Dry run, nothing saved. Would have: " if self.dry_run else ""
        lines = [
            f"{prefix}papers created: {self.papers_created}",
            f"papers merged: {self.papers_merged}",
            f"topics created: {self.topics_created}",
            f"phases created: {self.phases_created}",
            f"phase placements added: {self.placements_added}",
            f"builds-on links added: {self.links_added}",
            f"statuses set: {self.statuses_set}",
        ]
        return lines + self.remarks


class Importer:
    """Merges parsed records into the canon, matching papers on their identity."""

    def __init__(self, *, added_by: User | None, reader: User | None) -> None:
        self.added_by = added_by
        self.reader = reader
        self.summary = ImportSummary()
        self.topics = {t.name.casefold(): t for t in Topic.objects.all()}
        self.phases = {p.number: p for p in Phase.objects.all()}

    def find(self, record: PaperRecord) -> Paper | None:
        if record.arxiv_id:
            paper = Paper.objects.filter(arxiv_id=normalize_arxiv_id(record.arxiv_id)).first()
            if paper:
                return paper
        if record.doi:
            paper = Paper.objects.filter(doi=normalize_doi(record.doi)).first()
            if paper:
                return paper
        # Same title (or a title it is also listed as): a preprint and its conference
        # version are often listed a year apart.
        key = normalize_title(record.title)
        candidates = list(Paper.objects.filter(title_key=key)[:20]) or list(
            Paper.objects.filter(alias_keys__contains=f"|{key}|")[:20]
        )
        if record.year is None:
            return candidates[0] if len(candidates) == 1 else None

        def distance(paper: Paper) -> int:
            return 1 if paper.year is None else abs(paper.year - record.year)

        best = min(candidates, key=distance, default=None)
        return best if best is not None and distance(best) <= 1 else None

    def topic(self, name: str) -> Topic:
        key = name.strip().casefold()
        if key not in self.topics:
            self.topics[key] = Topic.objects.create(name=name.strip())
            self.summary.topics_created += 1
        return self.topics[key]

    def phase(self, number: int, title: str) -> Phase:
        phase = self.phases.get(number)
        if phase is None:
            phase = self.phases[number] = Phase.objects.create(number=number, title=title)
            self.summary.phases_created += 1
        elif title and not phase.title:
            phase.title = title
            phase.save(update_fields=["title"])
        return phase

    def merge(self, paper: Paper, record: PaperRecord) -> None:
        changed = []
        for name in FILLABLE:
            value = getattr(record, name, "")
            if value and not getattr(paper, name):
                setattr(paper, name, value)
                changed.append(name)
        new_aliases = [a for a in record.aliases if a not in paper.aliases.splitlines()]
        if new_aliases:
            paper.aliases = "\n".join([*paper.aliases.splitlines(), *new_aliases]).strip()
            changed += ["aliases", "alias_keys"]
        if record.authors and not paper.authors:
            paper.authors = "\n".join(record.authors)
            changed.append("authors")
        if record.year and not paper.year:
            paper.year = record.year
            changed.append("year")
        tier = Tier.from_slug(record.tier)
        if tier and not paper.tier:
            paper.tier = tier
            changed.append("tier")
        arxiv_id = normalize_arxiv_id(record.arxiv_id) if record.arxiv_id else ""
        if arxiv_id and not paper.arxiv_id and not Paper.objects.filter(arxiv_id=arxiv_id).exists():
            paper.arxiv_id = arxiv_id
            changed.append("arxiv_id")
        doi = normalize_doi(record.doi) if record.doi else ""
        if doi and not paper.doi and not Paper.objects.filter(doi=doi).exists():
            paper.doi = doi
            changed.append("doi")
        if changed:
            paper.save(update_fields=changed)

    def create(self, record: PaperRecord) -> Paper:
        return Paper.objects.create(
            title=record.title.strip(),
            authors="\n".join(record.authors),
            year=record.year,
            venue=record.venue,
            kind=record.kind or "paper",
            url=record.url,
            arxiv_id=record.arxiv_id,
            doi=record.doi,
            abstract=record.abstract,
            tldr=record.tldr,
            key_contribution=record.key_contribution,
            why_it_matters=record.why_it_matters,
            tier=Tier.from_slug(record.tier),
            aliases="\n".join(record.aliases),
            added_by=self.added_by,
        )

    def place(self, paper: Paper, record: PaperRecord) -> None:
        existing = set(paper.placements.values_list("phase__number", flat=True))
        for placement in record.placements:
            if placement.phase_number in existing:
                continue
            phase = self.phase(placement.phase_number, placement.phase_title)
            last = phase.placements.aggregate(last=Max("order"))["last"] or 0
            Placement.objects.create(
                paper=paper,
                phase=phase,
                tier=Tier.from_slug(placement.tier) or Tier.RECOMMENDED,
                order=last + 1,
                note=placement.note[:300],
            )
            existing.add(placement.phase_number)
            self.summary.placements_added += 1

    def link(self, paper: Paper, refs: list[str], by_ref: dict[str, Paper]) -> None:
        current = set(paper.builds_on.values_list("pk", flat=True))
        for ref in refs:
            target = by_ref.get(ref) or self.resolve(ref)
            if target is None:
                self.summary.remarks.append(f"{paper.title}: builds on unknown paper {ref!r}")
            elif target.pk != paper.pk and target.pk not in current:
                paper.builds_on.add(target)
                current.add(target.pk)
                self.summary.links_added += 1

    def resolve(self, ref: str) -> Paper | None:
        if arxiv_id := normalize_arxiv_id(ref):
            return Paper.objects.filter(arxiv_id=arxiv_id).first()
        if doi := normalize_doi(ref):
            return Paper.objects.filter(doi=doi).first()
        return Paper.objects.filter(title_key=normalize_title(ref)).first()

    def run(self, result: ParseResult) -> ImportSummary:
        for phase in result.phases:
            self.phase(phase.number, phase.title)
        by_ref: dict[str, Paper] = {}
        records: list[tuple[Paper, PaperRecord]] = []
        for record in result.papers:
            paper = self.find(record)
            if paper is None:
                paper = self.create(record)
                self.summary.papers_created += 1
            else:
                self.merge(paper, record)
                self.summary.papers_merged += 1
            new_topics = [self.topic(name) for name in record.topics if name.strip()]
            if new_topics:
                paper.topics.add(*new_topics)
            self.place(paper, record)
            for ref in (record.arxiv_id, record.doi, record.title):
                if ref:
                    by_ref[ref] = paper
            records.append((paper, record))
        for paper, record in records:
            if record.builds_on:
                self.link(paper, record.builds_on, by_ref)
        self.record_reading(records)
        return self.summary

    def record_reading(self, records: list[tuple[Paper, PaperRecord]]) -> None:
        """With a reader: ✔️ becomes done, *TO READ* queued, a blurb their free thoughts."""
        if self.reader is None:
            return
        from notes.services import record_imported_reading

        for paper, record in records:
            if record.read_state or record.blurb:
                self.summary.statuses_set += record_imported_reading(
                    user=self.reader, paper=paper, status=record.read_state, thoughts=record.blurb
                )


def import_reading_list(
    result: ParseResult,
    *,
    added_by: User | None = None,
    reader: User | None = None,
    dry_run: bool = False,
) -> ImportSummary:
    """Merge a parsed list into the canon in one transaction; a dry run rolls it back."""
    with transaction.atomic():
        summary = Importer(added_by=added_by, reader=reader).run(result)
        summary.dry_run = dry_run
        if dry_run:
            transaction.set_rollback(True)
    return summary
