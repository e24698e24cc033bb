"""Staff who are not superusers cannot raise anyone's privileges through the admin.

Every test POSTs the admin's own forms, as a browser would, with the fields a hostile
staff user would add: what the page shows is not what is checked.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from accounts.models import User
from tests.support import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def account_admin(make_user) -> User:
    """Staff with what organizers need to create accounts: add, change and view users."""
    user = make_user("otto", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="accounts", codename__in=["add_user", "change_user"]
        )
    )
    return user


@pytest.fixture
def otto(account_admin) -> Client:
    client = Client()
    client.force_login(account_admin)
    return client


@pytest.fixture
def root(make_user) -> User:
    return make_user("root", is_staff=True, is_superuser=True)


def change_form(user: User, **extra) -> dict:
    """The change form's fields as the page submits them, plus `extra`."""
    data = {
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "_save": "Save",
    }
    data.update(extra)
    return data


def every_permission() -> list[str]:
    return [str(pk) for pk in Permission.objects.values_list("pk", flat=True)]


def test_staff_cannot_make_themselves_superuser(otto, account_admin) -> None:
    group = Group.objects.create(name="Everything")
    group.permissions.set(Permission.objects.all())
    data = change_form(
        account_admin,
        display_name="Otto the Organizer",
        is_superuser="on",
        user_permissions=every_permission(),
        groups=[str(group.pk)],
    )
    response = otto.post(f"/admin/accounts/user/{account_admin.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    account_admin.refresh_from_db()
    assert account_admin.display_name == "Otto the Organizer"  # the form was accepted
    assert not account_admin.is_superuser
    assert not account_admin.groups.exists()
    assert account_admin.user_permissions.count() == 2


def test_staff_cannot_grant_privileges_to_a_member(otto, make_user) -> None:
    member = make_user("mia")
    data = change_form(
        member, is_superuser="on", is_staff="on", user_permissions=every_permission()
    )
    response = otto.post(f"/admin/accounts/user/{member.pk}/change/", data)
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.is_superuser, member.is_staff) == (False, False)
    assert not member.user_permissions.exists()


def test_the_privilege_fields_show_read_only(otto, make_user) -> None:
    member = make_user("mia")
    page = otto.get(f"/admin/accounts/user/{member.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page
    assert 'name="is_staff"' not in page
    assert 'name="user_permissions"' not in page


@pytest.mark.parametrize("target", ["root", "other_staff"])
def test_staff_cannot_edit_superusers_or_other_staff(otto, root, make_user, target) -> None:
    account = root if target == "root" else make_user("sam", is_staff=True)
    before = (account.email, account.password, account.is_active)
    change = otto.post(
        f"/admin/accounts/user/{account.pk}/change/",
        change_form(account, email="otto@example.org", is_active=""),
    )
    assert change.status_code == 403
    password = otto.post(
        f"/admin/accounts/user/{account.pk}/password/",
        {"password1": "Taken-0ver!pass", "password2": "Taken-0ver!pass"},
    )
    assert password.status_code == 403
    assert otto.get(f"/admin/accounts/user/{account.pk}/password/").status_code == 403
    deleted = otto.post(f"/admin/accounts/user/{account.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 403
    account.refresh_from_db()
    assert (account.email, account.password, account.is_active) == before
    assert not account.check_password("Taken-0ver!pass")


def test_staff_cannot_bulk_delete_a_superuser(otto, root, account_admin) -> None:
    account_admin.user_permissions.add(Permission.objects.get(codename="delete_user"))
    response = otto.post(
        "/admin/accounts/user/",
        {"action": "delete_selected", "_selected_action": [str(root.pk)], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert User.objects.filter(pk=root.pk).exists()


def test_staff_can_still_manage_members_accounts(otto, make_user) -> None:
    member = make_user("mia")
    response = otto.post(
        f"/admin/accounts/user/{member.pk}/password/",
        {"password1": "A-new-pass-4-mia", "password2": "A-new-pass-4-mia"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("A-new-pass-4-mia")
    created = otto.post(
        "/admin/accounts/user/add/",
        {
            "username": "newcomer",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "_save": "Save",
        },
    )
    assert created.status_code == 302
    assert not User.objects.get(username="newcomer").is_staff


def test_staff_cannot_give_groups_permissions(otto, account_admin) -> None:
    account_admin.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_group", "change_group", "view_group"])
    )
    group = Group.objects.create(name="Organizers")
    group.user_set.add(account_admin)
    response = otto.post(
        f"/admin/auth/group/{group.pk}/change/",
        {"name": "Organizers", "permissions": every_permission()},
    )
    assert response.status_code == 403
    assert not group.permissions.exists()
    assert otto.post("/admin/auth/group/add/", {"name": "Mine"}).status_code == 403
    assert not Group.objects.filter(name="Mine").exists()


def test_superusers_still_manage_privileges(root, make_user) -> None:
    client = Client()
    client.force_login(root)
    member = make_user("mia")
    response = client.post(
        f"/admin/accounts/user/{member.pk}/change/", change_form(member, is_staff="on")
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.is_staff
