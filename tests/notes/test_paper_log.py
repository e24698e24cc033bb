"""A member's status and notes on the paper page."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notes.models import Note, Reading, Status, Visibility
from notes.services import set_status
from papers.models import Paper

HTMX = {"HX-Request": "true"}


SECTION_OF = {
    "pass1": "pass1",
    "pass2": "pass2",
    "pass3": "pass3",
    "implementation_url": "pass3",
    "problem": "log",
    "approach": "log",
    "key_result": "log",
    "limitation": "log",
    "thoughts": "thoughts",
    "visibility": "sharing",
}


def note_data(version, **fields) -> dict:
    """A section editor's POST: the section of the fields given, with the others empty."""
    (section,) = {SECTION_OF[name] for name in fields} or {"log"}
    data = {name: "" for name, of in SECTION_OF.items() if of == section}
    return data | {"section": section, "version": version} | fields


def test_status_change_in_place(alice_client, alice, make_paper) -> None:
    paper = make_paper("Attention Is All You Need")
    url = reverse("notes:status", args=[paper.pk])
    response = alice_client.post(url, {"status": "pass1"}, headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<form id="reading-status-{paper.pk}"')
    assert 'data-status="pass1"' in body and 'aria-pressed="true"' in body
    assert response["HX-Trigger"] == "reading-status-changed"
    reading = Reading.objects.get(user=alice, paper=paper)
    assert reading.status == Status.PASS1 and reading.pass1_at is not None

    alice_client.post(url, {"status": "pass2"}, headers=HTMX)
    reading.refresh_from_db()
    first_pass1 = reading.pass1_at
    assert reading.status == Status.PASS2 and reading.pass2_at is not None
    alice_client.post(url, {"status": "pass1"}, headers=HTMX)
    reading.refresh_from_db()
    assert reading.pass1_at == first_pass1  # the date a stage was first reached is kept
    assert Reading.objects.count() == 1


def test_status_without_htmx_redirects_back(alice_client, make_paper) -> None:
    paper = make_paper()
    response = alice_client.post(reverse("notes:status", args=[paper.pk]), {"status": "done"})
    assert response["Location"] == paper.get_absolute_url()


def test_forged_status_changes_nothing(alice_client, alice, make_paper) -> None:
    paper = make_paper()
    response = alice_client.post(reverse("notes:status", args=[paper.pk]), {"status": "genius"})
    assert response.status_code == 302
    assert not Reading.objects.exists()
    page = alice_client.get(paper.get_absolute_url()).content.decode()
    assert "That status was not understood" in page


def test_status_of_a_missing_paper_is_404(alice_client) -> None:
    assert (
        alice_client.post(reverse("notes:status", args=[999]), {"status": "done"}).status_code
        == 404
    )


def test_save_note_renders_and_stores_html(alice_client, alice, make_paper) -> None:
    paper = make_paper()
    response = alice_client.post(
        reverse("notes:save", args=[paper.pk]),
        note_data(0, problem="Attention is *all* you need: $a*b*c$"),
        headers=HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="note-version" value="1" hx-swap-oob="true"' in body and "Saved" in body
    assert '<section id="note-log"' in body and "<em>all</em>" in body  # shown rendered
    response = alice_client.post(
        reverse("notes:save", args=[paper.pk]), note_data(1, visibility="club"), headers=HTMX
    )
    assert response["HX-Reswap"] == "none" and 'value="2"' in response.content.decode()
    note = Note.objects.get(user=alice, paper=paper)
    assert note.version == 2 and note.visibility == Visibility.CLUB
    assert "<em>all</em>" in note.html["problem"]
    assert "<em>b</em>" not in note.html["problem"]


def test_stale_save_is_refused_with_both_texts(alice_client, alice, make_paper) -> None:
    paper = make_paper()
    url = reverse("notes:save", args=[paper.pk])
    alice_client.post(url, note_data(0, problem="First tab's text"), headers=HTMX)
    response = alice_client.post(url, note_data(0, problem="Second tab's text"), headers=HTMX)
    assert response.status_code == 409
    body = response.content.decode()
    assert "First tab&#x27;s text" in body and "Second tab&#x27;s text" in body
    assert response["HX-Retarget"] == "#note-log"
    assert "Conflict — not saved" in body and 'id="note-version" value="1"' in body
    note = Note.objects.get(user=alice, paper=paper)
    assert (note.problem, note.version) == ("First tab's text", 1)
    # Saving again from the merged editor (which now carries version 1) goes through.
    alice_client.post(url, note_data(1, problem="Merged text"), headers=HTMX)
    note.refresh_from_db()
    assert (note.problem, note.version) == ("Merged text", 2)


def test_invalid_note_comes_back_as_a_fragment(alice_client, make_paper) -> None:
    paper = make_paper()
    response = alice_client.post(
        reverse("notes:save", args=[paper.pk]),
        note_data(0, implementation_url="javascript:alert(1)"),
        headers=HTMX,
    )
    assert response.status_code == 200
    assert (
        "Enter a valid URL" in response.content.decode()
        or "http or https" in response.content.decode()
    )
    assert not Note.objects.filter(version__gt=0).exists()


def test_forged_version_is_refused(alice_client, make_paper) -> None:
    paper = make_paper()
    response = alice_client.post(
        reverse("notes:save", args=[paper.pk]), note_data("abc"), headers=HTMX
    )
    assert response.status_code == 200
    assert not Note.objects.filter(version__gt=0).exists()


def test_preview_renders_without_saving(alice_client) -> None:
    response = alice_client.post(
        reverse("notes:preview"), {"problem": "**bold** <script>x</script>"}
    )
    body = response.content.decode()
    assert "<strong>bold</strong>" in body and "<script>" not in body
    assert not Note.objects.exists()


def test_paper_page_shows_my_notes_only(alice_client, bob, make_paper) -> None:
    paper = make_paper()
    Note.objects.create(user=bob, paper=paper, problem="BOB-PRIVATE-MARKER", version=1)
    page = alice_client.get(paper.get_absolute_url()).content.decode()
    assert "BOB-PRIVATE-MARKER" not in page
    assert "My notes" in page
    section = reverse("notes:section", args=[paper.pk, "log"])
    fragment = alice_client.get(section, {"edit": "1"}, headers=HTMX).content.decode()
    assert "BOB-PRIVATE-MARKER" not in fragment and "<textarea" in fragment


def test_read_first_warning(alice_client, alice, make_paper) -> None:
    base = make_paper("Attention Is All You Need")
    lora = make_paper("LoRA")
    lora.builds_on.add(base)
    page = alice_client.get(lora.get_absolute_url()).content.decode()
    assert "Read first:" in page
    Reading.objects.create(user=alice, paper=base, status=Status.DONE)
    page = alice_client.get(lora.get_absolute_url()).content.decode()
    assert "Read first:" not in page


def test_paper_page_query_count_does_not_grow(alice_client, alice, make_paper) -> None:
    paper = make_paper(topics=["T"], phase=1)
    Note.objects.create(user=alice, paper=paper, problem="mine", version=1)

    def add_notes(count: int) -> None:
        for n in range(count):
            other = make_paper()
            Note.objects.create(user=alice, paper=other, problem=f"note {n}", version=1)
            Reading.objects.create(user=alice, paper=other, status=Status.DONE)
            other.builds_on.add(paper)
            paper.builds_on.add(other)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert alice_client.get(paper.get_absolute_url()).status_code == 200
        return len(captured)

    add_notes(5)
    small = queries()
    add_notes(495)
    assert queries() == small
    assert small <= 12


def test_without_javascript_a_stale_save_shows_the_whole_page(alice_client, make_paper) -> None:
    paper = make_paper("Attention Is All You Need")
    url = reverse("notes:save", args=[paper.pk])
    alice_client.post(url, note_data(0, problem="First"))
    response = alice_client.post(url, note_data(0, problem="Second"))
    body = response.content.decode()
    assert response.status_code == 409
    assert "<html" in body and "Attention Is All You Need" in body
    assert "saved somewhere else" in body and "Conflict — not saved" in body


def test_without_javascript_an_invalid_save_shows_the_whole_page(alice_client, make_paper) -> None:
    paper = make_paper()
    response = alice_client.post(
        reverse("notes:save", args=[paper.pk]), note_data(0, implementation_url="ftp://x")
    )
    assert response.status_code == 200 and "<html" in response.content.decode()
    assert not Note.objects.filter(version__gt=0).exists()


def test_set_status_keeps_first_dates_and_minutes_and_refuses_unknown_papers(
    alice, bob, make_paper
) -> None:
    paper = make_paper()
    monday = timezone.now() - timedelta(days=3)
    first = set_status(user=alice, paper_id=paper.pk, status="pass1", when=monday)
    assert (first.status, first.pass1_at, first.minutes_spent) == ("pass1", monday, None)
    set_status(user=alice, paper_id=paper.pk, status="pass2", minutes_spent=45)
    again = set_status(user=alice, paper_id=paper.pk, status="pass1")
    assert again.pk == first.pk and again.pass1_at == monday  # first reached on Monday
    assert again.pass2_at is None  # moved back: no longer at pass 2
    assert again.minutes_spent == 45  # kept when not given
    assert set_status(user=bob, paper_id=paper.pk, status="done").user_id == bob.pk
    assert Reading.objects.count() == 2
    with pytest.raises(Paper.DoesNotExist):
        set_status(user=alice, paper_id=paper.pk + 1000, status="done")
    with pytest.raises(ValueError):
        set_status(user=alice, paper_id=paper.pk, status="genius")
    assert Reading.objects.count() == 2
