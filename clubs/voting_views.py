"""Proposals for upcoming meetings, and approval voting on them.

Every action is a plain form that works without script; htmx swaps the meeting's block
of the proposals page in place. A refusal (a vote after closing, a second vote, …) is
said in words and changes nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core import ratelimit
from core.htmx import is_fragment_request, render_page
from papers import arxiv
from papers.models import Paper

from .access import club_for_member, club_for_organizer
from .forms import OpenRoundForm, ProposeForm
from .models import Club, Meeting, Membership, Proposal
from .services import (
    ClubError,
    cast_vote,
    open_round,
    propose,
    review_proposal,
    settle_round,
    tally,
    withdraw_proposal,
    withdraw_vote,
)
from .voting import one_meeting, upcoming_proposals

PAGE = "clubs/proposals.html"


def page_url(club: Club, meeting_id: int | None = None) -> str:
    url = reverse("clubs:proposals", args=[club.slug])
    return f"{url}#meeting-{meeting_id}" if meeting_id else url


def page_context(request: HttpRequest, club: Club, membership: Membership, **extra) -> dict:
    blocks = upcoming_proposals(club, request.user)
    # The meeting a proposal most likely is for: the one being voted on, else the first
    # with nothing to read yet.
    likely = next((b for b in blocks if b.is_open), None) or next(
        (b for b in blocks if not b.meeting.paper_count), None
    )
    initial = {"meeting": likely.meeting.pk} if likely else {}
    context = {
        "club": club,
        "membership": membership,
        "blocks": blocks,
        "quiet": [b for b in blocks if not (b.voting or b.proposals)],
        "form": ProposeForm(club=club, initial=initial),
        "round_form": OpenRoundForm(club=club) if membership.is_organizer else None,
    }
    return context | extra


@require_GET
def proposals(request: HttpRequest, slug: str) -> HttpResponse:
    """The next meetings with the papers proposed for them, and the voting on each."""
    club, membership = club_for_member(request, slug)
    query = request.GET.get("q", "").strip()[:200]
    results = list(Paper.objects.search(query).listed()[:10]) if query else []
    if is_fragment_request(request):
        context = {"results": results, "query": query, "club": club}
        return render_page(request, PAGE, "search-results", context)
    context = page_context(request, club, membership, results=results, query=query)
    return render(request, PAGE, context)


@require_POST
def propose_paper(request: HttpRequest, slug: str) -> HttpResponse:
    club, membership = club_for_member(request, slug)
    if not ratelimit.allow(
        "propose", f"user:{request.user.pk}", limit=settings.PROPOSALS_PER_HOUR, period=3600
    ):
        return ratelimit.refused(request, period=3600, what="Too many proposals in an hour.")
    form = ProposeForm(request.POST, club=club)
    if form.is_valid():
        data = form.cleaned_data
        paper, candidate = data["paper"], None
        if paper is None and data["identifier"].strip():
            found, problem, existing = arxiv.prefill(data["identifier"])
            if existing is not None:
                paper = existing
            elif found.get("title") or data["title"]:
                found["abstract"] = found.get("abstract", "")[:5000]
                candidate = {**found, "title": found.get("title") or data["title"]}
                if problem:  # proposed by the title given, and the member is told why
                    source = (
                        "arXiv could not be reached"
                        if problem == arxiv.UNREACHABLE
                        else ("That could not be looked up")
                    )
                    messages.warning(request, f"{source}: it is proposed under the title you gave.")
            else:
                form.add_error("identifier", f"{problem} Give the title below as well.")
        elif paper is None:
            candidate = {"title": data["title"]}
        if not form.errors:
            try:
                proposal = propose(
                    meeting=data["meeting"],
                    user=request.user,
                    paper=paper,
                    candidate=candidate,
                    pitch=data["pitch"],
                )
            except ClubError as error:
                form.add_error(None, str(error))
            else:
                if proposal.paper_id:
                    messages.success(request, f"“{proposal.title}” is proposed.")
                else:
                    messages.success(
                        request,
                        f"“{proposal.title}” is proposed. It is not in the canon yet: an "
                        "organizer will accept it into the canon before it can be voted on.",
                    )
                return redirect(page_url(club, proposal.meeting_id))
    return render(request, PAGE, page_context(request, club, membership, form=form))


def block_response(
    request: HttpRequest, club: Club, membership: Membership, meeting_id: int, error: str = ""
) -> HttpResponse:
    """After an action: the meeting's block for htmx, else back to the page."""
    if not is_fragment_request(request):
        if error:
            messages.error(request, error)
        return redirect(page_url(club, meeting_id))
    block = one_meeting(club, request.user, meeting_id)
    context = {"block": block, "club": club, "membership": membership, "error": error}
    if block is None:  # the meeting has started meanwhile
        return render(request, f"{PAGE}#gone", context)
    return render(request, f"{PAGE}#round", context)


