import csv
import io
import json

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notes.models import Note, Reading, Status
from papers.models import Tier


def read(user, paper, status, thoughts=""):
    Reading.objects.create(user=user, paper=paper, status=status)
    if thoughts:
        note = Note(user=user, paper=paper, thoughts=thoughts, version=1)
        note.render()
        note.save()


def test_reading_list_groups_and_progress(alice_client, alice, bob, make_paper) -> None:
    attention = make_paper(
        "Attention Is All You Need", topics=["Transformers"], phase=4, tier=Tier.MUST
    )
    gpt3 = make_paper(
        "Language Models are Few-Shot Learners", topics=["Transformers"], phase=4, tier=Tier.MUST
    )
    ddpm = make_paper(
        "Denoising Diffusion Probabilistic Models", topics=["Diffusion"], phase=8, tier=Tier.MUST
    )
    make_paper("Unread", phase=8, tier=Tier.RECOMMENDED)
    read(alice, attention, Status.DONE, thoughts="The *best* start.")
    read(alice, gpt3, Status.PASS2)
    read(alice, ddpm, Status.QUEUED)
    read(bob, ddpm, Status.DONE)
    page = alice_client.get(reverse("notes:list")).content.decode()
    assert page.index("Diffusion") < page.index("Transformers")
    assert "✔️" in page and "<em>best</em>" in page
    assert "Must Read: 1 of 2" in page  # phase 4
    assert "Must Read: 0 of 1" in page and "Recommended: 0 of 1" in page  # phase 8

    by_phase = alice_client.get(reverse("notes:list"), {"group": "phase"}).content.decode()
    assert "Phase 4: P4" in by_phase and "Phase 8: P8" in by_phase

    active = alice_client.get(
        reverse("notes:list"), {"status": "active"}, headers={"HX-Request": "true"}
    )
    body = active.content.decode()
    assert body.lstrip().startswith('<div id="reading-list">')
    assert "Few-Shot" in body and "Attention Is All" not in body


def test_reading_list_query_count_does_not_grow(alice_client, alice, make_paper) -> None:
    def add(count: int) -> None:
        for n in range(count):
            paper = make_paper(topics=[f"T{n % 4}"], phase=n % 3)
            read(alice, paper, Status.DONE if n % 2 else Status.PASS1, thoughts=f"note {n}")

    def queries(**params) -> int:
        with CaptureQueriesContext(connection) as captured:
            alice_client.get(reverse("notes:list"), params)
        return len(captured)

    add(5)
    small, small_phase = queries(), queries(group="phase")
    add(495)
    assert queries() == small and queries(group="phase") == small_phase


def test_exports_of_my_list(alice_client, alice, bob, make_paper) -> None:
    attention = make_paper(
        "Attention Is All You Need",
        topics=["Transformers"],
        url="https://arxiv.org/abs/1706.03762",
        arxiv_id="1706.03762",
        year=2017,
    )
    mamba = make_paper(
        "Mamba", topics=["Transformers"], year=2023, url="https://arxiv.org/abs/2312.00752"
    )
    make_paper("Not mine")
    read(alice, attention, Status.DONE, thoughts="Where it all started.")
    read(alice, mamba, Status.QUEUED)
    read(bob, mamba, Status.DONE, thoughts="BOB-SECRET")

    markdown = alice_client.get(reverse("notes:export", args=["markdown"])).content.decode()
    assert "## Transformers" in markdown
    assert "- ✔️ [Attention Is All You Need](https://arxiv.org/abs/1706.03762) (2017)" in markdown
    assert "Where it all started." in markdown
    assert "- [Mamba](https://arxiv.org/abs/2312.00752) (2023) *TO READ*" in markdown
    assert "Not mine" not in markdown and "BOB-SECRET" not in markdown

    data = json.loads(alice_client.get(reverse("notes:export", args=["json"])).content)
    assert {(d["title"], d["status"]) for d in data} == {
        ("Attention Is All You Need", "done"),
        ("Mamba", "queued"),
    }
    assert set(data[0]) == {
        "title",
        "authors",
        "year",
        "venue",
        "kind",
        "url",
        "arxiv_id",
        "doi",
        "topics",
        "phases",
        "status",
        "reading",
        "note",
    }

    rows = list(
        csv.DictReader(
            io.StringIO(alice_client.get(reverse("notes:export", args=["csv"])).content.decode())
        )
    )
    assert [r["status"] for r in rows] == ["done", "queued"]

    bib = alice_client.get(reverse("notes:export", args=["bibtex"])).content.decode()
    assert bib.count("@article{") == 2
    assert alice_client.get(reverse("notes:export", args=["pdf"])).status_code == 404
