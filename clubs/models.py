"""Clubs, who belongs to them, how people join, and the weekly meetings."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import account_fields
from notes.markdown import render_markdown
from notes.models import Note, stage_rank
from papers.models import Curriculum, Paper


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


TIME_ZONES = sorted(available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in TIME_ZONES:
        raise ValidationError(f"{value!r} is not a time zone name such as Europe/Berlin.")


class Club(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    description = models.TextField(blank=True)
    curricula = models.ManyToManyField(
        Curriculum,
        blank=True,
        related_name="clubs",
        help_text="The curricula the club follows: its progress and matrix show their phases.",
    )
    meeting_weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, default=Weekday.THURSDAY
    )
    meeting_time = models.TimeField(default=time(17, 0))
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    place = models.CharField("place or video link", max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Notifications (clubs/notifications.py).
    reminder_hours = models.PositiveSmallIntegerField(
        "remind members this many hours before a meeting",
        default=24,
        validators=[MaxValueValidator(7 * 24)],
        help_text="To members below the pass the meeting expects. 0 sends no reminders.",
    )
    webhook_url = models.CharField(
        "chat webhook",
        max_length=1000,
        blank=True,
        help_text="A Slack, Discord, Matrix or other chat address the club's events go to. "
        "It is a secret: only organizers see it.",
    )
    webhook_events = models.JSONField(default=list, blank=True)
    webhook_since = models.DateTimeField(null=True, blank=True, editable=False)
    # The spoiler lock (clubs/discussion.py): reading comes before the club's logs and talk.
    discussion_pass = models.CharField(
        "logs and discussion open at",
        max_length=10,
        blank=True,
        default="pass1",
        choices=[
            ("", "Always open"),
            ("pass1", "Pass 1"),
            ("pass2", "Pass 2"),
            ("pass3", "Pass 3"),
            ("done", "Done"),
        ],
        help_text="A member sees the club's shared logs, questions and discussion of a paper "
        "once they have read it this far.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("clubs:club", args=[self.slug])

    def next_slot(self) -> datetime:
        """The club's next regular meeting time, in its time zone."""
        zone = ZoneInfo(self.time_zone)
        now = timezone.now().astimezone(zone)
        days = (self.meeting_weekday - now.weekday()) % 7
        start = datetime.combine((now + timedelta(days=days)).date(), self.meeting_time, zone)
        return start if start > now else start + timedelta(days=7)

    def next_free_slot(self) -> datetime:
        """The club's next regular meeting time on a day with no meeting of the club yet."""
        zone = ZoneInfo(self.time_zone)
        slot = self.next_slot()
        taken = {
            moment.astimezone(zone).date()
            for moment in self.meetings.filter(starts_at__gte=slot - timedelta(days=1))
            .order_by("starts_at")
            .values_list("starts_at", flat=True)[:200]
        }
        while slot.date() in taken:
            # Added in local time (a naive week), so the slot keeps its hour across a
            # daylight-saving change.
            slot = datetime.combine(slot.date() + timedelta(days=7), self.meeting_time, zone)
        return slot

    def opens_discussion(self, status: str | None) -> bool:
        """Whether a member at `status` of a paper may see the club's logs and talk on it."""
        return not self.discussion_pass or stage_rank(status) >= stage_rank(self.discussion_pass)


