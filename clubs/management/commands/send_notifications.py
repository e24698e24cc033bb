"""Send every notification that is due, then exit. Run it every few minutes (README)."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from clubs.notifications import send_due
from clubs.services import settle_due_rounds


class Command(BaseCommand):
    help = (
        "Settle the votes whose time is up, then send the digests, reminders and club "
        "webhooks that are due, each once."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--now",
            help="Act as if it were this moment (ISO 8601 with an offset, e.g. "
            "2026-12-03T17:00:00+00:00): for tests, and to catch up after downtime.",
        )

    def handle(self, *args, now: str | None = None, **options) -> None:
        moment = timezone.now()
        if now:
            try:
                moment = datetime.fromisoformat(now)
            except ValueError as error:
                raise CommandError(f"--now {now!r} is not an ISO 8601 date and time.") from error
            if timezone.is_naive(moment):
                raise CommandError("--now needs a UTC offset, such as +00:00.")
        settled = settle_due_rounds(moment)
        if settled:
            self.stdout.write(f"Votes settled: {settled}")
        report = send_due(moment)
        self.stdout.write(f"Notifications at {moment.isoformat()}: {report}")
        if report.failed:
            self.stderr.write(f"{report.failed} failed; they are retried on the next run.")
