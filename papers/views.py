from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from core.htmx import is_fragment_request, render_page
from core.pagination import page_with_total
from core.services import save_with_relations
from notes.reading_list import panel_context

from . import arxiv, exports
from .forms import CanonFilterForm, IdentifierForm, ImportForm, PaperForm
from .importers import ImportFormatError, Limits, parse
from .models import Paper, Phase, Placement, attach_labels, topic_counts
from .services import import_reading_list

PAGE_SIZE = 25
# Placements per curriculum page: the bundled canon fits on one.
CURRICULUM_PAGE = 150


@require_GET
def canon(request: HttpRequest) -> HttpResponse:
    form = CanonFilterForm(request.GET or None)
    papers = Paper.objects.listed().with_status_for(request.user)
    filtered = form.is_bound and form.is_valid()
    if filtered:
        papers = form.filter(papers, request.user)
    if not (filtered and form.cleaned_data.get("q")):
        papers = papers.order_by("title")
    page = page_with_total(papers, request.GET.get("page"), PAGE_SIZE)
    attach_labels(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    if not is_fragment_request(request):
        # The sidebar and the filter menus: only the full page shows them.
        context |= {"topics": list(topic_counts()), "phases": list(Phase.objects.all())}
    return render_page(request, "papers/canon.html", "results", context)


@require_GET
def curriculum(request: HttpRequest) -> HttpResponse:
    """The phases in order, a page of placements at a time (a large canon has thousands),
    with a jump to each phase's page; `?phase=N` opens the page where phase N begins."""
    phases, seen = [], 0
    for phase in Phase.objects.with_sizes().filter(size__gt=0):
        phases.append((phase, seen // CURRICULUM_PAGE + 1))
        seen += phase.size
    wanted = request.GET.get("page")
    starts = {str(phase.number): number for phase, number in phases}
    wanted = starts.get(request.GET.get("phase", ""), wanted)
    page = page_with_total(Placement.objects.in_curriculum_order(), wanted, CURRICULUM_PAGE)
    return render(request, "papers/curriculum.html", {"page": page, "phases": phases})


@require_GET
def paper_detail(request: HttpRequest, pk: int) -> HttpResponse:
    paper = get_object_or_404(Paper.objects.for_page_of(request.user), pk=pk)
    context = {"paper": paper, **panel_context(request.user, paper)}
    return render(request, "papers/paper.html", context)


@require_GET
def paper_bibtex(request: HttpRequest, pk: int) -> HttpResponse:
    paper = get_object_or_404(Paper, pk=pk)
    return exports.attachment(paper.bibtex(), "application/x-bibtex", f"paper-{paper.pk}.bib")


@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The canon (filtered like the canon page) as BibTeX, JSON or Markdown."""
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
            summary = import_reading_list(result, added_by=request.user, dry_run=data["dry_run"])
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
