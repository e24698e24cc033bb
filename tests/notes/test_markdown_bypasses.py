"""Text that slipped past the first Markdown checks: line breaks the check did not see,
fences it closed differently from the parser, footnotes referenced thousands of times,
blocks of headings, and formatting by the thousand. Each is refused quickly; ordinary
notes of the same kinds still render."""

import time

import pytest
from django.urls import reverse
from django.utils import timezone

from clubs.models import Club, Meeting, Membership, Role
from notes.markdown import (
    MAX_OUTPUT_TAGS,
    TOO_BUSY,
    MarkdownRefused,
    check_renderable,
    render_markdown,
    sanitize_html,
)
from notes.models import Note
from notes.services import rerender_notes

HTMX = {"HX-Request": "true"}
ORDINARY = "**Key** idea: see [the paper](https://arxiv.org/abs/1706.03762) and $x^2$."
ORDINARY_HTML = render_markdown(ORDINARY)

# Seconds each took to render before these checks (on the development machine).
SLIPPED_PAST = {
    "headings on carriage returns": "#\r" * 10000,  # 3 s: the check saw one line
    "footnotes on carriage returns": "[^1]\r\r[^1]: x\r\r" + "[^1] " * 3000,  # 12 s
    "one footnote referenced thousands of times": "[^1]\n\n[^1]: x\n\n" + "[^1] " * 3900,  # 18 s
    "thousands of footnotes": "".join(f"[^{n}]: b\n\n" for n in range(1500)),  # 0.7 s
    "a fence closed by a longer one": "```\n" + "[a](" * 4900 + "\n````",  # 8 s
    "fences that never close": "```a\n" * 4000,  # 1.3 s, 0.6 s of it in the check
    "empty fenced blocks": "```\n```\n" * 2500,  # 0.7 s
    "blocks of headings": ("# h\n" * 499 + "\n") * 10,  # 0.7 s
    "blocks of abbreviations": ("*[a]: b\n" * 400 + "\n") * 6,  # 0.6 s
    "inline math by the thousand": "$a" * 10000,  # 0.5 s
    "emphasis by the thousand": "*a* " * 5000,  # 0.45 s
    "an abbreviation used by the thousand": "*[a]: b\n\n" + "a " * 9990,  # 0.8 s
}


@pytest.mark.parametrize("name", list(SLIPPED_PAST))
def test_text_that_slipped_past_is_refused_quickly(name) -> None:
    start = time.perf_counter()
    with pytest.raises(MarkdownRefused):
        render_markdown(SLIPPED_PAST[name])
    # Seconds before the checks; well under one now, even on a busy machine.
    assert time.perf_counter() - start < 1.0, name
    assert render_markdown(ORDINARY) == ORDINARY_HTML


def test_the_check_sees_lines_as_markdown_does() -> None:
    """A lone carriage return breaks a line for the parser, so it does for the check."""
    with pytest.raises(MarkdownRefused):
        check_renderable("".join("  " * depth + "- x\r" for depth in range(200)))
    windows = "A *line*\r\n\r\n- one\r\n- two\r\n\r\n```\r\n[[[\r\n```\r\n"
    assert render_markdown(windows) == render_markdown(windows.replace("\r\n", "\n"))


@pytest.mark.parametrize(
    "text",
    [
        # Ordinary notes near each new limit render as they always did.
        "".join(f"Claim {n}.[^{n}] " for n in range(120))
        + "\n\n"
        + "".join(f"[^{n}]: Source {n}.\n" for n in range(120)),
        "See the proof[^p]. " * 60 + "\n\n[^p]: Appendix A.",
        "".join(f"## Part {n}\n\nSome text with *emphasis*.\n\n" for n in range(150)),
        "".join(f"```python\nstep_{n}()\n```\n\nThen step {n}.\n\n" for n in range(60)),
        "> " + "\n> ".join(f"A long quoted line {n}." for n in range(300)),
        "*[LLM]: large language model\n\n" + "The LLM reads; the LLM writes. " * 150,
        "| a | b |\n|---|---|\n" + "| [x](https://e.org) | $y$ |\n" * 400,
    ],
)
def test_ordinary_notes_near_the_limits_render(text) -> None:
    start = time.perf_counter()
    html = render_markdown(text)
    assert time.perf_counter() - start < 1
    assert sanitize_html(html) == html


