"""What the phone and screen-reader pass found, each held by a check on the page."""

from django.urls import reverse

from clubs.models import CalendarFeed, Club, Invitation, Membership, Role


def test_manage_offers_no_remove_on_my_row_and_a_copy_button(alice, alice_client, bob) -> None:
    club = Club.objects.create(name="Journal Club", slug="journal-club")
    mine = Membership.objects.create(club=club, user=alice, role=Role.ORGANIZER)
    theirs = Membership.objects.create(club=club, user=bob, role=Role.MEMBER)
    invitation = Invitation.objects.create(club=club, multi_use=True)
    page = alice_client.get(reverse("clubs:manage", args=[club.slug])).content.decode()
    assert reverse("clubs:member-remove", args=[club.slug, theirs.pk]) in page
    assert reverse("clubs:member-remove", args=[club.slug, mine.pk]) not in page
    assert f'data-copy="#invitation-{invitation.pk}"' in page and "Copy link" in page
    assert "<th></th>" not in page and 'class="stack-table"' in page


def test_replacing_the_calendar_address_is_not_the_prominent_action(alice, alice_client):
    CalendarFeed.objects.create(user=alice)
    page = alice_client.get(reverse("clubs:calendar")).content.decode()
    copy = page.index('data-copy="#feed-url"')
    replace = page.index("Replace the address")
    assert copy < replace
    assert 'class="secondary outline danger-outline">Replace the address' in page
    assert "data-confirm=" in page[copy:replace]


def test_my_reading_filters_are_labelled(alice_client) -> None:
    page = alice_client.get(reverse("notes:list")).content.decode()
    assert 'aria-label="Show papers with status"' in page and 'aria-label="Group papers"' in page
