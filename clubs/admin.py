from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import User

from .access import organized_clubs
from .models import (
    Club,
    Comment,
    Invitation,
    Meeting,
    Membership,
    Proposal,
    Question,
    SentMessage,
    VotingRound,
)


class OrganizedClubsOnly:
    """Staff who are not superusers administer only the clubs they organize.

    A club is its members' business: without this, any staff account could read every
    club's meetings and members, and its invitation tokens, which are keys to join.
    """

    club_lookup = "club"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.club_lookup}__in": organized_clubs(request.user)})

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "club" and not request.user.is_superuser:
            kwargs["queryset"] = organized_clubs(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MembershipInline(admin.TabularInline):
    """Superusers edit memberships here. Organizers read them, and change them on the club's
    Manage page, which keeps the rules: people join by invitation, and the last organizer
    stays."""

    model = Membership
    extra = 0
    raw_id_fields = ["user"]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser and super().has_delete_permission(request, obj)


@admin.register(Club)
class ClubAdmin(OrganizedClubsOnly, admin.ModelAdmin):
    club_lookup = "pk"
    list_display = ["name", "slug", "meeting_weekday", "time_zone", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["curricula"]
    inlines = [MembershipInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A club started here would have no organizer, so only superusers may; everyone
        # else starts one from the Clubs page and becomes its organizer.
        return request.user.is_superuser and super().has_add_permission(request)


@admin.register(Meeting)
class MeetingAdmin(OrganizedClubsOnly, admin.ModelAdmin):
    list_display = ["club", "starts_at", "presenter"]
    list_filter = [("club", admin.RelatedOnlyFieldListFilter)]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["papers"]
    raw_id_fields = ["presenter", "discussion_lead"]

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name in self.raw_id_fields and not request.user.is_superuser:
            # An id box names whatever account is typed into it; organizers pick from
            # the members of their clubs instead.
            kwargs["queryset"] = (
                User.objects.filter(memberships__club__in=organized_clubs(request.user))
                .distinct()
                .order_by("username")
            )
            kwargs["widget"] = forms.Select
            return db_field.formfield(**kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Invitation)
class InvitationAdmin(OrganizedClubsOnly, admin.ModelAdmin):
    list_display = ["club", "email", "multi_use", "expires_at", "uses", "revoked"]
    list_filter = [("club", admin.RelatedOnlyFieldListFilter), "revoked"]
    readonly_fields = ["token", "uses", "created_by", "created_at"]

    def save_model(self, request: HttpRequest, obj: Invitation, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(SentMessage)
class SentMessageAdmin(OrganizedClubsOnly, admin.ModelAdmin):
    """The notifications log: what went out, what failed and why. Written by
    `send_notifications` only; delete a failed row to have it tried afresh."""

    list_display = ["kind", "recipient", "about", "club", "status", "attempts", "claimed_at"]
    list_filter = ["status", "kind", ("club", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["recipient", "about", "error"]
    date_hierarchy = "claimed_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class SeenAndDeleted:
    """The club's week is written on its pages, where the rules hold (who may vote, the
    spoiler lock, one vote each): the admin shows it, and deletes what must go (spam)."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Comment)
class CommentAdmin(SeenAndDeleted, OrganizedClubsOnly, admin.ModelAdmin):
    list_display = ["club", "author", "meeting", "paper", "created_at", "hidden_at"]
    list_filter = [("club", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["body"]
    date_hierarchy = "created_at"


@admin.register(Question)
class QuestionAdmin(SeenAndDeleted, OrganizedClubsOnly, admin.ModelAdmin):
    list_display = ["club", "paper", "author", "status", "created_at"]
    list_filter = [("club", admin.RelatedOnlyFieldListFilter), "status"]
    search_fields = ["text"]


@admin.register(Proposal)
class ProposalAdmin(SeenAndDeleted, OrganizedClubsOnly, admin.ModelAdmin):
    club_lookup = "meeting__club"
    list_display = ["__str__", "proposed_by", "review", "created_at"]
    list_filter = ["review"]


@admin.register(VotingRound)
class VotingRoundAdmin(SeenAndDeleted, OrganizedClubsOnly, admin.ModelAdmin):
    club_lookup = "meeting__club"
    list_display = ["meeting", "closes_at", "settled_at", "winner"]
