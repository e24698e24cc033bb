"""Highwire Press `citation_*` meta tags, which Zotero's connector, Google Scholar and
other reference tools read from a paper's page.

The tag returns (name, content) pairs; the template writes them, so every value is
auto-escaped like any other text on the page.
"""

from __future__ import annotations

from django import template

from ..exports import is_conference, is_preprint
from ..models import Paper

register = template.Library()


def venue_tag(paper: Paper) -> str:
    """Which `citation_*` names the venue: a journal, a conference, a book's publisher or
    the book a chapter is in; "" when there is none to name (a preprint's "arXiv")."""
    if not paper.venue.strip() or is_preprint(paper):
        return ""
    if paper.kind == "book":
        return "citation_publisher"
    if paper.kind == "chapter":
        return "citation_inbook_title"
    if paper.kind != "paper":
        return ""
    return "citation_conference_title" if is_conference(paper.venue) else "citation_journal_title"


@register.simple_tag
def highwire_tags(paper: Paper) -> list[tuple[str, str]]:
    tags = [("citation_title", paper.title)]
    tags += [("citation_author", name) for name in paper.author_list]
    if paper.year:
        tags.append(("citation_publication_date", str(paper.year)))
    if name := venue_tag(paper):
        tags.append((name, paper.venue))
    if paper.doi:
        tags.append(("citation_doi", paper.doi))
    if paper.arxiv_id:
        tags.append(("citation_arxiv_id", paper.arxiv_id))
    if paper.pdf_url:
        tags.append(("citation_pdf_url", paper.pdf_url))
    if paper.link:
        # The paper's own landing page: this page needs a sign-in no reference tool has.
        tags.append(("citation_abstract_html_url", paper.link))
    return [(name, " ".join(content.split())) for name, content in tags]
