"""What a club is told, and when: weekly digests, meeting reminders and chat webhooks.

`send_due(now)` works out everything due at `now`, claims each message in the sent log
(`SentMessage`, unique per recipient, kind and subject) and sends what it claimed:

- a **digest** to each member who wants it, once a week on the club's digest morning
  (Monday 08:00 in the club's time zone by default), when the club has a meeting coming;
- a **reminder** `Club.reminder_hours` before a meeting to members below the pass it
  expects; a meeting moved after its reminder went out gets a new one, since the
  subject names the start time;
- the club's **webhook** (through apprise) for the events its organizers chose.

A message is due for one day after its moment; after that it is dropped rather than
sent late (a server that was down all weekend does not send Monday's digest on
Wednesday). A send that fails is recorded and retried on later runs, up to
`NOTIFY_MAX_ATTEMPTS`; one failing recipient never stops the others. Queries per run do
not grow with the number of members in a club.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import apprise
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F, Prefetch, Q
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import User
from notes.models import STATUS_LABELS, Reading
from papers.models import Paper

from .models import Club, Delivery, Meeting, Membership, SentMessage, shifted
from .progress import readiness

log = logging.getLogger(__name__)

GRACE = timedelta(days=1)
# A claim older than this whose run never reported back (the process died) is retried.
STALE_CLAIM = timedelta(minutes=15)
# How far ahead a digest looks for the club's next meeting.
DIGEST_HORIZON = timedelta(days=60)


class Kind:
    DIGEST = "digest"
    REMINDER = "reminder"
    HOOK_SCHEDULED = "hook-scheduled"
    HOOK_REMINDER = "hook-reminder"
    HOOK_VOTING = "hook-voting"


# What an organizer can send to the club's chat.
WEBHOOK_EVENTS = [
    ("scheduled", "A meeting is scheduled"),
    ("reminder", "Reminder before each meeting"),
    ("voting", "Voting opens on what to read"),
]

# Per-member choices, by the token's name for them: (Membership field, what it is called).
PREFERENCES = {
    "digest": ("wants_digest", "the weekly digest"),
    "reminders": ("wants_reminders", "meeting reminders"),
}
_UNSUBSCRIBE_SALT = "clubs.notifications.unsubscribe"


# -- Unsubscribe tokens ---------------------------------------------------------------


def unsubscribe_token(membership: Membership, preference: str) -> str:
    return signing.dumps([membership.pk, preference], salt=_UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    try:
        pk, preference = signing.loads(token, salt=_UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if preference not in PREFERENCES or not isinstance(pk, int):
        return None
    return pk, preference


# -- Webhook addresses ------------------------------------------------------------------


class WebhookError(ValueError):
    pass


def _private(host: str) -> bool:
    """True when `host` is or resolves to a loopback, private or link-local address."""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False  # unresolvable: the send fails and says so
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            return True
    return False


def check_webhook_url(url: str) -> None:
    """Refuse what apprise cannot use, and addresses inside our own network: a webhook
    must not become a way for an organizer to make the server call its neighbours."""
    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        raise WebhookError(
            "That is not a chat address we can send to. Use the webhook address your chat "
            "gives you (Slack, Discord, Matrix, …) or an apprise URL such as json://host/path."
        )
    host = getattr(plugin, "host", None)
    if host and not settings.NOTIFY_PRIVATE_WEBHOOKS and _private(host):
        raise WebhookError("Webhooks cannot go to addresses inside this server's network.")


def post_webhook(url: str, title: str, body: str) -> str:
    """Send one message; "" when it went, else what went wrong."""
    try:
        check_webhook_url(url)
    except WebhookError as error:
        return str(error)
    hooks = apprise.Apprise()
    hooks.add(url)
    with apprise.LogCapture(level=logging.WARNING) as captured:
        ok = hooks.notify(title=title, body=body)
    if ok:
        return ""
    return (captured.getvalue().strip().splitlines() or ["the chat refused the message"])[-1]


# -- What is due ------------------------------------------------------------------------


@dataclass
class Outgoing:
    recipient: str
    kind: str
    about: str
    club: Club
    meeting: Meeting | None = None
    membership: Membership | None = None
    rows: list = field(default_factory=list)  # readiness rows, for the message

    @property
    def key(self) -> tuple[str, str, str]:
        return self.recipient, self.kind, self.about


def digest_moment(club: Club, now: datetime) -> tuple[datetime, date]:
    """This week's digest moment in the club's time zone, and the Monday of that week."""
    zone = ZoneInfo(club.time_zone)
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    moment = datetime.combine(
        monday + timedelta(days=settings.NOTIFY_DIGEST_WEEKDAY),
        time(settings.NOTIFY_DIGEST_HOUR),
        zone,
    )
    return moment, monday


def due_within_grace(moment: datetime, now: datetime) -> bool:
    return moment <= now < shifted(moment, GRACE)


def reminder_moment(meeting: Meeting, club: Club) -> datetime:
    return shifted(meeting.starts_at, -timedelta(hours=club.reminder_hours))


def meeting_subject(meeting: Meeting) -> str:
    return f"meeting:{meeting.pk}@{meeting.starts_at:%Y-%m-%dT%H:%M}"


def due_messages(now: datetime) -> list[Outgoing]:
    clubs = {club.pk: club for club in Club.objects.all()}
    meetings = list(
        Meeting.objects.filter(
            Q(starts_at__gt=now, starts_at__lte=shifted(now, DIGEST_HORIZON))
            | Q(starts_at__gt=now, created_at__gte=shifted(now, -GRACE))
        )
        .select_related("presenter", "voting")
        .prefetch_related(Prefetch("papers", Paper.objects.titles()))
        .order_by("starts_at")
    )
    by_club: dict[int, list[Meeting]] = {}
    for meeting in meetings:
        meeting.club = clubs[meeting.club_id]
        by_club.setdefault(meeting.club_id, []).append(meeting)

    members: dict[int, list[Membership]] = {}
    for membership in (
        Membership.objects.filter(club_id__in=list(by_club), user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("user__username")
    ):
        membership.club = clubs[membership.club_id]
        members.setdefault(membership.club_id, []).append(membership)

    paper_ids = {paper.pk for meeting in meetings for paper in meeting.papers.all()}
    status_of = {
        (user_id, paper_id): status
        for user_id, paper_id, status in Reading.objects.filter(
            paper_id__in=paper_ids, user__memberships__club_id__in=list(members)
        ).values_list("user_id", "paper_id", "status")
    }

    due: list[Outgoing] = []
    for club_id, club_meetings in by_club.items():
        club = clubs[club_id]
        people = members.get(club_id, [])
        upcoming = [m for m in club_meetings if m.starts_at <= shifted(now, DIGEST_HORIZON)]
        for meeting in club_meetings:
            meeting.readiness = readiness(meeting, people, list(meeting.papers.all()), status_of)

        moment, monday = digest_moment(club, now)
        if upcoming and due_within_grace(moment, now):
            week = monday.isocalendar()
            about = f"week:{week.year}-W{week.week:02}"
            for membership in people:
                if membership.wants_digest:
                    due.append(
                        Outgoing(
                            f"user:{membership.user_id}",
                            Kind.DIGEST,
                            about,
                            club,
                            upcoming[0],
                            membership,
                            upcoming[0].readiness.rows,
                        )
                    )

        hook_events = set(club.webhook_events) if club.webhook_url else set()
        for meeting in club_meetings:
            reminding = club.reminder_hours and due_within_grace(
                reminder_moment(meeting, club), now
            )
            if reminding:
                for row in meeting.readiness.rows:
                    behind = meeting.readiness.papers and not row.ready
                    if behind and row.membership.wants_reminders:
                        due.append(
                            Outgoing(
                                f"user:{row.membership.user_id}",
                                Kind.REMINDER,
                                meeting_subject(meeting),
                                club,
                                meeting,
                                row.membership,
                                meeting.readiness.rows,
                            )
                        )
                if "reminder" in hook_events:
                    due.append(
                        Outgoing(
                            f"club:{club.pk}",
                            Kind.HOOK_REMINDER,
                            meeting_subject(meeting),
                            club,
                            meeting,
                            rows=meeting.readiness.rows,
                        )
                    )
            announced = (
                "scheduled" in hook_events
                and club.webhook_since is not None
                and meeting.created_at >= club.webhook_since
                and due_within_grace(meeting.created_at, now)
            )
            if announced:
                due.append(
                    Outgoing(
                        f"club:{club.pk}",
                        Kind.HOOK_SCHEDULED,
                        f"meeting:{meeting.pk}",
                        club,
                        meeting,
                    )
                )
            voting = getattr(meeting, "voting", None)
            calling = (
                voting is not None
                and "voting" in hook_events
                and club.webhook_since is not None
                and voting.opened_at >= club.webhook_since
                and due_within_grace(voting.opened_at, now)
                and voting.closes_at > now
            )
            if calling:
                due.append(
                    Outgoing(
                        f"club:{club.pk}", Kind.HOOK_VOTING, f"voting:{voting.pk}", club, meeting
                    )
                )
    return due


# -- Claiming ---------------------------------------------------------------------------


def claim(due: list[Outgoing], run: str, now: datetime) -> list[tuple[int, Outgoing]]:
    """Record each message for this run; what comes back is this run's to send.

    A message another run already holds or sent is skipped; one that failed (or whose
    run died while holding it) is taken back for another attempt, if attempts remain.
    """
    if not due:
        return []
    by_key = {message.key: message for message in due}
    SentMessage.objects.bulk_create(
        [
            SentMessage(
                recipient=message.recipient,
                kind=message.kind,
                about=message.about,
                club=message.club,
                user_id=message.membership.user_id if message.membership else None,
                run=run,
                claimed_at=now,
            )
            for message in due
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    retryable = Q(status=Delivery.FAILED) | Q(
        status=Delivery.SENDING, claimed_at__lt=shifted(now, -STALE_CLAIM)
    )
    retry = [
        pk
        for pk, *key in SentMessage.objects.filter(
            retryable,
            attempts__lt=settings.NOTIFY_MAX_ATTEMPTS,
            about__in={message.about for message in due},
        )
        .exclude(run=run)
        .values_list("pk", "recipient", "kind", "about")
        if tuple(key) in by_key
    ]
    if retry:
        # The condition is checked again by the UPDATE, so two runs cannot both take one.
        SentMessage.objects.filter(retryable, pk__in=retry).update(
            run=run, status=Delivery.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    return [
        (pk, by_key[tuple(key)])
        for pk, *key in SentMessage.objects.filter(run=run, status=Delivery.SENDING).values_list(
            "pk", "recipient", "kind", "about"
        )
        if tuple(key) in by_key
    ]


# -- Composing --------------------------------------------------------------------------


def site_url() -> str:
    return settings.SITE_URL.rstrip("/")


def _local(moment: datetime, club: Club) -> datetime:
    try:
        return moment.astimezone(ZoneInfo(club.time_zone))
    except OverflowError:
        return moment


def _context(message: Outgoing) -> dict:
    meeting, club = message.meeting, message.club
    base = site_url()
    context = {
        "site_name": settings.SITE_NAME,
        "club": club,
        "club_url": base + club.get_absolute_url(),
        "meeting": meeting,
        "preferences_url": base + reverse("clubs:notifications"),
    }
    if meeting is not None:
        papers = list(meeting.papers.all())
        ready = [row for row in message.rows if row.ready]
        context.update(
            starts=_local(meeting.starts_at, club),
            meeting_url=base + meeting.get_absolute_url(),
            papers=[(paper, base + paper.get_absolute_url()) for paper in papers],
            required=STATUS_LABELS[meeting.minimum_pass],
            ready=ready,
            ready_names=", ".join(str(row.user) for row in ready),
            member_count=len(message.rows),
        )
        voting = getattr(meeting, "voting", None)
        if voting is not None and voting.is_open:
            context.update(
                voting_closes=_local(voting.closes_at, club),
                voting_url=base
                + reverse("clubs:proposals", args=[club.slug])
                + f"#meeting-{meeting.pk}",
            )
        if message.membership is not None:
            mine = next(
                (row for row in message.rows if row.membership.pk == message.membership.pk), None
            )
            context["mine"] = [
                (paper.title, STATUS_LABELS.get(status, "not started"))
                for paper, status in zip(papers, mine.statuses if mine else [], strict=False)
            ]
    return context


def _titles(meeting: Meeting) -> str:
    return ", ".join(paper.title for paper in meeting.papers.all()) or "no paper chosen yet"


def compose_email(message: Outgoing) -> EmailMultiAlternatives:
    context = _context(message)
    membership = message.membership
    preference = "digest" if message.kind == Kind.DIGEST else "reminders"
    unsubscribe = site_url() + reverse(
        "clubs:unsubscribe", args=[unsubscribe_token(membership, preference)]
    )
    context.update(
        user=membership.user, unsubscribe_url=unsubscribe, preference=PREFERENCES[preference][1]
    )
    when = f"{context['starts']:%a %b} {context['starts'].day}, {context['starts']:%H:%M}"
    if message.kind == Kind.DIGEST:
        titles = _titles(message.meeting)
        subject = f"[{settings.SITE_NAME}] {message.club.name} this week: {titles}"
        template = "clubs/email/digest"
    else:
        subject = f"[{settings.SITE_NAME}] Reminder: {message.club.name} meets {when}"
        template = "clubs/email/reminder"
    email = EmailMultiAlternatives(
        subject=subject[:200],
        body=render_to_string(f"{template}.txt", context),
        to=[membership.user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"{message.club.name} <{message.club.slug}.{preference}.readinggroup>",
            "Auto-Submitted": "auto-generated",
        },
    )
    email.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return email


def compose_webhook(message: Outgoing) -> tuple[str, str]:
    context = _context(message)
    meeting = message.meeting
    when = f"{context['starts']:%a %b} {context['starts'].day}, {context['starts']:%H:%M}"
    lines = [f"Papers: {_titles(meeting)}"]
    if meeting.presenter:
        lines.append(f"Presenter: {meeting.presenter}")
    lines.append(f"Expected before the meeting: {context['required']}")
    if message.kind == Kind.HOOK_VOTING:
        closes = _local(meeting.voting.closes_at, message.club)
        title = f"{message.club.name}: vote on what to read for {when}"
        lines = [
            f"Propose a paper and vote until {closes:%a %b} {closes.day}, {closes:%H:%M}.",
            site_url()
            + reverse("clubs:proposals", args=[message.club.slug])
            + f"#meeting-{meeting.pk}",
        ]
        return title, "\n".join(lines)
    if message.kind == Kind.HOOK_REMINDER:
        lines.append(f"Ready: {len(context['ready'])} of {context['member_count']}")
        title = f"{message.club.name} meets {when}"
    else:
        title = f"{message.club.name}: meeting scheduled for {when}"
    lines.append(context["meeting_url"])
    return title, "\n".join(lines)


# -- Sending ----------------------------------------------------------------------------


@dataclass
class RunReport:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = f"sent {self.sent}, failed {self.failed}, already sent or held {self.skipped}"
        return text + "".join(f"\n  {error}" for error in self.errors[:20])


def send_due(now: datetime) -> RunReport:
    report = RunReport()
    due = due_messages(now)
    run = uuid.uuid4().hex
    claimed = claim(due, run, now)
    report.skipped = len(due) - len(claimed)
    outcomes: dict[int, str] = {}

    emails = [(pk, m) for pk, m in claimed if m.recipient.startswith("user:")]
    if emails:
        connection = get_connection()
        try:
            try:
                connection.open()  # one connection for the run, not one per message
            except Exception:  # the server is down: each send below fails and is recorded
                log.warning("the mail server could not be reached", exc_info=True)
            for pk, message in emails:
                try:
                    email = compose_email(message)
                    email.connection = connection
                    email.send()
                    outcomes[pk] = ""
                except Exception as error:  # one recipient's failure must not stop the rest
                    outcomes[pk] = f"{type(error).__name__}: {error}"[:500] or "failed"
                    log.warning("notification %s to %s failed: %s", message.kind, pk, error)
        finally:
            try:
                connection.close()
            except Exception:  # a server that went away; the outcomes are recorded
                log.warning("closing the mail connection failed", exc_info=True)

    # Webhooks after the email, so a slow chat server delays no member's mail.
    for pk, message in claimed:
        if message.recipient.startswith("club:"):
            title, body = compose_webhook(message)
            outcomes[pk] = post_webhook(message.club.webhook_url, title, body)

    record(outcomes, now, report)
    return report


def record(outcomes: dict[int, str], now: datetime, report: RunReport) -> None:
    sent = [pk for pk, error in outcomes.items() if not error]
    if sent:
        SentMessage.objects.filter(pk__in=sent).update(status=Delivery.SENT, sent_at=now, error="")
    failed = [
        SentMessage(pk=pk, status=Delivery.FAILED, error=error)
        for pk, error in outcomes.items()
        if error
    ]
    if failed:
        SentMessage.objects.bulk_update(failed, ["status", "error"], batch_size=500)
    report.sent += len(sent)
    report.failed += len(failed)
    report.errors += [row.error for row in failed]


def send_test_webhook(club: Club, user: User) -> str:
    """Send a test message to the club's webhook now; "" when it went, else the error."""
    return post_webhook(
        club.webhook_url,
        f"{settings.SITE_NAME}: test message",
        f"{user} checked that {club.name}'s notifications arrive here.\n"
        f"{site_url()}{club.get_absolute_url()}",
    )
