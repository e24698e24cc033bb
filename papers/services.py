"""Writes to the canon that span models: importing reading lists."""

from __future__ import annotations

import operator
from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce

from django.db import transaction
from django.db.models import Max, Q

from accounts.models import User

from .identity import normalize_arxiv_id, normalize_doi
from .importers.records import ImportFormatError, PaperRecord, ParseResult
from .models import (
    Curriculum,
    Paper,
    PaperAlias,
    Phase,
    Placement,
    Tier,
    Topic,
    TopicAlias,
    alias_keys,
    match_key,
    topic_key,
)

# Fields an import may fill when they are empty; it never overwrites a curated value.
FILLABLE = ["venue", "url", "abstract", "tldr", "key_contribution", "why_it_matters"]


@dataclass
class ImportSummary:
    papers_created: int = 0
    papers_merged: int = 0
    topics_created: int = 0
    curricula_created: int = 0
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
            f"curricula created: {self.curricula_created}",
            f"phases created: {self.phases_created}",
            f"phase placements added: {self.placements_added}",
            f"builds-on links added: {self.links_added}",
            f"statuses set: {self.statuses_set}",
        ]
        return lines + self.remarks


class Importer:
    """Merges parsed records into the canon, matching papers on their identity.

    Records go in batches. For each batch, the papers they could match are read at once by
    their indexed identity columns (arXiv id, DOI, title key, alias key), into dictionaries
    that also hold every paper this import created; then each record is matched in memory,
    and the batch's new papers, topics and placements are written in bulk. The number of
    queries per record stays the same however large the canon or the list.

    Phases belong to curricula: a placement goes to the phase of that number in the
    curriculum it names, else in the one the import was told (`curriculum`), else in the
    one the file names (a curriculum's front matter title). No other curriculum's phases
    are read or written.
    """

    BATCH = 500

    def __init__(
        self,
        *,
        added_by: User | None,
        reader: User | None,
        curriculum: str = "",
        source: str = "",
    ) -> None:
        self.added_by = added_by
        self.reader = reader
        self.curriculum = " ".join(curriculum.split())
        self.source = source
        self.summary = ImportSummary()
        # Topics by name and by the names of topics merged into them.
        self.topics = {topic_key(t.name): t for t in Topic.objects.all()}
        for alias in TopicAlias.objects.select_related("topic"):
            self.topics.setdefault(alias.key, alias.topic)
        self.curricula = {c.name.casefold(): c for c in Curriculum.objects.all()}
        self.described: dict[str, tuple[str, str]] = {}  # name -> (description, source)
        self.phases = {(p.curriculum_id, p.number): p for p in Phase.objects.all()}
        self.default_curriculum = self.curriculum
        self.known: dict[int, Paper] = {}  # every paper read or written, by primary key
        self.by_arxiv: dict[str, Paper] = {}
        self.by_doi: dict[str, Paper] = {}
        self.by_title: dict[str, list[Paper]] = defaultdict(list)
        self.by_alias: dict[str, list[Paper]] = defaultdict(list)
        # Identity values already read from the database: their dictionary entries are
        # complete from then on, since every paper created later is added to them.
        self.looked_up: dict[str, set[str]] = {"arxiv": set(), "doi": set(), "title": set()}
        self.last_order: dict[int, int] = {}  # phase id -> its highest placement order

    # -- reading the candidates of a batch ------------------------------------------------

    def register(self, paper: Paper) -> Paper:
        """Put a paper in the dictionaries (once); returns the one object kept for it."""
        if paper.pk is not None:
            if paper.pk in self.known:
                return self.known[paper.pk]
            self.known[paper.pk] = paper
        if paper.arxiv_id:
            self.by_arxiv.setdefault(paper.arxiv_id, paper)
        if paper.doi:
            self.by_doi.setdefault(paper.doi, paper)
        self.by_title[paper.title_key].append(paper)
        for key in paper.alias_keys:
            self.by_alias[key].append(paper)
        return paper

    def load(self, records: list[PaperRecord]) -> None:
        """Read, in a few queries, every paper the records could match."""
        wanted = {
            "arxiv": {r.arxiv_id for r in records if r.arxiv_id},
            "doi": {r.doi for r in records if r.doi},
            "title": {match_key(r.title) for r in records},
        }
        for kind in wanted:
            wanted[kind] -= self.looked_up[kind]
            self.looked_up[kind] |= wanted[kind]
        conditions = []
        if wanted["arxiv"]:
            conditions.append(Q(arxiv_id__in=wanted["arxiv"]))
        if wanted["doi"]:
            conditions.append(Q(doi__in=wanted["doi"]))
        if wanted["title"]:
            aliased = PaperAlias.objects.filter(key__in=wanted["title"]).values("paper_id")
            conditions += [Q(title_key__in=wanted["title"]), Q(pk__in=aliased)]
        if conditions:
            for paper in Paper.objects.filter(reduce(operator.or_, conditions)).order_by("pk"):
                self.register(paper)

    def find(self, record: PaperRecord) -> Paper | None:
        if record.arxiv_id and (paper := self.by_arxiv.get(record.arxiv_id)):
            return paper
        if record.doi and (paper := self.by_doi.get(record.doi)):
            return paper
        # Same title (or a title it is also listed as): a preprint and its conference
        # version are often listed a year apart.
        key = match_key(record.title)
        candidates = self.by_title.get(key) or self.by_alias.get(key) or []
        if record.year is None:
            return candidates[0] if len(candidates) == 1 else None

        def distance(paper: Paper) -> int:
            return 1 if paper.year is None else abs(paper.year - record.year)

        best = min(candidates, key=distance, default=None)
        return best if best is not None and distance(best) <= 1 else None

    # -- topics and phases, created as they are first named ---------------------------------

    def topic(self, name: str) -> Topic:
        key = topic_key(name)
        if key not in self.topics:
            self.topics[key] = Topic.objects.create(name=" ".join(name.split()))
            self.summary.topics_created += 1
        return self.topics[key]

    def alias_topics(self, aliases: dict[str, str]) -> None:
        """The list's merged topics: each old name becomes an alias of its new topic, and a
        topic of that old name already here is merged into the new one."""
        for old, new in aliases.items():
            into, key = self.topic(new), topic_key(old)
            if key == topic_key(new):  # only the spelling changed
                if into.name != " ".join(new.split()):
                    into.name = " ".join(new.split())
                    into.save(update_fields=["name"])
                continue
            existing = self.topics.get(key)
            if existing is None:
                TopicAlias.objects.create(topic=into, name=" ".join(old.split()))
            elif existing.pk != into.pk and topic_key(existing.name) == key:
                merged = existing.pk
                merge_topics(existing, into)
                self.summary.remarks.append(f"topic {existing.name!r} merged into {into.name!r}")
                for name, topic in list(self.topics.items()):
                    if topic.pk == merged or topic.pk is None:
                        self.topics[name] = into
            else:
                continue  # already an alias of some topic: the curator's choice stands
            self.topics[key] = into

    def curriculum_named(self, name: str) -> Curriculum:
        """The curriculum of that name (any case), created the first time it is named; an
        import fills its description and source only while they are empty."""
        name = name or self.default_curriculum
        description, source = self.described.get(name.casefold(), ("", self.source))
        curriculum = self.curricula.get(name.casefold())
        if curriculum is None:
            curriculum = Curriculum.objects.create(
                name=name, description=description, source=source[:300]
            )
            self.curricula[name.casefold()] = curriculum
            self.summary.curricula_created += 1
        elif (description and not curriculum.description) or (source and not curriculum.source):
            curriculum.description = curriculum.description or description
            curriculum.source = curriculum.source or source[:300]
            curriculum.save(update_fields=["description", "source"])
        return curriculum

    def phase(self, curriculum: str, number: int, title: str, description: str = "") -> Phase:
        owner = self.curriculum_named(curriculum)
        phase = self.phases.get((owner.pk, number))
        if phase is None:
            phase = Phase.objects.create(
                curriculum=owner, number=number, title=title, description=description
            )
            self.phases[(owner.pk, number)] = phase
            self.summary.phases_created += 1
        elif (title and not phase.title) or (description and not phase.description):
            phase.title = phase.title or title
            phase.description = phase.description or description
            phase.save(update_fields=["title", "description"])
        return phase

    # -- one record, in memory --------------------------------------------------------------

    def merge(self, paper: Paper, record: PaperRecord) -> set[str]:
        """Fill the paper's empty fields from the record; returns the fields changed."""
        changed = set()
        for name in FILLABLE:
            value = getattr(record, name, "")
            if value and not getattr(paper, name):
                setattr(paper, name, value)
                changed.add(name)
        listed = paper.aliases.splitlines()
        new_aliases = [a for a in dict.fromkeys(record.aliases) if a not in listed]
        if new_aliases:
            paper.aliases = "\n".join([*listed, *new_aliases]).strip()
            changed.add("aliases")
            for key in alias_keys("\n".join(new_aliases)):
                if paper not in self.by_alias[key]:
                    self.by_alias[key].append(paper)
        if record.authors and not paper.authors:
            paper.authors = "\n".join(record.authors)
            changed.add("authors")
        if record.year and not paper.year:
            paper.year = record.year
            changed.add("year")
        tier = Tier.from_slug(record.tier)
        if tier and not paper.tier:
            paper.tier = tier
            changed.add("tier")
        arxiv_id = normalize_arxiv_id(record.arxiv_id) if record.arxiv_id else ""
        if arxiv_id and not paper.arxiv_id and arxiv_id not in self.by_arxiv:
            paper.arxiv_id = arxiv_id
            self.by_arxiv[arxiv_id] = paper
            changed.add("arxiv_id")
        doi = normalize_doi(record.doi) if record.doi else ""
        if doi and not paper.doi and doi not in self.by_doi:
            paper.doi = doi
            self.by_doi[doi] = paper
            changed.add("doi")
        return changed

    def create(self, record: PaperRecord) -> Paper:
        """A new paper for the record, saved with the rest of its batch."""
        paper = Paper(
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
            aliases="\n".join(dict.fromkeys(record.aliases)),
            added_by=self.added_by,
        )
        paper.normalize()
        return self.register(paper)

    # -- writing a batch --------------------------------------------------------------------

    def save(self, batch: list[tuple[Paper, PaperRecord]], changed: dict[int, set]) -> None:
        new = list({id(p): p for p, _ in batch if p.pk is None}.values())
        Paper.objects.bulk_create(new, batch_size=self.BATCH)
        aliases = [PaperAlias(paper=p, key=key) for p in new for key in p.alias_keys]
        PaperAlias.objects.bulk_create(aliases, batch_size=self.BATCH, ignore_conflicts=True)
        for paper in new:
            paper._stored_aliases = paper.aliases
            self.known[paper.pk] = paper
        for paper in batch_papers(batch):
            if fields := changed.pop(id(paper), None):
                paper.save(update_fields=fields)
        topics = Paper.topics.through
        links = {
            (paper.pk, self.topic(name).pk)
            for paper, record in batch
            for name in record.topics
            if name.strip()
        }
        topics.objects.bulk_create(
            [topics(paper_id=paper_id, topic_id=topic_id) for paper_id, topic_id in links],
            batch_size=self.BATCH,
            ignore_conflicts=True,
        )
        self.place(batch)

    def place(self, batch: list[tuple[Paper, PaperRecord]]) -> None:
        placed = [(paper, record) for paper, record in batch if record.placements]
        if not placed:
            return
        existing = set(
            Placement.objects.filter(paper__in=[paper for paper, _ in placed]).values_list(
                "paper_id", "phase_id"
            )
        )
        rows = []
        for paper, record in placed:
            for placement in record.placements:
                phase = self.phase(
                    placement.curriculum, placement.phase_number, placement.phase_title
                )
                if (paper.pk, phase.pk) in existing:
                    continue
                if phase.pk not in self.last_order:
                    last = phase.placements.aggregate(last=Max("order"))["last"]
                    self.last_order[phase.pk] = last or 0
                self.last_order[phase.pk] += 1
                rows.append(
                    Placement(
                        paper=paper,
                        phase=phase,
                        tier=Tier.from_slug(placement.tier) or Tier.RECOMMENDED,
                        order=self.last_order[phase.pk],
                        note=placement.note[:300],
                    )
                )
                existing.add((paper.pk, phase.pk))
        Placement.objects.bulk_create(rows, batch_size=self.BATCH)
        self.summary.placements_added += len(rows)

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
        return Paper.objects.filter(title_key=match_key(ref)).first()

    def name_curricula(self, result: ParseResult) -> None:
        """Settle which curriculum each unnamed phase belongs to, or refuse the list."""
        self.default_curriculum = self.curriculum or result.curriculum
        self.described = {c.name.casefold(): (c.description, c.source) for c in result.curricula}
        if self.default_curriculum:
            return
        unnamed = next((r for r in result.papers for p in r.placements if not p.curriculum), None)
        if unnamed is not None or any(not phase.curriculum for phase in result.phases):
            raise ImportFormatError(
                "this list places papers in curriculum phases but does not say which "
                "curriculum they belong to: give it a front matter title, or name the "
                "curriculum when importing (--curriculum NAME, or the Curriculum field)",
                line=unnamed.line if unnamed else None,
            )

    def run(self, result: ParseResult) -> ImportSummary:
        self.name_curricula(result)
        self.alias_topics(result.topic_aliases)
        for curriculum in result.curricula:
            self.curriculum_named(curriculum.name)
        for phase in result.phases:
            self.phase(phase.curriculum, phase.number, phase.title, phase.description)
        by_ref: dict[str, Paper] = {}
        records: list[tuple[Paper, PaperRecord]] = []
        for start in range(0, len(result.papers), self.BATCH):
            chunk = result.papers[start : start + self.BATCH]
            self.load(chunk)
            batch: list[tuple[Paper, PaperRecord]] = []
            changed: dict[int, set] = defaultdict(set)  # id of a stored paper -> fields
            for record in chunk:
                paper = self.find(record)
                if paper is None:
                    paper = self.create(record)
                    self.summary.papers_created += 1
                else:
                    fields = self.merge(paper, record)
                    if fields and paper.pk is not None:
                        changed[id(paper)] |= fields
                    self.summary.papers_merged += 1
                batch.append((paper, record))
            self.save(batch, changed)
            for paper, record in batch:
                for ref in (record.arxiv_id, record.doi, record.title):
                    if ref:
                        by_ref[ref] = paper
            records += batch
        for paper, record in records:
            if record.builds_on:
                self.link(paper, record.builds_on, by_ref)
        self.record_reading(records)
        return self.summary

    def record_reading(self, records: list[tuple[Paper, PaperRecord]]) -> None:
        """With a reader: ✔️ becomes done, *TO READ* queued, a blurb their free thoughts and
        labelled notes the note fields they name (only the empty ones)."""
        if self.reader is None:
            return
        from notes.services import record_imported_reading

        for paper, record in records:
            if record.read_state or record.blurb or record.notes:
                try:
                    self.summary.statuses_set += record_imported_reading(
                        user=self.reader,
                        paper=paper,
                        status=record.read_state,
                        thoughts=record.blurb,
                        notes=record.notes,
                    )
                except ValueError as error:  # Markdown the renderer refuses
                    raise ImportFormatError(
                        f"{record.title[:60]!r}: its text cannot be kept as a note ({error})",
                        line=record.line,
                    ) from error


