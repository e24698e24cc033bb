"""BibTeX (`.bib`) files, read with bibtexparser rather than our own grammar.

Decisions:

- Titles, names and venues are LaTeX-decoded (`{\\"u}` → ü, `{BERT}` → BERT) with
  bibtexparser's decoder (pylatexenc), applied to those fields only, which also reads the
  escapes our own export writes (`\\textbackslash{}`, `\\textbraceleft{}`, `\\%`, …) back
  into the characters they stand for. URLs and DOIs are taken as written, because LaTeX
  decoding would read `%` in a URL as a comment; only the `%7B`, `%7D` and `%5C` our
  export puts in a DOI are turned back into `{`, `}` and `\\`.
- Authors are split on BibTeX's ` and ` (braces respected) and kept in the order and
  form written ("Vaswani, Ashish" or "Ashish Vaswani"); `and others` is dropped.
- The arXiv id comes from `eprint` (unless `archivePrefix` names another archive), a
  `journal` such as "arXiv preprint arXiv:2106.09685", DBLP's `journal = {CoRR}` with
  `volume = {abs/…}`, an arxiv.org `url`, or arXiv's own `10.48550/arXiv.…` DOI.
- Entry types give the kind: book → book, inbook / incollection → chapter,
  software → code; `misc` and `online` entries are judged by their link (GitHub →
  code, a blog → post); everything else is a paper.
- A block bibtexparser cannot parse, or an entry without a title, is an error at the
  entry's line; a missing comma between fields (which bibtexparser would fold into
  the previous value) is an error at that field's line. A repeated citation key is
  not: concatenated `.bib` files repeat keys, and the duplicate is read like any
  other entry (and merged if it is the same paper).
"""

from __future__ import annotations

import functools
import re

import bibtexparser
from bibtexparser.exceptions import BlockAbortedException
from bibtexparser.library import Library
from bibtexparser.middlewares.names import split_multiple_persons_names
from bibtexparser.model import Block, DuplicateBlockKeyBlock, Entry, ParsingFailedBlock
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from ..identity import arxiv_id_in_text, normalize_arxiv_id, normalize_doi
from .citation import kind_from_url
from .records import ImportFormatError, PaperRecord


def _decoder() -> LatexNodes2Text:
    """bibtexparser's LaTeX decoder, knowing also how our export escapes TeX's specials."""
    context = get_default_latex_context_db()
    context.add_context_category(
        "reading-group-export",
        prepend=True,
        macros=[
            MacroTextSpec("url", simplify_repl="%s"),  # the URL, not `<URL>`
            MacroTextSpec("textbackslash", "\\"),
            MacroTextSpec("textbraceleft", "{"),
            MacroTextSpec("textbraceright", "}"),
            MacroTextSpec("textasciicircum", "^"),
            MacroTextSpec("textasciitilde", "~"),
            MacroTextSpec("_", "_"),
        ],
    )
    return LatexNodes2Text(latex_context=context, keep_braced_groups=False, math_mode="verbatim")


_DECODER = _decoder()
# What `papers.citations.bibtex_url` percent-encodes in a DOI that can hold it (`{`, `}`, `\`).
_DOI_ESCAPE = re.compile(r"%(7B|7D|5C)", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:1[89]|20)\d{2}\b")
_URL_MACRO = re.compile(r"\\url\{([^{}]+)\}")
_KIND_BY_TYPE = {
    "book": "book",
    "booklet": "book",
    "inbook": "chapter",
    "incollection": "chapter",
    "software": "code",
}
_LINK_JUDGED_TYPES = ("misc", "online", "electronic", "www")
# bibtexparser reads `title = {A}⏎ author = {B}` (comma missing) as one title value.
_MISSING_COMMA = re.compile(r"[}\"]\s*\n\s*[a-z][\w-]*\s*=\s*[{\"\d]", re.IGNORECASE)


def _plain(value: str) -> str:
    """LaTeX-decoded text on one line; braces stripped by hand if decoding fails."""
    try:
        decoded = _DECODER.latex_to_text(value)
    except Exception:  # pylatexenc raises its own and plain errors alike on broken TeX
        decoded = value.replace("{", "").replace("}", "")
    return " ".join(decoded.split())


@functools.lru_cache(maxsize=4096)
def _remembered(value: str) -> str:
    return _plain(value)


def _decoded(value: str) -> str:
    """`_plain`, remembered for short values: names and venues repeat across a file, and
    decoding is most of the time a large file takes to read."""
    return _remembered(value) if len(value) <= 200 else _plain(value)


