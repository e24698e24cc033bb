"""What a member may read of the club's talk about its papers, and how it is laid out.

The spoiler lock: a member sees the club's shared paper logs, open questions and
discussion of a paper only once their own reading of it has reached the club's
`discussion_pass` (Pass 1 unless the organizers chose otherwise). A meeting's thread is
about all of its papers, so it opens when every one of them is open. Views never pass a
locked paper's logs, questions or comments to a template.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q

from accounts.models import User, account_fields
from notes.models import STATUS_LABELS, TEXT_FIELDS, Note, Reading, Visibility

from .models import Club, Comment, Meeting, Membership, Question, QuestionStatus, QuestionVote

# A log's question needs the note's rendered HTML and its limitation, not its other texts.
NOTE_TEXTS = [f"note__{name}" for name in TEXT_FIELDS if name != "limitation"]


def member_ids(club: Club):
    """Every member of the club as a subquery, a former member's placeholder too (an
    account deleted with its shared logs kept): whose shared writing the club reads."""
    return Membership.objects.filter(club=club).values("user_id")


def my_statuses(user: User, paper_ids) -> dict[int, str]:
    """{paper id: my status} for these papers, in one query."""
    return dict(
        Reading.objects.filter(user=user, paper_id__in=list(paper_ids)).values_list(
            "paper_id", "status"
        )
    )


@dataclass
class Lock:
    """Which of a set of papers a member may discuss in a club."""

    club: Club
    statuses: dict[int, str]  # paper id -> the member's status
    user: User | None = None

    def opens(self, paper_id: int) -> bool:
        return self.club.opens_discussion(self.statuses.get(paper_id))

    def opens_all(self, paper_ids) -> bool:
        return all(self.opens(pk) for pk in paper_ids)

    @property
    def message(self) -> str:
        return lock_message(self.club)


def lock_message(club: Club) -> str:
    stage = STATUS_LABELS.get(club.discussion_pass, club.discussion_pass)
    return f"Reach {stage} to see the club's shared logs, questions and discussion."


def lock_for(club: Club, user: User, paper_ids) -> Lock:
    return Lock(club, my_statuses(user, paper_ids), user)


# -- Threads --------------------------------------------------------------------------------


def thread(comments) -> list[Comment]:
    """Top-level comments in order, each with `reply_list`, from a thread's comments."""
    top, replies = [], defaultdict(list)
    for comment in comments:
        (replies[comment.parent_id] if comment.parent_id else top).append(comment)
    for comment in top:
        comment.reply_list = replies.get(comment.pk, [])
    return top


def meeting_thread(club: Club, meeting: Meeting) -> list[Comment]:
    return thread(Comment.objects.thread(club, meeting=meeting))


def paper_thread(club: Club, paper) -> list[Comment]:
    return thread(Comment.objects.thread(club, paper=paper))


# -- Open questions -------------------------------------------------------------------------


@dataclass
class AgendaQuestion:
    """A question for the discussion: asked directly or taken from a shared paper log."""

    paper_id: int
    author: User | None
    html: str
    votes: int = 0
    my_vote: bool = False
    status: str = QuestionStatus.OPEN
    question_id: int | None = None
    note_id: int | None = None
    discussed_in_id: int | None = None
    carried_from: Meeting | None = None
    paper_title: str = ""
    created_at: object = None

    @property
    def from_log(self) -> bool:
        return self.note_id is not None

    @property
    def key(self) -> str:
        """The form value that names it: `q<id>` for a row, `n<note id>` for a log's."""
        return f"q{self.question_id}" if self.question_id else f"n{self.note_id}"

    @property
    def is_open(self) -> bool:
        return self.status == QuestionStatus.OPEN


