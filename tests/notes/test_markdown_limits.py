"""Markdown that could take a worker for seconds or break its parser is refused, quickly,
with a message; the next render on the same thread is still right."""

import time

import pytest
from django.urls import reverse

from notes.markdown import (
    TOO_BUSY,
    TOO_DEEP,
    TOO_TANGLED,
    MarkdownRefused,
    check_renderable,
    render_markdown,
)
from notes.models import Note

HTMX = {"HX-Request": "true"}
ORDINARY = "**Key** idea: see [the paper](https://arxiv.org/abs/1706.03762) and $x^2$."
ORDINARY_HTML = render_markdown(ORDINARY)

# Each found in an attack on the running app, or by profiling the renderer: without the
# checks, these took from half a second to minutes, or raised RecursionError.
HOSTILE = {
    "list markers on one line": "* " * 496 + "x",
    "unclosed link targets": "[a](" * 5000,
    "unclosed brackets": "[" * 20000,
    "nested brackets": "[" * 2500 + "]" * 2500,
    "unclosed image targets": "![a](" * 4000,
    "quote markers": ">" * 20000,
    "spaced quote markers": "> " * 10000,
    "indented sub-lists": "".join("  " * depth + "- x\n" for depth in range(200)),
    "tag openers": "a<b " * 5000,
    "runs of parentheses": "(" * 20000,
    "raw tags": "<div>" * 3000,
    "angle autolinks": "<http://a" * 2000,
    # Found by sweeping every short pattern repeated to a full field (5 to 16 s each).
    "footnote definitions on one line": "[^1]: a" * 2800,
    "table rows": "\n|" * 10000,
    "an unclosed fence": "```[" * 5000,
    "code span runs": "`` `" * 5000,
    "unclosed math": "(\\(" * 6600,
}


def timed(text: str) -> tuple[float, str]:
    start = time.perf_counter()
    try:
        render_markdown(text)
        outcome = "rendered"
    except MarkdownRefused as refused:
        outcome = str(refused)
    return time.perf_counter() - start, outcome


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_text_is_refused_quickly_and_leaves_the_parser_working(name) -> None:
    seconds, outcome = timed(HOSTILE[name])
    assert seconds < 0.2, f"{name}: {seconds:.3f} s"
    assert outcome in (TOO_DEEP, TOO_TANGLED, TOO_BUSY)
    assert render_markdown(ORDINARY) == ORDINARY_HTML


def test_a_render_that_fails_discards_its_parser(monkeypatch) -> None:
    """Whatever makes a conversion fail, the next member's note renders correctly."""
    from notes import markdown

    broken = markdown._renderers.markdown
    monkeypatch.setattr(broken, "convert", lambda text: (_ for _ in ()).throw(RecursionError()))
    with pytest.raises(MarkdownRefused, match="could not be shown"):
        render_markdown("a note")
    assert markdown._renderers.markdown is not broken
    assert render_markdown(ORDINARY) == ORDINARY_HTML


@pytest.mark.parametrize(
    "text",
    [
        # Real notes of every shape, long ones included, stay renderable.
        "\n".join(
            f"- [Paper {n}](https://arxiv.org/abs/2401.{n:05d}) — read it" for n in range(400)
        ),
        "```python\n" + "x = [[[[1]]]] + a[0][1][2]\n" * 700 + "```\n",
        ("A long paragraph with a [link](https://example.org/x) and a `code[0]` span. " * 120),
        "> quoted\n>> twice\n> > > thrice\n\n- a\n  - b\n    - c\n      - d\n",
        "Footnotes[^1] and [refs][r].\n\n[^1]: A note.\n[r]: https://example.org\n",
        "| a | b |\n|---|---|\n" + "| [x](https://e.org) | $y$ |\n" * 400,
        "Inequalities in prose: a < b and c > d, " * 200,
        "Trade-offs & caveats: R&D, Q&A, <br> tags and `a && b`. " * 100,
    ],
)
def test_ordinary_notes_of_every_shape_render(text) -> None:
    seconds, outcome = timed(text[:20000])
    assert outcome == "rendered" and seconds < 1


def test_the_check_is_linear() -> None:
    text = ("[a](" + "b" * 30 + ") <i>x</i> " * 400)[:20000]
    start = time.perf_counter()
    for _ in range(20):
        check_renderable(text)
    assert (time.perf_counter() - start) / 20 < 0.05


def note_data(version: int = 0, **fields) -> dict:
    """The POST of the notebook section that holds `fields`."""
    from tests.notes.test_paper_log import note_data as section_data

    return section_data(version, **fields)


def test_saving_hostile_text_shows_the_message_and_stores_nothing(alice_client, make_paper) -> None:
    paper = make_paper()
    url = reverse("notes:save", args=[paper.pk])
    response = alice_client.post(url, note_data(problem=HOSTILE["list markers on one line"]))
    assert response.status_code == 200
    assert "more than 20 levels deep" in response.content.decode()
    assert not Note.objects.exists()
    fragment = alice_client.post(
        url, note_data(thoughts=HOSTILE["unclosed link targets"]), headers=HTMX
    )
    assert fragment.status_code == 200 and TOO_DEEP in fragment.content.decode()
    assert not Note.objects.exists()
    saved = alice_client.post(url, note_data(problem=ORDINARY), headers=HTMX)
    assert saved.status_code == 200
    assert Note.objects.get().html["problem"] == ORDINARY_HTML


def test_previewing_hostile_text_answers_with_the_message(alice_client) -> None:
    response = alice_client.post(
        reverse("notes:preview"),
        {"problem": HOSTILE["quote markers"], "approach": ORDINARY},
        headers=HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert (TOO_DEEP in body or TOO_TANGLED in body) and ORDINARY_HTML in body


def test_preview_and_save_are_rate_limited_per_member(
    alice_client, bob_client, make_paper, settings
) -> None:
    settings.PREVIEWS_PER_MINUTE = settings.NOTE_SAVES_PER_MINUTE = 3
    url = reverse("notes:preview")
    assert [alice_client.post(url, {"problem": "x"}).status_code for _ in range(4)] == [
        200,
        200,
        200,
        429,
    ]
    assert bob_client.post(url, {"problem": "x"}).status_code == 200  # a limit of one's own
    paper = make_paper()
    save = reverse("notes:save", args=[paper.pk])
    codes = [
        alice_client.post(save, note_data(problem=f"v{n}", version=n), headers=HTMX)
        for n in range(4)
    ]
    assert [c.status_code for c in codes] == [200, 200, 200, 429]
    assert Note.objects.get().problem == "v2"


def test_a_meeting_agenda_that_cannot_render_is_a_form_error(alice, alice_client) -> None:
    from clubs.models import Club, Meeting, Membership, Role

    club = Club.objects.create(name="Lab", slug="lab")
    Membership.objects.create(club=club, user=alice, role=Role.ORGANIZER)
    response = alice_client.post(
        reverse("clubs:meeting-new", args=[club.slug]),
        {
            "starts_at": "2030-01-10T18:00",
            "duration_minutes": 60,
            "minimum_pass": "pass1",
            "agenda": HOSTILE["unclosed brackets"],
        },
    )
    body = response.content.decode()
    assert response.status_code == 200 and (TOO_DEEP in body or TOO_TANGLED in body)
    assert not Meeting.objects.exists()
