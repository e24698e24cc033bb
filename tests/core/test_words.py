"""The words the app says: as people say them, naming the site, Markdown rendered."""

from datetime import timedelta

from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clubs.models import Club, Invitation, Meeting, Membership, Role
from clubs.services import invite
from notes.services import set_status


def test_today_says_where_i_am_in_words(alice, alice_client, make_paper) -> None:
    club = Club.objects.create(name="Journal Club", slug="journal-club")
    Membership.objects.create(club=club, user=alice, role=Role.MEMBER)
    meeting = Meeting.objects.create(
        club=club, starts_at=timezone.now() + timedelta(days=2), minimum_pass="pass2"
    )
    unread, started = make_paper("Unread paper"), make_paper("Started paper")
    meeting.papers.add(unread, started)
    set_status(user=alice, paper_id=started.pk, status="pass1")
    page = alice_client.get(reverse("core:today")).content.decode()
    assert "you have not started it" in page and "you are at Pass 1" in page
    assert "you are at not started" not in page


def test_every_email_subject_names_the_site(alice, settings) -> None:
    settings.SITE_NAME = "Journal Club Server"
    club = Club.objects.create(name="Journal Club", slug="journal-club")
    invite(club=club, by=alice, email="newcomer@example.org")
    Client().post(reverse("password_reset"), {"email": alice.email})
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert "Journal Club Server" in message.subject, message.subject
    assert settings.EMAIL_SUBJECT_PREFIX.startswith("[Reading Group]")  # admins' error mail


def test_a_club_description_is_markdown_wherever_it_shows(alice_client, alice, bob) -> None:
    club = Club.objects.create(
        name="Journal Club",
        slug="journal-club",
        description="We read **one** paper a week. <script>alert(1)</script>",
    )
    Membership.objects.create(club=club, user=alice, role=Role.ORGANIZER)
    invitation = Invitation.objects.create(club=club, multi_use=True)
    for client, url in [
        (Client(), reverse("clubs:join", args=[invitation.token])),
        (alice_client, club.get_absolute_url()),
    ]:
        page = client.get(url).content.decode()
        assert "We read <strong>one</strong> paper a week." in page, url
        assert "**one**" not in page and "<script>alert" not in page
