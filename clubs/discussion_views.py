"""The club's discussion: a thread per meeting and per paper, open questions, minutes.

Everything here sits behind the spoiler lock (clubs/discussion.py): a member who has not
reached the club's pass on a paper can neither read nor add to its talk.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import ratelimit
from core.htmx import is_fragment_request, render_page
from notes.markdown import MarkdownRefused
from papers.models import Paper

from . import progress
from .access import club_for_member, club_for_organizer
from .discussion import (
    Lock,
    lock_for,
    meeting_thread,
    member_ids,
    my_statuses,
    paper_thread,
    questions_for,
)
from .forms import CommentEditForm, CommentForm, MinutesForm, QuestionForm
from .models import Club, Comment, Meeting, Membership, Question
from .services import (
    ClubError,
    ask_question,
    delete_comment,
    edit_comment,
    hide_comment,
    post_comment,
    question_from_log,
    record_minutes,
    shared_log,
    unvote_question,
    vote_question,
)

THREAD = "clubs/_thread.html"
QUESTIONS = "clubs/_questions.html"


def meeting_of(club: Club, pk: int) -> Meeting:
    meeting = get_object_or_404(
        Meeting.objects.prefetch_related(Prefetch("papers", Paper.objects.titles())),
        club=club,
        pk=pk,
    )
    meeting.club = club
    return meeting


# -- The paper's discussion page --------------------------------------------------------------


@require_GET
def paper_discussion(request: HttpRequest, slug: str, paper_id: int) -> HttpResponse:
    """The club's talk about one paper: shared logs, open questions and the thread."""
    club, membership = club_for_member(request, slug)
    paper = get_object_or_404(Paper.objects.listed(), pk=paper_id)
    lock = lock_for(club, request.user, [paper.pk])
    context = {
        "club": club,
        "membership": membership,
        "paper": paper,
        "lock": lock,
        "open": lock.opens(paper.pk),
        "meetings": list(club.meetings.filter(papers=paper).order_by("-starts_at")[:10]),
    }
    if context["open"]:
        notes = progress.shared_notes([paper], member_ids(club))
        context |= {
            "shared_notes": notes,
            "questions": questions_for(club, [paper], request.user, shared_notes=notes),
            "open_papers": [paper],
            "question_form": QuestionForm(papers=[paper]),
            "comments": paper_thread(club, paper),
            "comment_form": CommentForm(),
            "post_url": reverse("clubs:paper-comment", args=[club.slug, paper.pk]),
        }
    return render(request, "clubs/paper_discussion.html", context)


# -- Comments ---------------------------------------------------------------------------------


def thread_place(target) -> tuple[Meeting | None, Paper | None]:
    """The meeting or paper whose thread `target` (a meeting, a paper or a comment) is."""
    if isinstance(target, Meeting):
        return target, None
    if isinstance(target, Paper):
        return None, target
    return target.meeting, target.paper


def thread_of(club: Club, meeting: Meeting | None, paper: Paper | None) -> dict:
    """A thread's comments and where to post to it, for the fragment."""
    if meeting is not None:
        return {
            "comments": meeting_thread(club, meeting),
            "post_url": reverse("clubs:meeting-comment", args=[club.slug, meeting.pk]),
        }
    return {
        "comments": paper_thread(club, paper),
        "post_url": reverse("clubs:paper-comment", args=[club.slug, paper.pk]),
    }


def page_of(club: Club, *, meeting_id: int | None, paper_id: int | None, anchor: str = "") -> str:
    if meeting_id:
        url = reverse("clubs:meeting", args=[club.slug, meeting_id])
    else:
        url = reverse("clubs:paper-discussion", args=[club.slug, paper_id])
    return f"{url}#{anchor or 'discussion'}"


