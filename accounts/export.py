"""Everything a member has, as one JSON document: the account's download.

Each app contributes a section: a name and a function from the user to plain data
(`SECTIONS`). A section lists only the member's own writing and records; another
member's private note never appears here, and neither does a secret (the password
hash, the calendar feed's token).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.utils import timezone

from .models import User


def account(user: User) -> dict:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "date_joined": user.date_joined.isoformat(),
        "last_login": user.last_login.isoformat() if user.last_login else None,
    }


def memberships(user: User) -> list[dict]:
    from clubs.models import Membership

    return [
        {
            "club": m.club.name,
            "role": m.role,
            "joined_at": m.joined_at.isoformat(),
            "weekly_digest": m.wants_digest,
            "meeting_reminders": m.wants_reminders,
        }
        for m in Membership.objects.filter(user=user).select_related("club").order_by("club__name")
    ]


def readings(user: User) -> list[dict]:
    from notes.exports import member_data

    return member_data(user)


def club_week(user: User) -> dict:
    from clubs.export import member_data

    return member_data(user)


# (name, function): each app's part of the download, in the order the file shows them.
SECTIONS: list[tuple[str, Callable[[User], object]]] = [
    ("account", account),
    ("readings", readings),
    ("memberships", memberships),
    ("club_week", club_week),
]


def member_data(user: User) -> dict:
    data: dict[str, object] = {"exported_at": timezone.now().isoformat(), "format": 1}
    for name, section in SECTIONS:
        data[name] = section(user)
    return data


def member_json(user: User) -> str:
    return json.dumps(member_data(user), indent=2, ensure_ascii=False) + "\n"
