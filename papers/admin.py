from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from .citations import to_bibtex
from .models import Curriculum, Paper, Phase, Placement, Topic, TopicAlias
from .services import merge_topics


class PlacementInline(admin.TabularInline):
    model = Placement
    extra = 0
    fields = ["phase", "tier", "order", "note"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Two curricula may both have a Phase 3: the menu names each phase's curriculum.
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "phase":
            field.queryset = field.queryset.select_related("curriculum")
            field.label_from_instance = lambda phase: phase.full_name
        return field


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ["title", "first_author", "year", "kind", "tier", "arxiv_id", "added_at"]
    list_filter = [
        "kind",
        "tier",
        "placements__tier",
        "placements__phase__curriculum",
        "topics",
        "year",
    ]
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


class TopicAliasInline(admin.TabularInline):
    model = TopicAlias
    extra = 0
    fields = ["name"]


class MergeTopicsForm(forms.Form):
    into = forms.ModelChoiceField(
        queryset=Topic.objects.none(),
        label="Merge into",
        empty_label=None,
        widget=forms.RadioSelect,
        help_text="The others' papers move to this topic; their names become its aliases.",
    )

    def __init__(self, *args, topics: QuerySet[Topic], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = topics


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "paper_count", "alias_names"]
    search_fields = ["name", "aliases__name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [TopicAliasInline]
    actions = ["merge"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Topic]:
        return (
            super()
            .get_queryset(request)
            .annotate(paper_count=Count("papers", distinct=True))
            .prefetch_related("aliases")
        )

    @admin.display(description="Papers", ordering="paper_count")
    def paper_count(self, topic: Topic) -> int:
        return topic.paper_count

    @admin.display(description="Also called")
    def alias_names(self, topic: Topic) -> str:
        return ", ".join(alias.name for alias in topic.aliases.all())

    def has_merge_permission(self, request: HttpRequest) -> bool:
        # Merging deletes the merged topics, so it takes both permissions (an action's
        # own `permissions` list asks for any one of them).
        return self.has_change_permission(request) and self.has_delete_permission(request)

    @admin.action(description="Merge selected topics into one", permissions=["merge"])
    def merge(self, request: HttpRequest, queryset: QuerySet[Topic]) -> HttpResponse | None:
        topics = queryset.order_by("name")
        if topics.count() < 2:
            self.message_user(request, "Choose two or more topics to merge.", messages.WARNING)
            return None
        form = MergeTopicsForm(request.POST if "into" in request.POST else None, topics=topics)
        if form.is_valid():
            into = form.cleaned_data["into"]
            names = [topic.name for topic in topics if topic.pk != into.pk]
            for topic in list(topics):
                if topic.pk != into.pk:
                    merge_topics(topic, into)
            self.message_user(
                request, f"Merged {', '.join(names)} into {into.name}.", messages.SUCCESS
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge topics",
            "topics": topics,
            "form": form,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/papers/topic/merge.html", context)


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0
    fields = ["number", "title", "description"]


@admin.register(Curriculum)
class CurriculumAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "source", "created_at"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PhaseInline]


@admin.register(Phase)
class PhaseAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "curriculum"]
    list_display_links = ["number", "title"]
    list_filter = ["curriculum"]
    list_select_related = ["curriculum"]
    search_fields = ["title", "number", "curriculum__name"]