def merge_topics(source: Topic, into: Topic) -> None:
    """Move every paper of `source` to `into`, keep `source`'s name (and its own aliases)
    as aliases of `into`, and delete `source`."""
    if source.pk == into.pk:
        raise ValueError("A topic cannot be merged into itself.")
    links = Paper.topics.through
    with transaction.atomic():
        papers = links.objects.filter(topic=source).values_list("paper_id", flat=True)
        links.objects.bulk_create(
            [links(paper_id=paper_id, topic_id=into.pk) for paper_id in papers],
            ignore_conflicts=True,
        )
        TopicAlias.objects.filter(topic=source).update(topic=into)
        name = source.name
        source.delete()
        TopicAlias.objects.update_or_create(
            key=topic_key(name), defaults={"topic": into, "name": name}
        )


def batch_papers(batch: list[tuple[Paper, PaperRecord]]) -> list[Paper]:
    """The distinct papers of a batch, in order."""
    return list({id(paper): paper for paper, _ in batch}.values())


def import_reading_list(
    result: ParseResult,
    *,
    added_by: User | None = None,
    reader: User | None = None,
    dry_run: bool = False,
    curriculum: str = "",
    source: str = "",
) -> ImportSummary:
    """Merge a parsed list into the canon in one transaction; a dry run rolls it back.

    `curriculum` names the curriculum the list's phases belong to (over the file's own
    title); `source` says where a curriculum created by this import came from.
    """
    with transaction.atomic():
        importer = Importer(added_by=added_by, reader=reader, curriculum=curriculum, source=source)
        summary = importer.run(result)
        summary.dry_run = dry_run
        if dry_run:
            transaction.set_rollback(True)
    return summary