class Role(models.TextChoices):
    ORGANIZER = "organizer", "Organizer"
    MEMBER = "member", "Member"


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(default=timezone.now)
    wants_digest = models.BooleanField("weekly digest", default=True)
    wants_reminders = models.BooleanField("meeting reminders", default=True)

    class Meta:
        ordering = ["joined_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "club"], name="membership_unique_user_club")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.club} ({self.get_role_display()})"

    @property
    def is_organizer(self) -> bool:
        return self.role == Role.ORGANIZER


def new_token() -> str:
    return secrets.token_urlsafe(24)


def default_expiry():
    return timezone.now() + timedelta(days=14)


class Invitation(models.Model):
    """A link that lets people join a club: once or many times, until it expires."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="invitations")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    email = models.EmailField(blank=True, help_text="Sent to this address, if given.")
    multi_use = models.BooleanField(default=False)
    expires_at = models.DateTimeField(default=default_expiry)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    uses = models.PositiveIntegerField(default=0)
    revoked = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation to {self.club}"

    # Not get_absolute_url: the admin's "view on site" redirect, open to all staff, would
    # hand out the token of any club's invitation.
    def join_url(self) -> str:
        return reverse("clubs:join", args=[self.token])

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_used_up(self) -> bool:
        return not self.multi_use and self.uses > 0


# Meetings are planned within this many years of today; a date past it is a typo (or an
# attempt to break date arithmetic), and is refused before it is stored.
MEETING_YEARS_AHEAD = 10
LAST_MOMENT = datetime.max.replace(tzinfo=UTC)
# What the database accepts at all (a constraint): a day inside either end of the
# calendar, so every stored meeting can be shown in any time zone.
STORABLE_RANGE = (datetime(1, 1, 2, tzinfo=UTC), datetime(9999, 12, 30, tzinfo=UTC))


def meeting_window(now: datetime | None = None) -> tuple[datetime, datetime]:
    """The range a meeting's start must fall in: ten years either side of now."""
    now = now or timezone.now()
    span = timedelta(days=365 * MEETING_YEARS_AHEAD + MEETING_YEARS_AHEAD // 4)
    return now - span, now + span


def shifted(moment: datetime, delta: timedelta) -> datetime:
    """`moment + delta`, held at the ends of the calendar instead of raising.

    Every computation with a stored meeting time goes through this, so a meeting stored
    before dates were checked (year 9999, say) cannot break a page, a feed or a run of
    the notifications.
    """
    try:
        return moment + delta
    except OverflowError:
        return LAST_MOMENT if delta > timedelta(0) else datetime.min.replace(tzinfo=UTC)


class MeetingQuerySet(models.QuerySet):
    def upcoming(self) -> MeetingQuerySet:
        return self.filter(starts_at__gte=timezone.now() - timedelta(hours=3)).order_by("starts_at")

    def past(self) -> MeetingQuerySet:
        return self.filter(starts_at__lt=timezone.now() - timedelta(hours=3)).order_by("-starts_at")

    def schedule(self, club: Club, upcoming: int, past: int, user=None) -> tuple[list, list]:
        """The club's next `upcoming` and last `past` meetings, with presenters, the
        papers' titles, their voting, how many answered going, maybe and not going, and
        `my_rsvp`, `user`'s answer; in two queries (the meetings, then their papers)."""
        mine = self.filter(club=club)
        answers = {
            name: models.Count("rsvps", filter=Q(rsvps__answer=answer))
            for name, answer in [("going", "going"), ("maybe", "maybe"), ("not_going", "no")]
        }
        if user is not None:
            answer = Rsvp.objects.filter(meeting=models.OuterRef("pk"), user=user)
            answers["my_rsvp"] = models.Subquery(answer.values("answer")[:1])
        chosen = (
            mine.filter(
                Q(pk__in=mine.upcoming().values("pk")[:upcoming])
                | Q(pk__in=mine.past().values("pk")[:past])
            )
            .select_related("presenter", "voting")
            .defer(*account_fields("presenter"))
            .annotate(**answers)
            .prefetch_related(Prefetch("papers", Paper.objects.titles()))
            .order_by("starts_at")
        )
        cutoff = timezone.now() - timedelta(hours=3)
        coming, gone = [], []
        for meeting in chosen:
            meeting.club = club
            (coming if meeting.starts_at >= cutoff else gone).append(meeting)
        return coming, gone[::-1]


class Meeting(models.Model):
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    papers = models.ManyToManyField(Paper, related_name="meetings", blank=True)
    presenter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="presentations",
    )
    discussion_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    place = models.CharField("place or video link", max_length=300, blank=True)
    agenda = models.TextField(blank=True, help_text="Markdown.")
    agenda_html = models.TextField(blank=True, editable=False)
    minimum_pass = models.CharField(
        "expected before the meeting",
        max_length=10,
        default="pass1",
        choices=[("pass1", "Pass 1"), ("pass2", "Pass 2"), ("pass3", "Pass 3"), ("done", "Done")],
    )
    outcome = models.TextField(blank=True, help_text="After the meeting: what came out of it.")
    outcome_html = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["club", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__range=STORABLE_RANGE), name="meeting_starts_storable"
            )
        ]

    def __str__(self) -> str:
        return f"{self.club} · {self.starts_at:%Y-%m-%d}"

    def save(self, *args, **kwargs) -> None:
        self.agenda_html = render_markdown(self.agenda)
        self.outcome_html = render_markdown(self.outcome)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("clubs:meeting", args=[self.club.slug, self.pk])

    def clean(self) -> None:
        super().clean()
        if self.starts_at:
            earliest, latest = meeting_window()
            if not earliest <= self.starts_at <= latest:
                raise ValidationError(
                    {
                        "starts_at": (
                            f"Choose a date within {MEETING_YEARS_AHEAD} years of today "
                            f"({earliest:%Y} to {latest:%Y})."
                        )
                    }
                )

    @property
    def ends_at(self) -> datetime:
        return shifted(self.starts_at, timedelta(minutes=self.duration_minutes))

    @property
    def local_day(self):
        """The meeting's date where the club meets."""
        try:
            return timezone.localtime(self.starts_at, ZoneInfo(self.club.time_zone)).date()
        except OverflowError:  # stored before dates were checked
            return self.starts_at.date()

    @property
    def is_over(self) -> bool:
        return self.ends_at < timezone.now()

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()


