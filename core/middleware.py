from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


def private_pages(get_response: Callable[[HttpRequest], HttpResponse]):
    """Every page is someone's: a shared cache (a proxy, a CDN) must never keep one, nor
    the browser once it is left, so the Back button after signing out shows nothing.

    Responses that say how to cache themselves keep their word; static files never get
    here (WhiteNoise answers them first).
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response

    return middleware
