"""Several curricula side by side: imports that keep to their own curriculum, the
upgrade that moves old phases into one, and the pages that show them."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from papers.importers import ImportFormatError, parse
from papers.models import Curriculum, Paper, Phase, Placement
from papers.services import import_reading_list
from tests.support import FIXTURES

CORE = FIXTURES / "curriculum-list.md"  # front matter title "Papers to Read"
RETRIEVAL = FIXTURES / "retrieval-curriculum.md"  # "Retrieval track", phases 3, 4, 5
pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_reading_list", *args, stdout=out)
    return out.getvalue()


def phases() -> list[tuple[str, int, str]]:
    return sorted(Phase.objects.values_list("curriculum__name", "number", "title"))


def placements() -> list[tuple[str, str, int]]:
    return sorted(
        Placement.objects.values_list("paper__title", "phase__curriculum__name", "phase__number")
    )


def test_two_curricula_with_clashing_phase_numbers_keep_their_own_phases() -> None:
    run(str(CORE))
    core_phases, core_placements = phases(), placements()
    assert ("Papers to Read", 5, "Language Model Training") in core_phases

    output = run(str(RETRIEVAL))
    assert "curricula created: 1" in output
    retrieval = [p for p in phases() if p[0] == "Retrieval track"]
    assert retrieval == [
        ("Retrieval track", 3, "Dense Retrieval"),
        ("Retrieval track", 4, "Retrieval-Augmented Generation"),
        ("Retrieval track", 5, "Reranking"),
    ]
    # The core course's phases and placements are exactly as they were.
    assert [p for p in phases() if p[0] == "Papers to Read"] == core_phases
    assert [p for p in placements() if p[1] == "Papers to Read"] == core_placements
    attention = Paper.objects.get(title="Attention Is All You Need")
    assert sorted(
        attention.placements.values_list("phase__curriculum__name", "phase__number", "phase__title")
    ) == [
        ("Papers to Read", 4, ""),
        ("Retrieval track", 4, "Retrieval-Augmented Generation"),
    ]
    colbert = Paper.objects.get(title__startswith="ColBERT")
    assert list(colbert.placements.values_list("phase__title", flat=True)) == ["Reranking"]


def test_importing_the_same_curriculum_again_changes_nothing() -> None:
    run(str(CORE))
    run(str(RETRIEVAL))
    before = (phases(), placements(), sorted(Curriculum.objects.values_list("name", "slug")))
    output = run(str(RETRIEVAL))
    assert "curricula created: 0" in output and "phases created: 0" in output
    assert "phase placements added: 0" in output and "papers created: 0" in output
    assert (phases(), placements(), sorted(Curriculum.objects.values_list("name", "slug"))) == (
        before
    )


def test_the_command_names_the_curriculum_over_the_files_own_title() -> None:
    run(str(RETRIEVAL), "--curriculum", "Search reading group")
    assert list(Curriculum.objects.values_list("name", "source")) == [
        ("Search reading group", "retrieval-curriculum.md")
    ]
    # The name matches whatever its case, so a re-import lands in the same curriculum.
    run(str(RETRIEVAL), "--curriculum", "search READING group")
    assert Curriculum.objects.count() == 1 and Phase.objects.count() == 3


def test_a_curriculum_list_that_names_no_curriculum_is_refused(tmp_path) -> None:
    text = RETRIEVAL.read_text()
    untitled = tmp_path / "untitled.md"
    untitled.write_text(text[text.index("# Retrieval track: papers") :])
    with pytest.raises(CommandError, match="does not say which curriculum"):
        run(str(untitled))
    assert Paper.objects.count() == 0 and Curriculum.objects.count() == 0
    with pytest.raises(ImportFormatError, match="--curriculum NAME"):
        import_reading_list(parse(untitled.read_text(), format="curriculum"))
    run(str(untitled), "--curriculum", "Named on the command line")
    assert Phase.objects.filter(curriculum__name="Named on the command line").count() == 3


def test_the_import_page_takes_a_curriculum_name(staff_client) -> None:
    upload = SimpleUploadedFile("retrieval.md", RETRIEVAL.read_bytes(), "text/markdown")
    response = staff_client.post(
        reverse("papers:import"),
        {"file": upload, "format": "auto", "curriculum": "Lab retrieval track"},
    )
    assert response.status_code == 200
    curriculum = Curriculum.objects.get()
    assert (curriculum.name, curriculum.source) == ("Lab retrieval track", "retrieval.md")
    assert curriculum.phases.count() == 3
    page = staff_client.get(curriculum.get_absolute_url()).content.decode()
    assert "Phase 5: Reranking" in page and "ColBERT" in page


def test_a_paper_page_names_every_curriculum_and_phase_it_is_in(alice_client) -> None:
    run(str(CORE))
    run(str(RETRIEVAL))
    attention = Paper.objects.get(title="Attention Is All You Need")
    page = alice_client.get(attention.get_absolute_url()).content.decode()
    assert "In the curricula" in page
    assert "Papers to Read</a>, <a" in page and "Retrieval track</a>, <a" in page
    assert "Phase 4: Retrieval-Augmented Generation" in page
    retrieval = Curriculum.objects.get(name="Retrieval track")
    assert f'href="{retrieval.get_absolute_url()}?phase=4#phase-4"' in page


def test_the_bundled_canon_loads_into_its_curriculum() -> None:
    call_command("load_canon", stdout=io.StringIO())
    curriculum = Curriculum.objects.get()
    assert curriculum.name == "Core ML curriculum"
    assert curriculum.phases.count() >= 8
    assert Placement.objects.filter(phase__curriculum=curriculum).count() >= 10
    before = (phases(), placements())
    call_command("load_canon", stdout=io.StringIO())
    assert (phases(), placements()) == before


# --- the upgrade ------------------------------------------------------------------------

BEFORE = [("papers", "0003_paper_aliases_table"), ("clubs", "0006_notifications")]


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_an_install_with_phases_upgrades_into_one_curriculum_without_loss() -> None:
    migrate(BEFORE)
    old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
    OldPaper, OldPhase = old.get_model("papers", "Paper"), old.get_model("papers", "Phase")
    OldPlacement, OldClub = old.get_model("papers", "Placement"), old.get_model("clubs", "Club")
    four = OldPhase.objects.create(number=4, title="Transformers")
    five = OldPhase.objects.create(number=5, title="Training")
    paper = OldPaper.objects.create(title="Attention Is All You Need", title_key="attention")
    OldPlacement.objects.create(paper=paper, phase=four, tier=1, order=1, note="Build it.")
    OldPlacement.objects.create(paper=paper, phase=five, tier=2, order=1)
    club = OldClub.objects.create(name="Old club", slug="old-club")
    club.phases.set([four])
    bare = OldClub.objects.create(name="No phases", slug="no-phases")

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    curriculum = Curriculum.objects.get()
    assert curriculum.name == "Core ML curriculum" and curriculum.slug == "core-ml-curriculum"
    assert phases() == [
        ("Core ML curriculum", 4, "Transformers"),
        ("Core ML curriculum", 5, "Training"),
    ]
    assert sorted(Placement.objects.values_list("phase__number", "tier", "order", "note")) == [
        (4, 1, 1, "Build it."),
        (5, 2, 1, ""),
    ]
    from clubs.models import Club

    assert list(Club.objects.get(pk=club.pk).curricula.all()) == [curriculum]
    assert not Club.objects.get(pk=bare.pk).curricula.exists()