class CalendarFeed(models.Model):
    """A member's secret calendar URL with their clubs' meetings; revoked by replacing the token."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"

    # Not get_absolute_url, for the same reason as Invitation.join_url.
    def feed_url(self) -> str:
        return reverse("clubs:calendar-feed", args=[self.token])

    def renew(self) -> None:
        self.token = new_token()
        self.save(update_fields=["token", "created_at"])


class Delivery(models.TextChoices):
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class SentMessage(models.Model):
    """One notification, recorded before it is sent so that it is sent once.

    `recipient` is "user:<id>" for an email or "club:<id>" for a club's webhook, and
    `about` names what the message is about ("meeting:12@2026-12-03T17:00", "week:2026-W49"):
    the unique constraint on the three makes a second run, or a second copy running at
    the same moment, skip what is already claimed. A failed send is retried on later
    runs up to a limit (`attempts`).
    """

    recipient = models.CharField(max_length=40)
    kind = models.CharField(max_length=20)
    about = models.CharField(max_length=100)
    club = models.ForeignKey(Club, null=True, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.SENDING)
    attempts = models.PositiveSmallIntegerField(default=1)
    error = models.TextField(blank=True)
    run = models.CharField(max_length=32, help_text="The run that holds or last held it.")
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-claimed_at"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "kind", "about"], name="sentmessage_once")
        ]
        indexes = [models.Index(fields=["status", "claimed_at"], name="sentmessage_retry")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient} about {self.about}: {self.status}"


# -- The club's week: RSVPs, away dates, proposals and votes, discussion, questions ------


class Answer(models.TextChoices):
    GOING = "going", "Going"
    MAYBE = "maybe", "Maybe"
    NO = "no", "Not going"


class Rsvp(models.Model):
    """Whether a member comes to a meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    answer = models.CharField(max_length=10, choices=Answer.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="rsvp_once_per_meeting")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.meeting}: {self.get_answer_display()}"


class Away(models.Model):
    """Days a member is away: the presenter rotation passes over them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="away_dates"
    )
    starts_on = models.DateField("from")
    ends_on = models.DateField("until")
    note = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["starts_on"]
        verbose_name_plural = "away dates"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="away_ends_after_it_starts"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} away {self.starts_on}–{self.ends_on}"


class Review(models.TextChoices):
    """Where a proposal stands. A paper that is not in the canon waits for an organizer."""

    WAITING = "waiting", "Waiting for an organizer"
    READY = "ready", "Open for votes"
    DECLINED = "declined", "Declined"


class ProposalQuerySet(models.QuerySet):
    def for_meetings(self, meetings, user) -> ProposalQuerySet:
        """The proposals for these meetings with what the list shows, and `my_vote`
        (whether `user` voted for each) and `votes` (how many did), in one query."""
        mine = Vote.objects.filter(proposal=models.OuterRef("pk"), user=user)
        return (
            self.filter(meeting__in=meetings)
            .select_related("paper", "proposed_by")
            .defer(*account_fields("proposed_by"), "paper__abstract", "paper__aliases")
            .annotate(votes=models.Count("vote_rows"), my_vote=models.Exists(mine))
            .order_by("created_at")
        )


class Proposal(models.Model):
    """A member's suggestion of a paper for an upcoming meeting.

    A paper from the canon is open for votes at once. One the canon does not have yet is
    kept as `candidate` metadata (from arXiv, Crossref or BibTeX) until an organizer
    accepts it, which adds it to the canon through the importer's identity matching, or
    declines it.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="proposals")
    paper = models.ForeignKey(
        Paper, null=True, blank=True, on_delete=models.CASCADE, related_name="proposals"
    )
    candidate = models.JSONField(default=dict, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    pitch = models.CharField("why read it", max_length=500, blank=True)
    review = models.CharField(max_length=10, choices=Review.choices, default=Review.READY)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "paper"],
                condition=Q(paper__isnull=False),
                name="proposal_once_per_meeting",
            ),
            models.CheckConstraint(
                condition=Q(paper__isnull=False) | ~Q(review="ready"),
                name="proposal_ready_has_paper",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} for {self.meeting}"

    @property
    def title(self) -> str:
        return self.paper.title if self.paper_id else self.candidate.get("title", "")

    @property
    def link(self) -> str:
        if self.paper_id:
            return self.paper.link
        from core.links import web_url

        return web_url(self.candidate.get("url", ""))