def questions_for(
    club: Club,
    papers: list,
    user: User,
    *,
    shared_notes: list[Note],
    meeting: Meeting | None = None,
) -> list[AgendaQuestion]:
    """The club's questions on `papers`, most votes first: those still open (with any a
    past meeting carried over), those `meeting` discussed, and the limitation of each
    shared log in `shared_notes` that has no row yet. One query; `papers` must be the
    ones the member may see (the lock)."""
    titles = {paper.pk: paper.title for paper in papers}
    if not titles:
        return []
    mine = QuestionVote.objects.filter(question=OuterRef("pk"), user=user)
    # A log's question lasts while its author is in the club and shares the log: one who
    # left, or made it private, no longer speaks to the club through it.
    rows = (
        Question.objects.filter(club=club, paper_id__in=titles)
        .filter(
            Q(note__isnull=True)
            | Q(note__visibility=Visibility.CLUB, note__user_id__in=member_ids(club))
        )
        .select_related("author", "note", "carried_from")
        .defer(*account_fields("author"), *NOTE_TEXTS)
        .annotate(votes=Count("vote_rows"), my_vote=Exists(mine))
    )
    questions, logged = [], set()
    for row in rows:
        if row.note_id:
            logged.add(row.note_id)
            if not row.note.limitation.strip():
                continue
        wanted = row.status == QuestionStatus.OPEN or (
            meeting is not None and row.discussed_in_id == meeting.pk
        )
        if not wanted:
            continue
        questions.append(
            AgendaQuestion(
                paper_id=row.paper_id,
                author=row.author,
                html=row.note.html.get("limitation", "") if row.note_id else row.text_html,
                votes=row.votes,
                my_vote=row.my_vote,
                status=row.status,
                question_id=row.pk,
                note_id=row.note_id,
                discussed_in_id=row.discussed_in_id,
                carried_from=row.carried_from,
                paper_title=titles[row.paper_id],
                created_at=row.created_at,
            )
        )
    for note in shared_notes:
        if note.pk in logged or note.paper_id not in titles or not note.html.get("limitation"):
            continue
        questions.append(
            AgendaQuestion(
                paper_id=note.paper_id,
                author=note.user,
                html=note.html["limitation"],
                note_id=note.pk,
                paper_title=titles[note.paper_id],
                created_at=note.created_at,
            )
        )
    questions.sort(key=lambda q: (not q.is_open, -q.votes, q.created_at or 0))
    return questions


# -- The paper page: my clubs' shared logs -----------------------------------------------------


@dataclass
class ClubsOnPaper:
    """What my clubs have to say about a paper, as far as each club's lock lets me see."""

    notes: list[Note] = field(default_factory=list)  # shared logs I may read
    locked_notes: int = 0  # shared logs I may not read yet
    clubs: list[Membership] = field(default_factory=list)  # with `comment_count`, `opens`
    lock_text: str = ""


def clubs_on_paper(user: User, paper, status: str | None) -> ClubsOnPaper:
    """My clubs' shared logs on `paper` and their discussions of it, in two queries."""
    memberships = list(
        Membership.objects.filter(user=user)
        .select_related("club")
        .only("club__name", "club__slug", "club__discussion_pass")
        .annotate(
            comment_count=Count(
                "club__comments",
                filter=Q(
                    club__comments__paper=paper,
                    club__comments__deleted_at=None,
                    club__comments__hidden_at=None,
                ),
            )
        )
        .order_by("club__name")
    )
    view = ClubsOnPaper(clubs=memberships)
    if not memberships:
        return view
    open_clubs = set()
    for membership in memberships:
        membership.opens = membership.club.opens_discussion(status)
        if membership.opens:
            open_clubs.add(membership.club_id)
        elif not view.lock_text:
            view.lock_text = lock_message(membership.club)
    rows = (
        Note.objects.filter(
            paper=paper,
            visibility=Visibility.CLUB,
            user__memberships__club__in=[m.club_id for m in memberships],
        )
        .exclude(user=user)
        .select_related("user")
        .annotate(via_club=F("user__memberships__club_id"))
        .order_by("user__username")
    )
    readable, locked = {}, set()
    for note in rows:
        if note.via_club in open_clubs:
            readable[note.pk] = note
        else:
            locked.add(note.pk)
    view.notes = list(readable.values())
    view.locked_notes = len(locked - set(readable))
    return view
