from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from clubs.models import Club, Meeting, Membership, Role


@pytest.fixture
def club(alice, bob) -> Club:
    """Journal club: alice organizes, bob is a member."""
    club = Club.objects.create(name="Journal Club", slug="journal-club")
    Membership.objects.create(club=club, user=alice, role=Role.ORGANIZER)
    Membership.objects.create(club=club, user=bob, role=Role.MEMBER)
    return club


@pytest.fixture
def other_club(charlie) -> Club:
    club = Club.objects.create(name="Other Club", slug="other-club")
    Membership.objects.create(club=club, user=charlie, role=Role.ORGANIZER)
    return club


@pytest.fixture
def charlie_client(charlie) -> Client:
    client = Client()
    client.force_login(charlie)
    return client


@pytest.fixture
def meeting(club, make_paper) -> Meeting:
    meeting = Meeting.objects.create(club=club, starts_at=timezone.now() + timedelta(days=3))
    meeting.papers.add(make_paper("Attention Is All You Need"))
    return meeting
