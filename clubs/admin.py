from django.contrib import admin

from .models import Club, Invitation, Meeting, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Club)
class ClubAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "meeting_weekday", "time_zone", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["phases"]
    inlines = [MembershipInline]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["club", "starts_at", "presenter"]
    list_filter = ["club"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["papers"]
    raw_id_fields = ["presenter", "discussion_lead"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["club", "email", "multi_use", "expires_at", "uses", "revoked"]
    list_filter = ["club", "revoked"]
    readonly_fields = ["token", "uses", "created_at"]
