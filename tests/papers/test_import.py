"""Importing the example reading lists (tests/papers/fixtures) into the canon.

Counts, merging, bad input. The counts were taken by hand from `blog-list.md` and
`curriculum-list.md`; see tests/papers/test_parsers.py for what each list holds.
"""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from notes.models import Note, Reading, Status
from papers.importers import ImportFormatError, parse
from papers.models import Curriculum, Paper, Phase, Placement, Tier, Topic
from papers.services import import_reading_list
from tests.support import FIXTURES

BLOG = FIXTURES / "blog-list.md"
CURRICULUM = FIXTURES / "curriculum-list.md"
pytestmark = pytest.mark.django_db


def import_file(path, **kwargs):
    return import_reading_list(parse(path.read_text(), filename=path.name), **kwargs)


def canon_state() -> tuple:
    return (
        sorted(Paper.objects.values_list("title", "year", "arxiv_id", "tier", "venue", "authors")),
        sorted(Topic.objects.values_list("name", flat=True)),
        sorted(Curriculum.objects.values_list("name", "slug", "description")),
        sorted(Phase.objects.values_list("curriculum__name", "number", "title", "description")),
        sorted(
            Placement.objects.values_list(
                "paper__title", "phase__curriculum__name", "phase__number", "tier", "note"
            )
        ),
        sorted(Paper.builds_on.through.objects.values_list("from_paper__title", "to_paper__title")),
    )


def test_blog_list_counts() -> None:
    summary = import_file(BLOG)
    # Counted by hand in the file: 29 linked list items under 8 `##` headings, one paper
    # (Scaling Laws) listed under two of them.
    assert summary.papers_created == 28
    assert Paper.objects.count() == 28
    assert Topic.objects.count() == 8
    scaling = Paper.objects.get(arxiv_id="2001.08361")
    assert sorted(scaling.topics.values_list("name", flat=True)) == [
        "Language Modeling",
        "Training Theory and Improvements",
    ]
    assert Phase.objects.count() == 0
    assert Paper.objects.get(arxiv_id="1706.03762").title == "Attention Is All You Need"
    assert Paper.objects.get(arxiv_id="2201.11903").year == 2022  # link with a trailing space


def test_curriculum_list_counts() -> None:
    summary = import_file(CURRICULUM)
    # 4 Must Read + 3 Recommended blocks, 8 further-reading citations (a ninth names
    # Mamba again) under 4 topics.
    assert summary.papers_created == 15
    assert Paper.objects.filter(tier=Tier.MUST).count() == 4
    assert Paper.objects.filter(tier=Tier.RECOMMENDED).count() == 3
    assert Paper.objects.filter(tier=Tier.FURTHER).count() == 8
    assert Topic.objects.count() == 4
    assert list(Phase.objects.values_list("number", flat=True)) == [4, 5, 9, 10, 12]
    assert Phase.objects.get(number=4).title == ""  # named only through its lessons
    assert Placement.objects.count() == 8  # seven blocks; QLoRA names phases 9 and 10
    lora = Paper.objects.get(title__startswith="LoRA")
    assert lora.authors.splitlines()[0] == "Hu, E. J."
    assert lora.placements.get().phase.number == 9


def test_reimport_changes_nothing() -> None:
    import_file(BLOG)
    import_file(CURRICULUM)
    before = canon_state()
    again = import_file(CURRICULUM)
    import_file(BLOG)
    assert again.papers_created == 0 and again.placements_added == 0
    assert canon_state() == before


def test_lists_merge_shared_papers() -> None:
    import_file(BLOG)
    summary = import_file(CURRICULUM)
    # Shared: Attention, Mamba (by arXiv id), FlashAttention, Scaling Laws, Score-Based
    # SDEs, Classifier-Free Guidance (by title and year), and LoRA (listed as the 2021
    # preprint and as the 2022 conference paper).
    assert summary.papers_merged == 7
    assert Paper.objects.count() == 28 + 15 - 7
    for title in [
        "Attention Is All You Need",
        "LoRA: Low-Rank Adaptation of Large Language Models",
        "FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness",
        "Classifier-Free Diffusion Guidance",
    ]:
        assert Paper.objects.filter(title=title).count() == 1
    attention = Paper.objects.get(title="Attention Is All You Need")
    # The curriculum filled what the blog list left empty, and placed it in phase 4.
    assert attention.arxiv_id == "1706.03762" and attention.tier == Tier.MUST
    assert attention.venue and attention.key_contribution
    assert attention.placements.get().phase.number == 4


