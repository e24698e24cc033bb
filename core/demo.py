"""A living demo club for a newcomer's first look: members, progress, shared logs, meetings."""

from __future__ import annotations

import random
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from clubs.models import Club, Meeting, Membership, Role
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
            outcome="Good discussion; see the open questions." if week < 0 else "",
        )
        meeting.papers.add(papers[(week + 4) % len(papers)])
        meetings.append(meeting)

    # Varied progress: keen members have finished most assigned papers, others lag behind.
    for index, user in enumerate(members):
        keenness = 1 - index / (len(members) + 1)
        for meeting in meetings:
            paper = meeting.papers.first()
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
    return club, credentials
