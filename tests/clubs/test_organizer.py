from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from clubs.models import Club, Meeting, Membership, Role


def test_create_club_makes_me_organizer(bob_client, bob) -> None:
    response = bob_client.post(
        reverse("clubs:create"),
        {
            "name": "ML Journal Club",
            "description": "",
            "meeting_weekday": 3,
            "meeting_time": "17:30",
            "time_zone": "Europe/Berlin",
            "place": "",
        },
    )
    club = Club.objects.get(name="ML Journal Club")
    assert response["Location"] == reverse("clubs:manage", args=[club.slug])
    assert Membership.objects.get(club=club, user=bob).role == Role.ORGANIZER


def test_schedule_meeting_in_club_time_zone(alice_client, alice, bob, club, make_paper) -> None:
    club.time_zone = "Europe/Berlin"
    club.save()
    paper = make_paper("Attention Is All You Need")
    response = alice_client.post(
        reverse("clubs:meeting-new", args=[club.slug]),
        {
            "starts_at": "2030-01-10T18:00",
            "duration_minutes": 60,
            "papers": [paper.pk],
            "presenter": bob.pk,
            "minimum_pass": "pass2",
            "place": "Room 4",
            "agenda": "Read **all** of it",
        },
    )
    meeting = Meeting.objects.get()
    assert response["Location"] == meeting.get_absolute_url()
    assert meeting.starts_at.isoformat() == "2030-01-10T17:00:00+00:00"
    assert list(meeting.papers.all()) == [paper] and meeting.presenter == bob
    assert "<strong>all</strong>" in meeting.agenda_html


def test_meeting_presenter_must_be_a_member(alice_client, club, charlie, other_club) -> None:
    response = alice_client.post(
        reverse("clubs:meeting-new", args=[club.slug]),
        {
            "starts_at": "2030-01-10T18:00",
            "duration_minutes": 60,
            "presenter": charlie.pk,
            "minimum_pass": "pass1",
        },
    )
    assert response.status_code == 200
    assert not Meeting.objects.exists()


def test_rotation_suggests_who_presented_least_recently(alice_client, alice, bob, club) -> None:
    Meeting.objects.create(club=club, starts_at=timezone.now() - timedelta(days=7), presenter=alice)
    page = alice_client.get(reverse("clubs:meeting-new", args=[club.slug])).content.decode()
    assert (
        "Fair rotation suggests: <strong>Bob</strong> (never presented), <strong>Alice</strong>"
        in page
    )


def test_paper_search_as_you_type(alice_client, club, make_paper) -> None:
    make_paper("Attention Is All You Need")
    make_paper("Deep Residual Learning")
    body = alice_client.get(
        reverse("clubs:paper-search", args=[club.slug]), {"q": "residual"}
    ).content.decode()
    assert "Deep Residual Learning" in body and "Attention" not in body


def test_roles_and_removal(alice_client, alice, bob, club) -> None:
    bob_membership = Membership.objects.get(club=club, user=bob)
    alice_membership = Membership.objects.get(club=club, user=alice)
    response = alice_client.post(
        reverse("clubs:member-role", args=[club.slug, alice_membership.pk]),
        {"role": "member"},
        follow=True,
    )
    assert "at least one organizer" in response.content.decode()
    alice_membership.refresh_from_db()
    assert alice_membership.role == Role.ORGANIZER
    alice_client.post(
        reverse("clubs:member-role", args=[club.slug, bob_membership.pk]), {"role": "organizer"}
    )
    bob_membership.refresh_from_db()
    assert bob_membership.role == Role.ORGANIZER
    alice_client.post(reverse("clubs:member-remove", args=[club.slug, bob_membership.pk]))
    assert not Membership.objects.filter(pk=bob_membership.pk).exists()


def test_new_meeting_form_offers_the_next_slot_in_club_time(alice_client, club) -> None:
    club.time_zone = "Europe/Berlin"
    club.meeting_time = __import__("datetime").time(17, 0)
    club.save()
    form = alice_client.get(reverse("clubs:meeting-new", args=[club.slug])).context["form"]
    assert form.initial["starts_at"].strftime("%H:%M") == "17:00"


def test_editing_keeps_a_presenter_who_left(alice_client, bob, club) -> None:
    meeting = Meeting.objects.create(club=club, starts_at=timezone.now(), presenter=bob)
    Membership.objects.filter(club=club, user=bob).delete()
    page = alice_client.get(reverse("clubs:meeting-edit", args=[club.slug, meeting.pk]))
    assert page.context["form"].initial.get("presenter", meeting.presenter_id) == bob.pk
    assert bob in page.context["form"].fields["presenter"].queryset


def test_used_up_invitations_are_not_listed_as_open(alice_client, club) -> None:
    from clubs.models import Invitation

    used = Invitation.objects.create(club=club, uses=1)
    open_link = Invitation.objects.create(club=club)
    page = alice_client.get(reverse("clubs:manage", args=[club.slug])).context
    assert list(page["invitations"]) == [open_link]
    assert used not in page["invitations"]


def test_invalid_time_zone_is_refused(alice_client, club) -> None:
    from django.core.exceptions import ValidationError

    club.time_zone = "Mars/Olympus"
    try:
        club.full_clean()
    except ValidationError as error:
        assert "time_zone" in error.message_dict
    else:
        raise AssertionError("an unknown time zone was accepted")
