"""How the proposals for upcoming meetings read: one block per meeting, with its voting.

Totals are hidden while a round is open: the view drops them before any template sees
them, so no page or fragment can show them early.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone

from accounts.models import User

from .models import Club, Meeting, Proposal, Review, VotingRound
from .services import leaders


@dataclass
class MeetingProposals:
    meeting: Meeting
    proposals: list[Proposal] = field(default_factory=list)

    @property
    def voting(self) -> VotingRound | None:
        return getattr(self.meeting, "voting", None)

    @property
    def is_open(self) -> bool:
        return self.voting is not None and self.voting.is_open

    @property
    def is_over(self) -> bool:
        return self.voting is not None and self.voting.is_over

    @property
    def ready(self) -> list[Proposal]:
        return [p for p in self.proposals if p.review == Review.READY]

    @property
    def waiting(self) -> list[Proposal]:
        return [p for p in self.proposals if p.review == Review.WAITING]

    @property
    def declined(self) -> list[Proposal]:
        return [p for p in self.proposals if p.review == Review.DECLINED]

    @property
    def listed(self) -> list[Proposal]:
        """The proposals open for votes: most votes first once voting is over, else in
        the order they came."""
        if not self.is_over:
            return self.ready
        return sorted(self.ready, key=lambda p: (-p.votes, p.created_at))

    @property
    def winner(self) -> Proposal | None:
        chosen = self.voting.winner_id if self.voting else None
        return next((p for p in self.ready if p.pk == chosen), None) if chosen else None

    @property
    def tied(self) -> list[Proposal]:
        """The proposals an organizer picks from: tied for most votes, round undecided."""
        if not self.is_over or self.voting.winner_id:
            return []
        best = leaders(self.ready)
        return best if len(best) > 1 else []

    @property
    def my_votes(self) -> int:
        return sum(p.my_vote for p in self.ready)


def upcoming_proposals(
    club: Club, user: User, limit: int = 8, meeting_id: int | None = None
) -> list[MeetingProposals]:
    """The club's next meetings (or just one of them) with their voting and proposals, in
    two queries."""
    meetings = club.meetings.upcoming().filter(starts_at__gt=timezone.now())
    if meeting_id is not None:
        meetings = meetings.filter(pk=meeting_id)
    meetings = list(meetings.select_related("voting").annotate(paper_count=Count("papers"))[:limit])
    blocks = {meeting.pk: MeetingProposals(meeting) for meeting in meetings}
    for meeting in meetings:
        meeting.club = club
    if meetings:
        for proposal in Proposal.objects.for_meetings(meetings, user):
            block = blocks[proposal.meeting_id]
            proposal.meeting = block.meeting
            if not block.is_over:
                proposal.votes = None  # secret until the round closes
            block.proposals.append(proposal)
    return list(blocks.values())


def one_meeting(club: Club, user: User, meeting_id: int) -> MeetingProposals | None:
    """The block of one upcoming meeting, for the fragment a vote swaps in."""
    blocks = upcoming_proposals(club, user, meeting_id=meeting_id)
    return blocks[0] if blocks else None
