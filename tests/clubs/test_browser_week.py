"""A club's whole week in the browser: an organizer and three members propose, vote, come,
read, discuss, rank questions, meet and keep minutes that carry questions over."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clubs.models import (
    Club,
    Comment,
    Meeting,
    Membership,
    Proposal,
    Question,
    QuestionStatus,
    Role,
    Rsvp,
    Vote,
    VotingRound,
)
from notes.models import Reading
from papers.models import Paper
from tests.papers.test_add_paper import arxiv_server  # noqa: F401 -- a fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_club_runs_a_whole_week(
    browser,
    live_server,
    make_user,
    make_paper,
    sign_in,
    screenshot,
    settings,
    arxiv_server,  # noqa: F811
) -> None:
    settings.READINESS_POLL_SECONDS = 1  # the weekly page refreshes itself while open
    olive = make_user("olive", display_name="Olive")
    people = {name: make_user(name) for name in ("ada", "ben", "cara")}
    club = Club.objects.create(name="Thursday Papers", slug="thursday-papers")
    Membership.objects.create(club=club, user=olive, role=Role.ORGANIZER)
    for user in people.values():
        Membership.objects.create(club=club, user=user, role=Role.MEMBER)
    resnet = make_paper("Deep Residual Learning for Image Recognition", year=2015)
    make_paper("Adam: A Method for Stochastic Optimization", year=2014)

    pages = {}
    for name in ("olive", "ada", "ben", "cara"):
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(10_000)
        pages[name] = context.new_page()
        sign_in(pages[name], name)
    organizer, ada, ben, cara = (pages[n] for n in ("olive", "ada", "ben", "cara"))

    # The organizer schedules the week: the form proposes the next free slot and a presenter.
    organizer.goto(f"/clubs/{club.slug}/meetings/new/")
    assert organizer.locator("#id_starts_at").input_value()
    assert organizer.locator("#id_presenter").input_value()
    organizer.get_by_role("button", name="Save meeting").click()
    organizer.get_by_role("heading", name="Who is coming and who is ready").wait_for()
    meeting = Meeting.objects.get()

    # Members propose: two papers from the canon, one by its arXiv id.
    for page, query, title in [
        (ada, "residual", "Deep Residual Learning"),
        (ben, "adam", "Adam: A Method"),
    ]:
        page.goto(f"/clubs/{club.slug}/proposals/")
        page.get_by_label("Find it in the canon").fill(query)
        page.get_by_label(re.compile(title)).check()
        page.get_by_label("Why read it").fill(f"{title} is a classic.")
        page.get_by_role("button", name="Propose").click()
        expect(page.locator(".message-success")).to_contain_text("is proposed")
    cara.goto(f"/clubs/{club.slug}/proposals/")
    cara.get_by_label("Or an arXiv id or link, DOI, or BibTeX entry").fill("1706.03762")
    cara.get_by_role("button", name="Propose").click()
    expect(cara.locator(".message-success")).to_contain_text("not in the canon yet")
    assert not Paper.objects.filter(arxiv_id="1706.03762").exists()
    screenshot(cara, "proposals-with-one-waiting")

    # The organizer accepts Cara's paper into the canon and opens the vote.
    organizer.goto(f"/clubs/{club.slug}/proposals/")
    organizer.get_by_role("button", name="Accept into the canon").click()
    expect(organizer.locator(".message-success")).to_contain_text("is in the canon")
    assert Paper.objects.get(arxiv_id="1706.03762").title == "Attention Is All You Need"
    closes = timezone.localtime(meeting.starts_at - timedelta(days=1))
    organizer.get_by_label("Voting closes").fill(closes.strftime("%Y-%m-%dT%H:%M"))
    organizer.get_by_role("button", name="Open voting").click()
    expect(organizer.locator(".round-state")).to_contain_text("Voting is open")

    # Approval voting: several votes each, a change of mind, no totals while open.
    def vote_for(page, title: str) -> None:
        row = page.locator(".proposal", has_text=title)
        row.get_by_role("button", name="Vote").click()
        expect(row.get_by_role("button", name="✓ Voted")).to_be_visible()

    for page in (ada, ben, cara):
        page.goto(f"/clubs/{club.slug}/proposals/")
    vote_for(ada, "Deep Residual")
    vote_for(ada, "Adam")
    vote_for(ben, "Attention Is All")
    vote_for(cara, "Deep Residual")
    changed_mind = ben.locator(".proposal", has_text="Attention Is All")
    changed_mind.get_by_role("button", name="✓ Voted").click()  # Ben changes his mind
    expect(changed_mind.get_by_role("button", name="Vote", exact=True)).to_be_visible()
    vote_for(ben, "Deep Residual")
    assert Vote.objects.count() == 4
    assert "vote" not in ben.locator(".proposal").first.inner_text().lower().replace("voted", "")
    screenshot(ben, "voting-open-totals-hidden")

    # Closing puts the winner on the meeting's reading and shows the totals.
    organizer.reload()
    organizer.once("dialog", lambda dialog: dialog.accept())
    organizer.get_by_role("button", name="Close voting now").click()
    organizer.get_by_role("heading", name="Who is coming and who is ready").wait_for()
    assert list(meeting.papers.all()) == [resnet]
    assert VotingRound.objects.get().winner.paper == resnet
    ada.goto(f"/clubs/{club.slug}/proposals/")
    expect(ada.locator(".proposal.is-winner")).to_contain_text("3 votes · chosen")

    # RSVPs: the organizer's open page hears of them without a reload.
    organizer.goto(meeting.get_absolute_url())
    for page, answer in [(ada, "Going"), (ben, "Maybe"), (cara, "Going")]:
        page.goto(meeting.get_absolute_url())
        page.locator("#rsvp").get_by_role("button", name=answer, exact=True).click()
        expect(
            page.locator("#rsvp").get_by_role("button", name=answer, exact=True)
        ).to_have_attribute("aria-pressed", "true")
    expect(organizer.locator("#readiness .rsvp-counts")).to_have_text(
        "2 going · 1 maybe · 0 not going", timeout=15_000
    )
    assert Rsvp.objects.count() == 3
    # Readiness too: Cara reads while the organizer watches.
    cara.get_by_role("button", name="Pass 1", exact=True).click()
    expect(cara.get_by_role("button", name="Pass 1", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(organizer.locator(".ready-count")).to_have_text("1 of 4 ready", timeout=15_000)

    # Reading comes first: Ben has not read, so the discussion stays closed to him.
    ada.get_by_role("button", name="Pass 2", exact=True).click()
    expect(ada.get_by_role("button", name="Pass 2", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    for page in (ada, ben, cara):
        page.reload()
    expect(ben.locator("#discussion")).to_contain_text("Reach Pass 1")
    expect(ben.locator("#new-comment")).to_have_count(0)
    ada.get_by_label("Add to the discussion").fill("Why do the *identity* shortcuts help so much?")
    ada.get_by_role("button", name="Post").click()
    expect(ada.locator("#thread .comment")).to_have_count(1)
    cara.reload()
    cara.locator("#thread .comment summary", has_text="Reply").first.click()
    cara.get_by_label("Your reply").fill("Gradients flow straight through them.")
    cara.get_by_role("button", name="Reply", exact=True).click()
    expect(cara.locator("#thread .replies")).to_contain_text("Gradients flow straight")
    ada.reload()
    ada.locator("#thread").get_by_role("link", name="Edit").first.click()
    ada.get_by_label("Your comment").fill("Why do identity shortcuts help this much?")
    ada.get_by_role("button", name="Save").click()
    expect(ada.locator("#thread")).to_contain_text("edited")
    screenshot(ada, "weekly-page-discussion")

    # Questions for the agenda, ranked by votes.
    for page, text in [(ada, "Would it work without batch norm?"), (cara, "Why 152 layers?")]:
        page.get_by_text("Ask a question").click()
        page.get_by_label("Your question").fill(text)
        page.get_by_role("button", name="Add the question").click()
        expect(page.locator("#questions")).to_contain_text(text)
    organizer.get_by_role("button", name="Pass 1", exact=True).click()
    # The status control answers once the change is saved; only then does the page reload.
    expect(organizer.get_by_role("button", name="Pass 1", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    for page in (organizer, ada, cara):
        page.reload()
        page.locator(".question", has_text="Why 152 layers?").get_by_role("button").click()
        expect(
            page.locator(".question", has_text="Why 152 layers?").get_by_role("button")
        ).to_have_attribute("aria-pressed", "true")
    order = organizer.locator(".question .question-text").all_inner_texts()
    assert order[0].strip() == "Why 152 layers?"
    screenshot(organizer, "agenda-questions-by-votes")

    # The meeting takes place; the organizer writes the minutes.
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(minutes=30))
    organizer.goto(f"/clubs/{club.slug}/meetings/{meeting.pk}/minutes/")
    organizer.get_by_label("Minutes").fill("Presented by Olive. We spent the hour on depth.")
    organizer.get_by_label(re.compile("Why 152 layers")).check()
    organizer.get_by_role("button", name="Save the minutes").click()
    expect(organizer.locator(".message-success")).to_contain_text("1 question carried over")
    asked = Question.objects.get(text="Why 152 layers?")
    carried = Question.objects.get(text="Would it work without batch norm?")
    assert asked.status == QuestionStatus.DISCUSSED
    assert carried.status == QuestionStatus.OPEN and carried.carried_from_id == meeting.pk

    # Next week reads on: the question not reached is on its agenda.
    organizer.goto(f"/clubs/{club.slug}/meetings/new/")
    organizer.get_by_placeholder("Search the canon to add a paper…").fill("residual")
    organizer.get_by_role("button", name="Add").click()
    organizer.get_by_role("button", name="Save meeting").click()
    organizer.get_by_role("heading", name="Who is coming and who is ready").wait_for()
    questions = organizer.locator("#questions")
    expect(questions).to_contain_text("Would it work without batch norm?")
    expect(questions).to_contain_text("carried over from")
    expect(questions).not_to_contain_text("Why 152 layers?")
    screenshot(organizer, "next-week-carried-question")
    assert Comment.objects.count() == 2
    assert Reading.objects.filter(status__in=["pass1", "pass2"]).count() == 3
    assert Proposal.objects.count() == 3
    for page in pages.values():
        page.context.close()
