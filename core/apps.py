from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "core"

    def ready(self) -> None:
        from .generations import install

        # After every app's migrations, so that every table the triggers touch exists.
        post_migrate.connect(install, sender=self, dispatch_uid="core.generations.install")
