from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.views import PasswordResetView

admin.site.site_header = "Reading Group administration"
admin.site.site_title = "Reading Group admin"

urlpatterns = [
    path("", include("core.urls")),
    path("papers/", include("papers.urls")),
    path("reading/", include("notes.urls")),
    path("", include("clubs.urls")),
    path("accounts/", include("accounts.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]

handler500 = "core.views.server_error"
