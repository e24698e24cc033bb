"""The canon: papers, topics, ordered curriculum phases, placements and lineage."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.db import connection, models
from django.db.models import (
    Count,
    Exists,
    FilteredRelation,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.text import slugify

from core.links import web_url

from .identity import normalize_arxiv_id, normalize_doi, normalize_title

# Titles and aliases are matched on their normalized form, stored in a column this long.
KEY_LENGTH = 500


def match_key(title: str) -> str:
    """The key a title is matched on: normalized, cut to the column's length."""
    return normalize_title(title)[:KEY_LENGTH]


def alias_keys(aliases: str) -> list[str]:
    """The distinct match keys of aliases written one per line."""
    keys = (match_key(line) for line in aliases.splitlines() if line.strip())
    return list(dict.fromkeys(key for key in keys if key))


class Kind(models.TextChoices):
    PAPER = "paper", "Paper"
    BOOK = "book", "Book"
    CHAPTER = "chapter", "Chapter"
    POST = "post", "Blog post"
    CODE = "code", "Code"


class Tier(models.IntegerChoices):
    """Importance in the curriculum; the integer orders Must Read first."""

    MUST = 1, "Must Read"
    RECOMMENDED = 2, "Recommended"
    FURTHER = 3, "Further Reading"

    @property
    def slug(self) -> str:
        return TIER_SLUGS[self]

    @classmethod
    def from_slug(cls, slug: str) -> Tier | None:
        return {v: k for k, v in TIER_SLUGS.items()}.get(slug)


TIER_SLUGS = {Tier.MUST: "must", Tier.RECOMMENDED: "recommended", Tier.FURTHER: "further"}


