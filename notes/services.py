"""Writes to a member's reading: status changes and note saves that never lose an edit."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.html import linebreaks

from accounts.models import User
from papers.models import Paper

from .markdown import RENDERER_VERSION, MarkdownRefused, render_markdown
from .models import STAGE_RANK, TEXT_FIELDS, Note, Reading, Status, StatusChange, stage_rank


class StaleNote(Exception):
    """The note changed since the editor loaded it; carries the saved note."""

    def __init__(self, current: Note) -> None:
        super().__init__("The note was saved elsewhere since this copy was loaded.")
        self.current = current


def set_status(
    *, user: User, paper_id: int, status: str, minutes_spent: int | None = None, when=None
) -> Reading:
    """Move my reading of a paper to `status`, and record the change in its history.

    The date a stage is first reached is kept; moving back to an earlier stage clears
    the dates of the stages after it (they are no longer true of where I am), and the
    history keeps that they happened. Two statements in one transaction: the history
    row (which reads the status before the change) and the upsert.
    Raises Paper.DoesNotExist for a paper that is not in the canon.
    """
    if status not in Status.values:
        raise ValueError(f"Unknown status {status!r}.")
    when = when or timezone.now()
    # No savepoint: inside a caller's transaction (an import) this adds no statements.
    with transaction.atomic(savepoint=False):
        _record_change(user, paper_id, status, when)
        reading = _upsert(user, paper_id, status, minutes_spent, when)
    if reading is None:
        raise Paper.DoesNotExist(paper_id)
    return reading


def _record_change(user: User, paper_id: int, status: str, when) -> None:
    """One INSERT … SELECT: a history row from my current status (none yet: "") to
    `status`, unless that is already my status or the paper is not in the canon."""
    history, readings = StatusChange._meta.db_table, Reading._meta.db_table
    at = connection.ops.adapt_datetimefield_value(when)
    sql = (
        f"INSERT INTO {history} (user_id, paper_id, from_status, to_status, at) "  # noqa: S608 -- names, not input
        f"SELECT %s, p.id, COALESCE(r.status, ''), %s, %s FROM {Paper._meta.db_table} p "
        f"LEFT JOIN {readings} r ON r.paper_id = p.id AND r.user_id = %s "
        "WHERE p.id = %s AND (r.status IS NULL OR r.status <> %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, status, at, user.pk, paper_id, status])


def _upsert(user: User, paper_id: int, status: str, minutes: int | None, when) -> Reading | None:
    """One statement whether or not I read the paper yet: an INSERT of the paper's row (none
    for a paper not in the canon) that updates my reading if there is one, returning it.

    Written out because the ORM cannot insert from a SELECT nor return an updated row, and
    a status change is the app's most frequent write. Needs PostgreSQL or SQLite 3.35+.
    """
    table, stamp = Reading._meta.db_table, f"{status}_at"  # `status` is one of the choices
    # Stages after the new one were not reached on the way here (any more); a reading that
    # moves on from "dropped" is no longer dropped. Dropping keeps the stages reached.
    cleared = []
    if status != Status.DROPPED:
        later = [name for name in STAGE_RANK if stage_rank(name) > stage_rank(status)]
        cleared = [f"{name}_at" for name in [*later, "dropped"]]
    resets = "".join(f"{name} = NULL, " for name in cleared)
    at = connection.ops.adapt_datetimefield_value(when)
    sql = (
        f"INSERT INTO {table} (user_id, paper_id, status, {stamp}, minutes_spent, updated_at) "  # noqa: S608 -- names, not input
        f"SELECT %s, id, %s, %s, %s, %s FROM {Paper._meta.db_table} WHERE id = %s "
        "ON CONFLICT (user_id, paper_id) DO UPDATE SET status = excluded.status, "
        f"{resets}{stamp} = COALESCE({table}.{stamp}, excluded.{stamp}), "
        f"minutes_spent = COALESCE(excluded.minutes_spent, {table}.minutes_spent), "
        "updated_at = excluded.updated_at RETURNING *"
    )
    params = [user.pk, status, at, minutes, at, paper_id]
    return next(iter(Reading.objects.raw(sql, params)), None)


def _note_for(user: User, paper: Paper) -> Note:
    try:
        return Note.objects.get_or_create(user=user, paper=paper)[0]
    except IntegrityError:  # created by a concurrent request a moment ago
        return Note.objects.get(user=user, paper=paper)


def save_note(
    *,
    user: User,
    paper: Paper,
    data: dict,
    version: int,
    note: Note | None = None,
    fields: tuple[str, ...] | None = None,
) -> Note:
    """Save `data`'s `fields` (all of the note's by default) over the note if nobody saved
    since `version`; else raise StaleNote.

    The check and the write are one UPDATE … WHERE version = %s, so two tabs saving
    at the same moment cannot both win. `note` is my note as already fetched, if any.
    """
    names = fields or (*TEXT_FIELDS, "implementation_url", "visibility")
    values = {name: data[name] for name in names}
    # Rendered first: text the renderer refuses (MarkdownRefused) leaves no note behind.
    rendered = {name: render_markdown(values[name]) for name in names if name in TEXT_FIELDS}
    if note is None or note.pk is None:
        note = _note_for(user, paper)
    # The other fields' HTML as loaded: if it changed since, the version check refuses.
    html = {**(note.html or {}), **rendered}
    now = timezone.now()
    updated = Note.objects.filter(pk=note.pk, version=version).update(
        **values,
        html=html,
        renderer_version=RENDERER_VERSION,
        version=F("version") + 1,
        updated_at=now,
    )
    if not updated:
        note.refresh_from_db()
        raise StaleNote(note)
    # The row now holds exactly this: no need to read it back.
    for name, value in values.items():
        setattr(note, name, value)
    note.html, note.renderer_version = html, RENDERER_VERSION
    note.version, note.updated_at = version + 1, now
    return note


def rerender_notes(batch_size: int = 500) -> int:
    """Re-render every stored note and meeting agenda (after the allowlist changes)."""
    from clubs.models import Meeting

    count = 0
    for note in Note.objects.iterator(chunk_size=batch_size):
        note.html = {name: _rerendered(getattr(note, name)) for name in TEXT_FIELDS}
        note.renderer_version = RENDERER_VERSION
        note.save(update_fields=["html", "renderer_version"])
        count += 1
    for meeting in Meeting.objects.iterator(chunk_size=batch_size):
        Meeting.objects.filter(pk=meeting.pk).update(
            agenda_html=_rerendered(meeting.agenda), outcome_html=_rerendered(meeting.outcome)
        )
    return count


def _rerendered(text: str) -> str:
    """Stored Markdown rendered again. Text saved before the renderer refused its kind is
    shown as plain, escaped paragraphs, and the run goes on."""
    try:
        return render_markdown(text)
    except MarkdownRefused:
        return linebreaks(text, autoescape=True)


def record_imported_reading(
    *, user: User, paper: Paper, status: str, thoughts: str, notes: dict[str, str] | None = None
) -> int:
    """Apply a list's status, blurb and labelled notes without undoing progress or
    overwriting a note: only empty note fields are filled.

    Returns 1 when the status changed, else 0.
    """
    changed = 0
    if status:
        current = Reading.objects.filter(user=user, paper=paper).first()
        if current is None or stage_rank(status) > current.rank:
            set_status(user=user, paper_id=paper.pk, status=status)
            changed = 1
    texts = {name: value.strip() for name, value in (notes or {}).items() if value.strip()}
    link = texts.get("implementation_url", "")
    if not link.lower().startswith(("http://", "https://")) or len(link) > 500 or "\n" in link:
        texts.pop("implementation_url", None)  # what the note form would refuse
    if thoughts.strip():
        texts["thoughts"] = thoughts.strip()
    if texts:
        note = _note_for(user, paper)
        empty = {name: text for name, text in texts.items() if not getattr(note, name).strip()}
        if empty:
            for name, text in empty.items():
                setattr(note, name, text)
            note.render()
            note.version += 1
            note.save()
    return changed
