"""One URL serves a page and, to htmx, the fragment it swaps."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def is_fragment_request(request: HttpRequest) -> bool:
    """An htmx request that wants a fragment (a history restore wants the whole page)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def render_page(request: HttpRequest, template: str, fragment: str, context: dict) -> HttpResponse:
    """Render `template`, or only its `fragment` partial for htmx; caches keep them apart."""
    name = f"{template}#{fragment}" if is_fragment_request(request) else template
    response = render(request, name, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
