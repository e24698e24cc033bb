"""My reading's downloads carry all of my writing, and the Markdown one imports back."""

import csv
import io
import json

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notes.models import Note, Reading, Status
from notes.services import set_status
from papers.importers import parse

# Notes that look like the list's own structure: items, headings, rules, markers, labels.
TRICKY = {
    "pass1": "Abstract and figures.\r\nShould I read on? Yes.",
    "pass2": "## Not a topic\n\n- [Not an item](https://example.org) (2020)\n\n---\n\n*TO READ*",
    "pass3": "```python\nx = attention(q, k, v)\n```\nline with a hard break  \nand after",
    "problem": "Sequence models without recurrence: $O(n^2)$ attention.",
    "approach": "Only attention.\n\n**Problem.** written by me, not a label",
    "key_result": "28.4 BLEU on WMT14 En–De.",
    "limitation": "Quadratic in length:\n\n1. memory\n2. time",
    "thoughts": "Where it all *started*.\n\n    indented code in my thoughts",
    "implementation_url": "https://github.com/example/transformer",
}


def write_notes(user, paper, **fields) -> Note:
    note = Note(user=user, paper=paper, version=1, **fields)
    note.render()
    note.save()
    return note


def library(user, make_paper) -> dict[str, object]:
    papers = {
        "done": make_paper(
            "Attention Is All You Need",
            topics=["Transformers"],
            url="https://arxiv.org/abs/1706.03762",
            arxiv_id="1706.03762",
            year=2017,
        ),
        "pass2": make_paper("Mamba", topics=["Sequence models"], url="https://x.org/mamba"),
        "pass1": make_paper("LoRA", topics=["Transformers"], url="https://x.org/lora"),
        "pass3": make_paper("DDPM", topics=["Diffusion"], url="https://x.org/ddpm"),
        "queued": make_paper("FlashAttention", topics=["Systems"], url="https://x.org/flash"),
        "dropped": make_paper("A survey", url="https://x.org/survey"),
    }
    for status, paper in papers.items():
        set_status(user=user, paper_id=paper.pk, status=status)
    write_notes(user, papers["done"], **TRICKY)
    write_notes(user, papers["pass2"], problem="State spaces.", visibility="club")
    write_notes(user, papers["pass1"], thoughts="Low-rank updates.")
    return papers


def reading_of(user) -> dict[str, tuple]:
    """What a reader has: per paper title, the status and every note field."""
    notes = {n.paper.title: n for n in Note.objects.filter(user=user).select_related("paper")}
    state = {}
    for reading in Reading.objects.filter(user=user).select_related("paper"):
        note = notes.get(reading.paper.title)
        fields = tuple(
            (getattr(note, name) if note else "").replace("\r\n", "\n") for name in TRICKY
        )
        state[reading.paper.title] = (reading.status, fields)
    return state


def test_markdown_export_imports_back_to_the_same_reading(
    alice, alice_client, bob, make_paper, tmp_path
) -> None:
    library(alice, make_paper)
    markdown = alice_client.get(reverse("notes:export", args=["markdown"])).content.decode()
    assert "## Transformers" in markdown
    assert "- ✔️ [Attention Is All You Need](https://arxiv.org/abs/1706.03762) (2017)" in markdown
    assert "- [FlashAttention](https://x.org/flash)" in markdown and "*TO READ*" in markdown
    assert "*PASS 2*" in markdown and "*DROPPED*" in markdown
    assert "    **Problem.** Sequence models without recurrence" in markdown

    path = tmp_path / "mine.md"
    path.write_text(markdown, encoding="utf-8")
    call_command(
        "import_reading_list",
        str(path),
        "--format",
        "markdown",
        "--user",
        "bob",
        stdout=io.StringIO(),
    )
    assert reading_of(bob) == reading_of(alice)
    assert len(reading_of(bob)) == 6
    # Importing it again changes nothing: the notes are there, progress is kept.
    before = list(Note.objects.filter(user=bob).values_list("version", flat=True))
    call_command(
        "import_reading_list",
        str(path),
        "--format",
        "markdown",
        "--user",
        "bob",
        stdout=io.StringIO(),
    )
    assert list(Note.objects.filter(user=bob).values_list("version", flat=True)) == before


def test_import_fills_empty_note_fields_only(alice, make_paper) -> None:
    paper = make_paper("Attention Is All You Need", url="https://arxiv.org/abs/1706.03762")
    write_notes(alice, paper, problem="Mine, kept.")
    text = (
        "## T\n\n- ✔️ [Attention Is All You Need](https://arxiv.org/abs/1706.03762)\n\n"
        "    **Problem.** From the file.\n\n    **Approach.** Only attention.\n\n"
        "    **My implementation.** javascript:alert(1)\n"
    )
    from papers.services import import_reading_list

    import_reading_list(parse(text, format="markdown"), reader=alice)
    note = Note.objects.get(user=alice, paper=paper)
    assert (note.problem, note.approach, note.implementation_url) == (
        "Mine, kept.",
        "Only attention.",
        "",  # a link the note form would refuse is not kept
    )
    assert note.html["approach"] == "<p>Only attention.</p>"
    assert Reading.objects.get(user=alice, paper=paper).status == Status.DONE


def test_json_and_csv_carry_every_note_field_and_the_dates(
    alice, alice_client, bob, make_paper
) -> None:
    papers = library(alice, make_paper)
    write_notes(bob, papers["done"], problem="BOB-PRIVATE")
    data = json.loads(alice_client.get(reverse("notes:export", args=["json"])).content)
    attention = next(item for item in data if item["title"] == "Attention Is All You Need")
    assert attention["note"]["approach"] == TRICKY["approach"]
    assert attention["note"]["implementation_url"] == TRICKY["implementation_url"]
    assert attention["note"]["visibility"] == "private"
    assert attention["reading"]["dates"]["done"] is not None
    assert attention["reading"]["history"][0]["to"] == "done"
    assert {item["status"] for item in data} == {s.value for s in Status}

    text = alice_client.get(reverse("notes:export", args=["csv"])).content.decode()
    rows = {row["title"]: row for row in csv.DictReader(io.StringIO(text))}
    assert rows["Attention Is All You Need"]["limitation"] == TRICKY["limitation"]
    assert rows["Mamba"]["problem"] == "State spaces." and rows["Mamba"]["visibility"] == "club"
    assert rows["Mamba"]["pass2_at"] and not rows["Mamba"]["done_at"]
    for body in (json.dumps(data), text):
        assert "BOB-PRIVATE" not in body


def test_exports_do_not_grow_in_queries(alice, alice_client, make_paper) -> None:
    def add(count: int) -> None:
        for n in range(count):
            paper = make_paper(topics=[f"T{n % 3}"], phase=1 + n % 2)
            set_status(user=alice, paper_id=paper.pk, status=Status.values[n % 6])
            write_notes(alice, paper, problem=f"p{n}", thoughts=f"t{n}")

    def queries(fmt: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert alice_client.get(reverse("notes:export", args=[fmt])).status_code == 200
        return len(captured)

    add(5)
    small = {fmt: queries(fmt) for fmt in ("markdown", "json", "csv")}
    add(45)
    assert {fmt: queries(fmt) for fmt in ("markdown", "json", "csv")} == small
