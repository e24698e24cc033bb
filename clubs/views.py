from collections import defaultdict
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.db import IntegrityError
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import account_fields
from core import ratelimit
from core.htmx import is_fragment_request, render_page
from core.services import save_with_relations
from papers.models import Paper, Phase, Placement

from . import progress
from .access import club_for_member, club_for_organizer, club_with_members
from .calendar import meetings_calendar
from .discussion import Lock, meeting_thread, member_ids, questions_for
from .forms import (
    AwayForm,
    ClubForm,
    CommentForm,
    InviteForm,
    MeetingForm,
    QuestionForm,
    RoleForm,
    RsvpForm,
    SignUpForm,
)
from .models import (
    Answer,
    Away,
    CalendarFeed,
    Club,
    Invitation,
    Meeting,
    Membership,
    Role,
    Rsvp,
)
from .services import (
    ClubError,
    accept_invitation,
    answer_rsvp,
    change_role,
    create_club,
    invitation_problem,
    invitation_refuses,
    invite,
    presenter_rotation,
    remove_member,
    sign_up_and_join,
)


def base_url(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def members_of(club: Club) -> list[Membership]:
    return list(club.memberships.select_related("user").order_by("user__username"))


@require_GET
def club_list(request: HttpRequest) -> HttpResponse:
    memberships = Membership.objects.filter(user=request.user).select_related("club")
    return render(request, "clubs/list.html", {"memberships": memberships})


@require_http_methods(["GET", "POST"])
def club_create(request: HttpRequest) -> HttpResponse:
    form = ClubForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in {"name", "curricula"}}
        club = create_club(
            user=request.user,
            name=form.cleaned_data["name"],
            curricula=form.cleaned_data["curricula"],
            **data,
        )
        messages.success(request, f"{club.name} is ready. Invite your members next.")
        return redirect("clubs:manage", club.slug)
    return render(request, "clubs/club_form.html", {"form": form})


@require_GET
def club_home(request: HttpRequest, slug: str) -> HttpResponse:
    club, membership, members = club_with_members(request, slug)
    upcoming, past = Meeting.objects.schedule(club, upcoming=10, past=20, user=request.user)
    context = {
        "club": club,
        "membership": membership,
        "next_meeting": upcoming[0] if upcoming else None,
        "upcoming": upcoming[1:],
        "past": past,
        "members": members,
    }
    return render(request, "clubs/club.html", context)


@require_http_methods(["GET", "POST"])
def club_edit(request: HttpRequest, slug: str) -> HttpResponse:
    club, _ = club_for_organizer(request, slug)
    form = ClubForm(request.POST or None, instance=club)
    if request.method == "POST" and form.is_valid():
        save_with_relations(form)
        messages.success(request, "Club settings saved.")
        return redirect(club)
    return render(request, "clubs/club_form.html", {"form": form, "club": club})


@require_GET
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    club, membership = club_for_organizer(request, slug)
    context = {
        "club": club,
        "membership": membership,
        "members": members_of(club),
        "invitations": club.invitations.filter(
            Q(multi_use=True) | Q(uses=0), revoked=False, expires_at__gt=timezone.now()
        ),
        "invite_form": InviteForm(),
        "roles": Role.choices,
        "base_url": base_url(request),
    }
    return render(request, "clubs/manage.html", context)


@require_POST
def invitation_create(request: HttpRequest, slug: str) -> HttpResponse:
    club, _ = club_for_organizer(request, slug)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "The invitation was not created: "
            + " ".join(str(e) for errors in form.errors.values() for e in errors),
        )
        return redirect("clubs:manage", club.slug)
    try:
        invitation = invite(
            club=club, by=request.user, base_url=base_url(request), **form.cleaned_data
        )
    except OSError:  # the mail server did not answer; the link itself works
        messages.warning(
            request, "The email could not be sent. Copy the invitation link below instead."
        )
        return redirect("clubs:manage", club.slug)
    if invitation.email:
        messages.success(request, f"Invitation sent to {invitation.email}.")
    else:
        messages.success(request, "Invitation link created: copy it from the list below.")
    return redirect("clubs:manage", club.slug)


