"""Adding a paper by identifier, with arXiv's API answered by a local server."""

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from django.urls import reverse

from papers import arxiv
from papers.models import Paper

SAMPLES = Path(__file__).parent / "samples"


@pytest.fixture
def arxiv_server(settings):
    """A stand-in arXiv API on 127.0.0.1 that answers with the stored sample responses."""
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            name = "arxiv-1706.03762.xml" if "1706.03762" in self.path else "arxiv-empty.xml"
            body = (SAMPLES / name).read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/atom+xml")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.ARXIV_API_URL = f"http://127.0.0.1:{server.server_port}/api/query"
    yield requests
    server.shutdown()


def test_parse_stored_arxiv_response() -> None:
    data = arxiv.parse_atom((SAMPLES / "arxiv-1706.03762.xml").read_bytes())
    assert data["title"] == "Attention Is All You Need"
    assert data["authors"] == "Vaswani, A.\nShazeer, N.\nParmar, N."
    assert data["year"] == 2017
    assert data["arxiv_id"] == "1706.03762"
    assert data["venue"] == "Advances in Neural Information Processing Systems 30 (2017)"
    assert data["abstract"].startswith("A sample abstract kept short")


def test_parse_empty_arxiv_response_is_an_error() -> None:
    with pytest.raises(ValueError, match="no paper"):
        arxiv.parse_atom((SAMPLES / "arxiv-empty.xml").read_bytes())


def test_lookup_prefills_the_form_from_arxiv(staff_client, arxiv_server) -> None:
    response = staff_client.get(
        reverse("papers:add"), {"identifier": "https://arxiv.org/abs/1706.03762v5"}
    )
    assert arxiv_server == ["/api/query?id_list=1706.03762&max_results=1"]
    form = response.context["form"]
    assert form.initial["title"] == "Attention Is All You Need"
    assert 'value="Attention Is All You Need"' in response.content.decode()


def test_lookup_degrades_when_arxiv_is_unreachable(staff_client, settings) -> None:
    settings.ARXIV_API_URL = "http://127.0.0.1:9/api/query"  # nothing listens there
    response = staff_client.get(reverse("papers:add"), {"identifier": "2106.09685"})
    assert response.status_code == 200
    assert "Could not reach arXiv, fill in the fields." in response.content.decode()
    assert response.context["form"].initial["arxiv_id"] == "2106.09685"


def test_lookup_of_a_known_paper_points_to_it(staff_client, make_paper) -> None:
    paper = make_paper("Attention Is All You Need", arxiv_id="1706.03762")
    response = staff_client.get(reverse("papers:add"), {"identifier": "arXiv:1706.03762v2"})
    assert response.context["existing"] == paper
    assert "Already in the canon" in response.content.decode()


def test_lookup_from_bibtex_and_doi(staff_client) -> None:
    entry = (
        "@article{hu2021lora, title={{LoRA}: Low-Rank Adaptation}, author={Hu, Edward}, "
        "year={2021}, eprint={2106.09685}, archivePrefix={arXiv}}"
    )
    response = staff_client.get(reverse("papers:add"), {"identifier": entry})
    assert response.context["form"].initial["arxiv_id"] == "2106.09685"
    assert response.context["form"].initial["year"] == 2021
    response = staff_client.get(
        reverse("papers:add"), {"identifier": "doi:10.1145/3290605.3300233"}
    )
    assert response.context["form"].initial["doi"] == "10.1145/3290605.3300233"


def test_lookup_of_nonsense_says_so(staff_client) -> None:
    response = staff_client.get(reverse("papers:add"), {"identifier": "not an id"})
    assert "not an arXiv id or URL, a DOI, or a BibTeX entry" in response.content.decode()


def test_saving_the_form_adds_the_paper(staff_client, staff) -> None:
    response = staff_client.post(
        reverse("papers:add"),
        {
            "title": "Attention Is All You Need",
            "authors": "Vaswani, A.",
            "year": 2017,
            "kind": "paper",
            "arxiv_id": "1706.03762v7",
        },
    )
    paper = Paper.objects.get()
    assert response["Location"] == paper.get_absolute_url()
    assert (paper.arxiv_id, paper.added_by) == ("1706.03762", staff)


def test_saving_a_duplicate_is_refused(staff_client, make_paper) -> None:
    make_paper("Attention Is All You Need", arxiv_id="1706.03762")
    response = staff_client.post(
        reverse("papers:add"),
        {
            "title": "Attention (again)",
            "kind": "paper",
            "arxiv_id": "https://arxiv.org/abs/1706.03762",
        },
    )
    assert response.status_code == 200
    assert "already in the canon" in response.content.decode()
    assert Paper.objects.count() == 1


def test_members_cannot_add_or_import(alice_client) -> None:
    assert alice_client.get(reverse("papers:add")).status_code == 403
    assert alice_client.get(reverse("papers:import")).status_code == 403
    response = alice_client.post(reverse("papers:add"), {"title": "Sneaky", "kind": "paper"})
    assert response.status_code == 403
    assert not Paper.objects.exists()