def thread_response(
    request: HttpRequest,
    club: Club,
    membership: Membership,
    target,
    *,
    form: CommentForm | None = None,
    error: str = "",
    anchor: str = "",
    locked: bool = False,
) -> HttpResponse:
    """The thread again (for htmx) or the page it is on. A member the lock keeps out gets
    the refusal alone: not one comment of the thread."""
    meeting, paper = thread_place(target)
    if is_fragment_request(request):
        context = {
            "club": club,
            "membership": membership,
            "comment_form": form or CommentForm(),
            "error": error,
            "open": not locked,
        }
        if not locked:
            context |= thread_of(club, meeting, paper)
        return render(request, f"{THREAD}#thread", context)
    if error:
        messages.error(request, error)
    if form is not None and form.errors:
        for errors in form.errors.values():
            for problem in errors:
                messages.error(request, f"Your comment was not posted: {problem}")
    return redirect(
        page_of(
            club,
            meeting_id=meeting.pk if meeting else None,
            paper_id=paper.pk if paper else None,
            anchor=anchor,
        )
    )


@require_POST
def comment_post(request: HttpRequest, slug: str, kind: str, pk: int) -> HttpResponse:
    club, membership = club_for_member(request, slug)
    if kind == "meeting":
        target = meeting_of(club, pk)
        meeting, paper, paper_ids = target, None, [p.pk for p in target.papers.all()]
    else:
        target = get_object_or_404(Paper.objects.titles(), pk=pk)
        meeting, paper, paper_ids = None, target, [target.pk]
    lock = lock_for(club, request.user, paper_ids)
    if not lock.opens_all(paper_ids):
        return thread_response(
            request, club, membership, target, error=f"Not posted. {lock.message}", locked=True
        )
    if not ratelimit.allow(
        "comment", f"user:{request.user.pk}", limit=settings.COMMENTS_PER_HOUR, period=3600
    ):
        return ratelimit.refused(request, period=3600, what="Too many comments in an hour.")
    form = CommentForm(request.POST)
    if not form.is_valid():
        return thread_response(request, club, membership, target, form=form)
    parent = None
    if form.cleaned_data["parent"]:
        parent = Comment.objects.filter(club=club, pk=form.cleaned_data["parent"]).first()
        if parent is None:
            return thread_response(
                request, club, membership, target, error="That comment is gone; nothing was posted."
            )
    try:
        comment = post_comment(
            club=club,
            author=request.user,
            body=form.cleaned_data["body"],
            meeting=meeting,
            paper=paper,
            parent=parent,
        )
    except (ClubError, MarkdownRefused) as error:
        return thread_response(request, club, membership, target, error=str(error))
    if not is_fragment_request(request):
        messages.success(request, "Your comment is posted.")
    return thread_response(request, club, membership, target, anchor=comment.anchor)


def comment_in(request: HttpRequest, club: Club, pk: int) -> Comment:
    """A comment of the club, in a thread I may read: 404 for another club's, 403 while
    the lock holds."""
    comment = get_object_or_404(
        Comment.objects.select_related("meeting", "paper", "author"), club=club, pk=pk
    )
    if comment.meeting_id:
        comment.meeting.club = club
        paper_ids = list(comment.meeting.papers.values_list("pk", flat=True))
    else:
        paper_ids = [comment.paper_id]
    if not lock_for(club, request.user, paper_ids).opens_all(paper_ids):
        raise PermissionDenied("Reach the club's pass on the paper first.")
    return comment


