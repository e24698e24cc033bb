"""The formats users bring and take away: RIS and CSL-JSON (import and export), a DOI looked
up at Crossref (answered by a local server replaying a stored response), and the Highwire
`citation_*` meta tags on a paper's page.

The fixtures `papers.ris` and `papers.csl.json` list real papers with their real titles,
authors, years and identifiers; the abstracts in them are our own one-line summaries.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import rispy
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from notes.models import Reading
from papers import crossref
from papers.importers import (
    FORMATS,
    ImportFormatError,
    Limits,
    detect_format,
    is_csl_json,
    parse,
)
from papers.models import Paper
from tests.papers.test_export_injection import HOSTILE, one_line, same_url
from tests.support import FIXTURES

SAMPLES = Path(__file__).parent / "samples"
RIS = FIXTURES / "papers.ris"
CSL = FIXTURES / "papers.csl.json"


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def titles(records) -> list[str]:
    return [record.title for record in records]


# --- RIS import -------------------------------------------------------------------------


def test_ris_fixture_reads_as_the_papers_it_lists() -> None:
    result = parse(read(RIS), filename=RIS.name)
    assert result.format == "ris"
    assert titles(result.papers) == [
        "Attention Is All You Need",
        "Deep learning",
        "Deep Residual Learning for Image Recognition",
        "Adam: A Method for Stochastic Optimization",
        "Reinforcement Learning: An Introduction",
        "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
        "The Illustrated Transformer",
    ]
    attention, deep, resnet, adam, sutton, bert, blog = result.papers
    assert attention.authors[0] == "Vaswani, Ashish" and attention.authors[6] == "Kaiser, Łukasz"
    assert len(attention.authors) == 8
    assert (attention.year, attention.arxiv_id, attention.line) == (2017, "1706.03762", 1)
    assert attention.venue == "Advances in Neural Information Processing Systems"
    # A value continued on the next line is one value.
    assert attention.abstract.startswith("A sequence model built from attention alone, with no")
    assert "  " not in attention.abstract and "\n" not in attention.abstract
    assert (deep.authors, deep.year) == (
        ["LeCun, Yann", "Bengio, Yoshua", "Hinton, Geoffrey"],
        2015,
    )
    assert (deep.venue, deep.doi, deep.line) == ("Nature", "10.1038/nature14539", 21)
    assert deep.url == "https://www.nature.com/articles/nature14539"
    # T1 / A1 / Y1, a DOI written as a link, an arXiv link with a version.
    assert resnet.authors == ["He, Kaiming", "Zhang, Xiangyu", "Ren, Shaoqing", "Sun, Jian"]
    assert (resnet.year, resnet.doi, resnet.arxiv_id) == (
        2016,
        "10.1109/cvpr.2016.90",
        "1512.03385",
    )
    # arXiv's own DOI gives the arXiv id; a preprint's venue is arXiv.
    assert (adam.arxiv_id, adam.venue, adam.year) == ("1412.6980", "arXiv", 2014)
    assert (sutton.kind, sutton.venue, sutton.year) == ("book", "MIT Press", 2018)
    assert bert.doi == "10.18653/v1/n19-1423" and bert.venue.startswith("Proceedings of the 2019")
    assert (blog.kind, blog.url) == ("post", "https://jalammar.github.io/illustrated-transformer/")


def test_ris_types_give_the_kind() -> None:
    records = [
        f"TY  - {kind}\nTI  - Item {n}\nER  - \n"
        for n, kind in enumerate(["BOOK", "CHAP", "BLOG", "ELEC", "COMP", "JOUR", "RPRT"])
    ]
    result = parse("\n".join(records), format="ris")
    assert [r.kind for r in result.papers] == [
        "book",
        "chapter",
        "post",
        "post",
        "code",
        "paper",
        "paper",
    ]


def test_ris_numbered_records_as_rispy_writes_them_are_read() -> None:
    text = "1.\nTY  - JOUR\nTI  - One\nER  - \n\n2.\nTY  - JOUR\nTI  - Two\nER  - \n"
    assert detect_format(text) == "ris"
    assert titles(parse(text).papers) == ["One", "Two"]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("TY  - JOUR\nTI  - A\nER  - \n\nTY  - JOUR\nTI  - B\n", 5, "no closing 'ER  - '"),
        ("TY  - JOUR\nTI  - A\nTY  - JOUR\nTI  - B\nER  - \n", 3, "the one from line 1"),
        ("TY  - JOUR\nTI  - A\nER  - \nTI  - Stray\n", 4, "stands outside a record"),
        ("TY  - JOUR\nTI  - A\nER  - \nsome prose\n", 4, "not part of a record"),
        ("TY  - JOUR\nAU  - Nobody, N.\nER  - \n", 1, "no title"),
    ],
)
def test_malformed_ris_names_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(ImportFormatError, match=re.escape(message)) as caught:
        parse(text, format="ris")
    assert caught.value.line == line


def test_bad_ris_fixture_is_refused_at_its_line() -> None:
    with pytest.raises(ImportFormatError) as caught:
        parse(read(FIXTURES / "bad-ris-unclosed.ris"), filename="bad-ris-unclosed.ris")
    assert str(caught.value).startswith("line 12: a new record starts here")
    assert "line 7" in str(caught.value)


# --- CSL-JSON import --------------------------------------------------------------------


def test_csl_json_fixture_reads_as_the_papers_it_lists() -> None:
    result = parse(read(CSL), filename=CSL.name)
    assert result.format == "csljson"
    by_title = {r.title: r for r in result.papers}
    assert len(by_title) == 8
    attention = by_title["Attention Is All You Need"]
    assert attention.authors[:2] == ["Vaswani, Ashish", "Shazeer, Noam"]
    assert (attention.year, attention.arxiv_id, attention.line) == (2017, "1706.03762", 2)
    deep = by_title["Deep learning"]
    assert (deep.doi, deep.venue, deep.year, deep.kind) == (
        "10.1038/nature14539",
        "Nature",
        2015,
        "paper",
    )
    assert deep.abstract.startswith("A survey for a general scientific audience")
    adam = by_title["Adam: A Method for Stochastic Optimization"]
    assert (adam.arxiv_id, adam.venue, adam.year) == ("1412.6980", "arXiv", 2014)  # years as text
    tsne = by_title["Visualizing Data using t-SNE"]
    assert tsne.authors == ["van der Maaten, Laurens", "Hinton, Geoffrey"]
    chapter = by_title["Optimization for Training Deep Models"]
    assert (chapter.kind, chapter.venue) == ("chapter", "Deep Learning")
    book = by_title["Reinforcement Learning: An Introduction"]
    assert (book.kind, book.venue, book.year) == ("book", "MIT Press", 2018)  # a raw date
    jax = by_title["JAX: composable transformations of Python+NumPy programs"]
    assert (jax.kind, len(jax.authors), jax.url) == ("code", 11, "http://github.com/jax-ml/jax")
    assert by_title["The Illustrated Transformer"].kind == "post"


def test_csl_json_names_literal_and_particles() -> None:
    text = json.dumps(
        [
            {
                "type": "report",
                "title": "T",
                "author": [
                    {"literal": "DeepMind"},
                    {"family": "King", "given": "Martin Luther", "suffix": "Jr."},
                    {"family": "Plato"},
                ],
            }
        ]
    )
    assert parse(text).papers[0].authors == ["DeepMind", "King, Martin Luther, Jr.", "Plato"]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('[\n  {"type": "book",\n   "title": "A",}\n]', 3, "not valid JSON"),
        ('{"items": []}', None, "is a list of items"),
        ('[\n  {"type": "book", "title": "A"},\n  "B"\n]', None, "item 2 is not an object"),
        (
            '[\n  {"type": "book", "title": "A"},\n  {"type": "book"}\n]',
            3,
            "item 2: it has no title",
        ),
        ('[{"type": "book", "title": 7}]', 1, "item 1: 'title' must be text"),
        ('[{"type": "book", "title": "A", "author": [{"given": 3}]}]', 1, "'given' must be text"),
        ('[{"type": "book", "title": "A", "author": [{}]}]', 1, "neither a family name"),
        ('[{"type": "book", "title": "A", "issued": {"date-parts": [[99999]]}}]', 1, "not a year"),
        ('[{"type": "book", "title": "A", "issued": "2017"}]', 1, "'issued' must be a date"),
    ],
)
def test_malformed_csl_json_names_the_item(text: str, line: int | None, message: str) -> None:
    with pytest.raises(ImportFormatError, match=re.escape(message)) as caught:
        parse(text, format="csljson")
    assert caught.value.line == line


def test_bad_csl_json_fixture_is_refused_at_its_item() -> None:
    name = "bad-csljson-author.csl.json"
    with pytest.raises(ImportFormatError) as caught:
        parse(read(FIXTURES / name), filename=name)
    assert str(caught.value) == "line 9: item 2: 'author' must be a list of names"


# --- telling the formats apart ----------------------------------------------------------


def test_formats_include_ris_and_csl_json() -> None:
    assert {"ris", "csljson"} <= set(FORMATS) and FORMATS[-1] == "json"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[{"type": "article-journal", "title": "T"}]', True),
        ('[{"type": "book", "author": [{"family": "F"}]}]', True),
        ('  [\n{"id": "x", "type": "webpage", "title": "T", "URL": "https://e.org"}]', True),
        # The app's own JSON: a member's export (papers with phases and topics) ...
        ('[{"title": "T", "kind": "paper", "phases": [], "topics": []}]', False),
        ('[{"type": "paper", "title": "T", "topics": ["NLP"]}]', False),
        ('[{"type": "paper", "title": "T", "phases": []}]', False),
        # ... the canon's (an object with papers), or papers without a type.
        ('{"version": 2, "papers": [{"title": "T", "type": "x"}]}', False),
        ('[{"title": "T"}]', False),
        ('[{"type": "book"}]', False),
        ("[]", False),
        ("[1, 2]", False),
        ("[not json", False),
        ("[" * 50 + "]" * 50, False),
    ],
)
def test_csl_json_is_told_from_the_apps_json(text: str, expected: bool) -> None:
    assert is_csl_json(text) is expected


@pytest.mark.parametrize(
    ("text", "filename", "expected"),
    [
        ("anything", "library.RIS", "ris"),
        ("TY  - JOUR\nTI  - T\nER  - \n", "", "ris"),
        ("\n\nTY  - BOOK\nTI  - T\nER  - \n", "export.txt", "ris"),
        ('[{"type": "book", "title": "T"}]', "", "csljson"),
        ('[{"type": "book", "title": "T"}]', "zotero.json", "csljson"),
        ("[]", "my.csl.json", "csljson"),
        ('[{"title": "T", "phases": [], "topics": []}]', "reading-list.json", "json"),
        ('{"papers": []}', "canon.json", "json"),
        ('[{"title": "T"}]', "", "json"),
    ],
)
def test_detect_format_knows_ris_and_csl_json(text: str, filename: str, expected: str) -> None:
    assert detect_format(text, filename) == expected


def test_fixtures_are_detected_by_content_alone() -> None:
    assert detect_format(read(RIS)) == "ris"
    assert detect_format(read(CSL)) == "csljson"


@pytest.mark.parametrize(("path", "fmt"), [(RIS, "ris"), (CSL, "csljson")], ids=["ris", "csljson"])
def test_paper_count_is_checked_before_parsing(path: Path, fmt: str) -> None:
    with pytest.raises(ImportFormatError, match="more than 3 papers") as caught:
        parse(read(path), format=fmt, limits=Limits(max_bytes=10**6, max_papers=3))
    assert caught.value.line == {"ris": 50, "csljson": 51}[fmt]  # the fourth paper's line


def test_csl_json_nesting_is_checked_before_parsing() -> None:
    text = '[{"type": "book", "title": "T", "x": ' + "[" * 30 + "]" * 30 + "}]"
    with pytest.raises(ImportFormatError, match="nests deeper than 20 levels"):
        parse(text, format="csljson")


# --- importing them into the canon -------------------------------------------------------


@pytest.mark.django_db
def test_import_page_takes_ris_and_csl_json(staff_client) -> None:
    for path in (RIS, CSL):
        upload = SimpleUploadedFile(path.name, path.read_bytes())
        response = staff_client.post(reverse("papers:import"), {"file": upload, "format": "auto"})
        assert response.status_code == 200
    # Both lists name Attention, Deep learning, Adam, Sutton & Barto and the blog post.
    assert Paper.objects.count() == 7 + 8 - 5
    deep = Paper.objects.get(doi="10.1038/nature14539")
    assert (deep.title, deep.year, deep.venue) == ("Deep learning", 2015, "Nature")
    assert deep.author_list == ["LeCun, Yann", "Bengio, Yoshua", "Hinton, Geoffrey"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "fmt"),
    [("bad-ris-unclosed.ris", "ris"), ("bad-csljson-author.csl.json", "csljson")],
)
def test_bad_files_change_nothing(staff_client, make_paper, name: str, fmt: str) -> None:
    make_paper("Deep learning", doi="10.1038/nature14539")
    before = list(Paper.objects.values_list("title", "authors", "year", "venue"))
    with pytest.raises(CommandError, match=r"line \d+: .*Nothing was imported"):
        call_command(
            "import_reading_list", str(FIXTURES / name), "--format", fmt, stdout=io.StringIO()
        )
    upload = SimpleUploadedFile(name, (FIXTURES / name).read_bytes())
    response = staff_client.post(reverse("papers:import"), {"file": upload, "format": "auto"})
    body = response.content.decode()
    assert "Nothing was imported" in body and "line " in body
    assert list(Paper.objects.values_list("title", "authors", "year", "venue")) == before


# --- RIS and CSL-JSON exports, hostile values included ----------------------------------

# Besides the hostile set every export is tested with: values that try to end an RIS
# record and start one of their own.
RIS_HOSTILE = {
    "title": "Injected\nER  - \n\nTY  - JOUR\nTI  - Evil",
    "authors": ["Real, R.", "AU  - Fake, F."],
    "url": "https://example.org/a;b c",
    "abstract": "First line.\nER  - \nTY  - JOUR\nTI  - Another evil",
}
RIS_TAGS = {"TY", "ID", "TI", "AU", "PY", "JO", "T2", "PB", "DO", "UR", "AB", "ER"}
CSL_KEYS = {
    "id",
    "type",
    "title",
    "author",
    "issued",
    "container-title",
    "publisher",
    "DOI",
    "URL",
    "archive",
    "archive_location",
    "abstract",
}


@pytest.fixture
def hostile(db) -> list[Paper]:
    made = []
    for n, case in enumerate([*HOSTILE, RIS_HOSTILE]):
        paper = Paper.objects.create(
            title=case["title"],
            authors="\n".join(case["authors"]),
            year=2001 + n,
            venue="Journal of {Unbalanced} \\relax 100% & $x$; ER  - ",
            url=case["url"],
            arxiv_id=case.get("arxiv_id", ""),
            doi=case.get("doi", ""),
            abstract=case.get("abstract", ""),
        )
        made.append(paper)
    return made


@pytest.fixture
def reader(make_user, hostile) -> Client:
    user = make_user("eve")
    for paper in hostile:
        Reading.objects.create(user=user, paper=paper, status="queued")
    client = Client()
    client.force_login(user)
    return client


def downloads(client: Client, fmt: str) -> list[str]:
    texts = []
    content_type = {"ris": "application/x-research-info-systems"}.get(
        fmt, "application/vnd.citationstyles.csl+json"
    )
    for url in (reverse("papers:export", args=[fmt]), reverse("notes:export", args=[fmt])):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"].startswith(content_type)
        extension = "ris" if fmt == "ris" else "json"
        assert response["Content-Disposition"].endswith(f'.{extension}"')
        texts.append(response.content.decode())
    return texts


def test_ris_exports_cannot_be_broken_out_of(reader, hostile) -> None:
    for text in downloads(reader, "ris"):
        lines = [line for line in text.split("\n") if line.strip()]
        tags = [line[:2] for line in lines]
        assert all(re.match(r"^[A-Z][A-Z0-9]  - ", line + " ") for line in lines), lines
        assert set(tags) <= RIS_TAGS
        assert tags.count("TY") == tags.count("ER") == tags.count("TI") == len(hostile)
        records = rispy.loads(text)
        assert len(records) == len(hostile)
        for record in records:
            assert all(urlsplit(url).scheme in ("http", "https") for url in record.get("urls", []))


def test_ris_exports_import_back_to_the_same_papers(reader, hostile) -> None:
    """RIS writes each value on one line: runs of whitespace come back as one space, as in
    the BibTeX and Markdown exports; links may come back percent-encoded."""
    expected = {one_line(p.title): p for p in hostile}
    for text in downloads(reader, "ris"):
        records = parse(text, filename="canon.ris").papers
        assert sorted(titles(records)) == sorted(expected)
        for record in records:
            paper = expected[record.title]
            assert record.authors == [one_line(name) for name in paper.author_list]
            assert record.year == paper.year
            assert record.venue == one_line(paper.venue)
            assert record.abstract == one_line(paper.abstract)
            assert (record.arxiv_id, record.doi, record.kind) == (
                paper.arxiv_id,
                paper.doi,
                "paper",
            )
            assert same_url(record.url, paper.link), (record.url, paper.link)


def test_csl_json_exports_are_lists_of_items(reader, hostile) -> None:
    for text in downloads(reader, "csljson"):
        items = json.loads(text)
        assert isinstance(items, list) and len(items) == len(hostile)
        assert len({item["id"] for item in items}) == len(items)
        for item in items:
            assert set(item) <= CSL_KEYS
            assert item["type"] in ("article-journal", "paper-conference", "article")
            if "URL" in item:
                assert urlsplit(item["URL"]).scheme in ("http", "https")


def test_csl_json_exports_import_back_to_the_same_papers(reader, hostile) -> None:
    expected = {p.title.strip(): p for p in hostile}
    for text in downloads(reader, "csljson"):
        result = parse(text, filename="canon.json")
        assert result.format == "csljson"
        assert sorted(titles(result.papers)) == sorted(expected)
        for record in result.papers:
            paper = expected[record.title]
            assert record.authors == paper.author_list
            assert (record.year, record.venue) == (paper.year, paper.venue.strip())
            assert (record.url, record.abstract) == (paper.link, paper.abstract.strip())
            assert (record.arxiv_id, record.doi) == (paper.arxiv_id, paper.doi)


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["ris", "csljson"])
def test_kinds_and_venues_survive_the_round_trip(alice_client, make_paper, fmt: str) -> None:
    cases = [
        ("paper", "Nature"),
        ("paper", "Advances in Neural Information Processing Systems"),
        ("paper", "arXiv"),
        ("book", "MIT Press"),
        ("chapter", "Deep Learning"),
        ("post", "A blog"),
        ("code", "GitHub"),
    ]
    for n, (kind, venue) in enumerate(cases):
        make_paper(f"Item {n}", kind=kind, venue=venue, arxiv_id="1706.03762" if n == 2 else "")
    response = alice_client.get(reverse("papers:export", args=[fmt]))
    records = sorted(parse(response.content.decode(), format=fmt).papers, key=lambda r: r.title)
    assert [(r.kind, r.venue) for r in records] == cases


# --- Crossref ---------------------------------------------------------------------------


@pytest.fixture
def crossref_server(settings):
    """A stand-in Crossref API on 127.0.0.1 answering with the stored sample response, a
    404 for any other DOI, and late for a DOI with `slow` in it."""
    requests: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append({"path": self.path, "user_agent": self.headers["User-Agent"]})
            if "slow" in self.path:
                time.sleep(1.5)
            if self.path == "/works/10.1038/nature14539":
                status, body = 200, (SAMPLES / "crossref-nature14539.json").read_bytes()
            else:
                status, body = 404, b"Resource not found."
            try:
                self.send_response(status)
                self.send_header(
                    "Content-Type", "application/json" if status == 200 else "text/plain"
                )
                self.end_headers()
                self.wfile.write(body)
            except OSError:  # the client gave up waiting
                pass

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CROSSREF_API_URL = f"http://127.0.0.1:{server.server_port}/works"
    settings.CROSSREF_MAILTO = "organizers@example.org"
    yield requests
    server.shutdown()
    server.server_close()


def test_parse_stored_crossref_response() -> None:
    data = crossref.parse_work((SAMPLES / "crossref-nature14539.json").read_bytes())
    assert data["title"] == "Deep learning"
    assert data["authors"] == "LeCun, Y.\nBengio, Y.\nHinton, G."
    assert (data["year"], data["venue"], data["kind"]) == (2015, "Nature", "paper")
    assert (data["doi"], data["url"]) == (
        "10.1038/nature14539",
        "https://doi.org/10.1038/nature14539",
    )
    # JATS tags gone, entities read, the "Abstract" heading dropped, paragraphs kept.
    assert data["abstract"].startswith("A sample abstract written for this test: layered")
    assert "data & compute they outperform hand-made" in data["abstract"]
    assert "\n\nA second paragraph" in data["abstract"]
    assert "<" not in data["abstract"] and not data["abstract"].startswith("Abstract")


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<jats:p>One <jats:sup>2</jats:sup> &lt;three&gt;</jats:p>", "One 2 <three>"),
        ("<p>A</p><p>B</p>", "A\n\nB"),
        ("plain", "plain"),
        ("", ""),
    ],
)
def test_jats_becomes_plain_text(markup: str, text: str) -> None:
    assert crossref.plain_text(markup) == text


@pytest.mark.parametrize(
    "body",
    [b"not json", b'{"status": "ok", "message": {"title": []}}', b"[]", b"[" * 100_000],
)
def test_unusable_crossref_answers_are_errors(body: bytes) -> None:
    with pytest.raises(ValueError):
        crossref.parse_work(body)


def test_crossref_kinds_and_names() -> None:
    work = {
        "message": {
            "type": "book-chapter",
            "title": ["A <i>chapter</i>"],
            "container-title": ["A Book"],
            "author": [{"given": "Geoffrey E.", "family": "Hinton"}, {"name": "A Consortium"}],
            "published-print": {"date-parts": [[2012, 1]]},
            "issued": {"date-parts": [[None]]},
        }
    }
    data = crossref.parse_work(json.dumps(work))
    assert (data["title"], data["kind"], data["venue"]) == ("A chapter", "chapter", "A Book")
    assert data["authors"] == "Hinton, G. E.\nA Consortium"
    assert data["year"] == 2012


def test_lookup_by_doi_prefills_the_form_from_crossref(staff_client, crossref_server) -> None:
    response = staff_client.get(
        reverse("papers:add"), {"identifier": "https://doi.org/10.1038/NATURE14539"}
    )
    assert [r["path"] for r in crossref_server] == ["/works/10.1038/nature14539"]
    assert "mailto:organizers@example.org" in crossref_server[0]["user_agent"]
    form = response.context["form"]
    assert form.initial["title"] == "Deep learning"
    assert form.initial["authors"] == "LeCun, Y.\nBengio, Y.\nHinton, G."
    assert (form.initial["year"], form.initial["venue"]) == (2015, "Nature")
    assert form.initial["doi"] == "10.1038/nature14539"
    assert response.context["problem"] == ""
    assert 'value="Deep learning"' in response.content.decode()


def test_unknown_doi_says_so(staff_client, crossref_server) -> None:
    response = staff_client.get(reverse("papers:add"), {"identifier": "doi:10.9999/no-such-paper"})
    assert response.status_code == 200
    assert "Crossref has no record of the DOI 10.9999/no-such-paper" in response.content.decode()
    assert response.context["form"].initial["doi"] == "10.9999/no-such-paper"
    assert not Paper.objects.exists()


def test_slow_crossref_falls_back_to_the_empty_form(
    staff_client, crossref_server, settings
) -> None:
    settings.CROSSREF_API_TIMEOUT = 0.3
    started = time.monotonic()
    response = staff_client.get(reverse("papers:add"), {"identifier": "10.1234/slow"})
    assert time.monotonic() - started < 1.4
    assert response.status_code == 200
    assert crossref.UNREACHABLE in response.content.decode()
    assert response.context["form"].initial == {
        "doi": "10.1234/slow",
        "url": "https://doi.org/10.1234/slow",
    }


def test_unreachable_crossref_falls_back_too(staff_client, settings) -> None:
    settings.CROSSREF_API_URL = "http://127.0.0.1:9/works"  # nothing listens there
    response = staff_client.get(reverse("papers:add"), {"identifier": "10.1038/nature14539"})
    assert crossref.UNREACHABLE in response.content.decode()


def test_a_known_doi_is_not_looked_up(staff_client, crossref_server, make_paper) -> None:
    paper = make_paper("Deep learning", doi="10.1038/nature14539")
    response = staff_client.get(reverse("papers:add"), {"identifier": "10.1038/nature14539"})
    assert response.context["existing"] == paper
    assert crossref_server == []


def test_an_arxiv_doi_is_looked_up_at_arxiv(staff_client, crossref_server, settings) -> None:
    settings.ARXIV_API_URL = "http://127.0.0.1:9/api/query"  # nothing listens there
    response = staff_client.get(reverse("papers:add"), {"identifier": "10.48550/arXiv.1706.03762"})
    assert "Could not reach arXiv" in response.content.decode()
    assert response.context["form"].initial["arxiv_id"] == "1706.03762"
    assert crossref_server == []


# --- Highwire meta tags -----------------------------------------------------------------


class _Head(HTMLParser):
    """The meta tags and other elements of a page's <head>."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: list[tuple[str, str]] = []
        self.tags: list[str] = []
        self.scripts: list[str] = []  # each script's src, or its text
        self.attributes: set[str] = set()  # of every meta tag
        self.in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "head":
            self.in_head = True
        elif self.in_head:
            self.tags.append(tag)
            found = dict(attrs)
            if tag == "script":
                self.scripts.append(found.get("src") or "")
            if tag == "meta":
                self.attributes |= set(found)
            if tag == "meta" and (found.get("name") or "").startswith("citation_"):
                self.meta.append((found["name"], found.get("content") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.in_head = False

    def handle_data(self, data: str) -> None:
        if self.in_head and self.tags[-1:] == ["script"] and data.strip():
            self.scripts[-1] += data


def citation_meta(client: Client, paper: Paper) -> _Head:
    response = client.get(paper.get_absolute_url())
    assert response.status_code == 200
    head = _Head()
    head.feed(response.content.decode())
    return head


@pytest.mark.django_db
def test_paper_page_carries_highwire_tags(alice_client, make_paper) -> None:
    paper = make_paper(
        "Attention Is All You Need",
        authors="Vaswani, A.\nShazeer, N.\nParmar, N.",
        year=2017,
        venue="Advances in Neural Information Processing Systems",
        arxiv_id="1706.03762",
        doi="10.48550/arxiv.1706.03762",
    )
    assert citation_meta(alice_client, paper).meta == [
        ("citation_title", "Attention Is All You Need"),
        ("citation_author", "Vaswani, A."),
        ("citation_author", "Shazeer, N."),
        ("citation_author", "Parmar, N."),
        ("citation_publication_date", "2017"),
        ("citation_conference_title", "Advances in Neural Information Processing Systems"),
        ("citation_doi", "10.48550/arxiv.1706.03762"),
        ("citation_arxiv_id", "1706.03762"),
        ("citation_pdf_url", "https://arxiv.org/pdf/1706.03762"),
        ("citation_abstract_html_url", "https://arxiv.org/abs/1706.03762"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "venue", "arxiv_id", "tag"),
    [
        ("paper", "Nature", "", "citation_journal_title"),
        ("paper", "Proceedings of ACL 2019", "", "citation_conference_title"),
        ("paper", "arXiv", "2106.09685", None),
        ("paper", "", "", None),
        ("book", "MIT Press", "", "citation_publisher"),
        ("chapter", "Deep Learning", "", "citation_inbook_title"),
        ("post", "A blog", "", None),
    ],
)
def test_venue_tag_follows_the_kind_of_venue(
    alice_client, make_paper, kind, venue, arxiv_id, tag
) -> None:
    paper = make_paper("T", kind=kind, venue=venue, arxiv_id=arxiv_id, url="https://example.org/t")
    names = dict(citation_meta(alice_client, paper).meta)
    venue_names = {
        n for n in names if n.endswith(("_title", "publisher")) and n != "citation_title"
    }
    assert venue_names == ({tag} if tag else set())
    if tag:
        assert names[tag] == venue
    assert ("citation_pdf_url" in names) == bool(arxiv_id)
    assert names["citation_abstract_html_url"] == "https://example.org/t"


@pytest.mark.django_db
def test_hostile_values_stay_inside_their_attribute(alice_client, make_paper) -> None:
    title = '"><script>alert(1)</script><meta name="citation_title" content="Evil'
    paper = make_paper(
        title,
        authors="\"onmouseover='alert(1)'\n<b>Bold</b>, B.",
        venue='Nature" http-equiv="refresh',
        url='https://example.org/"><script>alert(2)</script>',
    )
    head = citation_meta(alice_client, paper)
    assert head.scripts and all(src.startswith("/static/") for src in head.scripts)
    plain = citation_meta(alice_client, make_paper("Plain", venue="Nature"))
    assert head.tags.count("meta") - len(head.meta) == plain.tags.count("meta") - len(plain.meta)
    assert head.attributes == plain.attributes  # no http-equiv, no event handlers
    assert head.meta[0] == ("citation_title", title)
    assert [content for name, content in head.meta if name == "citation_title"] == [title]
    assert [c for n, c in head.meta if n == "citation_author"] == [
        "\"onmouseover='alert(1)'",
        "<b>Bold</b>, B.",
    ]
    assert dict(head.meta)["citation_journal_title"] == 'Nature" http-equiv="refresh'
    body = alice_client.get(paper.get_absolute_url()).content.decode()
    assert "<script>alert" not in body and 'http-equiv="refresh' not in body
