from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate


class CoreConfig(AppConfig):
    name = "core"

    def ready(self) -> None:
        from .generations import install, uninstall

        # Migrations run without the counters' triggers (a table a migration rebuilds
        # must not carry them); they come back once every app's migrations have run.
        pre_migrate.connect(uninstall, sender=self, dispatch_uid="core.generations.uninstall")
        post_migrate.connect(install, sender=self, dispatch_uid="core.generations.install")
