"""The canon (or a member's list) as BibTeX, JSON or Markdown.

Whatever a title, name, topic or URL holds, it is written so that it cannot end the
field, link or line it sits in and reads back through our importers as itself: BibTeX
values through `citations.tex_text` and `citations.bibtex_url`, Markdown through
`markdown_text` and `markdown_link_target`; JSON is escaped by the encoder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from django.http import Http404, HttpResponse

from .citations import percent_encode, to_bibtex
from .models import Paper, Tier

# A member's reading status of a paper, as the notes app reports it ("done", "queued", ...).
StatusOf = Callable[[Paper], str]


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
        "phases": [
            {"number": p.phase.number, "title": p.phase.title, "tier": Tier(p.tier).slug}
            for p in paper.placements.all()
        ],
    }


def to_json(papers: Iterable[Paper], status_of: StatusOf | None = None) -> str:
    items = []
    for paper in papers:
        item = paper_dict(paper)
        if status_of is not None:
            item["status"] = status_of(paper)
        items.append(item)
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"


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


def to_markdown(
    papers: Iterable[Paper],
    status_of: StatusOf | None = None,
    thoughts_of: Callable[[Paper], str] | None = None,
    title: str = "Reading list",
) -> str:
    """Topics as headings, one linked item per paper, ✔️ for read and *TO READ* for queued."""
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
            lines += [item, ""]
            thoughts = thoughts_of(paper).strip() if thoughts_of else ""
            if thoughts:
                lines += [thoughts, ""]
    return "\n".join(lines).rstrip() + "\n"


def attachment(body: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


FORMATS = {
    "bibtex": ("application/x-bibtex", "bib"),
    "json": ("application/json", "json"),
    "markdown": ("text/markdown", "md"),
}


def render_export(
    papers: Iterable[Paper],
    fmt: str,
    *,
    status_of: StatusOf | None = None,
    thoughts_of: Callable[[Paper], str] | None = None,
    title: str = "Reading list",
) -> str:
    """The canon, or with `status_of` a member's list, in one of FORMATS."""
    if fmt == "bibtex":
        return to_bibtex(papers)
    if fmt == "json":
        return to_json(papers, status_of)
    if fmt == "markdown":
        return to_markdown(papers, status_of=status_of, thoughts_of=thoughts_of, title=title)
    raise ValueError(f"unknown export format {fmt!r}")


def download(papers: Iterable[Paper], fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404("No such export format.")
    content_type, extension = FORMATS[fmt]
    return attachment(render_export(papers, fmt), content_type, f"canon.{extension}")
