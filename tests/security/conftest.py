"""A small world with one of every kind of object, and a client for every kind of visitor."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from clubs.models import (
    Away,
    CalendarFeed,
    Club,
    Comment,
    Invitation,
    Meeting,
    Membership,
    Proposal,
    Question,
    Role,
)
from notes.models import Note, Reading, Visibility

ROLES = ["anonymous", "outsider", "member", "organizer", "staff"]
PRIVATE_MARKER = "PRIVATE-MARKER-7f3a"
SHARED_MARKER = "SHARED-MARKER-91bc"
COMMENT_MARKER = "COMMENT-MARKER-5d20"
QUESTION_MARKER = "QUESTION-MARKER-e6a7"


@dataclass
class World:
    club: Club
    other_club: Club
    meeting: Meeting
    invitation: Invitation
    membership: Membership
    paper: object
    feed: CalendarFeed
    proposal: Proposal
    comment: Comment
    question: Question
    away: Away
    users: dict[str, User]
    clients: dict[str, Client]


@pytest.fixture
def world(make_user, make_paper) -> World:
    organizer = make_user("olive", display_name="Olive")
    member = make_user("milo", display_name="Milo")
    outsider = make_user("otto", display_name="Otto")
    staff = make_user("sam", display_name="Sam", is_staff=True, is_superuser=True)
    club = Club.objects.create(name="Journal Club", slug="journal-club")
    other = Club.objects.create(name="Other Club", slug="other-club")
    Membership.objects.create(club=club, user=organizer, role=Role.ORGANIZER)
    membership = Membership.objects.create(club=club, user=member, role=Role.MEMBER)
    Membership.objects.create(club=other, user=outsider, role=Role.ORGANIZER)
    paper = make_paper("Attention Is All You Need", topics=["Transformers"], phase=4)
    meeting = Meeting.objects.create(club=club, starts_at=timezone.now() + timedelta(days=2))
    meeting.papers.add(paper)
    for user in (organizer, member, outsider):
        Reading.objects.create(user=user, paper=paper, status="pass1")
    private = Note(
        user=organizer,
        paper=paper,
        problem=PRIVATE_MARKER,
        thoughts=PRIVATE_MARKER,
        visibility=Visibility.PRIVATE,
        version=1,
    )
    private.render()
    private.save()
    shared = Note(
        user=member,
        paper=paper,
        problem=SHARED_MARKER,
        limitation=SHARED_MARKER,
        visibility=Visibility.CLUB,
        version=1,
    )
    shared.render()
    shared.save()
    users = {"outsider": outsider, "member": member, "organizer": organizer, "staff": staff}
    clients = {"anonymous": Client()}
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    return World(
        club=club,
        other_club=other,
        meeting=meeting,
        invitation=Invitation.objects.create(club=club, multi_use=True),
        membership=membership,
        paper=paper,
        feed=CalendarFeed.objects.create(user=member),
        proposal=Proposal.objects.create(
            meeting=meeting, paper=make_paper("Deep Residual Learning"), proposed_by=member
        ),
        comment=Comment.objects.create(
            club=club, meeting=meeting, author=member, body=COMMENT_MARKER
        ),
        question=Question.objects.create(
            club=club, paper=paper, author=member, text=QUESTION_MARKER
        ),
        away=Away.objects.create(
            user=member, starts_on=timezone.localdate(), ends_on=timezone.localdate()
        ),
        users=users,
        clients=clients,
    )
