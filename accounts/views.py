from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from core import ratelimit
from papers.exports import attachment

from .export import member_json
from .forms import DeleteAccountForm, ProfileForm
from .services import AccountInUse, clubs_left_without_organizer, clubs_of_one, delete_account

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


@require_GET
def data(request: HttpRequest) -> HttpResponse:
    """Everything I have here, as one JSON file."""
    name = f"{slugify(settings.SITE_NAME) or 'reading-group'}-{slugify(request.user.username)}.json"
    return attachment(member_json(request.user), "application/json", name)


@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest) -> HttpResponse:
    """Delete my account after I confirm with my password."""
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            delete_account(
                user=request.user, keep_shared_logs=form.cleaned_data["keep_shared_logs"]
            )
        except AccountInUse as refused:
            form.add_error(None, str(refused))
        else:
            logout(request)
            messages.success(request, "Your account and your notes were deleted.")
            return redirect("login")
    context = {
        "form": form,
        "blocked_by": clubs_left_without_organizer(request.user),
        "clubs_going": list(clubs_of_one(request.user).values_list("name", flat=True)),
    }
    return render(request, "accounts/delete.html", context)


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
