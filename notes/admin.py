from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from .models import Note, Reading


class OwnRowsAdmin(admin.ModelAdmin):
    """A member's rows (readings, notes): staff who are not superusers see what their
    clubs may see (`visible_rows`), but add, change and delete only their own."""

    raw_id_fields = ["user"]

    def visible_rows(self, queryset, user):
        raise NotImplementedError

    def get_queryset(self, request: HttpRequest):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else self.visible_rows(queryset, request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else [*fields, "user"]

    def _is_own(self, request: HttpRequest, obj: Model | None) -> bool:
        return obj is None or request.user.is_superuser or obj.user_id == request.user.id

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_change_permission(request, obj) and self._is_own(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_delete_permission(request, obj) and self._is_own(request, obj)

    def save_model(self, request: HttpRequest, obj: Model, form, change: bool) -> None:
        if not request.user.is_superuser and not change:
            obj.user = request.user
        super().save_model(request, obj, form, change)


@admin.register(Reading)
class ReadingAdmin(OwnRowsAdmin):
    list_display = ["user", "paper", "status", "updated_at"]
    list_filter = ["status"]
    search_fields = ["user__username", "paper__title"]
    autocomplete_fields = ["paper"]

    def visible_rows(self, queryset, user):
        # Who has read what is for the reader's clubs.
        return queryset.seen_by(user)


@admin.register(Note)
class NoteAdmin(OwnRowsAdmin):
    list_display = ["user", "paper", "visibility", "version", "updated_at"]
    list_filter = ["visibility"]
    search_fields = ["user__username", "paper__title"]
    readonly_fields = ["version", "renderer_version", "created_at", "updated_at"]
    autocomplete_fields = ["paper"]

    def visible_rows(self, queryset, user):
        # Private notes are their author's alone.
        return queryset.visible_to(user)

    def save_model(self, request: HttpRequest, obj: Note, form, change: bool) -> None:
        obj.render()
        obj.version += 1
        super().save_model(request, obj, form, change)
