"""Writes that span models happen whole or not at all."""

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from clubs.models import Club, Invitation, Meeting, Membership
from clubs.services import ClubError, create_club, sign_up_and_join
from papers.models import Curriculum, Paper


def test_a_club_whose_curricula_fail_leaves_no_club_and_no_membership(alice) -> None:
    unsaved = Curriculum(name="Never saved")
    with pytest.raises(ValueError):
        create_club(user=alice, name="Half made", curricula=[unsaved])
    assert not Club.objects.filter(name="Half made").exists()
    assert not Membership.objects.filter(user=alice).exists()


def test_a_club_comes_with_its_curricula(alice, make_paper) -> None:
    make_paper(phase=3)
    club = create_club(user=alice, name="Whole", curricula=Curriculum.objects.all())
    assert list(club.curricula.values_list("name", flat=True)) == ["Core ML curriculum"]


def test_a_used_up_invitation_leaves_no_account_behind(club) -> None:
    invitation = Invitation.objects.create(
        club=club, expires_at=timezone.now() + timedelta(days=1), uses=1
    )
    account = {
        "username": "latecomer",
        "email": "late@example.org",
        "password1": "a long enough passphrase",
        "display_name": "Late",
    }
    with pytest.raises(ClubError):
        sign_up_and_join(invitation=invitation, account=account)
    assert not User.objects.filter(username="latecomer").exists()


def test_a_meeting_whose_papers_fail_is_not_saved(
    alice_client, club, make_paper, monkeypatch
) -> None:
    from clubs.forms import MeetingForm

    def broken(self):
        raise IntegrityError("the papers could not be saved")

    monkeypatch.setattr(MeetingForm, "_save_m2m", broken)
    data = {
        "starts_at": "2031-01-09T17:00",
        "duration_minutes": 60,
        "papers": [make_paper().pk],
        "minimum_pass": "pass1",
    }
    with pytest.raises(IntegrityError):
        alice_client.post(reverse("clubs:meeting-new", args=[club.slug]), data)
    assert not Meeting.objects.filter(club=club).exists()


def test_a_paper_whose_topics_fail_is_not_added(staff_client, monkeypatch) -> None:
    from papers.forms import PaperForm

    def broken(self):
        raise IntegrityError("the topics could not be saved")

    monkeypatch.setattr(PaperForm, "_save_m2m", broken)
    data = {"title": "Half added", "kind": "paper", "authors": "A. Author", "year": 2024}
    with pytest.raises(IntegrityError):
        staff_client.post(reverse("papers:add"), data)
    assert not Paper.objects.filter(title="Half added").exists()
