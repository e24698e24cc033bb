"""A living demo club for a newcomer's first look: members, progress, shared logs, meetings."""

from __future__ import annotations

import random
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from clubs.models import (
    Answer,
    Club,
    Comment,
    Meeting,
    Membership,
    Proposal,
    Question,
    QuestionStatus,
    QuestionVote,
    Review,
    Role,
    Rsvp,
    Vote,
    VotingRound,
)
from notes.models import STAGES, Note, Visibility
from notes.services import set_status
from papers.models import Curriculum, Paper

DEMO_CLUB = "Demo Journal Club"
MEMBERS = [
    ("ada", "Ada"),
    ("grace", "Grace"),
    ("alan", "Alan"),
    ("katherine", "Katherine"),
    ("claude", "Claude"),
]

# Short logs in the demo members' voices; they are demo content, not summaries of record.
LOG_SNIPPETS = [
    {
        "problem": "How far can one architecture idea carry, if it is the only idea?",
        "approach": "Strip the model down to the one mechanism and scale it carefully.",
        "key_result": "The simple version wins once it is trained long enough.",
        "limitation": "How much of the gain comes from the training budget rather than the design?",
    },
    {
        "problem": "Training is expensive and most of the cost is not where we look.",
        "approach": "Measure where time and memory really go, then reorganise the computation.",
        "key_result": "Same answers, a fraction of the memory traffic.",
        "limitation": "Does the trick survive on hardware with a different memory hierarchy?",
    },
    {
        "problem": "The usual objective is awkward to optimise directly.",
        "approach": "Rewrite it so that a plain regression loss does the work: $\\mathcal{L} = "
        "\\mathbb{E}\\,\\|\\epsilon - \\hat\\epsilon\\|^2$.",
        "key_result": "A much simpler training loop with results that hold up.",
        "limitation": "Sampling is still slow: how few steps can we get away with?",
    },
]


# A short discussion in the demo members' voices: (author index, text, reply to index).
THREAD = [
    (1, "The ablation table is the part I keep coming back to: which row surprised you?", None),
    (2, "The one without the residual connections. I expected a small drop, not a collapse.", 0),
    (0, "Same. I'd like us to spend ten minutes on *why* before the method details.", 0),
    (
        3,
        "For the implementation pass: has anyone got the training loop running on a "
        "laptop? $O(n^2)$ memory bit me at sequence length 4k.",
        None,
    ),
    (4, "I cut the batch size and used gradient accumulation; notes in my log.", 3),
]
QUESTIONS = [
    "Would the result hold at a tenth of the compute?",
    "What would a fair baseline look like today?",
]
# A paper a member proposes that the canon does not have yet (facts only).
CANDIDATE = {
    "title": "Toolformer: Language Models Can Teach Themselves to Use Tools",
    "authors": "Schick, T.\nDwivedi-Yu, J.\nDessì, R.\nRaileanu, R.\nLomeli, M.\n"
    "Zettlemoyer, L.\nCancedda, N.\nScialom, T.",
    "year": 2023,
    "arxiv_id": "2302.04761",
    "url": "https://arxiv.org/abs/2302.04761",
    "kind": "paper",
}


def _demo_password() -> str:
    return secrets.token_urlsafe(12)


