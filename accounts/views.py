from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core import ratelimit

from .forms import ProfileForm

# Reset mails an address may be sent, and reset requests one client may make, per hour.
RESET_PER_EMAIL = 3
RESET_PER_ADDRESS = 20
HOUR = 3600


@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile was saved.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset form, throttled per email address and per client, and naming the
    site in its mail (not the host the request came in on).

    Over either limit the answer is the same whatever the address, so it tells no one
    whether an account exists; nothing is sent.
    """

    def form_valid(self, form):
        self.extra_email_context = {"site_name": settings.SITE_NAME}
        email = form.cleaned_data["email"].strip().casefold()
        per_email = ratelimit.allow(
            "password-reset", f"email:{email}", limit=RESET_PER_EMAIL, period=HOUR
        )
        per_client = ratelimit.allow(
            "password-reset",
            f"ip:{ratelimit.client_ip(self.request)}",
            limit=RESET_PER_ADDRESS,
            period=HOUR,
        )
        if not (per_email and per_client):
            return ratelimit.refused(
                self.request, period=HOUR, what="Reset links are limited to a few an hour."
            )
        return super().form_valid(form)
