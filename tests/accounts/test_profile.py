import re

from django.test import Client
from django.urls import reverse


def test_profile_shows_and_saves(alice_client, alice) -> None:
    page = alice_client.get(reverse("accounts:profile")).content.decode()
    assert 'value="Alice"' in page
    response = alice_client.post(
        reverse("accounts:profile"),
        {"display_name": "  Alice   Liddell ", "email": "alice@wonder.land"},
    )
    assert response["Location"] == reverse("accounts:profile")
    alice.refresh_from_db()
    assert (alice.display_name, alice.email) == ("Alice Liddell", "alice@wonder.land")


def test_profile_refuses_someone_elses_email(alice_client, alice, bob) -> None:
    response = alice_client.post(
        reverse("accounts:profile"), {"display_name": "Alice", "email": "BOB@example.org"}
    )
    assert response.status_code == 200
    assert "Another account already uses this email address." in response.content.decode()
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"


def test_post_without_csrf_token_is_refused(alice) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(reverse("accounts:profile"), {"display_name": "X", "email": ""})
    assert response.status_code == 403
    alice.refresh_from_db()
    assert alice.display_name == "Alice"


def test_htmx_post_with_header_token_is_accepted(alice) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    page = client.get(reverse("accounts:profile")).content.decode()
    # The token htmx sends comes from hx-headers on <body>.
    token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page).group(1)
    response = client.post(
        reverse("accounts:profile"),
        {"display_name": "Via htmx", "email": "alice@example.org"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.display_name == "Via htmx"
