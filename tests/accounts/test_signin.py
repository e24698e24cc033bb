import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.support import PASSWORD


def test_sign_in_with_the_right_password(client, alice) -> None:
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("core:today")
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_sign_in_with_a_wrong_password_shows_an_error(client, alice) -> None:
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "didn't match" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_in_follows_next_but_never_off_site(client, alice) -> None:
    data = {"username": "alice", "password": PASSWORD}
    response = client.post(reverse("login") + "?next=/accounts/profile/", data)
    assert response["Location"] == "/accounts/profile/"
    client.logout()
    response = client.post(reverse("login") + "?next=https://evil.example/", data)
    assert response["Location"] == reverse("core:today")


def test_repeated_failures_are_throttled(client, alice) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    # Now even the right password is refused, with a page that says why.
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_throttling_is_per_account(client, alice, bob) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "bob", "password": PASSWORD})
    assert response.status_code == 302


def test_sign_out_needs_a_post(alice_client) -> None:
    assert alice_client.get(reverse("logout")).status_code == 405
    response = alice_client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert alice_client.get(reverse("core:today")).status_code == 302


def test_password_reset_link_works_once(client, alice) -> None:
    response = client.post(reverse("password_reset"), {"email": "alice@example.org"})
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.org"]
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)

    set_password_page = client.get(link, follow=True)
    assert "Choose a new password" in set_password_page.content.decode()
    form_url = set_password_page.redirect_chain[-1][0]
    new = "a brand new passphrase 42"
    response = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert response["Location"] == reverse("password_reset_complete")
    alice.refresh_from_db()
    assert alice.check_password(new)

    again = Client().get(link, follow=True)
    assert "no longer works" in again.content.decode()


def test_password_reset_for_unknown_email_sends_nothing(client, alice) -> None:
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_password_change(alice_client, alice) -> None:
    new = "another long passphrase 7"
    response = alice_client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response["Location"] == reverse("password_change_done")
    alice.refresh_from_db()
    assert alice.check_password(new)


@pytest.mark.django_db
def test_users_are_named_by_display_name() -> None:
    assert str(User(username="dana", display_name="Dana S.")) == "Dana S."
    assert str(User(username="dana")) == "dana"
