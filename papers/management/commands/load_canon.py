from pathlib import Path

from django.core.management.base import BaseCommand

from papers.importers import parse
from papers.services import import_reading_list

CANON = Path(__file__).resolve().parents[2] / "data" / "canon.json"


class Command(BaseCommand):
    help = "Load the bundled canon (papers/data/canon.json). Safe to run again: it merges."

    def handle(self, *args, **options) -> None:
        result = parse(CANON.read_text(encoding="utf-8"), format="json")
        summary = import_reading_list(result)
        self.stdout.write(
            f"Bundled canon: {summary.papers_created} papers added, "
            f"{summary.papers_merged} already there."
        )
