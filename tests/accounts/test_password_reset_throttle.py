"""Password reset mail: throttled per address and per client, and naming the site."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from accounts.views import RESET_PER_ADDRESS, RESET_PER_EMAIL

pytestmark = pytest.mark.django_db


def ask(client: Client, email: str, ip: str = "203.0.113.5"):
    return client.post("/accounts/password_reset/", {"email": email}, REMOTE_ADDR=ip)


def alert(response) -> str:
    page = response.content.decode()
    return page[page.index('role="alert"') :].split("</p>")[0]


def test_one_address_gets_a_few_mails_then_none(alice, settings) -> None:
    client = Client()
    answers = [ask(client, alice.email, ip=f"203.0.113.{n}") for n in range(10)]
    assert [a.status_code for a in answers[:RESET_PER_EMAIL]] == [302] * RESET_PER_EMAIL
    assert {a.status_code for a in answers[RESET_PER_EMAIL:]} == {429}
    assert len(mail.outbox) == RESET_PER_EMAIL
    assert "Please wait 1 hour" in answers[-1].content.decode()


def test_the_limit_says_nothing_about_which_addresses_have_accounts(alice) -> None:
    client = Client()
    for _ in range(RESET_PER_EMAIL):
        ask(client, "nobody@example.org")
    known, unknown = ask(client, alice.email), ask(client, "nobody@example.org")
    assert known.status_code == 302  # alice's own allowance is untouched
    assert unknown.status_code == 429
    for _ in range(RESET_PER_EMAIL):
        ask(client, alice.email)
    again = ask(client, alice.email)
    assert again.status_code == 429
    assert alert(again) == alert(unknown)  # the same words either way


def test_one_client_cannot_spray_many_addresses(alice) -> None:
    client = Client()
    answers = [ask(client, f"user{n}@example.org") for n in range(RESET_PER_ADDRESS + 2)]
    assert {a.status_code for a in answers[:RESET_PER_ADDRESS]} == {302}
    assert answers[-1].status_code == 429
    assert ask(client, alice.email).status_code == 429
    assert mail.outbox == []
    assert ask(client, alice.email, ip="198.51.100.7").status_code == 302  # another client


def test_the_subject_names_the_site_not_the_host(alice, settings) -> None:
    settings.SITE_NAME = "Journal Club Server"
    Client().post("/accounts/password_reset/", {"email": alice.email}, HTTP_HOST="localhost")
    assert mail.outbox[0].subject == "Reset your Journal Club Server password"
    assert "localhost:" not in mail.outbox[0].subject
