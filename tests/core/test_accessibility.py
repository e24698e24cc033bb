"""Every main page, at a desk (1280 px) and on a phone (390 px): axe-core finds nothing
to fix, nothing scrolls sideways, and the console stays clean (no CSP refusal, no script
error). axe-core is a test asset from npm (package.json); it is served to the page from
its own origin, so the pages are checked under their real Content-Security-Policy."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from clubs.models import CalendarFeed, Comment, Invitation, Meeting
from core.demo import create_demo_club
from notes.models import Note, Visibility
from notes.services import set_status
from papers.models import Curriculum, Tier
from tests.support import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_URL = "/__test__/axe.min.js"  # answered by the test, never by the app
WIDTHS = [(1280, 900), (390, 844)]


def axe_path() -> Path:
    """axe-core as `npm ci` installs it (scripts/test.sh does). In CI a missing copy fails
    the test; elsewhere it is skipped, saying how to get it."""
    if not AXE.exists():
        reason = "axe-core is not installed: run `npm ci` (scripts/test.sh does)."
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return AXE


@pytest.fixture
def demo(staff, make_user, make_paper) -> dict[str, str]:
    """A club like the demo: members at every pass, shared logs, meetings, a curriculum;
    the curator (staff, organizer of the club) has notes of her own."""
    topics = ["Transformers", "Diffusion", "Retrieval"]
    papers = [
        make_paper(
            f"A paper about {topics[n % 3].lower()} number {n}",
            topics=[topics[n % 3]],
            phase=1 + n % 3,
            tier=[Tier.MUST, Tier.RECOMMENDED, Tier.FURTHER][n % 3],
            tldr="What it shows, in one sentence.",
            url=f"https://arxiv.org/abs/2101.{n:05d}",
            arxiv_id=f"2101.{n:05d}",
        )
        for n in range(12)
    ]
    papers[1].builds_on.add(papers[0])
    club, _ = create_demo_club(staff)
    meeting = Meeting.objects.filter(club=club, starts_at__gte=timezone.now()).earliest("starts_at")
    paper = meeting.papers.get()
    set_status(user=staff, paper_id=paper.pk, status="pass2", when=timezone.now() - timedelta(2))
    note = Note(
        user=staff,
        paper=paper,
        version=1,
        visibility=Visibility.CLUB,
        pass1="Abstract and figures: a *simple* idea, $O(n)$ per step.",
        problem="Long sequences are slow.",
        approach="Replace the quadratic step with a linear one.",
        key_result="Same quality at a tenth of the cost.",
        limitation="Only tested on text.",
    )
    note.render()
    note.save()
    # Last week's meeting, with its thread, questions and minutes open to the curator.
    last = Meeting.objects.filter(club=club, starts_at__lt=timezone.now()).latest("starts_at")
    set_status(user=staff, paper_id=last.papers.get().pk, status="done")
    mine = Comment.objects.create(
        club=club, meeting=last, author=staff, body="A comment of *mine*, with $x^2$."
    )
    Invitation.objects.create(club=club, multi_use=True, created_by=staff)
    CalendarFeed.objects.create(user=staff)
    curriculum = Curriculum.objects.get()
    return {
        "sign-in": reverse("login"),
        "today": reverse("core:today"),
        "canon": reverse("papers:canon"),
        "curriculum": reverse("papers:curriculum", args=[curriculum.slug]),
        "paper": paper.get_absolute_url(),
        "paper-editing": paper.get_absolute_url() + "?edit=log",
        "my-reading": reverse("notes:list"),
        "club": club.get_absolute_url(),
        "weekly": meeting.get_absolute_url(),
        "matrix": reverse("clubs:progress", args=[club.slug]),
        "manage": reverse("clubs:manage", args=[club.slug]),
        "import": reverse("papers:import"),
        "calendar": reverse("clubs:calendar"),
        "profile": reverse("accounts:profile"),
        "delete-account": reverse("accounts:delete"),
        "clubs": reverse("clubs:list"),
        # And the other pages a member or an organizer opens.
        "curricula": reverse("papers:curricula"),
        "add-paper": reverse("papers:add"),
        "club-settings": reverse("clubs:edit", args=[club.slug]),
        "new-meeting": reverse("clubs:meeting-new", args=[club.slug]),
        "notifications": reverse("clubs:notifications"),
        "club-notifications": reverse("clubs:club-notifications", args=[club.slug]),
        "password": reverse("password_change"),
        # The club's week.
        "proposals": reverse("clubs:proposals", args=[club.slug]),
        "last-week": last.get_absolute_url(),
        "paper-discussion": reverse("clubs:paper-discussion", args=[club.slug, paper.pk]),
        "minutes": reverse("clubs:minutes", args=[club.slug, last.pk]),
        "comment-edit": reverse("clubs:comment-edit", args=[club.slug, mine.pk]),
        "away": reverse("clubs:away"),
    }


def watch_console(page, problems: list[str]) -> None:
    """Console errors and warnings (a CSP refusal is one) and uncaught script errors."""

    def seen(message) -> None:
        if message.type in ("error", "warning"):
            problems.append(f"console {message.type} on {page.url}: {message.text}")

    page.on("console", seen)
    page.on("pageerror", lambda error: problems.append(f"script error on {page.url}: {error}"))


def check(page, url: str, width: int) -> list[str]:
    """What is wrong with one page: axe violations (any impact) and sideways scrolling."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    problems = []
    if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                 .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
                 .slice(0, 3).map((e) => e.tagName + '.' + e.className)"""
        )
        problems.append(f"{url} at {width}px scrolls sideways: {wide}")
    page.add_script_tag(url=AXE_URL)
    result = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
             .map((v) => `${v.id} (${v.impact}): ` +
                         v.nodes.slice(0, 3).map((n) => n.target).join(' | '))"""
    )
    problems += [f"{url} at {width}px: {violation}" for violation in result]
    return problems


def test_every_main_page_passes_axe_and_fits_a_phone(
    browser, live_server, demo, sign_in, screenshot
) -> None:
    axe = axe_path()
    problems: list[str] = []
    for width, height in WIDTHS:
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": height}
        )
        context.set_default_timeout(15_000)
        context.route(f"**{AXE_URL}", lambda route: route.fulfill(path=axe))
        page = context.new_page()
        watch_console(page, problems)
        problems += check(page, demo["sign-in"], width)
        sign_in(page, "olga")
        for name, url in demo.items():
            if name == "sign-in":
                continue
            problems += check(page, url, width)
            if name in {"paper", "profile"}:
                screenshot(page, f"{name}-{width}")
        context.close()
    assert not problems, "\n".join(problems)