@transaction.atomic
def create_demo_club(organizer: User) -> tuple[Club, list[tuple[str, str]]] | None:
    """Create the demo club once; returns it with the members' (username, password)."""
    if Club.objects.filter(name=DEMO_CLUB).exists():
        return None
    placed = Paper.objects.filter(placements__isnull=False).order_by(
        "placements__phase__curriculum__name",
        "placements__phase__number",
        "placements__tier",
        "title",
    )
    # A paper placed in two phases comes twice from the join; keep its first place.
    papers = list(dict.fromkeys(placed)) or list(Paper.objects.order_by("title")[:12])
    if not papers:
        return None
    rng = random.Random(7)  # noqa: S311 — demo data, not security
    club = Club.objects.create(
        name=DEMO_CLUB,
        slug="demo-journal-club",
        description="A weekly ML journal club: one paper, one presenter, "
        "everyone reads pass 1 first.",
        place="Room 2.14 or the video link in the agenda",
    )
    club.curricula.set(Curriculum.objects.all())
    Membership.objects.create(club=club, user=organizer, role=Role.ORGANIZER)
    credentials = []
    members = [organizer]
    for username, name in MEMBERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            password = _demo_password()
            user = User.objects.create_user(
                username=username,
                password=password,
                email=f"{username}@example.org",
                display_name=name,
            )
            credentials.append((username, password))
        Membership.objects.create(club=club, user=user, role=Role.MEMBER)
        members.append(user)

    now = timezone.now()
    next_slot = club.next_slot()
    meetings = []
    for week in range(-4, 4):
        starts = next_slot + timedelta(weeks=week)
        meeting = Meeting.objects.create(
            club=club,
            starts_at=starts,
            presenter=members[(week + 4) % len(members)],
            place=club.place,
            agenda="1. Presenter walks through the method (20 min)\n2. Open questions\n3. "
            "What would we try next?",
            outcome="Good discussion: the ablations took most of the hour; see the questions below."
            if week < 0
            else "",
        )
        if week < 3:  # the last one's paper is being voted on
            meeting.papers.add(papers[(week + 4) % len(papers)])
        meetings.append(meeting)

    # Varied progress: keen members have finished most assigned papers, others lag behind.
    for index, user in enumerate(members):
        keenness = 1 - index / (len(members) + 1)
        for meeting in meetings:
            paper = meeting.papers.first()
            if paper is None:
                continue
            past = meeting.starts_at < now
            if rng.random() > keenness + (0.2 if past else -0.2):
                continue
            rank = rng.randint(1, 4) if past else rng.randint(0, 2)
            when = meeting.starts_at - timedelta(days=rng.randint(1, 6))
            # Through the one entry point, a stage an hour apart, so each reading has its history.
            for step, stage in enumerate(STAGES[: rank + 1]):
                at = min(when + timedelta(hours=step), now)
                set_status(user=user, paper_id=paper.pk, status=stage.value, when=at)
            if rank >= 2:
                log = LOG_SNIPPETS[(index + meeting.pk) % len(LOG_SNIPPETS)]
                note = Note(
                    user=user,
                    paper=paper,
                    visibility=Visibility.CLUB if index % 3 else Visibility.PRIVATE,
                    version=1,
                    **log,
                )
                note.render()
                note.save()
    _demo_week(club, members, meetings, papers, rng)
    return club, credentials


def _demo_week(club: Club, members: list, meetings: list, papers: list, rng) -> None:
    """The rest of a club's week: answers, a thread, questions with minutes, a vote."""
    last, upcoming, voted = meetings[3], meetings[4], meetings[-1]
    for index, user in enumerate(members):
        answer = [Answer.GOING, Answer.GOING, Answer.MAYBE, Answer.GOING, Answer.NO, None][
            index % 6
        ]
        if answer:
            Rsvp.objects.create(meeting=upcoming, user=user, answer=answer)
    # Members who read last week's paper talk about it; everyone may read along.
    posted = []
    for author, text, parent in THREAD:
        posted.append(
            Comment.objects.create(
                club=club,
                meeting=last,
                author=members[author],
                body=text,
                parent=posted[parent] if parent is not None else None,
                created_at=last.starts_at - timedelta(days=2) + timedelta(hours=len(posted)),
            )
        )
    for meeting in (last, upcoming):
        paper = meeting.papers.first()
        for number, text in enumerate(QUESTIONS):
            question = Question.objects.create(
                club=club,
                paper=paper,
                author=members[(number + 1) % len(members)],
                text=text,
                created_at=meeting.starts_at - timedelta(days=3),
            )
            for voter in members[: 4 - 2 * number]:
                QuestionVote.objects.create(question=question, user=voter)
            if meeting is last and number == 0:
                question.status, question.discussed_in = QuestionStatus.DISCUSSED, last
            elif meeting is last:
                question.carried_from = last  # not reached: open for the paper's next talk
            question.save()
    # The vote on the last meeting's paper: open until two days before it.
    VotingRound.objects.create(
        meeting=voted, opened_by=members[0], closes_at=voted.starts_at - timedelta(days=2)
    )
    assigned = {paper.pk for meeting in meetings for paper in meeting.papers.all()}
    others = list(Paper.objects.exclude(pk__in=assigned).order_by("title"))
    choices = rng.sample(others, 3) if len(others) >= 3 else others
    pitches = [
        "Short and central to what we read last month.",
        "Everyone cites it; few of us have read it.",
        "",
    ]
    for number, paper in enumerate(choices):
        proposal = Proposal.objects.create(
            meeting=voted,
            paper=paper,
            proposed_by=members[number + 1],
            pitch=pitches[number],
        )
        for voter in members:
            if rng.random() < 0.6 - 0.15 * number:
                Vote.objects.create(proposal=proposal, user=voter)
    Proposal.objects.create(
        meeting=voted,
        candidate=CANDIDATE,
        proposed_by=members[-1],
        pitch="Not in the canon yet: tool use is where the field went next.",
        review=Review.WAITING,
    )