def test_import_never_overwrites_curated_fields() -> None:
    import_file(CURRICULUM)
    lora = Paper.objects.get(title__startswith="LoRA")
    lora.venue = "Curated venue"
    lora.tier = Tier.RECOMMENDED
    lora.save()
    import_file(CURRICULUM)
    lora.refresh_from_db()
    assert (lora.venue, lora.tier) == ("Curated venue", Tier.RECOMMENDED)


def test_dry_run_saves_nothing() -> None:
    summary = import_file(BLOG, dry_run=True)
    assert summary.papers_created == 28 and summary.dry_run
    assert not Paper.objects.exists() and not Topic.objects.exists()


def test_user_import_records_reading(alice) -> None:
    summary = import_file(BLOG, reader=alice)
    done = Reading.objects.filter(user=alice, status=Status.DONE).count()
    queued = Reading.objects.filter(user=alice, status=Status.QUEUED).count()
    assert (done, queued) == (18, 9)  # Epoch AI has neither mark
    assert summary.statuses_set == 27
    # Listed unread first and read later: read wins.
    assert Reading.objects.get(user=alice, paper__arxiv_id="2001.08361").status == Status.DONE
    vae = Note.objects.get(user=alice, paper__arxiv_id="1312.6114")
    assert vae.thoughts.startswith("Where the variational autoencoder comes from.")
    assert vae.visibility == "private" and "<p>" in vae.html["thoughts"]
    # A second import neither duplicates nor undoes progress.
    Reading.objects.filter(user=alice, paper__arxiv_id="2312.00752").update(status=Status.PASS2)
    import_file(BLOG, reader=alice)
    assert Reading.objects.get(user=alice, paper__arxiv_id="2312.00752").status == Status.PASS2
    assert Reading.objects.filter(user=alice).count() == 27


FORMAT_OF = {
    "arxiv": "arxiv",
    "bibtex": "bibtex",
    "curriculum": "curriculum",
    "markdown": "markdown",
    "ris": "ris",
    "csljson": "csljson",
}
MALFORMED = sorted(path.name for path in FIXTURES.glob("bad-*"))


def test_there_are_malformed_fixtures_for_every_format() -> None:
    assert {name.split("-")[1] for name in MALFORMED} >= {
        "arxiv",
        "bibtex",
        "curriculum",
        "markdown",
    }


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_inputs_leave_the_database_unchanged(name) -> None:
    import_file(CURRICULUM)
    before = canon_state()
    with pytest.raises(CommandError, match=r"line \d+: .*Nothing was imported"):
        call_command(
            "import_reading_list",
            str(FIXTURES / name),
            "--format",
            FORMAT_OF[name.split("-")[1]],
            stdout=io.StringIO(),
        )
    assert canon_state() == before


