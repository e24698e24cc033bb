"""Sweeps over every page: private notes never leak, hostile strings never run, headers hold."""

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from django.test import Client

from clubs.models import Club, Comment, Invitation, Meeting, Membership, Proposal, Question, Role
from notes.models import Note, Reading
from papers.models import Paper, Phase, Topic
from tests.security.conftest import (
    COMMENT_MARKER,
    PRIVATE_MARKER,
    QUESTION_MARKER,
    ROLES,
    SHARED_MARKER,
)
from tests.security.test_url_matrix import APP_PATTERNS, EXPECTED
from tests.security.urls import url_for

GET_URLS = sorted(name for name, rows in EXPECTED.items() if any(g == 200 for g, _ in rows))
HTMX = {"HX-Request": "true"}


def pages(world, role: str):
    """(name, response) for every GET page the role can open, full and as an htmx fragment."""
    client = world.clients[role]
    for name in GET_URLS:
        url = url_for(name, dict(APP_PATTERNS)[name], world)
        for headers in ({}, HTMX):
            with transaction.atomic():
                response = client.get(url, headers=headers)
                transaction.set_rollback(True)
            if response.status_code == 200:
                yield name, response
    # The fragments that take a parameter.
    yield (
        "readiness",
        client.get(world.meeting.get_absolute_url() + "?fragment=readiness", headers=HTMX),
    )
    yield "canon-search", client.get("/papers/?q=attention", headers=HTMX)
    section = f"/reading/paper/{world.paper.pk}/notes/log/"
    for query in ("", "?edit=1"):
        yield "notes-section", client.get(section + query, headers=HTMX)
    yield (
        "paper-clubs",
        client.get(world.paper.get_absolute_url() + "?fragment=clubs", headers=HTMX),
    )
    proposals = f"/clubs/{world.club.slug}/proposals/?q=attention"
    yield "proposal-search", client.get(proposals, headers=HTMX)
    # The fragments an action answers with, for a member of the club.
    if role in {"member", "organizer"}:
        club = world.club.slug
        for url, data in [
            (f"/clubs/{club}/questions/vote/", {"meeting": world.meeting.pk, "question": "q0"}),
            (f"/clubs/{club}/meetings/{world.meeting.pk}/comments/", {"body": ""}),
            (f"/clubs/{club}/proposals/{world.proposal.pk}/vote/", {}),
            (f"/clubs/{club}/meetings/{world.meeting.pk}/rsvp/", {"answer": "maybe"}),
        ]:
            with transaction.atomic():
                response = client.post(url, data, headers=HTMX)
                transaction.set_rollback(True)
            yield url, response


@pytest.mark.parametrize("role", [r for r in ROLES if r != "organizer"])
def test_private_notes_never_reach_another_user(world, role) -> None:
    seen = 0
    for name, response in pages(world, role):
        assert PRIVATE_MARKER not in response.content.decode(errors="replace"), (role, name)
        seen += 1
    assert seen > (10 if role == "anonymous" else 30)


@pytest.mark.parametrize("role", ["member", "organizer"])
def test_a_locked_member_never_sees_the_club_logs_or_talk(world, role) -> None:
    """Below the club's pass on the paper, no page, fragment or export of theirs holds the
    club's shared log, comments or questions on it."""
    Reading.objects.filter(user=world.users[role]).update(status="queued")
    if role == "member":  # the member wrote them; the organizer's shared note is the test
        author = world.users["organizer"]
        Note.objects.filter(user=author).update(visibility="club")
        Comment.objects.update(author=author)
        Question.objects.update(author=author)
    markers = [COMMENT_MARKER, QUESTION_MARKER] + (
        [PRIVATE_MARKER] if role == "member" else [SHARED_MARKER]
    )
    seen = 0
    for name, response in pages(world, role):
        body = response.content.decode(errors="replace")
        for marker in markers:
            assert marker not in body, (role, name, marker)
        seen += 1
    assert seen > 30
    # And once they have read it, the same pages do show it: the test can fail.
    Reading.objects.filter(user=world.users[role]).update(status="pass1")
    page = world.clients[role].get(world.meeting.get_absolute_url()).content.decode()
    assert all(marker in page for marker in markers)


def test_the_author_does_see_their_private_note(world) -> None:
    page = world.clients["organizer"].get(world.paper.get_absolute_url()).content.decode()
    assert PRIVATE_MARKER in page
    weekly = world.clients["member"].get(world.meeting.get_absolute_url()).content.decode()
    assert SHARED_MARKER in weekly  # a shared note does reach the club


