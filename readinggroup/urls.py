from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Reading Group administration"
admin.site.site_title = "Reading Group admin"

urlpatterns = [
    path("", include("core.urls")),
    path("papers/", include("papers.urls")),
    path("reading/", include("notes.urls")),
    path("", include("clubs.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]
