"""A member's data is theirs: download all of it, or delete the account."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.export import SECTIONS
from accounts.models import User
from accounts.services import FORMER_MEMBER
from clubs.models import Club, Membership, Role
from notes.models import Note, Reading, StatusChange, Visibility
from notes.services import set_status
from tests.support import PASSWORD


@pytest.fixture
def club(alice, bob) -> Club:
    club = Club.objects.create(name="Journal Club", slug="journal-club")
    Membership.objects.create(club=club, user=bob, role=Role.ORGANIZER)
    Membership.objects.create(club=club, user=alice, role=Role.MEMBER)
    return club


@pytest.fixture
def meeting(club, make_paper):
    from clubs.models import Meeting

    meeting = Meeting.objects.create(club=club, starts_at=timezone.now() + timedelta(days=3))
    meeting.papers.add(make_paper("Deep Residual Learning"))
    return meeting


def write(user, paper, visibility=Visibility.PRIVATE, **fields) -> Note:
    note = Note(user=user, paper=paper, version=1, visibility=visibility, **fields)
    note.render()
    note.save()
    return note


def test_download_everything_i_have(alice, alice_client, bob, club, make_paper) -> None:
    paper = make_paper("Attention Is All You Need")
    set_status(user=alice, paper_id=paper.pk, status="pass1")
    set_status(user=alice, paper_id=paper.pk, status="done")
    write(alice, paper, problem="MY-PRIVATE-PROBLEM", thoughts="mine")
    write(bob, paper, problem="BOB-PRIVATE", visibility=Visibility.PRIVATE)
    response = alice_client.get(reverse("accounts:data"))
    assert response["Content-Disposition"] == 'attachment; filename="reading-group-alice.json"'
    data = json.loads(response.content)
    assert list(data)[2:] == [name for name, _ in SECTIONS]
    assert data["account"]["username"] == "alice" and "password" not in data["account"]
    (item,) = data["readings"]
    assert item["note"]["problem"] == "MY-PRIVATE-PROBLEM"
    assert [c["to"] for c in item["reading"]["history"]] == ["pass1", "done"]
    assert data["memberships"] == [
        {
            "club": "Journal Club",
            "role": "member",
            "joined_at": data["memberships"][0]["joined_at"],
            "weekly_digest": True,
            "meeting_reminders": True,
        }
    ]
    assert "BOB-PRIVATE" not in response.content.decode()


def test_the_download_does_not_grow_in_queries(alice, alice_client, club, make_paper) -> None:
    def add(count: int) -> None:
        for n in range(count):
            paper = make_paper(topics=[f"T{n % 3}"], phase=1)
            set_status(user=alice, paper_id=paper.pk, status="pass2")
            write(alice, paper, problem=f"p{n}")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            alice_client.get(reverse("accounts:data"))
        return len(captured)

    add(5)
    small = queries()
    add(45)
    assert queries() == small


def test_deleting_needs_the_password_and_a_forged_post_changes_nothing(
    alice, alice_client, make_paper
) -> None:
    paper = make_paper()
    write(alice, paper, problem="Still here")
    url = reverse("accounts:delete")
    for forged in ({}, {"keep_shared_logs": "on"}, {"password": "not it"}):
        response = alice_client.post(url, forged)
        assert response.status_code == 200
    assert "That is not your password; nothing was deleted." in response.content.decode()
    assert User.objects.filter(username="alice").exists()
    assert Note.objects.filter(user=alice).count() == 1


def test_deleting_takes_private_notes_and_keeps_shared_logs_only_when_asked(
    alice, alice_client, bob, club, make_paper
) -> None:
    paper, other = make_paper(), make_paper()
    set_status(user=alice, paper_id=paper.pk, status="done")
    write(alice, paper, problem="ALICE-SHARED", visibility=Visibility.CLUB)
    write(alice, other, problem="ALICE-PRIVATE")
    response = alice_client.post(
        reverse("accounts:delete"), {"password": PASSWORD, "keep_shared_logs": "on"}
    )
    assert response["Location"] == reverse("login")
    assert not User.objects.filter(username="alice").exists()
    assert not Reading.objects.exists() and not StatusChange.objects.exists()
    assert not Note.objects.filter(problem="ALICE-PRIVATE").exists()
    kept = Note.objects.get(problem="ALICE-SHARED")
    assert str(kept.user) == FORMER_MEMBER and not kept.user.is_active
    assert not kept.user.has_usable_password()
    assert Note.objects.visible_to(bob).filter(pk=kept.pk).exists()  # the club still reads it
    former = Membership.objects.get(user=kept.user)
    assert (former.club, former.role, former.wants_digest) == (club, Role.MEMBER, False)
    # The signed-out visitor is told what happened.
    page = alice_client.get(reverse("login")).content.decode()
    assert "Your account and your notes were deleted." in page


def test_without_the_choice_shared_logs_go_too(alice, alice_client, club, make_paper) -> None:
    write(alice, make_paper(), problem="ALICE-SHARED", visibility=Visibility.CLUB)
    alice_client.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert not Note.objects.exists()
    assert not User.objects.filter(display_name=FORMER_MEMBER).exists()


def test_the_last_organizer_of_a_club_with_members_cannot_leave_it_orphaned(
    bob, bob_client, alice, club, make_user
) -> None:
    page = bob_client.get(reverse("accounts:delete")).content.decode()
    assert "You are the only organizer of Journal Club" in page
    response = bob_client.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert "nothing was deleted" in response.content.decode()
    assert User.objects.filter(username="bob").exists() and Club.objects.exists()
    # Alone in a club of their own, the club goes with the account.
    solo = Club.objects.create(name="Solo", slug="solo")
    carol = make_user("carol")
    Membership.objects.create(club=solo, user=carol, role=Role.ORGANIZER)
    Membership.objects.filter(club=club, user=alice).update(role=Role.ORGANIZER)
    bob_client.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert not User.objects.filter(username="bob").exists()
    assert Club.objects.filter(name="Journal Club").exists()  # alice organizes it now
    from django.test import Client

    client = Client()
    client.force_login(carol)
    assert "Solo: it is deleted too" in client.get(reverse("accounts:delete")).content.decode()
    client.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert not Club.objects.filter(name="Solo").exists()


def test_the_only_administrator_cannot_delete_their_account(make_user) -> None:
    from django.test import Client

    admin = make_user("root", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(admin)
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert "only administrator" in response.content.decode()
    assert User.objects.filter(username="root").exists()
    make_user("second", is_superuser=True, is_staff=True)
    client.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert not User.objects.filter(username="root").exists()


def test_the_club_week_goes_with_the_account_unless_kept(
    alice, alice_client, bob, bob_client, club, meeting, make_paper
) -> None:
    """Comments, questions and proposals: anonymous under the former member when kept,
    gone otherwise (a comment with replies stays in place, marked deleted)."""
    from clubs.models import Comment, Proposal, Question, Rsvp, Vote, VotingRound

    paper = meeting.papers.get()
    for user in (alice, bob):
        set_status(user=user, paper_id=paper.pk, status="pass1")
    answered = Comment.objects.create(club=club, meeting=meeting, author=bob, body="BOB-TOP")
    Comment.objects.create(club=club, meeting=meeting, author=alice, body="a", parent=answered)
    Comment.objects.create(club=club, meeting=meeting, author=bob, body="BOB-LONE")
    Question.objects.create(club=club, paper=paper, author=bob, text="BOB-QUESTION")
    later = type(meeting).objects.create(club=club, starts_at=meeting.starts_at + timedelta(days=7))
    VotingRound.objects.create(meeting=later, closes_at=later.starts_at - timedelta(days=1))
    proposal = Proposal.objects.create(
        meeting=later, paper=make_paper(), proposed_by=bob, pitch="BOB-PITCH"
    )
    Vote.objects.create(proposal=proposal, user=bob)
    Rsvp.objects.create(meeting=meeting, user=bob, answer="going")
    data = json.loads(bob_client.get(reverse("accounts:data")).content)["club_week"]
    assert {c["text"] for c in data["comments"]} == {"BOB-TOP", "BOB-LONE"}
    assert data["questions"][0]["text"] == "BOB-QUESTION"
    assert data["proposals"][0]["why_read_it"] == "BOB-PITCH" and len(data["votes"]) == 1
    assert data["answers"] == [
        {"club": club.name, "meeting": meeting.starts_at.isoformat(), "answer": "going"}
    ]
    assert "a" not in {c["text"] for c in data["comments"]}  # alice's reply is hers
    # Bob organizes the club; alice takes over so bob may go.
    Membership.objects.filter(user=alice).update(role=Role.ORGANIZER)
    bob_client.post(reverse("accounts:delete"), {"password": PASSWORD})
    answered.refresh_from_db()
    assert answered.deleted_at and answered.body == "" and answered.replies.count() == 1
    assert not Comment.objects.filter(body="BOB-LONE").exists()
    assert not Question.objects.exists() and not Vote.objects.exists()
    assert not Rsvp.objects.exists()
    proposal.refresh_from_db()
    assert proposal.pitch == "" and proposal.proposed_by is None


def test_kept_club_writing_reads_as_a_former_members_who_is_not_listed(
    alice, alice_client, bob, bob_client, club, meeting
) -> None:
    from clubs.models import Comment

    paper = meeting.papers.get()
    for user in (alice, bob):
        set_status(user=user, paper_id=paper.pk, status="pass1")
    Comment.objects.create(club=club, meeting=meeting, author=alice, body="ALICE-SAYS")
    write(alice, paper, problem="ALICE-LOG", visibility=Visibility.CLUB)
    Membership.objects.filter(user=bob).update(role=Role.ORGANIZER)
    alice_client.post(reverse("accounts:delete"), {"password": PASSWORD, "keep_shared_logs": "on"})
    comment = Comment.objects.get(body="ALICE-SAYS")
    assert str(comment.author) == FORMER_MEMBER
    page = bob_client.get(meeting.get_absolute_url()).content.decode()
    assert "ALICE-SAYS" in page and "ALICE-LOG" in page and FORMER_MEMBER in page
    assert "of 1 ready" in page  # the placeholder is nobody to wait for
    home = bob_client.get(club.get_absolute_url()).content.decode()
    assert "Members (1)" in home


def test_keeping_shared_writing_does_not_keep_a_club_i_was_alone_in(
    alice, alice_client, bob, club, make_paper
) -> None:
    """The placeholder joins the clubs that go on, not the ones that go with the account."""
    solo = Club.objects.create(name="Solo", slug="solo")
    Membership.objects.create(club=solo, user=alice, role=Role.ORGANIZER)
    write(alice, make_paper(), problem="ALICE-SHARED", visibility=Visibility.CLUB)
    alice_client.post(reverse("accounts:delete"), {"password": PASSWORD, "keep_shared_logs": "on"})
    assert not Club.objects.filter(slug="solo").exists()
    kept = Note.objects.get(problem="ALICE-SHARED")
    assert list(Membership.objects.filter(user=kept.user).values_list("club__slug", flat=True)) == [
        club.slug
    ]
