"""Django's `migrate`, which also puts the counters' triggers back when a migration fails.

The triggers leave on `pre_migrate` and return on `post_migrate` (core/apps.py), but a
failed run never sends `post_migrate`: without this, the page store would go on serving
pages that writes no longer invalidate until the next successful `migrate`.
"""

from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import DatabaseError

from core import generations


class Command(DjangoMigrate):
    def handle(self, *args, **options):
        try:
            return super().handle(*args, **options)
        except BaseException:
            # Only if they are gone: a run that failed before taking them away (a bad app
            # label, `--check` finding unapplied migrations) leaves them as they are.
            try:
                if not generations.installed(options["database"]):
                    generations.install(options["database"])
            except DatabaseError as error:
                self.stderr.write(f"The page store's triggers could not be reinstalled: {error}")
            raise
