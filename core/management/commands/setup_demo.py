import secrets

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User


class Command(BaseCommand):
    help = (
        "Prepare a fresh database for a first look: a demo organizer account (and, as the "
        "product grows, the bundled canon and a demo club). Safe to run again: it only "
        "creates what is missing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000/", help="Where the app is served."
        )

    @transaction.atomic
    def handle(self, *args, url: str, **options) -> None:
        credentials = []
        if not User.objects.exists():
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser(
                username="organizer",
                email="organizer@example.org",
                password=password,
                display_name="Demo Organizer",
            )
            credentials.append(("organizer", password, "organizer, can use the admin"))

        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Reading Group is ready at {url}"))
        if credentials:
            self.stdout.write("Sign in with (these passwords are shown only this once):")
            for username, password, role in credentials:
                self.stdout.write(f"  username {username:<12} password {password}   ({role})")
        else:
            self.stdout.write(
                "Sign in with your existing account. Forgot the demo password? "
                "Run: .venv/bin/python manage.py changepassword organizer"
            )
        self.stdout.write("")
