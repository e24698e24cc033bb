"""A personal reading list in Markdown: headings for categories, one link per paper.

The shape (see `reading-list-blog.md` in the seeds)::

    ## Category
    A line or two about the category.

    - ✔️ [Title](https://arxiv.org/abs/1706.03762) (2017)

    The reader's own paragraph about the paper.

    - [Another title](https://…) (2023) *TO READ*

Decisions, each because real lists do it:

- YAML front matter (`---` … `---` at the top) is skipped; `---` rules elsewhere only
  end the current blurb. `# Title` (level 1) is the document's title and is ignored;
  every `##`-or-deeper heading names the topic of the items after it.
- An item is a list line whose text, after an optional read mark, starts with `[`.
  Read marks: ✔️ / ✔ / ✅ / `[x]` mean "done"; "TO READ" after the link, or alone as
  the paragraph after the item (`*TO READ*`), means "queued". A done mark wins.
- Tolerated: no year, no space before the year, spaces inside the link's parentheses,
  a link wrapped over several lines (up to ten more). A list line starting a link that
  is never closed is an error at that line. List lines without a link are ordinary text
  (part of a blurb), unless they carry a read mark, which only items do (an error again).
- The paragraphs after an item, up to the next item, heading or rule, are its blurb,
  kept as Markdown. When several items sit on adjacent lines with no blank line
  between them, the paragraph after them describes the group ("This pair of papers…"),
  so every item of the group gets it. A paragraph that is only a marker
  (`*TO READ*`, `*TO WRITE*`) is a marker, not a blurb: `*TO WRITE*` means the reader
  has not written one yet.
- Text between a heading and its first item describes the category and is not kept.
- Our own exports add what a blog list has no words for, in ways a blog list never
  trips over: a status marker after the link for a paper in progress or dropped
  (`*PASS 1*`, `*PASS 2*`, `*PASS 3*`, `*DROPPED*`), and under the item, indented by
  four spaces (so that in Markdown it belongs to the item, and no line of a note can
  pass for an item, heading or rule here), the reader's thoughts and then their
  labelled notes: a paragraph starting `**Problem.**`, `**Approach.**`, … (see
  NOTE_SECTIONS) starts that note, up to the next label. A note's own paragraph that
  starts like a label is written with a backslash before it, which reading removes.
  Blurbs are dedented, so an indented blurb reads as an unindented one.
- Links to anything count, not just papers ("Other resources" sections list blog
  posts and documentation): the kind is guessed from the URL (GitHub → code, a
  `/book/` path → book, a blog host or path → post, else paper), and the arXiv id or
  DOI is taken from arXiv and doi.org links.
"""

from __future__ import annotations

import html
import re
import textwrap

from ..identity import normalize_arxiv_id, normalize_doi
from .citation import kind_from_url
from .records import ImportFormatError, PaperRecord

_FRONT_MATTER_END = ("---", "...")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_RULE = re.compile(r"^\s{0,3}(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,})$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_LIST_ITEM = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,3}[.)])\s+(?P<content>.*)$")
_DONE_MARK = re.compile(r"^(?:[\u2713\u2714\u2611]\ufe0f?|\u2705|\[[xX]\])\s*")
_TODO_BOX = re.compile(r"^\[ \]\s*")
_LINK = re.compile(
    r"""^\[(?P<title>(?:[^\[\]\\]|\\.|\[[^\[\]]*\])+)\]
    \(\s*<?(?P<url>(?:[^()\s<>]|\([^()\s]*\))*)>?(?:\s+"[^"]*")?\s*\)""",
    re.VERBOSE,
)
_YEAR = re.compile(r"\(\s*((?:1[89]|20)\d{2})\s*\)")
_QUEUED = re.compile(r"(?<![a-z])to[ -]read(?![a-z])", re.IGNORECASE)
_MARKER_LINE = re.compile(
    r"^[*_]{0,2}\s*(?P<word>to[ -]read|to[ -]write)\s*[*_]{0,2}$", re.IGNORECASE
)
_STATUS_MARKER = re.compile(r"[*_]{1,2}\s*(pass\s*[123]|dropped)\s*[*_]{1,2}", re.IGNORECASE)
# A line indented this much is a note's text (or code): never an item, heading or marker.
NOTE_INDENT = "    "
# The labelled notes under an item, by the note field each becomes, in the order written.
NOTE_SECTIONS = {
    "problem": "Problem",
    "approach": "Approach",
    "key_result": "Key result",
    "limitation": "Limitation or open question",
    "pass1": "Pass 1 notes",
    "pass2": "Pass 2 notes",
    "pass3": "Pass 3 notes",
    "implementation_url": "My implementation",
}
_FIELD_OF_LABEL = {label.casefold(): name for name, label in NOTE_SECTIONS.items()}
_LABELS = "|".join(re.escape(label) for label in NOTE_SECTIONS.values())
_LABEL_LINE = re.compile(
    rf"^(?P<escapes>\\*)\*\*(?P<label>{_LABELS})\.\*\*(?: (?P<rest>.*))?$", re.IGNORECASE
)
# How many lines a link may wrap over after its item's line.
_WRAPPED_LINES = 10
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|])")


