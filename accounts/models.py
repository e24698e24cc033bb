from django.contrib.auth.models import AbstractUser
from django.db import models


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
