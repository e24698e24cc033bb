from datetime import timedelta

from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from clubs.models import Invitation, Membership
from tests.support import PASSWORD


def test_organizer_invites_by_email(alice_client, club) -> None:
    response = alice_client.post(
        reverse("clubs:invite", args=[club.slug]), {"email": "dana@example.org", "days": 7}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "dana@example.org" and not invitation.multi_use
    assert len(mail.outbox) == 1 and invitation.join_url() in mail.outbox[0].body


def test_invalid_invite_form_changes_nothing(alice_client, club) -> None:
    response = alice_client.post(
        reverse("clubs:invite", args=[club.slug]), {"email": "nope", "days": 900}, follow=True
    )
    assert "The invitation was not created" in response.content.decode()
    assert not Invitation.objects.exists()


def test_new_person_signs_up_through_a_link(club) -> None:
    invitation = Invitation.objects.create(club=club)
    client = Client()
    page = client.get(invitation.join_url())
    assert "Join Journal Club" in page.content.decode()
    response = client.post(
        invitation.join_url(),
        {
            "username": "dana",
            "email": "dana@example.org",
            "display_name": "Dana",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response["Location"] == club.get_absolute_url()
    dana = User.objects.get(username="dana")
    assert Membership.objects.filter(club=club, user=dana, role="member").exists()
    assert client.get(club.get_absolute_url()).status_code == 200


def test_signup_errors_create_nothing(club, bob) -> None:
    invitation = Invitation.objects.create(club=club)
    response = Client().post(
        invitation.join_url(),
        {"username": "bob", "email": "bob@example.org", "password1": "x", "password2": "y"},
    )
    body = response.content.decode()
    assert "That username is taken." in body
    assert "An account already uses this email address" in body
    assert User.objects.count() == 2
    invitation.refresh_from_db()
    assert invitation.uses == 0


def test_signed_in_user_joins(charlie, club) -> None:
    invitation = Invitation.objects.create(club=club)
    client = Client()
    client.force_login(charlie)
    client.post(invitation.join_url())
    assert Membership.objects.filter(club=club, user=charlie).exists()


def test_single_use_link_works_once(club, charlie, make_user) -> None:
    invitation = Invitation.objects.create(club=club)
    first, second = Client(), Client()
    first.force_login(charlie)
    first.post(invitation.join_url())
    second.force_login(make_user("dana"))
    response = second.post(invitation.join_url())
    assert response.status_code == 410
    assert "already used" in response.content.decode()
    assert Membership.objects.filter(club=club).count() == 3


def test_multi_use_link_works_for_several(club, charlie, make_user) -> None:
    invitation = Invitation.objects.create(club=club, multi_use=True)
    for user in (charlie, make_user("dana")):
        client = Client()
        client.force_login(user)
        client.post(invitation.join_url())
    assert Membership.objects.filter(club=club).count() == 4


def test_expired_revoked_and_forged_links_give_a_clear_page(club, charlie) -> None:
    client = Client()
    client.force_login(charlie)
    expired = Invitation.objects.create(club=club, expires_at=timezone.now() - timedelta(minutes=1))
    revoked = Invitation.objects.create(club=club, revoked=True)
    for invitation, words in [(expired, "has expired"), (revoked, "withdrawn")]:
        for method in ("get", "post"):
            response = getattr(client, method)(invitation.join_url())
            assert response.status_code == 410
            assert words in response.content.decode()
    response = client.get(reverse("clubs:join", args=["forged-token"]))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()
    assert not Membership.objects.filter(user=charlie, club=club).exists()


def test_already_a_member(club, bob_client) -> None:
    invitation = Invitation.objects.create(club=club)
    response = bob_client.get(invitation.join_url(), follow=True)
    assert "already a member" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.uses == 0