def note_sections(thoughts: str, notes: dict[str, str]) -> list[str]:
    """The lines under an item for the reader's thoughts and labelled notes, indented."""
    lines: list[str] = []

    def paragraph_lines(text: str, label: str = "") -> None:
        start = True
        for number, line in enumerate(text.strip().splitlines()):
            if number == 0 and label:
                line = f"**{label}.** {line}" if line else f"**{label}.**"
            elif start and _LABEL_LINE.match(line):
                line = "\\" + line  # a note's own text, not a label: read back as written
            lines.append(f"{NOTE_INDENT}{line}" if line.strip() else "")
            start = not line.strip()
        lines.append("")

    if thoughts.strip():
        paragraph_lines(thoughts)
    for name, label in NOTE_SECTIONS.items():
        if (notes.get(name) or "").strip():
            paragraph_lines(notes[name], label)
    return lines


def split_sections(blurb: list[str]) -> tuple[str, dict[str, str]]:
    """A blurb's lines as the free text before the first label, and the labelled notes."""
    text = textwrap.dedent("\n".join(blurb)).split("\n")
    free: list[str] = []
    notes: dict[str, list[str]] = {}
    current = free
    for number, line in enumerate(text):
        starts_paragraph = number == 0 or not text[number - 1].strip()
        label = _LABEL_LINE.match(line) if starts_paragraph else None
        if label and not label.group("escapes"):
            current = notes.setdefault(_FIELD_OF_LABEL[label.group("label").casefold()], [])
            line = label.group("rest") or ""
        elif label:
            line = line[1:]
        current.append(line)
    sections = {name: "\n".join(lines).strip() for name, lines in notes.items()}
    blurb_text = re.sub(r"\n{3,}", "\n\n", "\n".join(free).strip())
    return blurb_text, {name: value for name, value in sections.items() if value}


def skip_front_matter(lines: list[str]) -> int:
    """Index of the first line after YAML front matter (0 when there is none)."""
    if not lines or lines[0].strip() != "---":
        return 0
    for index in range(1, len(lines)):
        if lines[index].strip() in _FRONT_MATTER_END:
            return index + 1
    return 0  # never closed: it was a rule, not front matter


_FRONT_MATTER_TITLE = re.compile(r"""^title\s*:\s*(?P<quote>["']?)(?P<title>.*?)(?P=quote)\s*$""")


def front_matter_title(lines: list[str]) -> str:
    """The `title:` of the YAML front matter, unquoted ("" when there is none)."""
    for line in lines[1 : skip_front_matter(lines)]:
        if match := _FRONT_MATTER_TITLE.match(line.strip()):
            return " ".join(match.group("title").split())
    return ""


def _clean_inline(text: str) -> str:
    """A title or heading as its reader sees it: emphasis around the whole of it dropped,
    backslash escapes and character references (`&amp;`, `&lt;`) read as the character."""
    text = " ".join(text.split())
    for mark in ("**", "__", "*", "_"):
        if len(text) > 2 * len(mark) and text.startswith(mark) and text.endswith(mark):
            text = text[len(mark) : -len(mark)].strip()
    return html.unescape(_ESCAPE.sub(r"\1", text))


