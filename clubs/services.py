"""Writes that span clubs, memberships, invitations and meetings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import User
from notes.markdown import render_markdown
from notes.models import Note, Visibility
from papers.models import Curriculum, Paper, unique_slug

from .models import (
    Answer,
    Away,
    Club,
    Comment,
    Invitation,
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


class ClubError(Exception):
    """An action that cannot be done, with a message for the person who tried."""


def create_club(*, user: User, name: str, curricula: Iterable[Curriculum] = (), **fields) -> Club:
    """The club, its first organizer and the curricula it follows, together or not at all."""
    with transaction.atomic():
        club = Club.objects.create(name=name, slug=unique_slug(Club, name), **fields)
        Membership.objects.create(user=user, club=club, role=Role.ORGANIZER)
        club.curricula.set(curricula)
    return club


def invite(
    *,
    club: Club,
    by: User,
    email: str = "",
    multi_use: bool = False,
    days: int = 14,
    base_url: str = "",
) -> Invitation:
    invitation = Invitation.objects.create(
        club=club,
        created_by=by,
        email=email,
        multi_use=multi_use and not email,
        expires_at=timezone.now() + timedelta(days=days),
    )
    if email:
        context = {
            "club": club,
            "by": by,
            "url": base_url + invitation.join_url(),
            "expires_at": invitation.expires_at,
            "site_name": settings.SITE_NAME,
        }
        send_mail(
            subject=f"[{settings.SITE_NAME}] {by} invites you to {club.name}",
            message=render_to_string("clubs/invitation_email.txt", context),
            from_email=None,
            recipient_list=[email],
        )
    return invitation


def invitation_problem(invitation: Invitation | None) -> str:
    """Why this invitation cannot be used now, as a sentence; "" when it can."""
    if invitation is None:
        return (
            "This invitation link is not valid. Check that you copied all of it, "
            "or ask for a new one."
        )
    if invitation.revoked:
        return "This invitation was withdrawn by the club's organizers. Ask them for a new one."
    if invitation.is_expired:
        return "This invitation has expired. Ask the club's organizers for a new one."
    if invitation.is_used_up:
        return "This invitation was already used. Ask the club's organizers for a new one."
    return ""


WRONG_EMAIL = (
    "This invitation was sent to another email address. Sign in with that account, "
    "or ask the organizers for an invitation."
)


def invitation_refuses(invitation: Invitation, user: User) -> str:
    """Why `user` may not accept this (valid) invitation, as a sentence; "" when they may.
    An invitation sent to an address belongs to whoever owns that address."""
    if invitation.email and invitation.email.casefold() != (user.email or "").casefold():
        return WRONG_EMAIL
    return ""


def accept_invitation(*, invitation: Invitation, user: User) -> Membership:
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        existing = Membership.objects.filter(club=locked.club, user=user).first()
        if existing:
            return existing
        if problem := invitation_problem(locked) or invitation_refuses(locked, user):
            raise ClubError(problem)
        locked.uses += 1
        locked.save(update_fields=["uses"])
        return Membership.objects.create(club=locked.club, user=user, role=Role.MEMBER)


def sign_up_and_join(*, invitation: Invitation, account: dict[str, str]) -> User:
    """A new account from the invitation's sign-up form, and its membership: together or
    not at all (an invitation used up meanwhile leaves no account behind)."""
    with transaction.atomic():
        user = User.objects.create_user(
            username=account["username"],
            email=account["email"],
            password=account["password1"],
            display_name=account["display_name"],
        )
        accept_invitation(invitation=invitation, user=user)
    return user


LAST_ORGANIZER = "A club needs at least one organizer: appoint another first."


def _locked(membership: Membership, by: User | None) -> Membership:
    """`membership` as it is now, read after locking its club's row: every change that
    could leave a club without an organizer takes this lock first, so two of them run
    one after the other and the second sees what the first did. Call inside atomic()."""
    Club.objects.select_for_update().get(pk=membership.club_id)
    current = Membership.objects.filter(pk=membership.pk).first()
    if current is None:
        raise ClubError("That person is no longer a member of the club; nothing changed.")
    if (
        by is not None
        and not Membership.objects.filter(
            club_id=membership.club_id, user=by, role=Role.ORGANIZER
        ).exists()
    ):
        raise ClubError("You are no longer an organizer of this club; nothing changed.")
    return current


def _other_organizers(membership: Membership) -> bool:
    return (
        Membership.objects.filter(club_id=membership.club_id, role=Role.ORGANIZER)
        .exclude(pk=membership.pk)
        .exists()
    )


def change_role(*, membership: Membership, role: str, by: User | None = None) -> Membership:
    """Give `membership` the `role`; `by`, when given, must still be an organizer."""
    with transaction.atomic():
        current = _locked(membership, by)
        demoting = current.role == Role.ORGANIZER and role != Role.ORGANIZER
        if demoting and not _other_organizers(current):
            raise ClubError(LAST_ORGANIZER)
        current.role = role
        current.save(update_fields=["role"])
    membership.role = role
    return membership


def remove_member(*, membership: Membership, by: User | None = None) -> None:
    """Remove `membership` (leaving, when it is `by`'s own or `by` is None); another
    member's removal needs `by` to still be an organizer."""
    if by is not None and membership.user_id == by.pk:
        by = None  # anyone may leave
    with transaction.atomic():
        current = _locked(membership, by)
        if current.role == Role.ORGANIZER and not _other_organizers(current):
            raise ClubError(LAST_ORGANIZER)
        current.delete()


def presenter_rotation(club: Club, on: date | None = None) -> list[Membership]:
    """Members in the order a fair rotation would pick them: never presented first, then
    whoever presented least recently. Only meetings that took place count (being down to
    present next week is not having presented), and members away `on` that day are left
    out."""
    past = Q(user__presentations__club=club, user__presentations__starts_at__lt=timezone.now())
    members = (
        club.memberships.filter(user__is_active=True)
        .select_related("user")
        .annotate(last_presented=Max("user__presentations__starts_at", filter=past))
    )
    if on is not None:
        away = Away.objects.filter(user=OuterRef("user_id"), starts_on__lte=on, ends_on__gte=on)
        members = members.annotate(is_away=Exists(away)).filter(is_away=False)
    return list(members.order_by(F("last_presented").asc(nulls_first=True), "joined_at"))


# -- RSVPs ------------------------------------------------------------------------------


def answer_rsvp(*, meeting: Meeting, user: User, answer: str) -> Rsvp:
    if answer not in Answer.values:
        raise ClubError("Answer going, maybe or not going.")
    if meeting.ends_at < timezone.now():
        raise ClubError("This meeting is over: there is nothing to answer any more.")
    # One INSERT … ON CONFLICT DO UPDATE: a first answer and a change of mind alike.
    (rsvp,) = Rsvp.objects.bulk_create(
        [Rsvp(meeting=meeting, user=user, answer=answer, updated_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["meeting", "user"],
        update_fields=["answer", "updated_at"],
    )
    return rsvp


# -- Proposals and voting -----------------------------------------------------------------


def _when(moment: datetime, club: Club) -> str:
    """A moment as the club's members read it: in the club's time zone."""
    return date_format(timezone.localtime(moment, ZoneInfo(club.time_zone)), "D M j, H:i")


def _proposal_key(values: dict) -> str:
    from papers.identity import identity_key

    return identity_key(
        arxiv_id=values.get("arxiv_id", ""),
        doi=values.get("doi", ""),
        title=values.get("title", ""),
        year=values.get("year"),
    )


def propose(
    *,
    meeting: Meeting,
    user: User,
    paper: Paper | None = None,
    candidate: dict | None = None,
    pitch: str = "",
) -> Proposal:
    """Propose a canon paper (open for votes at once) or a candidate for the canon (which
    waits for an organizer) for an upcoming meeting. Refuses a paper already proposed or
    assigned, and proposals once voting has closed."""
    if meeting.starts_at <= timezone.now():
        raise ClubError("That meeting has started already: propose for an upcoming one.")
    voting = VotingRound.objects.filter(meeting=meeting).first()
    if voting is not None and voting.is_over:
        raise ClubError("Voting for that meeting has closed: propose for a later one.")
    if paper is not None:
        if meeting.papers.filter(pk=paper.pk).exists():
            raise ClubError(f"“{paper.title}” is already on that meeting's reading.")
        try:
            with transaction.atomic():
                return Proposal.objects.create(
                    meeting=meeting, paper=paper, proposed_by=user, pitch=pitch
                )
        except IntegrityError:
            raise ClubError(f"“{paper.title}” is already proposed for that meeting.") from None
    if not candidate or not candidate.get("title", "").strip():
        raise ClubError("Give the paper's title, or pick a paper from the canon.")
    key = _proposal_key(candidate)
    waiting = Proposal.objects.filter(meeting=meeting, review=Review.WAITING)
    if any(_proposal_key(other.candidate) == key for other in waiting):
        raise ClubError(f"“{candidate['title']}” is already proposed for that meeting.")
    return Proposal.objects.create(
        meeting=meeting, candidate=candidate, proposed_by=user, pitch=pitch, review=Review.WAITING
    )


def candidate_into_canon(candidate: dict, *, by: User) -> Paper:
    """Add a proposal's paper to the canon, or find it there: the importer's identity
    matching (arXiv id, DOI, title and year) means no duplicate is ever created."""
    from papers.importers.records import PaperRecord, make_result
    from papers.services import Importer

    year = candidate.get("year")
    record = PaperRecord(
        title=candidate["title"].strip()[:500],
        line=1,
        authors=[a.strip() for a in str(candidate.get("authors", "")).splitlines() if a.strip()],
        year=int(year) if str(year or "").isdigit() else None,
        venue=str(candidate.get("venue", ""))[:300],
        url=str(candidate.get("url", ""))[:500],
        arxiv_id=str(candidate.get("arxiv_id", "")),
        doi=str(candidate.get("doi", "")),
        abstract=str(candidate.get("abstract", "")),
        kind=candidate.get("kind") or "paper",
    )
    importer = Importer(added_by=by, reader=None, source="A club proposal")
    importer.run(make_result("proposal", [record]))
    paper = importer.find(record)
    if paper is None or paper.pk is None:  # the importer always finds what it just saved
        raise ClubError("The paper could not be added to the canon.")
    return paper


def review_proposal(*, proposal: Proposal, by: User, accept: bool) -> Proposal:
    """An organizer accepts a proposed paper into the canon (the proposal opens for votes)
    or declines it."""
    with transaction.atomic():
        voting = _locked_round(proposal.meeting_id)
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if locked.review != Review.WAITING:
            raise ClubError("This proposal was already reviewed; nothing changed.")
        locked.reviewed_by = by
        if not accept:
            locked.review = Review.DECLINED
            locked.save(update_fields=["review", "reviewed_by"])
            return locked
        if voting is not None and voting.is_over:
            raise ClubError(
                "Voting for that meeting has closed: a paper accepted now would join a vote "
                "nobody could cast. Decline it, or have it proposed for a later meeting."
            )
        paper = candidate_into_canon(locked.candidate, by=by)
        locked.twin = Proposal.objects.filter(meeting=locked.meeting_id, paper=paper).first()
        if locked.twin is None:
            locked.paper, locked.review = paper, Review.READY
            try:
                with transaction.atomic():
                    locked.save(update_fields=["paper", "review", "reviewed_by"])
                return locked
            except IntegrityError:  # proposed from the canon this very moment
                locked.twin = Proposal.objects.get(meeting=locked.meeting_id, paper=paper)
                locked.paper = None
        # Proposed from the canon meanwhile: that proposal and its votes stand, and this
        # one makes way for it.
        locked.review = Review.DECLINED
        locked.save(update_fields=["review", "reviewed_by"])
    return locked


def withdraw_proposal(*, proposal: Proposal, by: User, as_organizer: bool) -> None:
    if proposal.proposed_by_id != by.pk and not as_organizer:
        raise ClubError("Only the member who proposed it, or an organizer, can withdraw it.")
    with transaction.atomic():
        voting = _locked_round(proposal.meeting_id)
        if voting is not None and voting.is_over:
            raise ClubError("Voting has closed: the proposals stand as they were.")
        proposal.delete()


def _locked_round(meeting_id: int, proposal_id: int | None = None) -> VotingRound | None:
    """The meeting's round, locked: votes, withdrawals and closing take their turns. With
    `proposal_id`, `proposal_review` is that proposal's review as it stands now ("" if it
    was withdrawn), read in the same query."""
    rounds = VotingRound.objects.select_for_update().filter(meeting_id=meeting_id)
    if proposal_id is not None:
        review = Proposal.objects.filter(pk=proposal_id).values("review")[:1]
        rounds = rounds.annotate(proposal_review=Coalesce(Subquery(review), Value("")))
    return rounds.first()


def open_round(*, meeting: Meeting, by: User, closes_at: datetime) -> VotingRound:
    now = timezone.now()
    if closes_at <= now:
        raise ClubError("Choose a closing time in the future.")
    if closes_at > meeting.starts_at:
        raise ClubError("Voting must close before the meeting starts.")
    try:
        with transaction.atomic():
            return VotingRound.objects.create(meeting=meeting, opened_by=by, closes_at=closes_at)
    except IntegrityError:
        raise ClubError("Voting for that meeting is open already.") from None


def _open_round_for(proposal: Proposal, club: Club) -> VotingRound:
    """The proposal's round, locked, if votes may change now; else a ClubError saying why.
    The proposal is read again under the lock: it may have been withdrawn meanwhile."""
    voting = _locked_round(proposal.meeting_id, proposal.pk)
    if voting is None:
        raise ClubError("Voting has not opened for that meeting yet.")
    if voting.is_over:
        closed = min(voting.closes_at, voting.settled_at or voting.closes_at)
        raise ClubError(f"Voting closed on {_when(closed, club)}; nothing changed.")
    review = voting.proposal_review
    if not review:
        raise ClubError("That proposal was withdrawn; nothing changed.")
    if review != Review.READY:
        raise ClubError("That proposal is not open for votes.")
    return voting


def cast_vote(*, proposal: Proposal, user: User, club: Club) -> Vote:
    with transaction.atomic():
        _open_round_for(proposal, club)
        try:
            with transaction.atomic():
                return Vote.objects.create(proposal=proposal, user=user)
        except IntegrityError:
            raise ClubError("You already voted for that proposal; your vote counts once.") from None


def withdraw_vote(*, proposal: Proposal, user: User, club: Club) -> None:
    with transaction.atomic():
        _open_round_for(proposal, club)
        removed, _ = Vote.objects.filter(proposal=proposal, user=user).delete()
    if not removed:
        raise ClubError("You had not voted for that proposal; nothing changed.")


def tally(voting: VotingRound) -> list[Proposal]:
    """The round's proposals open for votes, most votes first (`votes` set on each)."""
    return list(
        Proposal.objects.filter(meeting_id=voting.meeting_id, review=Review.READY)
        .select_related("paper")
        .annotate(votes=Count("vote_rows"))
        .order_by("-votes", "created_at")
    )


def leaders(proposals: list[Proposal]) -> list[Proposal]:
    """The proposals with the most votes (all of them when nobody voted)."""
    top = max((p.votes for p in proposals), default=0)
    return [p for p in proposals if p.votes == top]


def settle_round(
    *, voting: VotingRound, winner_id: int | None = None, now: datetime | None = None
) -> VotingRound:
    """Close the round (now, if it is still open) and assign its winner to the meeting:
    the proposal with the most votes or, when several tie, the one an organizer picks
    (`winner_id`). A tie without a pick leaves the round closed and undecided."""
    from .forms import MAX_MEETING_PAPERS

    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked_round(voting.meeting_id)
        if locked is None:
            raise ClubError("There is no voting for that meeting.")
        if locked.winner_id:
            raise ClubError("That vote is decided already; nothing changed.")
        if locked.settled_at is None:
            locked.settled_at = min(now, locked.closes_at)
        best = leaders(tally(locked))
        if winner_id is not None:
            chosen = next((p for p in best if p.pk == winner_id), None)
            if chosen is None:
                raise ClubError("Pick one of the proposals tied for the most votes.")
        else:
            chosen = best[0] if len(best) == 1 else None
        if chosen is not None:
            meeting = Meeting.objects.select_for_update().get(pk=locked.meeting_id)
            if meeting.papers.count() >= MAX_MEETING_PAPERS:
                if winner_id is not None:  # an organizer's pick: say why it cannot be
                    raise ClubError(f"That meeting has {MAX_MEETING_PAPERS} papers already.")
                chosen = None  # closed all the same; an organizer makes room and picks
            else:
                meeting.papers.add(chosen.paper)
                locked.winner = chosen
        locked.save(update_fields=["settled_at", "winner"])
    return locked


def settle_due_rounds(now: datetime) -> int:
    """Settle every round whose closing time has passed (run with the notifications)."""
    settled = 0
    due = VotingRound.objects.filter(settled_at__isnull=True, closes_at__lte=now)
    for voting in due:
        try:
            settle_round(voting=voting, now=now)
        except ClubError:
            continue
        settled += 1
    return settled


# -- Discussion ---------------------------------------------------------------------------


def post_comment(
    *,
    club: Club,
    author: User,
    body: str,
    meeting: Meeting | None = None,
    paper: Paper | None = None,
    parent: Comment | None = None,
) -> Comment:
    """A comment in the thread of `meeting` or `paper`; a reply goes under the thread's
    top-level comment (one level of replies)."""
    fields = {"club": club, "author": author, "body": body, "meeting": meeting, "paper": paper}
    if parent is None:
        return Comment.objects.create(**fields)
    same_thread = parent.club_id == club.pk and (
        (meeting is not None and parent.meeting_id == meeting.pk)
        or (paper is not None and parent.paper_id == paper.pk)
    )
    if not same_thread:
        raise ClubError("That comment is in another thread; nothing was posted.")
    with transaction.atomic():
        # Locked: a reply and its parent's deletion take turns (delete_comment).
        parent = (
            Comment.objects.select_for_update().filter(pk=parent.parent_id or parent.pk).first()
        )
        if parent is None or parent.is_gone:
            raise ClubError("That comment was deleted; start a new one instead.")
        return Comment.objects.create(**fields, parent=parent)


def edit_comment(*, comment: Comment, user: User, body: str, version: int) -> Comment:
    """Change my comment's text, unless it changed since `version` (another tab)."""
    if comment.author_id != user.pk:
        raise ClubError("You can edit only your own comments.")
    if comment.is_gone:
        raise ClubError("That comment was deleted.")
    html, now = render_markdown(body), timezone.now()
    updated = Comment.objects.filter(pk=comment.pk, version=version, deleted_at=None).update(
        body=body, body_html=html, edited_at=now, version=F("version") + 1
    )
    if not updated:
        raise ClubError(
            "This comment was changed in another tab or window after you opened it; "
            "nothing was saved. Reload to see it, then edit again."
        )
    comment.body, comment.body_html, comment.edited_at = body, html, now
    comment.version = version + 1
    return comment


def delete_comment(*, comment: Comment, user: User) -> None:
    """Delete my comment; one with replies keeps its place, marked deleted, so the
    replies still read in order."""
    if comment.author_id != user.pk:
        raise ClubError("You can delete only your own comments.")
    with transaction.atomic():
        # Locked, so a reply posted at this moment is seen (post_comment takes the lock).
        Comment.objects.select_for_update().filter(pk=comment.pk).first()
        if comment.replies.exists():
            Comment.objects.filter(pk=comment.pk).update(
                body="", body_html="", deleted_at=timezone.now()
            )
        else:
            comment.delete()


def hide_comment(*, comment: Comment, by: User, hidden: bool) -> None:
    """An organizer hides a comment from the club, or shows it again."""
    Comment.objects.filter(pk=comment.pk).update(
        hidden_at=timezone.now() if hidden else None, hidden_by=by if hidden else None
    )


# -- Open questions -----------------------------------------------------------------------


def ask_question(*, club: Club, paper: Paper, author: User, text: str) -> Question:
    return Question.objects.create(club=club, paper=paper, author=author, text=text)


def shared_log(*, club: Club, note_id: int) -> Note:
    """A club member's paper log shared with their clubs that asks a question (its
    limitation field), or ClubError."""
    note = (
        Note.objects.filter(pk=note_id, visibility=Visibility.CLUB, user__memberships__club=club)
        .exclude(limitation="")
        .only("pk", "paper_id", "user_id")
        .first()
    )
    if note is None:
        raise ClubError("That question is no longer shared with the club; nothing changed.")
    return note


def question_from_log(*, club: Club, note: Note) -> Question:
    """The question a shared log asks (`shared_log`), as a row that votes and minutes can
    refer to; created the first time it is needed."""
    try:
        with transaction.atomic():
            question, _ = Question.objects.get_or_create(
                club=club,
                note=note,
                defaults={"paper_id": note.paper_id, "author_id": note.user_id},
            )
    except IntegrityError:  # created by a concurrent vote a moment ago
        question = Question.objects.get(club=club, note=note)
    return question


def vote_question(*, question: Question, user: User) -> None:
    if question.status != QuestionStatus.OPEN:
        raise ClubError("That question was discussed already.")
    try:
        with transaction.atomic():
            QuestionVote.objects.create(question=question, user=user)
    except IntegrityError:
        raise ClubError("You already voted for that question; your vote counts once.") from None


def unvote_question(*, question: Question, user: User) -> None:
    removed, _ = QuestionVote.objects.filter(question=question, user=user).delete()
    if not removed:
        raise ClubError("You had not voted for that question; nothing changed.")


def record_minutes(
    *, meeting: Meeting, outcome: str, questions: list[Question], discussed: set[int]
) -> None:
    """The meeting's outcome, and for each question it had on its agenda whether it was
    discussed; those it did not reach stay open and carry over."""
    with transaction.atomic():
        meeting.outcome = outcome
        # Only the minutes: an edit of the meeting saved meanwhile stands.
        meeting.save(update_fields=["outcome", "outcome_html", "updated_at"])
        for question in questions:
            if question.pk in discussed:
                question.status, question.discussed_in = QuestionStatus.DISCUSSED, meeting
                question.carried_from = None
            else:
                question.status, question.discussed_in = QuestionStatus.OPEN, None
                later = question.carried_from
                # Carried from the last meeting that did not reach it: minutes of an older
                # meeting saved again do not move it back.
                if later is None or later.starts_at <= meeting.starts_at:
                    question.carried_from = meeting
            question.save(update_fields=["status", "discussed_in", "carried_from"])


def has_club_writing(user: User) -> bool:
    return (
        Comment.objects.filter(author=user, deleted_at=None).exists()
        or Question.objects.filter(author=user, note__isnull=True).exists()
        or Proposal.objects.filter(proposed_by=user).exclude(pitch="").exists()
    )


def hand_over_writing(*, user: User, to: User | None) -> None:
    """What a member wrote for their clubs, as their account goes: to the former-member
    account `to`, or gone. A deleted comment with replies keeps its place, marked deleted,
    so the thread still reads; a proposal stays (the club may be voting on it) without its
    pitch."""
    if to is not None:
        Comment.objects.filter(author=user).update(author=to)
        Question.objects.filter(author=user).update(author=to)
        Proposal.objects.filter(proposed_by=user).update(proposed_by=to)
        return
    answered = Comment.objects.filter(author=user, replies__isnull=False).values("pk")
    Comment.objects.filter(pk__in=answered).update(body="", body_html="", deleted_at=timezone.now())
    Comment.objects.filter(author=user).exclude(pk__in=answered).delete()
    Question.objects.filter(author=user, note__isnull=True).delete()
    Proposal.objects.filter(proposed_by=user).update(pitch="")
