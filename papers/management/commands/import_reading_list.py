from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from papers.importers import FORMATS, ImportFormatError, Limits, parse
from papers.services import import_reading_list


class Command(BaseCommand):
    help = "Import a reading list into the canon, merging papers that are already there."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="The file to import.")
        parser.add_argument("--format", default="auto", choices=["auto", *FORMATS])
        parser.add_argument(
            "--user", help="Record the list's read marks and blurbs as this user's reading."
        )
        parser.add_argument(
            "--curriculum",
            default="",
            metavar="NAME",
            help="The curriculum the list's phases belong to (created if new); by default "
            "the one its front matter title names. Other curricula are never touched.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Report, save nothing.")

    def handle(
        self,
        *args,
        path: str,
        format: str,
        user: str | None,
        dry_run: bool,
        curriculum: str,
        **options,
    ):
        reader = None
        if user:
            reader = User.objects.filter(username=user).first()
            if reader is None:
                raise CommandError(f"There is no user {user!r}.")
        file, limits = Path(path), Limits.for_command()
        try:
            if error := limits.size_error(file.stat().st_size):
                raise CommandError(f"{path}: {error}. Nothing was imported.")
            text = file.read_text(encoding="utf-8-sig")
        except FileNotFoundError as error:
            raise CommandError(f"{path}: no such file") from error
        except UnicodeDecodeError as error:
            raise CommandError(f"{path}: not UTF-8 text") from error
        except OSError as error:
            raise CommandError(f"{path}: cannot be read ({error.strerror})") from error
        try:
            result = parse(text, format=format, filename=file.name, limits=limits)
            summary = import_reading_list(
                result,
                added_by=reader,
                reader=reader,
                dry_run=dry_run,
                curriculum=curriculum,
                source=file.name,
            )
        except ImportFormatError as error:
            raise CommandError(f"{path}: {error}. Nothing was imported.") from error
        self.stdout.write(f"{path} ({result.format}): {len(result.papers)} papers read")
        for line in summary.lines():
            self.stdout.write(f"  {line}")
