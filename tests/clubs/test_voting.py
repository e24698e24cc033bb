"""Proposals for an upcoming meeting, approval voting on them, and assigning the winner."""

from datetime import timedelta
from functools import partial

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from clubs.models import Meeting, Membership, Proposal, Review, Role, Vote, VotingRound
from clubs.services import ClubError, cast_vote, settle_due_rounds
from papers.models import Paper
from tests.clubs.test_races import at_once, on_postgresql

HTMX = {"HX-Request": "true"}


@pytest.fixture
def upcoming(club) -> Meeting:
    return Meeting.objects.create(club=club, starts_at=timezone.now() + timedelta(days=7))


@pytest.fixture
def voting(upcoming, alice) -> VotingRound:
    return VotingRound.objects.create(
        meeting=upcoming, opened_by=alice, closes_at=timezone.now() + timedelta(days=2)
    )


def proposals_url(club) -> str:
    return reverse("clubs:proposals", args=[club.slug])


def propose(client, club, meeting, **data):
    return client.post(reverse("clubs:propose", args=[club.slug]), {"meeting": meeting.pk, **data})


def vote(client, club, proposal, **extra):
    return client.post(reverse("clubs:vote", args=[club.slug, proposal.pk]), extra)


def test_a_member_proposes_a_canon_paper_found_by_search(
    bob_client, bob, club, upcoming, make_paper
) -> None:
    paper = make_paper("Deep Residual Learning for Image Recognition")
    found = bob_client.get(proposals_url(club) + "?q=residual", headers=HTMX).content.decode()
    assert f'value="{paper.pk}"' in found and 'form="propose-form"' in found
    response = propose(bob_client, club, upcoming, paper=paper.pk, pitch="Skip connections!")
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert (proposal.paper, proposal.proposed_by, proposal.review) == (paper, bob, Review.READY)
    page = bob_client.get(response["Location"]).content.decode()
    assert "Deep Residual Learning" in page and "Skip connections!" in page


def test_the_same_paper_twice_is_refused_and_changes_nothing(
    bob_client, alice_client, club, upcoming, make_paper
) -> None:
    paper = make_paper("Attention Is All You Need")
    propose(bob_client, club, upcoming, paper=paper.pk)
    response = propose(alice_client, club, upcoming, paper=paper.pk)
    assert response.status_code == 200
    assert "already proposed for that meeting" in response.content.decode()
    assert Proposal.objects.count() == 1
    upcoming.papers.add(make_paper("Already assigned"))
    response = propose(bob_client, club, upcoming, paper=upcoming.papers.last().pk)
    assert "already on that meeting" in response.content.decode()
    assert Proposal.objects.count() == 1