class _Reader:
    """Walks the lines once, keeping the open group of items waiting for their blurb."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.papers: list[PaperRecord] = []
        self.topic = ""
        self.group: list[PaperRecord] = []
        self.blurb: list[str] = []
        self.previous_was_item = False

    def close_group(self) -> None:
        text, notes = split_sections(self.blurb)
        for paper in self.group:
            paper.blurb, paper.notes = text, dict(notes)
        self.group, self.blurb = [], []

    def text_line(self, line: str) -> None:
        if not self.group:
            return  # a category's description, or the list's introduction
        marker = None if line.startswith(NOTE_INDENT) else _MARKER_LINE.match(line.strip())
        if marker:
            if marker.group("word").lower().replace("-", " ") == "to read":
                for paper in self.group:
                    paper.read_state = paper.read_state or "queued"
            return
        # A note's lines keep their trailing spaces (a hard line break in Markdown).
        self.blurb.append(line.rstrip("\r") if line.startswith(NOTE_INDENT) else line.rstrip())

    def item(self, number: int, content: str, start: int) -> int:
        """Read the item on line `number`; returns the index of the next unread line."""
        done = False
        if match := _DONE_MARK.match(content):
            done, content = True, content[match.end() :]
        elif match := _TODO_BOX.match(content):
            content = content[match.end() :]
        if not content.startswith("["):
            if done:
                raise ImportFormatError("expected a [Title](link) after the read mark", line=number)
            self.text_line(self.lines[start - 1])
            return start
        link = _LINK.match(content)
        following = start
        # A long title may wrap: join the next lines until the link closes or the text ends,
        # over a few lines at most (each try reads the joined text again).
        last = min(len(self.lines), start + _WRAPPED_LINES)
        while link is None and following < last:
            extra = self.lines[following]
            if not extra.strip() or _LIST_ITEM.match(extra) or _HEADING.match(extra):
                break
            content = f"{content} {extra.strip()}"
            following += 1
            link = _LINK.match(content)
        if link is None:
            raise ImportFormatError(
                "this list item starts a link that is not closed; expected [Title](link)",
                line=number,
            )
        title = _clean_inline(link.group("title"))
        if not title:
            raise ImportFormatError("the link on this list item has no title", line=number)
        rest = content[link.end() :]
        url = link.group("url").strip()
        year = _YEAR.search(rest)
        if any(mark in rest for mark in "\u2713\u2714\u2611\u2705"):
            done = True
        read_state = "done" if done else "queued" if _QUEUED.search(rest) else ""
        if not done and (status := _STATUS_MARKER.search(rest)):
            read_state = re.sub(r"\s+", "", status.group(1)).lower()
        paper = PaperRecord(
            title=title,
            line=number,
            year=int(year.group(1)) if year else None,
            kind=kind_from_url(url),
            url=url,
            arxiv_id=normalize_arxiv_id(url),
            doi=normalize_doi(url),
            topics=[self.topic] if self.topic else [],
            read_state=read_state,
        )
        if not self.previous_was_item:
            self.close_group()
        self.group.append(paper)
        self.papers.append(paper)
        return following

    def read(self) -> list[PaperRecord]:
        index = skip_front_matter(self.lines)
        fenced = False
        while index < len(self.lines):
            line = self.lines[index]
            number = index + 1
            index += 1
            if _FENCE.match(line):
                fenced = not fenced
            if fenced or _FENCE.match(line):
                self.text_line(line)
                self.previous_was_item = False
                continue
            if heading := _HEADING.match(line):
                self.close_group()
                if len(heading.group(1)) >= 2:
                    self.topic = _clean_inline(heading.group(2))
                self.previous_was_item = False
            elif _RULE.match(line):
                self.close_group()
                self.previous_was_item = False
            elif item := _LIST_ITEM.match(line):
                before = len(self.papers)
                index = self.item(number, item.group("content").strip(), index)
                self.previous_was_item = len(self.papers) > before
            else:
                if line.strip():
                    self.text_line(line)
                elif self.blurb:
                    self.blurb.append("")
                self.previous_was_item = False
        self.close_group()
        return self.papers


def parse_markdown(text: str) -> list[PaperRecord]:
    """The papers of a Markdown reading list, in the order they appear."""
    return _Reader(text.split("\n")).read()
