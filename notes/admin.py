from django.contrib import admin
from django.http import HttpRequest

from .models import Note, Reading


@admin.register(Reading)
class ReadingAdmin(admin.ModelAdmin):
    list_display = ["user", "paper", "status", "updated_at"]
    list_filter = ["status"]
    search_fields = ["user__username", "paper__title"]
    autocomplete_fields = ["paper"]
    raw_id_fields = ["user"]


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ["user", "paper", "visibility", "version", "updated_at"]
    list_filter = ["visibility"]
    search_fields = ["user__username", "paper__title"]
    readonly_fields = ["version", "renderer_version", "created_at", "updated_at"]
    autocomplete_fields = ["paper"]
    raw_id_fields = ["user"]

    def get_queryset(self, request: HttpRequest):
        # Private notes are their author's alone; only superusers administer every note.
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.visible_to(request.user)

    def save_model(self, request: HttpRequest, obj: Note, form, change: bool) -> None:
        obj.render()
        obj.version += 1
        super().save_model(request, obj, form, change)
