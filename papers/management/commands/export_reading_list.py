from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from notes.exports import FORMATS as READING_LIST_FORMATS
from notes.exports import render_reading_list
from papers.exports import FORMATS, render_export
from papers.models import Paper


class Command(BaseCommand):
    help = "Print the canon (or one member's reading list) as Markdown, BibTeX or JSON."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--format", required=True, choices=sorted({*FORMATS, "csv"}))
        parser.add_argument("--user", help="Export this user's reading list with statuses.")

    def handle(self, *args, format: str, user: str | None, **options) -> None:
        if user:
            reader = User.objects.filter(username=user).first()
            if reader is None:
                raise CommandError(f"There is no user {user!r}.")
            if format not in READING_LIST_FORMATS:
                raise CommandError(
                    f"--user exports take --format {', '.join(READING_LIST_FORMATS)}"
                )
            self.stdout.write(render_reading_list(reader, format), ending="")
            return
        if format == "csv":
            raise CommandError("CSV is for one member's list: add --user USERNAME.")
        papers = Paper.objects.for_list().order_by("title")
        self.stdout.write(render_export(papers, format), ending="")
