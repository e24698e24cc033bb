"""The canon (or a member's list) as BibTeX, JSON, Markdown, RIS or CSL-JSON.

Whatever a title, name, topic or URL holds, it is written so that it cannot end the
field, link or line it sits in and reads back through our importers as itself: BibTeX
values through `citations.tex_text` and `citations.bibtex_url`, Markdown through
`markdown_text` and `markdown_link_target`; JSON and CSL-JSON are escaped by the encoder;
RIS values are written on one line each, with `;` and spaces percent-encoded in links.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

import rispy
from django.db.models import Prefetch
from django.http import Http404, HttpResponse

from .citations import citation_key, percent_encode, to_bibtex
from .importers.markdown_list import note_sections
from .models import Curriculum, Paper, Phase, Placement, Tier

# A member's reading status of a paper, as the notes app reports it ("done", "queued", ...).
StatusOf = Callable[[Paper], str]


def placement_dict(placement: Placement) -> dict:
    phase = placement.phase
    item = {"curriculum": phase.curriculum.name, "number": phase.number, "title": phase.title}
    item["tier"] = Tier(placement.tier).slug
    if placement.note:
        item["note"] = placement.note
    return item


def paper_dict(paper: Paper) -> dict:
    return {
        "title": paper.title,
        "authors": paper.author_list,
        "year": paper.year,
        "venue": paper.venue,
        "kind": paper.kind,
        "url": paper.link,
        "arxiv_id": paper.arxiv_id,
        "doi": paper.doi,
        "topics": [topic.name for topic in paper.topics.all()],
        "phases": [placement_dict(p) for p in paper.placements.all()],
    }


def canon_paper_dict(paper: Paper) -> dict:
    """A paper with everything the canon holds of it, so an export imports back the same."""
    item = paper_dict(paper)
    item |= {
        "tier": Tier(paper.tier).slug if paper.tier else "",
        "abstract": paper.abstract,
        "tldr": paper.tldr,
        "key_contribution": paper.key_contribution,
        "why_it_matters": paper.why_it_matters,
        "aliases": paper.aliases.splitlines(),
        "builds_on": [q.arxiv_id or q.doi or q.title for q in paper.builds_on.all()],
    }
    return item


def to_json(papers: Iterable[Paper], status_of: StatusOf | None = None) -> str:
    """A member's list (with `status_of`) as a list of papers; the canon as an object with
    the curricula its papers are placed in, their phases, and the papers."""
    if status_of is not None:
        items = [paper_dict(paper) | {"status": status_of(paper)} for paper in papers]
        return json.dumps(items, indent=2, ensure_ascii=False) + "\n"
    papers = list(papers)
    items = [canon_paper_dict(paper) for paper in papers]
    used = {p.phase.curriculum_id for paper in papers for p in paper.placements.all()}
    curricula = [
        {
            "name": curriculum.name,
            "description": curriculum.description,
            "source": curriculum.source,
            "phases": [
                {"number": phase.number, "title": phase.title, "description": phase.description}
                for phase in curriculum.phases.all()
            ],
        }
        for curriculum in Curriculum.objects.filter(pk__in=used).prefetch_related(
            Prefetch("phases", queryset=Phase.objects.order_by("number"))
        )
    ]
    data = {"version": 2, "curricula": curricula, "papers": items}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# Markdown's inline syntax in a title or a heading: backslash-escaped, which both Markdown
# and the reading-list importer read back as the character itself.
_MARKDOWN_SYNTAX = re.compile(r"([\\`*_{}\[\]#])")
# What Markdown would read as HTML: a tag (`<b>`) or a character reference (`&amp;`).
_HTML_START = re.compile(r"<|&(?=[#A-Za-z])")
# What could end a link target, start a title in it, or pair with other text on the line as
# code or math: percent-encoded, which names the same address.
_LINK_UNSAFE = re.compile(r"""[\s\x00-\x1f\x7f()<>\\`$"]""")


def markdown_text(text: str) -> str:
    """Plain text as Markdown on one line: it shows as written, never as markup."""
    text = _HTML_START.sub(lambda m: "&lt;" if m.group() == "<" else "&amp;", text)
    return _MARKDOWN_SYNTAX.sub(r"\\\1", " ".join(text.split()))


def markdown_link_target(url: str) -> str:
    """A web address as a Markdown link target; "" for anything not http(s)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return percent_encode(url, _LINK_UNSAFE)


# A reading status other than done and queued, as a marker after the item's link.
STATUS_MARKERS = {"pass1": "PASS 1", "pass2": "PASS 2", "pass3": "PASS 3", "dropped": "DROPPED"}


def to_markdown(
    papers: Iterable[Paper],
    status_of: StatusOf | None = None,
    thoughts_of: Callable[[Paper], str] | None = None,
    title: str = "Reading list",
    notes_of: Callable[[Paper], dict[str, str]] | None = None,
) -> str:
    """Topics as headings, one linked item per paper, ✔️ for read and *TO READ* for queued
    (*PASS 2*, *DROPPED*, … for the rest); under it the reader's thoughts and labelled
    notes, indented, as the Markdown importer reads them back."""
    by_topic: dict[str, list[Paper]] = {}
    for paper in papers:
        names = [t.name for t in paper.topics.all()] or ["Other"]
        by_topic.setdefault(names[0], []).append(paper)
    lines = [f"# {markdown_text(title)}", ""]
    for topic in sorted(by_topic, key=lambda name: (name == "Other", name.casefold())):
        lines += ["---", "", f"## {markdown_text(topic)}", ""]
        for paper in by_topic[topic]:
            status = status_of(paper) if status_of else ""
            mark = "✔️ " if status == "done" else ""
            year = f" ({paper.year})" if paper.year else ""
            link = markdown_link_target(paper.link)
            label = markdown_text(paper.title)
            item = f"- {mark}[{label}]({link}){year}" if link else f"- {mark}{label}{year}"
            if status == "queued":
                item += " *TO READ*"
            elif status in STATUS_MARKERS:
                item += f" *{STATUS_MARKERS[status]}*"
            lines += [item, ""]
            thoughts = thoughts_of(paper) if thoughts_of else ""
            lines += note_sections(thoughts, notes_of(paper) if notes_of else {})
    return "\n".join(lines).rstrip() + "\n"


# --- RIS and CSL-JSON, the formats reference managers (Zotero, EndNote, Pandoc) take. -----

# A venue that names a conference rather than a journal: its proceedings, or the big ML
# meetings by name.
_CONFERENCE = re.compile(
    r"\b(?:conference|proceedings|workshop|symposium|congress|neural information processing"
    r"|neurips|nips|icml|iclr|cvpr|iccv|eccv|acl|emnlp|naacl|eacl|coling|aaai|ijcai|aistats"
    r"|uai|colt|kdd|sigir|sigmod|vldb|icassp|interspeech|corl|rss|icra|iros)\b",
    re.IGNORECASE,
)


def is_preprint(paper: Paper) -> bool:
    return bool(paper.arxiv_id) and paper.venue.strip().casefold() in ("", "arxiv")


def is_conference(venue: str) -> bool:
    return bool(_CONFERENCE.search(venue))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _citation_keys(papers: list[Paper]) -> list[str]:
    """The BibTeX export's keys (`vaswani2017attention`), made unique the same way."""
    seen: dict[str, int] = {}
    keys = []
    for paper in papers:
        key = citation_key(paper)
        count = seen.get(key, 0)
        seen[key] = count + 1
        keys.append(key + "abcdefghijklmnopqrstuvwxyz"[min(count, 25)] if count else key)
    return keys


# RIS ends a value at the line's end, and rispy splits a link on `;`: both percent-encoded
# in a link, which names the same address.
_RIS_URL_UNSAFE = re.compile(r"[\s;\x00-\x1f\x7f]")
_RIS_TYPES = {"book": "BOOK", "chapter": "CHAP", "post": "BLOG", "code": "COMP"}


class _RisWriter(rispy.RisWriter):
    def set_header(self, count: int) -> str:
        return ""  # no `1.` line before each record: other readers take it for garbage


def _ris_type(paper: Paper) -> str:
    if paper.kind in _RIS_TYPES:
        return _RIS_TYPES[paper.kind]
    return "CPAPER" if is_conference(paper.venue) else "JOUR"


def ris_record(paper: Paper, key: str) -> dict:
    """A paper as rispy's record; every value on one line, so none can start a tag."""
    kind = _ris_type(paper)
    record: dict = {"type_of_reference": kind, "id": key, "title": _one_line(paper.title)}
    authors = [_one_line(name) for name in paper.author_list]
    if authors:
        record["authors"] = authors
    if paper.year:
        record["year"] = str(paper.year)
    if venue := _one_line(paper.venue):
        venue_key = {"JOUR": "journal_name", "BOOK": "publisher"}.get(kind, "secondary_title")
        record[venue_key] = venue
    if paper.doi:
        record["doi"] = paper.doi
    urls = [url for url in dict.fromkeys([paper.link, paper.arxiv_url]) if url]
    if urls:
        record["urls"] = [percent_encode(url, _RIS_URL_UNSAFE) for url in urls]
    if abstract := _one_line(paper.abstract):
        record["abstract"] = abstract
    return record


def to_ris(papers: Iterable[Paper]) -> str:
    """The papers as an RIS file; an arXiv paper's abs page is among its links."""
    papers = list(papers)
    records = [ris_record(p, key) for p, key in zip(papers, _citation_keys(papers), strict=True)]
    return rispy.dumps(records, implementation=_RisWriter)


_CSL_TYPES = {"book": "book", "chapter": "chapter", "post": "post-weblog", "code": "software"}


def _csl_type(paper: Paper) -> str:
    if paper.kind in _CSL_TYPES:
        return _CSL_TYPES[paper.kind]
    if is_preprint(paper):
        return "article"  # CSL's type for preprints
    return "paper-conference" if is_conference(paper.venue) else "article-journal"


def csl_name(name: str) -> dict:
    """`Vaswani, A.` as CSL's family and given names; a name without both parts is literal."""
    family, comma, given = name.partition(",")
    if comma and family.strip() and given.strip():
        return {"family": family.strip(), "given": given.strip()}
    return {"literal": name}


def csl_item(paper: Paper, key: str) -> dict:
    kind = _csl_type(paper)
    item: dict = {"id": key, "type": kind, "title": paper.title}
    if paper.author_list:
        item["author"] = [csl_name(name) for name in paper.author_list]
    if paper.year:
        item["issued"] = {"date-parts": [[paper.year]]}
    if paper.venue:
        item["publisher" if kind == "book" else "container-title"] = paper.venue
    if paper.doi:
        item["DOI"] = paper.doi
    if paper.link:
        item["URL"] = paper.link
    if paper.arxiv_id:  # where Zotero keeps an archive's id for an item
        item |= {"archive": "arXiv", "archive_location": paper.arxiv_id}
    if paper.abstract:
        item["abstract"] = paper.abstract
    return item


def to_csl_json(papers: Iterable[Paper]) -> str:
    """The papers as CSL-JSON, the list of items Zotero and Pandoc (citeproc) read."""
    papers = list(papers)
    items = [csl_item(p, key) for p, key in zip(papers, _citation_keys(papers), strict=True)]
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"


def attachment(body: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


FORMATS = {
    "bibtex": ("application/x-bibtex", "bib"),
    "json": ("application/json", "json"),
    "markdown": ("text/markdown", "md"),
    "ris": ("application/x-research-info-systems", "ris"),
    "csljson": ("application/vnd.citationstyles.csl+json", "json"),
}


def render_export(
    papers: Iterable[Paper],
    fmt: str,
    *,
    status_of: StatusOf | None = None,
    thoughts_of: Callable[[Paper], str] | None = None,
    notes_of: Callable[[Paper], dict[str, str]] | None = None,
    title: str = "Reading list",
) -> str:
    """The canon, or with `status_of` a member's list, in one of FORMATS."""
    if fmt == "bibtex":
        return to_bibtex(papers)
    if fmt == "json":
        return to_json(papers, status_of)
    if fmt == "markdown":
        return to_markdown(
            papers, status_of=status_of, thoughts_of=thoughts_of, title=title, notes_of=notes_of
        )
    if fmt == "ris":
        return to_ris(papers)
    if fmt == "csljson":
        return to_csl_json(papers)
    raise ValueError(f"unknown export format {fmt!r}")


def download(papers: Iterable[Paper], fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404("No such export format.")
    content_type, extension = FORMATS[fmt]
    return attachment(render_export(papers, fmt), content_type, f"canon.{extension}")
