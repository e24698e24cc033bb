"""Every club URL × every kind of visitor: only members see a club; only organizers change it."""

import pytest
from django.test import Client
from django.urls import reverse

from clubs.models import Club, Invitation, Meeting, Membership

ANON, OUTSIDER, MEMBER, ORGANIZER, STAFF = "anonymous", "outsider", "member", "organizer", "staff"


@pytest.fixture
def clients(alice, bob, charlie, make_user, club, other_club) -> dict[str, Client]:
    staff = make_user("sam", is_staff=True, is_superuser=True)
    clients = {ANON: Client()}
    for name, user in [(OUTSIDER, charlie), (MEMBER, bob), (ORGANIZER, alice), (STAFF, staff)]:
        clients[name] = Client()
        clients[name].force_login(user)
    return clients


def club_urls(club: Club, meeting: Meeting, invitation: Invitation, member: Membership):
    """(method, url, organizer only?) for every club URL."""
    s = club.slug
    return [
        ("get", reverse("clubs:club", args=[s]), False),
        ("get", reverse("clubs:progress", args=[s]), False),
        ("get", reverse("clubs:progress", args=[s]) + "?phase=1", False),
        ("get", reverse("clubs:meeting", args=[s, meeting.pk]), False),
        ("get", reverse("clubs:meeting", args=[s, meeting.pk]) + "?fragment=readiness", False),
        ("get", reverse("clubs:meeting-ics", args=[s, meeting.pk]), False),
        ("get", reverse("clubs:edit", args=[s]), True),
        ("post", reverse("clubs:edit", args=[s]), True),
        ("get", reverse("clubs:manage", args=[s]), True),
        ("post", reverse("clubs:invite", args=[s]), True),
        ("post", reverse("clubs:invitation-revoke", args=[s, invitation.pk]), True),
        ("post", reverse("clubs:member-role", args=[s, member.pk]), True),
        ("post", reverse("clubs:member-remove", args=[s, member.pk]), True),
        ("get", reverse("clubs:paper-search", args=[s]) + "?q=attention", True),
        ("get", reverse("clubs:meeting-new", args=[s]), True),
        ("post", reverse("clubs:meeting-new", args=[s]), True),
        ("get", reverse("clubs:meeting-edit", args=[s, meeting.pk]), True),
        ("post", reverse("clubs:meeting-edit", args=[s, meeting.pk]), True),
        ("post", reverse("clubs:meeting-delete", args=[s, meeting.pk]), True),
    ]


def expected_status(who: str, organizer_only: bool) -> set[int]:
    if who == ANON:
        return {302}
    if who in (OUTSIDER, STAFF):
        return {404}
    if who == MEMBER and organizer_only:
        return {403}
    return {200, 302}


def snapshot() -> tuple:
    return (
        list(Club.objects.values_list("name", "description")),
        list(Membership.objects.order_by("pk").values_list("pk", "role")),
        list(Meeting.objects.values_list("pk", "starts_at")),
        list(Invitation.objects.values_list("pk", "revoked")),
    )


@pytest.mark.parametrize("who", [ANON, OUTSIDER, MEMBER, STAFF, ORGANIZER])
def test_club_url_matrix(clients, who, club, meeting, bob) -> None:
    invitation = Invitation.objects.create(club=club)
    member = Membership.objects.get(club=club, user=bob)
    for method, url, organizer_only in club_urls(club, meeting, invitation, member):
        before = snapshot()
        response = getattr(clients[who], method)(url, {})
        assert response.status_code in expected_status(who, organizer_only), (who, method, url)
        if who != ORGANIZER and method == "post":
            assert snapshot() == before, (who, method, url)
        if who == ANON:
            assert response["Location"].startswith(reverse("login"))


def test_a_club_never_leaks_through_another_clubs_url(clients, club, other_club, meeting) -> None:
    """A meeting id of one club under another club's slug is 404 even for the other's organizer."""
    url = reverse("clubs:meeting", args=[other_club.slug, meeting.pk])
    assert clients[OUTSIDER].get(url).status_code == 404
    assert clients[ORGANIZER].get(url).status_code == 404


def test_club_list_shows_only_my_clubs(clients, club, other_club) -> None:
    page = clients[MEMBER].get(reverse("clubs:list")).content.decode()
    assert "Journal Club" in page and "Other Club" not in page
