import secrets

from django.core.management import call_command
from django.core.management.base import BaseCommand

from accounts.models import User
from core.demo import create_demo_club


class Command(BaseCommand):
    help = (
        "Prepare a database for a first look: a demo organizer account, the bundled canon and "
        "the Demo Journal Club. Safe to run again: it only creates what is missing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="Where it is served.")

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
            credentials.append(
                ("organizer", password, "organizer of the demo club; uses the admin")
            )
        call_command("load_canon", stdout=self.stdout)
        organizer = User.objects.filter(is_superuser=True).order_by("pk").first()
        if organizer is not None:
            created = create_demo_club(organizer)
            if created:
                club, members = created
                self.stdout.write(f"Created {club.name} with {len(members)} demo members.")
                credentials += [(name, password, "member") for name, password in members]

        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(f"Reading Group is ready: sign in at {url}accounts/login/")
        )
        if credentials:
            self.stdout.write("Demo accounts (passwords are shown only this once):")
            for username, password, role in credentials:
                self.stdout.write(f"  {username:<10} {password}   {role}")
        else:
            self.stdout.write(
                "Sign in with your existing account. Forgot a demo password? Run: "
                ".venv/bin/python manage.py changepassword organizer"
            )
        self.stdout.write("")
