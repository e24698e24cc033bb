"""Rate limits counted in the database, and durations in words."""

from datetime import timedelta

import pytest
from django.test import RequestFactory

from core import ratelimit
from core.models import RateCounter
from core.templatetags.durations import duration_words

pytestmark = pytest.mark.django_db


def test_the_limit_allows_that_many_then_refuses_until_the_next_window():
    allowed = [ratelimit.allow("t", "a", limit=3, period=60, now=120.0) for _ in range(5)]
    assert allowed == [True, True, True, False, False]
    assert ratelimit.allow("t", "b", limit=3, period=60, now=121.0), "another key has its own count"
    assert ratelimit.allow("t", "a", limit=3, period=60, now=180.0), "a new window starts afresh"
    assert not RateCounter.objects.filter(key="t:a", window=120).exists(), "old windows are deleted"


def test_any_key_over_its_limit_refuses_and_empty_keys_are_not_counted():
    for _ in range(2):
        ratelimit.allow("t", "ip:1", limit=2, period=60, now=0.0)
    assert not ratelimit.allow("t", "user:9", "ip:1", limit=2, period=60, now=1.0)
    assert ratelimit.allow("t", "", limit=0, period=60, now=1.0)


def test_the_refusal_is_a_429_that_says_how_long_to_wait():
    request = RequestFactory().get("/")
    request.user = None
    response = ratelimit.refused(request, period=900, what="Previews are limited.")
    response.render()
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "Please wait 15 minutes" in response.content.decode()


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (timedelta(minutes=15), "15 minutes"),
        (60, "1 minute"),
        (5400, "1 hour 30 minutes"),
        (3601, "1 hour"),
        (2 * 86400 + 7200, "2 days 2 hours"),
        (45, "45 seconds"),
        (0, "a moment"),
    ],
)
def test_durations_are_said_in_words(value, words):
    assert duration_words(value) == words
