"""Shared fixtures: named users, signed-in clients, and a real headless Chromium."""

import os
import shutil
from collections.abc import Callable, Iterator

import pytest
from django.test import Client

from accounts.models import User
from tests.support import ARTIFACTS, PASSWORD

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make beside it are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    def make(username: str, **fields) -> User:
        fields.setdefault("email", f"{username}@example.org")
        fields.setdefault("display_name", username.capitalize())
        return User.objects.create_user(username=username, password=PASSWORD, **fields)

    return make


@pytest.fixture
def alice(make_user) -> User:
    return make_user("alice")


@pytest.fixture
def bob(make_user) -> User:
    return make_user("bob")


@pytest.fixture
def charlie(make_user) -> User:
    return make_user("charlie")


@pytest.fixture
def alice_client(alice) -> Client:
    client = Client()
    client.force_login(alice)
    return client


@pytest.fixture
def bob_client(bob) -> Client:
    client = Client()
    client.force_login(bob)
    return client


def chromium_path() -> str:
    """Debian's Chromium. In CI the browser tests must run, so a missing browser fails
    them; elsewhere (`pytest` by hand on a laptop) they are skipped, saying why."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        reason = "Debian's chromium is not installed (`make test` installs it)."
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"CI runs the browser tests: {reason}", pytrace=False)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server) -> Iterator:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1100, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(request) -> Callable:
    """Save a screenshot under tests/artifacts/<test name>/ for a person to look at."""
    folder = ARTIFACTS / request.node.name.replace("[", "-").replace("]", "")
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 1000))

    def shoot(page, step: str) -> None:
        page.screenshot(path=str(folder / f"{next(counter):02d}-{step}.png"), full_page=True)

    return shoot


@pytest.fixture
def sign_in() -> Callable:
    def sign_in(page, username: str, password: str = PASSWORD) -> None:
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()

    return sign_in


@pytest.fixture
def make_paper(db) -> Callable:
    """Papers (and, on request, topics and phase placements) with distinct identities."""
    from papers.importers.records import BUNDLED_CURRICULUM
    from papers.models import Curriculum, Paper, Phase, Placement, Tier, Topic

    counter = iter(range(1, 100_000))

    def make(
        title: str | None = None,
        *,
        topics=(),
        phase: int | None = None,
        curriculum: str = BUNDLED_CURRICULUM,
        **fields,
    ) -> Paper:
        n = next(counter)
        fields.setdefault("authors", f"Author{n}, A.\nSecond, B.")
        fields.setdefault("year", 2000 + n % 25)
        paper = Paper.objects.create(title=title or f"Paper number {n}", **fields)
        for name in topics:
            paper.topics.add(Topic.objects.get_or_create(name=name)[0])
        if phase is not None:
            track = Curriculum.objects.get_or_create(name=curriculum)[0]
            placed_in = Phase.objects.get_or_create(
                curriculum=track, number=phase, defaults={"title": f"P{phase}"}
            )[0]
            Placement.objects.create(
                paper=paper, phase=placed_in, tier=fields.get("tier") or Tier.MUST, order=n
            )
        return paper

    return make


@pytest.fixture
def staff(make_user) -> User:
    """An organizer who curates the canon (staff with the canon's permissions)."""
    from django.contrib.auth.models import Permission

    user = make_user("olga", display_name="Olga", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="papers"))
    return user


@pytest.fixture
def staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture(autouse=True)
def no_remote_lookups(settings) -> None:
    """No test reaches arXiv or Crossref: a test that needs them serves recorded answers
    from 127.0.0.1 and points the setting there; anything else meets a closed port."""
    settings.ARXIV_API_URL = "http://127.0.0.1:9/api/query"
    settings.CROSSREF_API_URL = "http://127.0.0.1:9/works"