def test_a_dropped_link_keeps_its_url_as_a_link_and_sanitizing_again_changes_nothing() -> None:
    html = render_markdown("[see https://arxiv.org/abs/1706.03762](javascript:alert(1))")
    assert 'href="https://arxiv.org/abs/1706.03762"' in html and "javascript" not in html
    assert sanitize_html(html) == html


def note_data(**fields) -> dict:
    """The POST of the notebook section that holds `fields`."""
    from tests.notes.test_paper_log import note_data as section_data

    return section_data(0, **fields)


# Passes the one-pass check, but Markdown makes more elements of it than a note may hold:
# only the render itself finds out.
TOO_MANY_ELEMENTS = "[a](b) " * 2857


def test_the_element_limit_holds_text_the_check_lets_through() -> None:
    check_renderable(TOO_MANY_ELEMENTS)
    assert TOO_MANY_ELEMENTS.count("[") * 2 > MAX_OUTPUT_TAGS
    with pytest.raises(MarkdownRefused, match="more formatting"):
        render_markdown(TOO_MANY_ELEMENTS)


def test_saving_text_with_too_many_elements_shows_the_message(alice_client, make_paper) -> None:
    paper = make_paper()
    url = reverse("notes:save", args=[paper.pk])
    response = alice_client.post(url, note_data(thoughts=TOO_MANY_ELEMENTS), headers=HTMX)
    assert response.status_code == 200 and TOO_BUSY in response.content.decode()
    assert not Note.objects.exists()


@pytest.fixture
def club(alice) -> Club:
    club = Club.objects.create(name="Lab", slug="lab")
    Membership.objects.create(club=club, user=alice, role=Role.ORGANIZER)
    return club


def meeting_data(**fields) -> dict:
    return {
        "starts_at": "2030-01-10T18:00",
        "duration_minutes": 60,
        "minimum_pass": "pass1",
    } | fields


def test_an_agenda_only_the_render_refuses_is_a_form_error(alice_client, club) -> None:
    response = alice_client.post(
        reverse("clubs:meeting-new", args=[club.slug]),
        meeting_data(agenda=TOO_MANY_ELEMENTS),
    )
    assert response.status_code == 200 and TOO_BUSY in response.content.decode()
    assert not Meeting.objects.exists()


def test_minutes_only_the_render_refuses_are_a_form_error(alice_client, club) -> None:
    from django.utils import timezone

    meeting = Meeting.objects.create(club=club, starts_at=timezone.now(), outcome="Kept.")
    response = alice_client.post(
        reverse("clubs:minutes", args=[club.slug, meeting.pk]), {"outcome": TOO_MANY_ELEMENTS}
    )
    assert response.status_code == 200 and TOO_BUSY in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.outcome == "Kept."


def test_a_meeting_agenda_is_at_most_a_note_field_long(alice_client, club) -> None:
    response = alice_client.post(
        reverse("clubs:meeting-new", args=[club.slug]), meeting_data(agenda="word " * 4001)
    )
    assert response.status_code == 200
    assert "Keep the agenda under 20,000 characters." in response.content.decode()
    assert not Meeting.objects.exists()


def test_rerendering_goes_on_past_text_saved_before_it_was_refused(alice, make_paper) -> None:
    hostile = "[a](" * 5000
    note = Note.objects.create(
        user=alice,
        paper=make_paper(),
        problem=hostile,
        approach="**bold**",
        html={"problem": "<p>old</p>"},
    )
    club = Club.objects.create(name="C", slug="c")
    # Stored as an older version of the app stored it: without rendering.
    Meeting.objects.bulk_create(
        [Meeting(club=club, starts_at=timezone.now(), agenda="<b>" + hostile, outcome="*ok*")]
    )
    assert rerender_notes() == 1
    note.refresh_from_db()
    assert note.html["problem"] == f"<p>{hostile}</p>"
    assert note.html["approach"] == "<p><strong>bold</strong></p>"
    meeting = Meeting.objects.get()
    assert meeting.agenda_html == f"<p>&lt;b&gt;{hostile}</p>"
    assert meeting.outcome_html == "<p><em>ok</em></p>"
