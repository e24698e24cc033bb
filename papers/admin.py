from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from .citations import to_bibtex
from .models import Paper, Phase, Placement, Topic


class PlacementInline(admin.TabularInline):
    model = Placement
    extra = 0
    autocomplete_fields = ["phase"]
    fields = ["phase", "tier", "order", "note"]


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ["title", "first_author", "year", "kind", "tier", "arxiv_id", "added_at"]
    list_filter = ["kind", "tier", "placements__tier", "placements__phase", "topics", "year"]
    search_fields = ["title", "authors", "arxiv_id", "doi"]
    autocomplete_fields = ["topics", "builds_on"]
    readonly_fields = ["added_at", "added_by"]
    inlines = [PlacementInline]
    actions = ["export_bibtex"]
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["title", "aliases", "authors", "year", "venue", "kind", "tier"]}),
        ("Links and identity", {"fields": ["url", "arxiv_id", "doi"]}),
        ("Summary", {"fields": ["tldr", "key_contribution", "why_it_matters", "abstract"]}),
        ("Canon", {"fields": ["topics", "builds_on"]}),
        ("History", {"fields": ["added_at", "added_by"], "classes": ["collapse"]}),
    ]

    @admin.display(description="First author")
    def first_author(self, paper: Paper) -> str:
        return paper.short_authors

    def save_model(self, request: HttpRequest, obj: Paper, form, change: bool) -> None:
        if not change and obj.added_by_id is None:
            obj.added_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Export selected papers as BibTeX")
    def export_bibtex(self, request: HttpRequest, queryset: QuerySet[Paper]) -> HttpResponse:
        response = HttpResponse(to_bibtex(queryset.order_by("title")), content_type="text/x-bibtex")
        response["Content-Disposition"] = 'attachment; filename="papers.bib"'
        return response


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Phase)
class PhaseAdmin(admin.ModelAdmin):
    list_display = ["number", "title"]
    list_display_links = ["number", "title"]
    search_fields = ["title", "number"]
