import sys
from datetime import timedelta

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.models import account_fields
from clubs.models import Meeting
from notes.models import STAGE_RANK, Reading, Status
from papers.models import Paper


@require_GET
def today(request: HttpRequest) -> HttpResponse:
    """My next meetings, what I still need to read for them, and my queue."""
    now = timezone.now()
    meetings = list(
        Meeting.objects.filter(
            club__memberships__user=request.user,
            starts_at__gte=now - timedelta(hours=3),
            starts_at__lte=now + timedelta(days=45),
        )
        .select_related("club", "presenter")
        .defer(*account_fields("presenter"))
        .prefetch_related(Prefetch("papers", Paper.objects.titles()))
        .order_by("starts_at")[:6]
    )
    assigned = {paper.pk for meeting in meetings for paper in meeting.papers.all()}
    readings = {
        r.paper_id: r for r in Reading.objects.filter(user=request.user, paper__in=assigned)
    }
    to_read = []
    for meeting in meetings:
        needed = STAGE_RANK[meeting.minimum_pass]
        for paper in meeting.papers.all():
            reading = readings.get(paper.pk)
            if reading is None or reading.rank < needed:
                to_read.append((meeting, paper, reading))
    queue = (
        Reading.objects.filter(
            user=request.user,
            status__in=[Status.QUEUED, Status.PASS1, Status.PASS2, Status.PASS3],
        )
        .select_related("paper")
        .only("status", "paper__title")
        .order_by("-updated_at")[:12]
    )
    context = {"meetings": meetings, "to_read": to_read, "queue": queue}
    return render(request, "core/today.html", context)


@login_not_required
@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and feed readers ask for /favicon.ico whatever the page links to."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers: 200 when the database answers, 503 when it does not. Shows no data."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler: a database outage gets a friendly 503 that asks to retry."""
    error = sys.exc_info()[1]
    if isinstance(error, DatabaseError):
        response = render(request, "503.html", status=503)
        response["Retry-After"] = "30"
        return response
    return render(request, "500.html", status=500)


@login_not_required
@require_GET
def floor(request: HttpRequest) -> HttpResponse:
    return render(request, "core/floor.html")
