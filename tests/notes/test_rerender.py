import io

from django.core.management import call_command
from django.utils import timezone

from clubs.models import Club, Meeting
from notes.markdown import RENDERER_VERSION
from notes.models import Note


def test_rerender_updates_stored_html(alice, make_paper) -> None:
    note = Note.objects.create(
        user=alice, paper=make_paper(), problem="**bold**", html={"problem": "<p>stale</p>"}
    )
    club = Club.objects.create(name="C", slug="c")
    meeting = Meeting.objects.create(club=club, starts_at=timezone.now(), agenda="*new*")
    Meeting.objects.filter(pk=meeting.pk).update(agenda_html="<p>stale</p>")
    out = io.StringIO()
    call_command("rerender_notes", stdout=out)
    note.refresh_from_db()
    meeting.refresh_from_db()
    assert note.html["problem"] == "<p><strong>bold</strong></p>"
    assert note.renderer_version == RENDERER_VERSION
    assert meeting.agenda_html == "<p><em>new</em></p>"
    assert "Re-rendered 1 notes." in out.getvalue()
