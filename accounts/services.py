"""Deleting an account: what goes, what may stay, and what stops it."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.db.models import Count, Q

from .models import User

FORMER_MEMBER = "Former member"


class AccountInUse(Exception):
    """The account cannot go yet; the message says why and what to do."""


def clubs_left_without_organizer(user: User) -> list[str]:
    """Clubs with other members in which `user` is the only organizer."""
    from clubs.models import Club, Membership, Role

    mine = Membership.objects.filter(user=user, role=Role.ORGANIZER).values("club_id")
    # Counted over all of a club's memberships: filtering on mine in the same join would
    # count mine alone. A former member's placeholder is nobody to hand the club to.
    active = Q(memberships__user__is_active=True)
    return list(
        Club.objects.filter(pk__in=mine)
        .annotate(
            organizers=Count("memberships", filter=Q(memberships__role=Role.ORGANIZER) & active),
            members=Count("memberships", filter=active),
        )
        .filter(organizers=1, members__gt=1)
        .order_by("name")
        .values_list("name", flat=True)
    )


def clubs_of_one(user: User):
    """Clubs `user` is the only member of: they go with the account."""
    from clubs.models import Club, Membership

    mine = Membership.objects.filter(user=user).values("club_id")
    active = Count("memberships", filter=Q(memberships__user__is_active=True))
    return Club.objects.filter(pk__in=mine).annotate(members=active).filter(members=1)


@transaction.atomic
def delete_account(*, user: User, keep_shared_logs: bool) -> int:
    """Delete the account and everything it owns: readings, status history, notes,
    memberships, and clubs it alone belonged to. With `keep_shared_logs`, the notes it
    shared with its clubs, and its comments, questions and proposals, first move to a new
    "Former member" account (no password, not active, a member of the same clubs), so the
    clubs keep reading them without a name; without it they go too.

    Returns how many shared notes were kept. Raises AccountInUse, changing nothing, while
    a club with other members would be left without an organizer, or the site without an
    administrator.
    """
    from clubs.models import Club, Membership, Role
    from notes.models import Note, Visibility

    if (
        user.is_superuser
        and not User.objects.filter(is_superuser=True, is_active=True).exclude(pk=user.pk).exists()
    ):
        raise AccountInUse(
            "You are the site's only administrator. Make another account a superuser in the "
            "admin first; nothing was deleted."
        )
    orphaned = clubs_left_without_organizer(user)
    if orphaned:
        names = ", ".join(orphaned)
        raise AccountInUse(
            f"You are the only organizer of {names}. Make another member an organizer "
            "on the club's Members page (or remove its members) first; nothing was deleted."
        )
    from clubs.services import hand_over_writing, has_club_writing

    kept = 0
    former = None
    # Read before any placeholder joins them: these clubs go with the account.
    alone = list(clubs_of_one(user).values_list("pk", flat=True))
    shared = Note.objects.filter(user=user, visibility=Visibility.CLUB)
    if keep_shared_logs and (shared.exists() or has_club_writing(user)):
        former = User.objects.create_user(
            username=f"former-{secrets.token_hex(6)}",
            display_name=FORMER_MEMBER,
            is_active=False,
        )
        former.set_unusable_password()
        former.save(update_fields=["password"])
        clubs = (
            Membership.objects.filter(user=user)
            .exclude(club_id__in=alone)
            .values_list("club_id", flat=True)
        )
        Membership.objects.bulk_create(
            [
                Membership(
                    user=former,
                    club_id=club,
                    role=Role.MEMBER,
                    wants_digest=False,
                    wants_reminders=False,
                )
                for club in clubs
            ]
        )
        kept = shared.update(user=former)
    hand_over_writing(user=user, to=former)
    Club.objects.filter(pk__in=alone).delete()
    user.delete()
    return kept
