from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from core import ratelimit
from core.htmx import is_fragment_request, render_page
from papers.models import Paper

from . import exports
from .forms import MAX_TEXT, StatusForm
from .markdown import MarkdownRefused, render_markdown
from .models import TEXT_FIELDS, Note, Reading
from .notebook import BY_KEY, SAVABLE, SHARING, SectionView, section_form
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
    """Save one section of my notes on a paper, refusing (409) a save from a stale copy.

    Autosaves (`autosave=1`) keep the editor open; a save closes it on the rendered section.
    """
    if not ratelimit.allow(
        "note-save", f"user:{request.user.pk}", limit=settings.NOTE_SAVES_PER_MINUTE, period=60
    ):
        return ratelimit.refused(request, period=60, what="Too many saves in a minute.")
    paper = get_object_or_404(Paper.objects.with_reading_of(request.user), pk=paper_id)
    section = SAVABLE.get(request.POST.get("section", ""))
    if section is None:
        return forged(request, paper, "That part of the notes does not exist; nothing was saved.")
    note = getattr(paper, "my_note", None) or Note(user=request.user, paper=paper)
    form = section_form(section, request.POST, instance=note)
    if form.is_valid():
        try:
            note = save_note(
                user=request.user,
                paper=paper,
                data=form.cleaned_data,
                version=form.cleaned_data["version"],
                note=note,
                fields=section.fields,
            )
        except MarkdownRefused as refused:  # passed the form's check, failed to render
            form.add_error(None, str(refused))
        except StaleNote as stale:
            conflict = conflict_fields(stale.current, form)
            retry = section_form(
                section,
                instance=stale.current,
                initial={**form.cleaned_data, "version": stale.current.version},
            )
            return section_response(
                request, paper, stale.current, section, retry, conflict, status=409
            )
        else:
            if not is_fragment_request(request):
                messages.success(request, "Your notes were saved.")
                return redirect(f"{paper.get_absolute_url()}#note-{section.key}")
            context = {"paper": paper, "note": note, "state": "saved", "oob": True}
            if request.POST.get("autosave") or section is SHARING:
                return reswap(render(request, f"{PANEL}#state", context), "none")
            view = SectionView(BY_KEY[section.key], note)
            return render(request, f"{PANEL}#section", context | {"view": view})
    return section_response(request, paper, note, section, form, [], status=200)


def section_response(request, paper, note, section, form, conflict, status: int) -> HttpResponse:
    """A section's editor with errors or a conflict: a fragment for htmx, else the page."""
    state = "conflict" if conflict else "invalid"
    if is_fragment_request(request):
        if section is SHARING:
            context = {"note": note, "state": state, "oob": True}
            response = render(request, f"{PANEL}#state", context)
            return reswap(response, "none")
        view = SectionView(BY_KEY[section.key], note, form=form, conflict=conflict)
        context = {"paper": paper, "note": note, "view": view, "state": state, "oob": True}
        response = render(request, f"{PANEL}#section", context, status=status)
        return reswap(retarget(response, f"#note-{section.key}"), "outerHTML")
    page = get_object_or_404(Paper.objects.for_page_of(request.user), pk=paper.pk)
    context = panel_context(request.user, page, edit=section.key, form=form, conflict=conflict)
    context |= {"paper": page, "note": note, "state": state}
    return render(request, "papers/paper.html", context, status=status)


def forged(request: HttpRequest, paper: Paper, message: str) -> HttpResponse:
    if is_fragment_request(request):
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    messages.error(request, message)
    return redirect(paper)


@require_GET
def section(request: HttpRequest, paper_id: int, key: str) -> HttpResponse:
    """One section of my notes: rendered, or open in its editor (`?edit=1`)."""
    paper = get_object_or_404(Paper.objects.with_reading_of(request.user), pk=paper_id)
    section = BY_KEY.get(key)
    if section is None:
        raise Http404("No such part of the notes.")
    editing = bool(request.GET.get("edit"))
    if not is_fragment_request(request):
        query = f"?edit={key}" if editing else ""
        return redirect(f"{paper.get_absolute_url()}{query}#note-{key}")
    note = getattr(paper, "my_note", None) or Note(user=request.user, paper=paper)
    view = SectionView(
        section, note, form=section_form(section, instance=note) if editing else None
    )
    response = render(request, f"{PANEL}#section", {"paper": paper, "note": note, "view": view})
    patch_vary_headers(response, ["HX-Request"])
    return response


def conflict_fields(saved: Note, form) -> list[dict]:
    """The fields where the saved note and my copy differ, side by side."""
    rows = []
    for name in form.Meta.fields:
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
