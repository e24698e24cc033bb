"""Pages for notifications: a member's choices, one-click unsubscribe, a club's chat."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from .access import club_for_organizer
from .forms import ClubNotificationsForm
from .models import Membership
from .notifications import PREFERENCES, read_unsubscribe_token, send_test_webhook


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """Each of my clubs, with what I want from it."""
    memberships = list(
        Membership.objects.filter(user=request.user).select_related("club").order_by("club__name")
    )
    if request.method == "POST":
        for membership in memberships:
            for name, (attribute, _) in PREFERENCES.items():
                setattr(membership, attribute, f"{name}-{membership.pk}" in request.POST)
        Membership.objects.bulk_update(memberships, [a for a, _ in PREFERENCES.values()])
        messages.success(request, "Your notification choices are saved.")
        return redirect("clubs:notifications")
    return render(
        request,
        "clubs/notifications.html",
        {"memberships": memberships, "email": request.user.email},
    )


@login_not_required
@csrf_exempt  # mail clients POST here without a session (RFC 8058); the token is the key
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (link scanners follow links); POST, from the page or a mail client, stops."""
    found = read_unsubscribe_token(token)
    membership = None
    if found:
        pk, preference = found
        membership = Membership.objects.select_related("club", "user").filter(pk=pk).first()
    if membership is None:
        return render(request, "clubs/unsubscribe.html", {"invalid": True}, status=400)
    attribute, label = PREFERENCES[preference]
    done = request.method == "POST"
    if done and getattr(membership, attribute):
        setattr(membership, attribute, False)
        membership.save(update_fields=[attribute])
    return render(
        request,
        "clubs/unsubscribe.html",
        {"membership": membership, "label": label, "done": done},
    )


@require_http_methods(["GET", "POST"])
def club_notifications(request: HttpRequest, slug: str) -> HttpResponse:
    club, _ = club_for_organizer(request, slug)
    form = ClubNotificationsForm(request.POST or None, instance=club)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Notification settings saved.")
        return redirect("clubs:club-notifications", slug=club.slug)
    return render(request, "clubs/club_notifications.html", {"club": club, "form": form})


@require_POST
def test_webhook(request: HttpRequest, slug: str) -> HttpResponse:
    club, _ = club_for_organizer(request, slug)
    if not club.webhook_url:
        messages.error(request, "Save a chat webhook address first.")
    elif error := send_test_webhook(club, request.user):
        messages.error(request, f"The test message did not arrive: {error}")
    else:
        messages.success(request, "Test message sent. Check the club's chat.")
    return redirect("clubs:club-notifications", slug=club.slug)
