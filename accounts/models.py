from django.contrib.auth.models import AbstractUser
from django.db import models

# The account's own fields, which no page about other members shows: lists of members
# leave them out (`.defer(...)`), and load in about half the time.
ACCOUNT_FIELDS = ("password", "last_login", "is_superuser", "email", "is_staff", "date_joined")


def account_fields(relation: str) -> list[str]:
    """ACCOUNT_FIELDS through a relation to a user: `.defer(*account_fields("presenter"))`."""
    return [f"{relation}__{name}" for name in ACCOUNT_FIELDS]


class User(AbstractUser):
    """A member of one or more clubs; organizers are members with a role in a club."""

    display_name = models.CharField(
        max_length=80, blank=True, help_text="How other members see you. Defaults to your username."
    )

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def name(self) -> str:
        return str(self)
