import time

import pytest
from playwright.sync_api import expect

from notes.models import Note, Reading

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait_for_saved(user, paper, **fields) -> Note:
    """Poll the database: saves (and autosaves) land asynchronously."""
    deadline = time.monotonic() + 10
    while True:
        note = Note.objects.filter(user=user, paper=paper).first()
        if note and all(getattr(note, k) == v for k, v in fields.items()):
            return note
        assert time.monotonic() < deadline, f"note never saved with {fields}"
        time.sleep(0.1)


def test_three_passes_math_and_a_conflict_between_tabs(
    page, alice, make_paper, sign_in, screenshot
) -> None:
    paper = make_paper("Denoising Diffusion Probabilistic Models", year=2020)
    sign_in(page, "alice")
    page.goto(paper.get_absolute_url())

    page.get_by_role("button", name="Pass 1", exact=True).click()
    page.locator('[data-status="pass1"][aria-pressed="true"]').wait_for()
    assert Reading.objects.get(user=alice, paper=paper).status == "pass1"
    screenshot(page, "pass-1-marked")

    page.fill("#id_problem", "Learn to reverse a noising process: $q(x_t \\mid x_{t-1})$.")
    page.fill(
        "#id_key_result", "The loss is simple: $$\\mathbb{E}\\|\\epsilon - \\epsilon_\\theta\\|^2$$"
    )
    page.get_by_role("button", name="Save notes").click()
    page.locator("#note-saved", has_text="Saved").wait_for()
    page.locator("#note-rendered .katex").first.wait_for()
    assert page.locator("#note-rendered .katex-display").count() == 1
    screenshot(page, "log-with-math")

    # A second tab opened now, then the first tab saves again: the second is stale.
    wait_for_saved(
        alice,
        paper,
        key_result="The loss is simple: $$\\mathbb{E}\\|\\epsilon - \\epsilon_\\theta\\|^2$$",
    )
    second = page.context.new_page()
    second.goto(paper.get_absolute_url())
    page.fill("#id_limitation", "Sampling needs a thousand steps.")
    page.get_by_role("button", name="Save notes").click()
    wait_for_saved(alice, paper, limitation="Sampling needs a thousand steps.")
    page.close()  # no autosave from this tab from here on

    second.fill("#id_limitation", "Written in the second tab.")
    second.get_by_role("button", name="Save notes").click()
    second.get_by_role("alert").filter(has_text="saved somewhere else").wait_for()
    assert "Sampling needs a thousand steps." in second.locator(".conflict-saved").all_inner_texts()
    assert second.locator("#id_limitation").input_value() == "Written in the second tab."
    screenshot(second, "conflict")
    note = Note.objects.get(user=alice, paper=paper)
    assert note.limitation == "Sampling needs a thousand steps."

    second.fill("#id_limitation", "Sampling needs a thousand steps; can it take fewer?")
    second.get_by_role("button", name="Save notes").click()
    expect(second.locator("#note-conflict")).to_be_empty()  # the conflict is resolved
    note = wait_for_saved(
        alice, paper, limitation="Sampling needs a thousand steps; can it take fewer?"
    )
    assert note.version >= 3