def test_a_paper_not_in_the_canon_waits_for_an_organizer(
    bob_client, alice_client, club, upcoming
) -> None:
    entry = (
        "@article{toolformer, title={Toolformer: Language Models Can Teach Themselves to Use"
        " Tools}, author={Schick, Timo and Dwivedi-Yu, Jane}, year={2023}, eprint={2302.04761}}"
    )
    response = propose(bob_client, club, upcoming, identifier=entry)
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.paper is None and proposal.review == Review.WAITING
    assert proposal.candidate["arxiv_id"] == "2302.04761"
    assert not Paper.objects.exists()  # the canon is the organizers'
    # Not open for votes while it waits.
    VotingRound.objects.create(meeting=upcoming, closes_at=timezone.now() + timedelta(days=1))
    vote(bob_client, club, proposal)
    assert not Vote.objects.exists()
    # A member cannot accept it: only organizers curate.
    review = reverse("clubs:proposal-review", args=[club.slug, proposal.pk])
    assert bob_client.post(review, {"decision": "accept"}).status_code == 403
    alice_client.post(review, {"decision": "accept"})
    proposal.refresh_from_db()
    assert proposal.review == Review.READY
    assert proposal.paper.title.startswith("Toolformer") and proposal.paper.arxiv_id == "2302.04761"
    # A second review (a stale tab) is refused.
    response = alice_client.post(review, {"decision": "decline"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.review == Review.READY


def test_accepting_a_proposed_paper_merges_with_the_canon_instead_of_duplicating(
    bob_client, alice_client, club, upcoming, make_paper
) -> None:
    """A paper added to the canon after it was proposed is found by its identity."""
    propose(bob_client, club, upcoming, identifier="2302.04761", title="Toolformer")
    # arXiv is not reachable in tests: the title the member gave carries the proposal.
    proposal = Proposal.objects.get()
    assert proposal.candidate == proposal.candidate | {"arxiv_id": "2302.04761"}
    existing = make_paper("Toolformer", arxiv_id="2302.04761")
    review = reverse("clubs:proposal-review", args=[club.slug, proposal.pk])
    alice_client.post(review, {"decision": "accept"})
    proposal.refresh_from_db()
    assert proposal.paper == existing and Paper.objects.count() == 1


def test_an_unreadable_identifier_without_a_title_is_refused(bob_client, club, upcoming) -> None:
    response = propose(bob_client, club, upcoming, identifier="not an id")
    assert response.status_code == 200
    assert "not an arXiv id" in response.content.decode()
    assert not Proposal.objects.exists()


def test_proposals_are_for_upcoming_meetings_of_my_club(
    bob_client, club, other_club, make_paper
) -> None:
    past = Meeting.objects.create(club=club, starts_at=timezone.now() - timedelta(days=1))
    theirs = Meeting.objects.create(club=other_club, starts_at=timezone.now() + timedelta(days=3))
    paper = make_paper()
    for meeting in (past, theirs):
        response = propose(bob_client, club, meeting, paper=paper.pk)
        assert response.status_code == 200
        assert "one of the club&#x27;s upcoming meetings" in response.content.decode()
    assert not Proposal.objects.exists()


def test_approval_voting_with_totals_hidden_until_the_round_closes(
    alice_client, bob_client, charlie_client, alice, bob, club, upcoming, voting, make_paper
) -> None:
    first = Proposal.objects.create(meeting=upcoming, paper=make_paper("First"), proposed_by=bob)
    second = Proposal.objects.create(meeting=upcoming, paper=make_paper("Second"))
    vote(bob_client, club, first)
    vote(bob_client, club, second)  # approval: any number of proposals
    vote(alice_client, club, first)
    assert Vote.objects.count() == 3
    page = bob_client.get(proposals_url(club)).content.decode()
    assert "Voting is open" in page and "You voted for 2 of 2" in page
    assert "2 votes" not in page and "1 vote" not in page  # secret while open
    response = vote(bob_client, club, second, withdraw="1")
    assert response.status_code == 302 and Vote.objects.count() == 2  # changed their mind
    # A member of another club cannot vote here.
    assert vote(charlie_client, club, first).status_code == 404
    # A second vote on the same proposal is refused and counts once.
    response = alice_client.post(
        reverse("clubs:vote", args=[club.slug, first.pk]), headers=HTMX
    ).content.decode()
    assert "already voted for that proposal" in response
    assert Vote.objects.filter(proposal=first).count() == 2
    # Closing assigns the winner and shows the totals.
    response = alice_client.post(reverse("clubs:voting-close", args=[club.slug, upcoming.pk]))
    assert response.status_code == 302
    assert list(upcoming.papers.all()) == [first.paper]
    voting.refresh_from_db()
    assert voting.settled_at is not None and voting.winner == first
    page = bob_client.get(proposals_url(club)).content.decode()
    assert "2 votes · chosen" in page and "0 votes" in page and "Voting closed" in page
    # A vote after the round closed is refused and changes nothing.
    response = vote(bob_client, club, second)
    assert Vote.objects.count() == 2
    follow = bob_client.get(response["Location"]).content.decode()
    assert "Voting closed on" in follow


def test_a_tie_is_broken_by_the_organizer(
    alice_client, bob_client, club, upcoming, voting, make_paper
) -> None:
    first = Proposal.objects.create(meeting=upcoming, paper=make_paper("First"))
    second = Proposal.objects.create(meeting=upcoming, paper=make_paper("Second"))
    vote(bob_client, club, first)
    vote(alice_client, club, second)
    close = reverse("clubs:voting-close", args=[club.slug, upcoming.pk])
    alice_client.post(close)
    voting.refresh_from_db()
    assert voting.settled_at and not voting.winner_id and not upcoming.papers.exists()
    assert "Read this one" in alice_client.get(proposals_url(club)).content.decode()
    # A member cannot pick; an organizer cannot pick a proposal outside the tie.
    assert bob_client.post(close, {"winner": first.pk}).status_code == 403
    third = Proposal.objects.create(meeting=upcoming, paper=make_paper("Third"))
    alice_client.post(close, {"winner": third.pk})
    assert not upcoming.papers.exists()
    alice_client.post(close, {"winner": second.pk})
    assert list(upcoming.papers.all()) == [second.paper]
    voting.refresh_from_db()
    assert voting.winner == second
    # Decided rounds stay decided.
    alice_client.post(close, {"winner": first.pk})
    assert list(upcoming.papers.all()) == [second.paper]


def test_rounds_past_their_time_are_settled_by_the_notifications_run(
    bob_client, club, upcoming, make_paper
) -> None:
    voting = VotingRound.objects.create(
        meeting=upcoming, closes_at=timezone.now() + timedelta(hours=1)
    )
    winner = Proposal.objects.create(meeting=upcoming, paper=make_paper("Winner"))
    Proposal.objects.create(meeting=upcoming, paper=make_paper("Runner-up"))
    vote(bob_client, club, winner)
    assert settle_due_rounds(timezone.now()) == 0  # not yet
    assert settle_due_rounds(timezone.now() + timedelta(hours=2)) == 1
    voting.refresh_from_db()
    assert voting.winner == winner and list(upcoming.papers.all()) == [winner.paper]
    assert settle_due_rounds(timezone.now() + timedelta(hours=3)) == 0


def test_only_organizers_open_rounds_and_a_round_must_close_before_the_meeting(
    alice_client, bob_client, club, upcoming
) -> None:
    url = reverse("clubs:voting-open", args=[club.slug])
    local = timezone.localtime(upcoming.starts_at - timedelta(days=1))
    closes = local.strftime("%Y-%m-%dT%H:%M")
    assert bob_client.post(url, {"meeting": upcoming.pk, "closes_at": closes}).status_code == 403
    late = (upcoming.starts_at + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = alice_client.post(url, {"meeting": upcoming.pk, "closes_at": late})
    assert "before the meeting starts" in response.content.decode()
    assert not VotingRound.objects.exists()
    assert alice_client.post(url, {"meeting": upcoming.pk, "closes_at": closes}).status_code == 302
    assert VotingRound.objects.get().meeting == upcoming
    again = alice_client.post(url, {"meeting": upcoming.pk, "closes_at": closes})
    assert again.status_code == 200 and VotingRound.objects.count() == 1


def test_the_vote_fragment_swaps_the_meeting_block(
    bob_client, club, upcoming, voting, make_paper
) -> None:
    proposal = Proposal.objects.create(meeting=upcoming, paper=make_paper("A paper"))
    response = bob_client.post(reverse("clubs:vote", args=[club.slug, proposal.pk]), headers=HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith(f'<section id="meeting-{upcoming.pk}"')
    assert "✓ Voted" in body and "<html" not in body


def test_proposals_page_and_vote_fragment_query_counts_are_flat(
    bob_client, bob, club, make_user, make_paper
) -> None:
    from django.test.utils import CaptureQueriesContext

    def grow(count: int) -> None:
        for n in range(count):
            meeting = Meeting.objects.create(
                club=club, starts_at=timezone.now() + timedelta(days=2 + n)
            )
            VotingRound.objects.create(meeting=meeting, closes_at=meeting.starts_at)
            voter = make_user(f"voter{Membership.objects.count()}")
            Membership.objects.create(club=club, user=voter, role=Role.MEMBER)
            for k in range(3):
                proposal = Proposal.objects.create(
                    meeting=meeting, paper=make_paper(), proposed_by=voter
                )
                Vote.objects.create(proposal=proposal, user=voter)
                Vote.objects.create(proposal=proposal, user=bob) if k else None

    def count(method, url, **headers) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = getattr(bob_client, method)(url, headers=headers)
        assert response.status_code == 200
        return len(captured)

    def a_vote() -> int:
        fresh = Proposal.objects.exclude(vote_rows__user=bob).last()
        return count("post", reverse("clubs:vote", args=[club.slug, fresh.pk]), **HTMX)

    grow(2)
    small, fragment = count("get", proposals_url(club)), a_vote()
    grow(8)
    assert count("get", proposals_url(club)) == small and a_vote() == fragment
    # The page: session, user, membership, meetings, proposals, the vote form's meetings.
    # The vote: those three, the proposal, the round (locked), the vote in savepoints, the
    # meeting and its proposals.
    assert small <= 7 and fragment <= 12


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_votes_at_once_count_once(club, bob, upcoming, make_paper) -> None:
    """The database holds a second vote out, whatever the timing."""
    VotingRound.objects.create(meeting=upcoming, closes_at=timezone.now() + timedelta(days=1))
    proposal = Proposal.objects.create(meeting=upcoming, paper=make_paper())
    for _ in range(5):
        Vote.objects.all().delete()
        outcomes = at_once(*[partial(cast_vote, proposal=proposal, user=bob, club=club)] * 2)
        assert sum(isinstance(o, Vote) for o in outcomes) == 1, outcomes
        assert sum(isinstance(o, ClubError) for o in outcomes) == 1, outcomes
        assert Vote.objects.filter(proposal=proposal).count() == 1


def test_accepting_a_paper_proposed_twice_keeps_the_canon_proposal(
    bob_client, alice_client, club, upcoming
) -> None:
    """Proposed by id while someone proposes it from the canon: one proposal stays."""
    propose(bob_client, club, upcoming, identifier="2302.04761", title="Toolformer")
    waiting = Proposal.objects.get()
    review = reverse("clubs:proposal-review", args=[club.slug, waiting.pk])
    paper = Paper.objects.create(title="Toolformer", arxiv_id="2302.04761")
    from_canon = Proposal.objects.create(meeting=upcoming, paper=paper)
    response = alice_client.post(review, {"decision": "accept"})
    assert (
        "was already proposed for that meeting"
        in alice_client.get(response["Location"]).content.decode()
    )
    waiting.refresh_from_db()
    assert waiting.review == Review.DECLINED and waiting.paper is None
    assert Proposal.objects.filter(paper=paper).get() == from_canon
    assert Paper.objects.count() == 1


def test_closing_a_vote_with_nothing_proposed_says_so(alice_client, club, upcoming, voting):
    response = alice_client.post(reverse("clubs:voting-close", args=[club.slug, upcoming.pk]))
    page = alice_client.get(response["Location"]).content.decode()
    assert "nothing proposed to choose from" in page
    assert "Assign the winner" not in page and not upcoming.papers.exists()
