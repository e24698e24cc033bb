from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from clubs.models import Invitation, Membership
from clubs.services import ClubError, accept_invitation
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


GENERIC = "That username or email cannot be used; if you already have an account"
WRONG_EMAIL = "This invitation was sent to another email address."


def signup_data(username: str = "dana", email: str = "dana@example.org", **fields) -> dict:
    return {
        "username": username,
        "email": email,
        "display_name": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
    } | fields


def test_signup_errors_create_nothing(club, bob) -> None:
    invitation = Invitation.objects.create(club=club)
    response = Client().post(
        invitation.join_url(),
        {"username": "bob", "email": "bob@example.org", "password1": "x", "password2": "y"},
    )
    body = response.content.decode()
    assert GENERIC in body
    assert "The two passwords differ." in body
    assert User.objects.count() == 2
    invitation.refresh_from_db()
    assert invitation.uses == 0


def test_signup_does_not_say_whether_the_username_or_the_email_exists(club, bob) -> None:
    invitation = Invitation.objects.create(club=club, multi_use=True)
    pages = []
    for data in (
        signup_data(username="BOB"),
        signup_data(email="Bob@Example.org"),
        signup_data(username="bob", email="bob@example.org"),
    ):
        response = Client().post(invitation.join_url(), data)
        assert response.status_code == 200
        body = response.content.decode()
        assert GENERIC in body
        for telltale in ("taken", "already uses", "username exists", "email exists"):
            assert telltale not in body
        pages.append(body.split('role="alert"')[1].split("</div>")[0])
    assert pages[0] == pages[1] == pages[2], "the same words whichever one exists"
    assert User.objects.count() == 2
    assert Membership.objects.filter(club=club).count() == 2


def test_signup_attempts_are_throttled_per_address_and_per_invitation(club, bob, settings) -> None:
    settings.SIGNUP_LIMIT_PER_ADDRESS = settings.SIGNUP_LIMIT_PER_INVITATION = 10
    invitation = Invitation.objects.create(club=club, multi_use=True)
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(10):
        assert client.post(invitation.join_url(), signup_data(username="bob")).status_code == 200
    response = client.post(invitation.join_url(), signup_data(username="erin"))
    assert response.status_code == 429
    assert "try again" in response.content.decode()
    assert not User.objects.filter(username="erin").exists()
    # Another address is refused too on this invitation, but not on another one.
    other_address = Client(REMOTE_ADDR="198.51.100.9")
    assert other_address.post(invitation.join_url(), signup_data()).status_code == 429
    fresh = Invitation.objects.create(club=club)
    response = other_address.post(fresh.join_url(), signup_data())
    assert response["Location"] == club.get_absolute_url()
    # Reading the page is not an attempt.
    assert client.get(invitation.join_url()).status_code == 200


def test_email_invitation_signs_up_its_address_only(club) -> None:
    invitation = Invitation.objects.create(club=club, email="dana@example.org")
    client = Client()
    page = client.get(invitation.join_url()).content.decode()
    assert 'value="dana@example.org"' in page and "disabled" in page
    response = client.post(invitation.join_url(), signup_data(email="mallory@example.org"))
    assert response.status_code == 200
    assert WRONG_EMAIL in response.content.decode()
    assert not User.objects.filter(username="dana").exists()
    invitation.refresh_from_db()
    assert invitation.uses == 0
    # A browser does not send a disabled field: the invitation's address is used.
    data = signup_data()
    del data["email"]
    response = client.post(invitation.join_url(), data)
    assert response["Location"] == club.get_absolute_url()
    assert User.objects.get(username="dana").email == "dana@example.org"


def test_email_invitation_sign_up_with_a_differently_cased_address(club) -> None:
    invitation = Invitation.objects.create(club=club, email="dana@example.org")
    response = Client().post(invitation.join_url(), signup_data(email="DANA@Example.ORG"))
    assert response["Location"] == club.get_absolute_url()
    assert User.objects.get(username="dana").email == "dana@example.org"


def test_email_invitation_refuses_another_signed_in_user(club, charlie) -> None:
    invitation = Invitation.objects.create(club=club, email="dana@example.org")
    client = Client()
    client.force_login(charlie)
    for method in ("get", "post"):
        response = getattr(client, method)(invitation.join_url())
        assert response.status_code == 403
        assert WRONG_EMAIL in response.content.decode()
    assert not Membership.objects.filter(club=club, user=charlie).exists()
    invitation.refresh_from_db()
    assert invitation.uses == 0


def test_email_invitation_refuses_an_account_without_email(club, make_user) -> None:
    invitation = Invitation.objects.create(club=club, email="dana@example.org")
    client = Client()
    client.force_login(make_user("erin", email=""))
    assert client.post(invitation.join_url()).status_code == 403
    assert Membership.objects.filter(club=club).count() == 2


def test_email_invitation_accepted_by_its_address_in_any_case(club, make_user) -> None:
    invitation = Invitation.objects.create(club=club, email="Dana@Example.org")
    dana = make_user("dana", email="dana@EXAMPLE.org")
    client = Client()
    client.force_login(dana)
    assert "Join as" in client.get(invitation.join_url()).content.decode()
    response = client.post(invitation.join_url())
    assert response["Location"] == club.get_absolute_url()
    assert Membership.objects.filter(club=club, user=dana, role="member").exists()
    invitation.refresh_from_db()
    assert invitation.uses == 1


def test_accepting_an_email_invitation_as_another_user_is_refused_by_the_service(
    club, charlie
) -> None:
    invitation = Invitation.objects.create(club=club, email="dana@example.org")
    with pytest.raises(ClubError, match="another email address"):
        accept_invitation(invitation=invitation, user=charlie)
    assert not Membership.objects.filter(club=club, user=charlie).exists()


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
