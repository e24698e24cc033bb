"""Each member's reading of each paper: where they are in the three passes, and their notes."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from papers.models import Paper

from .markdown import RENDERER_VERSION, render_markdown


class Status(models.TextChoices):
    QUEUED = "queued", "To read"
    PASS1 = "pass1", "Pass 1"
    PASS2 = "pass2", "Pass 2"
    PASS3 = "pass3", "Pass 3"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


# Labels by value, for long lists (`Status.values` and `Status(value)` cost a lookup each).
STATUS_LABELS = dict(Status.choices)

# The method's order; "dropped" sits outside it.
STAGES = [Status.QUEUED, Status.PASS1, Status.PASS2, Status.PASS3, Status.DONE]
STAGE_RANK = {stage.value: rank for rank, stage in enumerate(STAGES)}
STAGE_HINTS = {
    Status.QUEUED: "On my list",
    Status.PASS1: "Abstract, figures, conclusion: what is it about, should I read on?",
    Status.PASS2: "Introduction, method, experiments, appendix: are the results convincing?",
    Status.PASS3: "Implement it",
    Status.DONE: "Read and logged",
    Status.DROPPED: "Not for me, for now",
}


def stage_rank(status: str | None) -> int:
    """-1 for no status or dropped; 0 queued … 4 done. 'Reached pass 2' means rank >= 2."""
    return STAGE_RANK.get(status or "", -1)


class ReadingQuerySet(models.QuerySet):
    def seen_by(self, user) -> ReadingQuerySet:
        """Readings `user` may see: their own and those of people in a club with them."""
        fellows = models.Q(user__memberships__club__memberships__user=user)
        return self.filter(models.Q(user=user) | fellows).distinct()


class Reading(models.Model):
    """A member's reading status of one paper, with the date each stage was reached."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="readings"
    )
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="readings")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    queued_at = models.DateTimeField(null=True, blank=True)
    pass1_at = models.DateTimeField(null=True, blank=True)
    pass2_at = models.DateTimeField(null=True, blank=True)
    pass3_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    dropped_at = models.DateTimeField(null=True, blank=True)
    minutes_spent = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReadingQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "paper"], name="reading_unique_user_paper")
        ]
        indexes = [models.Index(fields=["paper", "status"]), models.Index(fields=["done_at"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.paper} · {self.get_status_display()}"

    @property
    def rank(self) -> int:
        return stage_rank(self.status)

    @property
    def since(self):
        """When the reading reached its current status (None for readings older than dates)."""
        return getattr(self, f"{self.status}_at")

    def stage_dates(self) -> list[tuple[str, object]]:
        """The stages reached before the current one, latest first, with their dates.

        Moving back clears the dates of the stages after the new one (`set_status`), so
        these are stages the reader has really passed through on the way to where they are.
        """
        return [
            (label, getattr(self, f"{value}_at"))
            for value, label in reversed(Status.choices)
            if value != self.status and getattr(self, f"{value}_at")
        ]


class StatusChange(models.Model):
    """One change of a member's reading status: the history behind Reading's dates.

    Written by `notes.services.set_status` in the same transaction as the change. Keyed
    by member and paper rather than by reading, so the write needs no reading id first.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="status_changes"
    )
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=10, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=Status.choices)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "paper", "at"])]

    def __str__(self) -> str:
        before = self.get_from_status_display() or "nothing"
        return f"{self.user} · {self.paper}: {before} → {self.get_to_status_display()}"


class Visibility(models.TextChoices):
    PRIVATE = "private", "Only me"
    CLUB = "club", "My clubs"


# The text fields of a note, in the order the page shows them.
PASS_FIELDS = ["pass1", "pass2", "pass3"]
LOG_FIELDS = ["problem", "approach", "key_result", "limitation"]
TEXT_FIELDS = [*PASS_FIELDS, *LOG_FIELDS, "thoughts"]


class NoteQuerySet(models.QuerySet):
    def visible_to(self, user) -> NoteQuerySet:
        """A note is its author's, or shared with a club the viewer also belongs to."""
        shared = models.Q(visibility=Visibility.CLUB) & models.Q(
            user__memberships__club__memberships__user=user
        )
        return self.filter(models.Q(user=user) | shared).distinct()


class Note(models.Model):
    """A member's notes on one paper: one text per pass, the paper log, free thoughts."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notes"
    )
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="notes")
    pass1 = models.TextField("Pass 1 notes", blank=True)
    pass2 = models.TextField("Pass 2 notes", blank=True)
    pass3 = models.TextField("Pass 3 notes", blank=True)
    problem = models.TextField(blank=True)
    approach = models.TextField(blank=True)
    key_result = models.TextField("Key result", blank=True)
    limitation = models.TextField("Limitation or open question", blank=True)
    thoughts = models.TextField("Free thoughts", blank=True)
    implementation_url = models.URLField("My implementation", max_length=500, blank=True)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    # Sanitized HTML of every text field, rendered once on save so pages never re-render.
    html = models.JSONField(default=dict, blank=True, editable=False)
    renderer_version = models.PositiveSmallIntegerField(default=0, editable=False)
    # Bumped on every save; a save from a stale copy is refused instead of overwriting.
    version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NoteQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "paper"], name="note_unique_user_paper")
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.paper}"

    def render(self) -> None:
        self.html = {name: render_markdown(getattr(self, name)) for name in TEXT_FIELDS}
        self.renderer_version = RENDERER_VERSION

    @property
    def is_shared(self) -> bool:
        return self.visibility == Visibility.CLUB

    @property
    def has_log(self) -> bool:
        return any(getattr(self, name).strip() for name in LOG_FIELDS)

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, name).strip() for name in TEXT_FIELDS)
