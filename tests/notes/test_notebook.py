"""The paper page's notebook: one rendered copy, sections edited in place."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notes.models import Note
from notes.services import set_status

HTMX = {"HX-Request": "true"}


def write(user, paper, **fields) -> Note:
    note = Note(user=user, paper=paper, version=1, **fields)
    note.render()
    note.save()
    return note


def sections(page: str) -> list[str]:
    return re.findall(r'<section id="note-([a-z0-9]+)" class="note-section([^"]*)"', page)


def test_only_the_current_pass_is_open_and_a_note_shows_once(alice, alice_client, make_paper):
    paper = make_paper()
    write(alice, paper, problem="PROBLEM-TEXT", thoughts="THOUGHTS-TEXT")
    set_status(user=alice, paper_id=paper.pk, status="pass2")
    page = alice_client.get(paper.get_absolute_url()).content.decode()
    found = dict(sections(page))
    assert list(found) == ["pass1", "pass2", "pass3", "log", "thoughts"]
    assert "is-editing" in found["pass2"] and "is-current" in found["pass2"]
    assert [k for k, classes in found.items() if "is-editing" in classes] == ["pass2"]
    assert page.count("<textarea") == 1
    assert "Introduction, method, experiments, appendix" in page  # its prompt
    assert page.count("PROBLEM-TEXT") == 1 and page.count("THOUGHTS-TEXT") == 1
    # Without script, an Edit link opens that section's editor on the page.
    page = alice_client.get(paper.get_absolute_url(), {"edit": "log"}).content.decode()
    assert [k for k, classes in sections(page) if "is-editing" in classes] == ["log"]
    assert page.count("<textarea") == 4 and page.count("PROBLEM-TEXT") == 1


def test_a_section_opens_and_closes_in_place(alice, alice_client, make_paper) -> None:
    paper = make_paper()
    write(alice, paper, pass1="**first** look")
    url = reverse("notes:section", args=[paper.pk, "pass1"])
    with CaptureQueriesContext(connection) as captured:
        editor = alice_client.get(url, {"edit": "1"}, headers=HTMX)
    assert len(captured) <= 3  # the session, the user, the paper with my reading and note
    body = editor.content.decode()
    assert body.lstrip().startswith('<section id="note-pass1"') and "<textarea" in body
    assert "**first** look" in body and "<html" not in body
    closed = alice_client.get(url, headers=HTMX).content.decode()
    assert "<strong>first</strong> look" in closed and "<textarea" not in closed
    # Without htmx the link leads to the page with the editor open.
    response = alice_client.get(url, {"edit": "1"})
    assert response["Location"] == f"{paper.get_absolute_url()}?edit=pass1#note-pass1"
    assert alice_client.get(reverse("notes:section", args=[paper.pk, "x"])).status_code == 404


def test_saving_a_section_leaves_the_others_alone(alice, alice_client, make_paper) -> None:
    paper = make_paper()
    write(alice, paper, pass1="Pass one", problem="The problem", visibility="club")
    response = alice_client.post(
        reverse("notes:save", args=[paper.pk]),
        {"section": "thoughts", "version": 1, "thoughts": "New *thought*"},
        headers=HTMX,
    )
    assert response.status_code == 200
    note = Note.objects.get(user=alice, paper=paper)
    assert (note.pass1, note.problem, note.thoughts) == ("Pass one", "The problem", "New *thought*")
    assert note.visibility == "club" and note.version == 2
    assert note.html["problem"] == "<p>The problem</p>"
    assert note.html["thoughts"] == "<p>New <em>thought</em></p>"


def test_an_autosave_keeps_the_editor_open(alice, alice_client, make_paper) -> None:
    paper = make_paper()
    response = alice_client.post(
        reverse("notes:save", args=[paper.pk]),
        {"section": "pass1", "version": 0, "pass1": "typing", "autosave": "1"},
        headers=HTMX,
    )
    body = response.content.decode()
    assert response["HX-Reswap"] == "none" and "note-pass1" not in body
    assert 'id="note-saved"' in body and 'hx-swap-oob="true"' in body
    assert Note.objects.get(user=alice, paper=paper).pass1 == "typing"


def test_a_forged_section_changes_nothing(alice, alice_client, make_paper) -> None:
    paper = make_paper()
    write(alice, paper, problem="Kept")
    url = reverse("notes:save", args=[paper.pk])
    response = alice_client.post(url, {"section": "html", "version": 1, "problem": "Forged"})
    assert response.status_code == 302
    page = alice_client.get(response["Location"]).content.decode()
    assert "That part of the notes does not exist; nothing was saved." in page
    fragment = alice_client.post(url, {"version": 1, "problem": "Forged"}, headers=HTMX)
    assert fragment.status_code == 400
    # A section's form takes its own fields only: a posted field of another is ignored.
    alice_client.post(url, {"section": "pass1", "version": 1, "pass1": "x", "problem": "Forged"})
    note = Note.objects.get(user=alice, paper=paper)
    assert note.problem == "Kept" and note.pass1 == "x"


def test_preview_shows_a_section_in_the_order_of_the_page(alice_client) -> None:
    fields = {"limitation": "LIMITATION", "problem": "PROBLEM", "key_result": "RESULT"}
    body = alice_client.post(reverse("notes:preview"), fields).content.decode()
    assert body.index("PROBLEM") < body.index("RESULT") < body.index("LIMITATION")


def test_a_conflict_in_one_section_is_shown_in_that_section(alice, alice_client, make_paper):
    paper = make_paper()
    write(alice, paper, pass2="Saved elsewhere")
    response = alice_client.post(
        reverse("notes:save", args=[paper.pk]),
        {"section": "pass2", "version": 0, "pass2": "Mine"},
        headers=HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 409 and response["HX-Retarget"] == "#note-pass2"
    assert "Saved elsewhere" in body and "Mine" in body and "Conflict — not saved" in body
    assert Note.objects.get(user=alice, paper=paper).pass2 == "Saved elsewhere"


def test_the_paper_page_does_not_grow_with_sections_written(alice, alice_client, make_paper):
    paper = make_paper()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            alice_client.get(paper.get_absolute_url())
        return len(captured)

    empty = queries()
    write(alice, paper, **{name: f"{name} text" for name in ["pass1", "pass2", "problem"]})
    set_status(user=alice, paper_id=paper.pk, status="done")
    assert queries() == empty