@require_POST
def invitation_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    club, _ = club_for_organizer(request, slug)
    invitation = get_object_or_404(Invitation, club=club, pk=pk)
    invitation.revoked = True
    invitation.save(update_fields=["revoked"])
    messages.success(request, "The invitation link no longer works.")
    return redirect("clubs:manage", club.slug)


@require_POST
def member_role(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    club, _ = club_for_organizer(request, slug)
    member = get_object_or_404(Membership.objects.select_related("user"), club=club, pk=pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That role was not understood; nothing changed.")
    else:
        try:
            change_role(membership=member, role=form.cleaned_data["role"], by=request.user)
            messages.success(request, f"{member.user} is now {member.get_role_display().lower()}.")
        except ClubError as error:
            messages.error(request, str(error))
    return redirect("clubs:manage", club.slug)


@require_POST
def member_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    club, _ = club_for_organizer(request, slug)
    member = get_object_or_404(Membership.objects.select_related("user"), club=club, pk=pk)
    try:
        remove_member(membership=member, by=request.user)
        messages.success(request, f"{member.user} was removed from {club.name}.")
    except ClubError as error:
        messages.error(request, str(error))
    if member.user_id == request.user.id:
        return redirect("clubs:list")
    return redirect("clubs:manage", club.slug)


@require_POST
def leave(request: HttpRequest, slug: str) -> HttpResponse:
    club, membership = club_for_member(request, slug)
    try:
        remove_member(membership=membership)
    except ClubError as error:
        messages.error(request, str(error))
        return redirect(club)
    messages.success(request, f"You left {club.name}.")
    return redirect("clubs:list")


def meeting_for(club: Club, pk: int) -> Meeting:
    papers = Paper.objects.prefetch_related("builds_on")
    meeting = get_object_or_404(
        Meeting.objects.select_related("presenter", "discussion_lead").prefetch_related(
            Prefetch("papers", queryset=papers)
        ),
        club=club,
        pk=pk,
    )
    meeting.club = club
    return meeting


def my_meeting(request: HttpRequest, slug: str, pk: int) -> Meeting:
    """A meeting of a club I belong to (404 otherwise), with what its weekly page shows."""
    return get_object_or_404(
        Meeting.objects.filter(club__slug=slug, club__memberships__user=request.user)
        .select_related("presenter", "discussion_lead", "voting", "club")
        .defer(*account_fields("presenter"), *account_fields("discussion_lead"))
        .prefetch_related(Prefetch("papers", Paper.objects.prefetch_related("builds_on"))),
        pk=pk,
    )


@require_GET
def meeting_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The weekly assignment page: papers, presenter, who comes and who is ready, the
    questions for the agenda, the club's logs and its thread (behind the spoiler lock)."""
    if is_fragment_request(request) and request.GET.get("fragment") == "readiness":
        return readiness_fragment(request, slug, pk)
    meeting = my_meeting(request, slug, pk)
    club, membership, memberships = club_with_members(
        request, slug, **progress.attendance(meeting.pk, meeting.local_day)
    )
    meeting.club = club
    papers = list(meeting.papers.all())
    readings = progress.club_readings(memberships, papers)
    status_of = {key: reading.status for key, reading in readings.items()}
    lock = Lock(club, {p.pk: status_of.get((request.user.id, p.pk)) for p in papers})
    open_papers = [paper for paper in papers if lock.opens(paper.pk)]
    # Every member's shared logs, a former member's too, though only active ones are listed.
    notes = progress.shared_notes(open_papers, member_ids(club)) if open_papers else []
    placed = defaultdict(list)  # where each paper sits in the curricula the club follows
    for placement in Placement.objects.filter(
        paper__in=papers, phase__curriculum__clubs=club
    ).select_related("phase__curriculum"):
        placed[placement.paper_id].append(placement)
    for paper in papers:
        paper.my_reading = readings.get((request.user.id, paper.pk))
        paper.club_placements = placed[paper.pk]
        paper.is_open = lock.opens(paper.pk)
    thread_open = len(open_papers) == len(papers)
    context = {
        "club": club,
        "membership": membership,
        "meeting": meeting,
        "papers": papers,
        "readiness": progress.readiness(meeting, memberships, papers, status_of),
        "shared_notes": notes,
        "lock": lock,
        "open_papers": open_papers,
        "questions": questions_for(
            club, open_papers, request.user, shared_notes=notes, meeting=meeting
        ),
        "question_form": QuestionForm(papers=open_papers),
        "thread_open": thread_open,
        "comments": meeting_thread(club, meeting) if thread_open else [],
        "comment_form": CommentForm(),
        "post_url": reverse("clubs:meeting-comment", args=[club.slug, meeting.pk]),
        "read_first": progress.read_first(papers, memberships, readings),
        "poll_seconds": settings.READINESS_POLL_SECONDS,
        "my_rsvp": membership.rsvp,
    }
    return render_page(request, "clubs/meeting.html", "readiness", context)


def readiness_fragment(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Who comes and who is ready, re-fetched when a member changes a status or an answer,
    and every so often while the page is open.

    Two queries after the session's: the meeting with its papers (one row per paper), then
    the members, each annotated with their status of every paper and their answer.
    """
    rows = list(
        Meeting.objects.filter(club__slug=slug, pk=pk)
        .order_by("papers__title")
        .values_list(
            "minimum_pass",
            "starts_at",
            "duration_minutes",
            "club__time_zone",
            "papers__id",
            "papers__title",
        )
    )
    if not rows:
        raise Http404("No such meeting.")
    papers = [Paper(pk=paper_id, title=title) for *_, paper_id, title in rows if paper_id]
    minimum, starts_at, duration, zone = rows[0][:4]
    meeting = Meeting(
        pk=pk,
        minimum_pass=minimum,
        starts_at=starts_at,
        duration_minutes=duration,
        club=Club(time_zone=zone),
    )
    club, _, memberships = club_with_members(
        request,
        slug,
        **progress.status_annotations(papers),
        **progress.attendance(pk, meeting.local_day),
    )
    meeting.club = club
    status_of = progress.annotated_statuses(memberships, papers)
    context = {
        "readiness": progress.readiness(meeting, memberships, papers, status_of),
        "meeting": meeting,
        "club": club,
        "poll_seconds": settings.READINESS_POLL_SECONDS,
    }
    return render_page(request, "clubs/meeting.html", "readiness", context)


@require_POST
def rsvp(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Going, maybe or not going; the readiness table hears of it (`rsvp-changed`)."""
    club, _ = club_for_member(request, slug)
    meeting = get_object_or_404(Meeting, club=club, pk=pk)
    meeting.club = club
    form = RsvpForm(request.POST)
    answer, error = None, ""
    if not form.is_valid():
        error = "Answer going, maybe or not going; nothing changed."
    else:
        try:
            answer = answer_rsvp(
                meeting=meeting, user=request.user, answer=form.cleaned_data["answer"]
            ).answer
        except ClubError as refused:
            error = str(refused)
    if not is_fragment_request(request):
        if error:
            messages.error(request, error)
        else:
            messages.success(request, f"Your answer: {Answer(answer).label}.")
        return redirect(meeting)
    if answer is None:
        answer = meeting.rsvps.filter(user=request.user).values_list("answer", flat=True).first()
    context = {"meeting": meeting, "club": club, "my_rsvp": answer, "rsvp_error": error}
    response = render(request, "clubs/meeting.html#rsvp", context)
    if not error:
        response["HX-Trigger"] = "rsvp-changed"
    return response


@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    club, _ = club_for_organizer(request, slug)
    meeting = meeting_for(club, pk) if pk else Meeting(club=club, place=club.place)
    slot = meeting.starts_at or club.next_free_slot()
    local_day = timezone.localtime(slot, ZoneInfo(club.time_zone)).date()
    rotation = presenter_rotation(club, on=local_day)
    if pk is None and request.method == "GET":
        # The club's next free slot, and whoever the rotation says presents then.
        meeting.starts_at = slot
        meeting.presenter = rotation[0].user if rotation else None
    form = MeetingForm(request.POST or None, instance=meeting, club=club)
    if request.method == "POST" and form.is_valid():
        meeting = save_with_relations(form, club=club)
        messages.success(request, "Meeting saved.")
        return redirect(meeting)
    picked = form.cleaned_data.get("papers") if form.is_bound and form.is_valid() else None
    if picked is None:
        picked = meeting.papers.all() if meeting.pk else []
        if form.is_bound:
            picked = Paper.objects.filter(
                pk__in=[v for v in request.POST.getlist("papers") if v.isascii() and v.isdigit()]
            )
    context = {
        "club": club,
        "meeting": meeting,
        "form": form,
        "picked": picked,
        "rotation": rotation[:5],
    }
    return render(request, "clubs/meeting_form.html", context)


@require_POST
def meeting_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    club, _ = club_for_organizer(request, slug)
    meeting = get_object_or_404(Meeting, club=club, pk=pk)
    meeting.delete()
    messages.success(request, "Meeting deleted.")
    return redirect(club)


@require_GET
def paper_search(request: HttpRequest, slug: str) -> HttpResponse:
    """Search-as-you-type for the meeting form."""
    club_for_organizer(request, slug)
    query = request.GET.get("q", "").strip()[:200]
    papers = list(Paper.objects.search(query)[:10]) if query else []
    return render(request, "clubs/paper_search.html", {"papers": papers, "query": query})


@require_GET
def meeting_ics(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    club, _ = club_for_member(request, slug)
    meeting = meeting_for(club, pk)
    answers = dict(meeting.rsvps.filter(user=request.user).values_list("meeting_id", "answer"))
    body = meetings_calendar(
        [meeting], base_url(request), club.name, answers=answers, attendee=request.user
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{club.slug}-{meeting.pk}.ics"'
    return response


@require_GET
def club_progress(request: HttpRequest, slug: str) -> HttpResponse:
    """Who has read what: members × papers, totals, phase bars and a weekly chart.

    The phase filter re-fetches the matrix alone, in two queries after the session's.
    """
    follows = Exists(Club.curricula.through.objects.filter(club_id=OuterRef("club_id")))
    club, membership, members = club_with_members(request, slug, club_follows=follows)
    wanted = request.GET.get("phase", "")
    wanted = int(wanted) if wanted.isascii() and wanted.isdigit() and len(wanted) < 12 else None
    if is_fragment_request(request):
        matrix = progress.build_matrix(club, members, membership.club_follows, wanted)
        return render_page(request, "clubs/progress.html", "matrix", {"matrix": matrix})
    phases = list(
        Phase.objects.filter(curriculum__clubs=club).select_related("curriculum")
        if membership.club_follows
        else Phase.objects.filter(placements__paper__meetings__club=club)
        .select_related("curriculum")
        .distinct()
    )
    selected = next((p for p in phases if p.pk == wanted), None)
    phase_id = selected.pk if selected else None
    context = {
        "club": club,
        "membership": membership,
        "matrix": progress.build_matrix(club, members, membership.club_follows, phase_id),
        "phases": phases,
        "has_club_phases": membership.club_follows,
        "several_curricula": len({p.curriculum_id for p in phases}) > 1,
        "selected": selected,
        "chart": progress.chart_svg(progress.finished_per_week(club)),
    }
    return render_page(request, "clubs/progress.html", "matrix", context)


@login_not_required
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    invitation = Invitation.objects.select_related("club").filter(token=token).first()
    problem = invitation_problem(invitation)
    if problem:
        status = 404 if invitation is None else 410
        return render(request, "clubs/join_problem.html", {"problem": problem}, status=status)
    if request.user.is_authenticated:
        return join_signed_in(request, invitation)
    return join_with_new_account(request, invitation)


def join_signed_in(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    club = invitation.club
    if Membership.objects.filter(club=club, user=request.user).exists():
        messages.info(request, f"You are already a member of {club.name}.")
        return redirect(club)
    if refusal := invitation_refuses(invitation, request.user):
        return render(request, "clubs/join_problem.html", {"problem": refusal}, status=403)
    if request.method == "POST":
        try:
            accept_invitation(invitation=invitation, user=request.user)
        except ClubError as error:
            return render(request, "clubs/join_problem.html", {"problem": str(error)}, status=410)
        messages.success(request, f"Welcome to {club.name}!")
        return redirect(club)
    return render(request, "clubs/join.html", {"invitation": invitation})


def join_with_new_account(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    signup = SignUpForm(request.POST or None, invited_email=invitation.email)
    if request.method == "POST":
        # The sign-up form is public: it is not a way to try names or spam accounts.
        # A class signing up through one link, often from one campus address, stays well
        # under both limits.
        ip = f"ip:{ratelimit.client_ip(request)}"
        by_address = ratelimit.allow(
            "signup", ip, limit=settings.SIGNUP_LIMIT_PER_ADDRESS, period=3600
        )
        by_invitation = ratelimit.allow(
            "signup",
            f"invitation:{invitation.pk}",
            limit=settings.SIGNUP_LIMIT_PER_INVITATION,
            period=3600,
        )
        if not (by_address and by_invitation):
            return ratelimit.refused(
                request, period=3600, what="Too many accounts were tried on this page."
            )
        if signup.is_valid():
            try:
                new_user = sign_up_and_join(invitation=invitation, account=signup.cleaned_data)
            except ClubError as error:
                context = {"problem": str(error)}
                return render(request, "clubs/join_problem.html", context, status=410)
            except IntegrityError:  # the username was taken a moment ago
                signup.add_error(None, SignUpForm.UNUSABLE)
            else:
                login(request, new_user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, f"Welcome to {invitation.club.name}!")
                return redirect(invitation.club)
    return render(request, "clubs/join.html", {"invitation": invitation, "signup": signup})


@require_http_methods(["GET", "POST"])
def away(request: HttpRequest) -> HttpResponse:
    """The days I am away: the presenter rotation of my clubs passes over them."""
    form = AwayForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        upcoming = Away.objects.filter(user=request.user, ends_on__gte=timezone.localdate())
        if upcoming.count() >= MAX_AWAY:
            form.add_error(None, f"You have {MAX_AWAY} away dates already: remove old ones first.")
        else:
            form.instance.user = request.user
            form.save()
            messages.success(request, "Saved: the presenter rotation passes over those days.")
            return redirect("clubs:away")
    dates = Away.objects.filter(user=request.user, ends_on__gte=timezone.localdate())
    return render(request, "clubs/away.html", {"form": form, "dates": dates})


MAX_AWAY = 100


@require_POST
def away_delete(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(Away, user=request.user, pk=pk).delete()
    messages.success(request, "Those days are no longer marked away.")
    return redirect("clubs:away")


@require_http_methods(["GET", "POST"])
def calendar_settings(request: HttpRequest) -> HttpResponse:
    feed, _ = CalendarFeed.objects.get_or_create(user=request.user)
    if request.method == "POST":
        feed.renew()
        messages.success(
            request, "Your calendar address was replaced; the old one no longer works."
        )
        return redirect("clubs:calendar")
    return render(request, "clubs/calendar.html", {"feed_url": base_url(request) + feed.feed_url()})


@login_not_required
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The member's meetings for calendar apps, which cannot sign in: the URL is the secret."""
    feed = get_object_or_404(
        CalendarFeed.objects.select_related("user"), token=token, user__is_active=True
    )
    since = timezone.now() - timedelta(days=60)
    meetings = (
        Meeting.objects.filter(club__memberships__user=feed.user, starts_at__gte=since)
        .select_related("club", "presenter")
        .prefetch_related("papers")
        .order_by("starts_at")
    )
    answers = dict(
        Rsvp.objects.filter(user=feed.user, meeting__starts_at__gte=since).values_list(
            "meeting_id", "answer"
        )
    )
    body = meetings_calendar(
        meetings,
        base_url(request),
        f"{feed.user}'s reading group meetings",
        answers=answers,
        attendee=feed.user,
    )
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")
