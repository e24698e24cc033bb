"""The club's discussion: threads, the spoiler lock, open questions and the minutes."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clubs.models import Comment, Meeting, Membership, Question, QuestionStatus, QuestionVote, Role
from notes.models import Note, Reading, Status, Visibility

HTMX = {"HX-Request": "true"}


@pytest.fixture
def paper(meeting):
    return meeting.papers.get()


def read(user, paper, status=Status.PASS1) -> None:
    Reading.objects.update_or_create(user=user, paper=paper, defaults={"status": status})


def shared_log(user, paper, **fields) -> Note:
    note = Note(user=user, paper=paper, visibility=Visibility.CLUB, version=1, **fields)
    note.render()
    note.save()
    return note


def comment_url(club, meeting) -> str:
    return reverse("clubs:meeting-comment", args=[club.slug, meeting.pk])


def test_the_thread_and_logs_open_once_the_member_reaches_the_clubs_pass(
    alice_client, bob_client, alice, bob, club, meeting, paper
) -> None:
    read(alice, paper)
    shared_log(alice, paper, problem="ALICE-LOG", limitation="Why does it scale?")
    Comment.objects.create(club=club, meeting=meeting, author=alice, body="ALICE-COMMENT")
    page = bob_client.get(meeting.get_absolute_url()).content.decode()
    for secret in ["ALICE-LOG", "ALICE-COMMENT", "Why does it scale?"]:
        assert secret not in page
    assert "Reach Pass 1 to see the club" in page
    # Posting while locked is refused, says why, and leaks nothing of the thread.
    response = bob_client.post(comment_url(club, meeting), {"body": "Spoiler!"}, headers=HTMX)
    body = response.content.decode()
    assert "Not posted. Reach Pass 1" in body and "ALICE-COMMENT" not in body
    assert Comment.objects.count() == 1
    discussion = reverse("clubs:paper-discussion", args=[club.slug, paper.pk])
    assert "ALICE-COMMENT" not in bob_client.get(discussion).content.decode()
    read(bob, paper, Status.QUEUED)  # on the list is not reading it
    assert "ALICE-LOG" not in bob_client.get(meeting.get_absolute_url()).content.decode()
    read(bob, paper, Status.PASS1)
    page = bob_client.get(meeting.get_absolute_url()).content.decode()
    assert all(s in page for s in ["ALICE-LOG", "ALICE-COMMENT", "Why does it scale?"])


def test_a_club_can_choose_a_later_pass_or_no_lock(
    bob_client, alice, bob, club, meeting, paper
) -> None:
    read(alice, paper)
    shared_log(alice, paper, problem="ALICE-LOG")
    read(bob, paper, Status.PASS1)
    club.discussion_pass = "pass2"
    club.save()
    page = bob_client.get(meeting.get_absolute_url()).content.decode()
    assert "ALICE-LOG" not in page and "Reach Pass 2" in page
    club.discussion_pass = ""
    club.save()
    Reading.objects.filter(user=bob).delete()
    assert "ALICE-LOG" in bob_client.get(meeting.get_absolute_url()).content.decode()


def test_comments_replies_edits_and_deletes(
    alice_client, bob_client, alice, bob, club, meeting, paper
) -> None:
    read(alice, paper)
    read(bob, paper)
    url = comment_url(club, meeting)
    response = bob_client.post(url, {"body": "The ablation with $\\alpha = 0$?"}, headers=HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="thread"') and "ablation" in body
    top = Comment.objects.get()
    assert '<span class="arithmatex">\\(\\alpha = 0\\)</span>' in top.body_html
    alice_client.post(url, {"body": "Yes, that one.", "parent": top.pk})
    reply = Comment.objects.get(parent=top)
    # A reply to a reply joins the same top-level comment: one level only.
    bob_client.post(url, {"body": "Thanks!", "parent": reply.pk})
    assert Comment.objects.filter(parent=top).count() == 2
    assert not Comment.objects.filter(parent=reply).exists()
    # Editing my own comment marks it; editing someone else's is refused.
    edit = reverse("clubs:comment-edit", args=[club.slug, top.pk])
    assert alice_client.post(edit, {"body": "Hijack", "version": 0}).status_code == 403
    response = bob_client.post(edit, {"body": "The ablation without it?", "version": 0})
    assert response.status_code == 302
    top.refresh_from_db()
    assert top.body == "The ablation without it?" and top.edited_at and top.version == 1
    page = bob_client.get(meeting.get_absolute_url()).content.decode()
    assert "edited" in page
    # An edit from a stale copy (version 0 again) is refused and changes nothing.
    response = bob_client.post(edit, {"body": "Stale", "version": 0})
    assert response.status_code == 200 and "changed in another tab" in response.content.decode()
    top.refresh_from_db()
    assert top.body == "The ablation without it?"
    # Deleting a comment with replies keeps its place so the replies still read.
    delete = reverse("clubs:comment-delete", args=[club.slug, top.pk])
    assert alice_client.post(delete).status_code == 403
    bob_client.post(delete)
    top.refresh_from_db()
    assert top.deleted_at and top.body == "" and Comment.objects.count() == 3
    assert (
        "This comment was deleted." in bob_client.get(meeting.get_absolute_url()).content.decode()
    )
    # Without replies it goes.
    lone = Comment.objects.create(club=club, meeting=meeting, author=bob, body="Lone")
    bob_client.post(reverse("clubs:comment-delete", args=[club.slug, lone.pk]))
    assert not Comment.objects.filter(pk=lone.pk).exists()


def test_organizers_hide_comments_and_members_cannot(
    alice_client, bob_client, alice, bob, club, meeting, paper, charlie_client
) -> None:
    read(alice, paper)
    read(bob, paper)
    rude = Comment.objects.create(club=club, meeting=meeting, author=bob, body="RUDE-WORDS")
    hide = reverse("clubs:comment-hide", args=[club.slug, rude.pk])
    assert bob_client.post(hide, {"hidden": "1"}).status_code == 403  # a forged hide
    assert charlie_client.post(hide, {"hidden": "1"}).status_code == 404  # another club
    rude.refresh_from_db()
    assert rude.hidden_at is None
    alice_client.post(hide, {"hidden": "1"})
    rude.refresh_from_db()
    assert rude.hidden_at and rude.hidden_by == alice
    page = bob_client.get(meeting.get_absolute_url()).content.decode()
    assert "RUDE-WORDS" not in page and "hidden by an organizer" in page
    organizer_page = alice_client.get(meeting.get_absolute_url()).content.decode()
    assert "RUDE-WORDS" in organizer_page and "Show again" in organizer_page
    alice_client.post(hide, {"hidden": "0"})
    assert "RUDE-WORDS" in bob_client.get(meeting.get_absolute_url()).content.decode()


def test_an_empty_or_foreign_comment_changes_nothing(
    bob_client, charlie_client, bob, club, other_club, meeting, paper
) -> None:
    read(bob, paper)
    response = bob_client.post(comment_url(club, meeting), {"body": "   "})
    assert response.status_code == 302
    assert "Write something first" in bob_client.get(response["Location"]).content.decode()
    elsewhere = Comment.objects.create(club=other_club, paper=paper, author=None, body="Elsewhere")
    response = bob_client.post(comment_url(club, meeting), {"body": "Hi", "parent": elsewhere.pk})
    assert not Comment.objects.filter(club=club).exists()
    assert charlie_client.post(comment_url(club, meeting), {"body": "Hi"}).status_code == 404
    assert Comment.objects.count() == 1


def test_a_paper_thread_per_club(alice_client, bob_client, alice, bob, club, paper) -> None:
    read(alice, paper)
    url = reverse("clubs:paper-comment", args=[club.slug, paper.pk])
    alice_client.post(url, {"body": "About the paper itself"})
    comment = Comment.objects.get()
    assert comment.paper == paper and comment.meeting is None
    page = reverse("clubs:paper-discussion", args=[club.slug, paper.pk])
    assert "About the paper itself" in alice_client.get(page).content.decode()
    assert "About the paper itself" not in bob_client.get(page).content.decode()


def test_questions_by_votes_from_members_and_from_shared_logs(
    alice_client, bob_client, alice, bob, club, meeting, paper
) -> None:
    read(alice, paper)
    read(bob, paper)
    log = shared_log(alice, paper, limitation="LOG-QUESTION: does it transfer?")
    private = Note(user=bob, paper=paper, limitation="PRIVATE-QUESTION", version=1)
    private.render()
    private.save()
    ask = reverse("clubs:question-ask", args=[club.slug])
    response = bob_client.post(
        ask, {"meeting": meeting.pk, "paper": paper.pk, "text": "ASKED: why now?"}, headers=HTMX
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="questions"')
    assert "LOG-QUESTION" in body and "ASKED: why now?" in body
    assert "PRIVATE-QUESTION" not in body
    asked = Question.objects.get(text="ASKED: why now?")
    vote = reverse("clubs:question-vote", args=[club.slug])
    # Votes on the log's question make its row; the list puts most votes first.
    for client in (alice_client, bob_client):
        client.post(vote, {"meeting": meeting.pk, "question": f"n{log.pk}"})
    from_log = Question.objects.get(note=log)
    assert from_log.vote_rows.count() == 2 and from_log.text == ""
    page = bob_client.get(meeting.get_absolute_url()).content.decode()
    assert page.index("LOG-QUESTION") < page.index("ASKED: why now?")
    assert "PRIVATE-QUESTION" not in page
    # A second vote is refused and counts once; taking it back works.
    response = bob_client.post(
        vote, {"meeting": meeting.pk, "question": f"q{from_log.pk}"}, headers=HTMX
    )
    assert "already voted for that question" in response.content.decode()
    assert from_log.vote_rows.count() == 2
    bob_client.post(vote, {"meeting": meeting.pk, "question": f"q{from_log.pk}", "withdraw": "1"})
    assert from_log.vote_rows.count() == 1
    # Made private, the log's question leaves the club's list.
    Note.objects.filter(pk=log.pk).update(visibility=Visibility.PRIVATE)
    assert "LOG-QUESTION" not in bob_client.get(meeting.get_absolute_url()).content.decode()
    assert asked.vote_rows.count() == 0


def test_a_locked_member_can_neither_ask_nor_vote(
    alice_client, bob_client, alice, bob, club, meeting, paper
) -> None:
    read(alice, paper)
    question = Question.objects.create(club=club, paper=paper, author=alice, text="Q?")
    vote = reverse("clubs:question-vote", args=[club.slug])
    response = bob_client.post(
        vote, {"meeting": meeting.pk, "question": f"q{question.pk}"}, headers=HTMX
    )
    assert "Not counted. Reach Pass 1" in response.content.decode()
    assert "Q?" not in response.content.decode()
    ask = reverse("clubs:question-ask", args=[club.slug])
    bob_client.post(ask, {"meeting": meeting.pk, "paper": paper.pk, "text": "Sneaky"})
    assert not QuestionVote.objects.exists() and Question.objects.count() == 1
    assert "Sneaky" not in bob_client.get(meeting.get_absolute_url()).content.decode()


def test_another_clubs_question_is_not_found_from_here(
    alice_client, alice, club, other_club, meeting, paper
) -> None:
    read(alice, paper)
    theirs = Question.objects.create(club=other_club, paper=paper, text="THEIRS")
    vote = reverse("clubs:question-vote", args=[club.slug])
    response = alice_client.post(vote, {"meeting": meeting.pk, "question": f"q{theirs.pk}"})
    assert response.status_code == 302 and not QuestionVote.objects.exists()
    follow = alice_client.get(response["Location"]).content.decode()
    assert "That question was not found" in follow and "THEIRS" not in follow


def test_minutes_carry_questions_that_were_not_reached(
    alice_client, bob_client, alice, bob, club, meeting, paper
) -> None:
    read(alice, paper)
    read(bob, paper)
    # The meeting is under way; what was asked before its end is on its agenda.
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(minutes=30))
    discussed = Question.objects.create(club=club, paper=paper, author=bob, text="DISCUSSED-Q")
    later = Question.objects.create(club=club, paper=paper, author=bob, text="LATER-Q")
    log = shared_log(bob, paper, limitation="LOG-Q")
    url = reverse("clubs:minutes", args=[club.slug, meeting.pk])
    assert bob_client.get(url).status_code == 403
    form = alice_client.get(url).content.decode()
    assert all(q in form for q in ["DISCUSSED-Q", "LATER-Q", "LOG-Q"])
    response = alice_client.post(
        url, {"outcome": "We covered *most* of it.", "discussed": [f"q{discussed.pk}"]}
    )
    assert response.status_code == 302
    discussed.refresh_from_db()
    later.refresh_from_db()
    assert discussed.status == QuestionStatus.DISCUSSED and discussed.discussed_in_id == meeting.pk
    assert later.status == QuestionStatus.OPEN and later.carried_from_id == meeting.pk
    assert Question.objects.get(note=log).carried_from_id == meeting.pk
    page = bob_client.get(meeting.get_absolute_url()).content.decode()
    assert "<em>most</em>" in page and "discussed at this meeting" in page
    # The next meeting on the paper has the open ones, marked as carried over.
    following = Meeting.objects.create(club=club, starts_at=timezone.now() + timedelta(days=6))
    following.papers.add(paper)
    page = bob_client.get(following.get_absolute_url()).content.decode()
    assert "LATER-Q" in page and "LOG-Q" in page and "DISCUSSED-Q" not in page
    assert "carried over from" in page
    # Without one, the paper's discussion keeps them.
    following.delete()
    discussion = reverse("clubs:paper-discussion", args=[club.slug, paper.pk])
    page = bob_client.get(discussion).content.decode()
    assert "LATER-Q" in page and "DISCUSSED-Q" not in page


def test_the_paper_page_shows_my_clubs_logs_behind_the_lock(
    bob_client, alice, bob, club, paper, charlie
) -> None:
    read(alice, paper)
    shared_log(alice, paper, problem="ALICE-LOG")
    shared_log(charlie, paper, problem="CHARLIE-LOG")  # not in bob's clubs
    page = bob_client.get(paper.get_absolute_url()).content.decode()
    assert "ALICE-LOG" not in page and "1 shared log from your clubs" in page
    bob_client.post(reverse("notes:status", args=[paper.pk]), {"status": "pass1"}, headers=HTMX)
    fragment = bob_client.get(paper.get_absolute_url() + "?fragment=clubs", headers=HTMX)
    body = fragment.content.decode()
    assert body.lstrip().startswith('<section id="from-my-clubs"') and "ALICE-LOG" in body
    assert "CHARLIE-LOG" not in body
    page = bob_client.get(paper.get_absolute_url()).content.decode()
    assert "ALICE-LOG" in page and "CHARLIE-LOG" not in page


def queries(client, method: str, url: str, data=None, **headers) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data or {}, headers=headers)
    assert response.status_code in {200, 302}, (url, response.status_code)
    return len(captured)


def test_discussion_pages_and_fragments_stay_flat(
    bob_client, bob, club, meeting, paper, make_user
) -> None:
    read(bob, paper)

    def grow(start: int, count: int) -> None:
        for n in range(start, start + count):
            user = make_user(f"talker{n}")
            Membership.objects.create(club=club, user=user, role=Role.MEMBER)
            read(user, paper)
            shared_log(user, paper, problem="p", limitation=f"Question {n}?")
            top = Comment.objects.create(club=club, meeting=meeting, author=user, body="c")
            Comment.objects.create(club=club, meeting=meeting, author=bob, body="r", parent=top)
            Comment.objects.create(club=club, paper=paper, author=user, body="p")
            question = Question.objects.create(club=club, paper=paper, author=user, text="q")
            QuestionVote.objects.create(question=question, user=user)

    discussion = reverse("clubs:paper-discussion", args=[club.slug, paper.pk])
    vote = reverse("clubs:question-vote", args=[club.slug])

    def measure() -> list[int]:
        question = Question.objects.exclude(vote_rows__user=bob).first()
        return [
            queries(bob_client, "get", meeting.get_absolute_url()),
            queries(bob_client, "get", discussion),
            queries(bob_client, "post", comment_url(club, meeting), {"body": "x"}, **HTMX),
            queries(
                bob_client,
                "post",
                vote,
                {"meeting": meeting.pk, "question": f"q{question.pk}"},
                **HTMX,
            ),
        ]

    grow(0, 5)
    # The first comment of the hour also clears the rate counter's older windows.
    bob_client.post(comment_url(club, meeting), {"body": "warm-up"})
    small = measure()
    grow(5, 45)
    assert measure() == small
    weekly, page, comment, question_vote = small
    assert weekly <= 12 and page <= 10 and comment <= 10 and question_vote <= 12
