"""A member's part of the club's week, for the account's download (accounts/export.py):
what they wrote, proposed, voted for and answered. Other members' writing is not theirs
and stays out, as do threads the spoiler lock would keep from them."""

from __future__ import annotations

from accounts.models import User

from .models import Away, Comment, Proposal, Question, QuestionVote, Rsvp, Vote


def _when(moment) -> str | None:
    return moment.isoformat() if moment else None


def member_data(user: User) -> dict:
    comments = Comment.objects.filter(author=user, deleted_at=None).select_related(
        "club", "meeting", "paper"
    )
    proposals = Proposal.objects.filter(proposed_by=user).select_related("meeting__club", "paper")
    return {
        "comments": [
            {
                "club": c.club.name,
                "meeting": _when(c.meeting.starts_at) if c.meeting_id else None,
                "paper": c.paper.title if c.paper_id else None,
                "reply_to": c.parent_id,
                "id": c.pk,
                "text": c.body,
                "written_at": _when(c.created_at),
                "edited_at": _when(c.edited_at),
                "hidden_by_an_organizer": c.hidden_at is not None,
            }
            for c in comments.order_by("created_at")
        ],
        "questions": [
            {
                "club": q.club.name,
                "paper": q.paper.title,
                "text": q.text,
                "status": q.status,
                "asked_at": _when(q.created_at),
            }
            for q in Question.objects.filter(author=user, note__isnull=True)
            .select_related("club", "paper")
            .order_by("created_at")
        ],
        "question_votes": [
            {"club": v.question.club.name, "paper": v.question.paper.title}
            for v in QuestionVote.objects.filter(user=user).select_related(
                "question__club", "question__paper"
            )
        ],
        "proposals": [
            {
                "club": p.meeting.club.name,
                "meeting": _when(p.meeting.starts_at),
                "paper": p.title,
                "why_read_it": p.pitch,
                "review": p.review,
                "proposed_at": _when(p.created_at),
            }
            for p in proposals.order_by("created_at")
        ],
        "votes": [
            {
                "club": v.proposal.meeting.club.name,
                "meeting": _when(v.proposal.meeting.starts_at),
                "paper": v.proposal.title,
            }
            for v in Vote.objects.filter(user=user).select_related(
                "proposal__meeting__club", "proposal__paper"
            )
        ],
        "answers": [
            {"club": r.meeting.club.name, "meeting": _when(r.meeting.starts_at), "answer": r.answer}
            for r in Rsvp.objects.filter(user=user).select_related("meeting__club")
        ],
        "away": [
            {"from": a.starts_on.isoformat(), "until": a.ends_on.isoformat(), "note": a.note}
            for a in Away.objects.filter(user=user)
        ],
    }
