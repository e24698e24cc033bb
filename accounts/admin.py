"""Accounts in the admin: organizers who are staff create and edit members' accounts here.

Only superusers manage privileges. Staff who are not superusers (organizers given
`add_user` and `change_user` to create accounts) see privilege fields read-only, so a
posted `is_superuser=on` is ignored; they cannot open, set the password of or delete a
superuser or another staff account, and cannot edit groups, which carry permissions.
"""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group

from .models import User

PRIVILEGES = ("is_superuser", "is_staff", "groups", "user_permissions")


def _manages(request, user: User | None) -> bool:
    """Whether the signed-in staff user may change this account at all."""
    if request.user.is_superuser or user is None:
        return True
    if user.is_superuser:
        return False
    return not user.is_staff or user.pk == request.user.pk


@admin.register(User)
class ReadingGroupUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Profile", {"fields": ("display_name",)}))
    list_display = ("username", "display_name", "email", "is_staff", "is_active", "last_login")
    search_fields = ("username", "display_name", "email")

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return fields
        return (*fields, *PRIVILEGES)

    def has_change_permission(self, request, obj=None) -> bool:
        # The password form (user_change_password) asks this too, for the same account.
        return super().has_change_permission(request, obj) and _manages(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and _manages(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            # Bulk deletion checks no single account; deleting one at a time does.
            actions.pop("delete_selected", None)
        return actions


admin.site.unregister(Group)


@admin.register(Group)
class ReadingGroupGroupAdmin(GroupAdmin):
    """Groups carry permissions: only superusers change them."""

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser
