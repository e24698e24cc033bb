"""Hostile titles, authors, URLs and topics through every export, and back through import.

Each download is fetched through its real view. The checks read every format with a
parser of its own kind (bibtexparser and pylatexenc for BibTeX, `csv` for CSV, the
notes' Markdown renderer for Markdown, `json` for JSON) and then import the file with
the app's own `papers.importers.parse`, which must give back the same papers.

What "the same" means per format: BibTeX and Markdown write a value on one line, so
runs of whitespace (a line break in a title) come back as one space; URLs may come back
with the characters that could end a field or a link percent-encoded, which names the
same address. JSON and CSV keep every character.
"""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import bibtexparser
import markdown
import pytest
from bibtexparser.model import Entry
from django.test import Client
from django.urls import reverse
from pylatexenc.latexwalker import LatexMacroNode, LatexWalker

from notes.markdown import render_markdown
from notes.models import Reading
from papers.importers import parse
from papers.models import Paper, Topic

HOSTILE = [
    {
        "title": "A title ending in a backslash \\",
        "authors": ["Vaswani, A.", "X}, note={Y"],
        "url": "https://example.org/a},note={X",
        "topic": "Attacks",
    },
    {
        "title": '=HYPERLINK("https://evil.example/","click me")',
        "authors": ["+Plus, P.", "-Minus, M.", "@Sum, S.", "=Equals, E."],
        "url": "https://example.org/x)[evil](javascript:alert(1))",
        "topic": "[x](javascript:alert(1))",
    },
    {
        "title": "\\input{/etc/passwd} \\write18{rm -rf /} \\immediate\\openout",
        "authors": ["\\def\\x{y}, Knuth"],
        "url": "https://example.org/tex?q=\\input{x}",
        "topic": "Topic\n## Injected heading",
    },
    {
        "title": "Quotes \"double\" and 'single', 50% of $math$ & #hash_tag ^caret ~tilde",
        "authors": ["O'Brien, {Unbalanced", "Smith and Jones", "others"],
        "url": 'https://example.org/a b"c<d>e\\f`g$h$',
        "topic": "",
    },
    {
        "title": "Line one\nline two\n- [Fake](javascript:alert(1))\n@misc{evil, title={Evil}}",
        "authors": ["Newline, N."],
        "url": "https://example.org/ok",
        "topic": "Attacks",
    },
    {
        "title": "Unicode: Schrödinger’s cat — 日本語 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 naïve",
        "authors": ["Müller, Jürgen", "Łukasz, Ż."],
        "url": "https://example.org/ünïcode/路径",
        "topic": "Ünïcode",
    },
    {
        "title": "<script>alert(1)</script> and {braces} and {unbalanced and }",
        "authors": ["<img src=x onerror=alert(1)>"],
        "url": "https://example.org/<script>alert(1)</script>",
        "topic": "<b>bold</b>",
    },
    {
        "title": "Ligatures -- --- `` '' ?` !` ,, << >> and `code` *stars* _under_ [br]ackets",
        "authors": ["Dash--Dash, D."],
        "url": "https://example.org/(balanced)_and_[brackets]",
        "topic": "Stars *and* _under_ #hash",
    },
    {
        "title": "Entities &amp; &lt;b&gt; &#35;1 and a <b>tag</b> & <i",
        "authors": ["Ampersand, A."],
        "url": "https://example.org/entities",
        "topic": "&amp; <b>",
    },
    {
        "title": "\tLeading tab, then =1+1",
        "authors": ["Tab, T."],
        "url": "",
        "arxiv_id": "1706.03762",
        "topic": "",
    },
    {
        "title": "\r=cmd|' /C calc'!A0",
        "authors": ["Carriage, C."],
        "url": "javascript:alert(document.cookie)",
        "doi": "10.1234/a},note={x",
        "topic": "",
    },
    {
        "title": "'=1+2 written with a quote of its own",
        "authors": ["'@Quoted, Q."],
        "url": "https://example.org/quoted",
        "topic": "",
    },
]

# Every field the BibTeX writer may write; anything else was injected.
BIBTEX_FIELDS = {
    "title",
    "author",
    "year",
    "journal",
    "booktitle",
    "publisher",
    "howpublished",
    "doi",
    "eprint",
    "archiveprefix",
    "url",
}
# The only TeX commands an exported value may hold: the escapes of literal characters.
TEXT_ESCAPES = {
    "textbackslash",
    "textbraceleft",
    "textbraceright",
    "textasciicircum",
    "textasciitilde",
    "%",
    "#",
    "&",
    "$",
    "_",
}
FORMULA_START = tuple("=+-@\t\r")
EVIL_DISPLAY_NAME = "Eve\n- [Fake](javascript:alert(1))\n## Injected"


def one_line(text: str) -> str:
    return " ".join(text.split())


def same_url(imported: str, original: str) -> bool:
    return unquote(imported) == unquote(original)


@pytest.fixture
def papers(db) -> list[Paper]:
    made = []
    for n, case in enumerate(HOSTILE):
        paper = Paper.objects.create(
            title=case["title"],
            authors="\n".join(case["authors"]),
            year=2001 + n,
            venue="Journal of {Unbalanced} \\relax 100% & $x$",
            url=case["url"],
            arxiv_id=case.get("arxiv_id", ""),
            doi=case.get("doi", ""),
        )
        if case["topic"]:
            paper.topics.add(Topic.objects.get_or_create(name=case["topic"])[0])
        made.append(paper)
    return made


@pytest.fixture
def member(make_user, papers):
    user = make_user("eve", display_name=EVIL_DISPLAY_NAME)
    for n, paper in enumerate(papers):
        Reading.objects.create(user=user, paper=paper, status="done" if n % 2 else "queued")
    return user


@pytest.fixture
def member_client(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def download(client: Client, url: str, **post) -> str:
    response = client.post(url, post) if post else client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    return response.content.decode()


def by_title(papers: list[Paper]) -> dict[str, Paper]:
    return {one_line(p.title): p for p in papers}


# --- BibTeX ---------------------------------------------------------------------------


def bibtex_downloads(client: Client, papers: list[Paper]) -> list[tuple[str, list[Paper]]]:
    ordered = sorted(papers, key=lambda p: p.title)
    files = [
        (download(client, reverse("papers:export", args=["bibtex"])), ordered),
        (download(client, reverse("notes:export", args=["bibtex"])), ordered),
    ]
    files += [(download(client, reverse("papers:paper-bibtex", args=[p.pk])), [p]) for p in papers]
    return files


def assert_balanced(text: str) -> None:
    """Braces balanced the way BibTeX counts them: a backslash does not escape a brace."""
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0, text
    assert depth == 0, text


def tex_macros(value: str) -> set[str]:
    nodes, _, _ = LatexWalker(value, tolerant_parsing=False).get_latex_nodes()
    names, stack = set(), list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, LatexMacroNode):
            names.add(node.macroname)
        stack += [child for child in getattr(node, "nodelist", None) or [] if child]
        for arg in getattr(getattr(node, "nodeargd", None), "argnlist", None) or []:
            if arg is not None:
                stack.append(arg)
    return names


def assert_bibtex_safe(text: str, papers: list[Paper]) -> None:
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    assert all(isinstance(block, Entry) for block in library.blocks)
    assert len(library.entries) == len(papers)
    for entry, paper in zip(library.entries, papers, strict=True):
        assert {key.casefold() for key in entry.fields_dict} <= BIBTEX_FIELDS, entry.fields_dict
        assert entry["title"].startswith("{") and entry["title"].endswith("}")
        for key in ("title", "author", "journal", "booktitle", "publisher", "howpublished"):
            if key in entry.fields_dict:
                assert_balanced(entry[key])
                assert "\n" not in entry[key]
                assert tex_macros(entry[key]) <= TEXT_ESCAPES, entry[key]
        for key in ("url", "doi"):
            if key in entry.fields_dict:
                assert not re.search(r"[{}\\\s]", entry[key]), entry[key]
        if "url" in entry.fields_dict:
            assert urlsplit(entry["url"]).scheme in ("http", "https")
            assert same_url(entry["url"], paper.link)


def test_bibtex_exports_cannot_be_broken_out_of(member_client, papers) -> None:
    for text, expected in bibtex_downloads(member_client, papers):
        assert_bibtex_safe(text, expected)


def test_bibtex_exports_import_back_to_the_same_papers(member_client, papers) -> None:
    for text, expected in bibtex_downloads(member_client, papers):
        records = parse(text, format="bibtex").papers
        assert [r.title for r in records] == [one_line(p.title) for p in expected]
        for record, paper in zip(records, expected, strict=True):
            assert record.authors == paper.author_list
            assert record.year == paper.year
            assert record.venue == one_line(paper.venue)
            assert record.arxiv_id == paper.arxiv_id
            assert record.doi == paper.doi
            assert same_url(record.url, paper.link)


def test_admin_bibtex_action_is_escaped_too(make_user, papers) -> None:
    admin = make_user("root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    text = download(
        client,
        reverse("admin:papers_paper_changelist"),
        action="export_bibtex",
        _selected_action=[p.pk for p in papers],
    )
    ordered = sorted(papers, key=lambda p: p.title)
    assert_bibtex_safe(text, ordered)
    assert [r.title for r in parse(text, format="bibtex").papers] == [
        one_line(p.title) for p in ordered
    ]


