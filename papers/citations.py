"""Citations in author-year style and BibTeX, for one paper or many."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

import bibtexparser
from bibtexparser.model import Entry, Field

if TYPE_CHECKING:
    from .models import Paper

ENTRY_TYPES = {
    "paper": "article",
    "book": "book",
    "chapter": "incollection",
    "post": "misc",
    "code": "misc",
}


def _join_authors(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + ", & " + names[-1]


def format_citation(paper: Paper) -> str:
    """`Vaswani, A., Shazeer, N., & Polosukhin, I. (2017). Title. Venue.` (APA-like)."""
    parts = []
    authors = _join_authors(paper.author_list)
    year = f"({paper.year})" if paper.year else "(n.d.)"
    parts.append(f"{authors} {year}." if authors else f"{year}.")
    title = paper.title.rstrip(".")
    parts.append(f"{title}.")
    if paper.venue:
        parts.append(f"{paper.venue.rstrip('.')}.")
    if paper.doi:
        parts.append(f"https://doi.org/{paper.doi}")
    elif paper.arxiv_id and "arxiv" not in paper.venue.lower():
        parts.append(f"arXiv:{paper.arxiv_id}")
    elif paper.url and not paper.arxiv_id:
        parts.append(paper.url)
    return " ".join(parts)


def _ascii_word(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


STOP_WORDS = {"a", "an", "the", "on", "of", "in", "for", "to", "and", "is", "are", "with"}


def citation_key(paper: Paper) -> str:
    """`vaswani2017attention`: first author's surname, year, first meaningful title word."""
    names = paper.author_list
    surname = _ascii_word(names[0].split(",")[0]) if names else "anon"
    words = [_ascii_word(w) for w in paper.title.split()]
    word = next((w for w in words if w and w not in STOP_WORDS), "paper")
    return f"{surname or 'anon'}{paper.year or ''}{word}"


# TeX's special characters, written so that TeX prints them and never reads a command, a
# group, a comment, math or a table cell from a title or a name. Braces become commands
# rather than `\{`, because BibTeX counts `\{` as an opening brace too.
_TEX_ESCAPES = str.maketrans(
    {
        "\\": r"\textbackslash{}",
        "{": r"\textbraceleft{}",
        "}": r"\textbraceright{}",
        "^": r"\textasciicircum{}",
        "~": r"\textasciitilde{}",
        "%": r"\%",
        "#": r"\#",
        "&": r"\&",
        "$": r"\$",
        "_": r"\_",
    }
)
# Pairs TeX would join into another character (`--` into a dash, two quotes into a curly
# quote, ?` into ¿, `,,` `<<` `>>` into quotes in T1): an empty group keeps them apart.
_LIGATURE = re.compile(r"(?<=-)(?=-)|(?<=`)(?=`)|(?<=')(?=')|(?<=[?!])(?=`)|(?<=([,<>]))(?=\1)")
# BibTeX splits a name list on the word "and"; a name holding that word is kept whole.
_AND_WORD = re.compile(r"\sand\s", re.IGNORECASE)
# What could end a braced field (`}`), open a group or start a command in a URL or DOI.
_URL_UNSAFE = re.compile(r"[{}\\\s\x00-\x1f\x7f]")


def tex_text(text: str) -> str:
    """Plain text as a BibTeX value: on one line, TeX's special characters escaped."""
    return _LIGATURE.sub("{}", " ".join(text.split()).translate(_TEX_ESCAPES))


def percent_encode(text: str, unsafe: re.Pattern[str]) -> str:
    """`text` with each character `unsafe` matches written as %XX (UTF-8); `%` left alone."""
    return unsafe.sub(lambda m: "".join(f"%{byte:02X}" for byte in m.group().encode()), text)


def bibtex_url(url: str) -> str:
    """A URL or DOI that cannot close its field or reach TeX as anything but characters."""
    return percent_encode(url.strip(), _URL_UNSAFE)


def _bibtex_name(name: str) -> str:
    text = tex_text(name)
    return f"{{{text}}}" if _AND_WORD.search(f" {text} ") or text.casefold() == "others" else text


def bibtex_entry(paper: Paper, key: str) -> Entry:
    fields = [Field("title", "{" + tex_text(paper.title) + "}")]
    if paper.author_list:
        fields.append(Field("author", " and ".join(map(_bibtex_name, paper.author_list))))
    if paper.year:
        fields.append(Field("year", str(paper.year)))
    venue = tex_text(paper.venue)
    entry_type = ENTRY_TYPES.get(paper.kind, "misc")
    if venue and entry_type == "article":
        fields.append(Field("journal", venue))
    elif venue and entry_type == "incollection":
        fields.append(Field("booktitle", venue))
    elif venue:
        fields.append(Field("publisher" if entry_type == "book" else "howpublished", venue))
    if paper.doi:
        fields.append(Field("doi", bibtex_url(paper.doi)))
    if paper.arxiv_id:
        fields += [Field("eprint", paper.arxiv_id), Field("archivePrefix", "arXiv")]
    if paper.link:
        fields.append(Field("url", bibtex_url(paper.link)))
    return Entry(entry_type, key, fields)


def to_bibtex(papers: Iterable[Paper]) -> str:
    """A .bib text for the papers, with keys made unique by a letter suffix."""
    seen: dict[str, int] = {}
    entries = []
    for paper in papers:
        key = citation_key(paper)
        count = seen.get(key, 0)
        seen[key] = count + 1
        if count:
            key += "abcdefghijklmnopqrstuvwxyz"[min(count, 25)]
        entries.append(bibtex_entry(paper, key))
    return bibtexparser.write_string(bibtexparser.Library(entries))
