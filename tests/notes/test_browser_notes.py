"""The notebook in a real browser: write, revise and merge notes on one screen, with the
keyboard too, and without a console error or a Content-Security-Policy violation."""

import re
import time

import pytest
from playwright.sync_api import expect

from notes.models import Note, Reading

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait_for_saved(user, paper, **fields) -> Note:
    """Poll the database: saves (and autosaves) land asynchronously."""
    deadline = time.monotonic() + 20  # a busy CI machine; it returns as soon as saved
    while True:
        note = Note.objects.filter(user=user, paper=paper).first()
        if note and all(getattr(note, k) == v for k, v in fields.items()):
            return note
        assert time.monotonic() < deadline, f"note never saved with {fields}"
        time.sleep(0.1)


# The conflict's answer: the browser logs every 4xx response, this one is the protocol.
CONFLICT = "the server responded with a status of 409 (Conflict)"


def watch_console(page) -> list[str]:
    """Every console error and warning (htmx's swap errors, CSP refusals) and uncaught
    exception, but the refused save's 409."""
    problems: list[str] = []

    def seen(message) -> None:
        if message.type in ("error", "warning") and CONFLICT not in message.text:
            problems.append(f"{message.text} at {message.location['url']}")

    page.on("console", seen)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_write_revise_and_merge_notes_on_one_screen(
    page, alice, make_paper, sign_in, screenshot
) -> None:
    paper = make_paper("Denoising Diffusion Probabilistic Models", year=2020)
    problems = watch_console(page)
    page.set_viewport_size({"width": 1280, "height": 1000})
    sign_in(page, "alice")
    page.goto(paper.get_absolute_url())

    page.get_by_role("button", name="Pass 1", exact=True).click()
    page.locator('[data-status="pass1"][aria-pressed="true"]').wait_for()
    assert Reading.objects.get(user=alice, paper=paper).status == "pass1"

    # Pass 1's section is open with its prompt; the others are a click away.
    pass1 = page.locator("#note-pass1 textarea")
    expect(pass1).to_have_attribute("placeholder", re.compile("^Abstract"))
    assert page.locator(".notebook textarea").count() == 1
    pass1.fill("Noise in, images out: $q(x_t \\mid x_{t-1})$.")
    page.locator("#note-pass1").get_by_role("button", name="Save").click()
    page.locator("#note-pass1 .note-body .katex").wait_for()
    expect(page.locator("#note-saved")).to_contain_text("Saved")

    # The paper log, written after the passes: click, type, autosave, save.
    page.get_by_role("button", name="Write Paper log").click()
    page.fill("#id_problem", "Learn to reverse a noising process.")
    page.fill("#id_key_result", "The loss is simple: $$\\|\\epsilon - \\epsilon_\\theta\\|^2$$")
    wait_for_saved(alice, paper, problem="Learn to reverse a noising process.")  # autosaved
    assert page.locator("#note-log textarea").count() == 4  # still open while typing
    page.locator("#note-log").get_by_role("button", name="Save").click()
    page.locator("#note-log .note-body .katex-display").wait_for()
    # One rendered copy of each text, in the page's order.
    assert page.get_by_text("Learn to reverse a noising process.").count() == 1
    body = page.locator(".notebook").inner_text()
    assert body.index("Noise in, images out") < body.index("Learn to reverse")

    # Revising a section: click its text.
    page.locator("#note-pass1 .note-body").click()
    expect(page.locator("#note-pass1 textarea")).to_have_value(
        "Noise in, images out: $q(x_t \\mid x_{t-1})$."
    )
    page.locator("#note-pass1 textarea").press("Escape")
    page.locator("#note-pass1 .note-body").wait_for()

    notebook = page.locator(".paper-main").bounding_box()
    assert notebook["height"] <= 1000, notebook  # status and notes in one screen's height
    screenshot(page, "notebook-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "notebook-390")
    page.set_viewport_size({"width": 1280, "height": 1000})

    # A second tab opened now; the first saves again; the second's save is refused.
    second = page.context.new_page()
    second_problems = watch_console(second)
    second.goto(paper.get_absolute_url())
    page.get_by_role("button", name="Edit Paper log").click()
    page.fill("#id_limitation", "Sampling needs a thousand steps.")
    page.locator("#note-log").get_by_role("button", name="Save").click()
    wait_for_saved(alice, paper, limitation="Sampling needs a thousand steps.")
    page.close()  # no autosave from this tab from here on

    second.get_by_role("button", name="Edit Paper log").click()
    second.fill("#id_limitation", "Written in the second tab.")
    second.locator("#note-log").get_by_role("button", name="Save").click()
    second.get_by_role("alert").filter(has_text="saved somewhere else").wait_for()
    expect(second.locator("#note-saved")).to_have_text("Conflict — not saved")
    assert "Sampling needs a thousand steps." in second.locator(".conflict-saved").all_inner_texts()
    assert second.locator("#id_limitation").input_value() == "Written in the second tab."
    screenshot(second, "conflict")
    assert Note.objects.get(user=alice, paper=paper).limitation == (
        "Sampling needs a thousand steps."
    )

    second.fill("#id_limitation", "Sampling needs a thousand steps; can it take fewer?")
    second.locator("#note-log").get_by_role("button", name="Save").click()
    second.locator("#note-log .note-body").wait_for()
    expect(second.locator("#note-saved")).to_contain_text("Saved")
    note = wait_for_saved(
        alice, paper, limitation="Sampling needs a thousand steps; can it take fewer?"
    )
    assert note.version >= 4
    assert not problems and not second_problems, problems + second_problems


def test_status_and_notes_with_the_keyboard_alone(page, alice, make_paper, sign_in) -> None:
    paper = make_paper("Attention Is All You Need", year=2017)
    problems = watch_console(page)
    sign_in(page, "alice")
    page.goto(paper.get_absolute_url())

    # Tab to the status control: every button is reachable, Enter presses one.
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.status") == "pass2":
            break
    else:
        pytest.fail("Tab never reached the Pass 2 button")
    page.keyboard.press("Enter")
    page.locator('[data-status="pass2"][aria-pressed="true"]').wait_for()
    assert Reading.objects.get(user=alice, paper=paper).status == "pass2"
    page.locator('[data-status="pass3"]').focus()
    page.keyboard.press("Space")
    page.locator('[data-status="pass3"][aria-pressed="true"]').wait_for()

    # Tab on to the Thoughts section's Write button and open it with "e".
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('aria-label')") == "Write Thoughts":
            break
    else:
        pytest.fail("Tab never reached the Thoughts section")
    page.keyboard.press("e")
    editor = page.locator("#note-thoughts textarea")
    expect(editor).to_be_focused()
    page.keyboard.type("Read with the keyboard alone.")
    page.keyboard.press("Control+Enter")
    page.locator("#note-thoughts .note-body").wait_for()
    expect(page.locator("#note-thoughts .note-edit")).to_be_focused()
    wait_for_saved(alice, paper, thoughts="Read with the keyboard alone.")
    # Enter on the Edit button opens it again.
    page.keyboard.press("Enter")
    expect(page.locator("#note-thoughts textarea")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#note-thoughts .note-edit")).to_be_focused()
    assert not problems, problems
