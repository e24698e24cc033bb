"""The core app's one table: the counters behind rate limits (see `core.ratelimit`)."""

from django.db import models


class RateCounter(models.Model):
    """How many times one key (a scope and who) was counted in one fixed time window.

    Kept in the database so every worker process counts against the same limit; old
    windows are deleted as new ones begin.
    """

    key = models.CharField(max_length=200)
    window = models.BigIntegerField(help_text="Window start, in seconds since the epoch.")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window"], name="ratecounter_once_per_window")
        ]
        indexes = [models.Index(fields=["window"], name="ratecounter_window")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window}: {self.count}"
