"""Every page but the sign-in pages needs a signed-in user."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

PUBLIC = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_complete",
    "core:healthz",
}


def argument_free_url_names(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    """Named URL patterns that take no arguments, found by walking the resolver."""
    resolver = resolver or get_resolver()
    names = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue  # the admin has its own sign-in; checked separately below
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            names += argument_free_url_names(pattern, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name and not pattern.pattern.regex.groups:
            names.append(prefix + pattern.name)
    return names


# Browsers ask for the icon before anyone signs in.
ICON = "core:favicon"

PRIVATE = sorted(set(argument_free_url_names()) - PUBLIC - {ICON})


def test_private_urls_are_found() -> None:
    assert {"core:today", "accounts:profile", "password_change", "logout"} <= set(PRIVATE)


@pytest.mark.django_db
@pytest.mark.parametrize("name", PRIVATE)
def test_anonymous_is_sent_to_sign_in(client, name: str) -> None:
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_pages_answer_anonymous(client, name: str) -> None:
    assert client.get(reverse(name)).status_code == 200


@pytest.mark.django_db
def test_the_icon_is_public(client) -> None:
    response = client.get(reverse(ICON))
    assert response.status_code == 301
    assert response["Location"] == "/static/img/favicon.svg"


@pytest.mark.django_db
def test_admin_needs_staff(client, alice_client) -> None:
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    assert alice_client.get("/admin/")["Location"].startswith("/admin/login/")


def test_signed_in_user_sees_today(alice_client) -> None:
    response = alice_client.get(reverse("core:today"))
    assert response.status_code == 200
    assert "Hello, Alice" in response.content.decode()
    assert reverse("accounts:profile") in response.content.decode()


def test_unknown_url_is_a_friendly_404(alice_client) -> None:
    response = alice_client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Not found" in response.content.decode()