def test_json_export_round_trip(alice) -> None:
    import_file(BLOG)
    import_file(CURRICULUM)
    out = io.StringIO()
    call_command("export_reading_list", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert len(data["papers"]) == 28 + 15 - 7
    assert [c["name"] for c in data["curricula"]] == ["Papers to Read"]
    assert [p["number"] for p in data["curricula"][0]["phases"]] == [4, 5, 9, 10, 12]
    attention = next(d for d in data["papers"] if d["title"] == "Attention Is All You Need")
    assert attention["phases"][0]["curriculum"] == "Papers to Read"
    assert attention["phases"][0]["number"] == 4
    assert {"tldr", "key_contribution", "why_it_matters", "abstract", "builds_on"} <= set(attention)
    before = canon_state()
    import_reading_list(parse(out.getvalue(), format="json"))
    assert canon_state() == before


def test_json_export_imports_into_an_empty_database_to_the_same_data(alice) -> None:
    import_file(BLOG)
    import_file(CURRICULUM)
    import_file(CURRICULUM, curriculum="Second track")
    Curriculum.objects.filter(name="Second track").update(description="The other track.")
    Phase.objects.filter(number=5).update(description="Train a small model.")
    Paper.objects.filter(arxiv_id="1706.03762").update(
        tldr="Attention alone.", key_contribution="The transformer.", why_it_matters="Everything."
    )
    attention = Paper.objects.get(arxiv_id="1706.03762")
    attention.builds_on.add(Paper.objects.exclude(pk=attention.pk).first())
    out = io.StringIO()
    call_command("export_reading_list", "--format", "json", stdout=out)
    before = canon_state()
    summaries = sorted(Paper.objects.values_list("title", "tldr", "key_contribution", "aliases"))
    Paper.objects.all().delete()
    Curriculum.objects.all().delete()
    Topic.objects.all().delete()
    import_reading_list(parse(out.getvalue(), format="json"))
    assert canon_state() == before
    assert (
        sorted(Paper.objects.values_list("title", "tldr", "key_contribution", "aliases"))
        == summaries
    )


def test_command_summary_and_errors(tmp_path, alice) -> None:
    out = io.StringIO()
    call_command("import_reading_list", str(CURRICULUM), "--user", "alice", stdout=out)
    text = out.getvalue()
    assert "papers created: 15" in text and "phases created: 5" in text
    bad = tmp_path / "broken.bib"
    bad.write_text("@article{x,\n  title = {Missing brace\n")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_reading_list", str(bad))
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_reading_list", str(tmp_path / "missing.md"))
    with pytest.raises(CommandError, match="no user"):
        call_command("import_reading_list", str(CURRICULUM), "--user", "nobody")


def test_markdown_export_looks_like_the_blog(alice) -> None:
    import_file(BLOG, reader=alice)
    out = io.StringIO()
    call_command("export_reading_list", "--format", "markdown", "--user", "alice", stdout=out)
    text = out.getvalue()
    assert "## Seminal Architectures" in text
    assert "- ✔️ [Attention Is All You Need](https://arxiv.org/abs/1706.03762) (2017)" in text
    assert (
        "[Mamba: Linear-Time Sequence Modeling with Selective State Spaces]"
        "(https://arxiv.org/abs/2312.00752) (2023) *TO READ*" in text
    )


def test_import_page(staff_client) -> None:
    upload = SimpleUploadedFile("list.md", CURRICULUM.read_bytes(), content_type="text/markdown")
    response = staff_client.post(reverse("papers:import"), {"file": upload, "format": "auto"})
    assert response.status_code == 200
    assert "papers created: 15" in response.content.decode()
    assert Paper.objects.count() == 15


def test_import_page_rejects_bad_input_with_line_number(staff_client) -> None:
    response = staff_client.post(
        reverse("papers:import"),
        {"text": "1706.03762\nnot an id\n", "format": "arxiv"},
    )
    body = response.content.decode()
    assert "Nothing was imported" in body and "line 2" in body
    assert not Paper.objects.exists()


def test_import_page_preview(staff_client) -> None:
    response = staff_client.post(
        reverse("papers:import"),
        {"text": BLOG.read_text(), "format": "markdown", "dry_run": "on"},
    )
    assert "Preview: nothing was saved" in response.content.decode()
    assert not Paper.objects.exists()


def test_import_page_refuses_non_utf8(staff_client) -> None:
    upload = SimpleUploadedFile("list.md", b"\xff\xfe\x00bad", content_type="text/markdown")
    response = staff_client.post(reverse("papers:import"), {"file": upload, "format": "auto"})
    assert "not UTF-8 text" in response.content.decode()


def test_bundled_canon_loads_idempotently() -> None:
    call_command("load_canon", stdout=io.StringIO())
    before = canon_state()
    assert Paper.objects.count() >= 82  # the two reading lists it was first built from
    call_command("load_canon", stdout=io.StringIO())
    assert canon_state() == before
    for title in [
        "Attention Is All You Need",
        "LoRA: Low-Rank Adaptation of Large Language Models",
    ]:
        assert Paper.objects.filter(title=title).count() == 1
    # Both example lists merge into the bundled canon without creating anything new.
    assert import_file(CURRICULUM).papers_created == 0
    assert import_file(BLOG).papers_created == 0


@pytest.mark.parametrize(
    "text",
    [
        '[{"title": "T", "year": true}]',
        '[{"title": "T", "year": 30000}]',
        '[{"title": "' + "x" * 501 + '"}]',
        '[{"title": "T", "phases": [{"number": -1}]}]',
        '[{"title": "T", "phases": [{"number": 99999}]}]',
        '[{"title": "T", "doi": "10.1000/' + "x" * 300 + '"}]',
    ],
)
def test_json_values_past_the_columns_are_refused(text) -> None:
    with pytest.raises(ImportFormatError):
        parse(text, format="json")
    assert not Paper.objects.exists()
