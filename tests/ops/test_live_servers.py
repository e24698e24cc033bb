"""Behaviour only real processes show: an outage of PostgreSQL, and two app processes."""

import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.support import PASSWORD

pytestmark = pytest.mark.live


def fetch(url: str, cookie: str = "") -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_database_outage_gives_a_friendly_503_and_recovers(cluster, start_server) -> None:
    url = start_server()
    assert fetch(url + "/healthz") == (200, "ok\n")
    cluster.pause()
    try:
        status, body = fetch(url + "/healthz")
        assert (status, body) == (503, "database unavailable\n")
        status, body = fetch(url + "/papers/", cookie="sessionid=" + "x" * 32)
        assert status == 503
        assert "Back in a moment" in body and "Traceback" not in body
    finally:
        cluster.resume()
    assert fetch(url + "/healthz") == (200, "ok\n")
    status, body = fetch(url + "/accounts/login/")
    assert status == 200 and "Sign in" in body


@pytest.mark.browser
def test_a_browser_session_works_across_two_app_processes(browser, start_server) -> None:
    first, second = start_server(), start_server()
    context = browser.new_context()
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(first + "/accounts/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(first + "/")
    # Cookies are per host, not per port: the second process gets the same session cookie,
    # as it would behind a load balancer, and finds the session in PostgreSQL.
    page.goto(second + "/accounts/profile/")
    assert page.url == second + "/accounts/profile/"
    assert page.locator("#id_email").input_value() == "alice@example.org"
    page.goto(first + "/papers/")
    assert page.url == first + "/papers/"

    # All state lives in PostgreSQL: a status changed through one process shows at once
    # on the other.
    page.goto(second + "/papers/")
    page.get_by_role("link", name="Attention Is All You Need").click()
    expect(page.locator(".status-line")).to_contain_text("Not on your list")
    path = page.url.removeprefix(second)
    page.goto(first + path)
    page.get_by_role("button", name="Pass 1", exact=True).click()
    expect(page.locator(".status-line")).to_contain_text("Pass 1")
    page.goto(second + path)
    expect(page.locator(".status-line")).to_contain_text("Pass 1")
    context.close()