def _doi(value: str) -> str:
    """The DOI as written, with the braces and backslashes our export percent-encodes back."""
    return _DOI_ESCAPE.sub(lambda m: bytes.fromhex(m.group(1)).decode(), value)


def _line(block: Block) -> int | None:
    return block.start_line + 1 if block.start_line is not None else None


def _arxiv_id(fields: dict[str, str]) -> str:
    archive = (fields.get("archiveprefix") or fields.get("eprinttype") or "arxiv").casefold()
    if archive == "arxiv" and (found := normalize_arxiv_id(fields.get("eprint", ""))):
        return found
    journal = fields.get("journal") or fields.get("journaltitle") or ""
    if found := arxiv_id_in_text(journal):
        return found
    # DBLP writes arXiv papers as journal = {CoRR}, volume = {abs/1706.03762}.
    volume = fields.get("volume", "")
    is_corr = journal.strip("{} ").casefold() == "corr" and volume.startswith("abs/")
    if is_corr and (found := normalize_arxiv_id(volume.removeprefix("abs/"))):
        return found
    return normalize_arxiv_id(fields.get("url", "")) or normalize_arxiv_id(fields.get("doi", ""))


def _venue(entry_type: str, fields: dict[str, str], arxiv_id: str) -> str:
    venue = fields.get("journal") or fields.get("journaltitle") or fields.get("booktitle") or ""
    if not venue and entry_type == "book":
        venue = fields.get("publisher", "")
    howpublished = fields.get("howpublished", "")
    if not venue and howpublished and not _URL_MACRO.search(howpublished):
        venue = howpublished
    venue = _decoded(venue)
    lowered = venue.casefold()
    if arxiv_id and (not venue or "arxiv" in lowered or lowered == "corr"):
        return "arXiv"
    return venue


def _record(entry: Entry, line: int | None) -> PaperRecord:
    for field in entry.fields:
        if isinstance(field.value, str) and _MISSING_COMMA.search(field.value):
            raise ImportFormatError(
                f"a comma is missing after the {field.key!r} field of {entry.key!r}",
                line=field.start_line + 1 if field.start_line is not None else line,
            )
    fields = {key.casefold(): str(value).strip() for key, value in entry.items()}
    title = _plain(fields.get("title", ""))
    if not title:
        raise ImportFormatError(f"the entry {entry.key!r} has no title", line=line)
    entry_type = entry.entry_type.casefold()
    authors = [
        _decoded(name)
        for name in split_multiple_persons_names(fields.get("author", ""))
        if name.strip().casefold() != "others"
    ]
    year = _YEAR.search(fields.get("year") or fields.get("date") or "")
    url = fields.get("url", "")
    if not url and (macro := _URL_MACRO.search(fields.get("howpublished", ""))):
        url = macro.group(1).strip()
    if entry_type in _LINK_JUDGED_TYPES:
        kind = kind_from_url(url) if url else "paper"
    else:
        kind = _KIND_BY_TYPE.get(entry_type, "paper")
    arxiv_id = _arxiv_id(fields)
    return PaperRecord(
        title=title,
        line=line or 0,
        authors=[name for name in authors if name],
        year=int(year.group()) if year else None,
        venue=_venue(entry_type, fields, arxiv_id),
        kind=kind,
        url=url,
        arxiv_id=arxiv_id,
        doi=normalize_doi(_doi(fields.get("doi", ""))),
        abstract=_decoded(fields.get("abstract", "")),
    )


def _failure(block: ParsingFailedBlock) -> ImportFormatError:
    error = block.error
    if isinstance(error, BlockAbortedException):
        reason = " ".join(error.abort_reason.split())
        message = f"this BibTeX entry could not be read ({reason})"
    else:
        message = f"this BibTeX entry could not be read ({error})"
    return ImportFormatError(message, line=_line(block))


def _reread(library: Library, raw: str) -> list[Entry]:
    """A duplicate-key entry on its own: bibtexparser hands it over unprocessed."""
    strings = "\n".join(string.raw or "" for string in library.strings)
    return bibtexparser.parse_string(f"{strings}\n{raw}").entries


def parse_bibtex(text: str) -> list[PaperRecord]:
    """The entries of a BibTeX file as records, in file order."""
    library = bibtexparser.parse_string(text)
    papers = []
    for block in library.blocks:
        if isinstance(block, DuplicateBlockKeyBlock) and block.raw:
            papers += [_record(entry, _line(block)) for entry in _reread(library, block.raw)]
        elif isinstance(block, ParsingFailedBlock):
            raise _failure(block)
        elif isinstance(block, Entry):
            papers.append(_record(block, _line(block)))
    return papers