def test_private_notes_stay_out_of_the_admin_for_non_superusers(world, make_user) -> None:
    curator = make_user("cora", is_staff=True)
    curator.user_permissions.set(
        Permission.objects.filter(codename__in=["view_note", "change_note"])
    )
    # A member of the club: the member's shared note is theirs to see, the organizer's
    # private note is not.
    Membership.objects.create(club=world.club, user=curator, role=Role.MEMBER)
    client = Client()
    client.force_login(curator)
    page = client.get("/admin/notes/note/").content.decode()
    private = Note.objects.get(problem=PRIVATE_MARKER)
    shared = Note.objects.get(problem=SHARED_MARKER)
    assert f"/admin/notes/note/{shared.pk}/change/" in page
    assert f"/admin/notes/note/{private.pk}/change/" not in page
    assert "1 note" in page and PRIVATE_MARKER not in page
    assert client.get(f"/admin/notes/note/{private.pk}/change/").status_code == 302


HOSTILE = '<script>alert("xss")</script><img src=x onerror=alert(1)>"\'><svg onload=alert(2)>'


def plant_hostile_strings(world) -> None:
    for user in world.users.values():
        user.display_name = HOSTILE[:80]  # the field's length; still a whole script tag
        user.save()
    Paper.objects.update(
        title=HOSTILE, authors=HOSTILE, venue=HOSTILE, tldr=HOSTILE, url="javascript:alert(1)"
    )
    Topic.objects.update(name=HOSTILE)
    Phase.objects.update(title=HOSTILE, description=HOSTILE)
    Club.objects.update(name=HOSTILE, description=HOSTILE, place=HOSTILE)
    for meeting in Meeting.objects.all():
        meeting.place, meeting.agenda, meeting.outcome = HOSTILE, HOSTILE, HOSTILE
        meeting.presenter = world.users["member"]
        meeting.save()
    Invitation.objects.update(email="x@example.org")
    for comment in Comment.objects.all():
        comment.body = HOSTILE
        comment.save()
    for question in Question.objects.all():
        question.text = HOSTILE
        question.save()
    Proposal.objects.update(pitch=HOSTILE)
    Proposal.objects.create(
        meeting=world.meeting,
        candidate={"title": HOSTILE, "url": "javascript:alert(1)", "authors": HOSTILE},
        proposed_by=world.users["member"],
        review="waiting",
    )
    for note in Note.objects.all():
        for field in ["problem", "approach", "key_result", "limitation", "thoughts", "pass1"]:
            setattr(note, field, HOSTILE)
        note.render()
        note.save()


@pytest.mark.parametrize("role", ["member", "organizer", "staff"])
def test_hostile_strings_are_never_markup(world, role) -> None:
    plant_hostile_strings(world)
    seen = 0
    for name, response in pages(world, role):
        if not response["Content-Type"].startswith("text/html"):
            continue
        body = response.content.decode()
        for needle in ["<script>alert", "<img src=x onerror", "<svg onload", 'href="javascript:']:
            assert needle not in body, (role, name, needle)
        seen += 1
    assert seen > 15


def test_every_page_carries_the_security_headers(world) -> None:
    for name, response in pages(world, "organizer"):
        if not response["Content-Type"].startswith("text/html"):
            continue
        policy = response["Content-Security-Policy"]
        script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
        assert "'self'" in script_src and "unsafe" not in script_src, name
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, name
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy, name
        assert response["X-Content-Type-Options"] == "nosniff", name
        assert response["X-Frame-Options"] == "DENY", name
        assert response["Referrer-Policy"] == "same-origin", name
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", name


@pytest.mark.parametrize("role", ROLES)
def test_no_page_may_be_kept_by_a_shared_cache(world, role) -> None:
    for name, response in pages(world, role):
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives, (role, name, directives)
    # The feed that calendar apps fetch with a secret token, without signing in.
    feed = world.clients["anonymous"].get(f"/calendar/{world.feed.token}.ics")
    assert "no-store" in feed["Cache-Control"]


def test_pages_have_no_inline_script_or_style(world) -> None:
    """Inline code would be blocked by the policy, so none may be relied on."""
    import re

    for name, response in pages(world, "organizer"):
        if not response["Content-Type"].startswith("text/html"):
            continue
        body = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), name
        assert " style=" not in body and "<style" not in body, name
        assert not re.search(r"\son[a-z]+=", body), name
        assert "{#" not in body and "{%" not in body, name  # a template comment or tag shown