# --- CSV ------------------------------------------------------------------------------


def from_spreadsheet(cell: str) -> str:
    """A cell as the export means it: the quote that keeps a formula as text removed."""
    return cell[1:] if re.match(r"'+[=+\-@\t\r]", cell) else cell


def test_csv_cells_are_never_formulas(member_client, papers) -> None:
    text = download(member_client, reverse("notes:export", args=["csv"]))
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == len(papers) + 1
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START), row


def test_csv_reads_back_to_the_same_papers(member_client, papers) -> None:
    text = download(member_client, reverse("notes:export", args=["csv"]))
    header, *rows = csv.reader(io.StringIO(text))
    read = [dict(zip(header, map(from_spreadsheet, row), strict=True)) for row in rows]
    expected = sorted(papers, key=lambda p: p.title)
    assert [r["title"] for r in read] == [p.title for p in expected]
    assert [r["authors"] for r in read] == ["; ".join(p.author_list) for p in expected]
    assert [r["url"] for r in read] == [p.link for p in expected]
    assert [r["topics"] for r in read] == [
        "; ".join(t.name for t in p.topics.all()) for p in expected
    ]


# --- Markdown -------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.tags: list[str] = []
        self.texts: list[str] = []  # what each link shows
        self.open: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href") or "")
            self.open = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.open is not None:
            self.texts.append("".join(self.open))
            self.open = None

    def handle_data(self, data: str) -> None:
        if self.open is not None:
            self.open.append(data)


def markdown_downloads(client: Client) -> list[str]:
    return [
        download(client, reverse("papers:export", args=["markdown"])),
        download(client, reverse("notes:export", args=["markdown"])),
    ]


def topic_of(paper: Paper) -> str:
    names = [t.name for t in paper.topics.all()]
    return one_line(names[0]) if names else "Other"


def test_markdown_exports_render_one_safe_link_per_paper(member_client, papers) -> None:
    topics = {topic_of(p) for p in papers}
    for text in markdown_downloads(member_client):
        rendered = render_markdown(text)
        found = _Links()
        found.feed(rendered)
        assert "<script" not in rendered
        assert all(urlsplit(h).scheme in ("http", "https") for h in found.hrefs), found.hrefs
        assert not [h for h in found.hrefs if h.strip().lower().startswith("javascript:")]
        assert sorted(unquote(h) for h in found.hrefs) == sorted(unquote(p.link) for p in papers)
        # In any Markdown viewer each title shows as written, never as markup or entities.
        shown = _Links()
        shown.feed(markdown.markdown(text))
        assert sorted(shown.texts) == sorted(one_line(p.title) for p in papers if p.link)
        assert found.tags.count("li") == len(papers)
        assert found.tags.count("h1") == 1
        assert found.tags.count("h2") == len(topics)


def test_markdown_exports_import_back_to_the_same_papers(member_client, papers) -> None:
    expected = by_title(papers)
    for text in markdown_downloads(member_client):
        records = parse(text, format="markdown").papers
        assert sorted(r.title for r in records) == sorted(expected)
        for record in records:
            paper = expected[record.title]
            assert same_url(record.url, paper.link), (record.url, paper.link)
            assert record.topics == [topic_of(paper)]


def test_member_markdown_keeps_read_marks(member_client, member, papers) -> None:
    text = download(member_client, reverse("notes:export", args=["markdown"]))
    states = {r.title: r.read_state for r in parse(text, format="markdown").papers}
    readings = {one_line(r.paper.title): r.status for r in Reading.objects.filter(user=member)}
    assert states == readings


# --- JSON -----------------------------------------------------------------------------


def test_json_exports_import_back_to_the_same_papers(member_client, papers) -> None:
    expected = {p.title.strip(): p for p in papers}
    for fmt_url in (
        reverse("papers:export", args=["json"]),
        reverse("notes:export", args=["json"]),
    ):
        text = download(member_client, fmt_url)
        data = json.loads(text)
        items = data["papers"] if isinstance(data, dict) else data  # the canon's, a member's
        assert sorted(item["title"] for item in items) == sorted(p.title for p in papers)
        records = parse(text, format="json").papers
        assert sorted(r.title for r in records) == sorted(expected)
        for record in records:
            paper = expected[record.title]
            assert record.authors == paper.author_list
            assert record.url == paper.link
            assert record.doi == paper.doi and record.arxiv_id == paper.arxiv_id
