"""Staff who are not superusers administer only the clubs they organize, and see only
their clubs' readings."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone

from clubs.models import CalendarFeed, Club, Invitation, Meeting, Membership, Role
from notes.models import Reading

PERMISSIONS = [
    f"{action}_{model}"
    for action in ("view", "change", "add", "delete")
    for model in ("club", "meeting", "invitation", "membership", "reading")
]


@pytest.fixture
def curator(make_user, club, other_club, alice):
    """Cora: staff, organizer of the journal club, a plain member of a third club."""
    cora = make_user("cora", is_staff=True)
    cora.user_permissions.set(Permission.objects.filter(codename__in=PERMISSIONS))
    Membership.objects.create(club=club, user=cora, role=Role.ORGANIZER)
    third = Club.objects.create(name="Third Club", slug="third-club")
    Membership.objects.create(club=third, user=cora, role=Role.MEMBER)
    Membership.objects.create(club=third, user=alice, role=Role.ORGANIZER)
    return cora


@pytest.fixture
def curator_client(curator) -> Client:
    client = Client()
    client.force_login(curator)
    return client


def test_club_lists_hold_only_organized_clubs(curator_client, club, other_club) -> None:
    page = curator_client.get("/admin/clubs/club/").content.decode()
    assert "Journal Club" in page
    assert "Other Club" not in page
    assert "Third Club" not in page  # a member there, not an organizer
    forbidden = curator_client.get(f"/admin/clubs/club/{other_club.pk}/change/")
    assert forbidden.status_code == 302  # the admin's "no such object"
    assert curator_client.get(f"/admin/clubs/club/{club.pk}/change/").status_code == 200


def test_other_clubs_invitation_tokens_stay_hidden(curator_client, club, other_club) -> None:
    mine = Invitation.objects.create(club=club, multi_use=True)
    theirs = Invitation.objects.create(club=other_club, multi_use=True)
    page = curator_client.get("/admin/clubs/invitation/").content.decode()
    assert f"/admin/clubs/invitation/{mine.pk}/change/" in page
    assert f"/admin/clubs/invitation/{theirs.pk}/change/" not in page
    assert "Other Club" not in page  # nor in the club filter
    response = curator_client.get(f"/admin/clubs/invitation/{theirs.pk}/change/")
    assert response.status_code == 302
    assert theirs.token not in response.content.decode()


def test_meetings_of_other_clubs_cannot_be_seen_or_made(curator_client, club, other_club):
    theirs = Meeting.objects.create(club=other_club, starts_at=timezone.now() + timedelta(days=1))
    page = curator_client.get("/admin/clubs/meeting/").content.decode()
    assert f"/admin/clubs/meeting/{theirs.pk}/change/" not in page
    form = curator_client.get("/admin/clubs/meeting/add/").content.decode()
    assert "Journal Club" in form and "Other Club" not in form
    starts = timezone.now() + timedelta(days=5)
    response = curator_client.post(
        "/admin/clubs/meeting/add/",
        {
            "club": other_club.pk,
            "starts_at_0": starts.strftime("%Y-%m-%d"),
            "starts_at_1": "18:00:00",
            "duration_minutes": 60,
            "minimum_pass": "pass1",
        },
    )
    assert response.status_code == 200  # the form again, with the club refused
    assert "Select a valid choice" in response.content.decode()
    assert Meeting.objects.filter(club=other_club).count() == 1


def test_only_superusers_add_clubs_in_the_admin(curator_client, make_user) -> None:
    assert curator_client.get("/admin/clubs/club/add/").status_code == 403
    boss = make_user("boss", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(boss)
    assert client.get("/admin/clubs/club/add/").status_code == 200
    assert "Other Club" in client.get("/admin/clubs/club/").content.decode()


def test_readings_of_strangers_stay_hidden(curator, curator_client, alice, charlie, make_paper):
    paper = make_paper("Deep Residual Learning")
    own = Reading.objects.create(user=curator, paper=paper, status="pass1")
    fellow = Reading.objects.create(user=alice, paper=paper, status="done")
    stranger = Reading.objects.create(user=charlie, paper=paper, status="pass2")
    page = curator_client.get("/admin/notes/reading/").content.decode()
    assert f"/admin/notes/reading/{own.pk}/change/" in page
    assert f"/admin/notes/reading/{fellow.pk}/change/" in page
    assert f"/admin/notes/reading/{stranger.pk}/change/" not in page
    assert "1 reading" not in page and "2 readings" in page  # listed once, though two clubs
    # A fellow member's reading can be looked at, not changed.
    response = curator_client.post(
        f"/admin/notes/reading/{fellow.pk}/change/",
        {"user": alice.pk, "paper": paper.pk, "status": "queued"},
    )
    assert response.status_code == 403
    fellow.refresh_from_db()
    assert fellow.status == "done"


def test_view_on_site_hands_out_no_tokens(curator_client, other_club, charlie) -> None:
    """The admin's "view on site" redirect is open to all staff, whatever their rights."""
    invitation = Invitation.objects.create(club=other_club, multi_use=True)
    feed = CalendarFeed.objects.create(user=charlie)
    for obj in (invitation, feed):
        kind = ContentType.objects.get_for_model(obj)
        response = curator_client.get(f"/admin/r/{kind.pk}/{obj.pk}/")
        assert response.status_code == 404
        assert obj.token not in response.get("Location", "")


