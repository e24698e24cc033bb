"""Writes that span clubs, memberships, invitations and meetings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Max, Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from papers.models import Curriculum, unique_slug

from .models import Club, Invitation, Membership, Role


class ClubError(Exception):
    """An action that cannot be done, with a message for the person who tried."""


def create_club(*, user: User, name: str, curricula: Iterable[Curriculum] = (), **fields) -> Club:
    """The club, its first organizer and the curricula it follows, together or not at all."""
    with transaction.atomic():
        club = Club.objects.create(name=name, slug=unique_slug(Club, name), **fields)
        Membership.objects.create(user=user, club=club, role=Role.ORGANIZER)
        club.curricula.set(curricula)
    return club


def invite(
    *,
    club: Club,
    by: User,
    email: str = "",
    multi_use: bool = False,
    days: int = 14,
    base_url: str = "",
) -> Invitation:
    invitation = Invitation.objects.create(
        club=club,
        created_by=by,
        email=email,
        multi_use=multi_use and not email,
        expires_at=timezone.now() + timedelta(days=days),
    )
    if email:
        context = {
            "club": club,
            "by": by,
            "url": base_url + invitation.join_url(),
            "expires_at": invitation.expires_at,
            "site_name": settings.SITE_NAME,
        }
        send_mail(
            subject=f"[{settings.SITE_NAME}] {by} invites you to {club.name}",
            message=render_to_string("clubs/invitation_email.txt", context),
            from_email=None,
            recipient_list=[email],
        )
    return invitation


def invitation_problem(invitation: Invitation | None) -> str:
    """Why this invitation cannot be used now, as a sentence; "" when it can."""
    if invitation is None:
        return (
            "This invitation link is not valid. Check that you copied all of it, "
            "or ask for a new one."
        )
    if invitation.revoked:
        return "This invitation was withdrawn by the club's organizers. Ask them for a new one."
    if invitation.is_expired:
        return "This invitation has expired. Ask the club's organizers for a new one."
    if invitation.is_used_up:
        return "This invitation was already used. Ask the club's organizers for a new one."
    return ""


WRONG_EMAIL = (
    "This invitation was sent to another email address. Sign in with that account, "
    "or ask the organizers for an invitation."
)


def invitation_refuses(invitation: Invitation, user: User) -> str:
    """Why `user` may not accept this (valid) invitation, as a sentence; "" when they may.
    An invitation sent to an address belongs to whoever owns that address."""
    if invitation.email and invitation.email.casefold() != (user.email or "").casefold():
        return WRONG_EMAIL
    return ""


def accept_invitation(*, invitation: Invitation, user: User) -> Membership:
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        existing = Membership.objects.filter(club=locked.club, user=user).first()
        if existing:
            return existing
        if problem := invitation_problem(locked) or invitation_refuses(locked, user):
            raise ClubError(problem)
        locked.uses += 1
        locked.save(update_fields=["uses"])
        return Membership.objects.create(club=locked.club, user=user, role=Role.MEMBER)


def sign_up_and_join(*, invitation: Invitation, account: dict[str, str]) -> User:
    """A new account from the invitation's sign-up form, and its membership: together or
    not at all (an invitation used up meanwhile leaves no account behind)."""
    with transaction.atomic():
        user = User.objects.create_user(
            username=account["username"],
            email=account["email"],
            password=account["password1"],
            display_name=account["display_name"],
        )
        accept_invitation(invitation=invitation, user=user)
    return user


LAST_ORGANIZER = "A club needs at least one organizer: appoint another first."


def _locked(membership: Membership, by: User | None) -> Membership:
    """`membership` as it is now, read after locking its club's row: every change that
    could leave a club without an organizer takes this lock first, so two of them run
    one after the other and the second sees what the first did. Call inside atomic()."""
    Club.objects.select_for_update().get(pk=membership.club_id)
    current = Membership.objects.filter(pk=membership.pk).first()
    if current is None:
        raise ClubError("That person is no longer a member of the club; nothing changed.")
    if (
        by is not None
        and not Membership.objects.filter(
            club_id=membership.club_id, user=by, role=Role.ORGANIZER
        ).exists()
    ):
        raise ClubError("You are no longer an organizer of this club; nothing changed.")
    return current


def _other_organizers(membership: Membership) -> bool:
    return (
        Membership.objects.filter(club_id=membership.club_id, role=Role.ORGANIZER)
        .exclude(pk=membership.pk)
        .exists()
    )


def change_role(*, membership: Membership, role: str, by: User | None = None) -> Membership:
    """Give `membership` the `role`; `by`, when given, must still be an organizer."""
    with transaction.atomic():
        current = _locked(membership, by)
        demoting = current.role == Role.ORGANIZER and role != Role.ORGANIZER
        if demoting and not _other_organizers(current):
            raise ClubError(LAST_ORGANIZER)
        current.role = role
        current.save(update_fields=["role"])
    membership.role = role
    return membership


def remove_member(*, membership: Membership, by: User | None = None) -> None:
    """Remove `membership` (leaving, when it is `by`'s own or `by` is None); another
    member's removal needs `by` to still be an organizer."""
    if by is not None and membership.user_id == by.pk:
        by = None  # anyone may leave
    with transaction.atomic():
        current = _locked(membership, by)
        if current.role == Role.ORGANIZER and not _other_organizers(current):
            raise ClubError(LAST_ORGANIZER)
        current.delete()


def presenter_rotation(club: Club) -> list[Membership]:
    """Members in the order a fair rotation would pick them: never presented first,
    then whoever presented least recently."""
    return list(
        club.memberships.select_related("user")
        .annotate(
            last_presented=Max(
                "user__presentations__starts_at", filter=Q(user__presentations__club=club)
            )
        )
        .order_by(F("last_presented").asc(nulls_first=True), "joined_at")
    )