@require_http_methods(["GET", "POST"])
def comment_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    club, membership = club_for_member(request, slug)
    comment = comment_in(request, club, pk)
    if comment.author_id != request.user.pk:
        raise PermissionDenied("You can edit only your own comments.")
    initial = {"body": comment.body, "version": comment.version}
    form = CommentEditForm(request.POST if request.method == "POST" else None, initial=initial)
    context = {"club": club, "membership": membership, "comment": comment, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            comment = edit_comment(
                comment=comment,
                user=request.user,
                body=form.cleaned_data["body"],
                version=form.cleaned_data["version"],
            )
        except (ClubError, MarkdownRefused) as error:
            form.add_error(None, str(error))
        else:
            if is_fragment_request(request):
                with timezone.override(ZoneInfo(club.time_zone)):  # the club's dates
                    return render(request, f"{THREAD}#comment-body", context | {"comment": comment})
            messages.success(request, "Your comment is saved.")
            return redirect(
                page_of(
                    club,
                    meeting_id=comment.meeting_id,
                    paper_id=comment.paper_id,
                    anchor=comment.anchor,
                )
            )
    return render_page(request, "clubs/comment_edit.html", "comment-editor", context)


@require_POST
def comment_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    club, membership = club_for_member(request, slug)
    comment = comment_in(request, club, pk)
    try:
        delete_comment(comment=comment, user=request.user)
    except ClubError as error:
        raise PermissionDenied(str(error)) from error
    if not is_fragment_request(request):
        messages.success(request, "Your comment was deleted.")
    return thread_response(request, club, membership, comment)


@require_POST
def comment_hide(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    club, membership = club_for_organizer(request, slug)
    comment = comment_in(request, club, pk)
    hidden = request.POST.get("hidden") != "0"
    hide_comment(comment=comment, by=request.user, hidden=hidden)
    if not is_fragment_request(request):
        messages.success(
            request, "The comment is hidden from the club." if hidden else "The comment is back."
        )
    return thread_response(request, club, membership, comment, anchor=comment.anchor)


# -- Questions --------------------------------------------------------------------------------


def questions_response(
    request: HttpRequest,
    club: Club,
    membership: Membership,
    *,
    meeting: Meeting | None,
    paper: Paper | None,
    form: QuestionForm | None = None,
    error: str = "",
    lock: Lock | None = None,
) -> HttpResponse:
    """After asking or voting: the question list of the page it came from (`lock`, when
    given, holds my statuses of its papers already)."""
    if not is_fragment_request(request):
        if error:
            messages.error(request, error)
        for errors in form.errors.values() if form is not None else []:
            for problem in errors:
                messages.error(request, f"Your question was not added: {problem}")
        return redirect(
            page_of(
                club,
                meeting_id=meeting.pk if meeting else None,
                paper_id=paper.pk if paper else None,
                anchor="questions",
            )
        )
    papers = list(meeting.papers.all()) if meeting else [paper]
    lock = lock or lock_for(club, request.user, [p.pk for p in papers])
    visible = [p for p in papers if lock.opens(p.pk)]
    notes = progress.shared_notes(visible, member_ids(club))
    context = {
        "club": club,
        "membership": membership,
        "meeting": meeting,
        "questions": questions_for(
            club, visible, request.user, shared_notes=notes, meeting=meeting
        ),
        "question_form": form if form is not None and form.errors else QuestionForm(papers=visible),
        "question_error": error,
        "open_papers": visible,
        "papers": papers,
        "lock": lock,
    }
    return render(request, f"{QUESTIONS}#questions", context)


def question_context(request: HttpRequest, club: Club) -> tuple[Meeting | None, Paper | None]:
    """The page a question form was on: a meeting of the club, else a paper; (None, None)
    for a form that says neither."""
    meeting_id = request.POST.get("meeting", "")
    if meeting_id.isascii() and meeting_id.isdigit():
        return meeting_of(club, int(meeting_id)), None
    paper_id = request.POST.get("on", "")
    if paper_id.isascii() and paper_id.isdigit():
        return None, get_object_or_404(Paper.objects.titles(), pk=int(paper_id))
    return None, None


def incomplete(request: HttpRequest, club: Club) -> HttpResponse:
    messages.error(request, "That form was incomplete; nothing changed.")
    return redirect(club)


@require_POST
def question_ask(request: HttpRequest, slug: str) -> HttpResponse:
    club, membership = club_for_member(request, slug)
    meeting, paper = question_context(request, club)
    if meeting is None and paper is None:
        return incomplete(request, club)
    papers = list(meeting.papers.all()) if meeting else [paper]
    form = QuestionForm(request.POST, papers=papers)
    if not form.is_valid():
        return questions_response(
            request, club, membership, meeting=meeting, paper=paper, form=form
        )
    on = form.cleaned_data["paper"]
    lock = lock_for(club, request.user, [on])
    if not lock.opens(on):
        error = f"Not added. {lock.message}"
        return questions_response(
            request, club, membership, meeting=meeting, paper=paper, error=error
        )
    try:
        ask_question(
            club=club,
            paper=next(p for p in papers if p.pk == on),
            author=request.user,
            text=form.cleaned_data["text"],
        )
    except MarkdownRefused as refused:
        return questions_response(
            request, club, membership, meeting=meeting, paper=paper, error=str(refused)
        )
    if not is_fragment_request(request):
        messages.success(request, "Your question is on the list.")
    return questions_response(request, club, membership, meeting=meeting, paper=paper)


NOT_FOUND = "That question was not found; nothing changed."


def question_named(club: Club, key: str, lock: Lock | None = None) -> Question:
    """The question a form names: `q<id>` (a row of this club) or `n<note id>` (a shared
    log's limitation, made a row now). With `lock`, a question on a paper it keeps closed
    is refused before anything is made of it."""
    kind, number = key[:1], key[1:]
    if not (number.isascii() and number.isdigit()) or kind not in {"q", "n"}:
        raise ClubError(NOT_FOUND)
    if kind == "n":
        note = shared_log(club=club, note_id=int(number))
        paper_id = note.paper_id
    else:
        question = Question.objects.filter(club=club, pk=int(number)).first()
        if question is None:
            raise ClubError(NOT_FOUND)
        paper_id = question.paper_id
    if lock is not None:
        if paper_id not in lock.statuses:
            lock.statuses |= my_statuses(lock.user, [paper_id])
        if not lock.opens(paper_id):
            raise ClubError(f"Not counted. {lock.message}")
    return question_from_log(club=club, note=note) if kind == "n" else question


@require_POST
def question_vote(request: HttpRequest, slug: str) -> HttpResponse:
    club, membership = club_for_member(request, slug)
    meeting, paper = question_context(request, club)
    if meeting is None and paper is None:
        return incomplete(request, club)
    error = ""
    papers = [p.pk for p in meeting.papers.all()] if meeting else [paper.pk]
    lock = lock_for(club, request.user, papers)
    try:
        question = question_named(club, request.POST.get("question", ""), lock)
        if request.POST.get("withdraw"):
            unvote_question(question=question, user=request.user)
        else:
            vote_question(question=question, user=request.user)
    except ClubError as refused:
        error = str(refused)
    return questions_response(
        request, club, membership, meeting=meeting, paper=paper, error=error, lock=lock
    )


# -- Minutes ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def minutes(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """After the meeting: its minutes, and which of the questions it had on its agenda it
    discussed. The rest carry over to the next meeting on their paper."""
    club, membership = club_for_organizer(request, slug)
    meeting = meeting_of(club, pk)
    papers = list(meeting.papers.all())
    lock = lock_for(club, request.user, [p.pk for p in papers])
    visible = [p for p in papers if lock.opens(p.pk)]
    questions = []
    if meeting.has_started:  # a meeting that has not happened discussed nothing yet
        notes = progress.shared_notes(visible, member_ids(club))
        asked = questions_for(club, visible, request.user, shared_notes=notes, meeting=meeting)
        questions = [q for q in asked if q.created_at is None or q.created_at <= meeting.ends_at]
    form = MinutesForm(
        request.POST if request.method == "POST" else None, instance=meeting, questions=questions
    )
    if request.method == "POST" and form.is_valid():
        chosen = set(form.cleaned_data["discussed"])
        rows = Question.objects.select_related("carried_from").in_bulk(
            [q.question_id for q in questions if q.question_id]
        )
        on_agenda, discussed = [], set()
        for question in questions:
            if question.question_id:
                row = rows.get(question.question_id)
            else:  # a shared log's question that nobody voted on yet
                try:
                    row = question_from_log(
                        club=club, note=shared_log(club=club, note_id=question.note_id)
                    )
                except ClubError:
                    row = None
            if row is None:  # gone meanwhile: its author left, or made the log private
                continue
            on_agenda.append(row)
            if question.key in chosen:
                discussed.add(row.pk)
        record_minutes(
            meeting=meeting,
            outcome=form.cleaned_data["outcome"],
            questions=on_agenda,
            discussed=discussed,
        )
        carried = len(on_agenda) - len(discussed)
        plural = "s" if carried != 1 else ""
        messages.success(
            request,
            "Minutes saved." + (f" {carried} question{plural} carried over." if carried else ""),
        )
        return redirect(meeting)
    context = {
        "club": club,
        "membership": membership,
        "meeting": meeting,
        "form": form,
        "questions": questions,
        "hidden_papers": len(papers) - len(visible),
        "lock": lock,
    }
    return render(request, "clubs/minutes.html", context)
