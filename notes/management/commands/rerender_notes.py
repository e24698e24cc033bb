from django.core.management.base import BaseCommand

from notes.services import rerender_notes


class Command(BaseCommand):
    help = "Re-render every stored note's HTML, e.g. after the sanitizer's allowlist changed."

    def handle(self, *args, **options) -> None:
        count = rerender_notes()
        self.stdout.write(f"Re-rendered {count} notes.")
