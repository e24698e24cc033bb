"""Every URL pattern × method × kind of visitor, against a table of expected statuses.

The patterns come from the resolver, so a new URL without a row here fails the test.
"""

import pytest
from django.db import transaction
from django.test import Client

from tests.security.conftest import ROLES
from tests.security.urls import all_patterns, url_for

# (GET, POST) status for: anonymous, outsider (member of another club), member, organizer, staff.
# 302 for anonymous is the redirect to sign-in; other 302s are the action's own redirect.
SIGNED_IN_PAGE = [(302, 302), (200, 405), (200, 405), (200, 405), (200, 405)]
CLUB_PAGE = [(302, 302), (404, 405), (200, 405), (200, 405), (404, 405)]
CLUB_FORM = [(302, 302), (404, 404), (403, 403), (200, 200), (404, 404)]
CLUB_ACTION = [(302, 302), (405, 404), (405, 403), (405, 302), (405, 404)]
# Anything a member does in their club: POST only, 404 for everyone outside it.
MEMBER_ACTION = [(302, 302), (405, 404), (405, 302), (405, 302), (405, 404)]
CANON_CURATION = [(302, 302), (403, 403), (403, 403), (403, 403), (200, 200)]
PUBLIC_FORM = [(200, 200)] * 5
PUBLIC_PAGE = [(200, 405)] * 5

EXPECTED = {
    "core:today": SIGNED_IN_PAGE,
    "core:healthz": PUBLIC_PAGE,
    # Everyone, signed in or not, is sent on to the static icon by GET only.
    "core:favicon": [(301, 405)] * 5,
    "papers:canon": SIGNED_IN_PAGE,
    "papers:curricula": SIGNED_IN_PAGE,
    "papers:curriculum": SIGNED_IN_PAGE,
    "papers:export": SIGNED_IN_PAGE,
    "papers:paper": SIGNED_IN_PAGE,
    "papers:paper-bibtex": SIGNED_IN_PAGE,
    "papers:import": CANON_CURATION,
    "papers:add": CANON_CURATION,
    "notes:list": SIGNED_IN_PAGE,
    "notes:export": SIGNED_IN_PAGE,
    # A member's own reading: any signed-in user, on their own rows only.
    "notes:preview": [(302, 302)] + [(405, 200)] * 4,
    "notes:status": [(302, 302)] + [(405, 302)] * 4,
    "notes:save": [(302, 302)] + [(405, 302)] * 4,
    # A section of my notes: a fragment for htmx; a plain GET goes to the paper page.
    "notes:section": [(302, 302)] + [(302, 405)] * 4,
    "clubs:list": SIGNED_IN_PAGE,
    "clubs:create": [(302, 302)] + [(200, 200)] * 4,
    "clubs:calendar": [(302, 302)] + [(200, 302)] * 4,
    # The feed's secret token is its access check: calendar apps cannot sign in.
    "clubs:calendar-feed": PUBLIC_PAGE,
    # An invitation link is public; joining needs it to be valid. Members are sent to the club.
    "clubs:join": [(200, 200), (200, 302), (302, 302), (302, 302), (200, 302)],
    "clubs:club": CLUB_PAGE,
    "clubs:progress": CLUB_PAGE,
    "clubs:meeting": CLUB_PAGE,
    "clubs:meeting-ics": CLUB_PAGE,
    "clubs:manage": [(302, 302), (404, 405), (403, 405), (200, 405), (404, 405)],
    "clubs:paper-search": [(302, 302), (404, 405), (403, 405), (200, 405), (404, 405)],
    "clubs:edit": CLUB_FORM,
    "clubs:meeting-new": CLUB_FORM,
    "clubs:meeting-edit": CLUB_FORM,
    "clubs:invite": CLUB_ACTION,
    "clubs:invitation-revoke": CLUB_ACTION,
    "clubs:member-role": CLUB_ACTION,
    "clubs:member-remove": CLUB_ACTION,
    "clubs:meeting-delete": CLUB_ACTION,
    "clubs:club-notifications": CLUB_FORM,
    "clubs:club-notifications-test": CLUB_ACTION,
    "clubs:notifications": [(302, 302)] + [(200, 302)] * 4,
    # The signed token is the key: a mail client unsubscribes with a bare POST (RFC 8058).
    "clubs:unsubscribe": PUBLIC_FORM,
    # The club's week. An empty POST is refused with a message (302) or shows the form's
    # errors (200); nothing changes either way (test_week.py).
    "clubs:proposals": CLUB_PAGE,
    "clubs:propose": [(302, 302), (405, 404), (405, 200), (405, 200), (405, 404)],
    "clubs:vote": MEMBER_ACTION,
    "clubs:proposal-withdraw": MEMBER_ACTION,
    "clubs:proposal-review": CLUB_ACTION,
    "clubs:voting-open": [(302, 302), (405, 404), (405, 403), (405, 200), (405, 404)],
    "clubs:voting-close": CLUB_ACTION,
    "clubs:rsvp": MEMBER_ACTION,
    "clubs:minutes": [(302, 302), (404, 404), (403, 403), (200, 302), (404, 404)],
    "clubs:meeting-comment": MEMBER_ACTION,
    "clubs:paper-comment": MEMBER_ACTION,
    "clubs:paper-discussion": CLUB_PAGE,
    # A comment is its author's (the member's here) to edit and delete; organizers hide.
    "clubs:comment-edit": [(302, 302), (404, 404), (200, 200), (403, 403), (404, 404)],
    "clubs:comment-delete": [(302, 302), (405, 404), (405, 302), (405, 403), (405, 404)],
    "clubs:comment-hide": CLUB_ACTION,
    "clubs:question-ask": MEMBER_ACTION,
    "clubs:question-vote": MEMBER_ACTION,
    # A member's own away dates: any signed-in user, on their own rows only.
    "clubs:away": [(302, 302)] + [(200, 200)] * 4,
    "clubs:away-delete": [(302, 302), (405, 404), (405, 302), (405, 404), (405, 404)],
    "clubs:leave": [(302, 302), (405, 404), (405, 302), (405, 302), (405, 404)],
    "accounts:profile": [(302, 302)] + [(200, 200)] * 4,
    "accounts:data": SIGNED_IN_PAGE,
    # A POST without the password is refused with the form again: nothing is deleted.
    "accounts:delete": [(302, 302)] + [(200, 200)] * 4,
    "password_change": [(302, 302)] + [(200, 200)] * 4,
    "password_change_done": SIGNED_IN_PAGE,
    "logout": [(302, 302)] + [(405, 302)] * 4,
    "login": [(200, 200)] + [(302, 302)] * 4,
    "password_reset": PUBLIC_FORM,
    "password_reset_done": PUBLIC_PAGE,
    "password_reset_confirm": PUBLIC_FORM,
    "password_reset_complete": PUBLIC_PAGE,
}

