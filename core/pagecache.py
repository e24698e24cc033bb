"""Whole pages kept per member and served again without running their view.

A page is stored under a key made of everything it was built from: its URL, whether
htmx asked for a fragment, the member, the member's generation, the canon's generation
and the sum of the generations of the member's clubs (core/generations.py). The
database bumps those counters on every write a page could show, so a changed page gets
a new key and the old entry is never served again; entries also expire after
`PAGE_CACHE_SECONDS`, which bounds how long time-dependent parts (what counts as
"upcoming") may lag.

A hit costs a cache read and no query beyond the session and the user that every
signed-in request loads: the user comes with the counters.

Not cached: staff (their pages depend on permissions), a request with messages to
show, anything but a GET answered with 200, a response that sets cookies, and pages
larger than `PAGE_CACHE_MAX_BYTES` once compressed. Pages are stored compressed (the
largest, the who-has-read-what matrix, shrinks about tenfold). A hit rebuilds the
response from the body and headers alone. The CSRF token differs per browser, so a
stored page holds a random placeholder of its own that each response replaces with
that browser's token.
"""

from __future__ import annotations

import hashlib
import secrets
import zlib
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.response import SimpleTemplateResponse

from .htmx import is_fragment_request

CAPTURING = "_page_cache_capturing"


def csrf_placeholder(request: HttpRequest) -> dict[str, str]:
    """Context processor: while a page is being rendered for the store, it gets that
    page's placeholder instead of this browser's token (it comes after Django's own)."""
    mark = getattr(request, CAPTURING, None)
    return {"csrf_token": mark} if mark else {}


def generations(user) -> tuple | None:
    """The member's, the canon's and the sum of the member's clubs' counters.

    The signed-in user brings them along (accounts.backends.MemberBackend), so reading
    them costs no query; a user loaded another way gets them in one (None if the
    account was closed meanwhile).
    """
    if not hasattr(user, "clubs_generation"):
        from accounts.backends import MemberBackend

        user = MemberBackend().get_user(user.pk)
        if user is None:
            return None
    return (user.generation, user.canon_generation, user.clubs_generation)


def cacheable(request: HttpRequest) -> bool:
    user = request.user
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method == "GET"
        and user.is_authenticated
        and not user.is_staff
        and not len(get_messages(request))
    )


def page_key(request: HttpRequest) -> str | None:
    counters = generations(request.user)
    if counters is None:
        return None
    parts = (request.get_full_path(), is_fragment_request(request), request.user.pk, *counters)
    return "page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def cached_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve the view's page from the cache while nothing it shows has changed."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        key = page_key(request) if cacheable(request) else None
        if key is None:
            return view(request, *args, **kwargs)
        cache = caches[settings.PAGE_CACHE]
        stored = cache.get(key)
        if stored is None:
            # A fresh random placeholder for each stored page, kept with it and never
            # sent: nobody can know it, so nobody can plant it in a note to be swapped
            # for a reader's token. 64 characters, like a real token.
            mark = secrets.token_hex(32)
            setattr(request, CAPTURING, mark)
            try:
                response = view(request, *args, **kwargs)
                if isinstance(response, SimpleTemplateResponse):
                    response.render()  # while the placeholder stands in for the token
            finally:
                setattr(request, CAPTURING, None)
            if response.status_code != 200 or response.streaming or response.cookies:
                return with_token(request, response, mark)
            headers = [h for h in response.items() if h[0] != "Content-Length"]
            stored = (zlib.compress(response.content, 1), headers, mark)
            if len(stored[0]) <= settings.PAGE_CACHE_MAX_BYTES:
                cache.set(key, stored, settings.PAGE_CACHE_SECONDS)
        content, headers, mark = stored
        response = HttpResponse(zlib.decompress(content))
        for name, value in headers:
            response[name] = value
        return with_token(request, response, mark)

    return wrapper


def with_token(request: HttpRequest, response: HttpResponse, mark: str) -> HttpResponse:
    """Put this browser's CSRF token where the stored page holds its placeholder."""
    if not response.streaming and mark.encode() in response.content:
        response.content = response.content.replace(mark.encode(), get_token(request).encode())
    return response