def proposal_in(club: Club, pk: int) -> Proposal:
    return get_object_or_404(Proposal.objects.select_related("paper"), meeting__club=club, pk=pk)


@require_POST
def vote(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    club, membership = club_for_member(request, slug)
    proposal = proposal_in(club, pk)
    error = ""
    try:
        if request.POST.get("withdraw"):
            withdraw_vote(proposal=proposal, user=request.user, club=club)
        else:
            cast_vote(proposal=proposal, user=request.user, club=club)
    except ClubError as refused:
        error = str(refused)
    return block_response(request, club, membership, proposal.meeting_id, error)


@require_POST
def proposal_withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    club, membership = club_for_member(request, slug)
    proposal = proposal_in(club, pk)
    try:
        withdraw_proposal(proposal=proposal, by=request.user, as_organizer=membership.is_organizer)
    except ClubError as error:
        return block_response(request, club, membership, proposal.meeting_id, str(error))
    messages.success(request, f"“{proposal.title}” was withdrawn.")
    return redirect(page_url(club, proposal.meeting_id))


@require_POST
def proposal_review(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    club, _ = club_for_organizer(request, slug)
    proposal = proposal_in(club, pk)
    decision = request.POST.get("decision")
    if decision not in {"accept", "decline"}:
        messages.error(request, "Accept or decline the proposal; nothing changed.")
        return redirect(page_url(club, proposal.meeting_id))
    try:
        reviewed = review_proposal(proposal=proposal, by=request.user, accept=decision == "accept")
    except ClubError as error:
        messages.error(request, str(error))
    else:
        if reviewed.paper_id:
            messages.success(request, f"“{reviewed.title}” is in the canon and open for votes.")
        elif getattr(reviewed, "twin", None) is not None:
            messages.info(
                request,
                f"“{reviewed.twin.title}” is in the canon now and was already proposed for "
                "that meeting: its votes count there.",
            )
        else:
            messages.success(request, f"“{reviewed.title}” was declined.")
    return redirect(page_url(club, proposal.meeting_id))


@require_POST
def voting_open(request: HttpRequest, slug: str) -> HttpResponse:
    club, membership = club_for_organizer(request, slug)
    form = OpenRoundForm(request.POST, club=club)
    if form.is_valid():
        try:
            voting = open_round(
                meeting=form.cleaned_data["meeting"],
                by=request.user,
                closes_at=form.cleaned_data["closes_at"],
            )
        except ClubError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Voting is open: members can vote until it closes.")
            return redirect(page_url(club, voting.meeting_id))
    return render(request, PAGE, page_context(request, club, membership, round_form=form))


@require_POST
def voting_close(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Close the meeting's voting now (or after its time) and assign the winner; on a tie
    the organizer picks one of the leaders (`winner`)."""
    club, _ = club_for_organizer(request, slug)
    meeting = get_object_or_404(Meeting.objects.select_related("voting"), club=club, pk=pk)
    meeting.club = club
    voting = getattr(meeting, "voting", None)
    if voting is None:
        messages.error(request, "There is no voting for that meeting.")
        return redirect(page_url(club))
    winner = request.POST.get("winner", "")
    winner_id = int(winner) if winner.isascii() and winner.isdigit() else None
    if winner and winner_id is None:
        messages.error(request, "Pick one of the proposals tied for the most votes.")
        return redirect(page_url(club, pk))
    try:
        settled = settle_round(voting=voting, winner_id=winner_id)
    except ClubError as error:
        messages.error(request, str(error))
        return redirect(page_url(club, pk))
    if settled.winner_id:
        chosen = Proposal.objects.select_related("paper").get(pk=settled.winner_id)
        messages.success(request, f"Voting closed: “{chosen.title}” is on the meeting's reading.")
        return redirect(meeting.get_absolute_url())
    if tally(settled):
        messages.info(request, "Voting closed. Several proposals tie: pick the one to read.")
    else:
        messages.info(request, "Voting closed with nothing proposed to choose from.")
    return redirect(page_url(club, pk))
