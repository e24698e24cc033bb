"""A realistic, large dataset for the benchmark: thousands of papers, members and notes."""

import random
import time
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from clubs.models import (
    Club,
    Comment,
    Meeting,
    Membership,
    Proposal,
    Question,
    QuestionVote,
    Role,
    Rsvp,
    Vote,
    VotingRound,
)
from notes.markdown import RENDERER_VERSION, render_markdown
from notes.models import STAGES, TEXT_FIELDS, Note, Reading, Visibility
from papers.identity import normalize_title
from papers.models import Curriculum, Paper, Phase, Placement, Tier, Topic

WORDS = [
    "attention",
    "transformer",
    "diffusion",
    "scaling",
    "sparse",
    "retrieval",
    "alignment",
    "reward",
    "policy",
    "gradient",
    "latent",
    "token",
    "memory",
    "kernel",
    "convolution",
    "recurrent",
    "graph",
    "contrastive",
    "language",
    "vision",
    "quantized",
    "adapter",
    "mixture",
    "expert",
    "routing",
    "optimizer",
    "normalization",
    "residual",
    "embedding",
]

PASS2 = """The method section is where the paper earns its keep. They set up the problem as
$p_\\theta(x) = \\prod_t p_\\theta(x_t \\mid x_{{<t}})$ and then change one thing: {a}.

- The ablation in Table 3 removes {b} and loses most of the gain.
- Figure 2 is the one to show in the meeting.
- The appendix has the learning-rate schedule, which matters more than the text admits.

Are the results convincing? Mostly: three seeds, error bars, and a baseline that was tuned
as carefully as their own model. I would still like a run at a smaller scale, where $N \\ll 10^9$.
"""

LOG = {
    "problem": "How to make {a} work when {b} is the bottleneck.",
    "approach": "Replace the usual {b} step with a learned {a} module and train end to end.",
    "key_result": "Matches the strong baseline with roughly a third of the compute.",
    "limitation": "Does the gain survive when {b} is no longer the bottleneck?",
}


