import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from papers.models import Curriculum, Paper, Phase, Tier


def count_queries(client, url: str, **headers) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return len(queries)


def test_canon_lists_papers_with_topic_tier_phase(alice_client, make_paper) -> None:
    make_paper("Attention Is All You Need", topics=["Transformers"], phase=4, tier=Tier.MUST)
    make_paper("Deep Residual Learning", topics=["Vision"])
    page = alice_client.get(reverse("papers:canon")).content.decode()
    assert "Attention Is All You Need" in page
    assert "Deep Residual Learning" in page
    assert "Must Read" in page and "Phase 4" in page
    assert '<a href="?topic=transformers"' in page


def test_canon_filters_by_topic_tier_phase_and_kind(alice_client, make_paper) -> None:
    make_paper("Alpha", topics=["Vision"], kind="book")
    make_paper("Beta", topics=["Language"], phase=2, tier=Tier.RECOMMENDED)
    make_paper("Gamma", topics=["Language"], tier=Tier.FURTHER)
    make_paper("Delta", phase=2, curriculum="Retrieval track")
    url = reverse("papers:canon")

    def titles(**params) -> set[str]:
        response = alice_client.get(url, params)
        return {p.title for p in response.context["page"]}

    assert titles(topic="language") == {"Beta", "Gamma"}
    assert titles(tier=Tier.RECOMMENDED) == {"Beta"}
    # Two curricula each have a Phase 2: the filter names one phase by its id.
    core, retrieval = Phase.objects.filter(number=2).order_by("curriculum__name")
    assert titles(phase=core.pk) == {"Beta"}
    assert titles(phase=retrieval.pk) == {"Delta"}
    assert titles(curriculum="retrieval-track") == {"Delta"}
    assert titles(curriculum="retrieval-track", topic="language") == set()
    page = alice_client.get(url).content.decode()
    assert '<optgroup label="Retrieval track">' in page and 'name="curriculum"' in page
    assert titles(kind="book") == {"Alpha"}
    assert titles(topic="language", tier=Tier.FURTHER) == {"Gamma"}


def test_canon_search_finds_titles_authors_and_arxiv_ids(alice_client, make_paper) -> None:
    make_paper("Attention Is All You Need", authors="Vaswani, A.", arxiv_id="1706.03762")
    make_paper("Denoising Diffusion Probabilistic Models", authors="Ho, J.")
    url = reverse("papers:canon")
    assert [p.title for p in alice_client.get(url, {"q": "diffusion"}).context["page"]] == [
        "Denoising Diffusion Probabilistic Models"
    ]
    assert [p.title for p in alice_client.get(url, {"q": "vaswani"}).context["page"]] == [
        "Attention Is All You Need"
    ]
    assert [p.title for p in alice_client.get(url, {"q": "attention need"}).context["page"]] == [
        "Attention Is All You Need"
    ]


