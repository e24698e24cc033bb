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

    def get_queryset(self, request: HttpRequest):
        # Who has read what is for the reader's clubs; only superusers see everyone's.
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.seen_by(request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Reading | None = None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else [*fields, "user"]

    def has_change_permission(self, request: HttpRequest, obj: Reading | None = None) -> bool:
        own = obj is None or request.user.is_superuser or obj.user_id == request.user.id
        return super().has_change_permission(request, obj) and own

    def has_delete_permission(self, request: HttpRequest, obj: Reading | None = None) -> bool:
        own = obj is None or request.user.is_superuser or obj.user_id == request.user.id
        return super().has_delete_permission(request, obj) and own

    def save_model(self, request: HttpRequest, obj: Reading, form, change: bool) -> None:
        # Staff record their own readings; only superusers record anyone's.
        if not request.user.is_superuser and not change:
            obj.user = request.user
        super().save_model(request, obj, form, change)


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

    def get_readonly_fields(self, request: HttpRequest, obj: Note | None = None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else [*fields, "user"]

    def _is_own(self, request: HttpRequest, obj: Note | None) -> bool:
        return obj is None or request.user.is_superuser or obj.user_id == request.user.id

    def has_change_permission(self, request: HttpRequest, obj: Note | None = None) -> bool:
        # Staff may read club-shared notes of fellow members, but change only their own.
        return super().has_change_permission(request, obj) and self._is_own(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Note | None = None) -> bool:
        return super().has_delete_permission(request, obj) and self._is_own(request, obj)

    def save_model(self, request: HttpRequest, obj: Note, form, change: bool) -> None:
        if not request.user.is_superuser and not change:
            obj.user = request.user
        obj.render()
        obj.version += 1
        super().save_model(request, obj, form, change)