class Command(BaseCommand):
    help = "Fill an empty database with the benchmark dataset (use a throwaway database)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--papers", type=int, default=1000)
        parser.add_argument("--clubs", type=int, default=20)
        parser.add_argument("--members", type=int, default=50, help="per club")
        parser.add_argument("--readings", type=int, default=100_000)
        parser.add_argument("--note-share", type=float, default=0.3)
        parser.add_argument("--meetings", type=int, default=1000)

    @transaction.atomic
    def handle(self, *args, **opts) -> None:
        started = time.monotonic()
        rng = random.Random(42)  # noqa: S311 — benchmark data
        if Paper.objects.exists():
            self.stdout.write("The database already has papers; seeding skipped.")
            return

        topics = Topic.objects.bulk_create(
            [Topic(name=f"Topic {n}", slug=f"topic-{n}") for n in range(20)]
        )
        # Four curricula of three phases each; every club follows one of them.
        curricula = Curriculum.objects.bulk_create(
            [Curriculum(name=f"Curriculum {n}", slug=f"curriculum-{n}") for n in range(4)]
        )
        phases = Phase.objects.bulk_create(
            [
                Phase(curriculum=curricula[(n - 1) // 3], number=n, title=f"Phase title {n}")
                for n in range(1, 13)
            ]
        )
        papers = []
        for n in range(opts["papers"]):
            words = " ".join(rng.sample(WORDS, 5))
            title = f"{words.capitalize()} ({n})"
            papers.append(
                Paper(
                    title=title,
                    title_key=normalize_title(title),
                    authors="\n".join(f"Author{rng.randint(1, 500)}, A." for _ in range(4)),
                    year=rng.randint(2012, 2025),
                    venue=rng.choice(["NeurIPS", "ICML", "ICLR", "arXiv"]),
                    arxiv_id=f"{rng.randint(15, 25)}{rng.randint(1, 12):02d}.{n:05d}",
                    url="https://example.org/paper",
                    tldr=f"A study of {words} with a simple recipe and careful ablations.",
                    tier=rng.choice([None, Tier.MUST, Tier.RECOMMENDED, Tier.FURTHER]),
                )
            )
        papers = Paper.objects.bulk_create(papers, batch_size=1000)
        Paper.topics.through.objects.bulk_create(
            [
                Paper.topics.through(paper_id=p.pk, topic_id=t.pk)
                for p in papers
                for t in rng.sample(topics, 2)
            ]
        )
        Placement.objects.bulk_create(
            [
                Placement(paper=p, phase=phases[i % 12], tier=1 + i % 3, order=i)
                for i, p in enumerate(papers[:300])
            ]
        )
        Paper.builds_on.through.objects.bulk_create(
            [
                Paper.builds_on.through(from_paper_id=p.pk, to_paper_id=papers[i - 1 - j].pk)
                for i, p in enumerate(papers[1:], start=1)
                for j in range(min(i, 2))
            ]
        )

        password = make_password("bench-password-123")
        users = User.objects.bulk_create(
            [
                User(
                    username=f"member{n}",
                    display_name=f"Member {n}",
                    email=f"member{n}@example.org",
                    password=password,
                )
                for n in range(opts["clubs"] * opts["members"])
            ],
            batch_size=1000,
        )
        clubs = Club.objects.bulk_create(
            [Club(name=f"Club {n}", slug=f"club-{n}") for n in range(opts["clubs"])]
        )
        memberships = []
        for c, club in enumerate(clubs):
            club.curricula.set([rng.choice(curricula)])
            for m in range(opts["members"]):
                role = Role.ORGANIZER if m == 0 else Role.MEMBER
                memberships.append(
                    Membership(club=club, user=users[c * opts["members"] + m], role=role)
                )
        Membership.objects.bulk_create(memberships, batch_size=2000)

        now = timezone.now()
        per_club = opts["meetings"] // len(clubs)
        meetings = []
        for c, club in enumerate(clubs):
            for w in range(per_club):
                meetings.append(
                    Meeting(
                        club=club,
                        starts_at=now + timedelta(weeks=w - per_club // 2),
                        presenter=users[c * opts["members"] + w % opts["members"]],
                        agenda="1. Method\n2. Questions",
                        agenda_html="<ol><li>Method</li><li>Questions</li></ol>",
                    )
                )
        meetings = Meeting.objects.bulk_create(meetings, batch_size=1000)
        Meeting.papers.through.objects.bulk_create(
            [
                Meeting.papers.through(meeting_id=m.pk, paper_id=papers[i % 300].pk)
                for i, m in enumerate(meetings)
            ]
        )

        # Notes share a pool of rendered texts: rendering 30,000 notes one by one would
        # measure the seeder, not the app.
        pool = []
        for _ in range(40):
            a, b = rng.sample(WORDS, 2)
            texts = {name: "" for name in TEXT_FIELDS}
            texts |= {name: text.format(a=a, b=b) for name, text in LOG.items()}
            texts["pass2"] = PASS2.format(a=a, b=b)
            texts["thoughts"] = f"Worth re-reading after the {a} session."
            pool.append((texts, {name: render_markdown(t) for name, t in texts.items()}))
        readings, notes = [], []
        per_user = opts["readings"] // len(users)
        for user in users:
            for paper in rng.sample(papers, per_user):
                rank = rng.randint(0, 4)
                reading = Reading(user=user, paper=paper, status=STAGES[rank].value)
                for stage in STAGES[: rank + 1]:
                    setattr(reading, f"{stage.value}_at", now - timedelta(days=rng.randint(0, 90)))
                readings.append(reading)
                if rng.random() < opts["note_share"]:
                    texts, html = rng.choice(pool)
                    notes.append(
                        Note(
                            user=user,
                            paper=paper,
                            html=html,
                            renderer_version=RENDERER_VERSION,
                            version=1,
                            visibility=rng.choice([Visibility.PRIVATE, Visibility.CLUB]),
                            **texts,
                        )
                    )
        Reading.objects.bulk_create(readings, batch_size=5000)
        Note.objects.bulk_create(notes, batch_size=2000)
        self.club_weeks(rng, clubs, papers, opts["members"])
        self.stdout.write(
            f"Seeded {len(papers)} papers, {len(users)} members in {len(clubs)} clubs, "
            f"{len(readings)} readings, {len(notes)} notes, {len(meetings)} meetings "
            f"in {time.monotonic() - started:.0f} s."
        )

    def club_weeks(self, rng: random.Random, clubs: list, papers: list, size: int) -> None:
        """Each club's current week as members live it: most have read the week's paper,
        answered whether they come, talked and asked questions; the next meeting's paper
        is being voted on."""
        html = render_markdown(PASS2.format(a="attention", b="memory").split("\n\n")[0])
        rsvps, comments, questions, proposals, rounds = [], [], [], [], []
        for club in clubs:
            members = [m.user_id for m in club.memberships.all()]
            week, following = list(club.meetings.upcoming()[:2])
            paper = week.papers.first()
            mine = dict(
                Reading.objects.filter(user_id__in=members, paper=paper).values_list(
                    "user_id", "pk"
                )
            )
            Reading.objects.bulk_create(
                [
                    Reading(user_id=user, paper=paper, status=rng.choice(["pass1", "pass2"]))
                    for user in members
                    if user not in mine and rng.random() < 0.8
                ]
            )
            for user in members:
                if rng.random() < 0.7:
                    answer = rng.choice(["going", "going", "maybe", "no"])
                    rsvps.append(Rsvp(meeting=week, user_id=user, answer=answer))
            for n in range(24):
                comments.append(
                    Comment(
                        club=club,
                        meeting=week if n % 4 else None,
                        paper=None if n % 4 else paper,
                        author_id=rng.choice(members),
                        body="A thought on the method",
                        body_html=html,
                    )
                )
            for n in range(10):
                questions.append(
                    Question(
                        club=club,
                        paper=paper,
                        author_id=rng.choice(members),
                        text=f"Question {n}: does it hold at scale?",
                        text_html=f"<p>Question {n}: does it hold at scale?</p>",
                    )
                )
            rounds.append(
                VotingRound(meeting=following, closes_at=following.starts_at - timedelta(days=1))
            )
            for proposed in rng.sample(papers[300:], 6):
                proposals.append(
                    Proposal(meeting=following, paper=proposed, proposed_by_id=rng.choice(members))
                )
        Rsvp.objects.bulk_create(rsvps)
        comments = Comment.objects.bulk_create(comments)
        Comment.objects.bulk_create(
            [
                Comment(
                    club_id=top.club_id,
                    meeting_id=top.meeting_id,
                    paper_id=top.paper_id,
                    parent=top,
                    author_id=top.author_id,
                    body="A reply",
                    body_html="<p>A reply</p>",
                )
                for top in comments[::2]
            ]
        )
        questions = Question.objects.bulk_create(questions)
        VotingRound.objects.bulk_create(rounds)
        proposals = Proposal.objects.bulk_create(proposals)
        members_of = {club.pk: [m.user_id for m in club.memberships.all()] for club in clubs}
        QuestionVote.objects.bulk_create(
            [
                QuestionVote(question=q, user_id=user)
                for q in questions
                for user in rng.sample(members_of[q.club_id], rng.randint(0, size // 3))
            ]
        )
        club_of = dict(Meeting.objects.filter(voting__isnull=False).values_list("pk", "club_id"))
        Vote.objects.bulk_create(
            [
                Vote(proposal=p, user_id=user)
                for p in proposals
                for user in rng.sample(members_of[club_of[p.meeting_id]], rng.randint(0, size // 2))
            ]
        )
