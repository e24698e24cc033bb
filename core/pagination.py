"""A page of a queryset and its total in one query.

Django's Paginator counts with a query of its own before it fetches the page. Lists that
are re-fetched on every keystroke (the canon's search as you type) read the total from a
`COUNT(*) OVER ()` window on the page's rows instead.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window


def page_with_total(queryset: QuerySet, number: str | int | None, per_page: int) -> Page:
    """The page `number` (the last page when past the end, the first when not a number),
    with `page.paginator.count` set from the same query."""
    paginator = Paginator(queryset, per_page)
    try:
        wanted = max(int(number), 1) if number is not None else 1
    except (TypeError, ValueError):
        wanted = 1
    if queryset.query.distinct:
        # The window counts rows before DISTINCT folds them; count them apart.
        return paginator.get_page(wanted)
    start = (wanted - 1) * per_page
    rows = list(queryset.annotate(total_rows=Window(Count("*")))[start : start + per_page])
    if rows:
        paginator.count = rows[0].total_rows  # read once, Paginator caches it here
        return Page(rows, wanted, paginator)
    if wanted == 1:
        paginator.count = 0
        return Page([], 1, paginator)
    # Past the last page, as when a filter shrinks the list: show the last page.
    return paginator.get_page(wanted)
