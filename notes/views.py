from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from core import ratelimit
from core.htmx import is_fragment_request, render_page
from papers.models import Paper

from . import exports
from .forms import MAX_TEXT, NoteForm, StatusForm
from .markdown import MarkdownRefused, render_markdown
from .models import TEXT_FIELDS, Note, Reading
from .reading_list import ReadingListFilter, panel_context, reading_list
from .services import StaleNote, save_note, set_status

PANEL = "notes/panel.html"


@require_POST
def status(request: HttpRequest, paper_id: int) -> HttpResponse:
    """One click moves my reading of a paper to another pass."""
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            reading = set_status(
                user=request.user,
                paper_id=paper_id,
                status=form.cleaned_data["status"],
                minutes_spent=form.cleaned_data["minutes_spent"],
            )
        except Paper.DoesNotExist as missing:
            raise Http404("No such paper.") from missing
        paper = Paper(pk=paper_id)  # the status control and the redirect need only its id
    else:
        paper = get_object_or_404(Paper, pk=paper_id)
        reading = Reading.objects.filter(user=request.user, paper=paper).first()
    if not is_fragment_request(request):
        if not form.is_valid():
            messages.error(request, "That status was not understood; nothing changed.")
        return redirect(safe_next(request) or paper.get_absolute_url())
    context = {"paper": paper, "reading": reading}
    response = render(request, f"{PANEL}#status", context)
    response["HX-Trigger"] = "reading-status-changed"
    return response


def safe_next(request: HttpRequest) -> str:
    """The page to return to, if it is one of ours."""
    target = request.POST.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else ""


@require_POST
def save(request: HttpRequest, paper_id: int) -> HttpResponse:
    """Save my notes on a paper, refusing (409) a save made from a stale copy."""
    if not ratelimit.allow(
        "note-save", f"user:{request.user.pk}", limit=settings.NOTE_SAVES_PER_MINUTE, period=60
    ):
        return ratelimit.refused(request, period=60, what="Too many saves in a minute.")
    paper = get_object_or_404(Paper.objects.with_reading_of(request.user), pk=paper_id)
    note = getattr(paper, "my_note", None) or Note(user=request.user, paper=paper)
    form = NoteForm(request.POST, instance=note)
    context = {"paper": paper, "note": note, "form": form}
    if not form.is_valid():
        return editor_response(request, paper, context, status=200)
    try:
        note = save_note(
            user=request.user,
            paper=paper,
            data=form.cleaned_data,
            version=form.cleaned_data["version"],
            note=note,
        )
    except MarkdownRefused as refused:  # passed the form's check, failed to render
        form.add_error(None, str(refused))
        return editor_response(request, paper, context, status=200)
    except StaleNote as stale:
        context |= {"note": stale.current, "conflict": conflict_fields(stale.current, form)}
        context["form"] = NoteForm(
            instance=stale.current,
            initial={**form.cleaned_data, "version": stale.current.version},
        )
        return editor_response(request, paper, context, status=409)
    if not is_fragment_request(request):
        messages.success(request, "Your notes were saved.")
        return redirect(paper)
    return render(request, f"{PANEL}#saved", {"paper": paper, "note": note})


def editor_response(request: HttpRequest, paper: Paper, context: dict, status: int) -> HttpResponse:
    """The editor with errors or a conflict: as a fragment for htmx, else the whole page."""
    if is_fragment_request(request):
        response = render(request, f"{PANEL}#note-editor", context, status=status)
        return reswap(retarget(response, "#note-editor"), "outerHTML")
    page = get_object_or_404(Paper.objects.for_page_of(request.user), pk=paper.pk)
    page_context = {**panel_context(request.user, page), **context, "paper": page}
    return render(request, "papers/paper.html", page_context, status=status)


def conflict_fields(saved: Note, form: NoteForm) -> list[dict]:
    """The fields where the saved note and my copy differ, side by side."""
    rows = []
    for name in NoteForm.Meta.fields:
        mine, theirs = form.cleaned_data.get(name, ""), getattr(saved, name)
        if (mine or "") != (theirs or ""):
            rows.append({"label": form.fields[name].label, "saved": theirs, "mine": mine})
    return rows


@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """Render the editor's Markdown as the page will show it, without saving."""
    if not ratelimit.allow(
        "preview", f"user:{request.user.pk}", limit=settings.PREVIEWS_PER_MINUTE, period=60
    ):
        return ratelimit.refused(request, period=60, what="Too many previews in a minute.")
    rendered, too_long = [], False
    for name in TEXT_FIELDS:
        text = request.POST.get(name, "")
        too_long |= len(text) > MAX_TEXT
        if text.strip():
            try:
                html, problem = render_markdown(text[:MAX_TEXT]), ""
            except MarkdownRefused as refused:
                html, problem = "", str(refused)
            rendered.append((Note._meta.get_field(name).verbose_name, html, problem))
    return render(request, "notes/preview.html", {"rendered": rendered, "too_long": too_long})


@require_GET
def my_list(request: HttpRequest) -> HttpResponse:
    filters = ReadingListFilter(request.GET or None)
    # The filter menu swaps the list alone; the progress bars stay as they are.
    context = reading_list(request.user, filters, with_progress=not is_fragment_request(request))
    return render_page(request, "notes/reading_list.html", "list", context)


@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    return exports.download_reading_list(request.user, fmt)
