"""A plain list of arXiv ids or links, one per line.

Blank lines and `#` comments are skipped (also a comment after an id, when separated
by whitespace); anything else that is not an arXiv id or link is an error at its line,
because a typo silently dropped would be a paper silently missing. The list carries no
titles, so each record's title is the placeholder `arXiv:<id>` until the metadata is
fetched from arXiv.
"""

from __future__ import annotations

import re

from ..identity import normalize_arxiv_id
from .records import ImportFormatError, PaperRecord

_TRAILING_COMMENT = re.compile(r"\s+#.*$")


def meaningful_lines(text: str) -> list[tuple[int, str]]:
    """(line number, text) of the lines that are neither blank nor comments."""
    found = []
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = _TRAILING_COMMENT.sub("", line).strip()
        if stripped and not stripped.startswith("#"):
            found.append((number, stripped))
    return found


def parse_arxiv_list(text: str) -> list[PaperRecord]:
    """One record per id, in file order."""
    papers = []
    for number, value in meaningful_lines(text):
        arxiv_id = normalize_arxiv_id(value)
        if not arxiv_id:
            shown = value if len(value) <= 80 else value[:77] + "..."
            raise ImportFormatError(f"not an arXiv id or link: {shown!r}", line=number)
        papers.append(
            PaperRecord(
                title=f"arXiv:{arxiv_id}",
                line=number,
                url=f"https://arxiv.org/abs/{arxiv_id}",
                arxiv_id=arxiv_id,
            )
        )
    return papers
