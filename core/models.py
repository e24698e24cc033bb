from django.db import models


class Generation(models.Model):
    """A counter the database bumps when something shared changes, such as the canon.

    Only the triggers in core/generations.py write it.
    """

    scope = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.scope}: {self.value}"