class VotingRound(models.Model):
    """Approval voting on a meeting's proposals until `closes_at`. Totals stay hidden until
    it closes; closing assigns the winner (an organizer breaks a tie)."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="voting")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)
    winner = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Voting for {self.meeting}"

    @property
    def is_open(self) -> bool:
        return self.settled_at is None and timezone.now() < self.closes_at

    @property
    def is_over(self) -> bool:
        return not self.is_open


class Vote(models.Model):
    """One member's approval of one proposal; the constraint makes a second one fail."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="vote_rows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="vote_once_per_proposal")
        ]

    def __str__(self) -> str:
        return f"{self.user} for {self.proposal_id}"


class CommentQuerySet(models.QuerySet):
    def thread(self, club: Club, *, meeting: Meeting | None = None, paper: Paper | None = None):
        """A thread's comments, oldest first, with their authors."""
        where = {"meeting": meeting} if meeting is not None else {"paper": paper}
        return (
            self.filter(club=club, **where)
            .select_related("author")
            .defer(*account_fields("author"))
            .order_by("created_at", "pk")
        )


class Comment(models.Model):
    """A comment in a club's thread about a meeting or about a paper: Markdown, rendered
    once on save through the one sanitizer; one level of replies."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="comments")
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    paper = models.ForeignKey(
        Paper, null=True, blank=True, on_delete=models.CASCADE, related_name="club_comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    body_html = models.TextField(editable=False)
    # Bumped on every edit; an edit from a stale copy is refused instead of overwriting.
    version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["club", "meeting", "created_at"]),
            models.Index(fields=["club", "paper", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(meeting__isnull=True) ^ Q(paper__isnull=True),
                name="comment_in_one_thread",
            )
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk} by {self.author}"

    def save(self, *args, **kwargs) -> None:
        self.body_html = render_markdown(self.body)
        super().save(*args, **kwargs)

    @property
    def is_gone(self) -> bool:
        return self.deleted_at is not None

    @property
    def anchor(self) -> str:
        return f"comment-{self.pk}"


class QuestionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DISCUSSED = "discussed", "Discussed"


class Question(models.Model):
    """An open question for the club's discussion of a paper.

    Asked directly (`text`), or a member's shared paper log whose limitation field holds
    it (`note`: the text is the log's, always current; the row exists once somebody votes
    on it or the minutes mention it). A question the meeting did not reach stays open and
    carries over to the next meeting on the paper, or to the paper's discussion.
    """

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="questions")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="club_questions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(blank=True)
    text_html = models.TextField(blank=True, editable=False)
    note = models.ForeignKey(
        Note, null=True, blank=True, on_delete=models.CASCADE, related_name="club_questions"
    )
    status = models.CharField(
        max_length=10, choices=QuestionStatus.choices, default=QuestionStatus.OPEN
    )
    discussed_in = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    carried_from = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["club", "paper", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["club", "note"], condition=Q(note__isnull=False), name="question_per_log"
            )
        ]

    def __str__(self) -> str:
        return f"Question {self.pk} on {self.paper_id}"

    def save(self, *args, **kwargs) -> None:
        self.text_html = render_markdown(self.text)
        super().save(*args, **kwargs)


class QuestionVote(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="vote_rows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "user"], name="question_vote_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} for question {self.question_id}"
