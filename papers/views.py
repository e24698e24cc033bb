from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from clubs.discussion import clubs_on_paper
from clubs.progress import curriculum_progress
from core.htmx import is_fragment_request, render_page
from core.pagination import page_with_total
from core.services import save_with_relations
from notes.models import Reading
from notes.reading_list import panel_context

from . import arxiv, exports
from .forms import CanonFilterForm, IdentifierForm, ImportForm, PaperForm
from .importers import ImportFormatError, Limits, parse
from .models import Curriculum, Paper, Phase, Placement, attach_labels, topic_counts
from .services import import_reading_list

PAGE_SIZE = 25
# Placements per curriculum page: the bundled canon fits on one.
CURRICULUM_PAGE = 150


@require_GET
def canon(request: HttpRequest) -> HttpResponse:
    form = CanonFilterForm(request.GET or None)
    papers = Paper.objects.listed().with_status_for(request.user)
    if form.is_bound and form.is_valid():
        papers = form.filter(papers, request.user)
    papers = form.order(papers, request.user)
    page = page_with_total(papers, request.GET.get("page"), PAGE_SIZE)
    attach_labels(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    if not is_fragment_request(request):
        # The sidebar and the filter menus: only the full page shows them.
        phases = list(Phase.objects.select_related("curriculum"))
        curricula = list({phase.curriculum_id: phase.curriculum for phase in phases}.values())
        context |= {"topics": list(topic_counts()), "phases": phases, "curricula": curricula}
    return render_page(request, "papers/canon.html", "results", context)


@require_GET
def curricula(request: HttpRequest) -> HttpResponse:
    """Every curriculum with its size and how far I am through it."""
    items = Curriculum.objects.with_progress_of(request.user)
    return render(request, "papers/curricula.html", {"curricula": items})


@require_GET
def curriculum(request: HttpRequest, slug: str) -> HttpResponse:
    """One curriculum's phases in order, a page of placements at a time (a large one has
    thousands), with a jump to each phase's page (`?phase=N` opens the page where phase N
    begins), and per phase how far I and each of my clubs that follow it have read."""
    curriculum = get_object_or_404(Curriculum, slug=slug)
    progress = curriculum_progress(curriculum, request.user)
    phases, seen = [], 0
    for phase in curriculum.phases.with_sizes().filter(size__gt=0):
        phase.mine, phase.clubs = progress.mine.get(phase.pk, 0), progress.clubs_of(phase)
        phases.append((phase, seen // CURRICULUM_PAGE + 1))
        seen += phase.size
    wanted = request.GET.get("page")
    starts = {str(phase.number): number for phase, number in phases}
    wanted = starts.get(request.GET.get("phase", ""), wanted)
    placements = Placement.objects.filter(phase__curriculum=curriculum).in_curriculum_order()
    page = page_with_total(placements.with_status_for(request.user), wanted, CURRICULUM_PAGE)
    by_pk = {phase.pk: phase for phase, _ in phases}
    for placement in page.object_list:
        placement.phase = by_pk.get(placement.phase_id, placement.phase)
    context = {"curriculum": curriculum, "page": page, "phases": phases}
    return render(request, "papers/curriculum.html", context)


@require_GET
def paper_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if is_fragment_request(request) and request.GET.get("fragment") == "clubs":
        return clubs_fragment(request, pk)
    paper = get_object_or_404(Paper.objects.for_page_of(request.user), pk=pk)
    # ?edit=log opens that section's editor: the notebook's Edit links without script.
    edit = request.GET.get("edit", "")
    context = {"paper": paper, **panel_context(request.user, paper, edit=edit)}
    reading = context["reading"]
    context["clubs_view"] = clubs_on_paper(request.user, paper, reading and reading.status)
    return render(request, "papers/paper.html", context)


def clubs_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    """My clubs' logs and talk on the paper, again after my status changed: the spoiler
    lock may have opened."""
    paper = get_object_or_404(Paper.objects.titles(), pk=pk)
    status = (
        Reading.objects.filter(user=request.user, paper=paper)
        .values_list("status", flat=True)
        .first()
    )
    view = clubs_on_paper(request.user, paper, status)
    context = {"paper": paper, "clubs_view": view}
    return render_page(request, "clubs/_paper_clubs.html", "clubs", context)


@require_GET
def paper_bibtex(request: HttpRequest, pk: int) -> HttpResponse:
    paper = get_object_or_404(Paper, pk=pk)
    return exports.attachment(paper.bibtex(), "application/x-bibtex", f"paper-{paper.pk}.bib")


@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The canon (filtered like the canon page) in one of `exports.FORMATS`: BibTeX, RIS,
    CSL-JSON, the app's JSON or Markdown."""
    form = CanonFilterForm(request.GET or None)
    papers = Paper.objects.for_list().order_by("title")
    if form.is_bound and form.is_valid():
        papers = form.filter(papers, request.user)
    return exports.download(papers, fmt)


@permission_required("papers.add_paper", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    summary = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = parse(
                data["content"],
                format=data["format"],
                filename=data["filename"],
                limits=Limits.for_web(),
            )
            summary = import_reading_list(
                result,
                added_by=request.user,
                dry_run=data["dry_run"],
                curriculum=data["curriculum"],
                source=data["filename"] or "Pasted on the import page",
            )
        except ImportFormatError as error:
            form.add_error(None, f"Nothing was imported. {error}")
        else:
            if not summary.dry_run:
                messages.success(request, f"Imported {len(result.papers)} papers.")
    return render(request, "papers/import.html", {"form": form, "summary": summary})


@permission_required("papers.add_paper", raise_exception=True)
@require_http_methods(["GET", "POST"])
def add_paper(request: HttpRequest) -> HttpResponse:
    """Paste an identifier, get a pre-filled form; save it to the canon."""
    lookup = IdentifierForm(request.GET if "identifier" in request.GET else None)
    initial, problem, existing = {}, "", None
    if lookup.is_bound and lookup.is_valid():
        initial, problem, existing = arxiv.prefill(lookup.cleaned_data["identifier"])
    form = PaperForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        paper = save_with_relations(form, added_by=request.user)
        messages.success(request, f"“{paper.title}” is now in the canon.")
        return redirect(paper)
    context = {"lookup": lookup, "form": form, "problem": problem, "existing": existing}
    return render(request, "papers/add.html", context)