class Topic(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=140, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = unique_slug(Topic, self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("papers:canon") + f"?topic={self.slug}"


class TopicAlias(models.Model):
    """Another name a topic goes by: the name of a topic merged into it. An import that
    names the old topic lands in this one."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=120)
    key = models.CharField(max_length=120, unique=True, editable=False)  # casefolded name

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "topic aliases"

    def __str__(self) -> str:
        return f"{self.name} → {self.topic}"

    def save(self, *args, **kwargs) -> None:
        self.key = topic_key(self.name)
        super().save(*args, **kwargs)


def topic_key(name: str) -> str:
    """What two spellings of one topic name share: case and spacing do not count."""
    return " ".join(name.split()).casefold()


class PhaseQuerySet(models.QuerySet):
    def with_sizes(self) -> PhaseQuerySet:
        """Phases with `size`, their number of placements."""
        return self.annotate(size=models.Count("placements"))


class CurriculumQuerySet(models.QuerySet):
    def with_progress_of(self, user) -> CurriculumQuerySet:
        """Annotate `phase_count`, `paper_count` (distinct papers placed in it) and
        `done_count` (of those, the ones the user has finished), in the one query."""
        from notes.models import Reading, Status

        done = Reading.objects.filter(user=user, status=Status.DONE).values("paper_id")
        placed = "phases__placements__paper"
        return self.annotate(
            phase_count=Count("phases", distinct=True),
            paper_count=Count(placed, distinct=True),
            done_count=Count(placed, filter=Q(**{f"{placed}__in": done}), distinct=True),
        )


class Curriculum(models.Model):
    """A track of numbered phases (a course, a lab's core list, a retrieval track).

    Phase numbers are unique within a curriculum only: two curricula may both have a
    Phase 3, each with its own title and papers.
    """

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    source = models.CharField(
        max_length=300, blank=True, help_text="Where it came from: a file, a course, a link."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CurriculumQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "curricula"

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = unique_slug(Curriculum, self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("papers:curriculum", args=[self.slug])


class Phase(models.Model):
    curriculum = models.ForeignKey(Curriculum, on_delete=models.CASCADE, related_name="phases")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)

    objects = PhaseQuerySet.as_manager()

    class Meta:
        ordering = ["curriculum__name", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["curriculum", "number"], name="phase_number_unique_in_curriculum"
            )
        ]

    def __str__(self) -> str:
        return f"Phase {self.number}: {self.title}" if self.title else f"Phase {self.number}"

    @property
    def full_name(self) -> str:
        """The phase with its curriculum's name, for lists that mix curricula."""
        return f"{self.curriculum.name} · {self}"


class PaperQuerySet(models.QuerySet):
    def for_list(self) -> PaperQuerySet:
        """What a paper list or export shows: topics, placements (with their phase and
        curriculum) and what each builds on, in a fixed number of queries."""
        return self.prefetch_related(
            "topics",
            Prefetch("placements", queryset=Placement.objects.select_related("phase__curriculum")),
            Prefetch("builds_on", queryset=Paper.objects.only("id", "title", "arxiv_id", "doi")),
        )

    def titles(self) -> PaperQuerySet:
        """Only the id and title: papers named in a list of meetings or as neighbours."""
        return self.only("id", "title")

    def listed(self) -> PaperQuerySet:
        """Only the columns a paper list shows (not the abstract, notes on it, or aliases)."""
        return self.only("id", "title", "authors", "year", "kind", "tier", "tldr")

    def with_status_for(self, user) -> PaperQuerySet:
        """Annotate `my_status`: the user's reading status of each paper ("" if none)."""
        from notes.models import Reading

        mine = Reading.objects.filter(user=user, paper=OuterRef("pk")).values("status")[:1]
        return self.annotate(my_status=Coalesce(Subquery(mine), Value("")))

    def with_reading_of(self, user) -> PaperQuerySet:
        """Join the user's reading and note of each paper in the same query.

        Read them with `reading_of(paper)` / `note_of(paper)`: Django leaves the
        attribute unset when the user has no row.
        """
        return self.annotate(
            my_reading=FilteredRelation("readings", condition=Q(readings__user=user)),
            my_note=FilteredRelation("notes", condition=Q(notes__user=user)),
        ).select_related("my_reading", "my_note")

    def for_page_of(self, user) -> PaperQuerySet:
        """Everything the paper page shows, with the user's own reading, in fixed queries."""
        return self.with_reading_of(user).prefetch_related(
            "topics",
            Prefetch("placements", queryset=Placement.objects.select_related("phase__curriculum")),
            Prefetch("builds_on", queryset=Paper.objects.titles().with_status_for(user)),
            Prefetch("built_upon_by", queryset=Paper.objects.titles()),
        )

    def with_my_status(self, user, status: str) -> PaperQuerySet:
        """Filter on the annotation: a status, "none" (not on my list) or "active" (passes 1–3)."""
        qs = self.with_status_for(user)
        if status == "none":
            return qs.filter(my_status="")
        if status == "active":
            return qs.filter(my_status__in=["pass1", "pass2", "pass3"])
        return qs.filter(my_status=status)

    def in_topic(self, slug: str) -> PaperQuerySet:
        return self.filter(topics__slug=slug)

    def in_phase(self, phase_id: int) -> PaperQuerySet:
        return self.filter(placements__phase_id=phase_id)

    def in_curriculum(self, slug: str) -> PaperQuerySet:
        placed = Placement.objects.filter(paper=OuterRef("pk"), phase__curriculum__slug=slug)
        return self.filter(Exists(placed))

    def with_tier(self, tier: int) -> PaperQuerySet:
        placed = Placement.objects.filter(paper=OuterRef("pk"), tier=tier)
        return self.filter(Q(tier=tier) | Exists(placed))

    def search(self, query: str) -> PaperQuerySet:
        """Papers for what a member typed in the search box.

        An arXiv id or link, a DOI or doi.org link, or a paper's own link finds that paper.
        Otherwise every word must match the start of a word of the paper (title, authors,
        ids, TLDR, venue), so results update sensibly as the member types. PostgreSQL uses
        the indexed `search_document` column (migration 0002) and also finds titles with
        words close to the ones typed ("atention"), by trigram similarity (migration 0006),
        ranked by relevance; SQLite, the embedded default, matches substrings.
        """
        text = query.strip()
        if arxiv_id := normalize_arxiv_id(text):
            return self.filter(arxiv_id=arxiv_id)
        if doi := normalize_doi(text):
            return self.filter(doi=doi)
        if text.startswith(("http://", "https://")):
            return self.filter(url=text)
        words = SEARCH_WORD.findall(query.lower())[:8]
        if not words:
            return self if not text else self.none()
        if connection.vendor == "postgresql":
            tsquery = " & ".join(f"{word}:*" for word in words)
            table = Paper._meta.db_table
            # The SQL is ours; the member's words only ever travel as parameters. Each word
            # matches the start of a word of the paper, or (`<<%`, pg_trgm's strict word
            # similarity, at least 0.5) is close to a whole word of its title: "atention",
            # "lerning". Both operators use an index.
            each = (
                f"(({table}.search_document @@ to_tsquery('simple', %s)) "
                f"OR %s <<%% lower({table}.title))"
            )
            matches = RawSQL(  # noqa: S611
                " AND ".join([each] * len(words)),
                tuple(value for word in words for value in (f"{word}:*", word)),
                output_field=models.BooleanField(),
            )
            rank = RawSQL(  # noqa: S611
                f"ts_rank({table}.search_document, to_tsquery('simple', %s)) "
                f"+ strict_word_similarity(%s, lower({table}.title))",
                (tsquery, " ".join(words)),
                output_field=models.FloatField(),
            )
            return (
                self.annotate(search_match=matches, rank=rank)
                .filter(search_match=True)
                .order_by("-rank", "title")
            )
        condition = Q()
        for word in words:
            condition &= (
                Q(title__icontains=word)
                | Q(authors__icontains=word)
                | Q(tldr__icontains=word)
                | Q(venue__icontains=word)
                | Q(arxiv_id__icontains=word)
                | Q(doi__icontains=word)
            )
        return self.filter(condition)

    def with_club_finishers(self, user) -> PaperQuerySet:
        """Annotate `club_finished`: how many members of the user's clubs (the user too)
        have finished each paper."""
        from clubs.models import Membership
        from notes.models import Reading, Status

        mates = Membership.objects.filter(club__memberships__user=user).values("user_id")
        finished = (
            Reading.objects.filter(paper=OuterRef("pk"), status=Status.DONE, user_id__in=mates)
            .order_by()
            .values("paper")
            .annotate(n=Count("user_id", distinct=True))
            .values("n")
        )
        return self.annotate(club_finished=Coalesce(Subquery(finished), 0))


# Letters, digits and the dots of arXiv ids; everything else separates words (and can never
# reach to_tsquery's syntax).
SEARCH_WORD = re.compile(r"[^\W_]+(?:\.[^\W_]+)*")


class Paper(models.Model):
    title = models.CharField(max_length=500)
    authors = models.TextField(
        blank=True, help_text="One name per line, in order (e.g. Vaswani, A.)."
    )
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    venue = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PAPER)
    url = models.URLField("link", max_length=500, blank=True)
    arxiv_id = models.CharField("arXiv id", max_length=40, blank=True)
    doi = models.CharField("DOI", max_length=200, blank=True)
    abstract = models.TextField(blank=True)
    tldr = models.TextField("TLDR", blank=True)
    key_contribution = models.TextField(blank=True)
    why_it_matters = models.TextField(blank=True)
    tier = models.PositiveSmallIntegerField(
        choices=Tier.choices, null=True, blank=True, help_text="Importance in the canon as a whole."
    )
    topics = models.ManyToManyField(Topic, related_name="papers", blank=True)
    builds_on = models.ManyToManyField(
        "self",
        symmetrical=False,
        related_name="built_upon_by",
        blank=True,
        help_text="Papers to read first: this one builds directly on them.",
    )
    aliases = models.TextField(
        "also listed as",
        blank=True,
        help_text="Other titles or short names this paper goes by, one per line (e.g. GPT-3). "
        "Imports match them.",
    )
    title_key = models.CharField(max_length=KEY_LENGTH, editable=False, db_index=True)
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = PaperQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["arxiv_id"], condition=~Q(arxiv_id=""), name="paper_unique_arxiv_id"
            ),
            models.UniqueConstraint(fields=["doi"], condition=~Q(doi=""), name="paper_unique_doi"),
        ]
        indexes = [models.Index(fields=["year"]), models.Index(fields=["tier"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title

    def save(self, *args, **kwargs) -> None:
        self.normalize()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "arxiv_id", "doi", "title_key", "url"}
        super().save(*args, **kwargs)
        aliases_saved = update_fields is None or "aliases" in update_fields
        if aliases_saved and self.__dict__.get("aliases", "") != getattr(
            self, "_stored_aliases", ""
        ):
            self.store_alias_keys()

    def get_absolute_url(self) -> str:
        return reverse("papers:paper", args=[self.pk])

    @classmethod
    def from_db(cls, db, field_names, values):
        paper = super().from_db(db, field_names, values)
        # The aliases as stored: saving rewrites the alias keys only when they changed.
        paper._stored_aliases = paper.__dict__.get("aliases")
        return paper

    def normalize(self) -> None:
        """Keep identity fields normalized however they were entered (admin, import, API)."""
        self.arxiv_id = normalize_arxiv_id(self.arxiv_id) if self.arxiv_id else ""
        self.doi = normalize_doi(self.doi) if self.doi else ""
        self.title_key = match_key(self.title)
        self.url = web_url(self.url)

    @property
    def alias_keys(self) -> list[str]:
        """The match keys of the titles this paper is also listed as."""
        return alias_keys(self.aliases)

    def store_alias_keys(self) -> None:
        """Make the paper's rows in PaperAlias match its aliases."""
        keys = self.alias_keys
        PaperAlias.objects.filter(paper=self).exclude(key__in=keys).delete()
        PaperAlias.objects.bulk_create(
            [PaperAlias(paper=self, key=key) for key in keys], ignore_conflicts=True
        )
        self._stored_aliases = self.aliases

    @property
    def author_list(self) -> list[str]:
        return [line.strip() for line in self.authors.splitlines() if line.strip()]

    @property
    def short_authors(self) -> str:
        names = self.author_list
        surnames = [name.split(",")[0].strip() for name in names]
        if not surnames:
            return ""
        if len(surnames) == 1:
            return surnames[0]
        if len(surnames) == 2:
            return f"{surnames[0]} & {surnames[1]}"
        return f"{surnames[0]} et al."

    @property
    def arxiv_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}" if self.arxiv_id else ""

    @property
    def pdf_url(self) -> str:
        if self.arxiv_id:
            return f"https://arxiv.org/pdf/{self.arxiv_id}"
        return self.link if self.link.lower().endswith(".pdf") else ""

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def link(self) -> str:
        """The paper's best web address; never anything but http(s)."""
        return web_url(self.url) or self.arxiv_url or self.doi_url

    @property
    def tier_slug(self) -> str:
        return Tier(self.tier).slug if self.tier else ""

    def citation(self) -> str:
        from .citations import format_citation

        return format_citation(self)

    def bibtex(self) -> str:
        from .citations import to_bibtex

        return to_bibtex([self])


class PaperAlias(models.Model):
    """A title a paper is also listed as, reduced to its match key: imports look papers up
    by it through an index, as they do by title."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="alias_rows")
    key = models.CharField(max_length=KEY_LENGTH, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["paper", "key"], name="paperalias_unique_paper_key")
        ]

    def __str__(self) -> str:
        return self.key


class PlacementQuerySet(models.QuerySet):
    def in_curriculum_order(self) -> PlacementQuerySet:
        """Placements by phase, tier and order, with what a curriculum list shows of the
        phase and the paper."""
        return (
            self.select_related("phase", "paper")
            .only(
                "tier",
                "order",
                "note",
                "phase__number",
                "phase__title",
                "phase__description",
                "paper__title",
                "paper__authors",
                "paper__year",
            )
            .order_by("phase__number", "tier", "order", "paper__title")
        )

    def with_status_for(self, user) -> PlacementQuerySet:
        """Annotate `my_status`: the user's reading status of the placed paper ("" if none)."""
        from notes.models import Reading

        mine = Reading.objects.filter(user=user, paper=OuterRef("paper_id")).values("status")[:1]
        return self.annotate(my_status=Coalesce(Subquery(mine), Value("")))


class Placement(models.Model):
    """A paper's place in one curriculum phase: its tier there, its order, and a note."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="placements")
    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="placements")
    tier = models.PositiveSmallIntegerField(choices=Tier.choices, default=Tier.RECOMMENDED)
    order = models.PositiveIntegerField(default=0)
    note = models.CharField(
        max_length=300, blank=True, help_text="e.g. Implement the sampling loop."
    )

    objects = PlacementQuerySet.as_manager()

    class Meta:
        ordering = ["phase__curriculum__name", "phase__number", "tier", "order", "paper__title"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "phase"], name="placement_unique_paper_phase")
        ]

    def __str__(self) -> str:
        return f"{self.paper} in {self.phase} ({self.get_tier_display()})"


def unique_slug(model: type[models.Model], text: str, max_length: int = 120) -> str:
    base = slugify(text)[:max_length] or "item"
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def paper_url_maker() -> Callable[[int], str]:
    """Paper page URLs for long lists (matrix headers): one reverse() for the whole list
    instead of one per paper."""
    marker = 987654321
    head, tail = reverse("papers:paper", args=[marker]).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def attach_labels(papers: list[Paper]) -> None:
    """Give each paper `phase_numbers` and `topic_names`, the tags a list shows, from one
    query: the papers' placements and topics, as one UNION."""
    for paper in papers:
        paper.phase_numbers, paper.topic_names = [], []
    by_id = {paper.pk: paper for paper in papers}
    if not by_id:
        return
    topics = Paper.topics.through.objects.filter(paper_id__in=by_id).values_list(
        "paper_id", "topic__name", Value(0)
    )
    phases = (
        Placement.objects.filter(paper_id__in=by_id)
        .order_by()  # SQLite refuses ORDER BY inside a UNION
        .values_list("paper_id", Value(""), "phase__number")
    )
    for paper_id, topic, phase in topics.union(phases, all=True):
        paper = by_id[paper_id]
        if topic:
            paper.topic_names.append(topic)
        else:
            paper.phase_numbers.append(phase)
    for paper in papers:
        paper.topic_names.sort(key=str.casefold)
        paper.phase_numbers.sort()


def topic_counts() -> models.QuerySet:
    """Topics with how many papers each holds, for the canon's sidebar."""
    return Topic.objects.annotate(paper_count=Count("papers")).filter(paper_count__gt=0)