APP_PATTERNS = [(name, p) for name, p in all_patterns() if not name.startswith("admin:")]
ADMIN_PATTERNS = [(name, p) for name, p in all_patterns() if name.startswith("admin:")]


def request_as(world, role: str, method: str, url: str, **extra):
    """One request as `role`, rolled back afterwards so every request sees the same world."""
    with transaction.atomic():
        client = Client(**extra)
        if role != "anonymous":
            client.force_login(world.users[role])
        response = getattr(client, method)(url)
        transaction.set_rollback(True)
    return response


def test_every_url_has_an_expectation() -> None:
    missing = sorted({name for name, _ in APP_PATTERNS} - set(EXPECTED))
    assert not missing, f"URLs with no row in EXPECTED: {missing}"
    assert not set(EXPECTED) - {name for name, _ in APP_PATTERNS}, "stale rows in EXPECTED"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_url_matrix(world, name: str) -> None:
    pattern = dict(APP_PATTERNS)[name]
    url = url_for(name, pattern, world)
    assert url, f"no way to build {name}"
    actual = [
        tuple(request_as(world, role, method, url).status_code for method in ("get", "post"))
        for role in ROLES
    ]
    assert actual == EXPECTED[name], dict(zip(ROLES, actual, strict=True))


def test_anonymous_redirects_go_to_sign_in(world) -> None:
    for name, expected in EXPECTED.items():
        if expected[0][0] == 302:
            url = url_for(name, dict(APP_PATTERNS)[name], world)
            response = request_as(world, "anonymous", "get", url)
            assert response["Location"].startswith("/accounts/login/?next="), name


def test_admin_is_for_staff_only(world) -> None:
    """Every admin page: non-staff visitors are sent to the admin's sign-in."""
    checked = 0
    for name, pattern in ADMIN_PATTERNS:
        url = url_for(name, pattern, world)
        if url is None:  # needs an object id; covered through its changelist below
            continue
        if name in {"admin:login", "admin:logout"}:  # the admin's own sign-in and sign-out
            continue
        for role in ["anonymous", "outsider", "member", "organizer"]:
            response = request_as(world, role, "get", url)
            assert response.status_code == 302, (name, role)
            assert response["Location"].startswith(("/admin/login/", "/accounts/login/")), (
                name,
                role,
            )
        staff = request_as(world, "staff", "get", url)
        assert staff.status_code in {200, 302, 403, 405}, name  # 403: autocomplete without a field
        assert not staff.get("Location", "").startswith(("/admin/login/", "/accounts/login/"))
        checked += 1
    assert checked >= 15


# Exempt on purpose: mail clients POST the one-click unsubscribe with no session or
# token (RFC 8058); its URL's signed token is what authorises it, and it can only
# turn a notification off.
CSRF_EXEMPT = {"clubs:unsubscribe"}


@pytest.mark.parametrize("name", sorted(set(EXPECTED) - CSRF_EXEMPT))
def test_post_without_csrf_token_is_refused(world, name: str) -> None:
    url = url_for(name, dict(APP_PATTERNS)[name], world)
    for role in ROLES:
        response = request_as(world, role, "post", url, enforce_csrf_checks=True)
        assert response.status_code == 403, (name, role, response.status_code)