def test_organizers_read_memberships_in_the_admin_but_change_them_in_the_app(
    curator_client, club, charlie
) -> None:
    page = curator_client.get(f"/admin/clubs/club/{club.pk}/change/").content.decode()
    assert "Bob" in page  # listed
    assert 'name="memberships-0-user"' not in page and 'name="memberships-0-role"' not in page
    assert 'name="memberships-MAX_NUM_FORMS" value="0"' in page  # no rows can be added
    data = {
        "name": club.name,
        "slug": club.slug,
        "meeting_weekday": club.meeting_weekday,
        "meeting_time": "17:00:00",
        "time_zone": club.time_zone,
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-0-user": charlie.pk,
        "memberships-0-role": "organizer",
        "memberships-0-joined_at_0": "2026-01-01",
        "memberships-0-joined_at_1": "10:00:00",
    }
    curator_client.post(f"/admin/clubs/club/{club.pk}/change/", data)
    assert not club.memberships.filter(user=charlie).exists()


def test_staff_record_only_their_own_readings(curator, curator_client, charlie, make_paper):
    paper = make_paper("Deep Residual Learning")
    response = curator_client.post(
        "/admin/notes/reading/add/", {"user": charlie.pk, "paper": paper.pk, "status": "done"}
    )
    assert response.status_code == 302
    reading = Reading.objects.get()
    assert reading.user == curator  # not charlie
    page = curator_client.get(f"/admin/notes/reading/{reading.pk}/change/").content.decode()
    assert 'name="user"' not in page


def test_invitations_made_in_the_admin_are_signed_by_their_maker(curator, curator_client, club):
    form = curator_client.get("/admin/clubs/invitation/add/").content.decode()
    assert 'name="created_by"' not in form
    expires = timezone.now() + timedelta(days=7)
    response = curator_client.post(
        "/admin/clubs/invitation/add/",
        {
            "club": club.pk,
            "expires_at_0": expires.strftime("%Y-%m-%d"),
            "expires_at_1": "12:00:00",
        },
    )
    assert response.status_code == 302
    assert Invitation.objects.get().created_by == curator


def test_presenters_are_picked_from_the_organizers_members(
    curator_client, club, bob, make_user
) -> None:
    stranger = make_user("stella", display_name="Stella Stranger")
    form = curator_client.get("/admin/clubs/meeting/add/").content.decode()
    assert f'<option value="{bob.pk}">' in form and "Stella" not in form
    starts = timezone.now() + timedelta(days=5)
    response = curator_client.post(
        "/admin/clubs/meeting/add/",
        {
            "club": club.pk,
            "starts_at_0": starts.strftime("%Y-%m-%d"),
            "starts_at_1": "18:00:00",
            "duration_minutes": 60,
            "minimum_pass": "pass1",
            "presenter": stranger.pk,
        },
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert "Stella" not in response.content.decode()
    assert not Meeting.objects.exists()