def test_canon_htmx_request_gets_only_the_results_fragment(alice_client, make_paper) -> None:
    make_paper("Attention Is All You Need")
    response = alice_client.get(
        reverse("papers:canon"), {"q": "attention"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results">')
    assert "<html" not in body and "Attention Is All You Need" in body
    assert "HX-Request" in response["Vary"]
    restore = alice_client.get(
        reverse("papers:canon"),
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in restore.content.decode()


def test_canon_ignores_bad_filters_with_a_message(alice_client, make_paper) -> None:
    make_paper("Alpha")
    response = alice_client.get(reverse("papers:canon"), {"tier": "99", "phase": "x"})
    assert response.status_code == 200
    assert "Some filters were not understood" in response.content.decode()


def test_canon_paginates(alice_client, make_paper) -> None:
    for _ in range(30):
        make_paper()
    first = alice_client.get(reverse("papers:canon")).context["page"]
    second = alice_client.get(reverse("papers:canon"), {"page": 2}).context["page"]
    assert len(first) == 25 and len(second) == 5
    assert not {p.pk for p in first} & {p.pk for p in second}


@pytest.mark.parametrize("htmx", [False, True])
def test_canon_query_count_does_not_grow(alice_client, make_paper, htmx) -> None:
    headers = {"HX-Request": "true"} if htmx else {}
    url = reverse("papers:canon")
    for n in range(5):
        make_paper(topics=[f"Topic {n % 3}"], phase=n % 2)
    small = count_queries(alice_client, url, **headers)
    for n in range(495):
        make_paper(topics=[f"Topic {n % 7}"], phase=n % 4)
    assert count_queries(alice_client, url, **headers) == small
    assert small <= 8


def curriculum_url(name: str = "Core ML curriculum") -> str:
    return Curriculum.objects.get(name=name).get_absolute_url()


def test_curriculum_groups_phases_by_tier(alice_client, make_paper) -> None:
    make_paper("Recommended one", phase=5, tier=Tier.RECOMMENDED)
    make_paper("Must one", phase=5, tier=Tier.MUST)
    make_paper("Earlier phase", phase=4, tier=Tier.MUST)
    make_paper("Another track's paper", phase=4, curriculum="Retrieval track")
    page = alice_client.get(curriculum_url()).content.decode()
    assert page.index("Phase 4") < page.index("Phase 5")
    assert page.index("Must one") < page.index("Recommended one")
    assert page.index("Must Read") < page.index("Recommended")
    assert "Another track" not in page
    listing = alice_client.get(reverse("papers:curricula")).content.decode()
    assert listing.index("Core ML curriculum") < listing.index("Retrieval track")
    assert alice_client.get(reverse("papers:curriculum", args=["no-such"])).status_code == 404


def test_curriculum_shows_my_progress_and_my_clubs_per_phase(
    alice, bob, alice_client, make_paper
) -> None:
    from clubs.models import Club, Membership, Role
    from notes.models import Reading, Status

    first = make_paper("First", phase=4)
    make_paper("Second", phase=4)
    both = make_paper("In two phases", phase=4)
    core = Curriculum.objects.get()
    Phase.objects.create(curriculum=core, number=5, title="Later")
    both.placements.create(phase=Phase.objects.get(number=5), tier=Tier.MUST)
    club = Club.objects.create(name="Lab club", slug="lab")
    club.curricula.add(core)
    Membership.objects.create(club=club, user=alice, role=Role.ORGANIZER)
    Membership.objects.create(club=club, user=bob)
    Reading.objects.create(user=alice, paper=first, status=Status.DONE)
    Reading.objects.create(user=bob, paper=both, status=Status.DONE)
    page = alice_client.get(curriculum_url()).content.decode()
    assert "You: 1 of 3 finished" in page
    # Phase 4: 2 of 6 member readings (33%); Phase 5 counts the paper placed in both.
    assert "Lab club</a>: 33% read" in page
    assert "Lab club</a>: 50% read" in page
    listing = alice_client.get(reverse("papers:curricula")).content.decode()
    assert "You have finished 1 of 3" in listing


def test_curriculum_query_count_does_not_grow(alice_client, make_paper) -> None:
    for n in range(5):
        make_paper(phase=n % 3, topics=["T"])
    small = count_queries(alice_client, curriculum_url())
    for n in range(495):
        make_paper(phase=n % 9, topics=["T", f"U{n % 5}"])
    assert count_queries(alice_client, curriculum_url()) == small
    assert small <= 8


def test_paper_page_shows_everything(alice_client, make_paper) -> None:
    base = make_paper(
        "Attention Is All You Need",
        arxiv_id="1706.03762",
        year=2017,
        authors="Vaswani, A.\nShazeer, N.",
        venue="NeurIPS 2017",
    )
    lora = make_paper("LoRA: Low-Rank Adaptation of Large Language Models", doi="10.1000/LoRA")
    qlora = make_paper("QLoRA: Efficient Finetuning of Quantized LLMs")
    lora.builds_on.add(base)
    qlora.builds_on.add(lora)
    page = alice_client.get(lora.get_absolute_url()).content.decode()
    assert "Read first" in page and base.get_absolute_url() in page
    assert "Read next" in page and qlora.get_absolute_url() in page
    assert "https://doi.org/10.1000/lora" in page
    base_page = alice_client.get(base.get_absolute_url()).content.decode()
    assert "https://arxiv.org/pdf/1706.03762" in base_page
    assert (
        "Vaswani, A., &amp; Shazeer, N. (2017). Attention Is All You Need. NeurIPS 2017."
        in base_page
    )
    assert "@article{vaswani2017attention," in base_page


def test_paper_page_query_count_does_not_grow(alice_client, make_paper) -> None:
    paper = make_paper(topics=["A"], phase=1)
    for _ in range(5):
        make_paper().builds_on.add(paper)
    small = count_queries(alice_client, paper.get_absolute_url())
    for n in range(495):
        other = make_paper(topics=[f"T{n % 4}"])
        other.builds_on.add(paper)
        paper.topics.add(*other.topics.all())
    assert count_queries(alice_client, paper.get_absolute_url()) == small


def test_missing_paper_is_404(alice_client) -> None:
    assert alice_client.get(reverse("papers:paper", args=[999999])).status_code == 404


def test_bibtex_download(alice_client, make_paper) -> None:
    paper = make_paper(
        "Attention Is All You Need", arxiv_id="1706.03762", year=2017, authors="Vaswani, A."
    )
    response = alice_client.get(reverse("papers:paper-bibtex", args=[paper.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="paper-{paper.pk}.bib"'
    body = response.content.decode()
    assert "eprint = {1706.03762}" in body and "title = {{Attention Is All You Need}}" in body


@pytest.mark.django_db
def test_identity_fields_are_normalized_on_save() -> None:
    paper = Paper.objects.create(
        title="X", arxiv_id="https://arxiv.org/pdf/1706.03762v5", doi="https://doi.org/10.1000/ABC"
    )
    assert (paper.arxiv_id, paper.doi) == ("1706.03762", "10.1000/abc")


@pytest.mark.django_db
def test_search_matches_word_starts_and_ids_and_ignores_syntax(make_paper) -> None:
    make_paper("Attention Is All You Need", authors="Vaswani, A.", arxiv_id="1706.03762")
    make_paper("Denoising Diffusion Probabilistic Models", authors="Ho, J.")

    def titles(query: str) -> list[str]:
        return [p.title for p in Paper.objects.search(query)]

    assert titles("atten") == ["Attention Is All You Need"]  # as the member types
    assert titles("diffusion models") == ["Denoising Diffusion Probabilistic Models"]
    assert titles("1706.03762") == ["Attention Is All You Need"]
    assert titles("attention diffusion") == []
    # tsquery operators and quotes are just separators, never syntax.
    assert titles("attention & | ! ( ' :*") == ["Attention Is All You Need"]
    assert titles("&|!") == []
    assert len(titles("  ")) == 2


def test_a_long_curriculum_comes_in_pages_with_a_jump_to_each_phase(
    alice_client, make_paper
) -> None:
    from papers.views import CURRICULUM_PAGE

    for n in range(CURRICULUM_PAGE + 10):
        make_paper(f"Paper {n:04d}", phase=1 if n < CURRICULUM_PAGE - 5 else 2)
    first = alice_client.get(curriculum_url()).content.decode()
    assert "Paper 0000" in first and f"Paper {CURRICULUM_PAGE:04d}" not in first
    assert "Page 1 of 2" in first
    # Phase 2 starts on page 1 and goes on to page 2: its jump link goes to page 1.
    assert 'href="?page=1#phase-2"' in first
    second = alice_client.get(curriculum_url() + "?page=2").content.decode()
    assert f"Paper {CURRICULUM_PAGE + 9:04d}" in second and "Paper 0000" not in second
    assert alice_client.get(curriculum_url() + "?page=x").status_code == 200
    # A paper page links to its phase's page.
    late = Paper.objects.get(title=f"Paper {CURRICULUM_PAGE + 9:04d}")
    link = "?phase=2#phase-2"
    assert link in alice_client.get(late.get_absolute_url()).content.decode()
    assert "Page 1 of 2" in alice_client.get(curriculum_url() + link).content.decode()
