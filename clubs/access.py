"""Who may see and change a club. Every club view fetches its club through here.

A signed-in user who is not a member gets 404 for every club URL, as if the club did
not exist; a member who is not an organizer gets 403 for organizer actions.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from accounts.models import account_fields

from .models import Club, Membership, Role


def membership_for(request: HttpRequest, slug: str) -> Membership:
    """The request user's membership of the club, or 404."""
    return get_object_or_404(
        Membership.objects.select_related("club"), club__slug=slug, user=request.user
    )


def club_for_member(request: HttpRequest, slug: str) -> tuple[Club, Membership]:
    membership = membership_for(request, slug)
    return membership.club, membership


def club_for_organizer(request: HttpRequest, slug: str) -> tuple[Club, Membership]:
    membership = membership_for(request, slug)
    if membership.role != Role.ORGANIZER:
        raise PermissionDenied("Only the club's organizers can do this.")
    return membership.club, membership


def club_with_members(
    request: HttpRequest, slug: str, **annotations
) -> tuple[Club, Membership, list[Membership]]:
    """The club, my membership and every active member's membership (with users, and any
    `annotations`), in one query; 404 for non-members. A former member's placeholder
    (an account deleted with its shared logs kept) is not listed: it never reads."""
    memberships = list(
        Membership.objects.filter(club__slug=slug, user__is_active=True)
        .select_related("club", "user")
        .defer(*account_fields("user"))
        .annotate(**annotations)
        .order_by("user__username")
    )
    mine = next((m for m in memberships if m.user_id == request.user.id), None)
    if mine is None:
        raise Http404("No such club.")
    for membership in memberships:
        membership.club = mine.club  # one club object for all
    return mine.club, mine, memberships


def organized_clubs(user) -> QuerySet[Club]:
    """The clubs `user` organizes: what a staff account that is not a superuser may
    administer (clubs/admin.py)."""
    return Club.objects.filter(memberships__user=user, memberships__role=Role.ORGANIZER)
