"""What makes two mentions of a paper the same paper.

A paper is identified by its arXiv id, else its DOI, else its normalized title and
year. Reading lists spell the same identifier many ways (abs and pdf links, version
suffixes, `doi:` prefixes, resolver URLs), so every identifier passes through one of
the normalizers here before it is stored or compared. They are pure functions with no
Django imports: the importers, the models and the forms all share them.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

# New-style ids (April 2007 on): YYMM.NNNN, five digits from 2015.
_NEW_ID = r"(?P<new>\d{2}(?:0[1-9]|1[0-2])\.\d{4,5})"
# Old-style ids: archive, optional subject class, slash, YYMMNNN (`math.GT/0309136`).
_OLD_ID = r"(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.[a-z][a-z-]*)?/(?P<old>\d{7})"
_ID = rf"(?:{_NEW_ID}|{_OLD_ID})(?:v\d+)?"

_BARE_ARXIV = re.compile(rf"(?:arxiv:\s*)?{_ID}", re.IGNORECASE)
_ARXIV_URL = re.compile(
    rf"(?:https?://)?(?:[a-z]+\.)?arxiv\.org/(?:abs|pdf|html|format)/{_ID}(?:\.pdf)?/?"
    r"(?:[?#]\S*)?",
    re.IGNORECASE,
)
# arXiv registers a DataCite DOI for every paper: 10.48550/arXiv.1706.03762.
_ARXIV_DOI = re.compile(
    rf"(?:doi:\s*|(?:https?://)?(?:dx\.)?doi\.org/)?10\.48550/arxiv\.{_ID}", re.IGNORECASE
)
# For free text such as a BibTeX `journal = {arXiv preprint arXiv:2106.09685}`: only an
# explicit `arXiv:` marker or an arxiv.org link counts, never a bare number.
_ARXIV_IN_TEXT = re.compile(
    rf"(?:\barxiv:\s*|\barxiv\.org/(?:abs|pdf|html)/){_ID}(?!\d)", re.IGNORECASE
)

_DOI_PREFIX = re.compile(
    r"^(?:doi:\s*|(?:https?://)?(?:www\.|dx\.)?doi\.org/|info:doi/)", re.IGNORECASE
)
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")


def _arxiv_from_match(match: re.Match[str]) -> str:
    if new := match.group("new"):
        # Four-digit sequence numbers until December 2014, five from January 2015.
        month, sequence = new.split(".")
        return new if (len(sequence) == 5) == (month >= "1501") else ""
    # The subject class (`.GT`) is not part of the identity: arXiv's own preferred
    # form of `math.CA/0611800` is `math/0611800`.
    return f"{match.group('archive').lower()}/{match.group('old')}"


def normalize_arxiv_id(value: str) -> str:
    """The bare arXiv id in `value` (`1706.03762`, `hep-th/9901001`), or "" if none.

    The whole value must be an id or an arXiv link (with or without `arXiv:`, a version
    suffix, `abs/`, `pdf/`, `.pdf`, `www.` or `export.`), so a title that happens to
    contain digits is never mistaken for an id.
    """
    text = (value or "").strip().strip("<>").strip()
    for pattern in (_BARE_ARXIV, _ARXIV_URL, _ARXIV_DOI):
        if match := pattern.fullmatch(text):
            return _arxiv_from_match(match)
    return ""


def arxiv_id_in_text(value: str) -> str:
    """The first arXiv id marked as such (`arXiv:…` or an arxiv.org link) inside free text."""
    match = _ARXIV_IN_TEXT.search(value or "")
    return _arxiv_from_match(match) if match else ""


def normalize_doi(value: str) -> str:
    """The lower-cased DOI (`10.1038/nature24270`) in `value`, or "" if it is not one.

    Accepts `doi:` prefixes and doi.org / dx.doi.org links. DOIs are case-insensitive,
    so lower case is their canonical stored form. Trailing sentence punctuation is
    dropped because DOIs copied from prose usually carry the full stop with them.
    """
    text = (value or "").strip().strip("<>").strip()
    prefix = _DOI_PREFIX.match(text)
    if prefix:
        text = text[prefix.end() :]
        if "%" in text:
            text = unquote(text)
    text = text.rstrip(".,;").strip()
    if not _DOI.match(text):
        return ""
    return text.lower()


def normalize_title(value: str) -> str:
    """A title reduced for comparison: case, accents, punctuation and spacing ignored.

    Hyphens and apostrophes are dropped without a space so that `Pre-training` and
    `Pretraining` meet; other punctuation and symbols separate words.
    """
    text = unicodedata.normalize("NFKD", value or "").casefold()
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Mn":  # combining accents left over from NFKD
            continue
        if category == "Pd" or char in "'\u2019":
            continue
        kept.append(" " if category[0] in "PSZC" else char)
    return " ".join("".join(kept).split())


def identity_key(
    *, arxiv_id: str = "", doi: str = "", title: str = "", year: int | None = None
) -> str:
    """`arxiv:<id>`, else `doi:<doi>`, else `title:<normalized title>|<year>`."""
    if arxiv := normalize_arxiv_id(arxiv_id):
        return f"arxiv:{arxiv}"
    if normalized_doi := normalize_doi(doi):
        return f"doi:{normalized_doi}"
    return f"title:{normalize_title(title)}|{year or ''}"
