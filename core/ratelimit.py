"""Fixed-window rate limits shared by every worker process, counted in the database.

    if not ratelimit.allow("preview", f"user:{request.user.pk}", limit=60, period=60):
        return ratelimit.refused(request, period=60)

A window is `period` seconds long; the first `limit` events of a key in a window are
allowed and the rest refused until the next window begins. Counting is one UPDATE (an
INSERT the first time), so two processes counting at once never lose an event.
"""

from __future__ import annotations

import time

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from .models import RateCounter
from .templatetags.durations import duration_words


def client_ip(request: HttpRequest) -> str:
    """The client's address as django-axes resolved it (it honours AXES_PROXY_COUNT)."""
    return getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR", "")


_UPSERT = (
    'INSERT INTO {table} ("key", "window", "count") VALUES (%s, %s, 1) '
    'ON CONFLICT ("key", "window") DO UPDATE SET "count" = {table}."count" + 1 '
    'RETURNING "count"'
)


def count(scope: str, who: str, *, period: int, now: float | None = None) -> int:
    """Count one event for (scope, who) in the current window; the window's count so far.

    One statement (an upsert, which PostgreSQL and SQLite both run atomically), so every
    limited request pays one query; the first event of a window also deletes the key's
    older windows.
    """
    moment = time.time() if now is None else now
    window = int(moment // period) * period
    key = f"{scope}:{who}"[:200]
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT.format(table=table), [key, window])
        (counted,) = cursor.fetchone()
    if counted == 1:  # a new window for this key: the key's older windows are over
        RateCounter.objects.filter(key=key, window__lt=window).delete()
    return counted


def allow(scope: str, *whos: str, limit: int, period: int, now: float | None = None) -> bool:
    """Count one event for each `who` (a member, an address, an email); False if any is over."""
    over = False
    for who in whos:
        if who and count(scope, who, period=period, now=now) > limit:
            over = True
    return not over


def refused(request: HttpRequest, *, period: int, what: str = "") -> HttpResponse:
    """The page (or htmx fragment) that says a limit was reached: status 429."""
    response = TemplateResponse(
        request,
        "429.html",
        {"wait": duration_words(period), "what": what},
        status=429,
    )
    response["Retry-After"] = str(period)
    return response
