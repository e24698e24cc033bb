"""The paper page's notebook: my note shown rendered, one section per pass and the paper
log, each edited in place. The sections' order is the one order every view of a note
uses (the page, the editor, the preview)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms

from .forms import PROMPTS, NoteForm
from .models import Note, Reading, Status


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    hint: str
    fields: tuple[str, ...]


SECTIONS = [
    Section("pass1", "Pass 1", "Abstract, figures, conclusion", ("pass1",)),
    Section("pass2", "Pass 2", "Introduction, method, experiments", ("pass2",)),
    Section("pass3", "Pass 3", "Implementing it", ("pass3", "implementation_url")),
    Section(
        "log", "Paper log", "3–5 sentences", ("problem", "approach", "key_result", "limitation")
    ),
    Section("thoughts", "Thoughts", "How it connects, what to try next", ("thoughts",)),
]
BY_KEY = {section.key: section for section in SECTIONS}
# The visibility radio saves like a section with nothing to show.
SHARING = Section("sharing", "Who can read these notes", "", ("visibility",))
SAVABLE = {**BY_KEY, SHARING.key: SHARING}
# The section a reading at each status is writing; the others stay one click away.
CURRENT = {
    "": "pass1",
    Status.QUEUED: "pass1",
    Status.PASS1: "pass1",
    Status.PASS2: "pass2",
    Status.PASS3: "pass3",
    Status.DONE: "log",
    Status.DROPPED: "thoughts",
}


def section_form(section: Section, *args, **kwargs) -> NoteForm:
    """The note form for one section's fields (and the version)."""
    form_class = forms.modelform_factory(Note, form=NoteForm, fields=section.fields)
    return form_class(*args, **kwargs)


@dataclass
class SectionView:
    """What the template needs to show one section, rendered or open in its editor."""

    section: Section
    note: Note
    current: bool = False
    form: NoteForm | None = None  # set when the editor is open
    conflict: list[dict] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.section.key

    @property
    def editing(self) -> bool:
        return self.form is not None

    @property
    def written(self) -> bool:
        return any(getattr(self.note, name).strip() for name in self.section.fields)

    @property
    def rendered(self) -> list[tuple[str, str]]:
        """(label, stored sanitized HTML) of each written text field, in order."""
        html = self.note.html or {}
        return [
            (str(Note._meta.get_field(name).verbose_name), html.get(name, ""))
            for name in self.section.fields
            if name != "implementation_url" and html.get(name)
        ]

    @property
    def prompt(self) -> str:
        return PROMPTS.get(self.section.fields[0], "")


def notebook(
    note: Note, reading: Reading | None, *, edit: str = "", form=None, conflict=None
) -> list[SectionView]:
    """Every section of my note; the current pass's opens in its editor when it is empty,
    and `edit` opens another (with `form` and `conflict` after a refused save)."""
    current = CURRENT[reading.status if reading else ""]
    views = []
    for section in SECTIONS:
        view = SectionView(section, note, current=section.key == current)
        if section.key == edit:
            view.form = form or section_form(section, instance=note)
            view.conflict = conflict or []
        elif view.current and not view.written and not edit:
            view.form = section_form(section, instance=note)
        views.append(view)
    return views


def sharing_form(note: Note) -> NoteForm:
    return section_form(SHARING, instance=note)
