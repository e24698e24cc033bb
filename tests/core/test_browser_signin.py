import pytest

from tests.support import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_and_out_in_a_real_browser(page, live_server, make_user, screenshot) -> None:
    make_user("alice", display_name="Alice")

    page.goto("/")
    assert page.url.endswith("/accounts/login/?next=/")
    screenshot(page, "redirected-to-sign-in")

    page.fill("#id_username", "alice")
    page.fill("#id_password", "wrong password")
    page.click("button[type=submit]")
    assert page.get_by_role("alert").inner_text().startswith("Your username and password")
    screenshot(page, "wrong-password")

    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Hello, Alice"
    screenshot(page, "today")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")
    screenshot(page, "signed-out")
    page.goto("/")
    assert "/accounts/login/" in page.url
