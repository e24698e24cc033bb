import re

import pytest
from playwright.sync_api import expect

from clubs.models import Club, Meeting
from notes.models import Reading

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_club_from_creation_to_readiness(
    browser, live_server, alice, bob, make_paper, sign_in, screenshot
) -> None:
    paper = make_paper("Attention Is All You Need", year=2017, tldr="Attention without recurrence.")
    organizer_context = browser.new_context(base_url=live_server.url)
    member_context = browser.new_context(base_url=live_server.url)
    for context in (organizer_context, member_context):
        context.set_default_timeout(10_000)
    organizer, member = organizer_context.new_page(), member_context.new_page()

    sign_in(organizer, "alice")
    organizer.goto("/clubs/new/")
    organizer.fill("#id_name", "Thursday Papers")
    organizer.get_by_role("button", name="Create the club").click()
    organizer.wait_for_url("**/manage/")
    organizer.get_by_role("button", name="Create invitation").click()
    link = organizer.locator(".invitation-link").first.input_value()
    screenshot(organizer, "invitation-created")

    organizer.get_by_role("link", name="New meeting").click()
    organizer.get_by_placeholder("Search the canon to add a paper…").fill("attention")
    organizer.get_by_role("button", name="Add").click()
    organizer.locator("#picked-papers li", has_text="Attention Is All You Need").wait_for()
    organizer.get_by_role("button", name="Save meeting").click()
    organizer.get_by_role("heading", name="Who is ready").wait_for()
    meeting = Meeting.objects.get()
    assert list(meeting.papers.all()) == [paper]
    expect(organizer.locator(".ready-count")).to_have_text("0 of 1 ready")

    sign_in(member, "bob")
    member.goto(link)
    member.get_by_role("button", name=re.compile("Join as")).click()
    member.get_by_role("heading", name="Thursday Papers").wait_for()
    assert Club.objects.get().memberships.count() == 2
    member.goto(meeting.get_absolute_url())
    member.get_by_role("button", name="Pass 2", exact=True).click()
    expect(member.locator(".ready-count")).to_have_text("1 of 2 ready")
    assert Reading.objects.get(user=bob, paper=paper).status == "pass2"
    screenshot(member, "member-marked-pass-2")

    organizer.reload()
    expect(organizer.locator(".ready-count")).to_have_text("1 of 2 ready")
    assert "Pass 2" in organizer.locator("#readiness").inner_text()
    screenshot(organizer, "organizer-sees-readiness")
    organizer_context.close()
    member_context.close()


def test_removing_a_member_asks_first(page, alice, bob, sign_in) -> None:
    club = Club.objects.create(name="Thursday Papers", slug="thursday-papers")
    club.memberships.create(user=alice, role="organizer")
    club.memberships.create(user=bob, role="member")
    sign_in(page, "alice")
    page.goto(f"/clubs/{club.slug}/manage/")
    remove = page.get_by_role("button", name="Remove Bob")
    asked = []

    def answer(dialog, accept: bool) -> None:
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    remove.click()
    assert asked == ["Remove Bob from Thursday Papers?"]
    page.reload()  # nothing was sent: Bob is still listed
    expect(page.get_by_role("button", name="Remove Bob")).to_have_count(1)
    assert club.memberships.filter(user=bob).exists()

    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    with page.expect_navigation():
        page.get_by_role("button", name="Remove Bob").click()
    assert len(asked) == 2
    assert not club.memberships.filter(user=bob).exists()
